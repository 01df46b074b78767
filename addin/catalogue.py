"""The award catalogue: codes, names, targets, kinds, ranks and the many ways clerks write them.

The defaults live in `data/danh_muc.csv` (domain.md §2); the master workbook's DanhMuc sheet
will override them, so everything here is data a clerk can read and edit.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Iterable, Mapping

from addin.models import AwardKind, Target
from addin.text import fold, strip_accents

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
    synonyms: tuple[str, ...] = ()
    pattern: str = ""  # regular expression over the expanded matching key


@dataclass(frozen=True, slots=True)
class AwardMatch:
    code: str | None  # None: not in the catalogue
    kind: AwardKind


# Abbreviations clerks use, expanded before matching. Keys are folded (lower-case) words.
_ABBREVIATIONS = {
    "lđtt": "lao động tiên tiến",
    "ttlđtt": "tập thể lao động tiên tiến",
    "ttlđxs": "tập thể lao động xuất sắc",
    "lđxs": "lao động xuất sắc",
    "lđ": "lao động",
    "tt": "tập thể",
    "cstđcs": "chiến sĩ thi đua cơ sở",
    "cstđ": "chiến sĩ thi đua",
    "cs": "cơ sở",
    "bk": "bằng khen",
    "bkttg": "bằng khen thủ tướng",
    "gk": "giấy khen",
    "ttg": "thủ tướng",
    "ttcp": "thủ tướng chính phủ",
    "cp": "chính phủ",
    "ubnd": "ủy ban nhân dân",
    "ct": "chủ tịch",
    "hclđ": "huân chương lao động",
    "hc": "huân chương",
    "knc": "kỷ niệm chương",
    "vsngd": "vì sự nghiệp giáo dục",
    "gd&đt": "giáo dục và đào tạo",
    "gdđt": "giáo dục và đào tạo",
    "gd-đt": "giáo dục và đào tạo",
    "bgd&đt": "bộ giáo dục và đào tạo",
    "bgdđt": "bộ giáo dục và đào tạo",
    "ngưt": "nhà giáo ưu tú",
    "ngut": "nhà giáo ưu tú",
    "ngnd": "nhà giáo nhân dân",
    "tp": "thành phố",
    "sỹ": "sĩ",  # "Chiến sỹ" is a common spelling of "Chiến sĩ"
    "uỷ": "ủy",
}
# Words that say nothing about which award it is.
_NOISE = re.compile(r"^(?:(?:đề nghị|tặng|danh hiệu|hình thức|khen thưởng)\s+)+")
_KIND_WORDS = (
    (re.compile(r"\b(?:khen thưởng )?đột xuất\b|\(đx\)|\bđx$"), AwardKind.DOT_XUAT),
    (re.compile(r"\b(?:theo )?chuyên đề\b|\(cđ\)|\bcđ$"), AwardKind.CHUYEN_DE),
)
_REGULAR = re.compile(r"\(?\b(?:khen thưởng )?thường xuyên\b\)?")
_PUNCT = re.compile(r"[()\[\]{}\"'“”‘’.,:;!?*–—_/\\-]+")
_SPLIT = re.compile(r"\s*(?:[;+\n]|\s-\s|,)\s*")


def _expand(key: str) -> str:
    words = []
    for word in key.split():
        words.append(_ABBREVIATIONS.get(word, word))
    return " ".join(words)


def matching_key(text: str) -> tuple[str, AwardKind]:
    """(expanded key, kind) for an award name as written: "BK UBND tỉnh - đột xuất"."""
    key = fold(text)
    key = key.replace("gd&đt", " gd&đt ").replace("&", " & ") if "&" in key else key
    key = key.replace(" & ", "&")
    kind = AwardKind.THUONG_XUYEN
    for pattern, found in _KIND_WORDS:
        if m := pattern.search(key):
            kind = found
            # "BK UBND tỉnh chuyên đề “Học tập và làm theo ...”": what follows names the theme
            before = key[: m.start()]
            key = before if _PUNCT.sub(" ", before).strip() else key[m.end() :]
    key = _REGULAR.sub(" ", key)
    key = _expand(" ".join(_PUNCT.sub(" ", key).split()))
    key = _NOISE.sub("", key).strip()
    return key, kind


class Catalogue:
    """Awards by code, with a matcher that recognises them however clerks write them."""

    def __init__(self, awards: Iterable[Award]):
        self.awards: dict[str, Award] = {}
        self._exact: dict[str, str] = {}
        self._plain: dict[str, str | None] = {}  # accentless keys; None when ambiguous
        self._patterns: list[tuple[re.Pattern[str], str]] = []
        for award in awards:
            self.awards[award.code] = award
        for award in sorted(self.awards.values(), key=lambda a: a.rank):
            for written in (award.code, award.name, *award.synonyms):
                self._add_key(matching_key(written)[0], award.code)
            if award.pattern:
                self._patterns.append((re.compile(award.pattern), award.code))
        self._cache: dict[str, tuple[AwardMatch, ...]] = {}

    def _add_key(self, key: str, code: str) -> None:
        if not key:
            return
        self._exact.setdefault(key, code)
        plain = strip_accents(key)
        if self._plain.get(plain, code) != code:
            self._plain[plain] = None
        else:
            self._plain[plain] = code

    def __getitem__(self, code: str) -> Award:
        return self.awards[code]

    def __contains__(self, code: object) -> bool:
        return code in self.awards

    def _match_one(self, text: str) -> AwardMatch:
        key, kind = matching_key(text)
        code = self._exact.get(key)
        if code is None:
            for pattern, candidate in self._patterns:
                if pattern.search(key):
                    code = candidate
                    break
        if code is None:
            # Clerks sometimes type without diacritics ("Lao dong tien tien").
            code = self._plain.get(strip_accents(key))
            if code is None:
                for pattern, candidate in self._patterns:
                    if re.search(strip_accents(pattern.pattern), strip_accents(key)):
                        code = candidate
                        break
        return AwardMatch(code, kind)

    def match(self, text: str) -> tuple[AwardMatch, ...]:
        """The awards a cell names: usually one; "LĐTT; Giấy khen" names two.

        A part that matches nothing comes back with code None: never silently dropped.
        """
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        whole = self._match_one(text)
        result: tuple[AwardMatch, ...] = (whole,)
        if whole.code is None:
            parts = [p for p in _SPLIT.split(text) if p.strip()]
            if len(parts) > 1:
                matches = tuple(self._match_one(p) for p in parts)
                if all(m.code for m in matches):
                    result = matches
        if len(self._cache) < 100_000:
            self._cache[text] = result
        return result

    def rank(self, code: str) -> int:
        return self.awards[code].rank


def parse_catalogue_rows(rows: Iterable[Mapping[str, str]]) -> Catalogue:
    """Build a catalogue from rows with the columns of data/danh_muc.csv (or the DanhMuc sheet)."""
    awards = []
    for row in rows:
        code = (row.get("code") or "").strip()
        if not code:
            continue
        awards.append(
            Award(
                code=code,
                name=(row.get("name") or code).strip(),
                targets=frozenset(_TARGET_CODES[c] for c in (row.get("target") or "IC").strip().upper() if c in _TARGET_CODES),
                rank=int(float(row.get("rank") or 99)),
                kinds=frozenset(_KIND_CODES[k.strip().upper()] for k in (row.get("kinds") or "TX").split("|") if k.strip().upper() in _KIND_CODES),
                synonyms=tuple(s.strip() for s in (row.get("synonyms") or "").split("|") if s.strip()),
                pattern=(row.get("pattern") or "").strip(),
            )
        )
    return Catalogue(awards)


@cache
def default_catalogue() -> Catalogue:
    """The catalogue of domain.md §2, from the package's data/danh_muc.csv."""
    text = (Path(__file__).parent / "data" / "danh_muc.csv").read_text(encoding="utf-8")
    return parse_catalogue_rows(csv.DictReader(text.splitlines()))


