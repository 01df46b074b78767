"""Text as units type it: legacy fonts, Unicode forms, stray spaces, dates, gender.

Pure functions on cell values; no file access.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from viparse.normalize.encodings import get_charmap
from viparse.normalize.tables import convert as _viparse_convert

# ---------------------------------------------------------------------------
# Spaces and Unicode forms

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)


def clean(value: str) -> str:
    """NFC, one space between words, no non-breaking or zero-width characters, trimmed.

    Call only after any legacy-font conversion: TCVN3 stores "ư" as U+00AD (soft hyphen),
    which this function deletes.
    """
    # Fast path: isprintable() is False for NBSP, line breaks, tabs, soft hyphens and
    # zero-width characters, so a printable NFC string only needs its spaces checked.
    if value.isprintable() and (value.isascii() or unicodedata.is_normalized("NFC", value)):
        if "  " not in value and value[:1] != " " and value[-1:] != " ":
            return value
        return " ".join(value.split())
    if not value.isascii():
        if not unicodedata.is_normalized("NFC", value):
            value = unicodedata.normalize("NFC", value)
        value = value.translate(_INVISIBLE)
    # str.split() with no argument splits on every Unicode space, NBSP and line breaks included.
    return " ".join(value.split())


# Control characters a terminal would act on: C0 but line feed and tab, DEL, and C1 (U+0080-U+009F,
# which some terminals read as CSI/OSC introducers). A zip member, an attachment or a cell can carry
# "\x1b]0;...\x07" that retitles the window or "\x1b[2J" that clears the screen.
_TERMINAL_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(value: str) -> str:
    """Text safe to print: each control character but line feed and tab as a visible \\uXXXX escape.

    The escape is JSON's own, so --json output keeps the exact text and the human output shows the
    same spelling the JSON does.
    """
    if value.isprintable():
        return value
    return _TERMINAL_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


# Old ("hoà", "thuỷ") and new ("hòa", "thủy") tone placement are both correct Vietnamese;
# keys must not tell them apart, but display keeps what the clerk typed.
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_TONE_MOVES = {}
for _mark in _TONES:
    for _first, _second in (("o", "a"), ("o", "e"), ("u", "y")):
        _old = unicodedata.normalize("NFC", _first + _second + _mark)
        _new = unicodedata.normalize("NFC", _first + _mark + _second)
        _TONE_MOVES[_old] = _new
_TONE_RE = re.compile(
    r"(?<![qQ])(" + "|".join(map(re.escape, _TONE_MOVES)) + r")(?![^\W\d_])"
)


@lru_cache(maxsize=1 << 16)
def fold(value: str) -> str:
    """Matching key: cleaned, lower-case, one tone placement ("hoà" and "hòa" alike).

    Memoised: units, positions, awards and statuses repeat on every row of a master.
    """
    key = clean(value).lower()
    if not key.isascii():
        key = _TONE_RE.sub(lambda m: _TONE_MOVES[m.group(1)], key)
    return key


def strip_accents(value: str) -> str:
    """Vietnamese without diacritics ("Nguyễn Đức" -> "Nguyen Duc"), for lenient matching."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_key(value: str) -> str:
    """Key that identifies a person's or collective's name across spellings of one name."""
    return fold(value)


# ---------------------------------------------------------------------------
# Legacy Vietnamese fonts (TCVN3/ABC and VNI-Windows)


def legacy_encoding(font_name: str | None) -> str | None:
    """The legacy encoding a font implies: "tcvn3" for .Vn* fonts, "vni" for VNI-* fonts."""
    if not font_name:
        return None
    name = font_name.strip().upper()
    if name.startswith(".VN"):
        return "tcvn3"
    if name.startswith("VNI"):
        return "vni"
    return None


def is_uppercase_font(font_name: str) -> bool:
    """TCVN3 capital fonts (".VnTimeH", ".VnArialH") draw lower-case bytes as capitals."""
    name = font_name.strip()
    return name.upper().startswith(".VN") and name.endswith("H")


