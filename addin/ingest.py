"""Unit workbook -> Submission: find the nominee table however the unit laid it out.

Handles title blocks above the header, two-row merged headers, header synonyms, section,
"Tổng cộng" and footer rows, the "Nam"/"Nữ" birth-year columns, legacy fonts (decoded by the
reader) and the many spellings of dates, genders, ratings and awards. Problems with what could
not be read become issues; nothing raises on bad data.
"""

from __future__ import annotations

import gc
import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from addin.catalogue import Catalogue, default_catalogue
from addin.merge import RECOMPUTED  # computed again over the next level's rows
from addin import schema
from addin.models import (
    AwardProposal,
    Issue,
    Nominee,
    Rating,
    Severity,
    Submission,
    Target,
    fast_model,
)
from addin.text import clean, find_document_date, find_school_year, fold, parse_date, parse_gender, strip_accents
from addin.units import unit_key
from addin.workbook import prefetch
from addin.workbook.reader import (
    MAX_CELL_CHARS,
    RawSheet,
    RawWorkbook,
    UnreadableFile,
    column_letters,
    decode_rich_text_fonts,
    read_workbook,
)

# "Ông"/"Bà" before a name of three words or more (a surname Ông, as in "Ông Văn Hưng", keeps it)
_COURTESY = re.compile(r"^(?:ông|bà|ông/bà|ông \(bà\))\.?\s+(\S+\s+\S+\s+\S.*)$", re.IGNORECASE)

FIRST_BIRTH_YEAR = 1920  # no one proposed for an award was born before it; 1900 is Excel's empty date
# A title block, or a template's instructions above the table (fresh-eyes testing found one of 45
# rows), is never taller than this.
HEADER_SEARCH_ROWS = 100

# ---------------------------------------------------------------------------
# Header synonyms: canonical field <- how units title the column (folded, see _header_key).
# Order matters: the first pattern that matches wins.
HEADER_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (f, re.compile(p))
    for f, p in [
        ("stt", r"^(stt|tt|số tt|số thứ tự|thứ tự|s/tt)$"),
        # Columns of our own master's DanhSach, read back when it is merged one level up
        # (school -> commune -> province): each row keeps the unit that proposed it.
        ("unit", r"^đơn vị đề nghị$"),
        ("doi_tuong", r"^đối tượng$"),
        ("chuc_vu_don_vi", r"^(chức vụ|chức danh)\s*(,|và|-|/|;)\s*(đơn vị|nơi|cơ quan)"),
        ("ho_ten", r"^(họ (và )?tên|họ, tên|ông|bà|tên (tập thể|cá nhân|đơn vị được)|cá nhân ?/ ?tập thể|tập thể ?/ ?cá nhân)"),
        ("ngay_sinh", r"^(ngày,? tháng,? năm sinh|ngày sinh|năm sinh|ngày tháng năm sinh|sinh ngày|năm, tháng, ngày sinh)"),
        ("gioi_tinh", r"^(giới tính|giới|nam ?/ ?nữ|nam, nữ|phái)$"),
        ("dan_toc", r"^dân tộc"),
        ("chuc_vu", r"^(chức vụ|chức danh|vị trí việc làm)"),
        ("don_vi", r"^(đơn vị( công tác)?|nơi công tác|cơ quan( công tác)?|đơn vị ?/ ?trường|trường|đơn vị trực thuộc)$"),
        # Start-of-year registration lists (đăng ký thi đua) name the award columns this way.
        ("de_nghi", r"^(nội dung )?đăng ký( thi đua)?$|^đăng ký danh hiệu ?(/|,|và|hoặc) ?hình thức"),
        ("danh_hieu", r"^đăng ký (danh hiệu|thi đua)"),
        ("hinh_thuc", r"^đăng ký (hình thức|khen thưởng)"),
        ("de_nghi", r"^(danh hiệu ?(/|,|và|hoặc) ?hình thức|hình thức ?(/|,|và|hoặc) ?danh hiệu|đề nghị|khen thưởng đề nghị|danh hiệu, khen thưởng)"),
        ("danh_hieu", r"^danh hiệu"),
        ("hinh_thuc", r"^hình thức"),
        ("xep_loai", r"^(xếp loại|kết quả (xếp loại|đánh giá|phân loại)|mức độ hoàn thành|đánh giá|phân loại|xếp loại viên chức)"),
        ("so_qd_sang_kien", r"^(số (qđ|quyết định)|quyết định công nhận|qđ công nhận)"),
        ("cap_sang_kien", r"^(cấp|phạm vi)( công nhận| ảnh hưởng)?( của)? sáng kiến|^phạm vi ảnh hưởng"),
        # The level or issuer of the award beside it: "Chiến sĩ thi đua" | "cơ sở", "Bằng khen" | "UBND tỉnh"
        ("cap_khen", r"^(cấp|cấp khen( thưởng)?|cấp đề nghị|cấp quyết định|cấp công nhận|cơ quan (khen|quyết định)"
                     r"( thưởng)?|người ký|thẩm quyền( khen( thưởng)?)?)$"),
        ("ten_sang_kien", r"^(tên )?(sáng kiến|đề tài|giải pháp)"),
        ("tom_tat", r"^(tóm tắt )?thành tích"),
        ("nam_hoc", r"^năm học$"),
        ("ghi_chu", r"^ghi chú"),
    ]
]
AWARD_FIELDS = ("danh_hieu", "hinh_thuc", "de_nghi")
TEXT_FIELDS = ("unit", "dan_toc", "chuc_vu", "don_vi", "ten_sang_kien", "so_qd_sang_kien", "cap_sang_kien", "tom_tat", "nam_hoc",
               "ghi_chu")

_PAREN = re.compile(r"\([^)]*\)")
_EDGE_PUNCT = re.compile(r"^[\s:*.\-–]+|[\s:*.\-–]+$")
_SLASH = re.compile(r"\s*/\s*")
_NUMBERING = re.compile(r"^\(?\d{1,2}\)?$|^\(?[a-zđ]\)?$")


def _header_key(text: str) -> str:
    key = fold(text)
    key = _PAREN.sub(" ", key) if "(" in key and not key.startswith("ông (") else key
    key = _SLASH.sub("/", key)
    return " ".join(_EDGE_PUNCT.sub("", key).split())


def header_field(text: str) -> str | None:
    """The canonical field a header names, or None."""
    key = _header_key(text)
    if not key:
        return None
    for name, pattern in HEADER_PATTERNS:
        if pattern.search(key):
            return name
    return None


# ---------------------------------------------------------------------------
# Ratings (xếp loại)

_RATING_WORDS = {"nv": "nhiệm vụ", "ht": "hoàn thành", "xs": "xuất sắc", "k": "không"}
_RATINGS = {
    "htxsnv": Rating.HTXSNV,
    "hoàn thành xuất sắc nhiệm vụ": Rating.HTXSNV,
    "xuất sắc": Rating.HTXSNV,
    "httnv": Rating.HTTNV,
    "hoàn thành tốt nhiệm vụ": Rating.HTTNV,
    "tốt": Rating.HTTNV,
    "htnv": Rating.HTNV,
    "hoàn thành nhiệm vụ": Rating.HTNV,
    "hoàn thành": Rating.HTNV,
    "khtnv": Rating.KHTNV,
    "không hoàn thành nhiệm vụ": Rating.KHTNV,
    "không hoàn thành": Rating.KHTNV,
    "chưa hoàn thành nhiệm vụ": Rating.KHTNV,
}


@lru_cache(maxsize=1024)
def parse_rating(text: str) -> Rating | None:
    """HTXSNV / HTTNV / HTNV / KHTNV from the ways clerks write a yearly rating."""
    key = " ".join(re.sub(r"[.,;:()]", " ", fold(text)).split())
    rating = _RATINGS.get(key)
    if rating is None:
        key = " ".join(_RATING_WORDS.get(w, w) for w in key.split())
        rating = _RATINGS.get(key)
    return rating


# ---------------------------------------------------------------------------
# Rows that are not data

