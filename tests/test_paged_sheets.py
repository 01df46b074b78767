"""Printed (paged) sheets written fast and the same: row heights measured as textwrap measures
them, and DanhSachTrinhKy, TongHop and DaiBieu written as XML exactly as XlsxWriter wrote them.

The old ways are kept here only, as the reference the product is compared with.
"""

from __future__ import annotations

import random
import shutil
import textwrap
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from addin import schema
from addin.demo.generate import generate_unit_workbooks
from addin.jobs import merge_job
from addin.jobs.common import effective_catalogue
from addin.jobs.printed import delegates_content, tally_content
from addin.workbook import master
from addin.workbook.master import SheetData
from addin.workbook.masterbook import print_list_sheet, read_master

NAMES = ["Nguyễn Văn An", "Trần Thị Bích Ngọc", "Lê Hoàng Phúc", "Phạm Thị Thu Hương", "Hà Văn Đức",
         "Tôn Nữ Thị Diễm Phương", "Đặng Quốc Khánh", "Y Bhăm Êban"]
WORDS = ("đạt danh hiệu giáo viên dạy giỏi cấp huyện hai năm liền có sáng kiến được công nhận cấp cơ sở "
         "hoàn thành xuất sắc nhiệm vụ năm học 2024-2025 Trường THCS Lê Lợi Tổ trưởng chuyên môn").split()
SPACES = [" ", "  ", "\t", " \t ", "\n", " \n", "\n\n", "\r", "\v", "\f", "\xa0", "   "]


def old_text_lines(text: Any, width: float) -> int:
    """text_lines as it was: every text through textwrap."""
    if text is None or text == "":
        return 1
    per_line = max(1, int(width * 0.92))
    return max(1, sum(len(textwrap.wrap(part, per_line, break_long_words=True)) or 1
                      for part in str(text).split("\n")))


def old_row_height(values: list[Any], widths: list[float]) -> float:
    lines = max((old_text_lines(v, widths[c] if c < len(widths) else 8.43) for c, v in enumerate(values)), default=1)
    return lines * master.LINE_PT + 4


def generated_texts(rng: random.Random, n: int) -> list[Any]:
    texts: list[Any] = ["", " ", "\t", "\n", " \n ", "a\tb", "\ta", "a\t", "x" * 80, "-" * 40, "a-b-c-d-e-f-g-h",
                        0, 17, 3.5, date(2024, 5, 1), True]
    for _ in range(n):
        kind = rng.randrange(6)
        if kind == 0:
            text = rng.choice(NAMES)
        elif kind == 1:  # a summary, long or short
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 60)))
        elif kind == 2:  # words glued by every kind of space, at the ends too
            parts = [rng.choice(WORDS + NAMES) for _ in range(rng.randint(1, 8))]
            text = "".join(rng.choice(SPACES) + p for p in parts) + rng.choice(SPACES + [""])
        elif kind == 3:  # a long word, broken by hyphens or not
            text = rng.choice(["", "Sáng kiến: "]) + rng.choice(["x", "ư", "-", "a-"]) * rng.randint(1, 90)
        elif kind == 4:  # exactly around the line's length
            text = "".join(rng.choice("aư ") for _ in range(rng.randint(1, 45)))
        else:
            text = "\n".join(rng.choice(NAMES + WORDS) for _ in range(rng.randint(1, 5)))
        texts.append(text)
    return texts


def test_text_lines_counts_what_textwrap_counts() -> None:
    rng = random.Random(14)
    widths = [1, 2.5, 5, 6, 8.43, 10, 12.75, 18, 22, 25 * 0.85, 30, 36, 45, 60, 120]
    texts = generated_texts(rng, 6000)
    checked = multi = 0
    for text in texts:
        for width in widths:
            assert master.text_lines(text, width) == old_text_lines(text, width), (text, width)
            checked += 1
            multi += old_text_lines(text, width) > 1
    # the strings exercise both ways: most wrap at narrow widths, many fit at wide ones
    assert checked == len(texts) * len(widths) and checked // 10 < multi < checked * 9 // 10


