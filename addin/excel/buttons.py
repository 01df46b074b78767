"""The buttons of the master workbook: one function per button, named like the VBA Sub that calls it.

Each button is run by xlwings' RunPython while the master is open in Excel. The file is then
locked (Windows) and the clerk's unsaved edits live only in Excel, so a button never reads or
writes the .xlsm underneath: it reads what it needs from the open book (DanhSach, Loi, NhatKy,
CauHinh, KhachMoi, BiDanh, DanhMuc) in one range call per sheet, reads the units' files from
the inbox folder named in CauHinh, runs the same core as the CLI (addin.jobs), and writes the
same sheets back into the open book through xlwings, in bulk (addin.excel.render). The clerk
saves the book as usual; Excel's own undo history and backups apply.

Every function takes an optional book (default: xw.Book.caller(), the book whose button was
clicked); tests pass a book of xlwings' remote engine built from the real master. Failures are
message boxes in Vietnamese, never a traceback.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import tempfile
import time
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

from addin.excel.layout import CHECK_SHEET, CONTROL_SHEET, PDF_DEFAULT, PDF_SHEET_CELL, REGISTER_SHEET
from addin.excel.render import sheet_of, write_sheet
from addin.models import Severity
from addin.settings import SHEET as SETTINGS_SHEET
from addin.workbook.masterbook import (
    SHEET_ALIASES,
    SHEET_GUESTS,
    SHEET_ISSUES,
    SHEET_LIST,
    SHEET_LOG,
    MasterContent,
    content_from_sheets,
)

TITLE = "tdkt - Thi đua, khen thưởng"
LOG_FILE = Path(tempfile.gettempdir()) / "tdkt-nut-bam.log"
# DangKy too: the merge warns about proposals nobody registered for (registrations, issue 5).
MASTER_SHEETS = [SHEET_LIST, SHEET_ISSUES, SHEET_LOG, SETTINGS_SHEET, SHEET_GUESTS, SHEET_ALIASES, "DanhMuc", REGISTER_SHEET]
_SEVERITY = {Severity.ERROR: "Lỗi", Severity.WARNING: "Cảnh báo", Severity.INFO: "Thông tin"}


class ButtonError(Exception):
    """Why a button cannot do its work; the message is Vietnamese, for the clerk."""


def _caller() -> Any:
    import xlwings as xw  # only here: the core and the CLI run without Excel or xlwings

    return xw.Book.caller()


def alert(book: Any, text: str, *, critical: bool = False) -> None:
    """A message box in Excel (with the remote engine: an alert action)."""
    try:
        book.app.alert(text, title=TITLE, mode="critical" if critical else "info")
    except Exception:  # no Excel to show it in: the log keeps it
        logging.getLogger("tdkt").warning(text)


def button(action: str) -> Callable[[Callable[..., str | None]], Callable[..., None]]:
    """Run a button's work; show its result, or any failure, in a message box, never a traceback."""

    def wrap(work: Callable[..., str | None]) -> Callable[..., None]:
        @functools.wraps(work)
        def run(book: Any = None) -> None:
            try:
                book = book if book is not None else _caller()
            except Exception as exc:  # run outside Excel: nothing to show a box in
                print(f"{TITLE}: không tìm thấy sổ Excel đã gọi nút ({type(exc).__name__}).")
                return
            status = StatusBar(book)
            try:
                message = work(book, status)
            except ButtonError as exc:
                alert(book, str(exc), critical=True)
            except Exception as exc:  # an unforeseen failure: the clerk gets a sentence, the log the details
                try:
                    LOG_FILE.write_text(traceback.format_exc(), encoding="utf-8")
                except OSError:
                    pass
                alert(book, f"Có lỗi ngoài dự kiến khi {action} ({type(exc).__name__}: {exc}). "
                            f"Sổ có thể chưa được ghi đủ: đừng lưu, hãy đóng sổ không lưu rồi mở lại. "
                            f"Chi tiết cho người hỗ trợ ở tệp {LOG_FILE}.", critical=True)
            else:
                if message:
                    alert(book, message)
            finally:
                status.clear()

        return run

    return wrap


class StatusBar:
    """Progress in Excel's status bar, at most a few updates a second (each one is a COM call)."""

    def __init__(self, book: Any):
        self.book = book
        self.works = True
        self.shown_at = 0.0

    def show(self, text: str, *, force: bool = False) -> None:
        now = time.monotonic()
        if not self.works or (not force and now - self.shown_at < 0.3):
            return
        self.shown_at = now
        try:
            self.book.app.status_bar = text
        except Exception:  # the remote engine has no status bar
            self.works = False

    def progress(self, verb: str) -> Callable[[int, int, str], None]:
        def show(done: int, total: int, current: str) -> None:
            self.show(f"tdkt: {verb} {done}/{total} tệp... {current}", force=done == total)

        return show

    def clear(self) -> None:
        if self.works:
            try:
                self.book.app.status_bar = False
            except Exception:
                pass