_FOOTER = re.compile(
    r"^(người lập|người lập biểu|thủ trưởng|hiệu trưởng|giám đốc|chủ tịch|trưởng phòng|kt\.?\s|tm\.?\s|t/m|q\.\s|"
    r"\(ký|ký tên|ký,|xác nhận|nơi nhận)"
)
# "Tổng" alone only before a number or colon: "Tổng phụ trách Đội" is a post, not a total.
# The place and date above the signature block: "Kiên Bình, ngày 15 tháng 5 năm 2025", "ngày ... tháng ... năm 2020".
_DATE_LINE = re.compile(r"^([^\d,]{0,40},\s*)?ngày\b[\s\d.…/_-]{0,12}tháng\b[\s\d.…/_-]{0,12}năm\b")
_TOTAL = re.compile(r"^(tổng cộng|tổng số)\b|^(tổng|cộng)\s*(:|\d|$)")
_SECTION = re.compile(r"^([ivxlc]+|[a-zđ]|\d{1,2})\s*[.)/-]\s*\S|^(cá nhân|tập thể)\b|^(khối|phần)\s")
_GROUP_NUMBER = re.compile(r"^\s*([ivxlcIVXLC]+|[a-zđA-ZĐ]|\d{1,3})\s*[.)/-]\s*")  # "1. ", "II. ", "a) "
_SECTION_MARK = re.compile(r"^([ivxlc]+|[a-zđ])\s*[.)]?$")  # "I", "II.", "A", "b)" alone in the STT column
_COLLECTIVE_NAME = re.compile(
    r"^(trường|tổ|phòng|lớp|khoa|ban|công đoàn|liên đội|chi đoàn|chi bộ|tập thể|đoàn|trung tâm|ubnd|ủy ban|"
    r"văn phòng|bộ phận|nhà trường|khối|hội đồng|sở|thư viện|câu lạc bộ|đội)\b"
)
_UNIT_PREFIX = re.compile(
    r"^(trường|phòng|sở|ubnd|ủy ban|trung tâm|ban|văn phòng|công đoàn|đảng ủy|hội đồng|viện|đại học|cao đẳng|"
    r"liên đoàn|đoàn|nhà|cơ sở|bộ)\b"
)
_NOT_AGENCY = re.compile(r"^(cộng hòa|độc lập|danh sách|biểu|bảng|\(kèm|kèm theo|năm học|số:|số |v/v|về việc)|, ngày|ngày .* tháng")
# The same two tests on a line typed without diacritics ("TRUONG TIEU HOC LE LOI"), and the
# school lines written with the school's kind only ("THCS KIM ĐỒNG", "TH LÊ LỢI", "MN HOA MAI").
_UNIT_PREFIX_PLAIN = re.compile(
    r"^(truong|phong (gd|giao duc)|so (gd|giao duc)|ubnd|uy ban|trung tam|thcs|thpt|th|mn|mg|mam non|mau giao|"
    r"tieu hoc|trung hoc|nha tre|pt ?dtbt|pt ?dtnt|dtnt|ptcs|tthcs)\b"
)
_NOT_AGENCY_PLAIN = re.compile(
    r"^(cong hoa|doc lap|danh sach|bieu|bang|\(kem|kem theo|nam hoc|so\s*:|so\s+\d|v/v|ve viec)|, ngay|ngay .* thang"
)
# A body above the unit in the issuer block: the line under it names the unit itself, whatever
# its words ("UBND PHƯỜNG TÂN AN" over "THCS KIM ĐỒNG").
_PARENT_BODY = re.compile(r"^(ubnd|uy ban nhan dan|phong (gd|giao duc)|so (gd|giao duc))\b")
_TEMPLATE_UNIT = re.compile(r"^(tên )?đơn vị( đề nghị| gửi| báo cáo| đăng ký)?\s*:\s*(.*)$")
_GENERIC_SHEET = re.compile(r"^(sheet|trang tính|worksheet|feuil|tabelle)\s*\d*$|^(ds|danh sach|danh sách|danhsach|data|dữ liệu|cá nhân|tập thể|ca nhan|tap the)\d*$")
_INSTRUCTION_SHEET = re.compile(r"^(hướng dẫn|huong dan|hdsd|cách ghi|cach ghi)\b")