# The master's DanhMuc sheet: the same table as data/danh_muc.csv under Vietnamese headers, so a
# clerk can add a local award or a new way units write one, and every run uses the edited table.
SHEET_COLUMNS: list[tuple[str, str, float]] = [
    ("code", "Mã", 12),
    ("name", "Tên danh hiệu, hình thức khen thưởng", 44),
    ("target", "Đối tượng (I: cá nhân, C: tập thể)", 14),
    ("rank", "Thứ bậc (1 là cao nhất)", 12),
    ("kinds", "Loại (TX thường xuyên | DX đột xuất | CD chuyên đề)", 18),
    ("synonyms", "Cách viết khác (ngăn cách bởi |)", 60),
    ("pattern", "Mẫu nhận dạng (biểu thức chính quy)", 50),
]


def default_sheet_rows() -> list[list[str]]:
    """The DanhMuc rows of a new master: the package defaults, one award a row."""
    text = (Path(__file__).parent / "data" / "danh_muc.csv").read_text(encoding="utf-8")
    return [[row.get(key) or "" for key, _, _ in SHEET_COLUMNS] for row in csv.DictReader(text.splitlines())]


def catalogue_from_sheet(rows: list[list[object]]) -> Catalogue | None:
    """The catalogue a DanhMuc sheet holds (header found among its first rows); None if it has none.

    A row the clerk left broken (a rank that is not a number, a pattern that does not compile)
    is read with the default for that cell rather than stopping every run.
    """
    headers = [h for _, h, _ in SHEET_COLUMNS]
    start = None
    for i, row in enumerate(rows[:20]):
        if row and str(row[0] or "").strip() == headers[0] and len(row) > 1 and str(row[1] or "").strip() == headers[1]:
            start = i + 1
            break
    if start is None:
        return None
    records = []
    for row in rows[start:]:
        cells = ["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                 for v in list(row) + [""] * len(SHEET_COLUMNS)]
        record = {key: cells[i].strip() for i, (key, _, _) in enumerate(SHEET_COLUMNS)}
        if not record["code"]:
            continue
        try:
            float(record["rank"] or 99)
        except ValueError:
            record["rank"] = "99"
        try:
            re.compile(record["pattern"])
        except re.error:
            record["pattern"] = ""
        records.append(record)
    return parse_catalogue_rows(records) if records else None
