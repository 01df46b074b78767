"""Shared fixtures: a small factory for unit workbooks, and the shared sample files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import openpyxl
import pytest
from openpyxl.styles import Font, PatternFill

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
# Tests that read the shared samples skip, saying so, on a plain clone without ../shared.
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"shared sample workbooks not found at {SAMPLES}")


@dataclass
class Sheet:
    """One worksheet as a unit lays it out, top to bottom.

    `title` rows come first (from Excel row 1), then `header` rows, then the data `rows`,
    then one blank row and the `footer`. `merges` are Excel ranges ("C3:D3"); `fonts` maps a
    cell ("B5") to its font name, `font` is the font of every other text cell. A value may be a
    CellRichText for cells typed in several fonts.
    """

    rows: list[list[Any]] = field(default_factory=list)
    header: list[list[Any]] = field(default_factory=list)
    title: list[list[Any]] = field(default_factory=list)
    footer: list[list[Any]] = field(default_factory=list)
    name: str = "Sheet1"
    hidden: bool = False
    merges: list[str] = field(default_factory=list)
    font: str = "Times New Roman"
    fonts: dict[str, str] = field(default_factory=dict)
    phantom_columns: int = 0  # empty but formatted columns right of the table

    @property
    def first_data_row(self) -> int:
        """Excel row number of the first data row."""
        return len(self.title) + len(self.header) + 1

    def grid(self) -> list[list[Any]]:
        rows = [*self.title, *self.header, *self.rows]
        if self.footer:
            rows += [[], *self.footer]
        return rows


def write_workbook(path: Path, sheets: list[Sheet]) -> Path:
    """Write the sheets with openpyxl, the way Excel would save them."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for spec in sheets:
        ws = book.create_sheet(spec.name)
        if spec.hidden:
            ws.sheet_state = "hidden"
        grid = spec.grid()
        for r, values in enumerate(grid, start=1):
            for c, value in enumerate(values, start=1):
                if value is None:
                    continue
                cell = ws.cell(r, c, value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # a clerk's text that starts with "=", not a formula
                    cell.quotePrefix = True
                cell.font = Font(name=spec.fonts.get(cell.coordinate, spec.font), size=13)
        for rng in spec.merges:
            ws.merge_cells(rng)
        if spec.phantom_columns:
            fill = PatternFill("solid", fgColor="FFFFCC")
            width = max((len(r) for r in grid), default=0)
            for r in range(1, len(grid) + 1):
                for c in range(width + 1, width + spec.phantom_columns + 1):
                    ws.cell(r, c).fill = fill
    book.save(path)
    return path


@pytest.fixture
def workbook(tmp_path: Path) -> Callable[..., Path]:
    """Write a unit workbook into tmp_path.

    `workbook(header=[...], rows=[...])` writes one sheet; `workbook(Sheet(...), Sheet(...))`
    writes several in that order; `filename=` names the file.
    """

    def make(*sheets: Sheet, filename: str = "danh-sach.xlsx", **one_sheet: Any) -> Path:
        specs = list(sheets) or [Sheet(**one_sheet)]
        return write_workbook(tmp_path / filename, specs)

    return make


@pytest.fixture
def samples() -> Path:
    """The shared sample workbooks (../shared/samples next to the repository)."""
    if not SAMPLES.is_dir():
        pytest.skip(f"shared sample workbooks not found at {SAMPLES}")
    return SAMPLES


def unit_list(path: Path, rows: list[list[Any]], *, unit: str | None = "TRƯỜNG THCS LÊ LỢI",
              header: list[str], sheet: str = "DS",
              title: str = "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025", blank_lines: int = 1) -> Path:
    """The commonest unit list: its agency line, the title, blank lines, the header, the rows (through write_workbook)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    top = [[unit] if unit else [], [title], *([[]] * blank_lines)]
    return write_workbook(path, [Sheet(name=sheet, title=top, header=[header], rows=rows)])