# ---------------------------------------------------------------------------
# Reading the open book


def _cell(value: Any) -> Any:
    # as python-calamine gives them, which the master's reader expects: "" for empty, whole numbers as int
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def sheet_values(book: Any, name: str) -> list[list[Any]] | None:
    """A sheet's values from A1 to its last used cell (one range call), or None without the sheet."""
    if name not in [s.name for s in book.sheets]:
        return None
    sheet = book.sheets[name]
    last = sheet.used_range.last_cell
    values = sheet.range((1, 1), (last.row, last.column)).options(ndim=2).value
    return [[_cell(v) for v in row] for row in values or []]


def read_content(book: Any) -> MasterContent:
    """The master's content as the open book holds it now, the clerk's unsaved edits included."""
    sheets = {name: sheet_values(book, name) for name in MASTER_SHEETS}
    return content_from_sheets(lambda name: sheets.get(name))


def master_path(book: Any) -> Path:
    """Where the open master is saved; the inbox and the PDFs are found beside it."""
    path = Path(str(book.fullname))
    if not path.is_absolute() or not path.parent.is_dir():
        raise ButtonError("Sổ chưa được lưu vào một thư mục: hãy lưu sổ (Tệp > Lưu thành, kiểu .xlsm) "
                          "rồi bấm nút lại.")
    return path


def inbox_folder(book: Any, content: MasterContent) -> Path:
    """The inbox folder named in CauHinh ("Thư mục hộp thư"), relative to the master's folder."""
    folder = Path(content.settings.inbox or "hop-thu").expanduser()
    if not folder.is_absolute():
        folder = master_path(book).parent / folder
    if not folder.is_dir():
        try:
            folder.mkdir(parents=True)
        except OSError:
            raise ButtonError(f"Không có thư mục hộp thư \"{folder}\" và không tạo được: hãy sửa ô "
                              f"\"Thư mục hộp thư\" ở trang {SETTINGS_SHEET}.") from None
        raise ButtonError(f"Thư mục hộp thư \"{folder}\" chưa có, nay đã được tạo: hãy lưu vào đó các tệp, "
                          "thư (.eml) và tệp nén (.zip) các đơn vị gửi về, rồi bấm nút lại.")
    if not any(folder.iterdir()):
        raise ButtonError(f"Thư mục hộp thư \"{folder}\" đang trống: hãy lưu vào đó các tệp các đơn vị gửi về "
                          "rồi bấm nút lại.")
    return folder


def _write_missing_or_all(book: Any, sheets: list[Any]) -> None:
    names = {s.name for s in book.sheets}
    for data in sheets:
        if data.only_if_missing and data.name in names:
            continue  # the clerk's sheets (CauHinh, KhachMoi, BiDanh, DanhMuc) are only ever read
        write_sheet(book, data)


# ---------------------------------------------------------------------------
# The buttons


@button("kiểm tra hồ sơ")
def check_submissions(book: Any, status: StatusBar) -> str:
    """Kiểm tra hồ sơ: validate the inbox's files and list every problem in sheet KiemTra."""
    from addin.validate import validate_paths
    from addin.workbook.master import SheetData

    content = read_content(book)
    folder = inbox_folder(book, content)
    with _in_folder(master_path(book).parent):
        report = validate_paths([_relative(str(folder), master_path(book).parent)], catalogue=content.catalogue,
                                progress=status.progress("Đang kiểm tra"))
    headers = ["STT", "Tệp", "Đơn vị", "Kết quả của tệp", "Mức", "Dòng", "Cột", "Giá trị", "Nội dung"]
    labels = {"ok": "Hợp lệ", "invalid": "Có lỗi", "unreadable": "Không đọc được", "ignored": "Bỏ qua"}
    rows: list[list[Any]] = []
    for s in report.submissions:
        shown = s.path
        if not s.issues:
            rows.append([len(rows) + 1, shown, s.unit, labels[s.status], None, None, None, None,
                         s.reason or f"{s.rows} dòng, không có lỗi."])
        for i in s.issues:
            rows.append([len(rows) + 1, shown, s.unit, labels[s.status], _SEVERITY[i.severity], i.row, i.column,
                         i.value, i.message])
    counted = [s for s in report.submissions if s.status != "ignored"]
    bad = sum(1 for s in counted if s.status != "ok")
    title = [f"KẾT QUẢ KIỂM TRA HỒ SƠ TRONG THƯ MỤC {folder}",
             f"Kiểm tra lúc {datetime.now():%H:%M ngày %d/%m/%Y}: {len(counted)} tệp, {bad} tệp cần sửa."]
    write_sheet(book, SheetData(CHECK_SHEET, headers, rows, title=title,
                                widths=[6, 34, 30, 14, 10, 7, 20, 24, 80]))
    book.sheets[CHECK_SHEET].activate()
    verdict = "Tất cả hợp lệ." if report.valid else f"{bad} tệp cần sửa: xem trang {CHECK_SHEET}."
    return f"Đã kiểm tra {len(counted)} tệp, {sum(s.rows for s in counted)} dòng. {verdict}"


