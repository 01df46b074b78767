"""Reading unit workbooks from disk, defensively.

The hot path is python-calamine (Rust: no formula evaluation, no XML entity expansion). Only
workbooks that use legacy Vietnamese fonts take a second, slower pass through openpyxl (.xlsx)
or xlrd (.xls) to learn each cell's font, because TCVN3/VNI text can only be decoded per cell
(or per rich-text run) from the font it is drawn in.

Before calamine sees a file, check_container refuses what would hurt the whole run rather than
one file: zip bombs (from the zip directory alone) and sheets whose farthest cell would make
calamine allocate a grid of many GB, which aborts the process instead of raising.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as pc

from addin.text import decode_legacy, legacy_encoding

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
MAX_FILE_BYTES = 200 * 1024 * 1024  # no unit list is this large; refuse rather than hang
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200  # compression ratio of one member beyond which we call it a zip bomb
MAX_MEMBERS = 10_000
# calamine allocates every sheet as one rows x columns grid, sized by its farthest cell holding a
# value: one stray value in XFD1048576 asks for hundreds of GB and aborts the whole process (Rust
# cannot raise on a failed allocation). A full Excel 97-2003 sheet (65,536 x 256) is the most we
# let it build; no nominee list comes near.
MAX_SHEET_CELLS = 65_536 * 256

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


@dataclass
class RawWorkbook:
    path: Path
    sheets: list[RawSheet]


def check_container(path: Path) -> bool | None:
    """Refuse what is not a spreadsheet, or is too large or a zip bomb, before parsing it.

    For a zip-based workbook, also says whether its styles or shared strings name a legacy
    font (found while the archive is open anyway); None for other formats.
    """
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFile("Tệp rỗng (0 byte): hãy gửi lại tệp.")
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(f"Tệp quá lớn ({size // (1024 * 1024)} MB): không phải danh sách đề nghị thông thường.")
    with path.open("rb") as f:
        head = f.read(512)
    if head.startswith(_ZIP_MAGIC):
        return _check_zip(path)
    elif head.startswith(_OLE_MAGIC):
        _check_biff_extent(path)
        return None
    else:
        sniff = head.lstrip().lower()
        if sniff.startswith((b"<html", b"<!doctype html", b"<?xml", b"<table", b"mime-version")):
            raise UnreadableFile(
                "Tệp này thực chất là trang web (HTML) đổi đuôi thành bảng tính: "
                "hãy mở bằng Excel rồi lưu lại dạng .xlsx (Lưu thành > Sổ làm việc Excel)."
            )
        raise UnreadableFile("Tệp không phải bảng tính Excel (.xlsx, .xlsm, .xls) hoặc đã bị hỏng.")


def _check_zip(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            _check_zip_sizes(archive.infolist())
            # Only now, with the sizes known to be sane, is it safe to inflate the sheets.
            for name in _worksheet_parts(archive):
                _check_xlsx_extent(archive, name)
            return _archive_mentions_legacy_font(archive)
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


def _too_far(ref: str) -> UnreadableFile:
    return UnreadableFile(
        f"Trang tính có dữ liệu ở ô {ref}, quá xa bảng danh sách: tệp quá lớn để đọc. "
        "Hãy mở bằng Excel, bấm Ctrl+End để tìm ô đó, xóa các ô thừa ngoài bảng rồi lưu và gửi lại."
    )


# Every writer we know spells a cell's place as ` r="B7"` (calamine also takes "b7"). The fast
# pattern finds any reference beyond column IV or at row 60,000 or later (below both, a sheet is
# within MAX_SHEET_CELLS); only then is the sheet measured cell by cell, slowly, because a long
# list or a far cell that is formatted but empty is still fine. Cells written without `r` are
# placed one after another by calamine; that form is not measured here.
_FAR_REF = re.compile(
    rb' r="(?:[A-Za-z]{3}|[J-Zj-z][A-Za-z]|[Ii][W-Zw-z]|[A-Za-z]{1,2}(?:[0-9]{6}|[6-9][0-9]{4}))'
)
_CELL_TAG = re.compile(rb"<(?:\w+:)?c\s([^<>]*?)(/?)>")
_CELL_REF = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Za-z]{1,8})([0-9]{1,12})["']""")
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


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="(?:[A-Za-z]{1,3}[0-9]{1,7}:)?([A-Za-z]{1,3})([0-9]{1,7})"')