@lru_cache(maxsize=256)
def _school_year_cell(text: str) -> str:
    """A row's "Năm học" cell as one spelling: "2015 - 2016" -> "2015-2016" (a span "2015-2020" as written)."""
    return find_school_year(text) or text


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _cell_text(value: Any) -> str:
    """A cell as clean text ("" when empty)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""  # NaN or infinity from a damaged file is no value, never the text "nan"
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y") if value.time() == datetime.min.time() else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return clean(str(value))


# ---------------------------------------------------------------------------
# Header band


@dataclass
class Column:
    index: int  # 0-based column
    header: str  # header text as written (cleaned), as shown to the clerk
    field: str | None  # canonical field, "birth_nam"/"birth_nu"/"gender_nam"/"gender_nu", or None


@dataclass
class HeaderBand:
    first_row: int  # 0-based index of the first header row
    last_row: int  # 0-based index of the last header row (same as first for one-row headers)
    columns: list[Column]

    def field_columns(self) -> dict[str, Column]:
        found: dict[str, Column] = {}
        for col in self.columns:
            if col.field and col.field not in found:
                found[col.field] = col
        return found


def _row_fields(row: list[Any]) -> dict[int, str]:
    fields = {}
    for c, value in enumerate(row):
        if isinstance(value, str) and value and len(value) < 120:
            name = header_field(value)
            if name:
                fields[c] = name
    return fields


_HEADER_LEADS = frozenset({"stt", "tt", "số tt", "s/tt", "số thứ tự", "họ và tên", "họ tên", "tên tập thể", "tên đơn vị",
                           "ông (bà)", "ông/bà", "ông, bà", "cá nhân/tập thể", "tập thể/cá nhân"})


def further_headers(sheet: RawSheet, band: HeaderBand) -> list[HeaderBand]:
    """Header bands of the tables below the first on the same sheet (the individuals, then after a
    few blank rows the collectives under their own header): each table is read by its own columns.
    A header repeated over each printed page is one too, with the same columns."""
    rows, found = sheet.rows, []
    r = band.last_row + 1
    while r < len(rows):
        row = rows[r]
        # (cheap first test, on every row of a list with no STT: a header starts with one of these)
        if (not any(type(v) in (int, float) for v in row[:2])  # a numbered row: data
                and any(type(v) is str and 1 < len(v) < 20 and fold(v) in _HEADER_LEADS for v in row[:3])):
            fields = _row_fields(row)
            names = set(fields.values())
            if ("ho_ten" in names and len(names) >= 2) or len(names) >= 4:
                found.append(_build_band(sheet, r, fields))
                r = found[-1].last_row
        r += 1
    return found


def find_header(sheet: RawSheet) -> HeaderBand | None:
    """The header band: the first row naming a name column and another known column."""
    rows = sheet.rows
    for r in range(min(HEADER_SEARCH_ROWS, len(rows))):
        fields = _row_fields(rows[r])
        names = set(fields.values())
        if not (("ho_ten" in names and len(names) >= 2) or len(names) >= 4):
            continue
        return _build_band(sheet, r, fields)
    return None


def _merged_across(sheet: RawSheet, r: int) -> dict[int, int]:
    """Column -> first column of the horizontal merge covering it in row r."""
    owners: dict[int, int] = {}
    for r1, c1, r2, c2 in sheet.merged:
        if r1 <= r <= r2 and c2 > c1:
            for c in range(c1 + 1, c2 + 1):
                owners[c] = c1
    return owners


def _spans_rows(sheet: RawSheet, r: int) -> set[int]:
    """Columns whose header cell in row r is merged down into row r+1."""
    return {c for r1, c1, r2, c2 in sheet.merged if r1 == r and r2 > r for c in range(c1, c2 + 1)}


def _build_band(sheet: RawSheet, r: int, fields: dict[int, str]) -> HeaderBand:
    rows = sheet.rows
    top = [_cell_text(v) for v in rows[r]]
    owners = _merged_across(sheet, r)
    width = len(top)
    sub: list[str] | None = None
    if r + 1 < len(rows):
        candidate = [_cell_text(v) for v in rows[r + 1]]
        if _is_subheader(candidate, top, owners, _spans_rows(sheet, r)):
            sub = candidate
            width = max(width, len(sub))
    columns = []
    for c in range(width):
        head = top[c] if c < len(top) else ""
        if not head and c in owners:
            head = top[owners[c]] if owners[c] < len(top) else ""
        below = sub[c] if sub is not None and c < len(sub) else ""
        columns.append(_column(c, head, below))
    last = r + 1 if sub is not None else r
    if sub is None and r + 1 < len(rows) and _spans_rows(sheet, r) and not any(_cell_text(v) for v in rows[r + 1]):
        last = r + 1  # a two-row header whose lower row is all merged down: the column numbers come after it
    # A row of column numbers "(1) (2) (3)" or "1 2 3" often follows the header: not data.
    if last + 1 < len(rows):
        nxt = [_cell_text(v) for v in rows[last + 1]]
        filled = [t for t in nxt if t]
        if len(filled) >= 3 and all(_NUMBERING.match(t.lower()) for t in filled):
            last += 1
    return HeaderBand(r, last, columns)


def _is_subheader(candidate: list[str], top: list[str], owners: dict[int, int], spans: set[int]) -> bool:
    filled = [(c, t) for c, t in enumerate(candidate) if t]
    if not filled:
        return False
    for c, text in filled:
        key = _header_key(text)
        if key in ("nam", "nữ", "nu"):
            continue
        under_group = c in owners or (c < len(top) and top[c] and (c + 1 in owners and owners[c + 1] == c))
        if header_field(text) is None and not under_group:
            return False
        if _is_num(text) or key.isdigit():
            return False
    return True


def _column(c: int, head: str, below: str) -> Column:
    head_field = header_field(head) if head else None
    below_key = _header_key(below) if below else ""
    if below_key in ("nam", "nữ", "nu"):
        gender = "nam" if below_key == "nam" else "nu"
        if head_field == "gioi_tinh":
            return Column(c, f"{head} - {below}", f"gender_{gender}")
        return Column(c, f"{head} - {below}" if head else below, f"birth_{gender}")
    if not below and _header_key(head) in ("nam", "nữ", "nu"):
        # a lone "Nữ" (or "Nam") column: a mark ("x") on the women's rows, or their birth year
        return Column(c, head, "gender_nam" if _header_key(head) == "nam" else "gender_nu")
    if below:
        below_field = header_field(below)
        if below_field:
            return Column(c, below, below_field)
        return Column(c, f"{head} - {below}" if head else below, head_field)
    return Column(c, head, head_field)


# ---------------------------------------------------------------------------
# Unit and title block

_UNIT_PHRASES = [
    (re.compile(p, re.IGNORECASE), r)
    for p, r in [
        (r"\btrường mầm non\b", "Trường Mầm non"),
        (r"\btrường mẫu giáo\b", "Trường Mẫu giáo"),
        (r"\btrường tiểu học\b", "Trường Tiểu học"),
        (r"\btrường trung học cơ sở\b", "Trường THCS"),
        (r"\btrường trung học phổ thông\b", "Trường THPT"),
        (r"\bphổ thông dân tộc nội trú\b", "Phổ thông Dân tộc Nội trú"),
        (r"\bphổ thông dân tộc bán trú\b", "Phổ thông Dân tộc Bán trú"),
        (r"\btrung học cơ sở\b", "THCS"),
        (r"\btrung học phổ thông\b", "THPT"),
        (r"\bphòng giáo dục và đào tạo\b|\bphòng giáo dục - đào tạo\b|\bphòng gd ?& ?đt\b|\bphòng gdđt\b", "Phòng GD&ĐT"),
        (r"\bsở giáo dục và đào tạo\b|\bsở gd ?& ?đt\b|\bsở gdđt\b", "Sở GD&ĐT"),
        (r"\bủy ban nhân dân\b|\buỷ ban nhân dân\b", "UBND"),
        (r"\btrung tâm giáo dục nghề nghiệp - giáo dục thường xuyên\b", "Trung tâm GDNN-GDTX"),
        (r"\btrung tâm giáo dục thường xuyên\b", "Trung tâm GDTX"),
        (r"\btrung tâm\b", "Trung tâm"),
    ]
]
_ACRONYMS = {
    "thcs", "thpt", "th", "mn", "mg", "gd&đt", "ubnd", "ptdtbt", "ptdtnt", "gdtx", "gdnn", "gdnn-gdtx", "dtnt",
    "hđnd", "tp", "tx", "pt", "ptcs", "thcs&thpt", "th&thcs", "tth", "cđ", "đh", "i", "ii", "iii", "iv", "v", "vi",
}
_LOWER_WORDS = {"huyện", "xã", "phường", "trấn", "thành", "phố", "tỉnh", "quận", "và", "non", "học", "giáo", "vực",
                "sở"}


def unit_display(text: str) -> str:
    """A unit name as it reads in a sentence: "TRƯỜNG MẦM NON HƯỚNG DƯƠNG" -> "Trường Mầm non Hướng Dương"."""
    text = clean(text).strip(" .,:;-–")
    letters = [ch for ch in text if ch.isalpha()]
    if letters and sum(ch.isupper() for ch in letters) / len(letters) > 0.8:
        # Typed in capitals (title blocks are): proper names get capitals, the rest does not.
        words = text.split()
        out = []
        for i, word in enumerate(words):
            low = word.lower()
            following = words[i + 1].lower() if i + 1 < len(words) else ""
            if low in _ACRONYMS:
                out.append(word.upper())
            elif any(ch.isdigit() for ch in word) or "&" in word:
                out.append(word)
            elif i > 0 and ((low in _LOWER_WORDS and (low != "thành" or following == "phố")
                             and (low != "phố" or words[i - 1].lower() == "thành"))
                            or (low == "thị" and following in ("xã", "trấn"))):
                out.append(low)
            else:
                lead = len(low) - len(low.lstrip("(\"'“["))  # "(CƠ SỞ 2)" -> "(Cơ sở 2)"
                out.append(low[:lead] + low[lead:lead + 1].upper() + low[lead + 1:])
        text = " ".join(out)
    for pattern, replacement in _UNIT_PHRASES:
        text = pattern.sub(replacement, text)
    return text


_GENERIC_AGENCY = re.compile(r"^(phòng gd&đt|sở gd&đt|phòng giáo dục)$", re.IGNORECASE)
_PARENT_PREFIX = re.compile(r"^(ubnd|ủy ban nhân dân|uỷ ban nhân dân)\s+", re.IGNORECASE)


@dataclass
class TitleBlock:
    unit: str | None = None
    unit_source: str | None = None
    title: str | None = None
    nam_hoc: str | None = None
    document_date: date | None = None
    date_source: str = "title"  # "footer" when the date line is under the table
    target_hint: Target | None = None
    # Every unit the block names, (source, name): the "Đơn vị:" line and the agency lines both
    # count as evidence even when one of them is `unit` (see _decide_unit).
    clues: list[tuple[str, str]] = field(default_factory=list)


def read_title_block(rows: list[list[Any]], header_row: int) -> TitleBlock:
    """Unit, title, school year and date from the rows above the header."""
    block = TitleBlock()
    texts: list[tuple[int, int, str]] = []
    motto_col = None
    for r in range(header_row):
        for c, value in enumerate(rows[r]):
            # a cell of several lines is several lines of the block ("UBND XÃ PHÚ XUÂN↵TRƯỜNG MẦM NON SEN HỒNG")
            lines = value.splitlines() if isinstance(value, str) else [value]
            for line in lines:
                text = _cell_text(line)
                if text:
                    texts.append((r, c, text))
                    if fold(text).startswith("cộng hòa xã hội"):
                        motto_col = c
    agency_lines: list[str] = []
    above: dict[int, tuple[int, bool]] = {}  # column -> (row, a parent body's?) of its last agency line
    for r, c, text in texts:
        key = fold(text)
        plain = strip_accents(key)
        if m := _TEMPLATE_UNIT.match(key):
            value = clean(text.split(":", 1)[1]) if ":" in text else ""
            if not value:
                value = next((t for rr, cc, t in texts if rr == r and cc > c), "")
            if value and block.unit_source != "template":
                block.unit, block.unit_source = unit_display(value), "template"
                block.clues.append(("template", block.unit))
            continue
        if key.startswith(("danh sách", "biểu", "bảng tổng hợp", "bảng")) and block.title is None:
            block.title = text
        if block.nam_hoc is None and (year := find_school_year(text)):
            block.nam_hoc = year
        if block.document_date is None and (", ngày" in key or key.startswith("ngày")):
            block.document_date = find_document_date(text)
        parent = above.pop(c, None)  # the line right above in this column, when it was an agency line
        under_parent = parent is not None and parent[1] and r - parent[0] <= 1
        if ((motto_col is None or c < motto_col) and not _NOT_AGENCY.search(key) and not _NOT_AGENCY_PLAIN.search(plain)
                and (_UNIT_PREFIX.match(key) or _UNIT_PREFIX_PLAIN.match(plain)
                     or (under_parent and sum(ch.isalpha() for ch in text) >= 2))):
            agency_lines.append(text)
            above[c] = (r, bool(_PARENT_BODY.match(plain)))
    if block.title:
        key = fold(block.title)
        if "tập thể" in key and "cá nhân" not in key:
            block.target_hint = Target.TAP_THE
        elif "cá nhân" in key and "tập thể" not in key:
            block.target_hint = Target.CA_NHAN
    title_unit = None
    if agency_lines:
        title_unit = unit_display(agency_lines[-1])
        if _GENERIC_AGENCY.match(title_unit) and len(agency_lines) > 1:
            parent = _PARENT_PREFIX.sub("", unit_display(agency_lines[-2]))
            title_unit = f"{title_unit} {parent}"
    elif block.title:
        m = re.search(r"(?:\s[-–—]\s|\bcủa\s)(.+)$", block.title, re.IGNORECASE)
        if m and _UNIT_PREFIX.match(fold(m.group(1))):
            title_unit = unit_display(m.group(1))
    if title_unit:
        block.clues.append(("title", title_unit))
        if block.unit_source != "template":
            block.unit, block.unit_source = title_unit, "title"
    return block


FOOTER_SEARCH_ROWS = 30  # the place-and-date line sits just above the signatures


def _footer_date(rows: list[list[Any]], header_last: int) -> date | None:
    """The "<place>, ngày 15 tháng 5 năm 2025" line under the table, when the title block has none."""
    for r in range(len(rows) - 1, max(header_last, len(rows) - 1 - FOOTER_SEARCH_ROWS), -1):
        for value in rows[r]:
            if isinstance(value, str) and (", ngày" in (key := fold(value)) or key.startswith("ngày")):
                if found := find_document_date(value):
                    return found
    return None


# ---------------------------------------------------------------------------
# Reading the data rows


@dataclass
class _SheetResult:
    nominees: list[Nominee] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


_new_nominee = Nominee.__new__
_setattr = object.__setattr__
_NOMINEE_FIELDS = set(Nominee.model_fields)  # every field is set (see fast_model)


class _Reader:
    """Reads one sheet's data rows into nominees, collecting what it cannot read."""

    def __init__(self, display_path: str, sheet: RawSheet, band: HeaderBand, block: TitleBlock, catalogue: Catalogue,
                 stop: int | None = None):
        self.file = display_path
        self.sheet = sheet
        self.band = band
        self.stop = len(sheet.rows) if stop is None else stop  # the next table's header row, when there is one
        self.group_unit: str | None = None  # the school a group line names ("1. Trường TH Sông Cầu"), under it
        self.block = block
        self.catalogue = catalogue
        self.cols = band.field_columns()
        self.at = {name: col.index for name, col in self.cols.items()}
        self.stt_index = self.at.get("stt")
        self.text_fields = [(name, self.at[name]) for name in TEXT_FIELDS if name in self.at]
        self.award_cols = [(self.cols[n].index, self.cols[n].header, {}) for n in AWARD_FIELDS if n in self.cols]
        # A "Cấp" column completes the award column nearest on its left (the first when none is)
        self.i_level = self.at.get("cap_khen")
        self.leveled = None
        if self.i_level is not None and self.award_cols:
            left = [i for i, _, _ in self.award_cols if i < self.i_level]
            self.leveled = max(left) if left else self.award_cols[0][0]
        self.level_memo: dict[tuple[str, str], tuple[str, list[AwardProposal]]] = {}
        self.i_name = self.at.get("ho_ten")
        # Under a header "Ông (bà)" a name may start with the courtesy word: "Bà Nguyễn Thị Diệp"
        self.courtesy = "ho_ten" in self.cols and _header_key(self.cols["ho_ten"].header).startswith(("ông", "bà"))
        self.i_position_unit = self.at.get("chuc_vu_don_vi")
        self.i_birth = self.at.get("ngay_sinh")
        self.birth_header = self.cols["ngay_sinh"].header if "ngay_sinh" in self.cols else None
        # A second birth column ("Ngày sinh" and "Năm sinh", as in our own master's DanhSach read
        # one level up): read when the first is empty, so a year alone is not reported missing.
        self.second_birth = next(((c.index, c.header) for c in band.columns
                                  if c.field == "ngay_sinh" and c.index != self.i_birth), None)
        self.i_gender = self.at.get("gioi_tinh")
        self.i_rating = self.at.get("xep_loai")
        self.i_target = self.at.get("doi_tuong")
        self.extra_cols = [(c.index, c.header) for c in band.columns if c.field is None and c.header]
        self.has_birth_gender_cols = "birth_nam" in self.at or "birth_nu" in self.at
        # Every Nominee field, in model order, with what does not vary down the sheet.
        self.template = dict.fromkeys(Nominee.model_fields)
        self.template.update(awards=[], extra={}, file=display_path, sheet=sheet.name, unit=None, duplicate_of=None)
        self.has_gender_mark_cols = "gender_nam" in self.at or "gender_nu" in self.at
        # Only a "Nữ" column of marks: a row without one is a man's, once the column marks anyone at all
        women = self.at.get("gender_nu")
        self.unmarked_men = (women is not None and "gender_nam" not in self.at and "gioi_tinh" not in self.at
                             and any(r < len(sheet.rows) and women < len(sheet.rows[r])
                                     and isinstance(v := sheet.rows[r][women], str) and v.strip()
                                     and sum(ch.isdigit() for ch in v) < 4
                                     for r in range(band.last_row + 1, len(sheet.rows))))
        self.result = _SheetResult()
        self.nominees_append = self.result.nominees.append
        self.names: list[str] = []
        self.width = max((c.index for c in band.columns), default=-1) + 1
        self._texts: dict[Any, str] = {}  # cell value -> clean text: positions, units, awards repeat
        self.sheet_target = block.target_hint
        name_col = self.cols.get("ho_ten")
        if name_col is not None:
            key = fold(name_col.header)
            if ("tập thể" in key or "đơn vị" in key) and "cá nhân" not in key and "họ" not in key:
                self.sheet_target = Target.TAP_THE
        sheet_key = fold(sheet.name)
        if "tập thể" in sheet_key or "tap the" in sheet_key:
            self.sheet_target = Target.TAP_THE
        elif "cá nhân" in sheet_key or "ca nhan" in sheet_key:
            self.sheet_target = Target.CA_NHAN

    def issue(self, code: str, severity: Severity, row: int | None, column: str | None, value: Any, message: str) -> None:
        self.result.issues.append(
            Issue(
                code=code,
                severity=severity,
                file=self.file,
                sheet=self.sheet.name,
                row=row,
                column=column,
                value=None if value in (None, "") else (_cell_text(value) or None),
                message=message,
            )
        )

    def read(self) -> _SheetResult:
        rows = self.sheet.rows
        stt_col = self.cols.get("stt")
        name_col = self.cols.get("ho_ten")
        section_target: Target | None = None
        post_cols = {self.cols[f].index for f in ("chuc_vu", "chuc_vu_don_vi") if f in self.cols}
        width = self.width
        stt_index = stt_col.index if stt_col is not None else None
        name_index = name_col.index if name_col is not None else None
        down = self._merged_down()
        for r in range(self.band.last_row + 1, self.stop):
            row = rows[r]
            if len(row) < width:
                row = row + [""] * (width - len(row))
            if r in down:
                row = list(row)
                for c, value in down[r]:
                    if c < len(row) and row[c] in ("", None):
                        row[c] = value
            if stt_index is not None and type(row[stt_index]) in (int, float):
                # A numbered row is a data row (the common case, kept cheap), unless its name
                # cell says it totals the table: "Tổng cộng: 12 người".
                name = row[name_index] if name_index is not None else ""
                # (cheap first test: "Tổng"/"Cộng" in NFC or NFD, not "Trần", "Châu", "Tô")
                if not (type(name) is str and name[:1] in "TtCc" and name[1:2] in "ổỔộỘoO"
                        and _TOTAL.match(fold(name))):
                    self._read_row(r, row, section_target)
                continue
            if not any(v != "" and v is not None for v in row):
                continue
            texts = [(c, _cell_text(v)) for c, v in enumerate(row) if v != "" and v is not None]
            texts = [(c, t) for c, t in texts if t]
            if not texts:
                continue
            stt_value = row[stt_col.index] if stt_col is not None and stt_col.index < len(row) else ""
            stt_is_number = _is_num(stt_value) or (isinstance(stt_value, str) and stt_value.strip().isdigit())
            first_key = fold(texts[0][1])
            # The signature block starts with a title ("NGƯỜI LẬP BIỂU", "HIỆU TRƯỞNG", "(Ký, ...").
            # A nominee's post uses the same words ("Hiệu trưởng", "Giám đốc", "Chủ tịch") and a
            # summary may start with them, so only the row's first cell outside the posts counts.
            lead = next((t for c, t in texts if c not in post_cols), "")
            if not stt_is_number and _FOOTER.match(fold(lead)):
                break  # signature block: the table has ended
            if not stt_is_number and len(texts) == 1 and _DATE_LINE.match(first_key):
                break  # the place and date line above the signature block
            if any(_TOTAL.match(fold(t)) for c, t in texts[:3]):
                continue
            distinct = {t for c, t in texts}
            if (not stt_is_number and len(texts) == 2 and stt_col is not None and texts[0][0] == stt_col.index
                    and _SECTION_MARK.match(fold(texts[0][1]))):
                # "I" | "CÁ NHÂN": the section's numeral in the STT column and its name beside it.
                distinct, first_key = {texts[1][1]}, fold(texts[1][1])
            if not stt_is_number and len(distinct) == 1:
                if _SECTION.match(first_key) or not self._has_award(row):
                    if "tập thể" in first_key:
                        section_target = Target.TAP_THE
                    elif "cá nhân" in first_key:
                        section_target = Target.CA_NHAN
                    # "1. Trường Tiểu học Sông Cầu": a roll-up's group of one school, whose people
                    # are its workplace's when the rows do not say it
                    group = _GROUP_NUMBER.sub("", next(iter(distinct)))
                    self.group_unit = unit_display(group) if _UNIT_PREFIX_PLAIN.match(strip_accents(fold(group))) and \
                        not _PARENT_BODY.match(strip_accents(fold(group))) else None
                    continue
            name_value = row[name_col.index] if name_col is not None and name_col.index < len(row) else ""
            if not stt_is_number and name_value in ("", None) and not self._has_award(row):
                continue  # stray notes beside the table
            self._read_row(r, row, section_target)
        return self.result

    def _merged_down(self) -> dict[int, list[tuple[int, Any]]]:
        """Row -> (column, value) of the table's cells merged down from a row above.

        A unit that proposes one award for six people often merges the award cell over their six
        rows (and the post, or the workplace): Excel keeps the value in the top cell only, the
        clerk reads it on every row. Across (a section's name over the columns) nothing is copied.
        """
        rows, first = self.sheet.rows, self.band.last_row + 1
        down: dict[int, list[tuple[int, Any]]] = {}
        for r1, c1, r2, _ in self.sheet.merged:
            if r1 < first or r2 <= r1 or r1 >= len(rows) or c1 >= len(rows[r1]):
                continue
            value = rows[r1][c1]
            if value in ("", None):
                continue
            for r in range(r1 + 1, min(r2, len(rows) - 1) + 1):
                down.setdefault(r, []).append((c1, value))
        return down

    def _has_award(self, row: list[Any]) -> bool:
        for name in AWARD_FIELDS:
            col = self.cols.get(name)
            if col is not None and col.index < len(row) and row[col.index] not in ("", None):
                return True
        return False

    def _value(self, row: list[Any], name: str) -> Any:
        col = self.cols.get(name)
        if col is None or col.index >= len(row):
            return ""
        return row[col.index]

    def _text(self, value: Any) -> str | None:
        """Clean text of a cell, memoised: most columns repeat a few values down the sheet."""
        if value == "" or value is None:
            return None
        if type(value) is not str:  # 1 == 1.0 == True as dict keys: memoise text only
            return _cell_text(value) or None
        text = self._texts.get(value)
        if text is None:
            text = self._texts[value] = clean(value)
        return text or None

    def _read_row(self, r: int, row: list[Any], section_target: Target | None) -> None:
        # Hot path: runs once per nominee; rows are padded to the table's width by read().
        # Indices are attributes and repeated cell values are memoised per column.
        excel_row = r + 1
        if r in self.sheet.hidden_rows:
            name_col = self.cols.get("ho_ten")
            self.issue("hidden-row", Severity.ERROR, excel_row, name_col.header if name_col else None,
                       row[name_col.index] if name_col else None,
                       "Dòng này đang bị ẩn trong tệp (ẩn dòng hoặc bộ lọc): người xem tệp không thấy, có thể đơn vị "
                       "đã rút tên. Chưa được tính vào biểu tổng hợp. Nếu vẫn đề nghị, đơn vị bỏ ẩn (hoặc bỏ lọc) rồi "
                       "gửi lại; nếu đã rút, xóa hẳn dòng.")
        text = self._text
        values: dict[str, Any] = self.template.copy()
        if self.i_name is not None:
            name_value = row[self.i_name]
            if type(name_value) is str:
                self.names.append(name_value)  # the raw text, for the legacy-font second look
                values["ho_ten"] = clean(name_value) or None
                if self.courtesy and values["ho_ten"] and (m := _COURTESY.match(values["ho_ten"])):
                    values["ho_ten"] = m.group(1)
            else:
                values["ho_ten"] = text(name_value)
        if self.stt_index is not None:
            stt = row[self.stt_index]
            values["stt"] = str(int(stt)) if type(stt) is float and stt.is_integer() else text(stt)
        memo = self._texts
        for name, i in self.text_fields:
            value = row[i]
            if value == "" or value is None:
                continue  # the template holds None
            if type(value) is not str:  # 1 == 1.0 == True as dict keys: memoise text only
                values[name] = _cell_text(value) or None
                continue
            found = memo.get(value)
            if found is None:
                found = memo[value] = clean(value)
            values[name] = found or None
        if values["nam_hoc"] is not None:
            values["nam_hoc"] = _school_year_cell(values["nam_hoc"])
        if self.i_position_unit is not None:
            position, unit = _split_position_unit(text(row[self.i_position_unit]) or "")
            values["chuc_vu"] = values["chuc_vu"] or position
            values["don_vi"] = values["don_vi"] or unit
        if self.group_unit is not None and not values["don_vi"]:
            values["don_vi"] = self.group_unit

        # Date of birth, and gender from the "Nam"/"Nữ" birth columns when there are any.
        ngay_sinh = nam_sinh = gender = None
        birth_value: Any = ""
        birth_header = None
        if self.has_birth_gender_cols:
            at = self.at
            male = row[at["birth_nam"]] if "birth_nam" in at else ""
            female = row[at["birth_nu"]] if "birth_nu" in at else ""
            if male not in ("", None) and female not in ("", None):
                self.issue("invalid-gender", Severity.ERROR, excel_row, self.cols["birth_nu"].header, female,
                           "Có năm sinh ở cả cột Nam và cột Nữ: chỉ ghi ở một cột theo giới tính.")
            elif male not in ("", None):
                birth_value, birth_header, gender = male, self.cols["birth_nam"].header, "nam"
            elif female not in ("", None):
                birth_value, birth_header, gender = female, self.cols["birth_nu"].header, "nu"
        if (birth_value == "" or birth_value is None) and self.has_gender_mark_cols and not self.has_birth_gender_cols:
            # "Nam" | "Nữ" columns holding birth years, with no group header above them
            for name in ("gender_nam", "gender_nu"):
                mark = row[self.at[name]] if name in self.at else ""
                if (_is_num(mark) and mark >= 1000) or isinstance(mark, (date, datetime)) or (
                        isinstance(mark, str) and sum(ch.isdigit() for ch in mark) >= 4):  # not a mark "1"
                    birth_value, birth_header = mark, self.cols[name].header
                    break
        if (birth_value == "" or birth_value is None) and self.i_birth is not None:
            birth_value, birth_header = row[self.i_birth], self.birth_header
            if (birth_value == "" or birth_value is None) and self.second_birth is not None:
                birth_value, birth_header = row[self.second_birth[0]], self.second_birth[1]
        if birth_value != "" and birth_value is not None:
            parsed = parse_date(birth_value)
            if parsed.error:
                self.issue("invalid-date", Severity.ERROR, excel_row, birth_header, birth_value,
                           f"Ngày sinh không hợp lệ: {parsed.error}. Hãy ghi theo dạng ngày/tháng/năm, ví dụ 05/09/1985.")
            elif (parsed.year or 0) < FIRST_BIRTH_YEAR or (parsed.day or date.min) > date.today():
                # a date Excel shows but no nominee has: 01/01/1900 (an empty date cell), a future one
                when = parsed.day.strftime("%d/%m/%Y") if parsed.day else str(parsed.year)
                self.issue("invalid-date", Severity.ERROR, excel_row, birth_header, birth_value,
                           f"Ngày sinh {when} không hợp lý (" + ("ở tương lai" if (parsed.day or date.min) > date.today()
                                                                else f"trước năm {FIRST_BIRTH_YEAR}")
                           + "): hãy ghi đúng ngày sinh, ví dụ 05/09/1985.")
            else:
                ngay_sinh, nam_sinh = parsed.day, parsed.year
        if self.i_gender is not None:
            raw_gender = row[self.i_gender]
            if raw_gender != "" and raw_gender is not None:
                parsed_gender = parse_gender(raw_gender)
                header = self.cols["gioi_tinh"].header
                if parsed_gender is None:
                    self.issue("invalid-gender", Severity.ERROR, excel_row, header, raw_gender,
                               "Giới tính không hợp lệ: ghi \"Nam\" hoặc \"Nữ\".")
                elif gender is not None and parsed_gender != gender:
                    self.issue("invalid-gender", Severity.ERROR, excel_row, header, raw_gender,
                               "Giới tính không khớp với cột Nam/Nữ ghi năm sinh: kiểm tra lại.")
                else:
                    gender = parsed_gender
        if self.has_gender_mark_cols:
            at = self.at
            male = row[at["gender_nam"]] if "gender_nam" in at else ""
            female = row[at["gender_nu"]] if "gender_nu" in at else ""
            if male not in ("", None) and female not in ("", None):
                header = self.cols.get("gender_nu", self.cols.get("gender_nam")).header
                self.issue("invalid-gender", Severity.ERROR, excel_row, header, female,
                           "Đánh dấu cả Nam và Nữ: chỉ đánh dấu một cột.")
            elif male not in ("", None):
                gender = "nam"
            elif female not in ("", None):
                gender = "nu"
            elif self.unmarked_men and (ngay_sinh or nam_sinh):  # a person's row (a collective has no birth)
                gender = "nam"

        # Awards, however written; an unknown one is an error, never dropped.
        awards: list[AwardProposal] = []
        for i, header, column_memo in self.award_cols:
            value = row[i]
            if value == "" or value is None:
                continue
            try:
                award_text, proposals = column_memo[value]
            except (KeyError, TypeError):
                award_text, proposals = self._proposals(value, header)
                if type(value) is str:
                    column_memo[value] = award_text, proposals
            if i == self.leveled and (level := _cell_text(row[self.i_level])):
                award_text, proposals = self._with_level(award_text, level, header)
            if not proposals:
                continue
            awards += proposals
            for match in proposals:
                if match.code is None:
                    self.issue("unknown-award", Severity.ERROR, excel_row, header, award_text,
                               unknown_award_message(award_text, self.catalogue))

        rating = rating_raw = None
        if self.i_rating is not None:
            rating_raw = text(row[self.i_rating])
            if rating_raw:
                rating = parse_rating(rating_raw)
                if rating is None:
                    self.issue("invalid-rating", Severity.WARNING, excel_row, self.cols["xep_loai"].header, rating_raw,
                               "Không nhận ra mức xếp loại: ghi HTXSNV, HTTNV, HTNV hoặc KHTNV.")

        if self.extra_cols:
            extra = {}
            for i, header in self.extra_cols:
                value = row[i]
                if value != "" and value is not None:
                    extra[header] = text(value)
            values["extra"] = extra
        else:
            values["extra"] = {}
        if self.i_target is not None and type(row[self.i_target]) is str and row[self.i_target]:
            section_target = Target.TAP_THE if "tập thể" in fold(row[self.i_target]) else Target.CA_NHAN
        values["target"] = section_target or self.sheet_target or (
            Target.CA_NHAN if (ngay_sinh or nam_sinh or gender) else self._target(values["ho_ten"], awards)
        )
        values["ngay_sinh"] = ngay_sinh
        values["nam_sinh"] = nam_sinh
        values["gioi_tinh"] = gender
        values["awards"] = awards
        values["xep_loai"] = rating
        values["xep_loai_raw"] = rating_raw
        if values["nam_hoc"] is None:
            values["nam_hoc"] = self.block.nam_hoc
        values["row"] = excel_row
        # fast_model(), inlined: this line runs once per nominee
        nominee = _new_nominee(Nominee)
        _setattr(nominee, "__dict__", values)
        _setattr(nominee, "__pydantic_fields_set__", _NOMINEE_FIELDS)
        _setattr(nominee, "__pydantic_extra__", None)
        _setattr(nominee, "__pydantic_private__", None)
        self.nominees_append(nominee)

    def _proposals(self, value: Any, header: str) -> tuple[str, list[AwardProposal]]:
        award_text = _cell_text(value)
        if not award_text:
            return award_text, []
        return award_text, [
            fast_model(AwardProposal, {"raw": award_text, "column": header, "code": m.code, "kind": m.kind,
                                       "theme": m.theme})
            for m in self.catalogue.match(award_text)
        ]

    def _with_level(self, award_text: str, level: str, header: str) -> tuple[str, list[AwardProposal]]:
        """The award of a cell completed by the "Cấp" cell beside it ("Chiến sĩ thi đua" + "cơ sở").

        The two read as one name when they name an award together; an award the cell names alone
        ("Lao động tiên tiến" beside "cơ sở") stays as it is; neither: unknown, shown as both.
        """
        key = (award_text, level)
        if (known := self.level_memo.get(key)) is None:
            both = f"{award_text} {level}"
            together = self._proposals(both, header)
            alone = self._proposals(award_text, header)
            if all(p.code for p in together[1]) or not all(p.code for p in alone[1]):
                known = together
            else:
                known = alone
            self.level_memo[key] = known
        return known

    def _target(self, name: str | None, awards: list[AwardProposal]) -> Target:
        """Individual or collective, for a row with no section, sheet or personal data to say."""
        if name and _COLLECTIVE_NAME.match(fold(name)):
            return Target.TAP_THE
        codes = [a.code for a in awards if a.code]
        if codes and all(self.catalogue[c].targets == {Target.TAP_THE} for c in codes):
            return Target.TAP_THE
        return Target.CA_NHAN


