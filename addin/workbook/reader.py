"""Reading unit workbooks from disk, defensively.

The hot path is python-calamine (Rust: no formula evaluation, no XML entity expansion). Only
workbooks that use legacy Vietnamese fonts take a second, slower pass through openpyxl (.xlsx)
or xlrd (.xls) to learn each cell's font, because TCVN3/VNI text can only be decoded per cell
(or per rich-text run) from the font it is drawn in.

Before calamine sees a file, check_container refuses what would hurt the whole run rather than
one file: zip bombs (from the zip directory alone), sheets whose farthest cell would make
calamine allocate a grid of many GB, which aborts the process instead of raising (measured from
the cells, never from the <dimension> tag), shared strings copied into cell after cell, .ods
repeats, and anything past the budgets below (README "Safety").
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

import python_calamine as pc

from addin import schema
from addin.text import decode_legacy

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
# Budgets: what one file may cost. Each is far above any real nominee list, and together they
# keep the worst file they admit within about 500 MB of memory (tests/test_hostile.py measures
# it); README "Safety" lists them.
MAX_FILE_BYTES = 200 * 1024 * 1024  # no unit list is this large; refuse rather than hang
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024  # the whole zip, inflated (also per archive, see inbox)
# what one run may extract from archives and emails into its temporary folder (inbox)
MAX_RUN_UNPACKED_BYTES = 4 * 1024 * 1024 * 1024
# The XML calamine parses (worksheets, shared strings, styles, workbook): it holds all of it in
# memory, several times over. A 5 MB file whose shared strings inflate to 900 MB (178:1, under
# MAX_RATIO) took 3 GB; a province master of 60,000 rows is about 60 MB.
MAX_PARTS_BYTES = 150 * 1024 * 1024
MAX_RATIO = 200  # compression ratio of one member beyond which we call it a zip bomb
MAX_MEMBERS = 10_000
# calamine allocates every sheet as one rows x columns grid, sized by its farthest cell holding a
# value: one stray value in XFD1048576 asks for hundreds of GB and aborts the whole process (Rust
# cannot raise on a failed allocation), and each cell of the grid costs about 40 bytes empty and
# 150 bytes holding text once in Python. 65,536 rows x 32 columns, summed over the sheets of one
# workbook, holds a province master of 60,000 rows and stays near 300 MB at worst.
MAX_SHEET_CELLS = 65_536 * 32
# A shared string is stored once but copied into every cell that uses it: a 10 MB string used by
# 100 cells is 2 GB from a 12 KB file. This bounds the text the cells of a workbook take from
# the shared strings (measured in XML bytes, an overestimate).
MAX_SHARED_TEXT_BYTES = 64 * 1024 * 1024
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell; longer text is cut, with an issue
# Legacy fonts are read cell by cell through openpyxl or xlrd, at about 600 bytes and 50 us a
# cell, with every text held three times over: 2 million cells took 1.3 GB and 100 s, 134 MB of
# text in 262,144 cells 560 MB. Lists typed in TCVN3/VNI are old and short.
MAX_LEGACY_CELLS = 65_536 * 4
MAX_LEGACY_BYTES = 32 * 1024 * 1024  # the parsed XML (as MAX_PARTS_BYTES), or the .xls file

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


class UnreadableFile(Exception):
    """A file that cannot be read as a workbook; the message is Vietnamese, for the clerk."""


@dataclass
class RawSheet:
    """One worksheet's cell values as a grid; rows[0] is Excel row 1, column 0 is A."""

    name: str
    visible: bool
    rows: list[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # 0-based r1, c1, r2, c2
    legacy_cells: int = 0  # cells decoded from a legacy font
    legacy_fonts: set[str] = field(default_factory=set)
    # (0-based row, column, characters) of text cut to MAX_CELL_CHARS, for a cell-level issue
    cut_cells: list[tuple[int, int, int]] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)  # 0-based rows hidden in the file (by hand or a filter)
    uncached_formulas: int = 0  # formula cells saved with no value (read as empty)


@dataclass
class RawWorkbook:
    path: Path
    sheets: list[RawSheet]


def check_container(path: Path, *, include_hidden: bool = False) -> bool | None:
    """Refuse what is not a spreadsheet, or is too large or a zip bomb, before parsing it.

    For a zip-based workbook, also says whether its styles or shared strings name a legacy
    font (found while the archive is open anyway); None for other formats. `include_hidden`
    as for read_workbook: which sheets count towards the cells of the workbook.
    """
    return _check_file(path, include_hidden)[0]


def _check_file(path: Path, include_hidden: bool) -> tuple[bool | None, bool]:
    """check_container, and whether a cell may hold more than MAX_CELL_CHARS characters."""
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFile("Tệp rỗng (0 byte): hãy gửi lại tệp.")
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(f"Tệp quá lớn ({size // (1024 * 1024)} MB): không phải danh sách đề nghị thông thường.")
    with path.open("rb") as f:
        head = f.read(512)
    if head.startswith(_ZIP_MAGIC):
        return _check_zip(path, include_hidden)
    elif head.startswith(_OLE_MAGIC):
        _check_biff_extent(path)
        return None, True
    else:
        sniff = head.lstrip().lower()
        if sniff.startswith((b"<html", b"<!doctype html", b"<?xml", b"<table", b"mime-version")):
            raise UnreadableFile(
                "Tệp này thực chất là trang web (HTML) đổi đuôi thành bảng tính: "
                "hãy mở bằng Excel rồi lưu lại dạng .xlsx (Lưu thành > Sổ làm việc Excel)."
            )
        raise UnreadableFile("Tệp không phải bảng tính Excel (.xlsx, .xlsm, .xls) hoặc đã bị hỏng.")


