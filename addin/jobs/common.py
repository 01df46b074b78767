"""What every job shares: the report shape, the one loop over sources, opening and saving a master."""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from addin import schema
from addin.catalogue import Catalogue, default_catalogue
from addin.inbox import Source, collect_sources
from addin.ingest import find_header, gc_paused
from addin.models import Issue, Severity
from addin.schema import PROPOSALS, ListSheets, MasterRow
from addin.text import find_school_year, parse_school_year
from addin.workbook import prefetch
from addin.workbook.master import (MasterLocked, SheetData, backup_dir, master_identity, read_seal, sheet_entries,
                                  write_sheets)
from addin.workbook.masterbook import MasterContent, Need, read_master
from addin.workbook.reader import UnreadableFile, read_workbook

Progress = Callable[[int, int, str], None]

# Codes of a job's failure (the master could not be used or written): issues like any other.
MASTER_UNUSABLE = "master-unusable"
MASTER_NOT_WRITTEN = "master-not-written"
INVALID_SCHOOL_YEAR = "invalid-school-year"  # a --year that is no school year, or one the master does not hold
NO_SPREADSHEET = "no-spreadsheet"  # nothing to read under the paths given

# Sheets only a master has: a unit's list made from our template has a DanhSach sheet too.
MASTER_ONLY_SHEETS = frozenset(schema.SHEET_ORDER) - {schema.TEMPLATE_LIST, schema.XLWINGS_CONF}


@dataclass
class JobReport:
    """What every job reports: the master it worked on, the backup it made, and why it failed, as an Issue.

    `error` (the failure's message, or None) is what the JSON contracts print.
    """

    master: str
    backup: Path | None = None
    failure: Issue | None = None
    # The sheets the job produced, in the order written: the CLI writes them into the file,
    # a button into the open book.
    sheets: list[SheetData] = field(default_factory=list, repr=False)

    @property
    def error(self) -> str | None:
        return self.failure.message if self.failure else None

    @error.setter
    def error(self, message: str | None) -> None:
        self.failure = None if message is None else Issue(code=MASTER_NOT_WRITTEN, severity=Severity.ERROR,
                                                          file=self.master, message=message)

    def fail(self, code: str, message: str) -> None:
        """Record why the job could not do its work (the first reason is kept)."""
        if self.failure is None:
            self.failure = Issue(code=code, severity=Severity.ERROR, file=self.master, message=message)


def now_here(now: datetime | None = None) -> datetime:
    """The moment a job runs, timezone-aware, to the second (what NhatKy and LichSu record)."""
    return (now or datetime.now()).astimezone().replace(microsecond=0)


def effective_catalogue(content: MasterContent | None, catalogue: Catalogue | None = None) -> Catalogue:
    """The award catalogue a job uses: the one given, else the master's DanhMuc (over the defaults), else the defaults."""
    if catalogue is not None:
        return catalogue
    if content is not None and content.catalogue is not None:
        return content.catalogue
    return default_catalogue()


def opened(report: JobReport, master: Path, *, must_exist: bool = True,
           sheets: ListSheets = PROPOSALS, need: Need | None = None) -> MasterContent | None:
    """The master's content (`sheets`: the list read as its rows), or None with the report's failure saying why.

    `need`: what the job uses of it (None: everything), all that is read.
    """
    if must_exist and not master.exists():
        content, why = None, f"Chưa có sổ tổng hợp \"{master}\": hãy gộp hồ sơ trước (tdkt merge)."
    else:
        try:
            content, why = read_master(master, sheets, need), None
        except UnreadableFile as exc:
            # (the list's reader does not know the master's name: its message says "<tên sổ>")
            content, why = None, str(exc).replace("<tên sổ>.sao-luu", backup_dir(master).name)
    if content is not None and (why := swapped_arguments(master, content) or lost_list(master, content, sheets)):
        content = None
    if content is None:
        report.fail(MASTER_UNUSABLE, why or "")
    return content


