"""The award catalogue: codes, names, targets, kinds, ranks and the many ways clerks write them.

The defaults live in `data/danh_muc.csv` (domain.md §2) and the abbreviations clerks use in
`data/tu_viet_tat.csv`; the master workbook's DanhMuc sheet adds to them. Everything a clerk can
edit is plain words, never a regular expression.

How a cell is read: the text is folded (NFC, lower case, one tone placement); a quoted theme
(“…”, "…", «…») is set aside; abbreviations are expanded word by word ("KNC Vì sự nghiệp GD");
i/y spellings are made one ("Kỉ"/"Kỷ", "sĩ"/"sỹ", "lí"/"lý"); the kind words (đột xuất,
chuyên đề, thường xuyên) are taken out wherever they stand; and the remaining words are looked
up, first as they are, then without the filler words that do not say which award it is (của, cấp,
danh hiệu, tặng, chủ tịch...). A name ending in "..." accepts any words after it ("Giấy khen ..."
is a Giấy khen of any issuer). Clerks who type without diacritics are read the same way.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from functools import cache
from itertools import islice, product
from pathlib import Path
from typing import Iterable, Mapping

from addin.models import AwardKind, Target
from addin.text import clean, fold, strip_accents

_DATA = Path(__file__).parent / "data"
_KIND_CODES = {"TX": AwardKind.THUONG_XUYEN, "DX": AwardKind.DOT_XUAT, "CD": AwardKind.CHUYEN_DE}
_TARGET_CODES = {"I": Target.CA_NHAN, "C": Target.TAP_THE}

KIND_LABELS = {
    AwardKind.THUONG_XUYEN: "thường xuyên",
    AwardKind.DOT_XUAT: "đột xuất",
    AwardKind.CHUYEN_DE: "chuyên đề",
}
TARGET_LABELS = {Target.CA_NHAN: "cá nhân", Target.TAP_THE: "tập thể"}


@dataclass(frozen=True)
class Award:
    """One entry of the catalogue."""

    code: str
    name: str
    targets: frozenset[Target]
    rank: int  # lower is higher: 1 = Nhà giáo Nhân dân
    kinds: frozenset[AwardKind] = frozenset({AwardKind.THUONG_XUYEN})
    synonyms: tuple[str, ...] = ()  # other ways of writing it, plain words; "..." at the end: any words may follow
    pattern: str = ""  # an old master's regular expression, as read: no longer used for matching


@dataclass(frozen=True, slots=True)
class AwardMatch:
    code: str | None  # None: not in the catalogue
    kind: AwardKind
    theme: str | None = None  # the theme of a themed award, as written ("Xây dựng trường học thân thiện...")


# ---------------------------------------------------------------------------
# Words: what a written award name is reduced to before it is looked up

Words = tuple[str, ...]

# Words that do not say which award it is. They are dropped only after the words as written
# failed to match; the issuer's title last, so that where it does tell two awards apart
# ("Bằng khen của Chủ tịch Công đoàn" and "Bằng khen Công đoàn") it still counts.
_FILLERS = ("của", "cấp", "danh hiệu", "đề nghị", "tặng", "khen thưởng", "hình thức", "và", "&", "hạng",
            "công nhận", "đạt")
_LAST_FILLERS = ("chủ tịch",)
_KIND_WORDS = {"đột xuất": AwardKind.DOT_XUAT, "chuyên đề": AwardKind.CHUYEN_DE,
               "thường xuyên": AwardKind.THUONG_XUYEN}
_TOKEN = re.compile(r"[^\W_]+|&")
# "năm học 2024-2025", "năm 2025", a bare year: when, not which award
_YEARS = re.compile(r"(?:\b(?:năm học|nam hoc|năm|nam)\s*)?\b(?:19|20)\d\d(?:\s*[-–/]\s*(?:19|20)?\d\d)?\b")
# A syllable of consonants and one final i/y: "kỷ" and "kỉ", "sỹ" and "sĩ", "lý" and "lí" are one word.
_IY = re.compile(r"(ngh|ch|gh|kh|ng|nh|ph|qu|th|tr|[bcdđghklmnprstvx])([yýỳỷỹỵ])")
_Y_TO_I = str.maketrans("yýỳỷỹỵ", "iíìỉĩị")
_MAX_READINGS = 16  # ambiguous abbreviations ("TT": tập thể or tiên tiến) multiply the readings


def _iy(word: str) -> str:
    m = _IY.fullmatch(word)
    return m.group(1) + m.group(2).translate(_Y_TO_I) if m else word


class _Vocabulary:
    """Abbreviations, fillers and kind words, with or without diacritics."""

    def __init__(self, abbreviations: Mapping[str, list[str]], accents: bool):
        self.accents = accents
        self.abbreviations: dict[str, tuple[Words, ...]] = {}
        for short, long in abbreviations.items():
            self.abbreviations.setdefault(
                self._word(short), tuple(tuple(self._words(e)) for e in long if self._words(e)))
        self.fillers = sorted((tuple(self._words(f)) for f in _FILLERS), key=len, reverse=True)
        self.all_fillers = sorted((tuple(self._words(f)) for f in _FILLERS + _LAST_FILLERS), key=len, reverse=True)
        self.kinds = {tuple(self._words(w)): kind for w, kind in _KIND_WORDS.items()}
        self.before_kind = self._word("theo")  # "theo chuyên đề"

    def key(self, text: str) -> str:
        """The text folded (and without diacritics in the plain vocabulary): what is memoised on."""
        key = fold(text)
        return key if self.accents else strip_accents(key)

    def _word(self, word: str) -> str:
        return _iy(self.key(word))

    def _words(self, text: str) -> list[str]:
        return [_iy(w) for w in _TOKEN.findall(self.key(text))]

    def readings(self, text: str) -> list[Words]:
        """The word sequences a text may stand for, abbreviations expanded; the likeliest first."""
        options = []
        for token in _TOKEN.findall(_YEARS.sub(" ", self.key(text))):
            word = _iy(token)
            options.append(self.abbreviations.get(word) or ((word,),))
        return [tuple(w for part in reading for w in part) for reading in islice(product(*options), _MAX_READINGS)]

    def without_kind(self, words: Words) -> tuple[Words, AwardKind]:
        """The words less the kind words, wherever they stand; and the kind they name."""
        kept: list[str] = []
        kind = None
        i = 0
        while i < len(words):
            found = self.kinds.get(words[i : i + 2])
            if found is None:
                kept.append(words[i])
                i += 1
                continue
            if kind is None or kind == AwardKind.THUONG_XUYEN:
                kind = found
            if kept and kept[-1] == self.before_kind:
                kept.pop()
            i += 2
        return tuple(kept), kind or AwardKind.THUONG_XUYEN

    def reduced(self, words: Words, last: bool = True) -> Words:
        """The words less the fillers; with `last` False, the issuer's title ("chủ tịch") stays."""
        fillers = self.all_fillers if last else self.fillers
        kept: list[str] = []
        i = 0
        while i < len(words):
            for filler in fillers:
                if words[i : i + len(filler)] == filler:
                    i += len(filler)
                    break
            else:
                kept.append(words[i])
                i += 1
        return tuple(kept)