def _check_zip(path: Path, include_hidden: bool = False) -> tuple[bool, bool]:
    try:
        with zipfile.ZipFile(path) as archive:
            _check_zip_sizes(archive.infolist())
            # Only now, with the sizes known to be sane, is it safe to inflate the sheets.
            sheets = _worksheet_parts(archive)
            _check_parts_size(archive, sheets)
            # Every sheet must fit alone (one that calamine is not asked for still must not abort
            # the process if we guessed wrong); the sheets read_workbook will read must fit together.
            read = _parts_read(archive, include_hidden)
            cells = shared_cells = 0
            long_text = not sheets  # .ods, .xlsb: their cells are not measured here
            for name in sheets:
                times = 1 if read is None else read.get(name, 0)
                extent = _xlsx_extent(archive, name, cells if times else 0)
                cells += extent.cells * times
                shared_cells += extent.shared_cells * times
                long_text = long_text or extent.inline_text
            longest = _check_shared_text(archive, sheets, shared_cells)
            if _ODS_CONTENT in archive.namelist():  # calamine may take the file for an .ods
                _check_ods_extent(archive)
            return _archive_mentions_legacy_font(archive), long_text or longest > MAX_CELL_CHARS
    except UnreadableFile:
        raise
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, ValueError):
        # a damaged directory, a bad CRC, an unknown zip version or compression, an encrypted
        # member, a truncated stream
        raise UnreadableFile("Tệp bảng tính bị hỏng (không giải nén được): hãy gửi lại tệp.") from None


def _check_zip_sizes(members: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip bomb from its directory alone, before inflating anything."""
    if len(members) > MAX_MEMBERS:
        raise UnreadableFile("Tệp chứa quá nhiều thành phần bên trong: từ chối đọc vì lý do an toàn.")
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > 10 * 1024 * 1024 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise UnreadableFile("Tệp có dấu hiệu 'bom nén' (giải nén ra quá lớn): từ chối đọc vì lý do an toàn.")
    if total > MAX_UNPACKED_BYTES:
        raise UnreadableFile("Tệp giải nén ra quá lớn (trên 1 GB): từ chối đọc vì lý do an toàn.")


_SHARED_STRINGS = "xl/sharedStrings.xml"
_ODS_CONTENT = "content.xml"
_PARSED_PARTS = (_SHARED_STRINGS, "xl/styles.xml", "xl/workbook.xml", _ODS_CONTENT)


def _check_parts_size(archive: zipfile.ZipFile, sheets: list[str]) -> None:
    """Refuse a workbook whose parsed XML would inflate past MAX_PARTS_BYTES (from the directory)."""
    names = set(archive.namelist())
    total = sum(archive.getinfo(n).file_size for n in {*sheets, *_PARSED_PARTS} if n in names)
    if total > MAX_PARTS_BYTES:
        raise UnreadableFile(
            f"Tệp giải nén ra quá lớn ({total // (1024 * 1024)} MB dữ liệu bảng tính, giới hạn "
            f"{MAX_PARTS_BYTES // (1024 * 1024)} MB): không phải danh sách đề nghị thông thường. "
            "Hãy xóa các trang tính, hàng, cột thừa rồi lưu và gửi lại."
        )


def _too_far(ref: str) -> UnreadableFile:
    return UnreadableFile(
        f"Trang tính có dữ liệu ở ô {ref}, quá xa bảng danh sách: tệp quá lớn để đọc. "
        "Hãy mở bằng Excel, bấm Ctrl+End để tìm ô đó, xóa các ô thừa ngoài bảng rồi lưu và gửi lại."
    )


_RELS_TARGET = re.compile(rb"""<Relationship\b[^>]*>""")
_CHUNK = 1024 * 1024


def _worksheet_parts(archive: zipfile.ZipFile) -> list[str]:
    """The zip members holding worksheets: those the workbook's relationships name, and xl/worksheets/*."""
    names = set(archive.namelist())
    parts = {n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")}
    rels = "xl/_rels/workbook.xml.rels"
    if rels in names and archive.getinfo(rels).file_size < _CHUNK:
        for tag in _RELS_TARGET.findall(archive.read(rels)):
            kind = re.search(rb'Type="([^"]*)"', tag)
            target = re.search(rb'Target="([^"]*)"', tag)
            if kind and target and kind.group(1).endswith(b"/worksheet"):
                ref = target.group(1).decode("utf-8", "replace")
                ref = ref[1:] if ref.startswith("/") else posixpath.normpath(posixpath.join("xl", ref))
                if ref in names:
                    parts.add(ref)
    return sorted(parts)


# A tdkt master merged one level up (school -> commune -> province) is read for its DanhSach and
# the issues linked to its rows (Loi), as ingest reads it: its log, registrations and history can
# each be as large, and would spend the memory budget on sheets nobody looks at.
MASTER_SHEETS = frozenset({schema.LIST, schema.LOG})
MASTER_READ = frozenset({schema.LIST, schema.ISSUES})
_SHEET_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheet\s([^<>]*)>")
_NAME_ATTR = re.compile(rb'(?:^|\s)name\s*=\s*"([^"]*)"')
_STATE_ATTR = re.compile(rb'(?:^|\s)state\s*=\s*"([^"]*)"')
_RID_ATTR = re.compile(rb'\s[A-Za-z_][\w.-]*:id\s*=\s*"([^"]*)"')


def _parts_read(archive: zipfile.ZipFile, include_hidden: bool) -> dict[str, int] | None:
    """How many times read_workbook will read each worksheet part (visible sheets; of a master,
    DanhSach and Loi only), from workbook.xml and its relationships; None when that cannot be told."""
    names = set(archive.namelist())
    rels_name, book_name = "xl/_rels/workbook.xml.rels", "xl/workbook.xml"
    if not {rels_name, book_name} <= names or max(archive.getinfo(n).file_size for n in (rels_name, book_name)) > _CHUNK:
        return None
    targets: dict[bytes, str] = {}
    for tag in _RELS_TARGET.findall(archive.read(rels_name)):
        rid = re.search(rb'\sId="([^"]*)"', tag)
        target = re.search(rb'Target="([^"]*)"', tag)
        if rid and target:
            ref = target.group(1).decode("utf-8", "replace")
            targets[rid.group(1)] = ref[1:] if ref.startswith("/") else posixpath.normpath(posixpath.join("xl", ref))
    sheets = []
    for attrs in _SHEET_TAG.findall(archive.read(book_name)):
        name, state, rid = _NAME_ATTR.search(attrs), _STATE_ATTR.search(attrs), _RID_ATTR.search(attrs)
        if name is None or rid is None or rid.group(1) not in targets:
            return None
        visible = state is None or state.group(1) == b"visible"
        sheets.append((name.group(1).decode("utf-8", "replace"), visible, targets[rid.group(1)]))
    master = MASTER_SHEETS <= {name for name, _, _ in sheets}
    read: dict[str, int] = {}
    for name, visible, part in sheets:
        if (visible or include_hidden) and (not master or name in MASTER_READ):
            read[part] = read.get(part, 0) + 1
    return read


# Where calamine puts a cell (found by trying it): at its `r` ("B7", or "b7"); without one, in the
# column after the row's previous cell. A row goes where its `r` says, or after the previous row.
# Tags may carry a namespace prefix. A cell without a value (<c r="XFD9" s="3"/>, formatted but
# empty) takes no room; one written open (<c r="X9"></c>) is counted, which errs on the safe side.
# One match per row or cell tag: (name, attributes, with a trailing "/" when it closes itself).
# The attributes are looked into only when they can hold `r` or a shared type, which keeps the
# Python work per cell to a few substring tests.
_TAG = re.compile(rb"<(c|row)([\s/][^<>]*)?>")
_PREFIXED_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(c|row)([\s/][^<>]*)?>")
_PREFIXED = re.compile(rb":(?:c|row)[\s/>]")
_R_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Za-z]{0,8})([0-9]{1,12})["']""")
_SHARED_TYPE = re.compile(rb"""(?:^|\s)t\s*=\s*["']s["']""")