def decode_legacy(text: str, font_name: str | None) -> str | None:
    """Text typed in a legacy font, as Unicode; None when the font is not a legacy one."""
    encoding = legacy_encoding(font_name)
    if encoding is None or _is_unicode_vietnamese(text):
        return None
    converted = _convert(text, encoding)
    if is_uppercase_font(font_name or ""):
        converted = converted.upper()
    if converted != text:
        # Typed in Unicode with the old font left on, in letters Latin-1 also has ("Giáo viên"):
        # read as the old code it becomes "Giỏo viờn", fewer Vietnamese words than as typed. As
        # many either way ("Lê Hà" / "Lờ Hà"): as typed when it uses only letters Unicode
        # Vietnamese takes from Latin-1 (old-code text has "ª", "µ", "¸"... for its commonest letters).
        typed, read = _vietnamese_words(text), _vietnamese_words(converted)
        if typed > read or (typed == read and all(ord(ch) < 0x80 or ch in _LATIN1_VIETNAMESE for ch in text)):
            return None
    return converted


# Legacy fonts are single-byte: Excel stores their text as code points up to U+00FF, or the
# Windows-1252 characters of bytes 0x80-0x9F. Anything else means the clerk retyped the cell in
# Unicode and left the old font on it: decoding would mangle it ("Họ và tên" -> "Họ và tờn").
_CP1252_HIGH = frozenset(bytes(range(0x80, 0xA0)).decode("cp1252", errors="ignore"))


def _is_unicode_vietnamese(text: str) -> bool:
    return any(ord(ch) > 0xFF and ch not in _CP1252_HIGH for ch in text)


# A Vietnamese syllable, tone marks set aside: onset, vowel nucleus, final consonant.
_SYLLABLE = re.compile(
    "(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?"
    "(uyê|uyu|uya|iêu|yêu|ươi|ươu|uôi|oai|oay|oao|oeo|uây|"
    "ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|ôi|ơi|ua|uâ|uê|ui|uô|uơ|uy|ưa|ưi|ươ|ưu|yê|"
    "[aăâeêioôơuưy])"
    "(ch|ng|nh|[cmnpt])?"
)
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_LATIN1_VIETNAMESE = frozenset("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")


@lru_cache(maxsize=4096)
def _vietnamese_words(text: str) -> int:
    """How many words of a text are Vietnamese syllables with at most one tone mark (to tell which
    reading of a legacy-font cell is the Vietnamese one)."""
    count = 0
    for word in re.findall(r"[^\W\d_]+", text):
        if any(ch.isupper() for ch in word[1:]) and not word.isupper():
            continue  # "TrÝ": a capital inside a lower-case word is an old code's letter, not Vietnamese typing
        marks = unicodedata.normalize("NFD", word.lower())
        if sum(ch in _TONES for ch in marks) > 1:
            continue
        base = unicodedata.normalize("NFC", "".join(ch for ch in marks if ch not in _TONES))
        if _SYLLABLE.fullmatch(base):
            count += 1
    return count


@lru_cache(maxsize=4096)
def _convert(text: str, encoding: str) -> str:
    charmap = get_charmap(encoding)
    assert charmap is not None, encoding
    return _viparse_convert(text, charmap)


# ---------------------------------------------------------------------------
# Dates of birth

