"""The buttons of the master workbook: one function per button, named like the VBA Sub that calls it.

Each button is run by xlwings' RunPython while the master is open in Excel. The file is then
locked (Windows) and the clerk's unsaved edits live only in Excel, so a button never reads or
writes the .xlsm underneath: it reads what it needs from the open book (DanhSach, Loi, NhatKy,
CauHinh, KhachMoi, BiDanh, DanhMuc, DonVi) in one range call per sheet, reads the units' files from
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

from addin import jobs, schema
from addin.excel.layout import PDF_DEFAULT, PDF_SHEET_CELL
from addin.excel.render import sheet_of, write_sheet
from addin.models import Severity
from addin.schema import PROPOSALS, REGISTRATIONS, ListSheets
from addin.workbook.masterbook import MasterContent, Need, content_from_sheets, history_from_sheets
from addin.workbook.reader import UnreadableFile

TITLE = "tdkt - Thi đua, khen thưởng"
LOG_FILE = Path(tempfile.gettempdir()) / "tdkt-nut-bam.log"
# What read_content reads: the list's three sheets, the clerk's sheets, and DangKy too (the merge
# warns about proposals nobody registered for). Each sheet is read at most once per click.
MASTER_SHEETS = [schema.LIST, schema.ISSUES, schema.LOG, schema.SETTINGS, schema.GUESTS, schema.ALIASES, schema.CATALOGUE,
                 schema.REGISTRATIONS_LIST, schema.UNITS]


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


def sheet_reader(book: Any) -> Callable[[str], list[list[Any]] | None]:
    """`sheet_rows(name)` for content_from_sheets and history_from_sheets: one range call per sheet, read once."""
    names = {s.name for s in book.sheets}
    read: dict[str, list[list[Any]] | None] = {}

    def rows(name: str) -> list[list[Any]] | None:
        if name not in names:
            return None
        if name not in read:
            read[name] = sheet_values(book, name)
        return read[name]

    return rows


def read_content(book: Any, sheets: ListSheets = PROPOSALS,
                 reader: Callable[[str], list[list[Any]] | None] | None = None,
                 need: Need | None = None) -> MasterContent:
    """The master's content as the open book holds it now, the clerk's unsaved edits included.

    `sheets`: the list read (DanhSach, or DangKy for registrations), as read_master's; `need`: what
    the button's job uses (None: everything), the only sheets whose ranges are read.
    """
    try:
        return content_from_sheets(reader or sheet_reader(book), sheets, need)
    except UnreadableFile as exc:  # a column tdkt needs was deleted or renamed past recognition
        raise ButtonError(str(exc)) from None


def master_path(book: Any) -> Path:
    """Where the open master is saved; the inbox and the PDFs are found beside it."""
    path = Path(str(book.fullname))
    if not path.is_absolute() or not path.parent.is_dir():
        raise ButtonError("Sổ chưa được lưu vào một thư mục: hãy lưu sổ (Tệp > Lưu thành, kiểu .xlsm) "
                          "rồi bấm nút lại.")
    return path


def inbox_folder(book: Any, content: MasterContent) -> Path:
    """The inbox folder named in CauHinh ("Thư mục hộp thư"), relative to the master's folder."""
    return _source_folder(book, content.settings.inbox or "hop-thu", "Thư mục hộp thư",
                          "các tệp, thư (.eml) và tệp nén (.zip) các đơn vị gửi về")