@cache
def _vocabularies() -> tuple[_Vocabulary, _Vocabulary]:
    """With diacritics, and without (for clerks who type "Lao dong tien tien")."""
    text = (_DATA / "tu_viet_tat.csv").read_text(encoding="utf-8")
    abbreviations = {row["viet_tat"].strip(): [e.strip() for e in row["day_du"].split("|") if e.strip()]
                     for row in csv.DictReader(text.splitlines()) if (row.get("viet_tat") or "").strip()}
    return _Vocabulary(abbreviations, accents=True), _Vocabulary(abbreviations, accents=False)


class _Index:
    """Award codes by their words in one vocabulary. A key two awards share names neither (None)."""

    def __init__(self, vocabulary: _Vocabulary):
        self.vocabulary = vocabulary
        self.exact: dict[Words, str] = {}  # the words as written (kind words out)
        self.fewer: dict[Words, str | None] = {}  # ... fillers out but the issuer's title
        self.reduced: dict[Words, str | None] = {}  # ... all fillers out
        self.prefixes: dict[Words, str | None] = {}  # names written with "..." at the end
        self.entries: list[tuple[Words, str]] = []  # every reduced key, for the nearest names
        self._found: dict[tuple[str, bool], tuple[str | None, AwardKind]] = {}  # by normalised text

    def add(self, written: str, code: str) -> None:
        stripped = written.strip()
        prefix = stripped.endswith(("...", "…"))
        readings = self.vocabulary.readings(stripped.rstrip(".…") if prefix else stripped)
        if not readings:
            return
        words = self.vocabulary.without_kind(readings[0])[0]
        reduced = self.vocabulary.reduced(words)
        if not reduced:
            return
        self.entries.append((reduced, code))
        if prefix:
            _put(self.prefixes, reduced, code)
        else:
            self.exact.setdefault(words, code)
            _put(self.fewer, self.vocabulary.reduced(words, last=False), code)
            _put(self.reduced, reduced, code)

    def find(self, text: str, prefix: bool) -> tuple[str | None, AwardKind]:
        """(code, kind) of a text; with `prefix`, names with "..." may leave words over."""
        key = (self.vocabulary.key(text), prefix)
        found = self._found.get(key)
        if found is None:
            found = self._find(key[0], prefix)
            if len(self._found) < 100_000:
                self._found[key] = found
        return found

    def _find(self, text: str, prefix: bool) -> tuple[str | None, AwardKind]:
        vocabulary = self.vocabulary
        first_kind = None
        for reading in vocabulary.readings(text):
            words, kind = vocabulary.without_kind(reading)
            first_kind = first_kind or kind
            if not prefix:
                code = (self.exact.get(words) or self.fewer.get(vocabulary.reduced(words, last=False))
                        or self.reduced.get(vocabulary.reduced(words)))
            else:
                reduced = vocabulary.reduced(words)
                code = next((c for n in range(len(reduced), 0, -1) if (c := self.prefixes.get(reduced[:n]))), None)
            if code:
                return code, kind
        return None, first_kind or AwardKind.THUONG_XUYEN