def unknown_award_message(award_text: str, catalogue: Catalogue) -> str:
    """What to tell the clerk about an award the catalogue does not have: the nearest names first."""
    near = catalogue.nearest(award_text)
    if not near:
        return (f"Không có \"{award_text}\" trong danh mục danh hiệu, hình thức khen thưởng: "
                "ghi đúng tên (ví dụ Lao động tiên tiến, Chiến sĩ thi đua cơ sở, Giấy khen) "
                "hoặc bổ sung vào danh mục.")
    guess = near[0] if len(near) == 1 else ", ".join(near[:-1]) + " hoặc " + near[-1]
    return (f"Không có \"{award_text}\" trong danh mục danh hiệu, hình thức khen thưởng. Có phải: {guess}? "
            "Ghi đúng tên, hoặc bổ sung cách viết này vào trang DanhMuc của sổ tổng hợp.")


# The workplace starts at the first unit word after a separator; "tổ trưởng" and "tổ phó" are
# posts ("Giáo viên, tổ trưởng tổ Toán, Trường THCS X"), "Tổ Toán" is a unit.
_POSITION_UNIT = re.compile(
    r"^(.*?)\s*[,;\-–]\s*((?:trường|phòng|sở|ubnd|ủy ban|uỷ ban|trung tâm|tổ(?! trưởng| phó)|ban|văn phòng|khoa|công đoàn|thư viện)\b.*)$",
    re.IGNORECASE,
)


