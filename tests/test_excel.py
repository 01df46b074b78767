"""The Excel buttons, run on Linux through xlwings' remote engine on a book built from the real master.

The remote engine records what a button does to the book as a list of actions (set these values
in this range, add this conditional format...) instead of doing it in Excel, so the tests assert
the actions. It needs a licence key: xlwings' noncommercial licence (see the README).
"""

from __future__ import annotations

import os

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import re  # noqa: E402
import shutil  # noqa: E402
from collections import Counter  # noqa: E402
from datetime import date, datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
import python_calamine as pc  # noqa: E402

xw = pytest.importorskip("xlwings")

import addin.excel as buttons  # noqa: E402
from addin.build import MASTER_NAME  # noqa: E402
from addin.demo import demo_guests, write_demo_mailbox  # noqa: E402
from addin.excel.render import cell_value  # noqa: E402
from addin.jobs import feedback_job  # noqa: E402
from addin.jobs import merge_job, record_job, register_job, tally_job, validate_job  # noqa: E402
from addin.schema import REGISTRATIONS, MasterRow  # noqa: E402
from addin.workbook.masterbook import read_master  # noqa: E402
from addin.schema import LIST_HEADERS as HEADERS, LIST_INDEX as INDEX, LIST_HEADER_ROW as MASTER_HEADER_ROW  # noqa: E402

BUILT = Path(__file__).resolve().parents[1] / "workbooks" / MASTER_NAME


def _js(value: Any) -> Any:
    # as Office.js sends cell values: dates as ISO strings, empty cells as ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%dT00:00:00.000Z")
    return value


def open_book(path: Path, name: str | None = None) -> Any:
    """A remote-engine Book holding the cell values of the workbook at `path`."""
    wb = pc.CalamineWorkbook.from_path(str(path))
    sheets = []
    for sheet in wb.sheet_names:
        rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False) or [[""]]
        width = max(len(r) for r in rows) or 1
        sheets.append({"name": sheet, "values": [[_js(v) for v in r] + [""] * (width - len(r)) for r in rows],
                       "pictures": [], "tables": [], "visibility": "Visible"})
    wb.close()
    return xw.Book(json={"client": "Office.js", "version": xw.__version__, "names": [], "sheets": sheets,
                         "book": {"name": name or str(path), "active_sheet_index": 0, "selection": "A1"}})


def actions(book: Any, func: str | None = None) -> list[dict[str, Any]]:
    return [a for a in book.json()["actions"] if func is None or a["func"] == func]


def alert_text(book: Any) -> str:
    (alert,) = actions(book, "alert")
    return alert["args"][0]


def written(book: Any, sheet: str) -> list[list[Any]]:
    """The values a button wrote into a sheet with its one `range.value = ...` call.

    xlwings' remote engine sends a large write as consecutive chunks of rows (its transport to
    Office.js); they are joined back here. With Excel on Windows the call is one COM call.
    """
    position = [s.name for s in book.sheets].index(sheet)
    chunks = sorted((a["start_row"], a["values"]) for a in actions(book, "setValues") if a["sheet_position"] == position)
    assert chunks and chunks[0][0] == 0, f"nothing written into {sheet}"
    values: list[list[Any]] = []
    for start, rows in chunks:
        assert start == len(values), "chunks must follow each other"
        values += rows
    return values


@pytest.fixture
def master(tmp_path: Path) -> Path:
    """The built master, saved in a folder with the demo mailbox in its inbox hop-thu/."""
    path = tmp_path / MASTER_NAME
    shutil.copy(BUILT, path)
    write_demo_mailbox(tmp_path / "hop-thu")
    return path