@dataclass
class _Extent:
    cells: int  # rows x columns of the grid calamine will build, from A1 to the farthest value
    shared_cells: int  # cells that take their text from the shared strings
    inline_text: bool = True  # whether cells may hold text in the sheet itself (inline, formulas)


def _xlsx_extent(archive: zipfile.ZipFile, name: str, before: int) -> _Extent:
    """Measure a sheet from its cells, streamed from the zip; refuse it when the cells of the
    workbook (`before` from the sheets already measured) would pass MAX_SHEET_CELLS.

    The <dimension> tag is not trusted: a file may claim A1:I6 and hold a value in XFD1048576.
    """
    budget = MAX_SHEET_CELLS - before
    fast = _fast_extent(archive, name)
    if fast is not None and fast.cells <= budget:
        return fast
    return _exact_extent(archive, name, budget)


# The fast pass: every writer we know spells a cell `<c r="B7"`, so a few searches that run in C
# bound the grid from above (formatted but empty cells count too) without a Python step per cell:
# no column past Z and no row past 9,999 unless a search finds one, and then the distinct column
# names and row numbers found. Any other cell (no `r` first, lower-case, prefixed, 3-letter
# columns, rows past 99,999), or a bound over the budget, sends the sheet to _exact_extent.
_PREFIXED_CELL = re.compile(rb":c[\s/>]")  # calamine ignores prefixes: <z:c> is a cell
_ODD_CELL = re.compile(rb'<c(?:[>/\t\n\r]| (?!r="[A-Z]{1,2}[0-9]{1,5}"))')
_TWO_LETTERS_AT = re.compile(rb'<c r="[A-Z]{2}')
_TWO_LETTERS = re.compile(rb'<c r="([A-Z]{2})[0-9]')
_FIVE_DIGITS_AT = re.compile(rb'<c r="[A-Z]{1,2}[0-9]{5}"')
_FIVE_DIGITS = re.compile(rb'<c r="[A-Z]{1,2}([0-9]{5})"')


def _fast_extent(archive: zipfile.ZipFile, name: str) -> _Extent | None:
    max_col, max_row, inline = 0, 0, False
    with archive.open(name) as member:
        carry = b""
        while chunk := member.read(_CHUNK):
            buf = carry + chunk
            cut = buf.rfind(b"<")
            carry, buf = (buf[cut:], buf[:cut]) if cut >= 0 else (b"", buf)
            if len(carry) > _CHUNK or _PREFIXED_CELL.search(buf) or _ODD_CELL.search(buf):
                return None
            if b'<c r="' not in buf:
                continue
            max_col, max_row = max(max_col, 26), max(max_row, 9_999)
            inline = inline or b"inlineStr" in buf or b'"str"' in buf
            if _TWO_LETTERS_AT.search(buf):
                max_col = max(max_col, max(map(_column_number, set(_TWO_LETTERS.findall(buf)))))
            if _FIVE_DIGITS_AT.search(buf):
                max_row = max(max_row, max(map(int, set(_FIVE_DIGITS.findall(buf)))))
    # every cell of the grid may take its text from the shared strings: an upper bound
    return _Extent(max_row * max_col, max_row * max_col, inline)


