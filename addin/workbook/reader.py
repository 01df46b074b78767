"""Reading unit workbooks from disk, defensively.

The hot path is python-calamine (Rust: no formula evaluation, no XML entity expansion). Only
workbooks that use legacy Vietnamese fonts take a second, slower pass through openpyxl (.xlsx)
or xlrd (.xls) to learn each cell's font, because TCVN3/VNI text can only be decoded per cell
(or per rich-text run) from the font it is drawn in.
"""

from __future__ import annotations

import zipfile
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


def check_container(path: Path) -> None:
    """Refuse what is not a spreadsheet, or is too large or a zip bomb, before parsing it."""
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFile("Tệp rỗng (0 byte): hãy gửi lại tệp.")
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(f"Tệp quá lớn ({size // (1024 * 1024)} MB): không phải danh sách đề nghị thông thường.")
    with path.open("rb") as f:
        head = f.read(512)
    if head.startswith(_ZIP_MAGIC):
        _check_zip(path)
    elif head.startswith(_OLE_MAGIC):
        return
    else:
        sniff = head.lstrip().lower()
        if sniff.startswith((b"<html", b"<!doctype html", b"<?xml", b"<table", b"mime-version")):
            raise UnreadableFile(
                "Tệp này thực chất là trang web (HTML) đổi đuôi thành bảng tính: "
                "hãy mở bằng Excel rồi lưu lại dạng .xlsx (Lưu thành > Sổ làm việc Excel)."
            )
        raise UnreadableFile("Tệp không phải bảng tính Excel (.xlsx, .xlsm, .xls) hoặc đã bị hỏng.")


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise UnreadableFile("Tệp bảng tính bị hỏng (không giải nén được): hãy gửi lại tệp.") from None
    if len(members) > MAX_MEMBERS:
        raise UnreadableFile("Tệp chứa quá nhiều thành phần bên trong: từ chối đọc vì lý do an toàn.")
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > 10 * 1024 * 1024 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise UnreadableFile("Tệp có dấu hiệu 'bom nén' (giải nén ra quá lớn): từ chối đọc vì lý do an toàn.")
    if total > MAX_UNPACKED_BYTES:
        raise UnreadableFile("Tệp giải nén ra quá lớn (trên 1 GB): từ chối đọc vì lý do an toàn.")


def read_workbook(path: Path) -> RawWorkbook:
    """All sheets of a workbook as value grids (cached formula results, never evaluated)."""
    check_container(path)
    try:
        book = pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise UnreadableFile("Tệp được đặt mật khẩu: hãy gỡ mật khẩu rồi gửi lại.") from None
    except Exception as exc:  # calamine raises several types for damaged files
        raise UnreadableFile(f"Tệp bảng tính bị hỏng, không đọc được ({type(exc).__name__}): hãy mở bằng Excel, lưu lại rồi gửi lại.") from None
    sheets = []
    try:
        for meta in book.sheets_metadata:
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue
            sheet = book.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            merged = [(r1, c1, r2, c2) for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or [])]
            sheets.append(RawSheet(meta.name, meta.visible == pc.SheetVisibleEnum.Visible, rows, merged))
    except pc.PasswordError:
        raise UnreadableFile("Tệp được đặt mật khẩu: hãy gỡ mật khẩu rồi gửi lại.") from None
    except Exception as exc:
        raise UnreadableFile(f"Tệp bảng tính bị hỏng, không đọc được ({type(exc).__name__}): hãy mở bằng Excel, lưu lại rồi gửi lại.") from None
    finally:
        book.close()
    raw = RawWorkbook(path, sheets)
    if _mentions_legacy_font(path):
        try:
            _decode_legacy_fonts(raw)
        except UnreadableFile:
            raise
        except Exception as exc:
            raise UnreadableFile(f"Không đọc được phông chữ của tệp ({type(exc).__name__}).") from None
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
            names = set(archive.namelist())
            for part in ("xl/styles.xml", "xl/sharedStrings.xml"):
                if part in names:
                    with archive.open(part) as member:
                        data = member.read(64 * 1024 * 1024)
                    if _has_legacy_font_name(data):
                        return True
        return False
    data = path.read_bytes()
    return _has_legacy_font_name(data) or _has_legacy_font_name(data.replace(b"\x00", b""))


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