def test_merge_button_writes_the_merged_list_issues_and_log_and_highlights_errors(master: Path, tmp_path: Path):
    book = open_book(master)
    buttons.merge_submissions(book)
    listing = written(book, "DanhSach")
    header = listing[MASTER_HEADER_ROW - 1]
    assert header[:3] == ["STT", "Đơn vị đề nghị", "Họ và tên"]
    rows = [MasterRow(r) for r in listing[MASTER_HEADER_ROW:] if isinstance(r[0], int)]
    statuses = Counter(r.status for r in rows)
    assert len(rows) == 206 and statuses["Lỗi"] == 2 and statuses["OK"] == 204
    # the same rows as `tdkt merge` writes into the file, column for column
    cli_master = tmp_path / "cli" / MASTER_NAME
    cli_master.parent.mkdir()
    shutil.copy(BUILT, cli_master)
    shutil.copytree(tmp_path / "hop-thu", cli_master.parent / "hop-thu")
    cwd = os.getcwd()
    os.chdir(cli_master.parent)
    try:
        assert merge_job(cli_master, ["hop-thu"]).error is None
    finally:
        os.chdir(cwd)
    cli_rows = [r for r in pc.CalamineWorkbook.from_path(str(cli_master)).get_sheet_by_name("DanhSach").to_python()
                if r and isinstance(r[0], float | int) and r[0] != ""][0:]
    keys = ["stt", "unit", "ho_ten", "de_nghi", "ma", "status", "status_text", "src_unit", "src_file", "src_row"]
    assert [[r[INDEX[k]] for k in keys] for r in rows] == \
        [[int(v) if isinstance(v, float) else v for v in (r[INDEX[k]] for k in keys)] for r in cli_rows]
    # errors and warnings highlighted over the whole table, keyed on the "Tình trạng" column
    danhsach = [s.name for s in book.sheets].index("DanhSach")
    rules = [(a["args"][0]["formula"], a["args"][0]["fill_color"], a["start_row"], a["row_count"])
             for a in actions(book, "addConditionalFormat") if a["sheet_position"] == danhsach]
    status_col = "V"
    assert header[21] == HEADERS["status"]
    first = MASTER_HEADER_ROW + 1
    assert rules == [(f'=${status_col}{first}="Lỗi"', "#f8cbad", MASTER_HEADER_ROW, 206),
                     (f'=${status_col}{first}="Cảnh báo"', "#fff2cc", MASTER_HEADER_ROW, 206)]
    issues = written(book, "Loi")
    assert sum(1 for r in issues[1:] if r[1] == "Lỗi") == 2
    link = next(r[9] for r in issues[1:] if r[1] == "Lỗi")
    assert link.startswith('=HYPERLINK("#\'DanhSach\'!A')
    log = written(book, "NhatKy")
    assert Counter(r[4] for r in log[1:])["Thêm mới"] == 8
    assert all(not str(r[1]).startswith("/") for r in log[1:])  # files named relative to the master
    assert "206 dòng của 8 đơn vị" in alert_text(book) and "Ctrl+S" in alert_text(book)
    # the clerk's sheets already exist: never overwritten
    assert not [a for a in actions(book, "setValues") if a["sheet_position"] in
                ([s.name for s in book.sheets].index(n) for n in ("CauHinh", "KhachMoi", "DanhMuc", "BiDanh"))]


def test_merging_10000_rows_takes_a_bounded_number_of_actions(tmp_path: Path):
    from addin.demo import generate_unit_workbooks

    master = tmp_path / MASTER_NAME
    shutil.copy(BUILT, master)
    generate_unit_workbooks(tmp_path / "hop-thu", n_files=10, total_rows=10_000)
    book = open_book(master)
    buttons.merge_submissions(book)
    done = actions(book)
    counts = Counter(a["func"] for a in done)
    listing = written(book, "DanhSach")
    assert sum(1 for r in listing if isinstance(r[0], int)) >= 9_000
    # DanhSach, DanhSachTrinhKy, Loi, NhatKy: one write each (the remote engine sends DanhSach's 300,000
    # cells, 30 columns, as 4 chunks of at most 100,000)
    assert counts["setValues"] <= 4 + 3
    assert counts["setRangeColor"] == 4 and counts["alert"] == 1  # a header colour per written sheet
    assert counts["addConditionalFormat"] == 4  # errors and warnings, DanhSach and Loi: not one per row
    # The official list DanhSachTrinhKy: its frame and columns, and per award section a merged
    # bold title and a bold header (sections are bounded by the catalogue, not by the rows)
    sections = sum(1 for r in written(book, "DanhSachTrinhKy") if r and re.match(r"[IVXLC]+\. ", str(r[0] or "")))
    assert sections >= 10
    # a fixed number per sheet, never one per row (measured: 100 before DanhSachTrinhKy; 182 with its 16 sections)
    assert len(done) <= 110 + 40 + 3 * sections, counts


