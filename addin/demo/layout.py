"""How a unit lays out its list: columns, header shapes, and how each person's cells are spelled."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from addin.demo.people import Person, _AWARD_SPELLINGS, _RATING_SPELLINGS


@dataclass
class Layout:
    title: str = "official"  # official | short | oneline
    subtitle: bool = True
    birth: str = "date"  # date | year | namnu_year | namnu_date
    date_styles: tuple[str, ...] = ("date",)  # styles used for written dates (see _write_date)
    birth_header: str = "Ngày sinh"
    gender_col: bool = True
    dan_toc: bool = False
    position: str = "separate"  # separate | combined | chuc_vu_only
    award: str = "one"  # one | two (merged "Đề nghị") | two_flat (two plain columns)
    award_header: str = "Danh hiệu/Hình thức đề nghị"
    rating: bool = True
    rating_first: bool = False
    initiative: bool = True
    initiative_qd: bool = False
    summary: bool = False
    note: bool = True
    stt_header: str = "STT"
    name_header: str = "Họ và tên"
    collectives: str = "none"  # none | sections | sheets
    restart_stt: bool = True
    total_row: bool = False
    instructions: bool = False
    hidden: bool = False
    phantom_cols: int = 0
    sheet_name: str = "Danh sach"
    mess: float = 0.15  # how often a cell is spelled carelessly (case, spaces)
    gender_mess: float = 0.0


@dataclass
class Col:
    key: str
    top: str
    sub: str | None = None
    width: float = 12


_WIDTHS = {
    "stt": 5.5, "name": 24, "dob": 12.5, "gender": 7.5, "dob_nam": 11, "dob_nu": 11, "dan_toc": 8,
    "chuc_vu": 18, "don_vi": 24, "cv_dv": 32, "award": 24, "dh": 20, "ht": 22, "xep_loai": 18,
    "sang_kien": 34, "so_qd": 20, "tom_tat": 34, "ghi_chu": 12,
}


def _columns(layout: Layout, collective_sheet: bool = False) -> list[Col]:
    cols: list[Col] = [Col("stt", layout.stt_header)]
    if collective_sheet:
        cols.append(Col("name", "Tên tập thể"))
    else:
        cols.append(Col("name", layout.name_header))
        if layout.birth in ("date", "year"):
            cols.append(Col("dob", layout.birth_header))
            if layout.gender_col:
                cols.append(Col("gender", "Giới tính"))
        else:
            cols += [Col("dob_nam", layout.birth_header, "Nam"), Col("dob_nu", layout.birth_header, "Nữ")]
        if layout.dan_toc:
            cols.append(Col("dan_toc", "Dân tộc"))
        if layout.position == "separate":
            cols += [Col("chuc_vu", "Chức vụ"), Col("don_vi", "Đơn vị công tác")]
        elif layout.position == "combined":
            cols.append(Col("cv_dv", "Chức vụ, đơn vị công tác"))
        else:
            cols.append(Col("chuc_vu", "Chức vụ"))
    award_cols: list[Col]
    if layout.award == "one":
        award_cols = [Col("award", layout.award_header)]
    elif layout.award == "two":
        award_cols = [Col("dh", "Đề nghị", "Danh hiệu thi đua"), Col("ht", "Đề nghị", "Hình thức khen thưởng")]
    else:
        award_cols = [Col("dh", "Danh hiệu thi đua"), Col("ht", "Hình thức khen thưởng")]
    rating_cols = [Col("xep_loai", "Xếp loại")] if layout.rating and not collective_sheet else []
    cols += rating_cols + award_cols if layout.rating_first else award_cols + rating_cols
    if layout.initiative and not collective_sheet:
        cols.append(Col("sang_kien", "Tên sáng kiến"))
        if layout.initiative_qd:
            cols.append(Col("so_qd", "Số QĐ công nhận sáng kiến"))
    if layout.summary or collective_sheet:
        cols.append(Col("tom_tat", "Tóm tắt thành tích"))
    if layout.note:
        cols.append(Col("ghi_chu", "Ghi chú"))
    for c in cols:
        c.width = _WIDTHS[c.key]
    return cols


# --------------------------------------------------------------------------------------------
# Rendering cells


class _Speller:
    """Writes values the way one clerk does: a favourite spelling, sometimes careless."""

    def __init__(self, rng: random.Random, layout: Layout):
        self.rng = rng
        self.layout = layout
        self.fav: dict[Any, str] = {}
        for key, variants in list(_AWARD_SPELLINGS.items()) + list(_RATING_SPELLINGS.items()):
            self.fav[key] = rng.choice(variants)

    def scribble(self, text: str) -> str:
        rng = self.rng
        if not text or rng.random() >= self.layout.mess:
            return text
        r = rng.random()
        if r < 0.2:
            return text.lower()
        if r < 0.3:
            return text.upper()
        if r < 0.5:
            return text.title()
        if r < 0.75:
            parts = text.split(" ")
            if len(parts) > 1:
                i = rng.randrange(len(parts) - 1)
                parts[i] += " "
            return " ".join(parts)
        return text + " " if r < 0.9 else " " + text

    def award(self, code: str, kind: str = "TX") -> str:
        key = (code, kind)
        text = self.fav[key] if self.rng.random() < 0.6 else self.rng.choice(_AWARD_SPELLINGS[key])
        return self.scribble(text)

    def rating(self, code: str | None) -> str:
        if not code:
            return ""
        text = self.fav[code] if self.rng.random() < 0.7 else self.rng.choice(_RATING_SPELLINGS[code])
        return self.scribble(text)

    def gender(self, female: bool) -> str:
        text = "Nữ" if female else "Nam"
        if self.layout.gender_mess and self.rng.random() < self.layout.gender_mess:
            text = self.rng.choice([text.lower(), text.upper(), text + " "])
        return text

    def birth(self, p: Person) -> Any:
        if p.dob_text is not None:
            return p.dob_text
        d = p.dob
        assert d is not None
        style = self.rng.choice(self.layout.date_styles)
        if style == "date":
            return d
        if style == "dd/mm/yyyy":
            return f"{d.day:02d}/{d.month:02d}/{d.year}"
        if style == "d/m/yyyy":
            return f"{d.day}/{d.month}/{d.year}"
        if style == "dd-mm-yyyy":
            return f"{d.day:02d}-{d.month:02d}-{d.year}"
        if style == "dd.mm.yyyy":
            return f"{d.day:02d}.{d.month:02d}.{d.year}"
        if style == "year_text":
            return str(d.year)
        return d.year  # "year": a number


def _cells(p: Person, cols: list[Col], sp: _Speller, layout: Layout) -> list[Any]:
    out: list[Any] = []
    for c in cols:
        k = c.key
        if k == "stt":
            out.append(0)  # numbered when written
        elif k == "name":
            out.append(p.name)
        elif p.collective and k in ("dob", "gender", "dob_nam", "dob_nu", "dan_toc", "chuc_vu", "xep_loai",
                                    "sang_kien", "so_qd", "cv_dv"):
            out.append("")
        elif k == "dob":
            out.append(sp.birth(p))
        elif k == "gender":
            out.append(sp.gender(p.female))
        elif k == "dob_nam":
            out.append("" if p.female else sp.birth(p))
        elif k == "dob_nu":
            out.append(sp.birth(p) if p.female else "")
        elif k == "dan_toc":
            out.append(p.ethnic)
        elif k == "chuc_vu":
            out.append(p.position)
        elif k == "don_vi":
            out.append(p.workplace if not p.collective else "")
        elif k == "cv_dv":
            out.append(f"{p.position}, {p.workplace}")
        elif k == "award":
            if p.award_text is not None:
                out.append(p.award_text)
            elif p.ht is not None:
                out.append(sp.award(*p.ht))
            else:
                out.append(sp.award(p.dh) if p.dh else "")
        elif k == "dh":
            out.append(sp.award(p.dh) if p.dh else "")
        elif k == "ht":
            if p.award_text is not None:
                out.append(p.award_text)
            else:
                out.append(sp.award(*p.ht) if p.ht else "")
        elif k == "xep_loai":
            out.append(sp.rating(p.rating))
        elif k == "sang_kien":
            out.append(p.initiative)
        elif k == "so_qd":
            out.append(p.initiative_qd if p.initiative else "")
        elif k == "tom_tat":
            out.append(p.summary)
        elif k == "ghi_chu":
            out.append(p.note)
        else:  # pragma: no cover - every key is handled above
            raise KeyError(k)
    return out
