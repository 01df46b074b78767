"""Build the workbooks we ship from code and macros/*.bas: the master .xlsm and the unit template .xlsx.

Two builds are byte-identical: fixed document properties, XlsxWriter's fixed zip timestamps,
and the master's zip rewritten with fixed entry times after our sheets are transplanted in.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import xlsxwriter

from addin import catalogue as catalogue_mod
from addin import schema
from addin.merge import assemble
from addin.rules import row as row_criteria
from addin.schema import REGISTRATIONS
from addin.workbook.master import write_sheets
from addin.workbook.masterbook import MasterContent, history_sheets, master_sheets
from addin.excel.layout import (
    BUTTONS,
    MODULE,
    PDF_DEFAULT,
    PDF_LABEL_CELL,
    PDF_SHEET_CELL,
    PDF_SHEETS,
)

MASTER_NAME = "tdkt-tong-hop.xlsm"
TEMPLATE_NAME = "mau-danh-sach-de-nghi.xlsx"


def shipped(folder: str) -> Path:
    """workbooks/ or macros/: inside an installed wheel (addin/_shipped/, copied by setup.py),
    else the repository's own top-level folder (a checkout or an editable install)."""
    here = Path(__file__).resolve().parent
    packaged = here / "_shipped" / folder
    return packaged if packaged.is_dir() else here.parent / folder


MACROS = shipped("macros")
BUILT_AT = datetime(2025, 1, 1)  # fixed, so that two builds are byte-identical
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# Sheets in the order the clerk sees them. Ours are placeholders here, filled by the transplant.
MASTER_SHEETS = schema.SHEET_ORDER
PLACEHOLDERS = {
    schema.CHECK: "Bấm nút \"Kiểm tra hồ sơ\" ở trang DieuKhien: kết quả kiểm tra các tệp trong hộp thư được ghi ở đây.",
    schema.TALLY: "Bấm nút \"Lập biểu tổng hợp\" ở trang DieuKhien: biểu tổng hợp được ghi ở đây.",
    schema.DELEGATES: "Bấm nút \"Lập danh sách đại biểu\" ở trang DieuKhien: danh sách đại biểu được ghi ở đây.",
    schema.SUBMISSION_STATUS: "Bấm nút \"Tình hình nộp\" ở trang DieuKhien: đơn vị nào đã nộp, chưa nộp, nộp muộn "
                              "(theo trang DonVi và ô \"Hạn nộp\" của CauHinh) được ghi ở đây.",
}
# xlwings reads its settings from a sheet of this name (key in A, value in B, no quotes). Empty
# values fall back to the xlwings add-in's settings; the clerk fills in Interpreter_Win only when
# Python is not on the PATH (e.g. C:\Users\...\AppData\Local\Programs\Python\Python312\pythonw.exe).
XLWINGS_CONF = [["Interpreter_Win", ""], ["PYTHONPATH", ""], ["Show Console", "False"], ["Use UDF Server", "False"]]

INSTRUCTIONS = [
    "CÁCH DÙNG SỔ TỔNG HỢP",
    "1. Điền trang CauHinh một lần: tên cơ quan, địa danh, người ký, số đại biểu... và \"Thư mục hộp thư\".",
    "2. Lưu mọi tệp các đơn vị gửi về (tệp Excel, thư .eml, tệp .zip) vào thư mục hộp thư (mặc định: thư mục hop-thu cạnh sổ).",
    "3. Bấm \"Kiểm tra hồ sơ\" để xem tệp nào còn lỗi, rồi \"Gộp hồ sơ các đơn vị\" để gộp vào trang DanhSach.",
    "4. Bấm \"Lập biểu tổng hợp\", \"Lập danh sách đại biểu\"; chọn trang ở ô bên dưới rồi bấm \"Xuất PDF\" để in.",
    "   Hồ sơ còn lỗi: bấm \"Trả lại đơn vị\" (tệp trả lại ở thư mục tra-lai cạnh sổ). Xét xong: \"Ghi kết quả vào sổ\" (trang LichSu).",
    "5. Lưu sổ (Ctrl+S) sau mỗi lần bấm nút. Trang DanhMuc (danh mục danh hiệu) và BiDanh (tên đơn vị) sửa được.",
    "6. Trang DonVi: các đơn vị phải nộp (tên chính thức, email, tên khác). Bấm \"Tình hình nộp\" để xem ai chưa nộp,",
    "   \"Nhắc đơn vị chưa nộp\" để soạn thư nhắc (thư mục nhac-nop cạnh sổ); hạn nộp ghi ở ô \"Hạn nộp\" của CauHinh.",
]