def lost_list(master: Path, content: MasterContent, sheets: ListSheets = PROPOSALS) -> str | None:
    """Why a master whose list sheet is gone (renamed or deleted by hand) must not be used: it has been
    merged into (its log is there), and a run on it would count nothing or write an empty list for good."""
    if not content.sheet_names or sheets.rows in content.sheet_names or sheets.log not in content.sheet_names:
        return None
    folder = backup_dir(master).name
    return (f"Sổ tổng hợp \"{master.name}\" không còn trang {sheets.rows} (có thể đã bị đổi tên hoặc xóa), trong khi sổ "
            f"đã được gộp hồ sơ (có trang {sheets.log}): làm tiếp sẽ mất các dòng đã gộp. Hãy đặt lại tên trang "
            f"là {sheets.rows}, hoặc lấy lại sổ từ bản sao lưu trong thư mục \"{folder}\" cạnh sổ, rồi chạy lại. "
            "Chưa ghi gì vào sổ.")


def swapped_arguments(master: Path, content: MasterContent) -> str | None:
    """Why the file given as MASTER is a unit's list rather than a master, if it looks like one.

    A unit's list has a nominee table and none of the master's own sheets: taken as the master
    (the arguments swapped), it would silently gain the tdkt sheets.
    """
    if not content.sheet_names or MASTER_ONLY_SHEETS & set(content.sheet_names):
        return None
    try:
        book = read_workbook(master)
    except UnreadableFile:
        return None
    if not any(sheet.visible and find_header(sheet) for sheet in book.sheets):
        return None  # an empty workbook the clerk made to become a master
    return (f"Tệp \"{master.name}\" là danh sách đề nghị của một đơn vị, không phải sổ tổng hợp (có bảng danh sách, "
            f"không có trang {schema.LOG}, {schema.ISSUES}, {schema.SETTINGS} nào của tdkt): có lẽ hai đối số bị đảo chỗ. "
            "Sổ tổng hợp đứng trước, các tệp của đơn vị sau: tdkt merge SỔ-TỔNG-HỢP TỆP... Chưa ghi gì vào tệp này.")


def nothing_found(paths: Iterable[str]) -> Issue:
    """The run's error when no spreadsheet was found under the paths given (a folder of PDFs, an empty inbox)."""
    shown = ", ".join(f"\"{p}\"" for p in paths)
    return Issue(code=NO_SPREADSHEET, severity=Severity.ERROR, file=", ".join(paths),
                 message=f"Không tìm thấy bảng tính nào trong {shown} (tìm các tệp .xlsx, .xlsm, .xls, .xlsb, .ods, "
                         "kể cả trong thư .eml và tệp .zip; tệp khóa ~$ của Office được bỏ qua): hãy kiểm tra lại "
                         "đường dẫn, hoặc lưu các tệp của đơn vị vào đó.")


def held_school_years(*lists: list[MasterRow]) -> list[str]:
    """The school years the master's rows name (column Năm học), as "2024-2025", in order."""
    return sorted({y for rows in lists for row in rows if (y := find_school_year(str(row.nam_hoc or "")))})