_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 (Excel's 1900 leap-year bug included)
_DMY = re.compile(r"(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{2,4})")
_MY = re.compile(r"(\d{1,2})\s*[/\-.]\s*(\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")
_Y = re.compile(r"(\d{4})")
_VN_DATE = re.compile(r"ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """A date of birth as far as it is known: full date, or year only; `error` when unusable."""

    day: date | None = None
    year: int | None = None
    error: str | None = None  # Vietnamese reason, for the issue message


def parse_date(value: object, *, min_year: int = 1900, max_year: int = 2100) -> ParsedDate:
    """Read a date the way Vietnamese clerks write it: day first, never guessed.

    Accepts date cells, Excel serial numbers, a year alone (number or text), and text
    d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, m/yyyy and yyyy-mm-dd.
    """
    # value == value: NaN is never equal to itself, so as a cache key it would only pile up
    if type(value) in _CACHEABLE and min_year == 1900 and max_year == 2100 and value == value:
        try:
            return _DATE_CACHE[value]
        except KeyError:
            parsed = _parse_date(value, min_year, max_year)
            if len(_DATE_CACHE) < 200_000:
                _DATE_CACHE[value] = parsed
            return parsed
    return _parse_date(value, min_year, max_year)


_DATE_CACHE: dict[object, "ParsedDate"] = {}
# Keys of one type each: 1 == 1.0 as dict keys, but both read as the same year anyway.
_CACHEABLE = (str, float, int, date, datetime)


def _parse_date(value: object, min_year: int, max_year: int) -> ParsedDate:
    if value is None or value == "":
        return ParsedDate()
    if isinstance(value, datetime):
        return _checked(value.date(), min_year, max_year)
    if isinstance(value, date):
        return _checked(value, min_year, max_year)
    if isinstance(value, bool):
        return ParsedDate(error="không phải ngày tháng")
    if isinstance(value, (int, float)):
        # A crafted or damaged file can hold NaN or infinity in a number cell (<v>NaN</v>):
        # int() would raise on it and stop the whole run.
        if isinstance(value, float) and not math.isfinite(value):
            return ParsedDate(error="ô chứa số không hợp lệ (NaN hoặc vô cực), không phải ngày tháng")
        if value != int(value):
            return ParsedDate(error="không phải ngày tháng")
        number = int(value)
        if min_year <= number <= max_year:
            return ParsedDate(year=number)
        if 1 <= number <= 2_958_465:
            return _checked(_EXCEL_EPOCH + timedelta(days=number), min_year, max_year)
        return ParsedDate(error="không phải ngày tháng")
    text = clean(str(value))
    if m := _DMY.fullmatch(text):
        d, mo, y = m.groups()
        if len(y) != 4:
            return ParsedDate(error="năm phải viết đủ 4 chữ số")
        return _from_parts(int(y), int(mo), int(d), min_year, max_year)
    if m := _YMD.fullmatch(text):
        y, mo, d = m.groups()
        return _from_parts(int(y), int(mo), int(d), min_year, max_year)
    if m := _MY.fullmatch(text):
        mo, y = int(m.group(1)), int(m.group(2))
        if not 1 <= mo <= 12:
            return ParsedDate(error=f"không có tháng {mo}")
        return _year_only(y, min_year, max_year)
    if m := _Y.fullmatch(text):
        return _year_only(int(m.group(1)), min_year, max_year)
    if m := _VN_DATE.search(text):
        d, mo, y = m.groups()
        return _from_parts(int(y), int(mo), int(d), min_year, max_year)
    return ParsedDate(error="không đọc được ngày tháng (viết theo dạng ngày/tháng/năm)")


def _from_parts(y: int, mo: int, d: int, min_year: int, max_year: int) -> ParsedDate:
    try:
        day = date(y, mo, d)
    except ValueError:
        return ParsedDate(error=f"ngày {d:02d}/{mo:02d}/{y} không có trên lịch")
    return _checked(day, min_year, max_year)


def _checked(day: date, min_year: int, max_year: int) -> ParsedDate:
    if not min_year <= day.year <= max_year:
        return ParsedDate(error=f"năm {day.year} không hợp lý")
    return ParsedDate(day=day, year=day.year)


def _year_only(y: int, min_year: int, max_year: int) -> ParsedDate:
    if not min_year <= y <= max_year:
        return ParsedDate(error=f"năm {y} không hợp lý")
    return ParsedDate(year=y)


def find_document_date(text: str) -> date | None:
    """The date of a "<place>, ngày 14 tháng 5 năm 2025" line, when it is a real date."""
    m = _VN_DATE.search(text)
    if not m:
        return None
    d, mo, y = map(int, m.groups())
    try:
        return date(y, mo, d)
    except ValueError:
        return None


_SCHOOL_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-–—/]\s*((?:19|20)\d{2})(?!\d)")


def find_school_year(text: str) -> str | None:
    """"2024-2025" from a title such as "... NĂM HỌC 2024 - 2025"."""
    m = _SCHOOL_YEAR.search(text)
    if m and int(m.group(2)) == int(m.group(1)) + 1:
        return f"{m.group(1)}-{m.group(2)}"
    return None


# A school year typed as a whole value (a --year option): the first year in full, the second in
# full or as its last two digits. "24-25" is refused like any 2-digit year (dates are never
# guessed), and a lone "2025" too: it could be 2024-2025 or 2025-2026.
_TYPED_SCHOOL_YEAR = re.compile(r"((?:19|20)\d{2})\s*[-–—/]\s*(\d{2}|(?:19|20)\d{2})")


def parse_school_year(text: str) -> str | None:
    """The school year typed as "2024-2025", "2024 - 2025", "2024/2025", "2024–2025" or "2024-25", as "2024-2025"; else None."""
    m = _TYPED_SCHOOL_YEAR.fullmatch(clean(str(text or "")))
    if not m:
        return None
    start, end = int(m.group(1)), int(m.group(2))
    following = (start + 1) % 100 if len(m.group(2)) == 2 else start + 1
    return f"{start}-{start + 1}" if end == following else None


def school_year_key(text: object) -> str | None:
    """A school year as one key however it is spaced: "2015 - 2016" and "2015-2016" are the same year."""
    if text is None:
        return None
    written = " ".join(str(text).split())
    return find_school_year(written) or written or None


# ---------------------------------------------------------------------------
# Gender

_GENDERS = {"nam": "nam", "nữ": "nu", "nu": "nu", "male": "nam", "female": "nu", "m": "nam", "f": "nu"}


@lru_cache(maxsize=256)
def _gender(text: str) -> str | None:
    return _GENDERS.get(fold(text))


def parse_gender(value: object) -> str | None:
    """"nam" or "nu" from Nam/nam/NAM/Nữ/nữ (any Unicode form); None when unrecognised."""
    if value is None:
        return None
    return _gender(str(value))


# ---------------------------------------------------------------------------
# Yes/no, numbers and ethnicity as clerks type them: one parser each, for every sheet and list

_YES = frozenset({"có", "co", "x", "✓", "✔", "v", "1", "true", "yes", "đúng", "dung", "c"})
_NO = frozenset({"không", "khong", "0", "false", "no", "k", "-", "sai"})


def parse_yes(value: object) -> bool | None:
    """True for a tick (Có, x, ✓, 1, TRUE), False for a no (Không, 0, FALSE), None when empty or unclear."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return None if value != value else value != 0  # NaN is no answer
    key = fold(str(value or ""))
    if key in _YES:
        return True
    if key in _NO:
        return False
    return None


def is_yes(value: object) -> bool:
    """Whether a cell says yes (an empty or unclear cell does not)."""
    return parse_yes(value) is True


def parse_number(value: object, *, share: bool = False) -> float | None:
    """A number as typed: 150, "150", "0,3" (Vietnamese decimal comma), "30%"; None when it is not one.

    With `share`, 30 and "30%" both mean 0.3 (a share typed as a percentage).
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        number = float(value)
        percent = False
    else:
        text = str(value).strip()
        percent = text.endswith("%")
        text = text.rstrip("%").strip().replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    if percent:
        return number / 100
    return number / 100 if share and number > 1 else number


_MAJORITY = frozenset({"kinh", "việt", "viet", "người kinh", "việt nam"})
_ETHNIC_PREFIX = re.compile(r"^(?:dân tộc|dt)[\s.:]+")


def is_ethnic_minority(value: object) -> bool:
    """Whether a "Dân tộc" cell names an ethnic minority: given, and not Kinh ("Dân tộc Kinh", "kinh", "DT: Kinh")."""
    key = fold(str(value or "")).strip()
    key = _ETHNIC_PREFIX.sub("", key).strip()
    return key not in ("", "-") and key not in _MAJORITY
