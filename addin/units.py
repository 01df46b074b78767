"""Unit identity: when two names written in files are the same submitting unit.

One home for it: the merge, the tally, the register, the history and the rules all compare
units through `unit_key`, and the clerk's alias table (sheet BiDanh) through `Aliases`. The
unit register (sheet DonVi: official names, other names, email addresses) is `UnitRegister`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
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
    (r"\bgiáo dục nghề nghiệp\b", "gdnn"),
    (r"\bgiáo dục thường xuyên\b", "gdtx"),
]]
# The same words in a name typed without diacritics ("TRUONG TIEU HOC LE LOI" = "Trường TH Lê Lợi").
# Only for such a name: in a name with diacritics, "Thạnh Phố" is not "thành phố".
_UNIT_WORDS_PLAIN = [(re.compile(p), r) for p, r in [
    (r"\btruong tieu hoc\b", "truong th"),
    (r"\btruong trung hoc co so\b", "truong thcs"),
    (r"\btruong trung hoc pho thong\b", "truong thpt"),
    (r"\btruong mam non\b", "truong mn"),
    (r"\btruong mau giao\b", "truong mg"),
    (r"\bgiao duc va dao tao\b|\bgd ?& ?dt\b|\bgddt\b|\bgd-dt\b", "gddt"),
    (r"\buy ban nhan dan\b", "ubnd"),
    (r"\bthanh pho\b", "tp"),
    (r"\bgiao duc nghe nghiep\b", "gdnn"),
    (r"\bgiao duc thuong xuyen\b", "gdtx"),
]]
_NOT_WORD = re.compile(r"[^\w&]+")
# A school named by its kind alone is the school ("THCS Kim Đồng" = "Trường THCS Kim Đồng"):
# issuer blocks and e-mail subjects often leave "Trường" out.
_SCHOOL_KIND_WORDS = [(re.compile(p), r) for p, r in [
    (r"^tieu hoc\b", "th"), (r"^trung hoc co so\b", "thcs"), (r"^trung hoc pho thong\b", "thpt"),
    (r"^mam non\b", "mn"), (r"^mau giao\b", "mg"),
]]
_SCHOOL_KIND = re.compile(r"^(th|thcs|thpt|mn|mg|ptcs|ptdtbt|ptdtnt|pt dtbt|pt dtnt|dtnt|th&thcs|thcs&thpt)\b")


@lru_cache(maxsize=65536)
def unit_key(name: str) -> str:
    """Key that identifies a unit however its name is written ("Trường Tiểu học X" = "Trường TH X")."""
    key = fold(name)
    for pattern, replacement in _UNIT_WORDS_PLAIN if key.isascii() else _UNIT_WORDS:
        key = pattern.sub(replacement, key)
    key = strip_accents(" ".join(_NOT_WORD.sub(" ", key).split()))
    for pattern, replacement in _SCHOOL_KIND_WORDS:
        key = pattern.sub(replacement, key)
    return f"truong {key}" if _SCHOOL_KIND.match(key) else key


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


# ---------------------------------------------------------------------------
# The unit register (sheet DonVi): every unit expected to send, with its email addresses

# School types written without "Trường", or spelt out: "Tiểu học Kim Đồng" = "TH Kim Đồng".
_TYPE_WORDS = [(re.compile(p), r) for p, r in [
    (r"\btiểu học\b", "th"),
    (r"\btrung học cơ sở\b", "thcs"),
    (r"\btrung học phổ thông\b", "thpt"),
    (r"\bmầm non\b", "mn"),
    (r"\bmẫu giáo\b", "mg"),
    (r"\bphổ thông dân tộc nội trú\b", "ptdtnt"),
    (r"\bphổ thông dân tộc bán trú\b", "ptdtbt"),
    (r"\bphòng giáo dục\b", "phòng gdđt"),
]]
_LOOSE_WORDS = _UNIT_WORDS + _TYPE_WORDS
_ASCII_WORDS = [(re.compile(strip_accents(p.pattern)), strip_accents(r)) for p, r in _LOOSE_WORDS]
_FILLER = {"truong", "&"}
_SPLIT_LIST = re.compile(r"[;\n]+")
_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


def loose_key(name: str) -> str:
    """A unit key that also ignores "Trường", spelt-out school types and word order.

    "Trường Tiểu học Kim Đồng", "TH Kim Đồng", "Kim Đồng (Trường TH)" and "Truong tieu hoc Kim Dong"
    share it; "THCS Kim Đồng" does not.
    """
    key = fold(name).replace("ð", "đ")  # the Icelandic eth some fonts and keyboards type for "đ"
    for pattern, replacement in _LOOSE_WORDS:
        key = pattern.sub(replacement, key)
    key = strip_accents(key)
    for pattern, replacement in _ASCII_WORDS:  # names typed without diacritics: "Truong tieu hoc ..."
        key = pattern.sub(replacement, key)
    words = _NOT_WORD.sub(" ", key).split()
    return " ".join(sorted(w for w in words if w not in _FILLER))


def email_addresses(text: str | None) -> list[str]:
    """The addresses in a cell ("a@x.vn; b@x.vn", "Trường X <a@x.vn>"), lower-case, in order."""
    return list(dict.fromkeys(a.lower() for a in _ADDRESS.findall(text or "")))


def name_list(text: str | None) -> list[str]:
    """Names separated by ";" or line breaks (the register's "Tên khác" cell)."""
    return [" ".join(n.split()) for n in _SPLIT_LIST.split(text or "") if n.strip()]


@dataclass
class RegisterEntry:
    """One row of the unit register DonVi."""

    name: str  # the official name
    kind: str | None = None  # Loại đơn vị
    parent: str | None = None  # Cấp trên
    emails: list[str] = field(default_factory=list)
    other_names: list[str] = field(default_factory=list)  # Tên khác
    quota: int | None = None  # Chỉ tiêu đại biểu
    note: str | None = None

    def fill_from(self, other: "RegisterEntry") -> bool:
        """Complete this entry with what `other` knows and it does not (the clerk's cells win); True if changed."""
        before = (self.kind, self.parent, list(self.emails), list(self.other_names), self.quota, self.note)
        self.kind = self.kind or other.kind
        self.parent = self.parent or other.parent
        self.quota = self.quota if self.quota is not None else other.quota
        self.note = self.note or other.note
        self.emails = list(dict.fromkeys(self.emails + other.emails))
        known = {fold(self.name)}
        names = []
        for n in self.other_names + [other.name, *other.other_names]:
            if fold(n) not in known:
                known.add(fold(n))
                names.append(n)
        self.other_names = names
        return before != (self.kind, self.parent, self.emails, self.other_names, self.quota, self.note)


class UnitRegister:
    """The clerk's unit register: who is expected to send, under which official name, from which addresses.

    A name is found by `unit_key` (case, accents, tone placement, the usual abbreviations) over
    the official names and the other names, then by `loose_key` (no "Trường", word order) when
    that points to one unit only; an address by its exact (case-insensitive) spelling.
    """

    def __init__(self, entries: Iterable[RegisterEntry] = ()):
        self.entries: list[RegisterEntry] = []
        self._exact: dict[str, RegisterEntry] = {}
        self._loose: dict[str, dict[int, RegisterEntry]] = {}  # loose key -> the entries (by identity) it names
        self._emails: dict[str, RegisterEntry] = {}
        self._closest_keys: dict[str, str] = {}  # loose key -> official name, for `closest`
        for entry in entries:
            self.add(entry)

    def __len__(self) -> int:
        return len(self.entries)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def add(self, entry: RegisterEntry) -> None:
        self.entries.append(entry)
        for name in [entry.name, *entry.other_names]:
            self._exact.setdefault(unit_key(name), entry)
            loose = loose_key(name)
            self._loose.setdefault(loose, {})[id(entry)] = entry
            self._closest_keys.setdefault(loose, entry.name)
        for address in entry.emails:
            self._emails.setdefault(address.lower(), entry)

    def find(self, name: str | None) -> RegisterEntry | None:
        """The register entry of a unit as written, or None."""
        if not name or not name.strip():
            return None
        entry = self._exact.get(unit_key(name))
        if entry is not None:
            return entry
        named = self._loose.get(loose_key(name), {})
        if len(named) == 1:  # a loose match naming two units is no match
            return next(iter(named.values()))
        return None

    def by_address(self, sender: str | None) -> RegisterEntry | None:
        """The register entry whose Email holds the sender's address, or None."""
        for address in email_addresses(sender):
            if address in self._emails:
                return self._emails[address]
        return None

    def closest(self, name: str | None, n: int = 3) -> list[str]:
        """The official names most like `name` (difflib over the loose keys), best first."""
        if not name:
            return []
        keys = self._closest_keys
        near = difflib.get_close_matches(loose_key(name), list(keys), n=n * 3, cutoff=0.6)
        return list(dict.fromkeys(keys[k] for k in near))[:n]

    def names(self, aliases: "Aliases | None" = None) -> "UnitNames":
        """A resolver for the merge's state: BiDanh first, then the register's official name."""
        return UnitNames(aliases or Aliases(), self)


class UnitNames:
    """Names as the master knows them: the clerk's alias (BiDanh), then the register's official name.

    Has `Aliases.resolve`'s shape, so the merge's state is keyed on official names.
    """

    def __init__(self, aliases: Aliases, register: UnitRegister):
        self.aliases, self.register = aliases, register
        self._seen: dict[str, str | None] = {}

    def maps(self, name: str | None) -> bool:
        """Whether the clerk named this unit in BiDanh. A register entry alone does not make a unit
        known only from a file name sure: the file may carry another unit's name."""
        return self.aliases.maps(name)

    def resolve(self, name: str | None) -> str | None:
        if not name:
            return name
        if name not in self._seen:
            proper = self.aliases.resolve(name)
            entry = self.register.find(proper) or self.register.find(name)
            self._seen[name] = entry.name if entry is not None else proper
        return self._seen[name]


# How offices title the columns of the unit lists they already keep (folded, accents stripped).
REGISTER_HEADERS: list[tuple[str, re.Pattern[str]]] = [(f, re.compile(p)) for f, p in [
    ("stt", r"^(stt|tt|so tt|so thu tu)$"),
    ("other_names", r"^(ten (khac|goi khac|cu|viet tat|thuong goi)|bi danh|cac ten khac)"),
    ("kind", r"^(loai( hinh)?( don vi| truong)?|cap hoc|bac hoc|khoi)$"),
    ("parent", r"^((don vi |co quan )?(cap tren|chu quan|quan ly)|truc thuoc|thuoc|don vi cap tren)"),
    ("emails", r"(e-?mail|thu dien tu|hop thu|\bmail\b)"),
    ("quota", r"^(chi tieu( dai bieu)?|so (luong )?dai bieu)"),
    ("note", r"^ghi chu"),
    ("name", r"^(ten )?(don vi|truong|co quan|to chuc)( chinh thuc| truc thuoc| du thi dua)?$|^ten$|^ten (chinh thuc|day du)"),
]]
_SECTION = re.compile(r"^([IVX]+|[A-Z])[.)]\s")
_TOTAL = re.compile(r"^(tong|cong)\b")


def register_header(text: str) -> str | None:
    """The register field a column header names ("Tên trường" -> name, "Địa chỉ thư điện tử" -> emails), or None."""
    key = strip_accents(fold(re.sub(r"\([^)]*\)", " ", text or "")))
    key = " ".join(re.sub(r"[:*.]+$", "", key).split())
    if not key:
        return None
    return next((f for f, pattern in REGISTER_HEADERS if pattern.search(key)), None)


def register_from_grid(rows: list[list[object]]) -> list[RegisterEntry] | None:
    """The units of a list as an office keeps it (a sheet, a CSV): header found among the first 30 rows.

    None when no row names a unit column beside another known one. Section rows ("I. KHỐI
    MẦM NON"), totals and rows without a name are skipped.
    """
    for h, header in enumerate(rows[:30]):
        fields = [register_header(str(v)) if isinstance(v, str) else None for v in header]
        if "name" in fields and len({f for f in fields if f and f != "stt"}) >= 2:
            break
    else:
        return None
    at: dict[str, int] = {}
    for i, f in enumerate(fields):
        if f and f not in at:
            at[f] = i

    def cell(raw: list[object], f: str) -> str | None:
        i = at.get(f)
        if i is None or i >= len(raw) or raw[i] in (None, ""):
            return None
        value = raw[i]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return " ".join(str(value).split()) or None

    entries: list[RegisterEntry] = []
    for raw in rows[h + 1:]:
        name = cell(list(raw), "name")
        if not name or _TOTAL.match(strip_accents(fold(name))):
            continue
        others = [cell(list(raw), f) for f in ("kind", "parent", "emails", "quota", "other_names")]
        if _SECTION.match(name) and not any(others):
            continue
        quota = cell(list(raw), "quota")
        entries.append(RegisterEntry(
            name=name, kind=cell(list(raw), "kind"), parent=cell(list(raw), "parent"),
            emails=email_addresses(cell(list(raw), "emails")), other_names=name_list(cell(list(raw), "other_names")),
            quota=int(quota) if quota and quota.isdigit() else None, note=cell(list(raw), "note"),
        ))
    return entries


def merged_register(held: Iterable[RegisterEntry], incoming: Iterable[RegisterEntry]) -> tuple[list[RegisterEntry], int, int]:
    """The register after adding a list: a unit already held keeps the clerk's cells and gains what was empty.

    Returns the entries, how many were added and how many completed.
    """
    register = UnitRegister(held)
    added = updated = 0
    for entry in incoming:
        known = register.find(entry.name) or next(
            (register.find(n) for n in entry.other_names if register.find(n)), None)
        if known is None:
            register.add(entry)
            added += 1
        elif known.fill_from(entry):
            updated += 1
    return list(register.entries), added, updated