@contextlib.contextmanager
def _in_folder(folder: Path) -> Iterator[None]:
    """Run with the master's folder as the working folder, as a clerk's `tdkt merge hop-thu` would."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _relative(path: str, folder: Path) -> str:
    try:
        return str(Path(path).relative_to(folder))
    except ValueError:
        return path


@button("gộp hồ sơ")
def merge_submissions(book: Any, status: StatusBar) -> str:
    """Gộp hồ sơ các đơn vị: merge the inbox into DanhSach, Loi and NhatKy of the open book."""
    from addin.jobs import merge_content
    from addin.workbook.masterbook import master_sheets

    content = read_content(book)
    master = master_path(book)
    folder = inbox_folder(book, content)
    merged_at = datetime.now().astimezone().replace(microsecond=0)
    with _in_folder(master.parent):  # files named relative to the master in DanhSach, Loi, NhatKy
        report = merge_content(master, content, [_relative(str(folder), master.parent)], merged_at=merged_at,
                               progress=status.progress("Đang gộp"))
    status.show("tdkt: Đang ghi các trang DanhSach, Loi, NhatKy...", force=True)
    extra = [(None, issue) for issue in report.rejected_issues]
    _write_missing_or_all(book, master_sheets(content, report.outcome, report.files, extra, merged_at, unit=None))
    book.sheets[SHEET_LIST].activate()
    counts: dict[str, int] = {}
    for f in report.files:
        counts[f.action] = counts.get(f.action, 0) + 1
    done = ", ".join(f"{n} {label}" for key, label in (("added", "thêm mới"), ("replaced", "thay bản trước"),
                                                      ("unchanged", "không đổi"), ("rejected", "bị từ chối"),
                                                      ("ignored", "bỏ qua")) if (n := counts.get(key)))
    issues = report.issues()
    errors = sum(1 for i in issues if i.severity == Severity.ERROR)
    warnings = sum(1 for i in issues if i.severity == Severity.WARNING)
    return (f"Đã gộp {len(report.files)} tệp ({done or 'không có tệp nào'}). Sổ có {report.rows_total} dòng của "
            f"{len(report.outcome.by_unit)} đơn vị; {errors} lỗi, {warnings} cảnh báo (xem trang Loi, các dòng lỗi "
            "tô đỏ ở trang DanhSach). Hãy lưu sổ (Ctrl+S).")


@button("trả lại đơn vị")
def send_feedback(book: Any, status: StatusBar) -> str:
    """Trả lại đơn vị: not in this version (the feedback job is being built)."""
    raise ButtonError(_not_yet("Trả lại đơn vị", "tdkt feedback"))


@button("nhập đăng ký thi đua")
def import_registrations(book: Any, status: StatusBar) -> str:
    """Nhập đăng ký thi đua: not in this version (the registration job is being built)."""
    raise ButtonError(_not_yet("Nhập đăng ký thi đua", "tdkt register"))


def _not_yet(caption: str, command: str) -> str:
    return (f"Chức năng \"{caption}\" chưa có trong phiên bản này của tdkt. Hãy cập nhật tdkt "
            f"(pip install --upgrade tdkt) khi có phiên bản mới; chưa có gì thay đổi trong sổ.")


@button("lập biểu tổng hợp")
def make_tally(book: Any, status: StatusBar) -> str:
    """Lập biểu tổng hợp: count DanhSach by award category and unit into sheet TongHop."""
    from addin.jobs import tally_content
    from addin.workbook.masterbook import SHEET_TALLY, clerk_sheets, tally_sheet

    content = read_content(book)
    if not content.rows:
        raise ButtonError("Trang DanhSach chưa có dòng nào: hãy bấm \"Gộp hồ sơ các đơn vị\" trước.")
    result = tally_content(content)
    data = tally_sheet(result, content.settings)
    grid = write_sheet(book, data)
    _tally_chart(book.sheets[SHEET_TALLY], grid, len(result.units), len(result.rows))
    _write_missing_or_all(book, clerk_sheets(content.settings))
    book.sheets[SHEET_TALLY].activate()
    return (f"Đã lập biểu tổng hợp ở trang {SHEET_TALLY}: {result.grand_total} danh hiệu, hình thức của "
            f"{len(result.units)} đơn vị ({result.counted_rows} dòng được đếm, {result.skipped_error_rows} dòng "
            "còn lỗi chưa tính). Hãy lưu sổ (Ctrl+S).")


def _tally_chart(sheet: Any, grid: Any, units: int, categories: int) -> None:
    """The stacked column chart of awards by unit, under the table (as the CLI draws it)."""
    from addin.excel.render import column_letter

    if not units or not categories:
        return
    try:
        for chart in list(sheet.charts):
            chart.delete()
        first = grid.header_row + 1
        source = sheet.range(f"B{first}:{column_letter(1 + units)}{first + categories}")
        top = sheet.range(f"B{len(grid.values) + 3}").top
        chart = sheet.charts.add(left=40, top=top, width=900, height=420)
        chart.set_source_data(source)
        chart.chart_type = "column_stacked"
    except (NotImplementedError, AttributeError, TypeError):
        pass  # an engine that cannot draw charts: the table is what is printed and signed


@button("lập danh sách đại biểu")
def choose_delegates(book: Any, status: StatusBar) -> str:
    """Lập danh sách đại biểu: choose the conference delegates into sheet DaiBieu."""
    from addin.catalogue import default_catalogue
    from addin.jobs import delegates_content
    from addin.workbook.masterbook import SHEET_DELEGATES, clerk_sheets, delegates_sheet

    content = read_content(book)
    if not content.rows:
        raise ButtonError("Trang DanhSach chưa có dòng nào: hãy bấm \"Gộp hồ sơ các đơn vị\" trước.")
    catalogue = content.catalogue or default_catalogue()
    result, error = delegates_content(content, catalogue=catalogue)
    if error:
        raise ButtonError(f"{error} (sửa ở trang {SETTINGS_SHEET}, rồi bấm nút lại).")
    write_sheet(book, delegates_sheet(result, content.settings, catalogue))
    _write_missing_or_all(book, clerk_sheets(content.settings))
    book.sheets[SHEET_DELEGATES].activate()
    notes = "".join(f"\n- {text}" for text in result.shortfalls[:5])
    return (f"Đã lập danh sách {result.seats} đại biểu ở trang {SHEET_DELEGATES}: {result.exemplary} đại biểu điển "
            f"hình tiên tiến, {result.guests} khách mời.{' Lưu ý:' + notes if notes else ''} Hãy lưu sổ (Ctrl+S).")


@button("xuất PDF")
def export_pdf(book: Any, status: StatusBar) -> str:
    """Xuất PDF: the sheet chosen on DieuKhien as a PDF beside the master."""
    from addin.workbook.export import ExportError, export_pdf as export_with_libreoffice

    master = master_path(book)
    chosen = None
    if CONTROL_SHEET in [s.name for s in book.sheets]:
        chosen = book.sheets[CONTROL_SHEET].range(PDF_SHEET_CELL).value
    name = str(chosen).strip() if chosen else PDF_DEFAULT
    if name not in [s.name for s in book.sheets]:
        raise ButtonError(f"Sổ không có trang \"{name}\": hãy chọn lại ở ô {PDF_SHEET_CELL} của trang {CONTROL_SHEET}.")
    out = master.with_name(f"{master.stem}-{name}.pdf")
    status.show(f"tdkt: Đang xuất trang {name} ra PDF...", force=True)
    if getattr(book.app.engine, "name", "") == "excel":
        # Excel prints what is on screen, unsaved edits included, with its own page setup.
        sheet_of(book, name).to_pdf(str(out))
        how = "bằng Excel"
    else:
        # No Excel behind the book (xlwings' remote engine): LibreOffice prints the saved file.
        try:
            export_with_libreoffice(master, name, out)
        except ExportError as exc:
            raise ButtonError(str(exc)) from None
        how = "bằng LibreOffice, từ bản đã lưu của sổ"
    return f"Đã xuất trang {name} ra tệp {out} ({how})."