class BuildError(Exception):
    """The workbooks cannot be built as they must be (the message is for the clerk)."""


PUBLIC_SUB = re.compile(r"^[ \t]*(?:Public[ \t]+)?Sub[ \t]+(\w+)[ \t]*\(", re.M | re.I)


def missing_macros(modules: dict[str, str]) -> list[str]:
    """The buttons' macros that are not a public Sub of module MODULE in `modules` (name -> source)."""
    subs = set(PUBLIC_SUB.findall(modules.get(MODULE, "")))
    return [b.macro for b in BUTTONS if b.macro not in subs]


def vba_project(macros: Path = MACROS) -> bytes:
    """vbaProject.bin holding every module of macros/*.bas (CRLF, as the VBA editor stores them).

    Read back after it is written: a project missing any button's macro is a BuildError, never a
    workbook whose buttons call nothing.
    """
    import pyopenvba

    with tempfile.TemporaryDirectory(prefix="tdkt-vba-") as work:
        path = Path(work) / "vba.xlsm"
        book = pyopenvba.ExcelFile.create_new(path)
        project = book.vba_project()
        for name in list(project.module_names()):
            if name not in ("ThisWorkbook", "Sheet1"):
                project.delete_module(name)  # the empty Module1 of a new file
        for bas in sorted(macros.glob("*.bas")):
            source = bas.read_text(encoding="ascii").replace("\r\n", "\n").replace("\n", "\r\n")
            project.add_module(bas.stem, source)
        book.save()
        again = pyopenvba.ExcelFile(path).vba_project()
        missing = missing_macros({name: again.get_module(name).source for name in again.module_names()})
        if missing:
            raise BuildError(f"Thư mục macro {macros} thiếu mô-đun {MODULE}.bas hoặc thiếu thủ tục "
                             f"{', '.join(missing)}: không tạo sổ có nút bấm gọi macro không tồn tại.")
        with zipfile.ZipFile(path) as z:
            return z.read("xl/vbaProject.bin")


def _normalise_zip(path: Path) -> None:
    """Rewrite a package with fixed entry times and attributes (zipfile stamps the current time)."""
    with zipfile.ZipFile(path) as z:
        parts = [(info.filename, z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, data)


def _base_master(path: Path, vba: bytes) -> None:
    """The frame of the master: the control sheet with its buttons, placeholders, xlwings.conf, VBA."""
    import io

    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False})
    book.set_properties({"title": "Sổ tổng hợp thi đua, khen thưởng", "author": "tdkt", "created": BUILT_AT})
    book.set_vba_name("ThisWorkbook")
    book.add_vba_project(io.BytesIO(vba), is_stream=True)
    base = {"font_name": "Times New Roman", "font_size": 12, "valign": "vcenter"}
    title = book.add_format({**base, "bold": True, "font_size": 16})
    text = book.add_format({**base, "text_wrap": True})
    bold = book.add_format({**base, "bold": True})
    choice = book.add_format({**base, "bold": True, "bg_color": "#FFF2CC", "border": 1})
    for name in MASTER_SHEETS:
        ws = book.add_worksheet(name)
        if name == schema.CONTROL:
            ws.set_vba_name("Sheet1")  # the document module the VBA project already has
            ws.hide_gridlines(2)
            ws.set_column(0, 0, 2)
            ws.set_column(1, 1, 30)
            ws.set_column(2, 2, 90)
            ws.set_landscape()
            ws.set_paper(9)
            ws.fit_to_pages(1, 1)
            ws.write_string(0, 1, "SỔ TỔNG HỢP THI ĐUA, KHEN THƯỞNG", title)
            ws.merge_range(1, 1, 1, 2, "Bấm một nút để làm việc; kết quả và thông báo hiện ra ngay trong sổ.", text)
            for i, b in enumerate(BUTTONS):
                row = 3 + 2 * i
                ws.set_row(row, 30)
                ws.insert_button(row, 1, {"macro": b.macro, "caption": b.caption, "width": 200, "height": 36})
                ws.write_string(row, 2, b.help, text)
            label_row = int(PDF_LABEL_CELL[1:]) - 1
            ws.write_string(label_row, 1, "Trang cần xuất PDF:", bold)
            ws.write_string(label_row, 2, PDF_DEFAULT, choice)
            ws.data_validation(PDF_SHEET_CELL, {"validate": "list", "source": PDF_SHEETS,
                                                "input_title": "Xuất PDF", "input_message": "Chọn trang cần xuất"})
            for i, line in enumerate(INSTRUCTIONS):
                ws.merge_range(label_row + 2 + i, 1, label_row + 2 + i, 2, line, bold if i == 0 else text)
            ws.activate()
        elif name == schema.XLWINGS_CONF:
            ws.set_column(0, 1, 24)
            for r, (key, value) in enumerate(XLWINGS_CONF):
                ws.write_string(r, 0, key)
                if value:
                    ws.write_string(r, 1, value)
            ws.hide()
        elif name in PLACEHOLDERS:
            ws.set_column(0, 0, 100)
            ws.write_string(0, 0, PLACEHOLDERS[name], text)
    book.close()