def _exact_extent(archive: zipfile.ZipFile, name: str, budget: int) -> _Extent:
    scan = _CellScan(budget)
    with archive.open(name) as member:
        carry = b""
        while chunk := member.read(_CHUNK):
            buf = carry + chunk
            cut = buf.rfind(b"<")
            carry, buf = (buf[cut:], buf[:cut]) if cut >= 0 else (b"", buf)
            if len(carry) > _CHUNK:  # no honest tag is this long; skipping it could hide a far cell
                raise UnreadableFile("Tệp bảng tính bị hỏng (có thẻ XML dài bất thường): hãy mở bằng Excel, "
                                     "lưu lại rồi gửi lại.")
            scan.chunk(buf)
    return _Extent(scan.max_row * scan.max_col, scan.shared)


class _CellScan:
    """The grid of one sheet, measured the way calamine places cells (see _TAG)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.row = self.col = -1  # where the last row and cell went (0-based)
        self.max_row = self.max_col = self.shared = 0

    def chunk(self, buf: bytes) -> None:
        if _PREFIXED.search(buf) or b"<c\t" in buf or b"<c\n" in buf or b"<c\r" in buf:
            self.tags(buf, _PREFIXED_TAG)
            return
        # Rows whose cells carry no `r` (tdkt's own masters write their data rows so) are
        # measured a row at a time: the cells follow each other from column A.
        pieces = buf.split(b"<row")
        self.tags(pieces[0], _TAG)  # the rest of a row the previous chunk began, or what precedes rows
        for piece in pieces[1:]:
            end = piece.find(b">")
            body = piece[end + 1:]
            if (end < 0 or piece[:1] not in b" \t\r\n/>" or b"r=" in body or b"r " in body or b"r\t" in body
                    or b"r\n" in body or b"r\r" in body):
                self.tags(b"<row" + piece, _TAG)  # not a row (<rowBreaks>), or its cells have r
                continue
            head = piece[:end]
            ref = _R_ATTR.search(head) if b"r" in head else None
            self.row = int(ref.group(2)) - 1 if ref else self.row + 1
            cells = body.count(b"<c ") + body.count(b"<c>") + body.count(b"<c/")
            self.col = cells - 1
            if b"</c>" in body:  # some cell holds a value; the last one may: count them all
                self.shared += cells  # any of them may be a shared string: an upper bound
                self.place(self.row, self.col)

    def tags(self, buf: bytes, pattern: re.Pattern[bytes]) -> None:
        for kind, attrs in pattern.findall(buf):
            ref = (_R_ATTR.search(attrs) if (b"r=" in attrs or b"r " in attrs or b"r\t" in attrs
                                             or b"r\n" in attrs or b"r\r" in attrs) else None)
            if kind == b"row":
                self.row = int(ref.group(2)) - 1 if ref else self.row + 1
                self.col = -1
                continue
            if ref and ref.group(1):
                self.col = _column_number(ref.group(1)) - 1
                at_row = int(ref.group(2)) - 1
            else:
                self.col += 1
                at_row = self.row
            if attrs.endswith(b"/"):
                continue  # no value: takes no room
            if (b's"' in attrs or b"s'" in attrs) and _SHARED_TYPE.search(attrs):
                self.shared += 1
            self.place(at_row, self.col)

    def place(self, row: int, col: int) -> None:
        if row >= self.max_row or col >= self.max_col:
            self.max_row, self.max_col = max(self.max_row, row + 1), max(self.max_col, col + 1)
            if self.max_row * self.max_col > self.budget:
                if (row + 1) * (col + 1) > MAX_SHEET_CELLS:  # this cell alone is too far
                    raise _too_far(f"{column_letters(col + 1)}{row + 1}")
                raise _too_many_cells()


# OpenDocument (.ods) writes a run of equal cells or rows once, with a repeat count; calamine
# expands the runs that hold a value, so an 800-byte file asked for 9,000 x 9,000 cells (8 GB).
_ODS_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^<>]*)>")
_ODS_REPEAT = re.compile(rb"""number-(?:rows|columns)-repeated\s*=\s*["']\s*([0-9]{1,12})""")


def _check_ods_extent(archive: zipfile.ZipFile) -> None:
    """Refuse an .ods whose tables, with their repeats expanded, pass MAX_SHEET_CELLS together."""
    before = row = max_row = max_col = 0
    rows = 1  # the repeat count of the open row
    last = 0  # the column after the last cell holding a value in the open row
    col = 0
    with archive.open(_ODS_CONTENT) as member:
        carry = b""
        while chunk := member.read(_CHUNK):
            buf = carry + chunk
            cut = buf.rfind(b"<")
            carry, buf = (buf[cut:], buf[:cut]) if cut >= 0 else (b"", buf)
            if len(carry) > _CHUNK:
                raise UnreadableFile("Tệp bảng tính bị hỏng (có thẻ XML dài bất thường): hãy mở bằng Excel, "
                                     "lưu lại rồi gửi lại.")
            for closing, kind, attrs in _ODS_TAG.findall(buf):
                if kind == b"table":
                    if not closing:
                        before, row, max_row, max_col = before + max_row * max_col, 0, 0, 0
                    continue
                repeat = _ODS_REPEAT.search(attrs)
                count = int(repeat.group(1)) if repeat else 1
                if kind == b"table-row":
                    if not closing:
                        rows, col, last = count, 0, 0
                    if closing or attrs.endswith(b"/"):
                        if last:
                            max_row, max_col = max(max_row, row + rows), max(max_col, last)
                            if before + max_row * max_col > MAX_SHEET_CELLS:
                                if (row + rows) * last > MAX_SHEET_CELLS:
                                    raise _too_far(f"{column_letters(min(last, 16_384))}{row + rows}")
                                raise _too_many_cells()
                        row += rows
                        rows, last = 1, 0
                elif not closing:  # a cell: a value when it says so or has content
                    col += count
                    if not attrs.endswith(b"/") or b"value-type" in attrs:
                        last = col


