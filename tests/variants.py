"""Unit-workbook variants whose truth is known: a generator, and the measures the property tests assert.

`make_variant(seed)` draws one unit's list from the quirk classes units really send (domain.md
§4-§5: title blocks, "Đơn vị:" lines, one- or two-row merged headers, Nam|Nữ birth columns,
column-number rows, sections, "Tổng cộng" rows, signature blocks, phantom columns, header
synonyms and orders, generic sheet names, every kind of unit evidence, award spellings,
multi-year lists and the four ways of writing a date). It is pure and deterministic: the same
seed gives the same plan, and `write_variant` the same bytes (XlsxWriter, fixed properties).
Every variant carries its truth: the unit, every nominee row (where it is, name, target, birth,
award code and kind, school year) and the expected tally. All variants are clean: a correct
reader raises no error on any of them.

`measure_files` and `measure_merge` run the product over a corpus and return what went wrong
as numbers (rows unaccounted for, units confused, false errors, tally differences), with the
quirk classes of the failing files; tests/test_variants.py asserts them, and
benchmarks/variants.py prints them for a large corpus.

Legacy fonts (TCVN3/VNI) are left out: viparse only decodes (it has no encoder), and an
encoder written here would test the product against our own guess of the tables.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

CA_NHAN, TAP_THE = "ca_nhan", "tap_the"
TX, DX, CD = "thuong_xuyen", "dot_xuat", "chuyen_de"

# ---------------------------------------------------------------------------
# Units

# (kind key, full name word, title-block capitals, short form used in file names)
_SCHOOL_TYPES = [
    ("TH", "Trường Tiểu học", "TRƯỜNG TIỂU HỌC", "TH"),
    ("THCS", "Trường THCS", "TRƯỜNG TRUNG HỌC CƠ SỞ", "THCS"),
    ("MN", "Trường Mầm non", "TRƯỜNG MẦM NON", "MN"),
    ("THPT", "Trường THPT", "TRƯỜNG THPT", "THPT"),
]
_PLACES = [
    "Kiến Bình", "Hòa Điền", "Hướng Dương", "Nguyễn Du", "Lê Lợi", "Tân Thạnh", "Phú Mỹ", "Vĩnh Hòa",
    "Bình Minh", "An Thạnh", "Quang Trung", "Trần Phú", "Hòa Bình", "Thạnh Phú", "Mỹ Lâm", "Kiên Lương",
    "Sơn Hải", "Bình An", "Dương Hòa", "Thuận Yên", "Hà Tiên", "Tô Châu", "Đông Hồ", "Mỹ Đức",
    "Phú Lợi", "Vĩnh Điều", "Tân Khánh Hòa", "Giang Thành", "Hòn Đất", "Sóc Sơn", "Mỹ Thái", "Lình Huỳnh",
    "Thổ Sơn", "Nam Thái Sơn", "Bình Giang", "Bình Sơn", "Mỹ Hiệp Sơn", "Mỹ Phước", "Nam Du", "Lại Sơn",
]
_NUMBERS = [None] + list(range(1, 21))
_DISTRICTS = ["Kiên Lương", "Hòn Đất", "Giang Thành", "Châu Thành", "Tân Hiệp", "Gò Quao"]


@dataclass(frozen=True)
class Unit:
    kind: str
    place: str
    number: int | None

    @property
    def _type(self) -> tuple[str, str, str, str]:
        return next(t for t in _SCHOOL_TYPES if t[0] == self.kind)

    @property
    def tail(self) -> str:
        return self.place + (f" {self.number}" if self.number else "")

    @property
    def name(self) -> str:
        """The unit's proper name: "Trường Tiểu học Kiến Bình 1"."""
        return f"{self._type[1]} {self.tail}"

    @property
    def short(self) -> str:
        """How colleagues write it in a post: "Trường TH Kiến Bình 1"."""
        return f"Trường {self.kind} {self.tail}"

    @property
    def capitals(self) -> str:
        return f"{self._type[2]} {self.tail.upper()}"

    @property
    def ascii_short(self) -> str:
        """How it reads in a file name typed without diacritics: "TH Kien Binh 1"."""
        return strip_accents(f"{self._type[3]} {self.tail}")


def unit_pool() -> list[Unit]:
    return [Unit(t[0], p, n) for t in _SCHOOL_TYPES for p in _PLACES for n in _NUMBERS]


def strip_accents(text: str) -> str:
    text = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFC", "".join(ch for ch in text if unicodedata.category(ch) != "Mn"))


_UNIT_EQUIV = [
    (r"\btrường tiểu học\b", "trường th"), (r"\btiểu học\b", "th"),
    (r"\btrung học cơ sở\b", "thcs"), (r"\btrung học phổ thông\b", "thpt"),
    (r"\bmầm non\b", "mn"), (r"\bmẫu giáo\b", "mg"),
]


def unit_words(name: str | None) -> str:
    """A unit name reduced to what identifies it: case, accents, spacing and the usual abbreviations.

    Written here, not taken from the product, so that the tests judge the product's answer
    with a rule of their own: "TH Kien Binh 1" and "Trường Tiểu học Kiến Bình 1" are one unit.
    """
    if not name:
        return ""
    key = unicodedata.normalize("NFC", name).casefold()
    for pattern, replacement in _UNIT_EQUIV:
        key = re.sub(pattern, replacement, key)
    key = strip_accents(key)
    key = " ".join(re.sub(r"[^\w&]+", " ", key).split())
    return key.removeprefix("truong ")


def same_unit(found: str | None, truth: str) -> bool:
    return bool(found) and unit_words(found) == unit_words(truth)


# ---------------------------------------------------------------------------
# People, collectives and awards

_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
             "Ngô", "Dương", "Lý"]
_MIDDLE_MALE = ["Văn", "Hữu", "Minh", "Quốc", "Thanh", "Đức", "Công"]
_MIDDLE_FEMALE = ["Thị", "Ngọc", "Thu", "Kim", "Thanh", "Mỹ", "Hoài"]
_GIVEN_MALE = ["An", "Bình", "Cường", "Hùng", "Nam", "Quân", "Sơn", "Tuấn", "Khoa", "Phúc", "Toàn", "Hải"]
_GIVEN_FEMALE = ["Dung", "Hạnh", "Hoa", "Lan", "Linh", "Mai", "Phương", "Thảo", "Trang", "Uyên", "Yến", "Thủy"]
_POSITIONS = ["Giáo viên", "Giáo viên", "Giáo viên", "Hiệu trưởng", "Phó Hiệu trưởng", "Tổ trưởng chuyên môn",
              "Kế toán", "Nhân viên văn thư", "Tổng phụ trách Đội"]
