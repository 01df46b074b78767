"""One of our sheets (a SheetData) written into an open workbook through xlwings, in bulk.

The CLI writes a SheetData with XlsxWriter into the file; a button cannot, because the file is
open in Excel (Windows locks it, and anything written underneath would be lost when the clerk
saves). So the same SheetData is laid out here as one rectangle of values, the same rows and
columns as the file writer's, and sent to the open book in a fixed number of range calls per
sheet, whatever the number of rows: clear, one value write, then formats for whole ranges.
Errors and warnings are highlighted by conditional formats keyed on the status column, not by
colouring rows one by one (with COM, a colour is one round trip per range).

Nothing here imports xlwings: the book and sheets come from the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from addin import schema
from addin.workbook.master import SheetData, _split

FONT = "Times New Roman"
ERROR_FILL, WARNING_FILL, HEADER_FILL = "#F8CBAD", "#FFF2CC", "#DDEBF7"
# Which column's label decides a row's colour, per sheet (the label "Lỗi" / "Cảnh báo").
STATUS_COLUMN = schema.STATUS_COLUMN
ERROR_LABEL, WARNING_LABEL = "Lỗi", "Cảnh báo"

# Text Excel would not keep as typed when written as a value: a formula ("=..."), a number or a
# date it would convert ("0912 345 678", "29/02/1987", "1-2"), or a boolean word.
_REINTERPRETED = re.compile(r"^[=+\-@]|^\s*[\d(][\d\s.,:/()%+\-]*$|^(true|false|đúng|sai)$", re.IGNORECASE)


class Formula(str):
    """A formula of ours (a link to a DanhSach row); every other string is written as text."""


@dataclass
class Grid:
    """A sheet laid out as one rectangle of values, plus where its parts are."""

    values: list[list[Any]]
    header_row: int  # 0-based
    first_data: int
    last_data: int  # last data row, 0-based; < first_data when the table is empty
    width: int
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2 (0-based)
    bold_rows: list[int] = field(default_factory=list)  # header rows of extra tables, totals
    date_columns: list[int] = field(default_factory=list)
    datetime_columns: list[int] = field(default_factory=list)


def cell_value(value: Any) -> Any:
    """A Python value as it must be sent to Excel so that it reads back the same."""
    if value is None or value == "":
        return None
    if isinstance(value, Formula):
        return str(value)
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, datetime):
        return (value.astimezone() if value.tzinfo else value).replace(tzinfo=None, microsecond=0)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    return "'" + text if _REINTERPRETED.search(text) else text


def layout(sheet: SheetData) -> Grid:
    """The values of a sheet at the cells the file writer (workbook.master) puts them in."""
    width = max(sheet.print_columns or len(sheet.headers), 1)
    cells: dict[tuple[int, int], Any] = {}
    merges: list[tuple[int, int, int, int]] = []

    def span(r: int, c1: int, c2: int, text: str) -> None:
        cells[(r, c1)] = text
        if c2 > c1:
            merges.append((r, c1, r, c2))

    if sheet.layout is not None:
        frame = sheet.layout
        split = _split(width)
        right = split + 1 if width > 1 else 0
        issuer = frame.issuer + [""] * (2 - len(frame.issuer))
        span(0, 0, split, issuer[0])
        span(0, right, width - 1, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        span(1, 0, split, issuer[1])
        span(1, right, width - 1, "Độc lập - Tự do - Hạnh phúc")
        span(2, right, width - 1, frame.place_date)
        span(4, 0, width - 1, frame.title)
        if frame.subtitle:
            span(5, 0, width - 1, frame.subtitle)
    else:
        for r, line in enumerate(sheet.title):
            cells[(r, 0)] = line
    header_row = sheet.header_row
    for c, text in enumerate(sheet.headers):
        cells[(header_row, c)] = str(text)
    rows = list(sheet.rows)
    date_columns: set[int] = set()
    datetime_columns: set[int] = set()
    for i, values in enumerate(rows):
        r = header_row + 1 + i
        for c, value in enumerate(values):
            link = sheet.links.get((i, c))
            if link is not None and value not in (None, ""):
                target = link.replace('"', '""')
                cells[(r, c)] = Formula(f'=HYPERLINK("#{target}","{value}")')
            else:
                cells[(r, c)] = value
            if isinstance(value, datetime):
                datetime_columns.add(c)
            elif isinstance(value, date):
                date_columns.add(c)
    last = header_row + len(rows)
    bold_rows = []
    if sheet.pages:
        # Printed tables one under another, as the file writer lays them out (the header it writes
        # again at the top of each printed page is left out: the open book is not paginated here).
        last = header_row - 1
        for t, table in enumerate(sheet.pages):
            last += 1 if t else 0
            if table.title:
                last += 1
                span(last, 0, width - 1, table.title)
                bold_rows.append(last)
            last += 1
            if t == 0:
                header_row = last
            else:
                bold_rows.append(last)
            for c, text in enumerate(table.headers):
                cells[(last, c)] = text
            for i, values in enumerate(table.rows):
                last += 1
                if i in table.headings:
                    # a unit's line over its people, in the name column: merged and bold it would
                    # cost two calls per unit, and the open book writes a sheet in a fixed number
                    cells[(last, 1)] = values[0]
                    continue
                for c, value in enumerate(values):
                    cells[(last, c)] = value
            for values in table.footer_rows:
                last += 1
                bold_rows.append(last)
                for c, value in enumerate(values):
                    cells[(last, c)] = value
        rows = list(sheet.pages[0].rows)
    for values in sheet.footer_rows:
        last += 1
        bold_rows.append(last)
        for c, value in enumerate(values):
            cells[(last, c)] = value
    for note in sheet.notes:
        last += 1
        span(last, 0, width - 1, note)
    for title, headers, table in sheet.extra_tables:
        last += 2
        span(last, 0, width - 1, title)
        last += 1
        bold_rows.append(last)
        for c, text in enumerate(headers):
            cells[(last, c)] = text
        for values in table:
            last += 1
            for c, value in enumerate(values):
                cells[(last, c)] = value
    if sheet.layout is not None and sheet.layout.signatures:
        blocks = sheet.layout.signatures
        spans = [(_split(width) + 1, width - 1)] if len(blocks) == 1 else [(0, _split(width)), (_split(width) + 1, width - 1)]
        start = last + 2
        for offset, part in ((0, 0), (1, 1), (5, 2)):
            for block, (c1, c2) in zip(blocks, spans):
                span(start + offset, c1, c2, block[part])
        last = start + 5
    n_rows = max(r for r, _ in cells) + 1 if cells else 1
    n_cols = max(max((c for _, c in cells), default=0) + 1, len(sheet.headers), 1)
    values = [[None] * n_cols for _ in range(n_rows)]
    for (r, c), value in cells.items():
        values[r][c] = cell_value(value)
    return Grid(values, header_row, header_row + 1, header_row + len(rows), n_cols, merges, bold_rows,
                sorted(date_columns - datetime_columns), sorted(datetime_columns))


def column_letter(c: int) -> str:
    """Excel's letters for a 0-based column index."""
    letters = ""
    c += 1
    while c:
        c, rest = divmod(c - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sheet_of(book: Any, name: str, after: str | None = None) -> Any:
    """The book's sheet of that name, added (at the end) when the clerk has none."""
    names = [s.name for s in book.sheets]
    if name in names:
        return book.sheets[name]
    return book.sheets.add(name=name, after=book.sheets[len(names) - 1])


def write_sheet(book: Any, data: SheetData) -> Grid:
    """Replace one sheet of the open book with `data`, in a fixed number of range calls."""
    sheet = sheet_of(book, data.name)
    grid = layout(data)
    sheet.clear()  # contents, formats and merges of the previous run, in one call
    n_rows, n_cols = len(grid.values), grid.width
    last_col = column_letter(n_cols - 1)
    whole = sheet.range(f"A1:{last_col}{n_rows}")
    whole.value = grid.values
    whole.font.name = FONT
    whole.font.size = 12
    if data.wrap:
        whole.wrap_text = True
    for c, width in enumerate(data.widths[:n_cols]):
        sheet.range(f"{column_letter(c)}1").column_width = width
    header_width = len(data.headers) or (len(data.pages[0].headers) if data.pages else 1)
    header = sheet.range(f"A{grid.header_row + 1}:{column_letter(header_width - 1)}{grid.header_row + 1}")
    header.font.bold = True
    header.color = HEADER_FILL
    header.wrap_text = True
    for r1, c1, r2, c2 in grid.merges:
        sheet.range(f"{column_letter(c1)}{r1 + 1}:{column_letter(c2)}{r2 + 1}").merge()
    if grid.merges:
        sheet.range(f"A1:{last_col}{grid.header_row}").font.bold = True
    for r in grid.bold_rows:
        sheet.range(f"A{r + 1}:{last_col}{r + 1}").font.bold = True
    has_rows = grid.last_data >= grid.first_data
    if has_rows:
        first, last = grid.first_data + 1, grid.last_data + 1
        for columns, fmt in ((grid.date_columns, "dd/mm/yyyy"), (grid.datetime_columns, "dd/mm/yyyy hh:mm")):
            for c in columns:
                sheet.range(f"{column_letter(c)}{first}:{column_letter(c)}{last}").number_format = fmt
        status = STATUS_COLUMN.get(data.name)
        if status in data.headers:
            letter = column_letter(data.headers.index(status))
            table = sheet.range(f"A{first}:{column_letter(len(data.headers) - 1)}{last}")
            table.conditional_formats.clear()
            table.conditional_formats.add_custom(f'=${letter}{first}="{ERROR_LABEL}"', fill_color=ERROR_FILL)
            table.conditional_formats.add_custom(f'=${letter}{first}="{WARNING_LABEL}"', fill_color=WARNING_FILL)
    try:
        sheet.freeze_panes.freeze_at(sheet.range(f"A{grid.header_row + 2}"))
    except (NotImplementedError, AttributeError):
        pass  # an engine without panes: the sheet reads the same
    return grid