def checked_years(report: JobReport, given: list[str] | None, held: list[str] | None,
                  master_name: str) -> list[str] | None:
    """A --year option's school years written one way ("2024-2025"), or None with the report's failure saying why.

    `held`: the years the master holds (each given year must be one of them), or None when the
    option names a year to give to rows (import-history). A lone "2025" is refused, never
    mapped: it could be 2024-2025 or 2025-2026.
    """
    if held is None:
        where = ""
    elif held:
        where = f" Sổ \"{master_name}\" có các năm học: {', '.join(held)}."
    else:
        where = (f" Trang {schema.LIST} của sổ \"{master_name}\" chưa ghi năm học nào (cột "
                 f"{schema.LIST_HEADERS['nam_hoc']} trống): bỏ --year để dùng mọi dòng.")
    years: list[str] = []
    for text in given or []:
        year = parse_school_year(text)
        if year is None:
            shown = str(text).strip()
            if shown.isdigit() and len(shown) == 4:
                y = int(shown)
                either = [f"{y - 1}-{y}", f"{y}-{y + 1}"]
                example = next((e for e in either if held and e in held), either[0])
                why = (f"--year {shown}: một năm đơn lẻ không rõ là năm học {either[0]} hay {either[1]}; hãy ghi cả "
                       f"năm học, ví dụ --year {example}.")
            else:
                why = (f"--year \"{shown}\" không phải năm học: hãy ghi như 2024-2025 (cũng được: 2024 - 2025, "
                       "2024/2025, 2024-25).")
            report.fail(INVALID_SCHOOL_YEAR, why + where)
            return None
        if held is not None and year not in held:
            report.fail(INVALID_SCHOOL_YEAR, f"Sổ \"{master_name}\" không có dòng nào của năm học {year}." + where)
            return None
        if year not in years:
            years.append(year)
    return years


# The sheets the list to sign (DanhSachTrinhKy) is made from: a merge makes it with them; when the clerk
# edits one afterwards (a status changed by hand, CauHinh filled in before printing), it is out of date.
PRINT_LIST_SOURCES = (schema.LIST, schema.SETTINGS, schema.CATALOGUE)


def print_list_stale(master: Path) -> bool:
    """Whether DanhSach, CauHinh or DanhMuc may differ from what the last merge wrote: its seal says
    so, or there is no seal to compare with (a master saved by a program that drops it)."""
    if master.suffix.lower() not in (".xlsx", ".xlsm") or not master.is_file():
        return False
    found = read_seal(master)
    if found is None:
        try:
            with zipfile.ZipFile(master) as z:
                return schema.PRINT_LIST in sheet_entries(z)
        except (OSError, zipfile.BadZipFile):
            return False
    seal, now = found
    made_from = seal.get("printed_from") or seal.get("inputs") or {}  # a tally's remaking, else the merge's
    return schema.PRINT_LIST in now and any(
        isinstance(made_from.get(name), list) and tuple(made_from[name]) != now.get(name) for name in PRINT_LIST_SOURCES)


def _printed_from(master: Path) -> Callable[[dict[str, tuple[int, int]]], str]:
    """The master's seal, kept as the merge left it, with what the list to sign was just made from."""
    found = read_seal(master)
    kept = dict(found[0]) if found else {}

    def make(entries: dict[str, tuple[int, int]]) -> str:
        kept["printed_from"] = {name: list(entries[name]) for name in PRINT_LIST_SOURCES if name in entries}
        return json.dumps(kept, ensure_ascii=False)
    return make


def save(report: JobReport, master: Path, sheets: list[SheetData], keep_backups: int,
         seal: Callable[[dict[str, tuple[int, int]]], str] | None = None) -> JobReport:
    """Write the job's sheets into the master atomically; a failure becomes the report's, the old master intact.

    `seal`: a merge's seal for the master written (see addin.workbook.master.read_seal). Any other
    write of the list to sign keeps the seal and says what the list was made from (print_list_stale).
    """
    if seal is None and any(s.name == schema.PRINT_LIST for s in sheets):
        seal = _printed_from(master)
    report.sheets = sheets
    try:
        report.backup = write_sheets(master, sheets, keep_backups=keep_backups, seal=seal)
    except (MasterLocked, UnreadableFile) as exc:
        report.fail(MASTER_NOT_WRITTEN, str(exc))
    except OSError as exc:
        report.fail(MASTER_NOT_WRITTEN,
                    f"Không ghi được sổ tổng hợp \"{master.name}\": {exc.strerror or exc}. Sổ cũ vẫn nguyên vẹn.")
    return report


# ---------------------------------------------------------------------------
# The one loop over sources