def _put(index: dict[Words, str | None], key: Words, code: str) -> None:
    index[key] = code if index.get(key, code) == code else None


# ---------------------------------------------------------------------------
# Themes, and cells that name several awards

# A quoted theme: “…”, "…", «…», „…“, ‘…’ (an unclosed quote runs to the end of the cell)
_QUOTED = re.compile(r"[“\"«„‘]([^”\"»“’]*)(?:[”\"»“’]|$)")
# An unquoted theme follows "chuyên đề", unless what follows names the issuer ("... của UBND tỉnh")
_THEMED = re.compile(r"\b(?:chuyên\s+đề|chuyen\s+de|cđ)\b", re.IGNORECASE)
_ISSUER = re.compile(r"(?:của|cấp|cua|cap)\b")
_THEME_EDGES = " :;,.-–—()[]"
_NEXT_AWARD = re.compile(r"[;+\n]")
_SPLIT = re.compile(r"\s*(?:[;+\n]|\s-\s|,|\s(?:và|va|VÀ|VA|Và|Va)\s)\s*")


# The words an award's name starts with, written out or abbreviated (folded, without diacritics)
_NAMES_AWARD = re.compile(
    r"(danh hieu |de nghi )?(bang khen|bk|giay khen|gk|huan chuong|hclđ|hcld|hc|huy chuong|co thi dua|chien si|cstd|"
    r"lao dong|ldtt|tap the lao dong|ttld|ky niem chuong|ki niem chuong|knc|nha giao|ngnd|ngut|giai thuong)\b"
)