def _split_position_unit(text: str) -> tuple[str | None, str | None]:
    """"Giáo viên, Trường TH Lê Lợi" -> ("Giáo viên", "Trường TH Lê Lợi")."""
    if not text:
        return None, None
    m = _POSITION_UNIT.match(text)
    if m and m.group(1):
        return m.group(1).strip() or None, m.group(2).strip()
    if "," in text:
        position, unit = text.split(",", 1)
        return position.strip() or None, unit.strip() or None
    return text, None


# ---------------------------------------------------------------------------
# The submitting unit, decided from every clue the workbook gives (issue 11)

# What each kind of clue weighs; the unit whose clues weigh most wins. Strong clues are what a
# unit writes about itself: its "Đơn vị:" line, its title block, the workplace of most of its
# people (alone or in a combined "Chức vụ, đơn vị công tác"), a collective row naming the unit
# itself. A file or sheet name is weak: a clerk's label that may name nobody ("Tổng hợp").
UNIT_CLUE_WEIGHTS = {"template": 12, "title": 10, "don_vi": 5, "chuc_vu_don_vi": 5, "collective": 4, "file": 2,
                     "sheet": 1}
STRONG_UNIT_CLUES = frozenset({"template", "title", "don_vi", "chuc_vu_don_vi", "collective"})
# Words that say what a file holds, never who sent it, as they stand at either end of a file or
# sheet name (accents stripped): "Tổng hợp", "DS khen thưởng", "Mẫu 01", "KQ 2015-2020", "- KT 2015-2020".
_GENERIC_LABEL = re.compile(
    r"tong hop|danh sach|dsach|ds|danhsach|sheet ?\d*|trang tinh ?\d*|worksheet|feuil ?\d*|tabelle ?\d*|ca nhan|"
    r"tap the|ket qua|kq|de nghi|dn|mau|mau so|(mau|mau so|so|bieu|bieu mau|lan|ban|sheet) \d+|kt|tdkt|khen thuong|"
    r"thi dua|dang ky|dang ki|nam hoc|giai doan|bieu|bieu mau|bao cao|data|du lieu|final|ban (moi|sua|chinh)|"
    r"copy|copy of|cua|va|nam \d{4}|\d{4}|\d{4} \d{2,4}|\d{1,2} \d{1,2} \d{2,4}|\(\d+\)"
)
_LABEL_WORD = re.compile(r"[^\s_\-–—,;()\[\]+.]+")
# A collective that is the unit itself ("Trường TH Kiên Bình 1"), not a part of it ("Tổ Toán").
_SELF_UNIT = re.compile(r"^(tập thể\s+)?((trường|phòng (gd|giáo dục)|sở (gd|giáo dục)|ubnd|ủy ban|uỷ ban|trung tâm)\b.*)$")
# A workplace that is part of a unit: it says nothing about which unit sent the list.
_SUB_UNIT = re.compile(r"^(tổ|lớp|khối|bộ phận|nhóm|điểm trường|phân hiệu|ban|khoa|văn phòng)\b")