def build_master(out: Path, macros: Path = MACROS) -> Path:
    """The master .xlsm: control sheet with buttons, the merge's sheets (empty), the clerk's sheets."""

    vba = vba_project(macros)  # first: a BuildError leaves nothing behind
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tdkt-build-", dir=out.parent) as work:
        path = Path(work) / out.name
        _base_master(path, vba)
        at = BUILT_AT.astimezone()
        sheets = master_sheets(MasterContent(), assemble({}), [], [], at, unit=None)
        lists = (REGISTRATIONS.rows, REGISTRATIONS.issues, REGISTRATIONS.log)
        sheets += [s for s in master_sheets(MasterContent(), assemble({}), [], [], at, unit=None, sheets=REGISTRATIONS)
                   if s.name in lists]
        sheets += history_sheets([], [], catalogue_mod.default_catalogue())  # LichSu (empty) and QuyDinh
        # The placeholders exist already: overwrite them in place, the clerk's sheets included.
        # No tdkt-id: every clerk copies this workbook, and copies sharing one would skip each other.
        write_sheets(path, [replace(s, only_if_missing=False) for s in sheets], keep_backups=0, identity=False)
        _normalise_zip(path)
        shutil.move(str(path), out)
    return out


# ---------------------------------------------------------------------------
# The unit template

TEMPLATE_SHEET = schema.TEMPLATE_LIST
TEMPLATE_HEADERS: list[tuple[str, float]] = [
    ("STT", 6), ("Họ và tên", 26), ("Ngày sinh", 12), ("Giới tính", 9), ("Dân tộc", 10), ("Chức vụ", 20),
    ("Đơn vị công tác", 28), ("Xếp loại", 12), ("Danh hiệu, hình thức đề nghị", 34), ("Tên sáng kiến", 30),
    ("Số QĐ công nhận sáng kiến", 16), ("Tóm tắt thành tích", 36), ("Ghi chú", 16),
]
TEMPLATE_UNIT_CELL = "C4"  # beside "Đơn vị:" in B4: ingest's template unit cell
TEMPLATE_ROWS = 200  # rows that carry the dropdowns
RATINGS = ["HTXSNV", "HTTNV", "HTNV", "KHTNV"]
GENDERS = ["Nam", "Nữ"]
TEMPLATE_HELP = [
    "HƯỚNG DẪN ĐIỀN DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG",
    "1. Ghi tên đơn vị vào ô màu vàng cạnh chữ \"Đơn vị:\" ở trang DanhSach (ví dụ: Trường THCS Nguyễn Du).",
    "2. Mỗi người hoặc tập thể một dòng, từ dòng 9. Không chèn thêm dòng tiêu đề, không gộp ô trong bảng.",
    "3. Ngày sinh ghi ngày/tháng/năm (ví dụ 05/09/1985); chỉ biết năm thì ghi năm.",
    "4. Giới tính, Xếp loại và Danh hiệu chọn trong danh sách thả xuống; đề nghị hai hình thức thì ghi cách nhau dấu chấm phẩy.",
    *(f"5. {line}" if i == 0 else f"   {line}" for i, line in enumerate(row_criteria.help_lines())),
    "6. Lưu tệp dạng .xlsx và gửi qua thư điện tử; gửi lại cả danh sách khi sửa (bản sau thay bản trước).",
    "",
    "DANH MỤC DANH HIỆU, HÌNH THỨC KHEN THƯỞNG",
]