def _readings(text: str) -> list[tuple[str, str | None]]:
    """(text to match, theme), in the order they are tried: the whole cell first, so a name with
    quotes in it (Kỷ niệm chương "Vì sự nghiệp giáo dục") stays whole; then less any quoted theme;
    then what stands before "chuyên đề", the rest being its theme."""
    out: list[tuple[str, str | None]] = [(text, None)]
    quoted = [t for m in _QUOTED.finditer(text) if (t := " ".join(m.group(1).split()).strip(_THEME_EDGES))]
    theme = "; ".join(quoted) or None
    rest = _QUOTED.sub(" ", text) if quoted else text
    if rest != text:
        out.append((rest, theme))
    if m := _THEMED.search(rest):
        after = rest[m.end() :].strip(_THEME_EDGES)
        # (what follows a ";" is the next award of the cell, not more theme)
        if after and not _ISSUER.match(fold(after)) and not _NEXT_AWARD.search(rest, m.end()):
            out.append((rest[: m.end()], "; ".join(t for t in (after, theme) if t)))
    return out


def _split(text: str) -> list[str]:
    """The parts of a cell naming several awards ("LĐTT; Giấy khen"); a separator inside quotes is
    part of a theme and does not split."""
    if not _QUOTED.search(text):
        return [p for p in _SPLIT.split(text) if p.strip()]
    masked = _QUOTED.sub(lambda m: "\0" * len(m.group(0)), text)
    parts, start = [], 0
    for m in _SPLIT.finditer(masked):
        parts.append(text[start : m.start()])
        start = m.end()
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


# ---------------------------------------------------------------------------
# The catalogue