def test_check_button_lists_each_file_s_problems_in_kiemtra(master: Path):
    book = open_book(master)
    buttons.check_submissions(book)
    table = written(book, "KiemTra")
    header = table[3]
    assert header[:5] == ["STT", "Tệp", "Đơn vị", "Kết quả của tệp", "Mức"]
    problems = [r for r in table[4:] if r[4] == "Lỗi"]
    assert problems and all(r[8] for r in problems)  # every problem says what to do
    assert "3 tệp cần sửa" in alert_text(book)
    position = [s.name for s in book.sheets].index("KiemTra")
    formulas = [a["args"][0]["formula"] for a in actions(book, "addConditionalFormat") if a["sheet_position"] == position]
    assert formulas == ['=$E5="Lỗi"', '=$E5="Cảnh báo"']


def test_tally_button_writes_the_same_counts_as_the_cli(master: Path):
    cwd = os.getcwd()
    os.chdir(master.parent)
    try:
        merge_job(master, ["hop-thu"])
    finally:
        os.chdir(cwd)
    book = open_book(master)
    buttons.make_tally(book)
    table = written(book, "TongHop")
    cli = tally_job(master).tally
    rows = {r[1]: r[-1] for r in table if isinstance(r[0], int)}
    assert rows == {r.label: r.total for r in cli.rows}
    assert next(r for r in table if r[1] == "Tổng cộng")[-1] == cli.grand_total
    assert f"{cli.grand_total} danh hiệu" in alert_text(book)


def test_delegates_button_reads_the_guest_list_from_the_book(master: Path):
    cwd = os.getcwd()
    os.chdir(master.parent)
    try:
        merge_job(master, ["hop-thu"])
    finally:
        os.chdir(cwd)
    from addin.workbook.master import SheetData, write_sheets
    from addin.schema import GUEST_COLUMNS, headers
    GUEST_HEADERS = headers(GUEST_COLUMNS)

    write_sheets(master, [SheetData("KhachMoi", GUEST_HEADERS, demo_guests())], keep_backups=0)
    book = open_book(master)
    buttons.choose_delegates(book)
    table = written(book, "DaiBieu")
    roles = Counter(r[4] for r in table if isinstance(r[0], int) and len(r) > 4)
    assert roles["Khách mời"] == min(len(demo_guests()), 60) and roles["Đại biểu điển hình"] > 0
    assert "đại biểu" in alert_text(book)


def test_the_buttons_read_only_the_sheets_their_job_uses(master: Path, monkeypatch: pytest.MonkeyPatch):
    """One range read per sheet the job uses: Loi, NhatKy, DangKy... of a big book are not read for a tally."""
    from addin.excel import buttons as module

    _merged(master)
    asked: list[str] = []
    real = module.sheet_values

    def recording(book: Any, name: str) -> Any:
        asked.append(name)
        return real(book, name)

    monkeypatch.setattr(module, "sheet_values", recording)
    read = {}
    for button in (buttons.make_tally, buttons.choose_delegates, buttons.submission_status):
        asked.clear()
        button(open_book(master))
        read[button.__name__] = set(asked)
    assert read["make_tally"] == {"DanhSach", "CauHinh", "DanhMuc"}
    assert read["choose_delegates"] == {"DanhSach", "CauHinh", "DanhMuc", "KhachMoi", "DonVi"}  # DonVi: quotas
    assert read["submission_status"] == {"DanhSach", "Loi", "NhatKy", "CauHinh", "BiDanh", "DonVi"}
    asked.clear()
    buttons.merge_submissions(open_book(master))  # a merge still reads everything it keeps
    assert {"DanhSach", "Loi", "NhatKy", "DangKy", "KhachMoi", "BiDanh", "DonVi"} <= set(asked)