def build_template(out: Path) -> Path:
    """The unit template .xlsx: title block, unit cell, header, dropdowns, an instructions sheet."""
    awards = [a.name for a in sorted(catalogue_mod.default_catalogue().awards.values(), key=lambda a: (a.rank, a.code))]
    out.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False, "strings_to_numbers": False,
                                          "strings_to_urls": False})
    book.set_properties({"title": "Danh sách đề nghị khen thưởng", "author": "tdkt", "created": BUILT_AT})
    base = {"font_name": "Times New Roman", "font_size": 12, "valign": "vcenter"}
    center = book.add_format({**base, "align": "center"})
    center_bold = book.add_format({**base, "align": "center", "bold": True})
    motto_sub = book.add_format({**base, "align": "center", "bold": True, "underline": 1})
    title = book.add_format({**base, "align": "center", "bold": True, "font_size": 14})
    label = book.add_format({**base, "bold": True, "align": "right"})
    unit = book.add_format({**base, "bold": True, "bg_color": "#FFF2CC", "border": 1})
    header = book.add_format({**base, "bold": True, "align": "center", "text_wrap": True, "border": 1,
                              "bg_color": "#DDEBF7"})
    cell = book.add_format({**base, "border": 1})
    date = book.add_format({**base, "border": 1, "num_format": "dd/mm/yyyy"})
    text = book.add_format({**base, "text_wrap": True})
    bold = book.add_format({**base, "bold": True})
    ws = book.add_worksheet(TEMPLATE_SHEET)
    help_ws = book.add_worksheet("Hướng dẫn")
    width = len(TEMPLATE_HEADERS)
    for c, (_, w) in enumerate(TEMPLATE_HEADERS):
        ws.set_column(c, c, w)
    ws.merge_range(0, 0, 0, 4, "TÊN CƠ QUAN CẤP TRÊN", center)
    ws.merge_range(0, 6, 0, width - 1, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", center_bold)
    ws.merge_range(1, 6, 1, width - 1, "Độc lập - Tự do - Hạnh phúc", motto_sub)
    ws.merge_range(2, 6, 2, width - 1, "..., ngày ... tháng ... năm ...", center)
    ws.write_string(3, 1, "Đơn vị:", label)
    ws.merge_range(f"{TEMPLATE_UNIT_CELL}:G4", "", unit)
    ws.merge_range(5, 0, 5, width - 1, "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG", title)
    ws.merge_range(6, 0, 6, width - 1, "Năm học 20..-20..", center)
    header_row = 7
    ws.set_row(header_row, 36)
    ws.write_row(header_row, 0, [h for h, _ in TEMPLATE_HEADERS], header)
    for r in range(header_row + 1, header_row + 1 + TEMPLATE_ROWS):
        for c, (name, _) in enumerate(TEMPLATE_HEADERS):
            ws.write_blank(r, c, None, date if name == "Ngày sinh" else cell)
    ws.freeze_panes(header_row + 1, 0)
    first, last = header_row + 1, header_row + TEMPLATE_ROWS
    column = {h: c for c, (h, _) in enumerate(TEMPLATE_HEADERS)}
    ws.data_validation(first, column["Giới tính"], last, column["Giới tính"],
                       {"validate": "list", "source": GENDERS, "error_title": "Giới tính",
                        "error_message": "Chọn Nam hoặc Nữ."})
    ws.data_validation(first, column["Xếp loại"], last, column["Xếp loại"],
                       {"validate": "list", "source": RATINGS, "error_title": "Xếp loại",
                        "error_message": "Chọn HTXSNV, HTTNV, HTNV hoặc KHTNV."})
    list_top = len(TEMPLATE_HELP)  # the award names sit under the instructions (row list_top + 1 on)
    ws.data_validation(first, column["Danh hiệu, hình thức đề nghị"], last, column["Danh hiệu, hình thức đề nghị"],
                       {"validate": "list",
                        "source": f"='Hướng dẫn'!$A${list_top + 1}:$A${list_top + len(awards)}",
                        # a warning, not a stop: two awards on one row ("LĐTT; Giấy khen") are allowed
                        "error_type": "warning", "error_title": "Danh hiệu, hình thức",
                        "error_message": "Không có trong danh mục. Vẫn ghi? (Hai hình thức thì cách nhau dấu ;)"})
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    ws.activate()
    help_ws.set_column(0, 0, 110)
    for r, line in enumerate(TEMPLATE_HELP):
        help_ws.write_string(r, 0, line, bold if r in (0, len(TEMPLATE_HELP) - 1) else text)
    for i, name in enumerate(awards):
        help_ws.write_string(list_top + i, 0, name)
    book.close()
    return out


def build_workbooks(outdir: Path) -> list[Path]:
    """Build both workbooks into outdir; return their paths."""
    outdir = Path(outdir)
    return [build_master(outdir / MASTER_NAME), build_template(outdir / TEMPLATE_NAME)]