class Catalogue:
    """Awards by code, with a matcher that recognises them however clerks write them."""

    def __init__(self, awards: Iterable[Award]):
        self.awards: dict[str, Award] = {}
        for award in awards:
            self.awards[award.code] = award
        self._indexes = tuple(_Index(v) for v in _vocabularies())
        for award in sorted(self.awards.values(), key=lambda a: a.rank):
            for written in (award.code, award.name, *award.synonyms):
                for index in self._indexes:
                    index.add(written, award.code)
        self._cache: dict[str, tuple[AwardMatch, ...]] = {}
        self._nearest: dict[str, list[str]] = {}

    def __getitem__(self, code: str) -> Award:
        return self.awards[code]

    def __contains__(self, code: object) -> bool:
        return code in self.awards

    def _match_one(self, text: str) -> AwardMatch:
        return self._matched(text)[0]

    def _matched(self, text: str) -> tuple[AwardMatch, bool]:
        """The award a text names, and whether only an open-ended name ("Giấy khen ...") took it."""
        readings = _readings(clean(text))
        # Exact names before names that let words follow ("Giấy khen ..."), and with diacritics
        # before without; a theme split off "chuyên đề" is tried first among the latter.
        for prefix, order in ((False, readings), (True, readings[::-1])):
            for index in self._indexes:
                for written, theme in order:
                    code, kind = index.find(written, prefix)
                    if code:
                        # Quotes in a one-off or regular award hold a reason or a school's name, not a theme.
                        return AwardMatch(code, kind, theme if kind == AwardKind.CHUYEN_DE else None), prefix
        return AwardMatch(None, self._indexes[0].find(readings[0][0], False)[1]), False

    def match(self, text: str) -> tuple[AwardMatch, ...]:
        """The awards a cell names: usually one; "LĐTT; Giấy khen" names two.

        A part that matches nothing comes back with code None: never silently dropped.
        """
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        whole, open_ended = self._matched(text)
        result: tuple[AwardMatch, ...] = (whole,)
        if whole.code is None or open_ended:
            parts = _split(text)
            if len(parts) > 1:
                matches = tuple(self._match_one(p) for p in parts)
                if all(m.code for m in matches):
                    result = matches
                elif open_ended:
                    # "Giấy khen Hiệu trưởng, Huân chương Độc lập": an open-ended name takes what
                    # follows it as its issuer, never another award. A part that names an award
                    # the catalogue lacks comes back unknown; any other is a note on the first.
                    named = tuple(m for m, part in zip(matches, parts)
                                  if m.code or _NAMES_AWARD.match(strip_accents(fold(part))))
                    if any(m.code is None for m in named):
                        result = named
        if len(self._cache) < 100_000:
            self._cache[text] = result
        return result

    def nearest(self, text: str, limit: int = 4) -> list[str]:
        """Names of the catalogue awards closest to a text that matches none, closest first.

        Compares word sequences without diacritics, abbreviations expanded and fillers out, so
        "Bằng khen của UBND tỉnh Quảng Nam" proposes "Bằng khen của Chủ tịch UBND tỉnh".
        """
        cached = self._nearest.get(text)
        if cached is not None:
            return cached
        index = self._indexes[1]
        readings = _readings(clean(text))
        written = readings[1][0] if len(readings) > 1 else readings[0][0]
        words = [index.vocabulary.reduced(index.vocabulary.without_kind(r)[0]) for r in index.vocabulary.readings(written)]
        best: dict[str, float] = {}
        matcher = difflib.SequenceMatcher(autojunk=False)
        for reading in words[:4]:
            matcher.set_seq2(reading)
            for key, code in index.entries:
                matcher.set_seq1(key)
                if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6:
                    best[code] = max(best.get(code, 0.0), matcher.ratio())
        ranked = sorted((c for c, r in best.items() if r >= 0.6), key=lambda c: (-best[c], self.awards[c].rank))
        names = [self.awards[c].name for c in ranked[:limit]]
        if len(self._nearest) < 10_000:
            self._nearest[text] = names
        return names

    def rank(self, code: str) -> int:
        return self.awards[code].rank


def matching_key(text: str) -> tuple[str, AwardKind]:
    """(words looked up, kind) for an award name as written: "BK UBND tỉnh - đột xuất"."""
    vocabulary = _vocabularies()[0]
    words, kind = vocabulary.without_kind(vocabulary.readings(clean(text))[0] if clean(text) else ())
    return " ".join(vocabulary.reduced(words)), kind


def parse_catalogue_rows(rows: Iterable[Mapping[str, str]]) -> Catalogue:
    """Build a catalogue from rows with the columns of data/danh_muc.csv (or the DanhMuc sheet)."""
    return Catalogue(_award(row) for row in rows if (row.get("code") or "").strip())


def _award(row: Mapping[str, str]) -> Award:
    code = (row.get("code") or "").strip()
    return Award(
        code=code,
        name=(row.get("name") or code).strip(),
        targets=frozenset(_TARGET_CODES[c] for c in (row.get("target") or "IC").strip().upper() if c in _TARGET_CODES),
        rank=int(float(row.get("rank") or 99)),
        kinds=frozenset(_KIND_CODES[k.strip().upper()] for k in (row.get("kinds") or "TX").split("|")
                        if k.strip().upper() in _KIND_CODES),
        synonyms=tuple(s.strip() for s in (row.get("synonyms") or "").split("|") if s.strip()),
        pattern=(row.get("pattern") or "").strip(),
    )


def _default_rows() -> list[dict[str, str]]:
    text = (_DATA / "danh_muc.csv").read_text(encoding="utf-8")
    return [dict(row) for row in csv.DictReader(text.splitlines())]


@cache
def default_catalogue() -> Catalogue:
    """The catalogue of domain.md §2, from the package's data/danh_muc.csv."""
    return parse_catalogue_rows(_default_rows())