_GROUPS = ["Tổ Toán", "Tổ Ngữ văn", "Tổ 1 - 2", "Tổ Chuyên môn 3", "Tổ Văn phòng", "Tổ Khoa học tự nhiên",
           "Tổ 4 - 5"]

INDIVIDUAL_AWARDS = [("LDTT", TX)] * 6 + [("CSTDCS", TX)] * 3 + [
    ("GK", TX), ("GK", DX), ("GK", CD), ("BK_TINH", TX), ("BK_TINH", DX), ("BK_TINH", CD), ("KNC_GD", TX),
    ("BK_TTG", TX), ("CSTD_TINH", TX), ("BK_BO", TX),
]
COLLECTIVE_AWARDS = [("TTLDTT", TX), ("TTLDTT", TX), ("TTLDXS", TX), ("GK", TX), ("BK_TINH", TX),
                     ("BK_TINH", CD), ("CO_TINH", TX)]
TITLES = {"LDTT", "CSTDCS", "CSTD_TINH", "TTLDTT", "TTLDXS"}  # danh hiệu; the rest are hình thức

_CANONICAL = {
    "LDTT": "Lao động tiên tiến", "CSTDCS": "Chiến sĩ thi đua cơ sở", "CSTD_TINH": "Chiến sĩ thi đua cấp tỉnh",
    "GK": "Giấy khen", "BK_TINH": "Bằng khen của Chủ tịch UBND tỉnh", "BK_BO": "Bằng khen của Bộ trưởng Bộ GD&ĐT",
    "BK_TTG": "Bằng khen của Thủ tướng Chính phủ", "KNC_GD": "Kỷ niệm chương \"Vì sự nghiệp giáo dục\"",
    "TTLDTT": "Tập thể lao động tiên tiến", "TTLDXS": "Tập thể lao động xuất sắc", "CO_TINH": "Cờ thi đua của UBND tỉnh",
}
_ABBREVIATED = {
    "LDTT": ["LĐTT", "LĐ tiên tiến"], "CSTDCS": ["CSTĐCS", "CSTĐ cơ sở", "CSTĐ cấp cơ sở"],
    "CSTD_TINH": ["CSTĐ cấp tỉnh"], "GK": ["GK", "Giấy khen của Hiệu trưởng", "Giấy khen Trưởng phòng GD&ĐT"],
    "BK_TINH": ["BK UBND tỉnh", "BK Chủ tịch UBND tỉnh", "Bằng khen UBND tỉnh"], "BK_BO": ["BK Bộ GD&ĐT"],
    "BK_TTG": ["BK TTg", "Bằng khen Thủ tướng CP"], "KNC_GD": ["KNC Vì sự nghiệp GD", "KNC VSNGD"],
    "TTLDTT": ["TTLĐTT", "Tập thể LĐTT"], "TTLDXS": ["Tập thể LĐXS", "TTLĐXS"],
    "CO_TINH": ["Cờ thi đua UBND tỉnh", "Cờ thi đua xuất sắc UBND tỉnh"],
}
_I_Y = {
    "CSTDCS": ["Chiến sỹ thi đua cơ sở"], "CSTD_TINH": ["Chiến sỹ thi đua cấp tỉnh"],
    "KNC_GD": ["Kỉ niệm chương Vì sự nghiệp giáo dục", "Kỉ niệm chương \"Vì sự nghiệp giáo dục\""],
}
# The kind inside the phrase, not after it.
_KIND_INSIDE = {
    ("BK_TINH", CD): "Bằng khen chuyên đề của Chủ tịch UBND tỉnh",
    ("BK_TINH", DX): "Bằng khen đột xuất của Chủ tịch UBND tỉnh",
    ("GK", DX): "Giấy khen đột xuất của Hiệu trưởng",
    ("GK", CD): "Giấy khen chuyên đề của Trưởng phòng GD&ĐT",
}
_THEMES = ["“Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh”", "\"Dạy tốt - học tốt\"",
           "\"Xây dựng trường học thân thiện\"", "“Chuyển đổi số trong giáo dục”"]


def award_spelling(rng: random.Random, code: str, kind: str, plain: bool = False) -> tuple[str, str]:
    """(text as a clerk writes it, quirk class) for an award of a kind; `plain`: the catalogue's name."""
    options: list[tuple[str, str]] = []
    base = _CANONICAL[code]
    if plain:
        word = {TX: "", DX: " (đột xuất)", CD: " (chuyên đề)"}[kind]
        return base + word, "award-canonical" if kind == TX else "award-kind-suffix"
    if kind == TX:
        options.append((base, "award-canonical"))
        options.append((rng.choice([base.upper(), base.lower(), base.title()]), "award-case"))
        options += [(t, "award-abbrev") for t in _ABBREVIATED.get(code, [])]
        options += [(t, "award-i-y") for t in _I_Y.get(code, [])]
        options.append(("  " + base.replace(" ", "  ", 1) + " ", "award-spaces"))
    else:
        word = "đột xuất" if kind == DX else "chuyên đề"
        options.append((f"{base} ({word})", "award-kind-suffix"))
        options += [(f"{t} ({word})", "award-abbrev") for t in _ABBREVIATED.get(code, [])[:1]]
        if (code, kind) in _KIND_INSIDE:
            options.append((_KIND_INSIDE[(code, kind)], "award-kind-inside"))
        if kind == CD:
            options.append((f"{base} chuyên đề {rng.choice(_THEMES)}", "award-theme-quoted"))
    return rng.choice(options)


# ---------------------------------------------------------------------------
# The truth


@dataclass(frozen=True)
class TruthRow:
    sheet: str
    row: int  # Excel row number (1-based)
    name: str
    target: str  # ca_nhan / tap_the
    birth_year: int | None
    birth_date: date | None  # None when only the year is written
    code: str
    kind: str
    school_year: str | None  # "2015-2016"; None when the file does not say