def unit_from_label(label: str) -> str | None:
    """The unit a file or sheet name may name, without the words that only say what it holds.

    "TH Kien Binh 1 - KT 2015-2020" -> "TH Kien Binh 1"; "Tổng hợp", "Sheet1", "Mẫu 01",
    "KQ 2015-2020" -> None (generic words are never a unit).
    """
    text = clean(label)
    spans = [m.span() for m in _LABEL_WORD.finditer(text)]
    words = [text[a:b] for a, b in spans]
    keys = [strip_accents(fold(w)) for w in words]
    start, end = 0, len(words)
    changed = True
    while changed and start < end:
        changed = False
        for n in (3, 2, 1):
            if end - start >= n and _GENERIC_LABEL.fullmatch(" ".join(keys[start:start + n])):
                start, changed = start + n, True
                break
        for n in (3, 2, 1):
            if end - start >= n and _GENERIC_LABEL.fullmatch(" ".join(keys[end - n:end])):
                end, changed = end - n, True
                break
    kept = words[start:end]
    if not any(ch.isalpha() for w in kept for ch in w):
        return None
    return text[spans[start][0]:spans[end - 1][1]]


def _clue_key(name: str) -> str:
    """Unit clues agree when they match after accent folding, "Trường" or not ("TH Kien Binh 1" = "Trường TH Kiên Bình 1")."""
    return unit_key(name).removeprefix("truong ")