# The master's DanhMuc sheet: the same table as data/danh_muc.csv under Vietnamese headers, so a
# clerk can add a local award or a new way units write one, and every run uses the edited table.
SHEET_COLUMNS: list[tuple[str, str, float]] = [
    ("code", "Mã", 12),
    ("name", "Tên danh hiệu, hình thức khen thưởng", 44),
    ("target", "Đối tượng (I: cá nhân, C: tập thể)", 14),
    ("rank", "Thứ bậc (1 là cao nhất)", 12),
    ("kinds", "Loại (TX thường xuyên | DX đột xuất | CD chuyên đề)", 18),
    ("synonyms", "Cách viết khác (ngăn cách bởi |; thêm ... ở cuối nếu sau đó ghi gì cũng được)", 70),
]
# Columns by the start of their folded header, so an old master's sheet (which had a regular
# expression column "Mẫu nhận dạng") and reordered columns read the same.
_HEADER_STARTS = (("mã", "code"), ("tên", "name"), ("đối tượng", "target"), ("thứ bậc", "rank"),
                  ("loại", "kinds"), ("cách viết", "synonyms"), ("mẫu nhận dạng", "pattern"))
# An old pattern that is plain words once anchors are dropped ("^giấy khen hiệu trưởng$") is
# kept as one more way of writing the award; anything cleverer is ignored.
_PLAIN_PATTERN = re.compile(r"\^?([^\\^$.*+?()\[\]{}|]+)\$?")


def default_sheet_rows() -> list[list[str]]:
    """The DanhMuc rows of a new master: the package defaults, one award a row."""
    return [[row.get(key) or "" for key, _, _ in SHEET_COLUMNS] for row in _default_rows()]


def catalogue_from_sheet(rows: list[list[object]]) -> Catalogue | None:
    """The catalogue of a DanhMuc sheet added to the defaults (header found among its first rows);
    None if the sheet has no such table or no award in it.

    An award in both takes the sheet's name, target, rank and kinds, and the ways of writing it of
    both; an award only in the sheet is added; the defaults not in the sheet remain. A cell the
    clerk left broken (a rank that is not a number) or empty is read as the default's.
    """
    start = None
    columns: dict[str, int] = {}
    for i, row in enumerate(rows[:20]):
        heads = [fold(str(v or "")) for v in row]
        if len(heads) > 1 and heads[0] == "mã" and heads[1].startswith("tên"):
            start = i + 1
            for c, head in enumerate(heads):
                key = next((k for s, k in _HEADER_STARTS if head.startswith(s)), None)
                if key and key not in columns:
                    columns[key] = c
            break
    if start is None:
        return None
    records = []
    for row in rows[start:]:
        cells = ["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)) for v in row]
        record = {key: (cells[c].strip() if c < len(cells) else "") for key, c in columns.items()}
        if not record.get("code"):
            continue
        try:
            float(record.get("rank") or 99)
        except ValueError:
            record["rank"] = ""
        pattern = record.pop("pattern", "")
        if (m := _PLAIN_PATTERN.fullmatch(pattern)) and m.group(1).strip():
            record["synonyms"] = "|".join(s for s in (record.get("synonyms", ""), m.group(1).strip()) if s)
        records.append(record)
    if not records:
        return None
    merged = {row["code"]: row for row in _default_rows()}
    for record in records:
        base = merged.get(record["code"], {})
        row = {**base, **{k: v for k, v in record.items() if v}}
        old_names = [base[k] for k in ("name",) if base.get(k) and base[k] != row.get("name")]
        row["synonyms"] = "|".join(dict.fromkeys(s.strip() for s in (
            *(base.get("synonyms") or "").split("|"), *old_names, *(record.get("synonyms") or "").split("|")) if s.strip()))
        merged[record["code"]] = row
    return parse_catalogue_rows(merged.values())