@dataclass
class Variant:
    seed: int
    unit: str  # the unit's proper name
    filename: str
    quirks: tuple[str, ...]
    rows: list[TruthRow]
    sheets: list["SheetPlan"] = field(repr=False, default_factory=list)

    def tally(self) -> Counter:
        """Expected count per (award code, target, kind)."""
        return Counter((r.code, r.target, r.kind) for r in self.rows)


@dataclass
class SheetPlan:
    name: str
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)  # (row, col) 0-based -> value
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    phantom: int = 0  # formatted empty columns right of the table
    width: int = 0
    height: int = 0

    def put(self, r: int, c: int, value: Any) -> None:
        if value is not None and value != "":
            self.cells[(r, c)] = value
        self.width = max(self.width, c + 1)
        self.height = max(self.height, r + 1)

    def row(self, r: int, values: list[Any]) -> None:
        for c, v in enumerate(values):
            self.put(r, c, v)
        self.height = max(self.height, r + 1)


# ---------------------------------------------------------------------------
# Drawing a variant

GENERIC_SHEETS = ["Tổng hợp", "Tong hop", "Sheet1", "DS", "Danh sách", "KQ 2015-2020"]
GENERIC_FILES = ["Danh sach de nghi.xlsx", "DS khen thuong.xlsx", "Mau 01.xlsx", "Tong hop.xlsx",
                 "KQ 2015-2020.xlsx", "de nghi KT.xlsx"]
EVIDENCE = ["unit-title", "unit-template", "unit-don-vi", "unit-combined", "unit-collective", "unit-filename",
            "unit-sheet"]


@dataclass
class _Person:
    name: str
    gender: str  # nam / nu
    born: date
    position: str


@dataclass
class _Entry:
    name: str
    target: str
    person: _Person | None
    code: str
    kind: str
    school_year: str | None
    text: str  # the award as written
    rating: str | None = None


def _people(rng: random.Random, n: int) -> list[_Person]:
    out: list[_Person] = []
    seen: set[str] = set()
    while len(out) < n:
        gender = rng.choice(["nam", "nu"])
        middle = rng.choice(_MIDDLE_MALE if gender == "nam" else _MIDDLE_FEMALE)
        given = rng.choice(_GIVEN_MALE if gender == "nam" else _GIVEN_FEMALE)
        name = f"{rng.choice(_SURNAMES)} {middle} {given}"
        if name in seen:
            continue
        seen.add(name)
        born = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 365 * 35))
        out.append(_Person(name, gender, born, rng.choice(_POSITIONS)))
    return out


