"""Writing one unit's list workbook with XlsxWriter: title block, header, rows, sections, footer."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter

from addin.demo.constants import CREATED, SCHOOL_YEAR
from addin.demo.layout import Col, Layout, _Speller, _cells, _columns
from addin.demo.people import Person, Unit, _person_name


@dataclass
class _Row:
    """A nominee row as planned: values (STT filled at write time) and what it is."""

    values: list[Any]
    person: Person
    planted: str | None = None


@dataclass
class _Section:
    label: str


@dataclass
class _Total:
    label: str
    summary: str


@dataclass
class SheetInfo:
    name: str
    rows: list[int] = field(default_factory=list)  # Excel rows (1-based) of nominee rows
    planted: list[tuple[int, str]] = field(default_factory=list)  # (Excel row, issue code)


@dataclass
class DemoFile:
    """What one generated workbook holds (for tests and for explaining the demo)."""

    path: Path
    unit: str
    individuals: int
    collectives: int
    sheets: list[SheetInfo]

    @property
    def rows(self) -> int:
        return self.individuals + self.collectives

    @property
    def planted(self) -> list[tuple[str, int, str]]:
        """(sheet, Excel row, issue code) of every planted error."""
        return [(s.name, r, code) for s in self.sheets for r, code in s.planted]


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook, size: int):
        base = {"font_name": "Times New Roman", "font_size": size, "valign": "vcenter"}

        def f(**kw: Any) -> Any:
            return wb.add_format({**base, **kw})

        self.agency = f(align="center")
        self.unit = f(align="center", bold=True)
        self.motto = f(align="center", bold=True)
        self.motto2 = f(align="center", bold=True, underline=True)
        self.dateline = f(align="center", italic=True)
        self.title = f(align="center", bold=True, font_size=size + 1, text_wrap=True)
        self.subtitle = f(align="center", italic=True)
        self.head = f(align="center", bold=True, text_wrap=True, border=1)
        self.cell = f(border=1, text_wrap=True)
        self.center = f(border=1, align="center")
        self.date = f(border=1, align="center", num_format="dd/mm/yyyy")
        self.section = f(border=1, bold=True)
        self.total = f(border=1, bold=True, align="center")
        self.total_left = f(border=1, bold=True)
        self.sign = f(align="center", bold=True)
        self.hint = f(align="center", italic=True)
        self.plain = f()
        self.blank = f(border=1)
        self.text = f(text_wrap=True, valign="top")
        self.text_bold = f(bold=True, font_size=size + 1)


_CENTERED = {"stt", "dob", "gender", "dob_nam", "dob_nu", "dan_toc", "xep_loai"}


def _merge(ws: Any, r1: int, c1: int, r2: int, c2: int, value: Any, fmt: Any) -> None:
    if r1 == r2 and c1 == c2:
        ws.write(r1, c1, value, fmt)
    else:
        ws.merge_range(r1, c1, r2, c2, value, fmt)


@dataclass
class _SheetPlan:
    name: str
    cols: list[Col]
    items: list[Any]  # _Row | _Section | _Total
    title: str
    unit: Unit
    doc_date: date
    doc_no: int


def _write_list_sheet(wb: xlsxwriter.Workbook, fm: _Formats, plan: _SheetPlan, layout: Layout,
                      rng: random.Random, head_name: str, clerk_name: str) -> tuple[Any, SheetInfo]:
    ws = wb.add_worksheet(plan.name)
    info = SheetInfo(plan.name)
    cols = plan.cols
    ncols = len(cols)
    last = ncols - 1
    unit = plan.unit
    d = plan.doc_date
    for i, c in enumerate(cols):
        ws.set_column(i, i, c.width)

    # title block
    r = 0
    left_end = max(1, min(3, ncols // 2 - 1))
    if layout.title == "official":
        _merge(ws, 0, 0, 0, left_end, unit.parent_line, fm.agency)
        _merge(ws, 0, left_end + 1, 0, last, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", fm.motto)
        _merge(ws, 1, 0, 1, left_end, unit.unit_line, fm.unit)
        _merge(ws, 1, left_end + 1, 1, last, "Độc lập - Tự do - Hạnh phúc", fm.motto2)
        _merge(ws, 2, left_end + 1, 2, last,
               f"{unit.place}, ngày {d.day} tháng {d.month} năm {d.year}", fm.dateline)
        _merge(ws, 4, 0, 4, last, plan.title, fm.title)
        ws.set_row(4, 22)
        r = 5
        if layout.subtitle:
            _merge(ws, 5, 0, 5, last,
                   f"(Kèm theo Tờ trình số {plan.doc_no}/TTr-{unit.abbrev} ngày {d.day}/{d.month}/{d.year} "
                   f"của {unit.name})", fm.subtitle)
            r = 6
        if rng.random() < 0.5:
            r += 1  # a blank row before the header
    elif layout.title == "short":
        ws.write_string(0, 0, unit.unit_line, fm.text_bold)
        _merge(ws, 1, 0, 1, last, plan.title, fm.title)
        r = 2 + (1 if rng.random() < 0.5 else 0)
    else:
        _merge(ws, 0, 0, 0, last, f"{plan.title} \u2013 {unit.unit_line}", fm.title)
        r = 2

    # header
    header_top = r
    two_rows = any(c.sub for c in cols)
    if two_rows:
        i = 0
        while i < ncols:
            c = cols[i]
            if c.sub is None:
                ws.merge_range(r, i, r + 1, i, c.top, fm.head)
                i += 1
                continue
            j = i
            while j + 1 < ncols and cols[j + 1].sub is not None and cols[j + 1].top == c.top:
                j += 1
            _merge(ws, r, i, r, j, c.top, fm.head)
            for k in range(i, j + 1):
                ws.write_string(r + 1, k, cols[k].sub or "", fm.head)
            i = j + 1
        ws.set_row(r, 33)
        ws.set_row(r + 1, 33)
        r += 2
    else:
        for i, c in enumerate(cols):
            ws.write_string(r, i, c.top, fm.head)
        ws.set_row(r, 48)
        r += 1
    header_bottom = r - 1
    if layout.phantom_cols:
        for k in range(ncols, ncols + layout.phantom_cols):
            ws.write_blank(header_top, k, None, fm.blank)

    # data
    colfmt = [fm.center if c.key in _CENTERED else fm.cell for c in cols]
    stt_col = 0
    name_col = next(i for i, c in enumerate(cols) if c.key == "name")
    award_col = next(i for i, c in enumerate(cols) if c.key in ("award", "dh"))
    stt = 0
    write_string = ws.write_string
    write_number = ws.write_number
    write_blank = ws.write_blank
    write_datetime = ws.write_datetime
    fdate = fm.date
    for item in plan.items:
        if isinstance(item, _Row):
            stt += 1
            vals = item.values
            vals[stt_col] = stt
            for c, v in enumerate(vals):
                if v.__class__ is str:
                    if v:
                        write_string(r, c, v, colfmt[c])
                    else:
                        write_blank(r, c, None, colfmt[c])
                elif v.__class__ is date:
                    write_datetime(r, c, v, fdate)
                else:
                    write_number(r, c, v, colfmt[c])
            info.rows.append(r + 1)
            if item.planted:
                info.planted.append((r + 1, item.planted))
        elif isinstance(item, _Section):
            if layout.restart_stt:
                stt = 0
            _merge(ws, r, 0, r, last, item.label, fm.section)
        else:
            for c in range(ncols):
                write_blank(r, c, None, fm.blank)
            if name_col == 1 and rng.random() < 0.5:
                ws.merge_range(r, 0, r, 1, item.label, fm.total)
            else:
                write_string(r, name_col, item.label, fm.total_left)
            write_string(r, award_col, item.summary, fm.total_left)
        r += 1
    if layout.phantom_cols and info.rows:
        for k in range(ncols, ncols + layout.phantom_cols):
            ws.write_blank(r - 1, k, None, fm.blank)

    # footer
    r += 1
    right1 = max(left_end + 1, ncols - 4)
    _merge(ws, r, 0, r, min(2, right1 - 1), "NGƯỜI LẬP BIỂU", fm.sign)
    _merge(ws, r, right1, r, last, unit.head_title, fm.sign)
    _merge(ws, r + 1, 0, r + 1, min(2, right1 - 1), "(Ký, ghi rõ họ tên)", fm.hint)
    _merge(ws, r + 1, right1, r + 1, last, "(Ký tên, đóng dấu)", fm.hint)
    r += 6
    _merge(ws, r, 0, r, min(2, right1 - 1), clerk_name, fm.sign)
    _merge(ws, r, right1, r, last, head_name, fm.sign)

    # print setup: clerks print and sign these
    ws.set_paper(9)
    if ncols > 7:
        ws.set_landscape()
    ws.set_margins(left=0.5, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_top, header_bottom)
    return ws, info


_INSTRUCTIONS = [
    "HƯỚNG DẪN LẬP DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG",
    "1. Ghi đầy đủ họ và tên (có dấu), không viết tắt; sắp xếp theo thứ tự danh hiệu, hình thức đề nghị.",
    "2. Ngày sinh ghi theo định dạng ngày/tháng/năm (ví dụ 05/09/1985).",
    "3. Danh hiệu thi đua: Lao động tiên tiến, Chiến sĩ thi đua cơ sở, Chiến sĩ thi đua cấp tỉnh; "
    "tập thể: Tập thể lao động tiên tiến, Tập thể lao động xuất sắc.",
    "4. Hình thức khen thưởng: Giấy khen, Bằng khen của Chủ tịch UBND tỉnh, Bằng khen của Thủ tướng Chính phủ.",
    "5. Xếp loại: ghi kết quả đánh giá, xếp loại viên chức năm học (Hoàn thành xuất sắc nhiệm vụ, "
    "Hoàn thành tốt nhiệm vụ).",
    "6. Cá nhân đề nghị Chiến sĩ thi đua cơ sở ghi rõ tên sáng kiến và số quyết định công nhận.",
    "7. Gửi bản Excel và bản scan có chữ ký, đóng dấu về Thường trực Hội đồng Thi đua - Khen thưởng "
    f"trước ngày 25/5/{2025}.",
]


def _write_instructions(wb: xlsxwriter.Workbook, fm: _Formats) -> None:
    ws = wb.add_worksheet("Hướng dẫn")
    ws.set_column(0, 0, 110)
    ws.write_string(0, 0, _INSTRUCTIONS[0], fm.text_bold)
    for i, line in enumerate(_INSTRUCTIONS[1:], start=2):
        ws.write_string(i, 0, line, fm.text)


_LOOKUP_DH = ["Lao động tiên tiến", "Chiến sĩ thi đua cơ sở", "Chiến sĩ thi đua cấp tỉnh",
              "Tập thể lao động tiên tiến", "Tập thể lao động xuất sắc"]
_LOOKUP_HT = ["Giấy khen", "Bằng khen của Chủ tịch UBND tỉnh", "Bằng khen của Bộ trưởng Bộ GD&ĐT",
              "Bằng khen của Thủ tướng Chính phủ", "Kỷ niệm chương \"Vì sự nghiệp giáo dục\""]
_LOOKUP_XL = ["Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ", "Hoàn thành nhiệm vụ",
              "Không hoàn thành nhiệm vụ"]


def _write_lookup(wb: xlsxwriter.Workbook, fm: _Formats) -> str:
    """A hidden sheet with drop-down lists, as in templates sent out by the Sở."""
    name = "DanhMuc"
    ws = wb.add_worksheet(name)
    for c, items in enumerate((_LOOKUP_DH, _LOOKUP_HT, _LOOKUP_XL)):
        for r, v in enumerate(items):
            ws.write_string(r, c, v, fm.plain)
    ws.hide()
    return name


def _write_workbook(path: Path, unit: Unit, layout: Layout, people: list[Person], collectives: list[Person],
                    rng: random.Random, doc_date: date, planted: dict[int, str] | None = None,
                    duplicates: list[tuple[int, int]] | None = None) -> DemoFile:
    """Write one unit workbook. `duplicates` = (source index, insert position) among individuals."""
    sp = _Speller(rng, layout)
    wide = len(_columns(layout)) > 10
    wb = xlsxwriter.Workbook(str(path), {
        "in_memory": True, "strings_to_urls": False, "strings_to_formulas": False,
        "default_format_properties": {"font_name": "Times New Roman", "font_size": 12 if wide else 13},
    })
    wb.set_properties({"created": CREATED, "author": "Văn thư", "title": "Danh sách đề nghị khen thưởng",
                       "company": unit.name})
    fm = _Formats(wb, 12 if wide else 13)
    doc_no = rng.randint(12, 95)
    year = SCHOOL_YEAR

    def rows_of(persons: list[Person], cols: list[Col]) -> list[_Row]:
        return [_Row(_cells(p, cols, sp, layout), p, p.planted) for p in persons]

    ind_cols = _columns(layout)
    ind_rows = rows_of(people, ind_cols)
    for src, pos in duplicates or []:
        dup = _Row(list(ind_rows[src].values), ind_rows[src].person, "duplicate-in-file")
        ind_rows.insert(pos, dup)

    head = people[0].name if people and people[0].position == unit.head_position else _person_name(
        rng, rng.random() < 0.6, "Kinh")
    clerk = _person_name(rng, rng.random() < 0.7, "Kinh")

    plans: list[_SheetPlan] = []
    if layout.collectives == "sheets" and collectives:
        col_layout_cols = _columns(layout, collective_sheet=True)
        plans.append(_SheetPlan("Cá nhân", ind_cols, list(ind_rows),
                                f"DANH SÁCH CÁ NHÂN ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC {year}", unit, doc_date, doc_no))
        plans.append(_SheetPlan("Tập thể", col_layout_cols, list(rows_of(collectives, col_layout_cols)),
                                f"DANH SÁCH TẬP THỂ ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC {year}", unit, doc_date, doc_no))
    elif layout.collectives == "sections" and collectives:
        items: list[Any] = [_Section("I. CÁ NHÂN"), *ind_rows, _Section("II. TẬP THỂ"),
                            *rows_of(collectives, ind_cols)]
        if layout.total_row:
            items.append(_Total("Tổng cộng", f"{len(ind_rows)} cá nhân, {len(collectives)} tập thể"))
        plans.append(_SheetPlan(layout.sheet_name, ind_cols, items,
                                f"DANH SÁCH CÁ NHÂN, TẬP THỂ ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC {year}",
                                unit, doc_date, doc_no))
    else:
        items = list(ind_rows)
        if layout.total_row:
            items.append(_Total("Tổng cộng", f"{len(ind_rows)} cá nhân"))
        title = rng.choice([
            f"DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC {year}",
            f"DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC {year}",
            f"DANH SÁCH ĐỀ NGHỊ CÔNG NHẬN DANH HIỆU THI ĐUA VÀ HÌNH THỨC KHEN THƯỞNG NĂM HỌC {year}",
        ])
        plans.append(_SheetPlan(layout.sheet_name, ind_cols, items, title, unit, doc_date, doc_no))

    if layout.instructions:
        _write_instructions(wb, fm)
    sheets: list[SheetInfo] = []
    first_data = None
    for plan in plans:
        ws, info = _write_list_sheet(wb, fm, plan, layout, rng, head, clerk)
        first_data = first_data or ws
        sheets.append(info)
    if layout.hidden:
        lookup = _write_lookup(wb, fm)
        plan = plans[0]
        keys = [c.key for c in plan.cols]
        if info_rows := sheets[0].rows:
            r1, r2 = info_rows[0] - 1, info_rows[-1] - 1
            for key, col in (("award", "A"), ("dh", "A"), ("ht", "B"), ("xep_loai", "C")):
                if key in keys:
                    c = keys.index(key)
                    n = {"A": len(_LOOKUP_DH), "B": len(_LOOKUP_HT), "C": len(_LOOKUP_XL)}[col]
                    first_data.data_validation(r1, c, r2, c, {
                        "validate": "list", "source": f"={lookup}!${col}$1:${col}${n}",
                        "error_type": "information", "ignore_blank": True,
                    })
    if layout.instructions and first_data is not None:
        first_data.activate()
    wb.close()
    return DemoFile(path=path, unit=unit.name, individuals=len(people), collectives=len(collectives),
                    sheets=sheets)
