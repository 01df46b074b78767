"""The feedback workbook sent back to a unit: its own list, with every problem cell marked.

This is a new file, never the unit's original and never the master, so openpyxl may write it:
it keeps the unit's values, merged cells, column widths, fonts and fills as far as openpyxl
reads them (pictures and form controls are dropped, which the unit's own file still has).
Files openpyxl cannot open (.xls, .xlsb, .ods) are copied from their cell values and merges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from addin.feedback import unit_facing
from addin.models import Issue, Severity
from addin.schema import SEVERITY_LABELS
from addin.workbook.reader import read_workbook

SHEET_FEEDBACK = "Lỗi cần sửa"
FILLS = {Severity.ERROR: "FFF8CBAD", Severity.WARNING: "FFFFF2CC"}  # as the master's Lỗi / Cảnh báo rows
SEVERITY_TEXT = SEVERITY_LABELS
_OPENPYXL_SUFFIXES = {".xlsx", ".xlsm"}
_FONT = "Times New Roman"


@dataclass
class Problem:
    """One issue, with the cell it is about when it has one (1-based row and column)."""

    issue: Issue
    cell: tuple[str, int, int] | None  # (sheet, row, column)


def _column_letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def cell_name(problem: Problem) -> str | None:
    """"C12" for a problem with a cell."""
    if problem.cell is None:
        return None
    return f"{_column_letter(problem.cell[2])}{problem.cell[1]}"


def _load(source: Path) -> Any:
    import openpyxl  # parses through defusedxml when it is installed (it is a dependency)

    if source.suffix.lower() in _OPENPYXL_SUFFIXES:
        return openpyxl.load_workbook(source, rich_text=True)
    return _from_values(source)


def _from_values(source: Path) -> Any:
    """A workbook rebuilt from the values and merges calamine reads (.xls, .xlsb, .ods)."""
    import openpyxl


    raw = read_workbook(source)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in raw.sheets:
        if not sheet.visible:
            continue
        ws = book.create_sheet(sheet.name[:31])
        widths: dict[int, int] = {}
        for r, values in enumerate(sheet.rows, start=1):
            for c, value in enumerate(values, start=1):
                if value is None or value == "":
                    continue
                cell = ws.cell(r, c)
                if isinstance(value, str) and value.startswith("="):
                    cell.value = value
                    cell.data_type = "s"  # the unit's text, never a formula
                else:
                    cell.value = value
                if isinstance(value, (date, datetime)):
                    cell.number_format = "dd/mm/yyyy"
                widths[c] = max(widths.get(c, 0), min(40, len(str(value))))
        for r1, c1, r2, c2 in sheet.merged:
            ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
        for c, width in widths.items():
            ws.column_dimensions[_column_letter(c)].width = max(8, width + 2)
    if not book.worksheets:
        book.create_sheet("Sheet1")
    return book


def _anchor(ws: Any, row: int, col: int) -> Any:
    """The cell that holds a value at (row, col): the top-left one of a merged range."""
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            return ws.cell(rng.min_row, rng.min_col)
    return ws.cell(row, col)


def write_feedback_book(source: Path, out: Path, problems: list[Problem], *, unit: str, shown: str) -> int:
    """Write the marked copy of `source` to `out`; return how many cells were marked.

    Problem cells get a fill (red for errors, yellow for warnings) and a comment with the
    messages; a first sheet "Lỗi cần sửa" lists every problem, with a link to its cell.
    """
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    book = _load(source)
    if SHEET_FEEDBACK in book.sheetnames:
        book.remove(book[SHEET_FEEDBACK])  # a copy we sent earlier, corrected and sent back
    by_cell: dict[tuple[str, int, int], list[Issue]] = {}
    located: dict[int, str] = {}  # problem index -> "'Sheet'!C12" for the link
    for n, p in enumerate(problems):
        if p.cell is None or p.cell[0] not in book.sheetnames:
            continue
        ws = book[p.cell[0]]
        anchor = _anchor(ws, p.cell[1], p.cell[2])
        key = (ws.title, anchor.row, anchor.column)
        by_cell.setdefault(key, []).append(p.issue)
        located[n] = f"'{ws.title}'!{anchor.coordinate}"
    marked = 0
    for (sheet, row, col), issues in by_cell.items():
        shown_issues = [i for i in issues if i.severity in FILLS]
        if not shown_issues:
            continue
        cell = book[sheet].cell(row, col)
        worst = Severity.ERROR if any(i.severity == Severity.ERROR for i in shown_issues) else Severity.WARNING
        cell.fill = PatternFill(fill_type="solid", start_color=FILLS[worst], end_color=FILLS[worst])
        text = "\n".join(f"{SEVERITY_TEXT[i.severity]}: {unit_facing(i)}" for i in shown_issues)
        comment = Comment(text, "tdkt")
        comment.width, comment.height = 360, 40 + 18 * (1 + len(text) // 45)
        cell.comment = comment
        marked += 1

    ws = book.create_sheet(SHEET_FEEDBACK, 0)
    for other in book.worksheets:
        other.sheet_view.tabSelected = False
    book.active = 0
    ws.sheet_view.tabSelected = True
    errors = sum(1 for p in problems if p.issue.severity == Severity.ERROR)
    warnings = sum(1 for p in problems if p.issue.severity == Severity.WARNING)
    bold = Font(name=_FONT, size=14, bold=True)
    plain = Font(name=_FONT, size=12)
    ws["A1"] = f"LỖI CẦN SỬA TRONG DANH SÁCH CỦA {unit.upper()}"
    ws["A1"].font = bold
    ws["A2"] = f"Tệp đơn vị đã gửi: {shown.replace(chr(92), '/').split(' » ')[-1].rsplit('/', 1)[-1] or shown}"
    ws["A3"] = (f"Có {errors} lỗi và {warnings} cảnh báo. Các ô cần sửa được tô màu (đỏ: lỗi, vàng: cảnh báo) "
                "và có ghi chú; bấm vào địa chỉ ở cột \"Ô\" để đến ô đó. Sửa xong, gửi lại toàn bộ danh sách.")
    for ref in ("A2", "A3"):
        ws[ref].font = plain
    headers = ["STT", "Trang", "Ô", "Dòng", "Cột", "Giá trị", "Mức", "Cần làm gì"]
    widths = [6, 16, 8, 7, 24, 24, 10, 90]
    header_font = Font(name=_FONT, size=12, bold=True)
    header_fill = PatternFill(fill_type="solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
    for c, (text, width) in enumerate(zip(headers, widths), start=1):
        cell = ws.cell(5, c, text)
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[_column_letter(c)].width = width
    for n, p in enumerate(problems):
        r = 6 + n
        i = p.issue
        values = [n + 1, i.sheet, cell_name(p) if n in located else None, i.row, i.column, i.value,
                  SEVERITY_TEXT[i.severity], unit_facing(i)]
        for c, value in enumerate(values, start=1):
            cell = ws.cell(r, c)
            if value is not None:
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"  # a value that begins with "=" stays the unit's text
            cell.font = plain
            cell.alignment = Alignment(vertical="top", wrap_text=c in (5, 6, 8))
            if c == 7 and i.severity in FILLS:
                cell.fill = PatternFill(fill_type="solid", start_color=FILLS[i.severity], end_color=FILLS[i.severity])
        if n in located:
            link = ws.cell(r, 3)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=located[n], display=link.value)
            link.font = Font(name=_FONT, size=12, color="FF0563C1", underline="single")
    ws.freeze_panes = "A6"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return marked