def old_write_pages(ws: Any, formats: dict[str, Any], sheet: SheetData, width: int, raw: Any = None) -> int:
    """_write_pages as it was: every cell through XlsxWriter."""
    widths = sheet.widths
    frame = sum(18 if r == 0 else 36 if r == 4 else master.FRAME_ROW_PT for r in range(sheet.header_row))
    used, r, breaks = frame, sheet.header_row, []
    tail = (len(sheet.notes) * 34 + (7 * master.FRAME_ROW_PT if sheet.layout and sheet.layout.signatures else 0)
            + master.FRAME_ROW_PT)

    def cells(row: int, values: list[Any], fmt: str, height: float) -> None:
        ws.set_row(row, height)
        for c, value in enumerate(values):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(row, c, value, formats[f"{fmt}_number"])
            elif value in (None, ""):
                ws.write_blank(row, c, None, formats[fmt])
            else:
                ws.write_string(row, c, str(value), formats[fmt])

    for t, table in enumerate(sheet.pages):
        # bold header words are wider than the body's: measured as if the columns were narrower
        header_h = old_row_height(table.headers, [w * 0.85 for w in widths])
        title_h = master.FRAME_ROW_PT + 4 if table.title else 0
        across = [sum(widths[:width])]
        heights = [old_row_height(v[:1], across) if i in table.headings else old_row_height(v, widths)
                   for i, v in enumerate(table.rows)]
        footer_h = sum(old_row_height(v, widths) for v in table.footer_rows)
        last_table = t == len(sheet.pages) - 1
        first_need = title_h + header_h + (heights[0] if heights else 0) + (footer_h if len(heights) <= 1 else 0)
        if t > 0:
            r += 1  # a blank row between tables
            used += master.FRAME_ROW_PT
            if table.new_page or used + first_need > master.PAGE_BUDGET_PT:
                breaks.append(r)
                used = 0
        if table.title:
            ws.set_row(r, title_h)
            master._span(ws, r, 0, width - 1, table.title, formats["title"])
            r += 1
            used += title_h
        cells(r, table.headers, "header", header_h)
        r += 1
        used += header_h
        for i, values in enumerate(table.rows):
            need = heights[i]
            if i in table.headings and i + 1 < len(table.rows):
                need += heights[i + 1]  # a heading never ends a page
            if i == len(table.rows) - 1:
                need += footer_h + (tail if last_table else 0)  # the totals and signatures stay with a row
            if used + need > master.PAGE_BUDGET_PT and used > header_h + title_h:
                breaks.append(r)
                cells(r, table.headers, "header", header_h)  # the header again, at the top of the page
                r += 1
                used = header_h
            if i in table.headings:
                ws.set_row(r, heights[i])
                master._span(ws, r, 0, width - 1, str(values[0]), formats["total"])
            else:
                cells(r, values, "cell_wrap", heights[i])
            r += 1
            used += heights[i]
        for values in table.footer_rows:
            cells(r, values, "total", old_row_height(values, widths))
            r += 1
    if breaks:
        ws.set_h_pagebreaks(breaks)
    return r - 1


@pytest.fixture(scope="module")
def merged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[SheetData]]:
    """A master of a few thousand rows from several units, and its paged sheets."""
    folder = tmp_path_factory.mktemp("paged")
    files = generate_unit_workbooks(folder / "hop-thu", n_files=6, total_rows=3000, seed=14)
    book = folder / "tong-hop.xlsx"
    merge_job(book, [str(f) for f in files])
    content = read_master(book)
    sheets = [print_list_sheet(content.rows, content.settings, effective_catalogue(content))]
    sheets += [s for s in tally_content(content, master=book).sheets + delegates_content(content, master=book).sheets
               if s.pages]
    assert [s.name for s in sheets] == [schema.PRINT_LIST, schema.TALLY, schema.DELEGATES]
    return book, sheets