def _check_xlsx_extent(archive: zipfile.ZipFile, name: str) -> None:
    # Fast path: Excel, LibreOffice and the usual writers record the used range in <dimension>
    # at the top of the sheet; when it is small, inflating the whole sheet a second time (calamine
    # inflates it anyway) would cost a quarter of the read. Only a missing or large dimension
    # is measured cell by cell. (A file crafted to lie in this tag is not caught here.)
    with archive.open(name) as member:
        head = member.read(4096)
    found = _DIMENSION.search(head)
    if found and int(found.group(2)) * _column_number(found.group(1)) <= MAX_SHEET_CELLS:
        return
    tail = b""
    with archive.open(name) as member:
        while chunk := member.read(_CHUNK):
            if _FAR_REF.search(tail + chunk):
                break
            tail = chunk[-16:]
        else:
            return
    max_row = max_col = 0
    with archive.open(name) as member:
        carry = b""
        while chunk := member.read(_CHUNK):
            buf = carry + chunk
            cut = buf.rfind(b"<")
            carry, buf = (buf[cut:], buf[:cut]) if cut >= 0 else (b"", buf)
            if len(carry) > _CHUNK:  # no tag is this long: not a cell, drop it
                carry = b""
            for tag in _CELL_TAG.finditer(buf):
                if tag.group(2):  # <c r="XFD9" s="3"/>: formatted but empty, calamine skips it
                    continue
                ref = _CELL_REF.search(tag.group(1))
                if ref is None:
                    continue
                row, col = int(ref.group(2)), _column_number(ref.group(1))
                max_row, max_col = max(max_row, row), max(max_col, col)
                if max_row * max_col > MAX_SHEET_CELLS:
                    raise _too_far(ref.group(1).decode().upper() + ref.group(2).decode())


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


# BIFF8 records that place a cell: row and column are the first two little-endian u16 of the data.
_BIFF_CELLS = {0x0006, 0x0201, 0x0203, 0x0204, 0x00FD, 0x027E, 0x0205, 0x00D6, 0x00BD, 0x00BE}
_BIFF_MULTI = {0x00BD, 0x00BE}  # MULRK, MULBLANK: the last column is the record's last u16
_BIFF_DIMENSIONS = 0x0200  # a sheet's used range; calamine reserves memory from it
_BIFF_FILEPASS = 0x002F  # the records after it are encrypted: their numbers mean nothing


def _check_biff_extent(path: Path) -> None:
    """Refuse a .xls whose cells or used range go beyond an Excel 97-2003 sheet (a damaged file).

    Rows are 16-bit, so with at most 256 columns a sheet stays within MAX_SHEET_CELLS.
    """
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
    while pos + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, pos)
        body = pos + 4
        if kind == _BIFF_FILEPASS:
            return  # a password-protected .xls: calamine reports it as such
        if body + length > end:
            return  # a truncated stream: calamine reports it as damaged
        if kind in _BIFF_CELLS and length >= 4:
            col = struct.unpack_from("<H", stream, body + 2)[0]
            if kind in _BIFF_MULTI and length >= 6:
                col = max(col, struct.unpack_from("<H", stream, body + length - 2)[0])
            if col > 255:
                raise _damaged_biff()
        elif kind == _BIFF_DIMENSIONS and length >= 14:  # BIFF8: u32 first/last+1 row, u16 columns
            r1, r2, c1, c2 = struct.unpack_from("<IIHH", stream, body)
            if not (r1 <= r2 <= 65_536 and c1 <= c2 <= 256):
                raise _damaged_biff()
        pos = body + length


def _damaged_biff() -> UnreadableFile:
    return UnreadableFile(
        "Tệp bảng tính bị hỏng (có ô nằm ngoài giới hạn của Excel 97-2003): hãy mở bằng Excel, lưu lại rồi gửi lại."
    )


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
    and parsing their lookup tables would only cost time.
    """
    legacy = check_container(path)
    try:
        book = pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise UnreadableFile("Tệp được đặt mật khẩu: hãy gỡ mật khẩu rồi gửi lại.") from None
    except BaseException as exc:  # calamine raises several types (and panics) for damaged files
        if not _is_read_failure(exc):
            raise
        raise _damaged(exc) from None
    sheets = []
    try:
        for meta in book.sheets_metadata:
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue
            visible = meta.visible == pc.SheetVisibleEnum.Visible
            if not visible and not include_hidden:
                sheets.append(RawSheet(meta.name, False, []))
                continue
            sheet = book.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            merged = [(r1, c1, r2, c2) for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or [])]
            sheets.append(RawSheet(meta.name, visible, rows, merged))
    except pc.PasswordError:
        raise UnreadableFile("Tệp được đặt mật khẩu: hãy gỡ mật khẩu rồi gửi lại.") from None
    except BaseException as exc:
        if not _is_read_failure(exc):
            raise
        raise _damaged(exc) from None
    finally:
        book.close()
    raw = RawWorkbook(path, sheets)
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
                    elif isinstance(value, str) and legacy_encoding(cell_font):
                        _set_decoded(sheet, cell.row - 1, cell.column - 1, decode_legacy(value, cell_font), {cell_font})
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
                    elif legacy_encoding(cell_font):
                        _set_decoded(sheet, r, c, decode_legacy(cell.value, cell_font), {cell_font})
            book.unload_sheet(index)
    finally:
        book.release_resources()