def make_variant(seed: int, unit: Unit | None = None, *, force: dict[str, Any] | None = None) -> Variant:
    """One unit's list, drawn from the quirk classes by `seed`; `force` pins choices (see CASES)."""
    rng = random.Random(seed)
    force = force or {}
    plain = force.get("plain", False)  # only the forced quirks: an edge case that shows one thing
    unit = unit or rng.choice(unit_pool())
    quirks: list[str] = []

    def pick(key: str, chance: float) -> bool:
        on = force[key] if key in force else (not plain and rng.random() < chance)
        if on:
            quirks.append(key)
        return on

    multi_year = pick("multi-year", 0.3)
    years: list[str]
    if multi_year:
        start = force.get("start-year") or rng.randrange(2015, 2021)
        years = [f"{y}-{y + 1}" for y in range(start, start + (force.get("n-years") or rng.randint(2, 5)))]
        spaced = pick("years-spaced", 0.5)
    else:
        y = rng.randrange(2019, 2026)
        years = [f"{y}-{y + 1}"]
        spaced = False
    per_award = pick("one-row-per-award", 0.35)

    # Unit evidence: one main kind, sometimes a second one beside it.
    main = force.get("evidence") or rng.choice(EVIDENCE)
    evidence = {main}
    if "evidence" not in force and not plain and rng.random() < 0.3:
        evidence.add(rng.choice(EVIDENCE))
    quirks += sorted(evidence)
    title_block = "unit-title" in evidence or pick("title-block", 0.5)
    if not title_block:
        quirks.append("no-title")

    # Who is proposed for what.
    n_collectives = force.get("collectives", rng.choice([0, 0, 1, 2]))
    if "unit-collective" in evidence:
        n_collectives = max(n_collectives, 1)
    two_sheets = n_collectives > 0 and "unit-sheet" not in evidence and pick("two-sheets", 0.15)
    budget = force.get("rows") or rng.randint(3, 15 - n_collectives)
    if multi_year:
        n_people = max(2, min(4, budget // len(years)))
    else:
        n_people = max(3, budget)
    people = _people(rng, n_people)
    rated = pick("rating-column", 0.4)
    entries: list[_Entry] = []
    year_text = (lambda y: y.replace("-", " - ")) if spaced else (lambda y: y)
    for year in years:
        for p in people:
            codes = [INDIVIDUAL_AWARDS[rng.randrange(len(INDIVIDUAL_AWARDS))]]
            if multi_year:
                codes = [rng.choice([("LDTT", TX), ("LDTT", TX), ("CSTDCS", TX)])]
            if per_award and (codes[0] == ("CSTDCS", TX) or rng.random() < 0.3):
                # a second award, never the first one again (that would be a real duplicate row)
                second = ("GK", TX) if codes[0] != ("GK", TX) else ("LDTT", TX)
                codes = [("LDTT", TX), ("CSTDCS", TX)] if codes[0] == ("CSTDCS", TX) else [codes[0], second]
            for code, kind in codes:
                text, tag = award_spelling(rng, code, kind, plain)
                quirks.append(tag)
                rating = None
                if rated:
                    rating = "HTXSNV" if code == "CSTDCS" else rng.choice(["HTXSNV", "HTTNV", "Hoàn thành tốt nhiệm vụ"])
                entries.append(_Entry(p.name, CA_NHAN, p, code, kind, year, text, rating))
    # 3-15 rows: one row per award can double a person's rows, so whole people go until it fits.
    while len(entries) > 15 - n_collectives and len({e.name for e in entries}) > 1:
        last = entries[-1].name
        entries = [e for e in entries if e.name != last]
    for j, (code, kind, text) in enumerate(force.get("awards", [])):
        e = entries[j]
        rating = ("HTXSNV" if code == "CSTDCS" else "HTTNV") if rated else None
        entries[j] = _Entry(e.name, e.target, e.person, code, kind, e.school_year, text, rating)
        quirks.append("award-forced")
    groups = rng.sample(_GROUPS, k=min(n_collectives, len(_GROUPS)))
    if "unit-collective" in evidence:
        groups[0] = unit.short if rng.random() < 0.5 else unit.name
    for g in groups:
        year = years[-1]
        code, kind = rng.choice(COLLECTIVE_AWARDS)
        if g in (unit.short, unit.name):
            code, kind = rng.choice([("TTLDTT", TX), ("TTLDXS", TX), ("CO_TINH", TX), ("BK_TINH", TX)])
        text, tag = award_spelling(rng, code, kind, plain)
        quirks.append(tag)
        entries.append(_Entry(g, TAP_THE, None, code, kind, year, text))

    # Layout.
    sections = n_collectives > 0 and not two_sheets and pick("sections", 0.5)
    if not sections and not two_sheets and n_collectives:
        quirks.append("mixed-targets")
    columns = _columns(rng, evidence, multi_year, rated, pick, plain)
    style = force.get("dates") or ("date-text" if plain else None) or rng.choice(["date-cell", "date-text", "date-serial", "date-year"])
    quirks.append(style)
    if two_sheets:
        sheet_names = ["Cá nhân", "Tập thể"]
        quirks.append("sheets-ca-nhan-tap-the")
    elif "unit-sheet" in evidence:
        sheet_names = [unit.short.removeprefix("Trường ") if rng.random() < 0.5 else unit.short]
    else:
        generic = force.get("sheet") or rng.choice(GENERIC_SHEETS + (["Cá nhân"] if not n_collectives else []))
        sheet_names = [generic]
        quirks.append("sheet-" + strip_accents(generic).lower().replace(" ", "-"))

    if "unit-filename" in evidence:
        span = f"{years[0][:4]}-{years[-1][5:]}" if multi_year else years[0]
        filename = f"{unit.ascii_short} - KT {span}.xlsx"
    else:
        filename = force.get("filename") or rng.choice(GENERIC_FILES)

    layout = {
        "title": title_block,
        "unit_in_title": "unit-title" in evidence,
        "template": "unit-template" in evidence,
        "two_row": pick("two-row-header", 0.45),
        "numbers": pick("column-numbers", 0.3),
        "total": pick("total-row", 0.3),
        "footer": pick("footer", 0.6),
        "footer_date": False,
        "phantom": pick("phantom-columns", 0.2),
        "synonyms": pick("header-synonyms", 0.6),
        # collectives have no workplace of their own: the column is often left empty for them
        "group_workplace": force.get("collective-workplace", rng.random() < 0.5),
        "sections": sections,
        "multi_year": multi_year,
        "years": years,
    }
    if layout["footer"]:
        layout["footer_date"] = pick("footer-date-line", 0.4)
        layout["footer_date_last"] = force.get("footer-date-last", rng.random() < 0.5)
    if two_sheets:
        parts = [[e for e in entries if e.target == CA_NHAN], [e for e in entries if e.target == TAP_THE]]
    else:
        parts = [sorted(entries, key=lambda e: e.target == TAP_THE) if sections else entries]
        if not sections and not multi_year:
            rng.shuffle(parts[0])
    sheets: list[SheetPlan] = []
    truth: list[TruthRow] = []
    for name, part in zip(sheet_names, parts):
        plan, rows = _draw_sheet(rng, name, part, unit, columns, layout, style, year_text)
        sheets.append(plan)
        truth += rows
    return Variant(seed=seed, unit=unit.name, filename=filename, quirks=tuple(dict.fromkeys(quirks)), rows=truth,
                   sheets=sheets)


# Header synonyms per column (one-row header text).
_HEADERS = {
    "stt": ["STT", "TT", "Số TT"],
    "name": ["Họ và tên", "Họ tên", "Họ và tên cá nhân, tập thể", "Ông (bà)"],
    "birth": ["Ngày sinh", "Ngày, tháng, năm sinh", "Năm sinh", "Ngày tháng năm sinh"],
    "gender": ["Giới tính", "Nam/Nữ"],
    "position": ["Chức vụ", "Chức danh", "Chức vụ (chức danh)"],
    "don_vi": ["Đơn vị công tác", "Đơn vị", "Nơi công tác"],
    "combined": ["Chức vụ, đơn vị công tác", "Chức vụ và đơn vị công tác", "Chức vụ - Đơn vị công tác"],
    "award": ["Đề nghị khen thưởng", "Danh hiệu đề nghị", "Hình thức khen thưởng đề nghị",
              "Danh hiệu thi đua/Hình thức khen thưởng"],
    "title": ["Danh hiệu thi đua", "Danh hiệu"],
    "form": ["Hình thức khen thưởng", "Hình thức"],
    "rating": ["Xếp loại", "Kết quả đánh giá, xếp loại", "Xếp loại viên chức"],
    "year": ["Năm học"],
    "note": ["Ghi chú"],
}


def _columns(rng: random.Random, evidence: set[str], multi_year: bool, rated: bool, pick: Any,
             plain: bool) -> list[str]:
    cols = ["name"]
    if pick("birth-nam-nu", 0.3):
        cols.append("birth_nam_nu")
    else:
        cols.append("birth")
        if not plain and rng.random() < 0.4:
            cols.append("gender")
    if "unit-combined" in evidence:
        cols.append("combined")
    else:
        cols.append("position")
        if "unit-don-vi" in evidence:
            cols.append("don_vi")
    cols.append("award_split" if pick("award-two-columns", 0.3) else "award")
    if rated:
        cols.append("rating")
    if multi_year:
        cols.append("year")
    if not plain and rng.random() < 0.3:
        cols.append("note")
    if pick("column-order", 0.3):
        rng.shuffle(cols)
    return ["stt", *cols]


def _birth_value(style: str, born: date) -> tuple[Any, date | None]:
    """(cell value, truth date or None when only the year is written)."""
    if style == "date-cell":
        return datetime(born.year, born.month, born.day), born
    if style == "date-text":
        return born.strftime("%d/%m/%Y"), born
    if style == "date-serial":
        return (born - date(1899, 12, 30)).days, born
    return born.year, None


def _draw_sheet(rng: random.Random, name: str, entries: list[_Entry], unit: Unit, columns: list[str],
                layout: dict[str, Any], style: str, year_text: Any) -> tuple[SheetPlan, list[TruthRow]]:
    plan = SheetPlan(name)
    synonyms = layout["synonyms"]
    # Physical columns: a logical column may take two (Nam|Nữ, danh hiệu|hình thức).
    phys: list[tuple[str, str]] = []  # (logical, sub)
    for col in columns:
        if col == "birth_nam_nu":
            phys += [(col, "nam"), (col, "nu")]
        elif col == "award_split":
            phys += [(col, "title"), (col, "form")]
        else:
            phys.append((col, ""))
    width = len(phys)
    heads = {c: (rng.choice(_HEADERS[c]) if synonyms else _HEADERS[c][0]) for c in _HEADERS}
    r = 0
    right = max(3, width - 3)
    years = layout["years"]
    if layout["title"]:
        district = rng.choice(_DISTRICTS)
        if layout["unit_in_title"]:
            plan.put(0, 0, f"PHÒNG GD&ĐT HUYỆN {district.upper()}" if rng.random() < 0.7 else f"UBND HUYỆN {district.upper()}")
            plan.put(1, 0, unit.capitals if rng.random() < 0.6 else unit.short.upper())
        plan.put(0, right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        plan.put(1, right, "Độc lập - Tự do - Hạnh phúc")
        plan.put(2, right, f"{district}, ngày 20 tháng 5 năm {int(years[-1][5:])}")
        if layout["multi_year"]:
            title = f"DANH SÁCH CÁ NHÂN, TẬP THỂ ĐẠT DANH HIỆU THI ĐUA, KHEN THƯỞNG GIAI ĐOẠN {years[0][:4]}-{years[-1][5:]}"
        else:
            title = f"DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC {year_text(years[0])}"
        plan.put(4, 0, title)
        plan.merges.append((4, 0, 4, width - 1))
        plan.put(5, 0, "(Kèm theo Tờ trình số 15/TTr-TH ngày 20/5/" + years[-1][5:] + ")")
        plan.merges.append((5, 0, 5, width - 1))
        r = 7
    if layout["template"]:
        if rng.random() < 0.5:
            plan.put(r, 0, f"Đơn vị: {unit.short}")
        else:
            plan.put(r, 0, "Đơn vị:")
            plan.put(r, 1, unit.name)
        r += 1
        if not layout["title"]:
            r += 1
    # Header band.
    top = r
    two_row = layout["two_row"] or any(c in ("birth_nam_nu", "award_split") for c in columns)
    c = 0
    while c < width:
        logical, sub = phys[c]
        if logical == "birth_nam_nu":
            plan.put(top, c, heads["birth"] if heads["birth"] != "Ngày sinh" else "Năm sinh")
            plan.merges.append((top, c, top, c + 1))
            plan.put(top + 1, c, "Nam")
            plan.put(top + 1, c + 1, "Nữ")
            c += 2
            continue
        if logical == "award_split":
            plan.put(top, c, "Đề nghị")
            plan.merges.append((top, c, top, c + 1))
            plan.put(top + 1, c, heads["title"])
            plan.put(top + 1, c + 1, heads["form"])
            c += 2
            continue
        plan.put(top, c, heads[logical])
        if two_row:
            plan.merges.append((top, c, top + 1, c))
        c += 1
    r = top + (2 if two_row else 1)
    if layout["numbers"]:
        for c in range(width):
            plan.put(r, c, f"({c + 1})" if rng.random() < 0.7 else c + 1)
        r += 1
    # Data rows.
    truth: list[TruthRow] = []
    stt = 0
    current: str | None = None
    for e in entries:
        if layout["sections"] and e.target != current:
            current = e.target
            label = ("I", "CÁ NHÂN") if e.target == CA_NHAN else ("II", "TẬP THỂ")
            if rng.random() < 0.5:
                plan.put(r, 0, label[0])
                plan.put(r, _col(phys, "name"), label[1])
            else:
                plan.put(r, _col(phys, "name"), f"{label[0]}. {label[1]}")
            r += 1
            stt = 0
        stt += 1
        birth_truth: date | None = None
        birth_year: int | None = None
        for c, (logical, sub) in enumerate(phys):
            value: Any = None
            p = e.person
            if logical == "stt":
                value = stt
            elif logical == "name":
                value = e.name
            elif logical == "birth" and p:
                value, birth_truth = _birth_value(style, p.born)
                birth_year = p.born.year
            elif logical == "birth_nam_nu" and p and sub == p.gender:
                value, birth_truth = _birth_value(style, p.born)
                birth_year = p.born.year
            elif logical == "gender" and p:
                value = "Nam" if p.gender == "nam" else "Nữ"
            elif logical == "position" and p:
                value = p.position
            elif logical == "don_vi":
                value = unit.short if p or layout["group_workplace"] else None
            elif logical == "combined" and p:
                value = f"{p.position}{rng.choice([' - ', ', '])}{unit.short}"
            elif logical == "award":
                value = e.text
            elif logical == "award_split":
                is_title = e.code in TITLES
                value = e.text if (sub == "title") == is_title else None
            elif logical == "rating":
                value = e.rating
            elif logical == "year":
                value = year_text(e.school_year)
            plan.put(r, c, value)
        states_year = layout["multi_year"] or layout["title"]
        truth.append(TruthRow(name, r + 1, e.name, e.target, birth_year, birth_truth, e.code, e.kind,
                              e.school_year if states_year else None))
        r += 1
    if layout["total"]:
        n_people = len({e.name for e in entries if e.target == CA_NHAN})
        n_groups = len([e for e in entries if e.target == TAP_THE])
        text = rng.choice(["Tổng cộng", f"Tổng cộng: {n_people} cá nhân, {n_groups} tập thể", "Cộng"])
        if rng.random() < 0.5:
            plan.put(r, 0, text)
            plan.merges.append((r, 0, r, 1))
        else:
            plan.put(r, _col(phys, "name"), text)
        r += 1
    if layout["footer"]:
        r += 1
        if layout["footer_date"]:
            at = width - 1 if layout["footer_date_last"] else right
            plan.put(r, at, f"{rng.choice(_DISTRICTS)}, ngày 20 tháng 5 năm {years[-1][5:]}")
            r += 1
        plan.put(r, 1, "NGƯỜI LẬP BIỂU")
        plan.put(r, right, "HIỆU TRƯỞNG")
        plan.put(r + 1, 1, "(Ký, ghi rõ họ tên)")
        plan.put(r + 1, right, "(Ký tên, đóng dấu)")
        plan.put(r + 5, 1, "Trần Thị Mai")
        plan.put(r + 5, right, "Nguyễn Văn Hùng")
        r += 6
    if layout["phantom"]:
        plan.phantom = 30
    plan.width = max(plan.width, width)
    return plan, truth


def _col(phys: list[tuple[str, str]], logical: str) -> int:
    return next(i for i, (name, _) in enumerate(phys) if name == logical)


# ---------------------------------------------------------------------------
# Writing


def write_variant(variant: Variant, folder: Path) -> Path:
    """Write the variant's workbook into folder (created) with XlsxWriter; the same variant gives the same bytes."""
    import xlsxwriter

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / variant.filename
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                           "strings_to_urls": False})
    book.set_properties({"created": datetime(2025, 5, 20, 8, 0, 0), "author": "tdkt variants"})
    text = book.add_format({"font_name": "Times New Roman", "font_size": 13})
    day = book.add_format({"font_name": "Times New Roman", "font_size": 13, "num_format": "dd/mm/yyyy"})
    fill = book.add_format({"bg_color": "#FFFFCC"})
    for plan in variant.sheets:
        ws = book.add_worksheet(plan.name)
        covered = {(r, c): (r1, c1) for r1, c1, r2, c2 in plan.merges
                   for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
        for (r, c), value in sorted(plan.cells.items()):
            if (r, c) in covered and covered[(r, c)] != (r, c):
                continue
            if (r, c) in covered:
                continue  # written by merge_range below
            _write(ws, r, c, value, text, day)
        for r1, c1, r2, c2 in plan.merges:
            value = plan.cells.get((r1, c1), "")
            ws.merge_range(r1, c1, r2, c2, "", text)
            if value != "":
                _write(ws, r1, c1, value, text, day)
        if plan.phantom:
            for r in range(plan.height):
                for c in range(plan.width, plan.width + plan.phantom):
                    ws.write_blank(r, c, None, fill)
    book.close()
    return path


def _write(ws: Any, r: int, c: int, value: Any, text: Any, day: Any) -> None:
    if isinstance(value, datetime):
        ws.write_datetime(r, c, value, day)
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value, text)
    else:
        ws.write_string(r, c, str(value), text)


def corpus(n: int, seed: int = 0) -> list[Variant]:
    """n variants of n different units (no two may be one unit: merging would replace one with the other)."""
    pool = unit_pool()
    if n > len(pool):
        raise ValueError(f"at most {len(pool)} distinct units")
    units = random.Random(seed).sample(pool, n)
    return [make_variant(seed * 1_000_003 + i, units[i]) for i in range(n)]


def write_corpus(variants: list[Variant], folder: Path) -> list[Path]:
    """Every variant in its own subfolder (file names repeat: "Tong hop.xlsx")."""
    return [write_variant(v, folder / f"v{i:05d}") for i, v in enumerate(variants)]


# ---------------------------------------------------------------------------
# Edge cases committed under tests/data/variants/ (regenerate with `python tests/variants.py`)

_PLAIN = {"plain": True, "multi-year": False, "collectives": 0, "rows": 6, "sheet": "DS"}
CASES: dict[str, tuple[int, Unit, dict[str, Any]]] = {
    # The unit is in every person's "Đơn vị công tác", but the collective row leaves it empty.
    "sheet-named-tong-hop-no-title": (101, Unit("TH", "Kiến Bình", 1),
                                      {**_PLAIN, "evidence": "unit-don-vi", "sheet": "Tổng hợp", "collectives": 1,
                                       "collective-workplace": False}),
    "unit-only-in-combined-column": (102, Unit("TH", "Hòa Điền", None),
                                     {**_PLAIN, "evidence": "unit-combined", "sheet": "Sheet1"}),
    "unit-only-in-collective-row": (103, Unit("THCS", "Nguyễn Du", None),
                                    {**_PLAIN, "evidence": "unit-collective", "collectives": 1, "sections": True}),
    "unit-only-in-file-name": (104, Unit("TH", "Kiến Bình", 1),
                               {**_PLAIN, "evidence": "unit-filename", "sheet": "Tong hop", "multi-year": True,
                                "start-year": 2015, "n-years": 5, "rows": 10}),
    "multi-year-spaced-years": (105, Unit("MN", "Hướng Dương", None),
                                {**_PLAIN, "evidence": "unit-title", "multi-year": True, "years-spaced": True,
                                 "one-row-per-award": True, "start-year": 2015, "n-years": 5, "rows": 15,
                                 "sheet": "KQ 2015-2020"}),
    "award-kind-inside-phrase": (106, Unit("THCS", "Lê Lợi", None),
                                 {**_PLAIN, "evidence": "unit-template",
                                  "awards": [("BK_TINH", CD, "Bằng khen chuyên đề của Chủ tịch UBND tỉnh"),
                                             ("GK", DX, "Giấy khen đột xuất của Hiệu trưởng"),
                                             ("BK_TINH", DX, "Bằng khen đột xuất của Chủ tịch UBND tỉnh")]}),
    "award-ki-niem-chuong-spellings": (107, Unit("TH", "Tân Thạnh", 2),
                                       {**_PLAIN, "evidence": "unit-title",
                                        "awards": [("KNC_GD", TX, "Kỉ niệm chương Vì sự nghiệp giáo dục"),
                                                   ("KNC_GD", TX, "KNC Vì sự nghiệp GD"),
                                                   ("CSTDCS", TX, "Chiến sỹ thi đua cơ sở"),
                                                   ("BK_TTG", TX, "BK TTg")]}),
    "award-theme-quoted-with-comma": (108, Unit("MN", "Phú Mỹ", None),
                                      {**_PLAIN, "evidence": "unit-title",
                                       "awards": [("BK_TINH", CD, "Bằng khen của Chủ tịch UBND tỉnh chuyên đề "
                                                   "“Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh”"),
                                                  ("GK", CD, "Giấy khen chuyên đề \"Dạy tốt - học tốt\"")]}),
    "two-row-header-nam-nu-sections": (109, Unit("TH", "Tân Thạnh", 1),
                                       {**_PLAIN, "evidence": "unit-title", "birth-nam-nu": True,
                                        "two-row-header": True, "sections": True, "collectives": 2, "total-row": True,
                                        "footer": True, "column-numbers": True, "dates": "date-year"}),
    "column-numbers-under-two-row-header": (110, Unit("THCS", "Vĩnh Hòa", None),
                                            {**_PLAIN, "evidence": "unit-title", "two-row-header": True,
                                             "column-numbers": True, "dates": "date-cell"}),
    "footer-date-above-signature": (111, Unit("MN", "Bình Minh", 3),
                                    {**_PLAIN, "evidence": "unit-template", "footer": True,
                                     "footer-date-line": True, "footer-date-last": True, "dates": "date-serial"}),
}


def case_variant(name: str) -> Variant:
    seed, unit, force = CASES[name]
    variant = make_variant(seed, unit, force=force)
    if "evidence" in force and force["evidence"] != "unit-filename":
        variant.filename = f"{name}.xlsx"
    return variant


# ---------------------------------------------------------------------------
# Measuring the product


def _norm(text: Any) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text or "")).split())