def _too_many_cells() -> UnreadableFile:
    limit = f"{MAX_SHEET_CELLS:,}".replace(",", ".")
    return UnreadableFile(
        f"Tệp có quá nhiều ô (trên {limit} ô tính cả các trang tính, kể từ ô A1 đến ô xa nhất "
        "có dữ liệu): quá lớn để đọc. Hãy mở bằng Excel, bấm Ctrl+End ở mỗi trang để tìm ô xa nhất, "
        "xóa các hàng, cột, trang thừa rồi lưu và gửi lại."
    )


_SI_OPEN = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
# `t="s">…<v>12<`: starts with a literal, so the search runs in C between matches. Other
# children (<f>, <is>) may come before <v>, and Rust's integer parser takes a leading "+".
_SHARED_VALUE = re.compile(
    rb"""t\s*=\s*["']s["'][^<>]*>(?:(?!</(?:[A-Za-z_][\w.-]*:)?c\s*>).)*?"""
    rb"""<(?:[A-Za-z_][\w.-]*:)?v>\s*\+?([0-9]{1,10})\s*<""",
    re.DOTALL,
)


def _check_shared_text(archive: zipfile.ZipFile, sheets: list[str], shared_cells: int) -> int:
    """Refuse a workbook whose cells would copy more than MAX_SHARED_TEXT_BYTES out of the
    shared strings: a few long strings used by many cells are a memory bomb in a small file.

    Returns the XML length of the longest shared string a cell may use (0: none)."""
    if not shared_cells or _SHARED_STRINGS not in archive.namelist():
        return 0
    lengths = _shared_string_lengths(archive)
    longest = max(lengths, default=0)
    if shared_cells * longest <= MAX_SHARED_TEXT_BYTES:
        return longest  # the common case: even if every cell used the longest string
    total = 0
    lengths.append(0)  # an index past the end (a damaged file) counts nothing
    last = len(lengths) - 1
    for name in sheets:  # the exact sum: which strings the cells use, and how often
        with archive.open(name) as member:
            carry = b""
            while True:
                chunk = member.read(_CHUNK)
                buf = carry + chunk
                if not chunk:
                    cut = len(buf)
                else:
                    cut = buf.rfind(b"</c>") + 4  # whole cells before it; the rest waits for the next chunk
                    if cut < 4 and len(buf) > _CHUNK:
                        cut = len(buf) - 4096  # no plain </c> (prefixed tags): keep a tail, cells are short
                    if cut < 4:
                        carry = buf
                        continue
                carry = buf[cut:]
                found = _SHARED_VALUE.findall(buf, 0, cut)
                total += sum(map(lengths.__getitem__, map(min, map(int, found), repeat(last))))
                if total > MAX_SHARED_TEXT_BYTES:
                    raise UnreadableFile(
                        f"Tệp có quá nhiều chữ (các ô dùng lại chuỗi văn bản dài, tổng trên "
                        f"{MAX_SHARED_TEXT_BYTES // (1024 * 1024)} MB): quá lớn để đọc. "
                        "Hãy xóa các ô có nội dung quá dài hoặc lặp lại rồi lưu và gửi lại."
                    )
                if not chunk:
                    break
    return longest


def _shared_string_lengths(archive: zipfile.ZipFile) -> list[int]:
    """The XML length of each shared string (<si> to the next), streamed; an upper bound on its text."""
    lengths: list[int] = []
    with archive.open(_SHARED_STRINGS) as member:
        carry = b""
        while chunk := member.read(_CHUNK):
            buf = carry + chunk
            cut = buf.rfind(b"<")
            carry, buf = (buf[cut:], buf[:cut]) if cut >= 0 else (b"", buf)
            if len(carry) > _CHUNK:  # a long text with no tag in it: count it, keep nothing
                if carry.startswith(b"<si") or not lengths:
                    lengths.append(len(carry))
                else:
                    lengths[-1] += len(carry)
                carry = b""
            if b":si" in buf or buf.count(b"<si") != buf.count(b"<si>"):  # prefixed, attributes, <si/>
                pieces = [len(p) for p in _SI_OPEN.split(buf)]
            else:
                pieces = list(map(len, buf.split(b"<si>")))
            # the first piece continues the string the previous chunk ended in
            if lengths:
                lengths[-1] += pieces[0]
            lengths.extend(pieces[1:])
    if lengths:
        lengths[-1] += len(carry)
    return lengths


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def column_letters(n: int) -> str:
    """Excel's name for a 1-based column number: 1 -> "A", 28 -> "AB"."""
    letters = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# BIFF8 records that place a cell: row and column are the first two little-endian u16 of the data.
_BIFF_CELLS = {0x0006, 0x0201, 0x0203, 0x0204, 0x00FD, 0x027E, 0x0205, 0x00D6, 0x00BD, 0x00BE}
_BIFF_MULTI = {0x00BD, 0x00BE}  # MULRK, MULBLANK: the last column is the record's last u16
_BIFF_DIMENSIONS = 0x0200  # a sheet's used range; calamine reserves memory from it
_BIFF_FILEPASS = 0x002F  # the records after it are encrypted: their numbers mean nothing
_BIFF_BOF = 0x0809  # starts the globals and each sheet
_BIFF_EMPTY = {0x0201, 0x00BE}  # BLANK, MULBLANK: formatted but empty cells take no room