def _row_clues(submission: Submission) -> list[tuple[str, str]]:
    """The unit named by the rows: the workplace of a clear majority, and collectives that are the unit itself."""
    clues: list[tuple[str, str]] = []
    # Workplaces: a clear majority of the rows that have the column; a collective with it empty
    # does not count against (collectives have no workplace of their own).
    by_source: dict[str, list[Nominee]] = {}
    for n in submission.nominees:
        if n.duplicate_of is not None:
            continue
        columns = submission.columns.get(n.sheet, {})
        source = "don_vi" if "don_vi" in columns else "chuc_vu_don_vi" if "chuc_vu_don_vi" in columns else None
        if source is None or (n.don_vi is None and n.target == Target.TAP_THE):
            continue
        by_source.setdefault(source, []).append(n)
    # A list repeats a handful of workplaces on thousands of rows: each spelling is looked at once.
    keys: dict[str, str | None] = {}  # spelling -> its clue key, None when it names no unit
    for source, rows in by_source.items():
        spellings: dict[str, list[str]] = {}
        for n in rows:
            if not n.don_vi:
                continue
            if n.don_vi not in keys:
                keys[n.don_vi] = (_clue_key(n.don_vi) if not _SUB_UNIT.match(fold(n.don_vi))
                                  and unit_from_label(n.don_vi) else None)
            if (key := keys[n.don_vi]) is not None:
                spellings.setdefault(key, []).append(n.don_vi)
        if not spellings:
            continue
        written = max(spellings.values(), key=len)
        if len(written) * 5 >= len(rows) * 3:  # 60% or more
            name = max(set(written), key=written.count)
            clues.append((source, unit_display(name)))
    # Collectives that are the unit itself; several different ones (a roll-up) say nothing.
    selves: dict[str, str] = {}
    for n in submission.nominees:
        if n.target == Target.TAP_THE and n.ho_ten and (m := _SELF_UNIT.match(fold(n.ho_ten))):
            name = unit_display(n.ho_ten[len(n.ho_ten) - len(m.group(2)):])
            if len(name.split()) >= 3 and unit_from_label(name):
                selves.setdefault(_clue_key(name), name)
    if len(selves) == 1:
        clues.append(("collective", next(iter(selves.values()))))
    return clues


def _decide_unit(submission: Submission, blocks: list[TitleBlock], shown: str) -> None:
    """Set the submission's unit, its source, confidence and evidence; flag a unit known only from weak clues."""
    clues = [(source, name) for block in blocks for source, name in block.clues if unit_from_label(name)]
    clues += _row_clues(submission)
    attachment = shown.rsplit("»", 1)[-1].strip()
    if label := unit_from_label(Path(attachment).stem):
        clues.append(("file", label))
    for sheet in submission.sheets[:1]:
        if label := unit_from_label(sheet):
            clues.append(("sheet", unit_display(label)))
    groups: dict[str, list[tuple[str, str]]] = {}
    for source, name in clues:
        groups.setdefault(_clue_key(name), []).append((source, name))
    if groups:
        group = max(groups.values(), key=lambda g: sum(UNIT_CLUE_WEIGHTS[s] for s in {s for s, _ in g}))
        source, name = max(group, key=lambda clue: UNIT_CLUE_WEIGHTS[clue[0]])
        evidence = sorted({s for s, _ in group}, key=lambda s: -UNIT_CLUE_WEIGHTS[s])
    else:
        source, name, evidence = "file", Path(shown).stem, []
    submission.unit, submission.unit_source, submission.unit_evidence = name, source, evidence
    submission.unit_confidence = "strong" if STRONG_UNIT_CLUES & set(evidence) else "weak"
    # A title block that names only the body above the unit ("UBND PHƯỜNG TÂN AN"), in a file or
    # sheet named for another unit ("THCS Kim Dong.xlsx"): the list may be a school's whose own line
    # is missing. Taken as the body's, it would replace the body's list, or the next such school's.
    named = [label for s, label in clues if s in ("file", "sheet") and _clue_key(label) != _clue_key(name)
             and _UNIT_PREFIX_PLAIN.match(plain := strip_accents(fold(label))) and not _PARENT_BODY.match(plain)]
    if source == "title" and _PARENT_BODY.match(strip_accents(fold(name))) and named:
        submission.unit_confidence = "weak"
        submission.issues.append(Issue(
            code="unit-uncertain", severity=Severity.WARNING, file=shown, value=name,
            message=f"Chưa chắc chắn đơn vị gửi danh sách: phần đầu danh sách chỉ ghi \"{name}\" (cơ quan chủ quản), "
                    f"còn tên tệp hoặc tên trang ghi \"{named[0]}\". Hãy ghi tên đơn vị vào dòng dưới tên cơ quan chủ "
                    "quản ở phần đầu danh sách, hoặc thêm tên đúng vào trang BiDanh của sổ tổng hợp. Đến lúc đó danh "
                    "sách được giữ riêng, không thay thế danh sách nào khác."))
        return
    if submission.unit_confidence == "weak":
        where = " và ".join(schema.UNIT_EVIDENCE_LABELS[s] for s in evidence) or "tên tệp (trong tệp không ghi tên đơn vị nào)"
        submission.issues.append(Issue(
            code="unit-uncertain", severity=Severity.WARNING, file=shown, value=name,
            message=f"Chưa chắc chắn đơn vị gửi danh sách: tên \"{name}\" chỉ đoán từ {where}. Hãy ghi tên đơn vị "
                    "vào ô \"Đơn vị:\" hoặc phần đầu danh sách (dưới tên cơ quan chủ quản), hoặc thêm tên này vào "
                    "trang BiDanh của sổ tổng hợp. Đến lúc đó danh sách được giữ riêng, không thay thế danh sách nào khác."))


# ---------------------------------------------------------------------------
# The whole workbook


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector for a bulk read.

    Ingest allocates a few dozen objects per row, none of them in reference cycles, and the
    collector would otherwise rescan the growing heap again and again (about 40% of ingest
    time on a 10,000-row sheet). Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_submission(path: Path | str, *, display_path: str | None = None, catalogue: Catalogue | None = None) -> Submission:
    """Read one unit workbook into a Submission (rows, unit, and issues); never raises on bad data."""
    path = Path(path)
    shown = display_path if display_path is not None else str(path)
    catalogue = catalogue or default_catalogue()
    with gc_paused():
        try:
            book = prefetch.taken(path) or read_workbook(path)  # read ahead while the file before was checked
        except UnreadableFile as exc:
            return _unreadable(shown, str(exc))
        except OSError as exc:
            return _unreadable(shown, f"Không mở được tệp ({exc.strerror or type(exc).__name__}).")
        except Exception as exc:  # last resort: one file we did not foresee must not stop the run
            return unexpected_failure(shown, exc)
        try:
            return submission_from_workbook(book, shown, catalogue)
        except UnreadableFile as exc:  # the legacy-font second look opens the file again
            return _unreadable(shown, str(exc))
        except Exception as exc:
            return unexpected_failure(shown, exc)


def _unreadable(shown: str, reason: str) -> Submission:
    issue = Issue(code="unreadable-file", severity=Severity.ERROR, file=shown, message=reason)
    return Submission(path=shown, status="unreadable", reason=reason, issues=[issue])


def unexpected_failure(shown: str, exc: BaseException) -> Submission:
    """One file that failed in a way nobody foresaw: unreadable, with the error named briefly."""
    detail = " ".join(str(exc).split())[:120]
    return _unreadable(
        shown,
        f"Không đọc được tệp do lỗi ngoài dự kiến ({type(exc).__name__}{': ' + detail if detail else ''}). "
        "Các tệp khác vẫn được xử lý. Hãy mở tệp bằng Excel, lưu lại rồi gửi lại; "
        "nếu vẫn lỗi, gửi tệp này cho người quản trị tdkt.",
    )


MAX_ISSUES_PER_CODE = 200  # a clerk reads the first ones; the rest are the same mistake again


def cap_issues(issues: list[Issue], shown: str) -> list[Issue]:
    """At most MAX_ISSUES_PER_CODE issues of each code, in order; the rest become one
    `too-many-issues` issue per code, as severe as the worst one it stands for."""
    counts: dict[str, int] = {}
    for issue in issues:
        counts[issue.code] = counts.get(issue.code, 0) + 1
    if all(n <= MAX_ISSUES_PER_CODE for n in counts.values()):
        return issues
    kept: list[Issue] = []
    seen: dict[str, int] = {}
    worst: dict[str, Severity] = {}
    rank = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}
    for issue in issues:
        n = seen[issue.code] = seen.get(issue.code, 0) + 1
        if n <= MAX_ISSUES_PER_CODE:
            kept.append(issue)
        elif issue.code not in worst or rank[issue.severity] > rank[worst[issue.code]]:
            worst[issue.code] = issue.severity
    for code, severity in worst.items():
        left = counts[code] - MAX_ISSUES_PER_CODE
        kept.append(Issue(
            code="too-many-issues", severity=severity, file=shown, value=code,
            message=f"Còn {_count(left)} vấn đề loại \"{code}\" nữa không liệt kê ra đây (cả tệp có "
                    f"{_count(counts[code])}): thường là cùng một lỗi lặp lại ở mọi dòng, ví dụ nhầm cột. "
                    "Hãy sửa các vấn đề đã nêu rồi kiểm tra lại.",
        ))
    return kept