def _merged(master: Path) -> None:
    """Merge the inbox into the master file by the CLI's job, run beside it as a clerk would."""
    cwd = os.getcwd()
    os.chdir(master.parent)
    try:
        assert merge_job(master, ["hop-thu"]).error is None
    finally:
        os.chdir(cwd)


def test_feedback_button_writes_each_unit_s_files_beside_the_book_and_nothing_into_it(master: Path, tmp_path: Path):
    _merged(master)
    book = open_book(master)
    buttons.send_feedback(book)
    assert [a["func"] for a in actions(book)] == ["alert"]  # the book is not changed, the files are
    outbox = tmp_path / "tra-lai"
    made = sorted(p.name for p in outbox.iterdir())
    # the same units and files as `tdkt feedback MASTER`
    cli = feedback_job(master, out=tmp_path / "cli-out")
    assert made == sorted(p.name for p in (tmp_path / "cli-out").iterdir())
    units = [u.unit for u in cli.units if u.workbook]
    assert units and made == sorted(n for u in units for n in (f"{u} - Lỗi cần sửa.xlsx", f"{u} - Thư trả lời.txt"))
    text = alert_text(book)
    assert str(outbox) in text and all(f"- {u}: " in text for u in units)
    assert f"{len(cli.clean_units)} đơn vị không có lỗi" in text
    for u in cli.units:  # the marked copy holds the unit's problems, as the CLI's does
        sheet = pc.CalamineWorkbook.from_path(str(outbox / f"{u.unit} - Lỗi cần sửa.xlsx")).get_sheet_by_name("Lỗi cần sửa")
        assert len([r for r in sheet.to_python() if isinstance(r[0], float | int) and r[0] != ""]) == len(u.issues)


def test_feedback_button_names_a_unit_whose_file_left_the_inbox(master: Path, tmp_path: Path):
    _merged(master)
    for path in (tmp_path / "hop-thu").iterdir():
        path.unlink()
    (tmp_path / "hop-thu" / "khac.txt").write_text("không phải danh sách", encoding="utf-8")
    book = open_book(master)
    buttons.send_feedback(book)
    text = alert_text(book)
    assert text.startswith("Chưa lập được tệp trả lại nào") and "không tìm thấy tệp" in text
    assert not (tmp_path / "tra-lai").exists() or not any((tmp_path / "tra-lai").iterdir())


def test_feedback_button_needs_a_merged_list(master: Path):
    book = open_book(master)
    buttons.send_feedback(book)
    assert [a["func"] for a in actions(book)] == ["alert"]
    assert "Gộp hồ sơ các đơn vị" in alert_text(book)