def _check_biff_extent(path: Path) -> None:
    """Refuse a .xls whose cells or used range go beyond an Excel 97-2003 sheet (a damaged file),
    or whose sheets' grids (A1 to the farthest value) pass MAX_SHEET_CELLS together."""
    from xlrd.compdoc import CompDoc

    data = path.read_bytes()
    try:
        # xlrd logs to stdout by default: keep --json clean. The corruption it can ignore is one
        # that real files from some accounting programs have; calamine reads those.
        doc = CompDoc(data, logfile=io.StringIO(), ignore_workbook_corruption=True)
        stream, start, size = doc.locate_named_stream("Workbook")
        if stream is None:
            stream, start, size = doc.locate_named_stream("Book")  # BIFF5
    except Exception as exc:
        # calamine is more lenient with a broken container and can then allocate without bound
        raise _damaged(exc) from None
    if stream is None:
        return  # no workbook inside (an encrypted .xlsx is also an OLE file): calamine decides
    pos, end = start, min(start + size, len(stream))
    before = max_row = max_col = 0  # grids of the sheets already passed; this one's extent
    while pos + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, pos)
        body = pos + 4
        if kind == _BIFF_FILEPASS:
            return  # a password-protected .xls: calamine reports it as such
        if body + length > end:
            return  # a truncated stream: calamine reports it as damaged
        if kind == _BIFF_BOF:
            before, max_row, max_col = before + max_row * max_col, 0, 0
        elif kind in _BIFF_CELLS and length >= 4:
            row, col = struct.unpack_from("<HH", stream, body)
            if kind in _BIFF_MULTI and length >= 6:
                col = max(col, struct.unpack_from("<H", stream, body + length - 2)[0])
            if col > 255:
                raise _damaged_biff()
            if kind not in _BIFF_EMPTY and (row >= max_row or col >= max_col):
                max_row, max_col = max(max_row, row + 1), max(max_col, col + 1)
                if before + max_row * max_col > MAX_SHEET_CELLS:
                    if (row + 1) * (col + 1) > MAX_SHEET_CELLS:
                        raise _too_far(f"{column_letters(col + 1)}{row + 1}")
                    raise _too_many_cells()
        elif kind == _BIFF_DIMENSIONS and length >= 14:  # BIFF8: u32 first/last+1 row, u16 columns
            r1, r2, c1, c2 = struct.unpack_from("<IIHH", stream, body)
            if not (r1 <= r2 <= 65_536 and c1 <= c2 <= 256):
                raise _damaged_biff()
        pos = body + length


def _damaged_biff() -> UnreadableFile:
    return UnreadableFile(
        "Tệp bảng tính bị hỏng (có ô nằm ngoài giới hạn của Excel 97-2003): hãy mở bằng Excel, lưu lại rồi gửi lại."
    )


def _named_for_another_format(path: Path) -> bool:
    """Whether the file's content is the other Excel format than its extension says (.xls / .xlsx)."""
    suffix = path.suffix.lower()
    if suffix not in (".xls", ".xlsx", ".xlsm"):
        return False
    with path.open("rb") as f:
        head = f.read(8)
    return head.startswith(_OLE_MAGIC) if suffix != ".xls" else head.startswith(_ZIP_MAGIC)


def _is_read_failure(exc: BaseException) -> bool:
    """Whether an exception from a reader means "this file is damaged" (not Ctrl+C or exit)."""
    # Some damaged files make calamine's Rust code panic; pyo3 raises that as
    # pyo3_runtime.PanicException, a BaseException, which `except Exception` lets through and
    # which would then stop the whole run instead of marking one file unreadable.
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _damaged(exc: BaseException) -> UnreadableFile:
    return UnreadableFile(
        f"Tệp bảng tính bị hỏng, không đọc được ({type(exc).__name__}): hãy mở bằng Excel, lưu lại rồi gửi lại."
    )


def read_workbook(path: Path, *, include_hidden: bool = False) -> RawWorkbook:
    """All sheets of a workbook as value grids (cached formula results, never evaluated).

    Hidden sheets are listed with no rows unless asked for: nominee lists are never hidden,
    and parsing their lookup tables would only cost time. So are the sheets of a tdkt master
    other than DanhSach and Loi (MASTER_READ), the only ones ingest reads.
    """
    legacy, long_text = _check_file(path, include_hidden)
    try:
        try:
            book = pc.CalamineWorkbook.from_path(str(path))
        except pc.PasswordError:
            raise
        except BaseException as exc:
            if not (_is_read_failure(exc) and _named_for_another_format(path)):
                raise
            # an .xls saved under .xlsx (or the reverse): Excel opens it by its content, so does this
            with path.open("rb") as f:
                book = pc.CalamineWorkbook.from_filelike(f)
    except pc.PasswordError:
        raise UnreadableFile("Tệp được đặt mật khẩu: hãy gỡ mật khẩu rồi gửi lại.") from None
    except BaseException as exc:  # calamine raises several types (and panics) for damaged files
        if not _is_read_failure(exc):
            raise
        raise _damaged(exc) from None
    sheets = []
    try:
        metas = [meta for meta in book.sheets_metadata if meta.typ == pc.SheetTypeEnum.WorkSheet]
        master = MASTER_SHEETS <= {meta.name for meta in metas}
        for meta in metas:
            visible = meta.visible == pc.SheetVisibleEnum.Visible
            if (not visible and not include_hidden) or (master and meta.name not in MASTER_READ):
                sheets.append(RawSheet(meta.name, visible, []))
                continue
            sheet = book.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            merged = [(r1, c1, r2, c2) for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or [])]
            cut = _cut_long_text(rows) if long_text else []  # a tenth of the read: only when it can matter
            sheets.append(RawSheet(meta.name, visible, rows, merged, cut_cells=cut))
    except pc.PasswordError:
        raise UnreadableFile("Tệp được đặt mật khẩu: hãy gỡ mật khẩu rồi gửi lại.") from None
    except BaseException as exc:
        if not _is_read_failure(exc):
            raise
        raise _damaged(exc) from None
    finally:
        book.close()
    raw = RawWorkbook(path, sheets)
    if legacy is not None:  # a zip-based workbook (.xlsx, .xlsm): what calamine does not say of its sheets
        try:
            _note_hidden_and_uncached(path, [s for s in sheets if s.rows])
        except (OSError, zipfile.BadZipFile, KeyError, ValueError, EOFError, zlib.error):
            pass  # the check below reports a damaged part; these notes are only a help
    # Python's zipfile is stricter than calamine's (it checks CRCs and the zip version), so a
    # damaged part can first show up here: that too is one unreadable file, not a crash.
    try:
        if legacy is None:
            legacy = _mentions_legacy_font(path)
        if legacy:
            _decode_legacy_fonts(raw)
    except UnreadableFile:
        raise
    except Exception as exc:
        raise UnreadableFile(
            f"Không đọc được phông chữ của tệp ({type(exc).__name__}): "
            "hãy mở bằng Excel, lưu lại rồi gửi lại."
        ) from None
    return raw


