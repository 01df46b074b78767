"""The master workbook's own sheets: reading back what an earlier merge wrote, writing the new state.

DanhSach (the merged list), Loi (every issue), NhatKy (the merge log) are tdkt's; BiDanh (unit
aliases) and DonVi (the unit register) are the clerk's: created once, then only read by a merge.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import python_calamine as pc

from addin import catalogue as catalogue_mod
from addin import history, rules
from addin.catalogue import TARGET_LABELS, Catalogue
from addin.delegates import FLAGS
from addin.delegates import Result as DelegateResult
from addin.history import YearRecord
from addin.rules import RuleTable, default_table
from addin.tally import KIND_ORDER, Tally, parse_codes, rows_per_year, year_keys
from addin import schema
from addin import settings as settings_mod
from addin.merge import FileOutcome, MergeOutcome, UnitVersion, confidence_text
from addin.merge import state_of as _state_of
from addin.models import AwardKind, Issue, Report, Severity, Target
from addin.schema import (
    ACTION_LABELS,
    ISSUE_COLUMNS,
    LABEL_SEVERITY,
    LIST_COLUMNS,
    LIST_HEADER_ROW,
    LIST_INDEX,
    LIST_KEYS,
    LIST_PRINTED,
    LOG_COLUMNS,
    PROPOSALS,
    REGISTRATIONS,
    SEVERITY_LABELS,
    STATUS_ERROR,
    STATUS_OK,
    STATUS_WARNING,
    ListSheets,
    MasterRow,
    status_counts,
)
from addin.ingest import header_field
from addin.text import clean, fold, name_key, strip_accents
from addin.units import Aliases, RegisterEntry, UnitNames, UnitRegister, register_from_grid, unit_key
from addin.workbook.master import PRINT_WIDTH_PX, OfficialLayout, PagedTable, SheetData, backup_dir, column_px
from addin.workbook import prefetch
from addin.workbook.reader import UnreadableFile

# Excel keeps at most 65,530 hyperlinks per sheet; past that Loi still gives the row number.
MAX_LINKS = 65_530
GUEST_KEYS = [c.key for c in schema.GUEST_COLUMNS]


@dataclass
class MasterContent:
    """What the master holds now."""

    unit: str | None = None  # the master's own unit (title line of DanhSach)
    rows: list[MasterRow] = field(default_factory=list)
    issues: list[tuple[str | None, Issue]] = field(default_factory=list)  # (unit, issue)
    log: list[list[Any]] = field(default_factory=list)
    aliases: Aliases = field(default_factory=Aliases)
    alias_pairs: list[tuple[str, str]] = field(default_factory=list)
    settings: settings_mod.Settings = field(default_factory=settings_mod.Settings)
    has_settings: bool = False
    guests: list[dict[str, Any]] = field(default_factory=list)  # KhachMoi rows, filled by the clerk
    initial_guests: list[list[Any]] = field(default_factory=list)  # KhachMoi rows for a new master (demo)
    catalogue: Catalogue | None = None  # the DanhMuc sheet's catalogue (the defaults and what the sheet adds)
    registrations: list[MasterRow] = field(default_factory=list)  # DangKy rows
    sheet_names: list[str] = field(default_factory=list)  # the file's sheets (read_master; empty for an open book)
    shape: "ListShape" = field(default_factory=lambda: ListShape())  # the clerk's edits of the list read
    register: UnitRegister = field(default_factory=UnitRegister)  # DonVi, the clerk's unit register

    def unit_names(self) -> Aliases | UnitNames:
        """How the master names a unit: its alias in BiDanh, then its official name in DonVi."""
        return self.register.names(self.aliases) if self.register else self.aliases


def _sheet_rows(book: pc.CalamineWorkbook, name: str, path: Path | None = None,
                lazy: bool = False) -> Iterable[list[Any]] | None:
    """A sheet's rows from A1 (empty cells as ""); `lazy`: one at a time, as _read_list takes a list sheet."""
    if name not in book.sheet_names:
        return None
    sheet = (prefetch.take(path, name) if path is not None else None) or book.get_sheet_by_name(name)
    if not lazy:
        return sheet.to_python(skip_empty_area=False)
    # iter_rows starts at row 1 but at the first column with a value: the empty columns before it
    # are given back, so every row is what to_python(skip_empty_area=False) would have given.
    pad = [""] * (sheet.start[1] if sheet.start else 0)
    return (pad + row for row in sheet.iter_rows()) if pad else sheet.iter_rows()


def _find_header(rows: list[list[Any]], first: str) -> int | None:
    for i, row in enumerate(rows[:20]):
        if row and isinstance(row[0], str) and clean(row[0]) == first:
            return i
    return None


def _as_int(value: Any) -> int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _value(value: Any) -> Any:
    return None if value == "" else value


def _unreadable_master(path: Path) -> UnreadableFile:
    """A master the reader cannot open, with what to do: "(ZipError)" alone told the clerk nothing."""
    backups = backup_dir(path)
    has_backup = backups.is_dir() and any(backups.iterdir())
    advice = (f"hãy mở thử bằng Excel; nếu Excel cũng không mở được, hãy dùng bản sao lưu trong thư mục {backups.name}"
              if has_backup else "hãy mở thử bằng Excel và lưu lại thành .xlsx rồi chạy lại")
    return UnreadableFile(f"Không đọc được sổ tổng hợp \"{path.name}\": tệp bị hỏng hoặc không phải sổ Excel "
                          f"(.xlsx, .xlsm). Sổ chưa bị thay đổi; {advice}.")


@dataclass(frozen=True)
class Need:
    """What a job uses of the master: read_master and content_from_sheets read and build nothing else.

    `parts` names MasterContent's fields: "rows" (the list `sheets` names, with its unit),
    "shape" (the clerk's edits of that list: only a job that rewrites it keeps them),
    "registrations", "issues", "log", "settings", "guests", "aliases", "register", "catalogue".
    A sheet no part needs is not read at all (not parsed from the file, no range read from an open
    book); a part not needed keeps MasterContent's empty default. `columns`: the list columns
    (schema.LIST_KEYS) given values in the rows read (None: every column; the others stay None).
    """

    parts: frozenset[str]
    columns: frozenset[str] | None = None

    def __init__(self, parts: Iterable[str], columns: Iterable[str] | None = None):
        unknown = (set(parts) - NEED_PARTS) | (set(columns or ()) - set(LIST_KEYS))
        if unknown:
            raise ValueError(f"not parts of a master's content: {sorted(unknown)}")
        parts = set(parts)
        object.__setattr__(self, "parts", frozenset(parts | ({"rows"} if "shape" in parts else set())))
        object.__setattr__(self, "columns", None if columns is None else frozenset(columns))


NEED_PARTS = frozenset({"rows", "shape", "registrations", "issues", "log", "settings", "guests", "aliases",
                        "register", "catalogue"})


def read_master(path: Path, sheets: ListSheets = PROPOSALS, need: Need | None = None) -> MasterContent:
    """Read the master's DanhSach (or DangKy: `sheets`), Loi, NhatKy and BiDanh (an empty content when it is new).

    `need`: only what the job uses (None: everything, as a merge needs it).
    """
    if path.suffix.lower() not in MASTER_SUFFIXES:
        raise UnreadableFile(not_a_master_format(path))
    if not path.exists():
        return MasterContent()
    try:
        book = pc.CalamineWorkbook.from_path(str(path))
    except Exception:
        raise _unreadable_master(path) from None
    if need is None or "rows" in need.parts:
        prefetch.start(path, sheets.rows)  # parsed beside the other sheets (a started parse is not started again)
    try:
        lists = {sheets.rows, REGISTRATIONS.rows}  # read by _read_list, a row at a time
        content = content_from_sheets(lambda name: _sheet_rows(book, name, path, lazy=name in lists), sheets, need)
        content.sheet_names = list(book.sheet_names)
        return content
    finally:
        book.close()
        prefetch.forget(path)  # a parse not taken (no such sheet, an error on the way) is let go


# tdkt writes its sheets into the master's zip package: only Excel's Open XML workbooks have one.
MASTER_SUFFIXES = (".xlsx", ".xlsm")


