"""Unit identity: when two names written in files are the same submitting unit.

One home for it: the merge, the tally, the register, the history and the rules all compare
units through `unit_key`, and the clerk's alias table (sheet BiDanh) through `Aliases`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from addin.text import fold, strip_accents

_UNIT_WORDS = [(re.compile(p), r) for p, r in [
    (r"\btrường tiểu học\b", "trường th"),
    (r"\btrường trung học cơ sở\b", "trường thcs"),
    (r"\btrường trung học phổ thông\b", "trường thpt"),
    (r"\btrường mầm non\b", "trường mn"),
    (r"\btrường mẫu giáo\b", "trường mg"),
    (r"\bgiáo dục và đào tạo\b|\bgd ?& ?đt\b|\bgdđt\b|\bgd-đt\b", "gdđt"),
    (r"\bủy ban nhân dân\b", "ubnd"),
    (r"\bthành phố\b", "tp"),
]]
_NOT_WORD = re.compile(r"[^\w&]+")


@lru_cache(maxsize=65536)
def unit_key(name: str) -> str:
    """Key that identifies a unit however its name is written ("Trường Tiểu học X" = "Trường TH X")."""
    key = fold(name)
    for pattern, replacement in _UNIT_WORDS:
        key = pattern.sub(replacement, key)
    key = _NOT_WORD.sub(" ", key)
    return strip_accents(" ".join(key.split()))


class Aliases:
    """The clerk's alias table: names as written in files -> the unit's proper name."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()):
        self._map: dict[str, str] = {}
        for written, proper in pairs:
            if written and proper:
                self._map[unit_key(written)] = proper.strip()

    def maps(self, name: str | None) -> bool:
        """Whether the clerk wrote this name in the table (a unit named only by a file name counts as sure then)."""
        return bool(name) and unit_key(name) in self._map

    def resolve(self, name: str | None) -> str | None:
        """The proper name of a unit as written, or the name itself when the table does not have it."""
        if not name:
            return name
        return self._map.get(unit_key(name), name)