# A row tag, whose hidden flag and number are wanted; a formula saved with no value after it.
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b[^>]*>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
_UNCACHED = re.compile(rb"(?:</(?:\w+:)?f>|<(?:\w+:)?f\b[^>]*/>)(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v></(?:\w+:)?v>)?</(?:\w+:)?c>")
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")


def _sheet_parts_by_name(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet name -> its zip member, from the workbook and its relationships."""
    names = set(archive.namelist())
    rels_name = "xl/_rels/workbook.xml.rels"
    if "xl/workbook.xml" not in names or rels_name not in names:
        return {}
    targets = {}
    for tag in _RELS_TARGET.findall(archive.read(rels_name)):
        rid, target = re.search(rb'\bId="([^"]*)"', tag), re.search(rb'\bTarget="([^"]*)"', tag)
        if rid and target:
            ref = target.group(1).decode("utf-8", "replace")
            targets[rid.group(1)] = ref[1:] if ref.startswith("/") else posixpath.normpath(posixpath.join("xl", ref))
    parts = {}
    for tag in _SHEET_TAG.findall(archive.read("xl/workbook.xml")):
        name, rid = re.search(rb'\bname="([^"]*)"', tag), re.search(rb'\br:id="([^"]*)"', tag)
        if name and rid and targets.get(rid.group(1)) in names:
            parts[html.unescape(name.group(1).decode("utf-8", "replace"))] = targets[rid.group(1)]
    return parts


def _note_hidden_and_uncached(path: Path, sheets: list[RawSheet]) -> None:
    """Hidden rows and formulas saved without their value, per sheet: calamine reads both as if
    nothing were amiss (a withdrawn nominee counted; a list made by a program, never opened in
    Excel, read as empty rows). One pass over each read sheet's XML, as it inflates."""
    if not sheets:
        return
    with zipfile.ZipFile(path) as archive:
        parts = _sheet_parts_by_name(archive)
        for sheet in sheets:
            if (part := parts.get(sheet.name)) is None:
                continue
            carry = b""
            with archive.open(part) as stream:
                while chunk := stream.read(_CHUNK):
                    data = carry + chunk
                    end = data.rfind(b">") + 1  # whole tags only; the rest waits for the next chunk
                    data, carry = data[:end], data[end:]
                    if b'hidden="' in data:
                        for tag in _ROW_TAG.findall(data):
                            if _HIDDEN.search(tag) and (number := _ROW_NUMBER.search(tag)):
                                sheet.hidden_rows.add(int(number.group(1)) - 1)
                    if b"f>" in data or b"<f" in data:
                        sheet.uncached_formulas += len(_UNCACHED.findall(data))


def _cut_long_text(rows: list[list[Any]]) -> list[tuple[int, int, int]]:
    """Cut text longer than Excel allows in one cell (a damaged or crafted file); say where."""
    cut = []
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if type(value) is str and len(value) > MAX_CELL_CHARS:
                cut.append((r, c, len(value)))
                row[c] = value[:MAX_CELL_CHARS]
    return cut


# ---------------------------------------------------------------------------
# Legacy fonts

_LEGACY_NEEDLES = (b".Vn", b".VN", b".vn", b"VNI", b"Vni", b"vni")


def _mentions_legacy_font(path: Path) -> bool:
    """Cheap pre-check on the raw bytes of the parts that name fonts."""
    with path.open("rb") as f:
        head = f.read(4)
    if head == _ZIP_MAGIC:
        with zipfile.ZipFile(path) as archive:
            return _archive_mentions_legacy_font(archive)
    data = path.read_bytes()
    return _has_legacy_font_name(data) or _has_legacy_font_name(data.replace(b"\x00", b""))


def _archive_mentions_legacy_font(archive: zipfile.ZipFile, parts: tuple[str, ...] = ("xl/styles.xml",)) -> bool:
    """Whether these parts name a legacy font: by default the cell styles only.

    Rich-text runs name their fonts in sharedStrings.xml or inline in the sheets; inflating
    those for every file would cost a tenth of the read, so the ingest asks for them only when
    the text it read looks like TCVN3 or VNI (see decode_rich_text_fonts).
    """
    names = set(archive.namelist())
    for part in parts:
        if part in names:
            with archive.open(part) as member:
                data = member.read(64 * 1024 * 1024)
            if _has_legacy_font_name(data):
                return True
    return False


def _has_legacy_font_name(data: bytes) -> bool:
    for needle in _LEGACY_NEEDLES:
        start = 0
        while (i := data.find(needle, start)) != -1:
            # a font name follows a quote (xlsx) or a length byte (xls): not a word inside text
            before = data[i - 1 : i] if i else b""
            if before in (b'"', b"'") or not before.isalnum():
                return True
            start = i + 1
    return False


def decode_rich_text_fonts(raw: RawWorkbook) -> bool:
    """Second chance for a workbook whose text looks legacy but whose cell styles name no legacy
    font: look for legacy fonts in rich-text runs (shared strings, inline strings) and decode.

    Returns whether any cell was decoded.
    """
    with raw.path.open("rb") as f:
        if f.read(4) != _ZIP_MAGIC:
            return False  # .xls: the font pre-check already covered the whole file
    with zipfile.ZipFile(raw.path) as archive:
        parts = ("xl/sharedStrings.xml", *_worksheet_parts(archive))
        if not _archive_mentions_legacy_font(archive, parts):
            return False
    before = sum(sheet.legacy_cells for sheet in raw.sheets)
    _decode_legacy_fonts(raw)
    return sum(sheet.legacy_cells for sheet in raw.sheets) > before


def _decode_legacy_fonts(raw: RawWorkbook) -> None:
    suffix = raw.path.suffix.lower()
    with raw.path.open("rb") as f:
        is_zip = f.read(4) == _ZIP_MAGIC
    if is_zip:
        with zipfile.ZipFile(raw.path) as archive:
            names = set(archive.namelist())
            parts = {*_worksheet_parts(archive), *_PARSED_PARTS} & names
            size = sum(archive.getinfo(n).file_size for n in parts)
    else:
        size = raw.path.stat().st_size
    cells = sum(sum(map(len, sheet.rows)) for sheet in raw.sheets)
    if cells > MAX_LEGACY_CELLS or size > MAX_LEGACY_BYTES:
        raise UnreadableFile(
            f"Tệp dùng phông chữ cũ (TCVN3/VNI) và quá lớn để chuyển sang Unicode (trên "
            f"{MAX_LEGACY_CELLS:,} ô hoặc {MAX_LEGACY_BYTES // (1024 * 1024)} MB dữ liệu): ".replace(",", ".")
            + "hãy chuyển mã sang Unicode bằng Unikey (hoặc xóa các hàng, cột thừa) rồi lưu và gửi lại."
        )
    if is_zip and suffix in (".xlsx", ".xlsm"):
        _decode_xlsx(raw)
    elif not is_zip:
        _decode_xls(raw)


def _set_decoded(sheet: RawSheet, r: int, c: int, text: str, fonts: set[str]) -> None:
    while len(sheet.rows) <= r:
        sheet.rows.append([])
    row = sheet.rows[r]
    while len(row) <= c:
        row.append("")
    row[c] = text
    sheet.legacy_cells += 1
    sheet.legacy_fonts |= fonts


def _decode_xlsx(raw: RawWorkbook) -> None:
    import openpyxl  # parses through defusedxml when it is installed (it is a dependency)
    from openpyxl.cell.rich_text import CellRichText, TextBlock

    book = openpyxl.load_workbook(raw.path, data_only=True, rich_text=True)
    try:
        by_name = {s.name: s for s in raw.sheets}
        for ws in book.worksheets:
            sheet = by_name.get(ws.title)
            if sheet is None:
                continue
            for row in ws.iter_rows():
                for cell in row:
                    value = cell.value
                    if value is None:
                        continue
                    cell_font = cell.font.name if cell.font is not None else None
                    if isinstance(value, CellRichText):
                        parts, fonts = [], set()
                        for run in value:
                            if isinstance(run, TextBlock):
                                font = (run.font.rFont if run.font is not None else None) or cell_font
                                text = run.text
                            else:
                                font, text = cell_font, str(run)
                            decoded = decode_legacy(text, font)
                            if decoded is not None:
                                fonts.add(font)
                            parts.append(text if decoded is None else decoded)
                        if fonts:
                            _set_decoded(sheet, cell.row - 1, cell.column - 1, "".join(parts), fonts)
                    elif isinstance(value, str) and (decoded := decode_legacy(value, cell_font)) is not None:
                        # (None: the cell's text is Unicode typed over the old font, kept as calamine read it)
                        _set_decoded(sheet, cell.row - 1, cell.column - 1, decoded, {cell_font})
    finally:
        book.close()


def _decode_xls(raw: RawWorkbook) -> None:
    import xlrd

    book = xlrd.open_workbook(str(raw.path), formatting_info=True, on_demand=True)
    try:
        fonts = [f.name for f in book.font_list]
        by_name = {s.name: s for s in raw.sheets}
        for index in range(book.nsheets):
            ws = book.sheet_by_index(index)
            sheet = by_name.get(ws.name)
            if sheet is None:
                continue
            for r in range(ws.nrows):
                for c in range(ws.ncols):
                    cell = ws.cell(r, c)
                    if cell.ctype != xlrd.XL_CELL_TEXT:
                        continue
                    cell_font = fonts[book.xf_list[cell.xf_index].font_index]
                    runs = ws.rich_text_runlist_map.get((r, c))
                    if runs:
                        text, parts, used = cell.value, [], set()
                        default = book.xf_list[cell.xf_index].font_index
                        bounds = list(runs) if runs[0][0] == 0 else [(0, default), *runs]
                        for i, (start, font_index) in enumerate(bounds):
                            end = bounds[i + 1][0] if i + 1 < len(bounds) else len(text)
                            font = fonts[font_index]
                            decoded = decode_legacy(text[start:end], font)
                            if decoded is not None:
                                used.add(font)
                            parts.append(text[start:end] if decoded is None else decoded)
                        if used:
                            _set_decoded(sheet, r, c, "".join(parts), used)
                    elif (decoded := decode_legacy(cell.value, cell_font)) is not None:
                        _set_decoded(sheet, r, c, decoded, {cell_font})
            book.unload_sheet(index)
    finally:
        book.release_resources()