@dataclass(frozen=True)
class Found:
    """One source met by a job's loop: the file to read, or why it is skipped or rejected."""

    source: Source
    skipped: str | None = None  # an Office lock file, the master itself or one of its backups
    rejection: Issue | None = None  # a container that could not be opened: the file's unreadable-file issue

    @property
    def shown(self) -> str:
        return self.source.shown

    @property
    def path(self) -> Path:
        return self.source.path


@contextmanager
def sources_found(paths: Iterable[str | Path]) -> Iterator[list[Source]]:
    """Every spreadsheet under the paths (emails and archives opened into a temporary folder, removed after).

    Paths may be given as Path objects (a script's call): they are named as text everywhere after.
    """
    with tempfile.TemporaryDirectory(prefix="tdkt-") as work:
        yield collect_sources([str(p) for p in paths], Path(work))


def each_source(paths: Iterable[str | Path], *, master: Path | None = None,
                progress: Progress | None = None, read_ahead: Callable[[Source], bool] | None = None) -> Iterator[Found]:
    """The sources under the paths, one at a time, as every job reads them.

    Progress is reported per file; the garbage collector is paused for the bulk read; a file that
    is the target master itself (or one of its backups) is skipped, never read as a unit's list.
    The extracted files exist while the loop runs. `read_ahead`: which sources the job reads
    (read_submission): while the job works on one, the next of them is read on a thread
    (addin.workbook.prefetch.read_ahead).
    """
    with sources_found(paths) as found:
        total = len(found)
        skips: dict[int, str | None] = {}  # worked out when first needed, once each

        def skip(i: int) -> str | None:
            if i not in skips:
                src = found[i]
                skips[i] = src.ignored or (own_file(master, src.path) if master is not None else None)
            return skips[i]

        def wanted(i: int) -> bool:
            return read_ahead is not None and not skip(i) and not found[i].rejected and read_ahead(found[i])

        ahead = 0  # the next source to consider reading ahead (only moves forward: one pass in all)
        try:
            with gc_paused():
                for done, src in enumerate(found):
                    if progress:
                        progress(done, total, src.shown)
                    if read_ahead is not None:
                        ahead = max(ahead, done + 1)
                        while ahead < total and not wanted(ahead):
                            ahead += 1
                        if ahead < total:
                            prefetch.read_ahead(found[ahead].path)
                    skipped = skip(done)
                    if skipped:
                        yield Found(src, skipped=skipped)
                    elif src.rejected:
                        yield Found(src, rejection=Issue(code="unreadable-file", severity=Severity.ERROR, file=src.shown,
                                                         message=src.rejected))
                    else:
                        yield Found(src)
        finally:
            prefetch.drop_reads()  # one read ahead and never taken (the job stopped early) is let go
        if progress:
            progress(total, total, "")


def beside_master(master: Path, inbox: Path, name: str) -> Path:
    """A folder the job writes into beside the master, but never inside the inbox: the next merge
    would read what is written there (marked copies, reminder drafts) as units' lists."""
    out = master.parent / name
    try:
        if out.resolve().is_relative_to(inbox.resolve()):
            return inbox.parent / name
    except OSError:
        pass
    return out


def own_file(master: Path, path: Path) -> str | None:
    """Why a file found among the sources is the master itself or one of its backups, if it is.

    Clerks keep the master in the folder the units' files are saved to: merged in, it would
    come back as a unit of its own, doubling every row on each run.
    """
    try:
        here, master = path.resolve(), master.resolve()
    except OSError:
        return None
    if here == master:
        return "đây là chính sổ tổng hợp đang được gộp"
    if here.parent == backup_dir(master):
        return "bản sao lưu của sổ tổng hợp"
    # A copy, a backup moved elsewhere, a leftover of a killed run: the same tdkt-id inside.
    if (mine := master_identity(master)) and master_identity(path) == mine:
        return "bản sao của chính sổ tổng hợp này (cùng mã sổ tdkt-id), gộp vào sẽ nhân đôi danh sách"
    return None