def _year(text: Any) -> str | None:
    t = re.sub(r"\s+", "", str(text or ""))
    return t or None


def _quirk_rates(variants: list[Variant], failing: set[int]) -> dict[str, tuple[int, int]]:
    """quirk -> (failing files with it, files with it), the quirks that raise the failure rate most first.

    Ordered by how much more often a file fails with the quirk than without it, so that a quirk
    that merely comes along (every list has award names) does not hide the one that causes it.
    """
    n, n_bad = len(variants), len(failing)
    have: Counter = Counter(q for v in variants for q in v.quirks)
    bad: Counter = Counter(q for i in failing for q in variants[i].quirks)

    def lift(q: str) -> float:
        without = n - have[q]
        return bad[q] / have[q] - ((n_bad - bad[q]) / without if without else 0.0)

    # quirks nearly every file has (or almost none) say nothing about the cause
    telling = [q for q in bad if max(5, n // 30) <= have[q] <= n * 0.9] or list(bad)
    return {q: (bad[q], have[q]) for q in sorted(telling, key=lambda q: (-lift(q), q))}


def measure_files(variants: list[Variant], paths: list[Path]) -> dict[str, Any]:
    """Read and check every file; count what the product got wrong against the truth.

    Each count is 0 for a product that reads every variant right. `failing` maps a property to
    the indices of the files that break it; `quirks` to the quirk classes of those files
    (failing, having).
    """
    from addin.validate import validate_file

    m: dict[str, Any] = {
        "files": len(variants), "truth_rows": sum(len(v.rows) for v in variants),
        "rows_unaccounted": 0, "rows_extra": 0, "target_wrong": 0, "birth_wrong": 0, "award_wrong": 0,
        "year_wrong": 0, "units_ok": 0, "units_flagged": 0, "units_wrong": 0, "unknown_awards": 0,
        "false_errors": 0, "duplicate_warnings": 0, "error_codes": Counter(), "warning_codes": Counter(), "unit_examples": [],
    }
    failing: dict[str, set[int]] = defaultdict(set)
    for i, (v, path) in enumerate(zip(variants, paths)):
        s = validate_file(path, str(path))
        at = {(n.sheet, n.row): n for n in s.nominees}
        issue_rows = {(x.sheet, x.row) for x in s.issues if x.row is not None}
        truth_at = {(t.sheet, t.row) for t in v.rows}
        for t in v.rows:
            n = at.get((t.sheet, t.row))
            if n is None or _norm(n.ho_ten) != t.name:
                if (t.sheet, t.row) not in issue_rows:
                    m["rows_unaccounted"] += 1
                    failing["rows"].add(i)
                continue
            if n.target != t.target:
                m["target_wrong"] += 1
                failing["rows"].add(i)
            if n.nam_sinh != t.birth_year or (t.birth_date is not None and n.ngay_sinh != t.birth_date):
                m["birth_wrong"] += 1
                failing["rows"].add(i)
            if [(a.code, a.kind) for a in n.awards] != [(t.code, t.kind)]:
                m["award_wrong"] += 1
                failing["awards"].add(i)
            if t.school_year is not None and _year(n.nam_hoc) != t.school_year:
                m["year_wrong"] += 1
                failing["rows"].add(i)
        extra = [k for k in at if k not in truth_at]
        if extra:
            m["rows_extra"] += len(extra)
            failing["rows"].add(i)
        if same_unit(s.unit, v.unit):
            m["units_ok"] += 1
        elif any(x.code == "unit-uncertain" for x in s.issues):
            m["units_flagged"] += 1
        else:
            m["units_wrong"] += 1
            failing["unit"].add(i)
            if len(m["unit_examples"]) < 12:
                m["unit_examples"].append((v.unit, s.unit, s.unit_source, v.filename, v.sheets[0].name))
        unknown = [x for x in s.issues if x.code == "unknown-award"]
        if unknown:
            m["unknown_awards"] += len(unknown)
            failing["awards"].add(i)
        errors = [x for x in s.issues if x.severity == "error"]
        if errors:
            m["false_errors"] += len(errors)
            m["error_codes"].update(x.code for x in errors)
            failing["errors"].add(i)
        m["warning_codes"].update(x.code for x in s.issues if x.severity == "warning")
        # The generator never writes one person twice for the same award and year: every such
        # warning is false (the same people every year, or one row per award).
        duplicates = [x for x in s.issues if x.code == "duplicate-in-file"]
        if duplicates:
            m["duplicate_warnings"] += len(duplicates)
            failing["duplicates"].add(i)
    m["failing"] = {k: sorted(val) for k, val in failing.items()}
    m["quirks"] = {k: _quirk_rates(variants, val) for k, val in failing.items()}
    return m


def _danhsach(master: Path) -> list[dict[str, Any]]:
    """DanhSach's rows as {header: value}, found by its header row (however the master's title block runs)."""
    import python_calamine as pc

    rows = pc.CalamineWorkbook.from_path(str(master)).get_sheet_by_name("DanhSach").to_python()
    head = next(i for i, r in enumerate(rows[:20]) if "Đơn vị đề nghị" in r and "Tệp nguồn" in r)
    names = [str(h) for h in rows[head]]
    # the table's rows are numbered; the signature block under it is not
    return [dict(zip(names, r)) for r in rows[head + 1:]
            if isinstance(r[0], (int, float)) and not isinstance(r[0], bool)]


def measure_merge(variants: list[Variant], paths: list[Path], master: Path) -> dict[str, Any]:
    """Merge the whole corpus into one master (addin.jobs.merge_job), tally it (tally_job), compare with the truth."""
    from addin.jobs import merge_job, tally_job

    report = merge_job(master, [str(p) for p in paths])
    m: dict[str, Any] = {"written": report.error is None, "error": report.error}
    by_path = {str(p): i for i, p in enumerate(paths)}
    rows = _danhsach(master)
    issue_rows = {(x.file, x.sheet, x.row) for x in report.issues() if x.row is not None}
    flagged = {x.file for x in report.issues() if x.code == "unit-uncertain"}
    in_master: set[tuple[str, str, int]] = set()
    units_of: dict[str, set[int]] = defaultdict(set)  # master unit -> variants whose rows it holds
    for r in rows:
        i = by_path.get(str(r.get("Tệp nguồn")))
        if i is None:
            continue
        in_master.add((str(r["Tệp nguồn"]), str(r.get("Trang")), int(float(r.get("Dòng") or 0))))
        units_of[str(r.get("Đơn vị đề nghị"))].add(i)
    failing: dict[str, set[int]] = defaultdict(set)
    missing = 0
    for i, (v, p) in enumerate(zip(variants, paths)):
        for t in v.rows:
            key = (str(p), t.sheet, t.row)
            if key not in in_master and key not in issue_rows:
                missing += 1
                failing["master_rows"].add(i)
    # The units the merge told apart: files it gave one unit (by our reading of unit names) hold
    # different units when more than one variant is among them.
    groups: dict[str, set[int]] = defaultdict(set)
    for f in report.files:
        if f.path in by_path:
            groups[unit_words(f.unit)].add(by_path[f.path])
    confused = {u: sorted(ix) for u, ix in groups.items() if len(ix) > 1}
    for ix in confused.values():
        failing["merged_units"].update(ix)
    wrong = 0
    for u, ix in units_of.items():
        for i in ix:
            if not same_unit(u, variants[i].unit) and str(paths[i]) not in flagged:
                wrong += 1
                failing["master_unit"].add(i)
    # by_unit (the --json field) against the truth: each unit's rows, under a name that is that unit
    counted: Counter = Counter()
    for name, n in (report.outcome.by_unit if report.outcome else {}).items():
        counted[unit_words(name)] += n
    by_unit_wrong = 0
    for i, v in enumerate(variants):
        if counted.get(unit_words(v.unit), 0) != len(v.rows):
            by_unit_wrong += 1
            failing["by_unit"].add(i)
    not_added = [f for f in report.files if f.action != "added"]
    tally = tally_job(master).to_json_dict()
    got = Counter({(r["code"], r["target"], r["kind"]): r["total"] for r in tally["rows"]})
    want: Counter = Counter()
    for v in variants:
        want.update(v.tally())
    diff = {k: got.get(k, 0) - want.get(k, 0) for k in set(got) | set(want) if got.get(k, 0) != want.get(k, 0)}
    m.update({
        "files": len(variants), "truth_rows": sum(len(v.rows) for v in variants), "master_rows": len(rows),
        "master_rows_missing": missing, "files_not_added": len(not_added),
        "files_logged": len({f.path for f in report.files} & set(by_path)),
        "not_added_actions": Counter(f.action for f in not_added),
        "units_confused": len(confused), "variants_in_confused_units": sum(len(ix) for ix in confused.values()),
        "confused_examples": [(u, [variants[i].unit for i in ix][:4]) for u, ix in list(confused.items())[:6]],
        "by_unit": dict(report.outcome.by_unit) if report.outcome else {},
        "master_units_wrong": wrong, "by_unit_wrong": by_unit_wrong, "tally_total_truth": sum(want.values()), "tally_total_product": tally["grand_total"],
        "tally_categories_wrong": len(diff), "tally_abs_diff": sum(abs(d) for d in diff.values()),
        "tally_diff": dict(sorted(diff.items())), "skipped_error_rows": tally.get("skipped_error_rows"),
    })
    m["failing"] = {k: sorted(val) for k, val in failing.items()}
    m["quirks"] = {k: _quirk_rates(variants, val) for k, val in failing.items()}
    return m


def summary(files: dict[str, Any], merge: dict[str, Any] | None = None, top: int = 6) -> str:
    """The measured numbers as lines a person reads (tests print it, the benchmark too)."""
    lines = [
        f"files {files['files']}, truth rows {files['truth_rows']}",
        f"rows: unaccounted {files['rows_unaccounted']}, extra {files['rows_extra']}, target wrong "
        f"{files['target_wrong']}, birth wrong {files['birth_wrong']}, school year wrong {files['year_wrong']}",
        f"units: ok {files['units_ok']}, flagged {files['units_flagged']}, wrong {files['units_wrong']}",
        f"awards: unknown-award {files['unknown_awards']}, misread {files['award_wrong']}",
        f"false errors {files['false_errors']} {dict(files['error_codes'])}; false duplicate-in-file warnings "
        f"{files['duplicate_warnings']}; warnings {dict(files['warning_codes'])}",
    ]
    if merge:
        lines += [
            f"merge: master rows {merge['master_rows']} of {merge['truth_rows']}, rows missing "
            f"{merge['master_rows_missing']}, files not added {merge['files_not_added']} {dict(merge['not_added_actions'])}",
            f"merge: units confused {merge['units_confused']} (holding {merge['variants_in_confused_units']} units), "
            f"master unit wrong {merge['master_units_wrong']}, units counted wrong in by_unit {merge['by_unit_wrong']}",
            f"tally: {merge['tally_total_product']} of {merge['tally_total_truth']}, categories wrong "
            f"{merge['tally_categories_wrong']}, |diff| {merge['tally_abs_diff']}",
        ]
    for source in (files, merge or {}):
        for prop, rates in source.get("quirks", {}).items():
            worst = ", ".join(f"{q} {b}/{h}" for q, (b, h) in list(rates.items())[:top])
            lines.append(f"  {prop} fails in {len(source['failing'][prop])} files; quirks (failing/with): {worst}")
    return "\n".join(lines)


if __name__ == "__main__":  # regenerate the committed edge cases
    out = Path(__file__).resolve().parent / "data" / "variants"
    for case in CASES:
        v = case_variant(case)
        p = write_variant(v, out)
        print(p.name, p.stat().st_size, v.quirks)