def not_a_master_format(path: Path) -> str:
    """Why a file of another kind (.xls, .xlsb, .ods, ...) cannot be the master, and what to do: save it as .xlsx."""
    kind = {".xls": "Excel 97-2003 (.xls)", ".xlsb": "Excel nhị phân (.xlsb)",
            ".ods": "OpenDocument (.ods)"}.get(path.suffix.lower(), f"\"{path.suffix or 'không có đuôi'}\"")
    return (f"Sổ tổng hợp \"{path.name}\" là tệp {kind}: tdkt chỉ ghi được vào sổ .xlsx hoặc .xlsm. Hãy mở sổ "
            f"bằng Excel, chọn Lưu thành (Save As) kiểu \"Excel Workbook (*.xlsx)\", rồi chạy lại lệnh với tệp "
            f"\"{path.stem}.xlsx\".")


def _moment(value: Any) -> Any:
    """A time read back from the sheet, made timezone-aware (a date alone: its midnight)."""
    if isinstance(value, datetime):
        return value.astimezone()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day).astimezone()
    return value


class ListUnusable(UnreadableFile):
    """A list sheet (DanhSach, DangKy) the clerk changed so that tdkt cannot tell which column is which."""


@dataclass
class ListShape:
    """What the clerk made of a list sheet (DanhSach, DangKy) since tdkt wrote it; the next write keeps it.

    A row is known by its provenance (SHA-256 of its file, Trang, Dòng): the clerk's values and a
    status set by hand follow that row across merges.
    """

    headers: dict[str, str] = field(default_factory=dict)  # our key -> the header as the clerk has it now
    deleted: set[str] = field(default_factory=set)  # our columns the clerk deleted (schema.LIST_DELETABLE)
    extra_headers: list[str] = field(default_factory=list)  # the clerk's own columns, kept after ours
    extras: dict[tuple[Any, ...], list[Any]] = field(default_factory=dict)  # provenance -> their values
    # (unit, name, birth) -> their values, for the same person in a unit's next version (None: not one person)
    extras_by_person: dict[tuple[Any, ...], list[Any] | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # lines the clerk typed under the table
    statuses: dict[tuple[Any, ...], tuple[Any, Any]] = field(default_factory=dict)  # provenance -> (status, checks)


def provenance(row: MasterRow) -> tuple[Any, ...]:
    """What identifies a DanhSach row across merges: its file's SHA-256, sheet and row."""
    return (str(row.sha256 or ""), str(row.src_sheet or ""), row.src_row)


def _person(row: MasterRow) -> tuple[Any, ...]:
    return (unit_key(str(row.src_unit or row.unit or "")), name_key(str(row.ho_ten or "")), row.birth)


def _loose(text: str) -> str:
    """A header compared without case, diacritics, spaces or punctuation ("Ho va ten" = "Họ và tên")."""
    return re.sub(r"[^0-9a-z]", "", strip_accents(fold(text)))


# Ingest fields (addin.ingest.header_field) that DanhSach names otherwise.
_FIELD_KEYS = {"doi_tuong": "target", "danh_hieu": "de_nghi", "hinh_thuc": "de_nghi"}
_STATUS_LABELS = {_loose(label): label for label in (STATUS_OK, STATUS_ERROR, STATUS_WARNING)}
_STATUS_SET = frozenset(_STATUS_LABELS.values())
# The hints under the signature roles (addin.workbook.master writes them with the official layout).
_SIGNATURE_HINTS = {"(Ký, ghi rõ họ tên)", "(Ký tên, đóng dấu)"}
_FIRST_SIGNATURE = "NGƯỜI LẬP BIỂU"


def _synonym(text: str) -> str | None:
    """Our column a header names by the ingest's synonyms ("Họ tên", "Xếp loại năm học"), or None."""
    found = header_field(text)
    if found == "ngay_sinh" and fold(text).startswith("năm sinh"):
        found = "nam_sinh"
    found = _FIELD_KEYS.get(found or "", found)
    return found if found in LIST_INDEX else None


def _text(value: Any) -> str:
    return clean(str(value)) if value not in (None, "") else ""


def _map_columns(header: list[str], headers: dict[str, str], sheet: str) -> dict[int, str]:
    """Column index -> our key: the exact header, else the same without case and diacritics, else a synonym.

    Two columns that claim the same column of ours (past the exact header) stop the run.
    """
    taken: dict[int, str] = {}
    exact = {h: k for k, h in headers.items()}
    for i, text in enumerate(header):
        key = exact.get(text)
        if key is not None and key not in taken.values():
            taken[i] = key
    loose = {_loose(h): k for k, h in headers.items()}
    for match in (lambda t: loose.get(_loose(t)), _synonym):
        claims: dict[str, list[int]] = {}
        for i, text in enumerate(header):
            if i in taken or not text:
                continue
            key = match(text)
            if key is not None and key not in taken.values():
                claims.setdefault(key, []).append(i)
        for key, at in claims.items():
            if len(at) > 1:
                named = " và ".join(f"\"{header[i]}\"" for i in at)
                raise ListUnusable(
                    f"Trang {sheet}: các cột {named} cùng được hiểu là cột \"{headers[key]}\", nên tdkt không "
                    f"biết cột nào là cột \"{headers[key]}\". Hãy đặt lại tiêu đề \"{headers[key]}\" cho đúng cột đó "
                    "(và đổi tên cột kia cho khác hẳn) rồi chạy lại. Chưa ghi gì vào sổ.")
            taken[at[0]] = key
    return taken


def _find_list_header(listing: list[list[Any]], headers: dict[str, str]) -> int | None:
    """The header row: the first of the top rows in which at least three cells name columns of ours."""
    known = {_loose(h) for h in headers.values()}
    for i, row in enumerate(listing[:20]):
        texts = [_text(v) for v in row]
        if headers["stt"] in texts[:1] or sum(1 for t in texts if t and _loose(t) in known) >= 3:
            return i
    return None


def _signature_rows(lines: dict[int, list[Any]], start: int) -> dict[int, set[int] | None]:
    """Rows (index -> columns, None: every column) of our signature block under the table, from `start` on.

    `lines`: the rows under the table that have a value, by index (the empty ones are not lines).
    """
    for i in sorted(r for r in lines if r >= start):
        if any(_text(v) in _SIGNATURE_HINTS for v in lines[i]):
            above = lines.get(i - 1, [])
            role = {c for c, v in enumerate(above)
                    if _text(v) == _FIRST_SIGNATURE or (c > 0 and _text(v) and _text(v) == _text(v).upper())}
            return {i - 1: role, i: None, i + 4: None}
    return {}


def _read_list(listing: Iterable[list[Any]] | None, headers: dict[str, str],
               sheet: str = schema.LIST, *, keys: frozenset[str] | None = None,
               with_shape: bool = True) -> tuple[str | None, list[MasterRow], ListShape]:
    """The unit named in a list sheet's title block (DanhSach, DangKy), its rows, and what the clerk made of it.

    Columns are found by header (see _map_columns), wherever the clerk moved them. A numbered row
    (STT) is a row of ours; any other line under the header, but our signature block, is the
    clerk's note. A column tdkt needs (schema.LIST_REQUIRED) that is no longer there stops the
    run: ListUnusable, naming it and any header tdkt does not recognise. `keys`: the columns given
    values (None: all); without `with_shape`, the clerk's per-row edits (statuses, values of the
    clerk's columns) are not gathered.

    `listing` is read once, row by row (calamine's iter_rows): a numbered row becomes a MasterRow
    as it comes, so a large DanhSach is never held twice, as grid and as rows (a third less
    memory at the peak of a 50,000-row master's read, and faster).
    """
    unit, rows, shape = None, [], ListShape()
    if listing is None:
        return unit, rows, shape
    grid = iter(listing)
    top = [row for _, row in zip(range(20), grid)]  # the header is among the top rows
    h = _find_list_header(top, headers)
    if h is None:
        return unit, rows, shape
    # the issuer block: its lowest line names the master's own unit
    issuer = [clean(str(r[0])) for r in top[:2] if r and isinstance(r[0], str) and clean(r[0])]
    if issuer:
        unit = issuer[-1]
    header = [_text(v) for v in top[h]]
    columns = _map_columns(header, headers, sheet)
    mapped = set(columns.values())
    stt_at = next((i for i, k in columns.items() if k == "stt"), None)
    missing = [k for k in schema.LIST_REQUIRED if k not in mapped]
    if missing:
        names = ", ".join(f"\"{headers[k]}\"" for k in missing)
        unknown = [text for i, text in enumerate(header) if i not in columns and text]
        if unknown:
            strange = ", ".join(f"\"{t}\"" for t in unknown)
            raise ListUnusable(
                f"Trang {sheet} không còn cột {names} mà tdkt cần, và có cột {strange} mà tdkt không nhận ra. "
                f"Nếu đó là cột {names} đã đổi tên, hãy đặt lại tiêu đề {names} (hoặc một cách gọi tdkt hiểu, "
                f"như \"Họ tên\" cho \"Họ và tên\"); nếu cột đã bị xóa, hãy lấy lại (Ctrl+Z, hoặc chép từ bản sao lưu "
                f"trong thư mục \"<tên sổ>.sao-luu\" cạnh sổ). Muốn khỏi thấy một cột thì ẩn cột (Hide), đừng xóa. "
                f"Chưa ghi gì vào sổ.")
        raise ListUnusable(
            f"Trang {sheet} không còn cột {names} mà tdkt cần. Hãy lấy lại cột đó (Ctrl+Z, hoặc chép từ bản sao lưu "
            f"trong thư mục \"<tên sổ>.sao-luu\" cạnh sổ); muốn khỏi thấy một cột thì ẩn cột (Hide), đừng xóa. Chưa ghi gì vào sổ.")
    shape.headers = {k: header[i] for i, k in columns.items()}
    shape.deleted = {k for k in schema.LIST_DELETABLE if k not in mapped}
    # A master tdkt wrote has our columns in our order: each row of a full read is then one
    # comprehension. Equal texts become one string object (units, positions, awards, files repeat on
    # every row: a third less memory on a large master), and the few distinct times are made aware
    # once each. A job that needs some columns only (keys) gets those: (sheet column, row index).
    same: dict[str, str] = {}
    aware: dict[Any, Any] = {}
    width_ours = len(LIST_KEYS)
    identity = keys is None and all(columns.get(i) == k for i, k in enumerate(LIST_KEYS))
    filled = [(i, LIST_INDEX[k]) for i, k in columns.items() if keys is None or k in keys]
    given = {k for k in columns.values() if keys is None or k in keys}
    whole, moments = bool(given & {"nam_sinh", "src_row"}), bool(given & {"sent_at", "merged_at"})
    at_nam_sinh, at_src_row, at_ngay_sinh = LIST_INDEX["nam_sinh"], LIST_INDEX["src_row"], LIST_INDEX["ngay_sinh"]
    at_sent, at_merged = LIST_INDEX["sent_at"], LIST_INDEX["merged_at"]
    at_status = LIST_INDEX["status"]
    # The clerk's own columns are known once every row is read (a column is one when its header
    # or any numbered row's cell has text): the cells of columns not ours are kept per row meanwhile.
    unmapped: list[tuple[MasterRow, dict[int, Any]]] = []
    not_ours: dict[int, list[int]] = {}  # a row's length -> its columns that are not ours
    width = len(top[h])
    lines: dict[int, list[Any]] = {}  # the rows under the header that are not numbered: notes, signatures
    last_numbered = h
    sha_at = next((i for i, k in columns.items() if k == "sha256"), None)
    for r, raw in enumerate(chain(top[h + 1:], grid), start=h + 1):
        if not (stt_at is not None and stt_at < len(raw) and isinstance(raw[stt_at], (int, float))
                and not isinstance(raw[stt_at], bool)) and not _ours_by_source(raw, sha_at):
            if any(v not in ("", None) for v in raw):
                lines[r] = raw
            continue
        last_numbered = r
        if len(raw) > width:
            width = len(raw)
        if identity and len(raw) >= width_ours:
            row = MasterRow([None if v == "" else same.setdefault(v, v) if type(v) is str else v
                             for v in raw[:width_ours]])
        else:
            row = MasterRow.blank()
            n = len(raw)
            for i, at in filled:
                if i < n:
                    v = raw[i]
                    row[at] = None if v == "" else same.setdefault(v, v) if type(v) is str else v
        if whole:
            row[at_nam_sinh], row[at_src_row] = _as_int(row[at_nam_sinh]), _as_int(row[at_src_row])
        if isinstance(row[at_ngay_sinh], datetime):
            row[at_ngay_sinh] = row[at_ngay_sinh].date()
        if (status := row[at_status]) is not None and status not in _STATUS_SET:
            # typed by hand ("loi", "LỖI", "ok"): every job reads it as the status it spells
            row[at_status] = _STATUS_LABELS.get(_loose(str(status)), status)
        if moments:
            for at in (at_sent, at_merged):
                v = row[at]
                if v is not None:
                    made = aware.get(v)
                    if made is None:
                        made = aware[v] = _moment(v)
                    row[at] = made
        rows.append(row)
        free = not_ours.get(len(raw))
        if free is None:
            free = not_ours[len(raw)] = [i for i in range(len(raw)) if i not in columns]
        if free:  # (none on a master tdkt wrote: every column is ours)
            others = {i: raw[i] for i in free if raw[i] not in ("", None)}
            if others:
                unmapped.append((row, others))
        if with_shape:
            shape.statuses[provenance(row)] = (row.status, row.status_text)
    extra_at = [i for i in range(width) if i not in columns
                and ((i < len(header) and header[i]) or any(_text(others.get(i)) for _, others in unmapped))]
    shape.extra_headers = [header[i] if i < len(header) else "" for i in extra_at]
    if extra_at and with_shape:
        for row, others in unmapped:
            values = [_value(others.get(i)) for i in extra_at]
            if any(v is not None for v in values):
                key = provenance(row)
                shape.extras[key] = values
                person = _person(row)
                shape.extras_by_person[person] = None if person in shape.extras_by_person else values
    ours = _signature_rows(lines, last_numbered + 1)
    for r in sorted(lines):
        skip = ours.get(r, set()) if r in ours else set()
        texts = [_text(v) for c, v in enumerate(lines[r]) if skip is not None and c not in skip]
        line = " ".join(t for t in texts if t)
        if line:
            shape.notes.append(line)
    return unit, rows, shape


_HEX = frozenset("0123456789abcdef")


def _ours_by_source(raw: list[Any], sha_at: int | None) -> bool:
    """A row of ours whose STT the clerk retyped ("6a", "6" as text, emptied): its SHA-256 of the
    file it came from says so, and a note line has none (fresh-eyes testing found such rows lost)."""
    if sha_at is None or sha_at >= len(raw):
        return False
    value = raw[sha_at]
    return type(value) is str and len(value) == 64 and set(value) <= _HEX


def _hand_statuses(rows: list[MasterRow], shape: ListShape) -> Iterator[tuple[MasterRow, str]]:
    """Each row whose Tình trạng the clerk set by hand to another status than tdkt's, with the same
    checks (Nội dung kiểm tra) as when the clerk set it, and that status: tdkt's own words however
    typed ("loi" is Lỗi), any other word of the clerk's ("Rút") as written."""
    if not shape.statuses:  # a new master: no row of its list was read, nothing to look up per row
        return
    for row in rows:
        before = shape.statuses.get(provenance(row))
        if before is None or not (typed := _text(before[0])):
            continue
        status = _STATUS_LABELS.get(_loose(typed), typed)
        if status != row.status and _text(before[1]) == _text(row.status_text):
            yield row, status


def keep_hand_statuses(rows: list[MasterRow], shape: ListShape) -> int:
    """Give back the status the clerk set by hand, with a reason in Ghi chú; how many rows.

    A row keeps the clerk's Tình trạng when it is the same row (provenance) with the same checks
    (Nội dung kiểm tra) as when the clerk set it, and its Ghi chú is not empty; once its checks
    change (a new version, a new duplicate), tdkt's status stands again.
    """
    kept = 0
    for row, status in _hand_statuses(rows, shape):
        if row.ghi_chu:
            row.status = status
            kept += 1
    return kept


def unexplained_statuses(rows: list[MasterRow], shape: ListShape) -> list[tuple[str, str, str]]:
    """(name, status typed, status now) of the rows whose Tình trạng the clerk changed by hand with no
    reason in Ghi chú: keep_hand_statuses gives them tdkt's status back, and the clerk must be told."""
    return [(str(row.ho_ten or ""), status, str(row.status or ""))
            for row, status in _hand_statuses(rows, shape) if not row.ghi_chu]
    for row in rows:
        before = shape.statuses.get(provenance(row))
        if before is None or row.ghi_chu:
            continue
        typed = _text(before[0])
        if typed and _STATUS_LABELS.get(_loose(typed), typed) != row.status \
                and _text(before[1]) == _text(row.status_text):
            out.append((str(row.ho_ten or ""), typed, str(row.status or "")))
    return out


def sheets_read(sheets: ListSheets = PROPOSALS) -> list[str]:
    """The sheets content_from_sheets reads for a full read (a test keeps the two in step).

    A merge's seal records these sheets' CRCs: while they are as the merge left them, so is its answer.
    """
    registrations = [REGISTRATIONS.rows] if sheets.rows != REGISTRATIONS.rows else []
    return [sheets.rows, *registrations, sheets.issues, sheets.log, schema.SETTINGS, schema.GUESTS,
            schema.ALIASES, schema.UNITS, schema.CATALOGUE]


def content_from_sheets(sheet_rows: Callable[[str], list[list[Any]] | None],
                        sheets: ListSheets = PROPOSALS, need: Need | None = None) -> MasterContent:
    """The master's content from its sheets' cell values (calamine's, or an open book's via xlwings).

    `sheet_rows(name)` gives a sheet's rows (empty cells as "") or None when there is no such sheet.
    `sheets` names the list read into rows, issues and log; `registrations` always holds DangKy.
    `need`: the parts the job uses (None: all); the sheets of the others are never asked for.
    """
    content = MasterContent()
    parts = NEED_PARTS if need is None else need.parts
    keys = None if need is None else need.columns
    part_of = {REGISTRATIONS.rows: "registrations", sheets.rows: "rows", sheets.issues: "issues", sheets.log: "log",
               schema.SETTINGS: "settings", schema.GUESTS: "guests", schema.ALIASES: "aliases",
               schema.UNITS: "register", schema.CATALOGUE: "catalogue"}

    def read(name: str) -> list[list[Any]] | None:
        return sheet_rows(name) if part_of[name] in parts else None

    # The list last: read_master has its parse started on a thread (see addin.workbook.prefetch),
    # and the other sheets are read meanwhile.
    issues = read(sheets.issues)
    if issues:
        h = _find_header(issues, ISSUE_COLUMNS[0].header)
        if h is not None:
            for raw in issues[h + 1:]:
                raw = list(raw) + [""] * (len(ISSUE_COLUMNS) - len(raw))
                values = {key: _value(raw[i]) for i, (key, _, _) in enumerate(ISSUE_COLUMNS)}
                if not values["code"] or not values["message"]:
                    continue
                content.issues.append((values["unit"], Issue(
                    code=str(values["code"]),
                    severity=LABEL_SEVERITY.get(str(values["severity"]), Severity.WARNING),
                    file=str(values["file"] or ""),
                    sheet=None if values["sheet"] is None else str(values["sheet"]),
                    row=_as_int(values["row"]),
                    column=None if values["column"] is None else str(values["column"]),
                    value=None if values["value"] is None else str(values["value"]),
                    message=str(values["message"]),
                )))
    log = read(sheets.log)
    if log:
        h = _find_header(log, LOG_COLUMNS[0].header)
        if h is not None:
            for raw in log[h + 1:]:
                if any(v not in ("", None) for v in raw):
                    raw = [_value(v) for v in raw] + [None] * (len(LOG_COLUMNS) - len(raw))
                    content.log.append(raw[: len(LOG_COLUMNS)])
    config = read(schema.SETTINGS)
    if config:
        h = _find_header(config, schema.SETTINGS_COLUMNS[0].header)
        if h is not None:
            content.settings = settings_mod.parse(config[h + 1:])
            content.has_settings = True
    guests = read(schema.GUESTS)
    if guests:
        h = _find_header(guests, schema.GUEST_COLUMNS[0].header)
        if h is not None:
            for raw in guests[h + 1:]:
                raw = [_value(v) for v in raw] + [None] * (len(GUEST_KEYS) - len(raw))
                if raw[1]:
                    content.guests.append({k: raw[i] for i, k in enumerate(GUEST_KEYS)})
    aliases = read(schema.ALIASES)
    if aliases:
        h = _find_header(aliases, schema.ALIAS_COLUMNS[0].header)
        if h is not None:
            for raw in aliases[h + 1:]:
                if len(raw) >= 2 and isinstance(raw[0], str) and isinstance(raw[1], str) and raw[0].strip() and raw[1].strip():
                    content.alias_pairs.append((clean(raw[0]), clean(raw[1])))
            content.aliases = Aliases(content.alias_pairs)
    units = read(schema.UNITS)
    if units is not None:
        content.register = UnitRegister(register_from_grid(units) or [])
    catalogue_rows = read(schema.CATALOGUE)
    if catalogue_rows:
        content.catalogue = catalogue_mod.catalogue_from_sheet(catalogue_rows)
    content.unit, content.rows, content.shape = _read_list(read(sheets.rows), sheets.headers, sheets.rows,
                                                           keys=keys, with_shape="shape" in parts)
    if sheets.rows == REGISTRATIONS.rows:
        content.registrations = content.rows
    else:
        content.registrations = _read_list(read(REGISTRATIONS.rows), REGISTRATIONS.headers,
                                           REGISTRATIONS.rows, keys=keys, with_shape=False)[1]
    return content


def state_of(content: MasterContent) -> dict[str, UnitVersion]:
    """Per submitting unit: the version the master holds (see addin.merge.state_of)."""
    return _state_of(content.log, content.rows, content.issues, content.unit_names())


def _log_row(outcome: FileOutcome, at: datetime) -> list[Any]:
    return [at, outcome.path, outcome.unit, outcome.rows, ACTION_LABELS[outcome.action], outcome.reason,
            outcome.sha256, outcome.sent_at, outcome.sender, confidence_text(outcome), outcome.document_date,
            schema.SENT_FROM_LABELS.get(outcome.sent_from or ""), None]


def master_sheets(content: MasterContent, outcome: MergeOutcome, files: list[FileOutcome],
                  extra_issues: list[tuple[str | None, Issue]], merged_at: datetime, *,
                  unit: str | None, sheets: ListSheets = PROPOSALS,
                  catalogue: Catalogue | None = None) -> list[SheetData]:
    """The sheets a merge writes: DanhSach, Loi, NhatKy, and the clerk's sheets when missing.

    The CLI writes them into the file; an Excel button writes the same sheets into the open book.
    """
    rows = outcome.rows
    shape = content.shape
    stt, status = LIST_INDEX["stt"], LIST_INDEX["status"]  # indices: these loops run on every row
    for i, row in enumerate(rows):
        row[stt] = i + 1
    keep_hand_statuses(rows, shape)
    row_styles = {}
    for i, row in enumerate(rows):
        if not status_counts(row[status]):
            row_styles[i] = "error"
        elif row[status] == STATUS_WARNING:
            row_styles[i] = "warning"
    settings = content.settings
    if unit:
        settings.unit_name = unit
    elif not settings.unit_name and content.unit:
        settings.unit_name = content.unit
    years = sorted({str(r.nam_hoc) for r in rows if r.nam_hoc})
    headers = sheets.headers
    # The clerk's edits stay: renamed headers, deleted columns, own columns (values on their rows), notes.
    kept = [c for c in LIST_COLUMNS if c.key not in shape.deleted]
    at = [LIST_INDEX[c.key] for c in kept]
    extra = len(shape.extra_headers)
    empty = [None] * extra

    def clerks(row: MasterRow) -> list[Any]:
        if not extra:
            return []
        found = shape.extras.get(provenance(row))
        if found is None and provenance(row) not in shape.statuses:  # a row new to the sheet
            found = shape.extras_by_person.get(_person(row))
        return list(found or empty)

    listing = SheetData(
        sheets.rows, [shape.headers.get(c.key) or headers[c.key] for c in kept] + shape.extra_headers,
        rows if len(at) == len(LIST_KEYS) and not extra else [[row[i] for i in at] + clerks(row) for row in rows],
        widths=[c.width for c in kept] + [16] * extra,
        row_styles=row_styles, print_columns=sum(1 for i in at if i < LIST_PRINTED), notes=list(shape.notes),
        layout=official_layout(settings, sheets.title, "Năm học " + ", ".join(years) if years else "(Tổng hợp từ hồ sơ các đơn vị)"),
    )
    issue_rows, links, styles = [], {}, {}
    all_issues = list(zip(outcome.issues, outcome.issue_rows, outcome.issue_units))
    all_issues += [(issue, None, issue_unit) for issue_unit, issue in extra_issues]
    for n, (issue, at_row, issue_unit) in enumerate(all_issues):
        master_row = None if at_row is None else at_row + LIST_HEADER_ROW + 1
        issue_rows.append([issue.code, SEVERITY_LABELS[issue.severity], issue_unit, issue.file, issue.sheet,
                           issue.row, issue.column, issue.value, issue.message, master_row])
        if master_row is not None and len(links) < MAX_LINKS:
            links[(n, len(ISSUE_COLUMNS) - 1)] = f"'{sheets.rows}'!A{master_row}"
        if issue.severity == Severity.ERROR:
            styles[n] = "error"
        elif issue.severity == Severity.WARNING:
            styles[n] = "warning"
    issue_headers = schema.headers(ISSUE_COLUMNS[:-1]) + [f"Dòng trong {sheets.rows}"]
    issues_sheet = SheetData(sheets.issues, issue_headers, issue_rows,
                             widths=schema.widths(ISSUE_COLUMNS), links=links, row_styles=styles)
    log = content.log + [_log_row(f, merged_at) for f in files]
    log_sheet = SheetData(sheets.log, schema.headers(LOG_COLUMNS), log, widths=schema.widths(LOG_COLUMNS))
    aliases = SheetData(schema.ALIASES, schema.headers(schema.ALIAS_COLUMNS), [], widths=schema.widths(schema.ALIAS_COLUMNS),
                        only_if_missing=True)
    units = units_sheet([], only_if_missing=True)
    printed = []
    if sheets is PROPOSALS:  # the official list is written with DanhSach, never from DangKy
        catalogue = catalogue or content.catalogue or catalogue_mod.default_catalogue()
        printed.append(print_list_sheet(rows, settings, catalogue))
    return [listing, *printed, issues_sheet, log_sheet, aliases, units,
            *clerk_sheets(settings, content.initial_guests)]


def written_sheet_names(sheets: ListSheets = PROPOSALS) -> list[str]:
    """The names of the sheets `master_sheets` makes (a test keeps the two in step)."""
    printed = [schema.PRINT_LIST] if sheets is PROPOSALS else []
    return [sheets.rows, *printed, sheets.issues, sheets.log, schema.ALIASES, schema.UNITS,
            schema.SETTINGS, schema.GUESTS, schema.CATALOGUE]


def _roman(n: int) -> str:
    """n in Roman numerals (the numbering of a printed list's sections)."""
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                           (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += letters
            n -= value
    return out


def _date_text(value: Any) -> str | None:
    if isinstance(value, (date, datetime)):
        return _day_text(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None if value in (None, "") else str(value)


@functools.lru_cache(maxsize=1 << 16)  # a printed list formats a birth date per row: strftime is most of it
def _day_text(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def print_list_sheet(rows: list[MasterRow], settings: settings_mod.Settings, catalogue: Catalogue) -> SheetData:
    """DanhSachTrinhKy: the official list of proposals, as a council reads it and the leader signs it.

    One section per award category (the catalogue's name, never its code), individuals first, then
    by the catalogue's rank; within a section the people by unit, each unit under a line of its
    name. A row proposing two awards is in both sections. Rows whose status is "Lỗi" are left out
    (the note under the list says how many); statuses and issue texts stay on DanhSach.
    """
    groups: dict[tuple[Target, str, Any], dict[str, list[MasterRow]]] = {}
    errors = unnamed = 0
    known: dict[Any, list[tuple[str, Any]]] = {}  # a list repeats a few award cells on thousands of rows
    # A multi-year list (a unit's results of 2021-2025) brings rows of earlier school years: they are
    # history, not proposals to sign. When most dated rows name one school year (the season's
    # proposals), rows of years before it are left out; rows of later years, or of none, stay (a
    # list dated next year is still a proposal, and the clerk must see it). No clear majority: all stay.
    year_of = year_keys(rows)
    per_year = rows_per_year(rows, year_of)
    season, most = per_year.most_common(1)[0] if per_year else (None, 0)
    if most * 2 <= sum(per_year.values()):
        season = None
    earlier: dict[str, int] = {}
    for row in rows:
        if season is not None and row.nam_hoc and (year := year_of[row.nam_hoc]) and year < season:
            earlier[year] = earlier.get(year, 0) + 1
            continue
        if not status_counts(row.status):
            errors += 1
            continue
        target = Target.TAP_THE if row.is_collective else Target.CA_NHAN
        ma = row.ma
        if (codes := known.get(ma) if type(ma) is str else None) is None:  # text only: 1 == 1.0 as keys
            codes = [(code, kind if kind in catalogue[code].kinds else AwardKind.THUONG_XUYEN)  # as the tally counts
                     for code, kind in parse_codes(ma) if code in catalogue]
            if type(ma) is str:
                known[ma] = codes
        if not codes:
            unnamed += 1
        unit = str(row.unit or row.src_unit or "(chưa rõ đơn vị)")
        for code, kind in dict.fromkeys(codes):
            # a themed award's section is its theme's: "Bằng khen ... (cá nhân, chuyên đề “Dạy tốt, học tốt”)"
            theme = (str(row.chuyen_de).strip() or None) if kind == AwardKind.CHUYEN_DE and row.chuyen_de else None
            groups.setdefault((target, code, kind, theme), {}).setdefault(unit, []).append(row)

    def order(key: tuple[Target, str, Any, str | None]) -> tuple:
        target, code, kind, theme = key
        return (0 if target == Target.CA_NHAN else 1, catalogue[code].rank, code, KIND_ORDER[kind], theme or "")

    columns = schema.PRINT_LIST_COLUMNS
    headers = schema.headers(columns)
    collective_headers = [schema.PRINT_LIST_COLLECTIVE.get(c.key, c.header) for c in columns]
    tables = []
    for number, key in enumerate(sorted(groups, key=order), start=1):
        target, code, kind, theme = key
        award = catalogue[code]
        parts = [TARGET_LABELS[target]] if len(award.targets) > 1 else []
        if kind != AwardKind.THUONG_XUYEN:
            parts.append(catalogue_mod.KIND_LABELS[kind] + (f" “{theme}”" if theme else ""))
        title = f"{_roman(number)}. {award.name.upper()}" + (f" ({', '.join(parts)})" if parts else "")
        collective = target == Target.TAP_THE
        table_rows: list[list[Any]] = []
        headings = set()
        stt = 0
        for unit, people in groups[key].items():
            headings.add(len(table_rows))
            table_rows.append([f"{unit} ({len(people)})"])
            for row in people:
                stt += 1
                note = row.tom_tat or (f"Sáng kiến: {row.ten_sang_kien}" if row.ten_sang_kien else None)
                table_rows.append([stt, row.ho_ten, None if collective else _date_text(row.birth),
                                   None if collective else row.chuc_vu, row.don_vi, note])
        tables.append(PagedTable(title, collective_headers if collective else headers, table_rows, new_page=False,
                                 headings=headings))
    if not tables:
        tables.append(PagedTable(None, headers, []))
    people = len(rows) - errors - sum(earlier.values())
    proposals = sum(len(p) for g in groups.values() for p in g.values())
    two = "; một người đề nghị hai danh hiệu có tên ở cả hai mục" if proposals > people else ""
    note = (f"Ghi chú: danh sách gồm {people} dòng có tình trạng OK hoặc Cảnh báo của trang {schema.LIST} "
            f"({proposals} lượt đề nghị{two}); {errors} dòng còn lỗi chưa được ghi.")
    if unnamed:
        note += f" {unnamed} dòng chưa xác định được danh hiệu, hình thức (xem trang {schema.LIST}) chưa được ghi."
    if earlier:
        note += (f" {sum(earlier.values())} dòng của các năm học trước năm học {season} ({', '.join(sorted(earlier))}) "
                 f"không ghi vào danh sách này: đó là kết quả các năm trước, vẫn ở trang {schema.LIST}.")
    years = sorted(y for y in per_year if season is None or y >= season)
    return SheetData(
        schema.PRINT_LIST, [], [], widths=schema.widths(columns), autofilter=False, wrap=True, notes=[note], pages=tables,
        layout=official_layout(settings, schema.TITLE_PRINT_LIST,
                               "Năm học " + ", ".join(years) if years else "(Tổng hợp từ hồ sơ các đơn vị)"),
        print_columns=len(columns), decree_page_numbers=True,
    )


def units_sheet(entries: list[RegisterEntry], *, only_if_missing: bool = False) -> SheetData:
    """DonVi, the unit register: one row per unit (emails and other names joined by "; ")."""
    rows = [[e.name, e.kind, e.parent, "; ".join(e.emails) or None, "; ".join(e.other_names) or None, e.quota, e.note]
            for e in entries]
    return SheetData(schema.UNITS, schema.headers(schema.UNIT_COLUMNS), rows, widths=schema.widths(schema.UNIT_COLUMNS),
                     only_if_missing=only_if_missing, wrap=True)


def submission_status_sheet(units: list[Any], unregistered: list[Any], settings: settings_mod.Settings, *,
                            notes: list[str]) -> SheetData:
    """TinhHinhNop: per register unit whether and when it sent, what its list holds; then the units not in DonVi.

    `units` and `unregistered` are addin.jobs.units.UnitStatus; printed in the official frame.
    """
    def row(i: int, u: Any, moment: Callable[[Any], Any] = lambda m: m) -> list[Any]:
        return [i, u.unit, schema.SENT_LABEL if u.sent else schema.NOT_SENT_LABEL, u.files, u.versions, u.rows,
                u.errors, u.warnings, moment(u.last_sent), "Có" if u.late else None, moment(u.feedback), u.note]

    def text(moment: Any) -> str | None:  # the small tables under the notes take text
        return moment.astimezone().strftime("%d/%m/%Y %H:%M") if moment else None

    rows = [row(i, u) for i, u in enumerate(units, start=1)]
    styles = {i: "error" if not u.sent else "warning" for i, u in enumerate(units) if not u.sent or u.late}
    extra = []
    if unregistered:
        extra.append((f"ĐƠN VỊ ĐÃ GỬI NHƯNG CHƯA CÓ TRONG DANH SÁCH ĐƠN VỊ (trang {schema.UNITS})",
                      schema.headers(schema.SUBMISSION_STATUS_COLUMNS),
                      [row(i, u, text) for i, u in enumerate(unregistered, start=1)]))
    deadline = settings.deadline_date()
    subtitle = f"(Hạn nộp: {deadline:%d/%m/%Y})" if deadline else "(Chưa đặt hạn nộp trong trang CauHinh)"
    return SheetData(
        schema.SUBMISSION_STATUS, schema.headers(schema.SUBMISSION_STATUS_COLUMNS), rows,
        widths=schema.widths(schema.SUBMISSION_STATUS_COLUMNS), row_styles=styles, notes=notes, extra_tables=extra,
        autofilter=False, wrap=True, layout=official_layout(settings, schema.TITLE_SUBMISSION_STATUS, subtitle),
    )


def official_layout(settings: settings_mod.Settings, title: str, subtitle: str) -> OfficialLayout:
    """The title block and signatures of a printed sheet, from the master's settings."""
    return OfficialLayout(
        issuer=settings.issuer(),
        place_date=settings.place_date(),
        title=title,
        subtitle=subtitle,
        signatures=[("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)", settings.preparer),
                    (settings.signer_title.upper(), "(Ký tên, đóng dấu)", settings.signer)],
    )


def clerk_sheets(settings: settings_mod.Settings, guests: list[list[Any]] | None = None) -> list[SheetData]:
    """The sheets the clerk fills in (settings, guests, award catalogue): created once, then only read."""
    return [
        SheetData(schema.SETTINGS, schema.headers(schema.SETTINGS_COLUMNS), settings_mod.rows(settings),
                  widths=schema.widths(schema.SETTINGS_COLUMNS),
                  only_if_missing=True, autofilter=False),
        SheetData(schema.GUESTS, schema.headers(schema.GUEST_COLUMNS), guests or [], widths=schema.widths(schema.GUEST_COLUMNS),
                  only_if_missing=True),
        SheetData(schema.CATALOGUE, [h for _, h, _ in catalogue_mod.SHEET_COLUMNS], catalogue_mod.default_sheet_rows(),
                  widths=[w for _, _, w in catalogue_mod.SHEET_COLUMNS], only_if_missing=True),
    ]


def check_sheet(report: Report, folder: str, *, at: datetime, register_rows: int = 0) -> SheetData:
    """KiemTra: every checked file and each of its problems, one row each (the check button, `validate --into`)."""
    labels = schema.FILE_STATUS_LABELS
    rows: list[list[Any]] = []
    for s in report.submissions:
        if not s.issues:
            rows.append([len(rows) + 1, s.path, s.unit, labels[s.status], None, None, None, None,
                         s.reason or f"{s.rows} dòng, không có lỗi."])
        for i in s.issues:
            rows.append([len(rows) + 1, s.path, s.unit, labels[s.status], SEVERITY_LABELS[i.severity], i.row,
                         i.column, i.value, i.message])
    counted = [s for s in report.submissions if s.status != "ignored"]
    bad = sum(1 for s in counted if s.status != "ok")
    title = [f"KẾT QUẢ KIỂM TRA HỒ SƠ TRONG THƯ MỤC {folder}",
             f"Kiểm tra lúc {at:%H:%M ngày %d/%m/%Y}: {len(counted)} tệp, {bad} tệp cần sửa"
             + (f"; đối chiếu sổ {schema.HISTORY} ({register_rows} dòng)." if register_rows else ".")]
    return SheetData(schema.CHECK, schema.headers(schema.CHECK_COLUMNS), rows, title=title,
                     widths=schema.widths(schema.CHECK_COLUMNS))


# ---------------------------------------------------------------------------
# Printed tables built from DanhSach



# TongHop's printed layout (A4 landscape at 100%, every word 12 pt): units go across while this
# many unit columns fit beside the category labels; past that, units go down and the award
# categories across, CATEGORIES_ACROSS to a page, individuals and collectives apart.
UNITS_ACROSS = 8
CATEGORIES_ACROSS = 7
FRAME_COLUMNS = 8  # the fewest printed columns (see the title block)
# The chart (a bar per unit) is drawn while its bars, labelled in 10 pt, fit one page.
CHART_MAX_PX = 640
CHART_BAR_PX = {False: 24, True: 34}  # per unit: one bar, or registered and proposed side by side


def _fill(fixed_px: int, n: int, most: float) -> float:
    """The width of n equal columns that fill the printed width left by columns of fixed_px."""
    free = (PRINT_WIDTH_PX - fixed_px) / max(n, 1) - 5
    return min(most, int(free / 7.5))


def tally_sheet(tally: Tally, settings: settings_mod.Settings, *, with_registrations: bool = False) -> SheetData:
    """The TongHop sheet: the counts by award category and unit, totals, a chart of awards by unit.

    Few units: categories down, units across (one column each, or two with registrations).
    More units than fit across: units down, categories across, in tables that each fit the page
    width: individuals, then collectives (each on new pages), then the totals by unit.
    """
    units = tally.units
    unit_totals = tally.unit_totals()
    registered = {u: sum((r.registered or {}).get(u, 0) for r in tally.rows) for u in units}
    per_unit = 2 if with_registrations else 1
    years = ("Năm học " + ", ".join(tally.years) if tally.years else
             f"Năm học {tally.years_held[0]}" if len(tally.years_held) == 1 else "tất cả các năm học trong sổ")
    counted = "các dòng có tình trạng OK hoặc Cảnh báo" if not settings.tally_counts_errors else "mọi dòng"
    note = (f"Ghi chú: biểu đếm {counted} của trang DanhSach ({tally.counted_rows} dòng); "
            f"{tally.skipped_error_rows} dòng còn lỗi chưa được tính. Mỗi danh hiệu, hình thức trên một dòng được đếm một lần.")
    if tally.no_year_rows:
        note += " " + tally.no_year_note()
    if several := tally.several_years_note():
        note += " Lưu ý: " + several
    if with_registrations:
        note += " Cột \"đăng ký\" đếm trang DangKy theo cùng quy tắc."
    across = len(units) * per_unit <= UNITS_ACROSS
    tables: list[PagedTable] = []
    if across:
        headers = ["STT", "Danh hiệu, hình thức khen thưởng"]
        for unit in units:
            headers += [f"{unit} (đăng ký)", f"{unit} (đề nghị)"] if with_registrations else [unit]
        headers += ["Tổng đăng ký", "Tổng đề nghị"] if with_registrations else ["Tổng cộng"]
        rows = []
        for i, row in enumerate(tally.rows, start=1):
            values: list[Any] = [i, row.label]
            for unit in units:
                if with_registrations:
                    values.append((row.registered or {}).get(unit, 0))
                values.append(row.by_unit.get(unit, 0))
            if with_registrations:
                values.append(sum((row.registered or {}).values()))
            values.append(row.total)
            rows.append(values)
        totals: list[Any] = ["", "Tổng cộng"]
        for unit in units:
            if with_registrations:
                totals.append(registered[unit])
            totals.append(unit_totals[unit])
        if with_registrations:
            totals.append(sum(registered.values()))
        totals.append(tally.grand_total)
        fixed = [6, 36] + [10] * per_unit
        unit_width = _fill(sum(column_px(w) for w in fixed), len(units) * per_unit, 24)
        widths = fixed[:2] + [unit_width] * (len(units) * per_unit) + fixed[2:]
        tables.append(PagedTable(None, headers, rows, [totals]))
    else:
        step = max(1, CATEGORIES_ACROSS // per_unit)
        categories = [11] * (step * per_unit)
        name_width = _fill(column_px(6) + sum(column_px(w) for w in categories), 1, 60)
        widths = [6, name_width] + categories
        groups = [(target, [r for r in tally.rows if r.target == target]) for target in (Target.CA_NHAN, Target.TAP_THE)]
        groups = [(target, rows) for target, rows in groups if rows]
        for number, (target, group) in enumerate(groups, start=1):
            chunks = [group[i:i + step] for i in range(0, len(group), step)]
            for part, chunk in enumerate(chunks, start=1):
                title = f"{_ROMAN[number]}. KHEN THƯỞNG {TARGET_LABELS[target].upper()}"
                if len(chunks) > 1:
                    title += f" (phần {part}/{len(chunks)})"
                headers = ["STT", "Đơn vị"]
                for r in chunk:
                    name = _without_target(r)
                    headers += [f"{name} (đăng ký)", f"{name} (đề nghị)"] if with_registrations else [name]
                rows = []
                for i, unit in enumerate(units, start=1):
                    values = [i, unit]
                    for r in chunk:
                        if with_registrations:
                            values.append((r.registered or {}).get(unit, 0))
                        values.append(r.by_unit.get(unit, 0))
                    rows.append(values)
                totals = ["", "Tổng cộng"]
                for r in chunk:
                    if with_registrations:
                        totals.append(sum((r.registered or {}).values()))
                    totals.append(r.total)
                tables.append(PagedTable(title, headers, rows, [totals]))
        by_target = {t: {u: sum(r.by_unit.get(u, 0) for r in tally.rows if r.target == t) for u in units}
                     for t in (Target.CA_NHAN, Target.TAP_THE)}
        tables.append(PagedTable(
            f"{_ROMAN[len(groups) + 1]}. TỔNG HỢP THEO ĐƠN VỊ",
            ["STT", "Đơn vị", "Cá nhân", "Tập thể", "Tổng cộng"],
            [[i, u, by_target[Target.CA_NHAN][u], by_target[Target.TAP_THE][u], unit_totals[u]]
             for i, u in enumerate(units, start=1)],
            [["", "Tổng cộng", sum(by_target[Target.CA_NHAN].values()), sum(by_target[Target.TAP_THE].values()),
              tally.grand_total]]))
    if with_registrations:
        tables.append(PagedTable("ĐĂNG KÝ VÀ ĐỀ NGHỊ THEO ĐƠN VỊ", ["STT", "Đơn vị", "Đăng ký", "Đề nghị"], [
            [i, unit, registered[unit], unit_totals[unit]] for i, unit in enumerate(units, start=1)], new_page=False))
    # The title block and signatures span the printed columns, split by their number: a narrow
    # table (few units or categories) gets empty columns to the page's width, so the national
    # motto and the issuer always have their room.
    width = max(len(t.headers) for t in tables)
    widths = widths[:width]
    if width < FRAME_COLUMNS:
        room = _fill(sum(column_px(w) for w in widths), FRAME_COLUMNS - width, 40)
        widths += [max(room, 4)] * (FRAME_COLUMNS - width)
        width = FRAME_COLUMNS
    per_bar = CHART_BAR_PX[with_registrations]
    charted = bool(tally.rows) and 0 < len(units) * per_bar + 120 <= CHART_MAX_PX
    if units and tally.rows and not charted:
        note += (f" Biểu đồ chỉ vẽ khi có đến {(CHART_MAX_PX - 120) // per_bar} đơn vị "
                 f"(một trang giấy); biểu này có {len(units)} đơn vị.")

    def chart(book: Any, ws: Any, header_row: int, last: int) -> None:
        # Awards by unit: a bar per unit, labelled with its number, readable on a black-and-white
        # printer (registered: white bars, proposed: dark grey). Its data sits right of the printed columns.
        if not charted:
            return
        top = last + 10  # under the signatures (rows last+2 .. last+7), on a page of its own
        data_col = width + 1
        for i, unit in enumerate(units):
            ws.write_string(top + i, data_col, unit)
            ws.write_number(top + i, data_col + 1, registered[unit])
            ws.write_number(top + i, data_col + 2, unit_totals[unit])
        end = top + len(units) - 1
        kind = book.add_chart({"type": "bar"})
        series = [("Đăng ký", data_col + 1, "#FFFFFF")] if with_registrations else []
        series.append(("Đề nghị" if with_registrations else "Số danh hiệu, hình thức", data_col + 2, "#404040"))
        for name, col, colour in series:
            kind.add_series({"name": name, "categories": [schema.TALLY, top, data_col, end, data_col],
                             "values": [schema.TALLY, top, col, end, col],
                             "fill": {"color": colour}, "border": {"color": "#000000"}, "gap": 40,
                             "data_labels": {"value": True, "font": {"name": "Times New Roman", "size": 10}}})
        title = ("Số đăng ký và số đề nghị theo đơn vị" if with_registrations
                 else "Số danh hiệu, hình thức đề nghị theo đơn vị")
        kind.set_title({"name": title, "name_font": {"name": "Times New Roman", "size": 13}})
        # a bar chart's y axis is its category axis: reversed, the first unit is on top
        kind.set_y_axis({"reverse": True, "num_font": {"name": "Times New Roman", "size": 10}})
        kind.set_x_axis({"num_font": {"name": "Times New Roman", "size": 10}, "major_gridlines": {"visible": False}})
        if with_registrations:
            kind.set_legend({"position": "bottom", "font": {"name": "Times New Roman", "size": 10}})
        else:
            kind.set_legend({"none": True})
        height = len(units) * per_bar + 120
        kind.set_size({"width": min(960, column_px(sum(widths[:width])) - 20), "height": height})
        ws.set_h_pagebreaks([*ws.hbreaks, last + 9])  # the chart prints on a page of its own
        ws.insert_chart(top, 0, kind, {"x_offset": 10})
        ws.print_area(0, 0, top + height // 20 + 2, width - 1)

    return SheetData(
        schema.TALLY, [], [], widths=widths, notes=[note], autofilter=False, wrap=True, decorate=chart,
        layout=official_layout(settings, schema.TITLE_TALLY, f"({years})"), pages=tables, print_columns=width,
        decree_page_numbers=True,
    )


_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def _without_target(row: Any) -> str:
    """A category's label without "cá nhân"/"tập thể" (the table's title says which)."""
    target = TARGET_LABELS[row.target]
    return row.label.replace(f" ({target})", "").replace(f"({target}, ", "(")


def delegates_sheet(result: DelegateResult, settings: settings_mod.Settings, catalogue: Catalogue) -> SheetData:
    """The DaiBieu sheet: the delegates by unit, then guests; the composition; the shortfalls."""

    flag_labels = {slug: label for slug, label in FLAGS.values()}
    headers = ["STT", "Họ và tên", "Đơn vị", "Danh hiệu, hình thức khen thưởng", "Thành phần", "Ưu tiên",
               "Dòng trong DanhSach"]
    rows = []
    for i, d in enumerate(result.delegates, start=1):
        award = catalogue[d.award].name if d.award and d.award in catalogue else (d.award or "")
        role = "Đại biểu điển hình" if d.role == "dai_bieu" else "Khách mời"
        rows.append([i, d.name, d.unit, award, role, ", ".join(flag_labels.get(f, f) for f in d.flags),
                     d.candidate.source_row if d.role == "dai_bieu" else None])

    def group_row(name: str, g: dict[str, Any]) -> list[Any]:
        return [name, g["delegates"], g["guests"], g["total"],
                f"{g['female']} ({_pct_text(g['female_pct'])})",
                f"{g['ethnic_minority']} ({_pct_text(g['ethnic_minority_pct'])})"]

    composition = [[i, *group_row(unit, g)] for i, (unit, g) in enumerate(result.composition["units"].items(), start=1)]
    overall = ["", *group_row("Toàn hội nghị", result.composition["overall"])]
    empty = result.seats - result.exemplary - result.guests  # seats kept for guests not listed yet
    notes = [f"Tổng số {result.seats} đại biểu: {result.exemplary} đại biểu điển hình tiên tiến, "
             f"{result.guests} khách mời" + (f", {empty} chỗ khách mời chưa có tên." if empty > 0 else ".")]
    # Every column prints: the composition table needs all seven (the last one: ethnic minorities).
    # Laid out page by page: the header is printed over rows only, never alone over the signatures.
    # The shortfalls are the clerk's business, not the list's: they go to delegate_notes_sheet.
    tables = [
        PagedTable(None, headers, rows),
        PagedTable("CƠ CẤU ĐẠI BIỂU", ["STT", "Đơn vị", "Đại biểu điển hình", "Khách mời", "Tổng số", "Nữ (tỷ lệ)",
                                      "Dân tộc thiểu số (tỷ lệ)"], composition, [overall], new_page=False),
    ]
    return SheetData(
        schema.DELEGATES, [], [], widths=[5, 24, 27, 28, 12, 20, 13], autofilter=False, wrap=True,
        notes=notes, pages=tables,
        layout=official_layout(settings, schema.TITLE_DELEGATES, "(Kèm theo Kế hoạch tổ chức hội nghị)"),
        print_columns=len(headers), decree_page_numbers=True,
    )


def delegate_notes_sheet(result: DelegateResult, *, at: datetime) -> SheetData:
    """DaiBieuGhiChu: the shortfalls of the delegate list, on a page of their own for the clerk."""
    rows = [[i, text] for i, text in enumerate(result.shortfalls, start=1)]
    summary = (f"Lập lúc {at:%H:%M ngày %d/%m/%Y}: {len(rows)} điều cần xem lại trước khi trình ký danh sách "
               f"ở trang {schema.DELEGATES}." if rows else
               f"Lập lúc {at:%H:%M ngày %d/%m/%Y}: không có điều gì cần lưu ý, danh sách đủ chỉ tiêu.")
    return SheetData(schema.DELEGATES_NOTES, ["STT", "Nội dung cần lưu ý"], rows,
                     title=[schema.TITLE_DELEGATES_NOTES, summary], widths=[6, 130], wrap=True, autofilter=False)


def _pct_text(value: float) -> str:
    return f"{value:.1f}%".replace(".", ",")


# ---------------------------------------------------------------------------
# The history register (LichSu) and the rule parameters (QuyDinh)


@dataclass
class HistoryBook:
    """What the master holds for eligibility checks: the register, the rule table, the clerk's extra columns."""

    records: list[YearRecord] = field(default_factory=list)  # in sheet order
    extra_headers: list[str] = field(default_factory=list)  # LichSu columns the clerk added: kept
    rules: RuleTable = field(default_factory=default_table)  # the defaults when QuyDinh is missing
    has_register: bool = False
    has_rules: bool = False


def read_history(path: Path, catalogue: Catalogue) -> HistoryBook:
    """Read LichSu and QuyDinh (empty register and default rules when the master or the sheets are missing)."""

    if not path.exists():
        return HistoryBook(rules=rules.default_table())
    try:
        book = pc.CalamineWorkbook.from_path(str(path))
    except Exception:
        raise _unreadable_master(path) from None
    try:
        return history_from_sheets(lambda name: _sheet_rows(book, name), catalogue, file=str(path))
    finally:
        book.close()


def history_from_sheets(sheet_rows: Callable[[str], list[list[Any]] | None], catalogue: Catalogue, *,
                        file: str) -> HistoryBook:
    """LichSu and QuyDinh from their cell values (calamine's, or an open book's via xlwings), as content_from_sheets."""

    out = HistoryBook(rules=rules.default_table())
    register = sheet_rows(schema.HISTORY)
    h = _find_header(register, history.HEADERS["stt"]) if register else None
    if register and h is not None:
        out.has_register = True
        header = list(register[h])
        keys = history.column_keys(header)
        extra_at = [i for i, k in enumerate(keys) if k is None and clean(str(header[i] or ""))]
        out.extra_headers = [clean(str(header[i])) for i in extra_at]
        for offset, raw in enumerate(register[h + 1:], start=h + 2):
            values = {k: _value(raw[i]) for i, k in enumerate(keys) if k and i < len(raw)}
            extra = [_value(raw[i]) if i < len(raw) else None for i in extra_at]
            record = history.record_from_row(values, catalogue, row=offset, extra=extra)
            if record is not None:
                out.records.append(record)
    table = sheet_rows(schema.RULES)
    h = _find_header(table, schema.RULE_COLUMNS[0].header) if table else None
    if table and h is not None:
        out.has_rules = True
        out.rules = rules.parse_sheet(table[h + 1:], file=file, first_row=h + 2)
    return out


def history_sheets(records: list[YearRecord], extra_headers: list[str], catalogue: Catalogue) -> list[SheetData]:
    """LichSu with every record (the clerk's own columns kept after ours) and QuyDinh when missing."""

    rows = []
    for i, record in enumerate(records, start=1):
        row = history.record_to_row(record, catalogue)
        row[0] = i
        width = len(schema.HISTORY_COLUMNS) + len(extra_headers)
        rows.append((row + [None] * width)[:width])
    register = SheetData(schema.HISTORY, schema.headers(schema.HISTORY_COLUMNS) + extra_headers, rows,
                         widths=schema.widths(schema.HISTORY_COLUMNS) + [16] * len(extra_headers))
    table = SheetData(schema.RULES, schema.headers(schema.RULE_COLUMNS), rules.sheet_rows(),
                      widths=schema.widths(schema.RULE_COLUMNS), only_if_missing=True, wrap=True)
    return [register, table]