def _source_folder(book: Any, setting: str, label: str, what: str) -> Path:
    """A folder of units' files named in CauHinh (cell `label`), relative to the master; created when missing."""
    folder = Path(setting).expanduser()
    if not folder.is_absolute():
        folder = master_path(book).parent / folder
    if not folder.is_dir():
        try:
            folder.mkdir(parents=True)
        except OSError:
            raise ButtonError(f"Không có thư mục \"{folder}\" và không tạo được: hãy sửa ô "
                              f"\"{label}\" ở trang {schema.SETTINGS}.") from None
        raise ButtonError(f"Thư mục \"{folder}\" ({label.lower()}) chưa có, nay đã được tạo: hãy lưu vào đó "
                          f"{what}, rồi bấm nút lại.")
    if not any(folder.iterdir()):
        raise ButtonError(f"Thư mục \"{folder}\" ({label.lower()}) đang trống: hãy lưu vào đó {what} "
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
    """Kiểm tra hồ sơ: validate the inbox's files and list every problem in sheet KiemTra.

    When the book's register LichSu has rows, every proposal is also checked against it under the
    rule set of the dossier's date (QuyDinh), as `tdkt validate --history MASTER` does.
    """
    reader = sheet_reader(book)
    content = read_content(book, reader=reader, need=jobs.CHECK_NEED)
    folder = inbox_folder(book, content)
    master = master_path(book)
    with _in_folder(master.parent):
        report = jobs.check_content(content, [_relative(str(folder), master.parent)], master=master,
                                    history=history_from_sheets(reader, jobs.effective_catalogue(content),
                                                                file=str(master)),
                                    folder=str(folder), progress=status.progress("Đang kiểm tra"))
    _write_missing_or_all(book, report.sheets)
    book.sheets[schema.CHECK].activate()
    counted = [s for s in report.validation.submissions if s.status != "ignored"]
    bad = sum(1 for s in counted if s.status != "ok")
    verdict = "Tất cả hợp lệ." if report.validation.valid else f"{bad} tệp cần sửa: xem trang {schema.CHECK}."
    against = (f" Đã đối chiếu tiêu chuẩn nhiều năm với sổ {schema.HISTORY} ({report.register_rows} dòng)."
               if report.register_rows else f" Chưa đối chiếu tiêu chuẩn nhiều năm: trang {schema.HISTORY} chưa có dòng nào.")
    return f"Đã kiểm tra {len(counted)} tệp, {sum(s.rows for s in counted)} dòng. {verdict}{against}"


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
    content = read_content(book)
    master = master_path(book)
    folder = inbox_folder(book, content)
    with _in_folder(master.parent):  # files named relative to the master in DanhSach, Loi, NhatKy
        report = jobs.merge_content(master, content, [_relative(str(folder), master.parent)],
                                    merged_at=jobs.now_here(), progress=status.progress("Đang gộp"))
    status.show(f"tdkt: Đang ghi các trang {schema.LIST}, {schema.ISSUES}, {schema.LOG}...", force=True)
    _write_missing_or_all(book, report.sheets)
    book.sheets[schema.LIST].activate()
    issues = report.issues()
    errors = sum(1 for i in issues if i.severity == Severity.ERROR)
    warnings = sum(1 for i in issues if i.severity == Severity.WARNING)
    return (f"Đã gộp {len(report.files)} tệp ({_actions_text(report.files)}). Sổ có {report.rows_total} dòng của "
            f"{len(report.outcome.by_unit)} đơn vị; {errors} lỗi, {warnings} cảnh báo (xem trang {schema.ISSUES}, các "
            f"dòng lỗi tô đỏ ở trang {schema.LIST}). Hãy lưu sổ (Ctrl+S).")


@button("trả lại đơn vị")
def send_feedback(book: Any, status: StatusBar) -> str:
    """Trả lại đơn vị: for each unit with problems in Loi, a marked copy of its file and a reply, beside the book.

    The same work as `tdkt feedback MASTER` (addin.feedback.feedback_content) on the open book's
    DanhSach, Loi and NhatKy; the units' files are found in the inbox folder of CauHinh. Nothing is
    written into the book: the files go into the outbox folder (tra-lai) beside it.
    """
    content = read_content(book, need=jobs.FEEDBACK_NEED)
    master = master_path(book)
    if not content.rows and not content.log:
        raise ButtonError("Trang DanhSach chưa có dòng nào: hãy bấm \"Gộp hồ sơ các đơn vị\" trước.")
    inbox = inbox_folder(book, content)
    outbox = jobs.default_outbox(master, inbox)
    with _in_folder(master.parent):
        report = jobs.feedback_content(master, content, inbox=Path(_relative(str(inbox), master.parent)), out=outbox,
                                  progress=status.progress("Đang lập tệp trả lại"))
    if not report.units:
        return (f"Không đơn vị nào cần trả lại: hồ sơ {len(report.clean_units)} đơn vị trong sổ không có lỗi hay "
                "cảnh báo.")
    sent = [u for u in report.units if u.workbook is not None]
    lines = []
    for u in sent[:MAX_UNITS_LISTED]:
        how = "thư trả lời .eml" if u.reply else "thư trả lời .txt"
        lines.append(f"- {u.unit}: {u.errors} lỗi, {u.warnings} cảnh báo ({how})")
    if len(sent) > MAX_UNITS_LISTED:
        lines.append(f"- ... và {len(sent) - MAX_UNITS_LISTED} đơn vị khác")
    failed = [u for u in report.units if u.workbook is None]
    for u in failed[:MAX_UNITS_LISTED]:
        why = u.error if u.source is not None else (f"không tìm thấy tệp \"{u.file}\" trong thư mục hộp thư {inbox}: "
                                                    "hãy lưu lại tệp đơn vị đã gửi vào đó")
        lines.append(f"- {u.unit}: chưa lập được ({why})")
    if len(failed) > MAX_UNITS_LISTED:
        lines.append(f"- ... và {len(failed) - MAX_UNITS_LISTED} đơn vị khác chưa lập được")
    listing = "\n".join(lines)
    if not sent:
        raise ButtonError(f"Chưa lập được tệp trả lại nào cho {len(failed)} đơn vị có hồ sơ còn lỗi:\n{listing}")
    clean = f"\n{len(report.clean_units)} đơn vị không có lỗi, không cần trả lại." if report.clean_units else ""
    return (f"Đã lập tệp trả lại cho {len(sent)} đơn vị trong thư mục {outbox} (bản danh sách đánh dấu ô cần sửa "
            f"và thư trả lời; gửi lại cho đơn vị qua thư điện tử):\n{listing}{clean}")


MAX_UNITS_LISTED = 15  # units named in a message box; the files and sheets hold the rest


@button("lập tình hình nộp")
def submission_status(book: Any, status: StatusBar) -> str:
    """Tình hình nộp: who has sent and who has not (DonVi, NhatKy, "Hạn nộp"), into sheet TinhHinhNop.

    The same work as `tdkt status MASTER` (addin.jobs.status_content) on the open book; a unit's
    feedback is seen in the outbox folder beside the book.
    """
    content = read_content(book, need=jobs.STATUS_NEED)
    master = master_path(book)
    outbox = jobs.default_outbox(master, jobs.inbox_folder(master, content.settings.inbox))
    report = jobs.status_content(content, master=master, outbox=outbox)
    _write_missing_or_all(book, report.sheets)
    book.sheets[schema.SUBMISSION_STATUS].activate()
    if not content.register:
        return (f"Trang {schema.UNITS} chưa có đơn vị nào: hãy điền danh sách các đơn vị phải nộp (tên, email), rồi bấm "
                f"nút lại. Trang {schema.SUBMISSION_STATUS} đã ghi {len(report.unregistered)} đơn vị đã gửi.")
    sent = len(report.units) - len(report.missing)
    deadline = f"hạn nộp {report.deadline:%d/%m/%Y}" if report.deadline else f"chưa đặt \"Hạn nộp\" ở trang {schema.SETTINGS}"
    lines = [f"{sent}/{len(report.units)} đơn vị đã nộp ({deadline})."]
    if report.missing:
        lines.append("Chưa nộp: " + _names(report.missing) + ".")
    late = [u.unit for u in report.units if u.late]
    if late:
        lines.append("Nộp muộn hoặc quá hạn chưa nộp: " + _names(late) + ".")
    if report.unregistered:
        lines.append(f"Đã gửi nhưng không có trong trang {schema.UNITS}: " + _names([u.unit for u in report.unregistered]) + ".")
    lines.append(f"Xem trang {schema.SUBMISSION_STATUS}; hãy lưu sổ (Ctrl+S).")
    return "\n".join(lines)


def _names(units: list[str]) -> str:
    shown = ", ".join(units[:MAX_UNITS_LISTED])
    return shown + (f" và {len(units) - MAX_UNITS_LISTED} đơn vị khác" if len(units) > MAX_UNITS_LISTED else "")


@button("soạn thư nhắc đơn vị chưa nộp")
def remind_units(book: Any, status: StatusBar) -> str:
    """Nhắc đơn vị chưa nộp: a reminder .eml draft to every register unit that has not sent, beside the book.

    The same work as `tdkt remind MASTER` (addin.jobs.remind_content) on the open book; nothing is
    written into the book.
    """
    content = read_content(book, need=jobs.STATUS_NEED)
    master = master_path(book)
    out = jobs.reminders_outbox(master, jobs.inbox_folder(master, content.settings.inbox))
    report = jobs.remind_content(content, master=master, out=out)
    if report.error:
        raise ButtonError(report.error)
    done = [r for r in report.reminders if r.file]
    lines = []
    if done:
        lines.append(f"Đã soạn {len(done)} thư nhắc trong thư mục {out} (mở bằng Outlook, bấm Gửi): " +
                     _names([r.unit for r in done]) + ".")
    for r in report.reminders:
        if r.error:
            lines.append(r.error)
    if report.no_email:
        lines.append(f"Chưa có email ở trang {schema.UNITS}, chưa soạn được thư: " + _names(report.no_email) + ".")
    return "\n".join(lines) or "Mọi đơn vị trong trang DonVi đã nộp: không cần nhắc."


@button("nhập đăng ký thi đua")
def import_registrations(book: Any, status: StatusBar) -> str:
    """Nhập đăng ký thi đua: merge the registration lists into DangKy, LoiDangKy and NhatKyDangKy.

    The same work as `tdkt register MASTER dang-ky` (addin.jobs.merge_content with the DangKy
    sheets, then refreshed_proposals) on the open book; the lists are read from the folder set in
    CauHinh ("Thư mục đăng ký thi đua", by default dang-ky beside the book). DanhSach and Loi are
    rewritten too when the book has proposals, so their not-registered warnings follow.
    """
    reader = sheet_reader(book)
    proposals = read_content(book, reader=reader)
    registrations = read_content(book, REGISTRATIONS, reader=reader)
    master = master_path(book)
    folder = _source_folder(book, proposals.settings.registrations_inbox or "dang-ky", "Thư mục đăng ký thi đua",
                            "các danh sách đăng ký thi đua đầu năm các đơn vị gửi về")
    inbox = Path(proposals.settings.inbox or "hop-thu").expanduser()
    inbox = inbox if inbox.is_absolute() else master.parent / inbox
    if folder.resolve().is_relative_to(inbox.resolve()) or inbox.resolve().is_relative_to(folder.resolve()):
        raise ButtonError(f"Thư mục đăng ký thi đua \"{folder}\" và thư mục hộp thư \"{inbox}\" lồng nhau: danh sách "
                          "đăng ký và danh sách đề nghị sẽ bị gộp lẫn. Hãy chọn thư mục khác ở ô \"Thư mục đăng ký "
                          f"thi đua\" của trang {schema.SETTINGS}.")
    with _in_folder(master.parent):  # files named relative to the master, as the CLI run beside it names them
        report = jobs.register_content(master, proposals, registrations, [_relative(str(folder), master.parent)],
                                       merged_at=jobs.now_here(), progress=status.progress("Đang nhập đăng ký"))
    status.show(f"tdkt: Đang ghi các trang {REGISTRATIONS.rows}, {REGISTRATIONS.issues}, {REGISTRATIONS.log}...",
                force=True)
    _write_missing_or_all(book, report.sheets)
    refreshed = [s for s in report.sheets if s.name in (schema.LIST, schema.ISSUES)]
    book.sheets[schema.REGISTRATIONS_LIST].activate()
    issues = report.issues()
    errors = sum(1 for i in issues if i.severity == Severity.ERROR)
    warnings = sum(1 for i in issues if i.severity == Severity.WARNING)
    warned = ""
    if refreshed:
        flagged = sum(1 for s in refreshed if s.name == schema.ISSUES for r in s.rows if r[0] == "not-registered")
        warned = (f" Trang DanhSach đã được đối chiếu lại: {flagged} đề nghị chưa có trong danh sách đăng ký "
                  "(cảnh báo ở trang Loi).")
    return (f"Đã nhập {len(report.files)} tệp đăng ký ({_actions_text(report.files)}). Trang {schema.REGISTRATIONS_LIST} có "
            f"{report.rows_total} dòng của {len(report.outcome.by_unit)} đơn vị; {errors} lỗi, {warnings} cảnh báo "
            f"(xem trang {REGISTRATIONS.issues}).{warned} Hãy lưu sổ (Ctrl+S).")


def _actions_text(files: list[Any]) -> str:
    counts: dict[str, int] = {}
    for f in files:
        counts[f.action] = counts.get(f.action, 0) + 1
    done = ", ".join(f"{n} {label}" for key, label in (("added", "thêm mới"), ("replaced", "thay bản trước"),
                                                      ("unchanged", "không đổi"), ("rejected", "bị từ chối"),
                                                      ("ignored", "bỏ qua")) if (n := counts.get(key)))
    return done or "không có tệp nào"


@button("ghi kết quả vào sổ")
def record_results(book: Any, status: StatusBar) -> str:
    """Ghi kết quả vào sổ: append the finished round (DanhSach rows not marked Lỗi) to the register LichSu.

    The same work as `tdkt record MASTER` (addin.jobs.round_records, append_history) on the open
    book: LichSu is read from the book (the clerk's corrections and own columns kept) and written
    back whole; QuyDinh is created when the book has none.
    """
    reader = sheet_reader(book)
    content = read_content(book, reader=reader)
    master = master_path(book)
    if not content.rows:
        raise ButtonError(f"Trang {schema.LIST} chưa có dòng nào: hãy bấm \"Gộp hồ sơ các đơn vị\" trước.")
    history = history_from_sheets(reader, jobs.effective_catalogue(content), file=str(master))
    report = jobs.HistoryReport(str(master))
    status.show(f"tdkt: Đang ghi kết quả vào sổ {schema.HISTORY}...", force=True)
    outcome = jobs.record_content(report, content, history, master_name=master.name, year=None, decision=None,
                                  decision_date=None, issuer=None, at=jobs.now_here(), file=str(master))
    if outcome is not None:
        _write_missing_or_all(book, report.sheets)
        book.sheets[schema.HISTORY].activate()
    skipped = (f" {report.skipped_errors} dòng còn lỗi ở trang DanhSach chưa được ghi (sửa, gộp lại rồi bấm nút lại)."
               if report.skipped_errors else "")
    ambiguous = [i for i in report.issues if i.code == "ambiguous-identity"]
    notes = "".join(f"\n- {i.message}" for i in ambiguous[:5])
    if len(ambiguous) > 5:
        notes += f"\n- ... và {len(ambiguous) - 5} người khác."
    if outcome is None:
        return (f"Sổ {schema.HISTORY} đã có đủ kết quả này ({report.unchanged} dòng đã có), không ghi thêm gì.{skipped}")
    return (f"Đã ghi kết quả vào sổ {schema.HISTORY}: {report.added} dòng mới, {report.updated} dòng được bổ sung, "
            f"{report.unchanged} dòng đã có; sổ có {report.records_total} dòng.{skipped}"
            f"{' Cần ghi rõ ngày sinh để phân biệt:' + notes if notes else ''} Số, ngày, cấp quyết định khen thưởng "
            f"ghi thêm ở trang {schema.HISTORY} nếu cần. Hãy lưu sổ (Ctrl+S).")


@button("lập biểu tổng hợp")
def make_tally(book: Any, status: StatusBar) -> str:
    """Lập biểu tổng hợp: count DanhSach by award category and unit into sheet TongHop."""
    content = read_content(book, need=jobs.TALLY_NEED)
    if not content.rows:
        raise ButtonError(f"Trang {schema.LIST} chưa có dòng nào: hãy bấm \"Gộp hồ sơ các đơn vị\" trước.")
    report = jobs.tally_content(content, master=master_path(book))
    result = report.tally
    grid = write_sheet(book, report.sheets[0])
    _tally_chart(book.sheets[schema.TALLY], grid, len(result.units), len(result.rows))
    _write_missing_or_all(book, report.sheets[1:])
    book.sheets[schema.TALLY].activate()
    return (f"Đã lập biểu tổng hợp ở trang {schema.TALLY}: {result.grand_total} danh hiệu, hình thức của "
            f"{len(result.units)} đơn vị ({result.counted_rows} dòng được đếm, {result.skipped_error_rows} dòng "
            "còn lỗi chưa tính)." + (f" Lưu ý: {result.no_year_note()}" if result.no_year_rows else "")
            + " Hãy lưu sổ (Ctrl+S).")


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
    content = read_content(book, need=jobs.DELEGATES_NEED)
    if not content.rows:
        raise ButtonError(f"Trang {schema.LIST} chưa có dòng nào: hãy bấm \"Gộp hồ sơ các đơn vị\" trước.")
    report = jobs.delegates_content(content, master=master_path(book))
    if report.error:
        raise ButtonError(f"{report.error} (sửa ở trang {schema.SETTINGS}, rồi bấm nút lại).")
    result = report.result
    _write_missing_or_all(book, report.sheets)
    book.sheets[schema.DELEGATES].activate()
    notes = "".join(f"\n- {text}" for text in result.shortfalls[:5])
    return (f"Đã lập danh sách {result.seats} đại biểu ở trang {schema.DELEGATES}: {result.exemplary} đại biểu điển "
            f"hình tiên tiến, {result.guests} khách mời.{' Lưu ý:' + notes if notes else ''} Hãy lưu sổ (Ctrl+S).")


@button("xuất PDF")
def export_pdf(book: Any, status: StatusBar) -> str:
    """Xuất PDF: the sheet chosen on DieuKhien as a PDF beside the master."""
    from addin.workbook.export import ExportError, export_pdf as export_with_libreoffice

    master = master_path(book)
    chosen = None
    if schema.CONTROL in [s.name for s in book.sheets]:
        chosen = book.sheets[schema.CONTROL].range(PDF_SHEET_CELL).value
    name = str(chosen).strip() if chosen else PDF_DEFAULT
    if name not in [s.name for s in book.sheets]:
        raise ButtonError(f"Sổ không có trang \"{name}\": hãy chọn lại ở ô {PDF_SHEET_CELL} của trang {schema.CONTROL}.")
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