def written_both_ways(book: Path | None, sheets: list[SheetData], folder: Path,
                      monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The sheets written into a copy of `book` (None: a new workbook) by the old writer and by the product's."""
    paths = []
    for way in ("old", "new"):
        path = folder / f"{way}.xlsx"
        if book is not None:
            shutil.copy(book, path)
        with monkeypatch.context() as patch:
            if way == "old":
                patch.setattr(master, "_write_pages", old_write_pages)
            master.write_sheets(path, sheets, keep_backups=0, identity=False)
        paths.append(path)
    return paths[0], paths[1]


def sheet_facts(path: Path, name: str) -> dict[str, Any]:
    """What a clerk sees and prints of a sheet: values, styles, heights, merges, page breaks, print area."""
    ws = openpyxl.load_workbook(path)[name]
    cells = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None and not cell.has_style:
                continue
            b = cell.border
            cells[cell.coordinate] = (cell.value, cell.font.b, cell.font.name, cell.font.sz, cell.alignment.wrap_text,
                                      cell.alignment.horizontal, cell.alignment.vertical, cell.number_format,
                                      cell.fill.fgColor.rgb, b.left.style, b.right.style, b.top.style, b.bottom.style)
    return {
        "cells": cells,
        "heights": {r: d.height for r, d in ws.row_dimensions.items() if d.height is not None},
        "merged": sorted(str(m) for m in ws.merged_cells.ranges),
        "breaks": [b.id for b in ws.row_breaks.brk],
        "print_area": ws.print_area,
        "first_page_header": ws.HeaderFooter.differentFirst,
    }


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.mark.parametrize("into_master", [True, False], ids=["into-the-master", "new-workbook"])
def test_paged_sheets_are_written_as_xlsxwriter_wrote_them(merged: tuple[Path, list[SheetData]], into_master: bool,
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book, sheets = merged
    old, new = written_both_ways(book if into_master else None, sheets, tmp_path, monkeypatch)
    for sheet in sheets:
        before, after = sheet_facts(old, sheet.name), sheet_facts(new, sheet.name)
        for key in before:
            assert after[key] == before[key], (sheet.name, key)
    facts = sheet_facts(new, schema.PRINT_LIST)  # the comparison had something to compare
    assert len(facts["cells"]) > 3000 * 6 and len(facts["heights"]) > 3000
    assert len(facts["merged"]) > 20 and len(facts["breaks"]) > 50 and facts["print_area"]
    assert facts["first_page_header"] is True
    assert {v[7] for v in facts["cells"].values()} == {"General"} and {v[1] for v in facts["cells"].values()} == {True, False}
    # and byte for byte: every part of the file, the styles' order too
    assert parts(new) == parts(old)


ODD_VALUES = ["", None, 0, -3, 2.5, 1e20, 2**60, True, date(2024, 5, 1), " lề trái", "lề phải ", "\tthụt", "dòng\nmới",
              "cuối dòng\n", "a\rb", "x\x01y", "_x0041_ giữ nguyên", "A & B <C> \"D\"", "\u00a0cách cứng", "😀" * 20000,
              "ư" * 40000, "\ufffe", "=1+1", "Trường THCS Lê Lợi (3)"]


@pytest.mark.parametrize("width", [1, 2, 6])
def test_odd_values_are_written_as_xlsxwriter_wrote_them(width: int, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    rows: list[list[Any]] = []
    for i in range(0, len(ODD_VALUES), width):
        rows.append(ODD_VALUES[i:i + width])
    tables = [master.PagedTable("I. BẢNG THỬ", [f"Cột {c}" for c in range(width)], rows, [[1] * width],
                                headings={0, 3}),
              master.PagedTable(None, [str(c) for c in range(width)] if width > 1 else [2024], rows[:2], new_page=False),
              master.PagedTable("", ["Tên"], [], new_page=True, headings=set())]
    layout = master.OfficialLayout(["UBND TỈNH TRÀ GIANG", "SỞ GIÁO DỤC VÀ ĐÀO TẠO"], "Trà Giang, ngày ... tháng ... năm 2025",
                                   "DANH SÁCH THỬ", signatures=[("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)", "Lê Văn A")])
    sheets = [SheetData("Trang in", [], [], widths=[12.0] * width, autofilter=False, wrap=True, notes=["Ghi chú."],
                        pages=tables, layout=layout, print_columns=width, decree_page_numbers=True),
              SheetData("Khong khung", [], [], widths=[20.0] * width, autofilter=False, wrap=True, pages=tables[:1])]
    old, new = written_both_ways(None, sheets, tmp_path, monkeypatch)
    assert parts(new) == parts(old)
    assert sheet_facts(new, "Trang in")["cells"]["A5"][0] == "DANH SÁCH THỬ"


def test_a_text_that_looks_like_markup_stays_text(tmp_path: Path) -> None:
    """XlsxWriter wrote a text between <r> and </r> as rich-text markup, unescaped (a cell Excel repairs away)."""
    sheet = SheetData("Trang in", [], [], widths=[30.0], autofilter=False, wrap=True,
                      pages=[master.PagedTable(None, ["Tóm tắt"], [["<r>chữ</r>"], ["<b>đậm</b> & nghiêng"]])])
    path = tmp_path / "in.xlsx"
    master.write_sheets(path, [sheet], keep_backups=0, identity=False)
    ws = openpyxl.load_workbook(path)["Trang in"]
    assert [ws.cell(r, 1).value for r in (1, 2, 3)] == ["Tóm tắt", "<r>chữ</r>", "<b>đậm</b> & nghiêng"]


def test_the_list_to_sign_leaves_out_earlier_years_of_a_multi_year_master() -> None:
    """Found by fresh-eyes testing: a unit's results of 2021-2025 printed each year's award as a proposal
    to sign (one teacher four times under CSTĐCS). Earlier years stay on DanhSach, and the note says so.
    Found by the benchmark's unseen data: a few rows dated next year must not push the season out."""
    from addin.catalogue import default_catalogue
    from addin.schema import MasterRow
    from addin.settings import Settings

    def row(name: str, year: str | None, code: str = "LDTT") -> MasterRow:
        return MasterRow.of(unit="Trường MN Hoa Mai", ho_ten=name, target="Cá nhân", ma=code, status="OK", nam_hoc=year)

    def printed(rows: list[MasterRow]) -> tuple[list[str], str, str]:
        sheet = print_list_sheet(rows, Settings(), default_catalogue())
        names = sorted(r[1] for t in sheet.pages for r in t.rows if len(r) > 1)
        return names, sheet.notes[0], str(sheet.layout)

    history = [row("Nguyễn Thị Hương", f"{y} - {y + 1}", "CSTDCS") for y in range(2021, 2025)]
    season = [row(f"Người {i}", "2024-2025") for i in range(6)]
    names, note, layout = printed(history + season + [row("Lê Văn Tám", None), row("Trần Văn Mới", "2025-2026")])
    assert names == sorted(["Nguyễn Thị Hương", *(f"Người {i}" for i in range(6)), "Lê Văn Tám", "Trần Văn Mới"])
    assert "3 dòng của các năm học trước năm học 2024-2025 (2021-2022, 2022-2023, 2023-2024)" in note
    assert "gồm 9 dòng" in note
    assert "Năm học 2024-2025, 2025-2026" in layout
    # no school year holds most rows: nothing is left out
    names, note, _ = printed(history)
    assert names == ["Nguyễn Thị Hương"] * 4 and "năm học trước" not in note


def test_a_themed_award_s_section_names_its_theme() -> None:
    """Found by fresh-eyes testing: the section "(cá nhân, chuyên đề)" did not say which theme."""
    from addin.catalogue import default_catalogue
    from addin.schema import MasterRow
    from addin.settings import Settings

    def row(name: str, theme: str | None) -> MasterRow:
        return MasterRow.of(unit="Trường A", ho_ten=name, target="Cá nhân", ma="BK_TINH (chuyên đề)", status="OK",
                            chuyen_de=theme, nam_hoc="2024-2025")

    sheet = print_list_sheet([row("An", "Dạy tốt, học tốt"), row("Bình", "An toàn giao thông"), row("Cúc", "Dạy tốt, học tốt")],
                             Settings(), default_catalogue())
    titles = [t.title for t in sheet.pages]
    assert titles == ["I. BẰNG KHEN CỦA CHỦ TỊCH UBND TỈNH (cá nhân, chuyên đề “An toàn giao thông”)",
                      "II. BẰNG KHEN CỦA CHỦ TỊCH UBND TỈNH (cá nhân, chuyên đề “Dạy tốt, học tốt”)"]