def test_registration_button_fills_dangky_and_refreshes_the_not_registered_warnings(tmp_path: Path):
    from test_register import EXPECTED, _setup

    _, dk, hop = _setup(tmp_path)
    master = tmp_path / MASTER_NAME
    shutil.copy(BUILT, master)
    _merged(master)
    cli = tmp_path / "cli" / MASTER_NAME
    cli.parent.mkdir()
    shutil.copy(master, cli)
    shutil.copytree(dk, cli.parent / "dang-ky")
    book = open_book(master)
    buttons.import_registrations(book)
    table = written(book, "DangKy")
    header = table[MASTER_HEADER_ROW - 1]
    assert header[:3] == ["STT", "Đơn vị đăng ký", "Họ và tên"] and "Đăng ký danh hiệu, khen thưởng" in header
    rows = [r for r in table[MASTER_HEADER_ROW:] if isinstance(r[0], int)]
    # the same rows as `tdkt register MASTER dang-ky` writes into the file
    cwd = os.getcwd()
    os.chdir(cli.parent)
    try:
        assert register_job(cli, ["dang-ky"]).error is None
    finally:
        os.chdir(cwd)
    keys = ["stt", "unit", "ho_ten", "ma", "status", "src_file", "src_row"]
    expected = read_master(cli, REGISTRATIONS).rows
    assert [[r[INDEX[k]] for k in keys] for r in rows] == [[r[INDEX[k]] for k in keys] for r in expected]
    assert len(rows) == 5
    log = written(book, "NhatKyDangKy")
    assert Counter(r[4] for r in log[1:])["Thêm mới"] == 2
    assert written(book, "LoiDangKy")[0][:2] == ["Mã lỗi", "Mức"]
    # DanhSach and Loi rewritten: the proposals nobody registered for are warned about
    issues = written(book, "Loi")
    warned = sorted((r[2], r[5], r[7]) for r in issues[1:] if r[0] == "not-registered")
    assert warned == EXPECTED
    assert "3 đề nghị chưa có trong danh sách đăng ký" in alert_text(book)
    # the clerk's sheets are never overwritten; DangKy, LoiDangKy, NhatKyDangKy, DanhSach, the official
    # list DanhSachTrinhKy written from it, Loi: one write each
    names = [s.name for s in book.sheets]
    assert {names[a["sheet_position"]] for a in actions(book, "setValues")} == \
        {"DangKy", "LoiDangKy", "NhatKyDangKy", "DanhSach", "DanhSachTrinhKy", "Loi"}
    counts = Counter(a["func"] for a in actions(book))
    assert counts["setValues"] == 6 and counts["alert"] == 1
    # a fixed number per sheet, not per row (measured: 170; 209 with DanhSachTrinhKy, its frame and 3 sections)
    assert len(actions(book)) <= 220, counts


def test_registration_button_reads_its_own_folder_never_the_inbox(master: Path, tmp_path: Path):
    book = open_book(master)
    buttons.import_registrations(book)
    assert "chưa có, nay đã được tạo" in alert_text(book) and (tmp_path / "dang-ky").is_dir()
    assert [a["func"] for a in actions(book)] == ["alert"]
    from addin.workbook.master import SheetData, write_sheets
    from addin.schema import SETTINGS_COLUMNS, headers
    from addin.settings import Settings, rows
    HEADERS_SETTINGS = headers(SETTINGS_COLUMNS)

    write_sheets(master, [SheetData("CauHinh", HEADERS_SETTINGS, rows(Settings(registrations_inbox="hop-thu/dk")))],
                 keep_backups=0)
    (tmp_path / "hop-thu" / "dk").mkdir()
    (tmp_path / "hop-thu" / "dk" / "a.xlsx").write_bytes(b"")
    nested = open_book(master)
    buttons.import_registrations(nested)
    assert "lồng nhau" in alert_text(nested) and [a["func"] for a in actions(nested)] == ["alert"]


def test_record_button_appends_the_round_to_lichsu_as_the_cli_does(master: Path, tmp_path: Path):
    _merged(master)
    cli = tmp_path / "cli" / MASTER_NAME
    cli.parent.mkdir()
    shutil.copy(master, cli)
    book = open_book(master)
    buttons.record_results(book)
    register = written(book, "LichSu")
    assert register[0][:3] == ["STT", "Họ và tên", "Đối tượng"]
    report = record_job(cli)
    assert report.error is None and report.added == 204 and report.skipped_errors == 2
    expected = pc.CalamineWorkbook.from_path(str(cli)).get_sheet_by_name("LichSu").to_python()
    columns = [register[0].index(h) for h in ("Họ và tên", "Năm sinh", "Đơn vị", "Năm học", "Mã khen thưởng")]
    shown = [[r[c] for c in columns] for r in register[1:]]
    assert len(shown) == 204
    assert shown == [[int(v) if isinstance(v, float) else ("'" + v if v == "2024-2025" else v)
                      for v in (r[c] for c in columns)] for r in expected[1:]]
    text = alert_text(book)
    assert "204 dòng mới" in text and "2 dòng còn lỗi" in text
    counts = Counter(a["func"] for a in actions(book))
    assert counts["setValues"] == 1 and counts["alert"] == 1  # LichSu only; QuyDinh and CauHinh exist already
    assert len(actions(book)) <= 45, counts
    # recorded already (the register read back from the book): nothing more is written
    again = open_book(cli)
    buttons.record_results(again)
    assert [a["func"] for a in actions(again)] == ["alert"]
    assert "không ghi thêm gì" in alert_text(again)