def _count(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # Vietnamese groups thousands with dots


# Characters that TCVN3 and VNI text is full of but Unicode Vietnamese never uses ("NguyÔn ThÞ",
# "Nguyeãn Thò Höông"): Latin-1 letters and signs outside the Vietnamese alphabet.
_LEGACY_LOOKING = re.compile("[\u00a1-\u00bf\u00c4-\u00c7\u00cb\u00ce-\u00d1\u00d6-\u00d8\u00db\u00dc\u00de\u00df"
                             "\u00e4-\u00e7\u00eb\u00ee-\u00f1\u00f6-\u00f8\u00fb\u00fc\u00fe\u00ff]")


def _looks_legacy(submission: Submission, readers: list["_Reader"]) -> bool:
    texts: list[str] = []
    for reader in readers:
        texts += reader.names
        texts += reader._texts.keys()
        texts += (c.header for c in reader.band.columns)
    # one scan over the joined text: a regex call per cell would cost a tenth of the read
    return _LEGACY_LOOKING.search("\n".join(texts)) is not None


def _carry_master_issues(book: RawWorkbook, submission: Submission) -> None:
    """A rolled-up master's verdicts: the issues of its Loi, on the DanhSach rows they link to.

    Its rows were checked at the level below against the unit's own list (which columns it had,
    the birth date as typed); checking the master's columns again would invent warnings. An issue
    the reading here also found on the same row (an unknown award) is carried once.
    """
    found = next((s for s in book.sheets if s.name == schema.ISSUES), None)
    if found is None:
        return
    rows = found.rows
    head = next((i for i, r in enumerate(rows[:20]) if r and isinstance(r[0], str)
                 and clean(r[0]) == schema.ISSUE_COLUMNS[0].header), None)
    if head is None:
        return
    keys = [c.key for c in schema.ISSUE_COLUMNS]
    read_here = {(i.code, i.row) for i in submission.issues}
    listed = {n.row for n in submission.nominees}
    for raw in rows[head + 1:]:
        values = dict(zip(keys, list(raw) + [""] * (len(keys) - len(raw))))
        code, message, linked = _cell_text(values["code"]), _cell_text(values["message"]), _cell_text(values["master_row"])
        at = int(linked) if linked.isdigit() else None  # the link's text, the row number in DanhSach
        if not code or not message or code in RECOMPUTED or at not in listed:
            continue  # issues not on a row of DanhSach (a file-level note, a dropped duplicate) stay below
        if (code, at) in read_here:
            continue
        submission.issues.append(Issue(
            code=code, severity=schema.LABEL_SEVERITY.get(_cell_text(values["severity"]), Severity.WARNING),
            file=submission.path, sheet=schema.LIST, row=at, column=_cell_text(values["column"]) or None,
            value=_cell_text(values["value"]) or None, message=message))


def submission_from_workbook(book: RawWorkbook, shown: str, catalogue: Catalogue) -> Submission:
    """The nominee sheets of a workbook, read into one Submission."""
    readers: list[_Reader] = []
    submission = _submission(book, shown, catalogue, readers)
    already = any(sheet.legacy_cells for sheet in book.sheets)
    if not already and _looks_legacy(submission, readers) and decode_rich_text_fonts(book):
        submission = _submission(book, shown, catalogue, [])  # again, on the decoded text
    return submission


def _submission(book: RawWorkbook, shown: str, catalogue: Catalogue, readers: list["_Reader"]) -> Submission:
    submission = Submission(path=shown)
    blocks: list[TitleBlock] = []
    # A tdkt master merged one level up (it has the list and its log) proposes what DanhSach
    # holds: its DangKy (registrations) and DaiBieu (delegates) also name people, but propose nothing.
    names = {sheet.name for sheet in book.sheets}
    master_book = schema.LIST in names and schema.LOG in names
    for sheet in book.sheets:
        if not sheet.visible:
            continue  # hidden sheets hold lookup lists and old copies, not the unit's proposal
        if master_book and sheet.name != schema.LIST:
            continue
        if _INSTRUCTION_SHEET.match(fold(sheet.name)):
            continue  # a template's instructions often show the headers with an example row under them
        band = find_header(sheet)
        if band is None:
            continue
        block = read_title_block(sheet.rows, band.first_row)
        if block.document_date is None and (found := _footer_date(sheet.rows, band.last_row)):
            block.document_date, block.date_source = found, "footer"
        blocks.append(block)
        bands = [band, *further_headers(sheet, band)]
        stops = [b.first_row for b in bands[1:]] + [len(sheet.rows)]
        reader = _Reader(shown, sheet, band, block, catalogue, stop=stops[0])
        readers.append(reader)
        result = reader.read()
        for more, stop in zip(bands[1:], stops[1:]):
            extra = _Reader(shown, sheet, more, block, catalogue, stop=stop)
            readers.append(extra)
            more_result = extra.read()
            result.nominees.extend(more_result.nominees)
            result.issues.extend(more_result.issues)
        submission.sheets.append(sheet.name)
        submission.columns[sheet.name] = {name: col.header for name, col in band.field_columns().items()}
        positions: dict[str, int] = {}
        for col in band.columns:
            if col.header:
                positions.setdefault(col.header, col.index)
        submission.header_columns[sheet.name] = positions
        for r, c, length in sheet.cut_cells:
            header = next((col.header for col in band.columns if col.index == c and col.header), None)
            submission.issues.append(
                Issue(code="cell-too-long", severity=Severity.WARNING, file=shown, sheet=sheet.name, row=r + 1,
                      column=header or column_letters(c + 1),
                      message=f"Ô có {_count(length)} ký tự, quá giới hạn {_count(MAX_CELL_CHARS)} ký tự một ô "
                              f"của Excel: chỉ đọc {_count(MAX_CELL_CHARS)} ký tự đầu. Hãy rút gọn nội dung ô này.")
            )
        if sheet.uncached_formulas:
            submission.issues.append(
                Issue(code="formula-not-calculated", severity=Severity.ERROR, file=shown, sheet=sheet.name,
                      message=f"Trang có {_count(sheet.uncached_formulas)} ô công thức chưa được tính (tệp do một phần "
                              "mềm tạo ra và chưa mở bằng Excel): các ô đó đọc ra là trống, nên có thể thiếu tên, "
                              "danh hiệu hoặc cả dòng. Hãy mở tệp bằng Excel, lưu lại rồi gửi lại.")
            )
        if sheet.legacy_cells:
            fonts = ", ".join(sorted(sheet.legacy_fonts))
            submission.issues.append(
                Issue(code="legacy-encoding", severity=Severity.INFO, file=shown, sheet=sheet.name,
                      message=f"Đã chuyển {sheet.legacy_cells} ô từ phông chữ cũ ({fonts}) sang Unicode. "
                              "Nên gõ lại bằng phông Unicode (Times New Roman) ở lần gửi sau.")
            )
        submission.nominees.extend(result.nominees)
        submission.issues.extend(result.issues)
    if not submission.sheets:
        reason = (f"Không tìm thấy bảng danh sách đề nghị trong {HEADER_SEARCH_ROWS} dòng đầu của các trang: cần một "
                  "dòng tiêu đề cột có \"Họ và tên\" và các cột như Ngày sinh, Chức vụ, Danh hiệu/Hình thức đề nghị. "
                  "Nếu bảng nằm thấp hơn (dưới phần hướng dẫn dài), hãy chuyển phần hướng dẫn sang trang khác.")
        submission.status = "unreadable"
        submission.reason = reason
        submission.issues.append(Issue(code="no-header", severity=Severity.ERROR, file=shown, message=reason))
        return submission
    _decide_unit(submission, blocks, shown)
    if master_book:
        submission.rolled_up = True
        _carry_master_issues(book, submission)
    for block in blocks:
        submission.title = submission.title or block.title
        submission.nam_hoc = submission.nam_hoc or block.nam_hoc
        if submission.document_date is None and block.document_date is not None:
            submission.document_date, submission.document_date_source = block.document_date, block.date_source
    for nominee in submission.nominees:
        if nominee.unit is None:  # a rolled-up master names each row's own unit
            nominee.__dict__["unit"] = submission.unit
        if nominee.nam_hoc is None:  # the row's own year, else its sheet title's (set by the reader), else the list's
            nominee.__dict__["nam_hoc"] = submission.nam_hoc
    return submission