def test_check_button_uses_the_history_register_when_the_book_has_one(master: Path, tmp_path: Path):
    _merged(master)
    assert record_job(master).error is None
    book = open_book(master)
    buttons.check_submissions(book)
    table = written(book, "KiemTra")
    shown = Counter((r[1], r[8]) for r in table[4:] if r[8])
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        report, error = validate_job(["hop-thu"], history=master)
    finally:
        os.chdir(cwd)
    assert error is None
    expected = Counter((s.path, i.message) for s in report.submissions for i in s.issues)
    assert {k: v for k, v in shown.items() if k in expected} == expected
    codes = Counter(i.code for s in report.submissions for i in s.issues)
    assert codes["criteria-not-met"] > 0 and codes["legal-basis"] > 0
    assert "Đã đối chiếu tiêu chuẩn nhiều năm với sổ LichSu (204 dòng)" in alert_text(book)
    # an empty register (the built master's) is not used: it would fail every multi-year title
    fresh = tmp_path / "moi" / MASTER_NAME
    fresh.parent.mkdir()
    shutil.copy(BUILT, fresh)
    shutil.copytree(tmp_path / "hop-thu", fresh.parent / "hop-thu")
    plain = open_book(fresh)
    buttons.check_submissions(plain)
    assert not [r for r in written(plain, "KiemTra")[4:] if r[4] == "Thông tin"]
    assert "chưa có dòng nào" in alert_text(plain)


def test_export_button_writes_the_chosen_sheet_as_pdf(master: Path):
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice (soffice) is not installed")
    book = open_book(master)
    buttons.export_pdf(book)
    pdf = master.with_name(f"{master.stem}-TongHop.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert str(pdf) in alert_text(book)


def test_failures_are_vietnamese_message_boxes_not_tracebacks(tmp_path: Path, master: Path):
    unsaved = open_book(master, name="Book1")  # a new book Excel has not saved anywhere yet
    buttons.merge_submissions(unsaved)
    assert alert_text(unsaved).startswith("Sổ chưa được lưu vào một thư mục")
    shutil.rmtree(master.parent / "hop-thu")
    book = open_book(master)
    buttons.merge_submissions(book)
    assert "chưa có, nay đã được tạo" in alert_text(book)
    assert (master.parent / "hop-thu").is_dir()
    empty = open_book(master)
    buttons.check_submissions(empty)
    assert "đang trống" in alert_text(empty)
    assert len(actions(empty)) == 1  # nothing written


def test_an_unforeseen_error_is_an_alert_with_the_log_file(master: Path, monkeypatch: pytest.MonkeyPatch):
    import addin.jobs

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("hỏng")

    monkeypatch.setattr(addin.jobs, "merge_content", broken)
    book = open_book(master)
    buttons.merge_submissions(book)
    text = alert_text(book)
    assert text.startswith("Có lỗi ngoài dự kiến khi gộp hồ sơ (RuntimeError: hỏng)")
    assert "tdkt-nut-bam.log" in text


def test_text_that_excel_would_reinterpret_is_written_as_text():
    assert cell_value("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert cell_value("0912 345 678") == "'0912 345 678"
    assert cell_value("29/02/1987") == "'29/02/1987"
    assert cell_value("2024-2025") == "'2024-2025"
    assert cell_value("Nguyễn Văn An") == "Nguyễn Văn An"
    assert cell_value(True) == "Có" and cell_value("") is None
