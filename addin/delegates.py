"""Master rows -> the delegate list for a "Hội nghị điển hình tiên tiến" (domain.md §6).

Pure logic over plain data: the caller reads DanhSach and the settings, and writes the sheet.

No national formula exists for seats per unit, so the rules here are the documented default
of domain.md §6, each one a setting:
- seats are split into guests (khách mời) and exemplary delegates (đại biểu điển hình tiên tiến);
- exemplary seats go to units in proportion to their eligible candidates, by the largest-remainder
  (Hamilton) method, at least one seat per unit with a candidate, never more than its candidates;
- explicit per-unit quotas and per-unit-type quotas by role ("each office sends 15: 1 leader,
  1 officer, 13 teachers") override the proportional share;
- within a unit, candidates are ranked by award, then priority flags, then name;
- every target missed and every quota not filled is a Vietnamese sentence in `shortfalls`,
  never fixed silently.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping, Sequence

from addin.schema import GUESTS, LIST_HEADER_ROW, LIST_KEYS, status_counts
from addin.units import unit_key
from addin.text import clean, fold, is_ethnic_minority, is_yes, name_key, parse_gender

# ---------------------------------------------------------------------------
# Data shapes

# Candidate attribute -> (flag slug on a Delegate, label in Vietnamese sentences).
FLAGS: dict[str, tuple[str, str]] = {
    "female": ("nu", "nữ"),
    "ethnic_minority": ("dan_toc_thieu_so", "người dân tộc thiểu số"),
    "difficult_area": ("vung_dbkk", "người công tác ở vùng đặc biệt khó khăn"),
    "direct_teaching": ("truc_tiep_giang_day", "giáo viên trực tiếp giảng dạy"),
    "student": ("hoc_sinh", "học sinh, sinh viên"),
}
ROLE_LABELS = {"lanh_dao": "lãnh đạo", "can_bo": "cán bộ", "giao_vien": "giáo viên", "hoc_sinh": "học sinh"}
DELEGATE, GUEST = "dai_bieu", "khach_moi"


@dataclass
class Candidate:
    """One exemplary person (or a guest) considered for the conference."""

    name: str
    unit: str
    award: str | None  # best award code proposed (catalogue code); None for guests
    rank: int | None  # that award's catalogue rank (lower = higher); None for guests
    female: bool = False
    ethnic_minority: bool = False  # dân tộc given and not "Kinh"
    difficult_area: bool = False  # vùng đặc biệt khó khăn
    direct_teaching: bool = False  # a teacher who teaches, not a manager
    student: bool = False
    role: str | None = None  # "lanh_dao" | "can_bo" | "giao_vien" | "hoc_sinh" | None (unknown)
    unit_type: str | None = None  # "truong" | "phong" | "xa" | "trung_tam" | "so" | None
    source_row: int | None = None  # Excel row in DanhSach, for traceability


@dataclass
class Settings:
    """What the conference plan fixes; every field is a clerk's setting."""

    seats: int = 200
    guest_share: float = 0.30  # "70% đại biểu điển hình tiên tiến, 30% khách mời"
    exemplary_max_rank: int = 13  # 13 = Chiến sĩ thi đua cơ sở and above
    unit_quotas: dict[str, int] = field(default_factory=dict)
    type_role_quotas: dict[str, dict[str, int]] = field(default_factory=dict)
    priority: list[str] = field(
        default_factory=lambda: ["female", "ethnic_minority", "difficult_area", "direct_teaching", "student"]
    )
    targets: dict[str, float] = field(default_factory=dict)  # minimum shares, e.g. {"female": 0.30}


@dataclass
class Delegate:
    """One seat of the conference."""

    name: str
    unit: str
    award: str | None
    role: str  # DELEGATE ("dai_bieu") or GUEST ("khach_moi")
    flags: list[str]  # slugs of FLAGS, e.g. ["nu", "dan_toc_thieu_so"]
    candidate: Candidate


@dataclass
class Result:
    """The delegate list and everything a clerk must know about how it was built."""

    seats: int  # total seats of the conference
    guests: int  # guests seated
    exemplary: int  # exemplary delegates seated
    by_unit: dict[str, int]  # exemplary delegates per unit
    delegates: list[Delegate]  # exemplary delegates by unit and rank, then guests
    composition: dict  # {"overall": group, "units": {unit: group}}; see _group
    shortfalls: list[str]  # Vietnamese sentences


# ---------------------------------------------------------------------------
# Vietnamese name order

# Vietnamese alphabet order: ă and â follow a, đ follows d (code points would put đ after z).
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER = {ch: i + 1 for i, ch in enumerate(_ALPHABET)}  # 0 is reserved for spaces
# Tones as taught in school: ngang, huyền, sắc, hỏi, ngã, nặng. A secondary key only.
_TONE = {"\u0300": 1, "\u0301": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}


@lru_cache(maxsize=4096)
def name_order(name: str) -> tuple:
    """Sort key for a person's name: Vietnamese letters first, then tones, then the name as typed.

    Built on `fold`, so "Hoà" and "Hòa" (old and new tone placement) differ only in the last part.
    """
    folded = fold(name)
    letters, tones = zip(*map(_char_order, folded)) if folded else ((), ())
    return (letters, tones, folded, name)


@lru_cache(maxsize=None)  # a name has few distinct letters: each is worked out once
def _char_order(ch: str) -> tuple[int, int]:
    """(letter, tone) of one character of a folded name."""
    parts = unicodedata.normalize("NFD", ch)
    tone = next((_TONE[m] for m in parts if m in _TONE), 0)
    base = unicodedata.normalize("NFC", "".join(m for m in parts if m not in _TONE))
    return (0 if base == " " else _LETTER.get(base, 100 + ord(base[0])), tone)


def _rank_key(c: Candidate, priority: Sequence[str]) -> tuple:
    """Award rank first, then priority flags in order (having the flag first), then name.

    The trailing fields make the order total, so the result never depends on input order.
    """
    never = 10**9
    return (
        never if c.rank is None else c.rank,
        tuple([not getattr(c, flag) for flag in priority]),  # (lists: this runs once per candidate)
        name_order(c.name),
        name_order(c.unit),
        never if c.source_row is None else c.source_row,
        c.award or "",
        tuple([getattr(c, flag) for flag in FLAGS]),
        c.role or "",
        c.unit_type or "",
    )


def rank_candidates(candidates: Iterable[Candidate], priority: Sequence[str] | None = None) -> list[Candidate]:
    """Candidates best first: award rank, priority flags, Vietnamese name order."""
    priority = Settings().priority if priority is None else priority
    return sorted(candidates, key=lambda c: _rank_key(c, priority))


# ---------------------------------------------------------------------------
# From DanhSach rows to candidates

# Rules are tables: (pattern over the folded position, role). The earliest match in the text wins,
# so "Giáo viên, Chủ tịch Công đoàn" is a teacher and "Phó Hiệu trưởng" a leader; at the same
# position the earlier row wins ("cán bộ quản lý" before "cán bộ").
_ROLE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), role)
    for p, role in [
        (r"\b(?:hiệu trưởng|hiệu phó|trưởng phòng|phó phòng|giám đốc|chủ tịch|chánh văn phòng"
         r"|chánh thanh tra|cán bộ quản lý|cbql|ht|pht|gđ|pgđ)\b", "lanh_dao"),
        (r"\b(?:giáo viên|giảng viên|gv|tổ trưởng|tổ phó|ttcm)\b", "giao_vien"),
        (r"\b(?:chuyên viên|cán bộ|nhân viên|kế toán|văn thư|thủ quỹ|y tế|thư viện|thiết bị"
         r"|bảo vệ|cấp dưỡng|phục vụ)\b", "can_bo"),
        (r"\b(?:học sinh|sinh viên|hs|sv)\b", "hoc_sinh"),
    ]
]
_TEACHES = re.compile(r"\b(?:giáo viên|giảng viên|gv)\b")

# (pattern over the folded unit name, unit type). First match wins.
_UNIT_TYPES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), kind)
    for p, kind in [
        (r"^(?:trường|tiểu học|trung học|mầm non|mẫu giáo|nhà trẻ|th|thcs|thpt|mn|mg|ptdt\w*|pt)\b", "truong"),
        (r"^trung tâm\b", "trung_tam"),
        (r"^phòng (?:gd ?& ?đt|gdđt|gd-đt|giáo dục và đào tạo|giáo dục - đào tạo)\b", "phong"),
        # "Phòng Văn hóa - Xã hội xã X" is a commune's; "xã hội" alone is not a commune.
        (r"(?:^|\s)(?:xã|phường|thị trấn|đặc khu)\s+(?!hội\b)\S", "xa"),
        (r"^(?:sở|văn phòng sở|thanh tra sở|phòng)\b", "so"),  # other "Phòng ..." are the Sở's divisions
    ]
]
_DIFFICULT = re.compile(r"đặc biệt khó khăn|\bđbkk\b")
_CODE = re.compile(r"^\s*([^\s(]+)")


@lru_cache(maxsize=1 << 14)  # positions and unit names repeat on many rows
def role_of(position: str | None) -> str | None:
    """Role from a position (chức vụ): "lanh_dao", "giao_vien", "can_bo", "hoc_sinh" or None."""
    if not position:
        return None
    text = fold(str(position))
    found = [(m.start(), i, role) for i, (p, role) in enumerate(_ROLE_PATTERNS) if (m := p.search(text))]
    return min(found)[2] if found else None


@lru_cache(maxsize=1 << 14)  # positions repeat on many rows
def teaches_directly(position: str | None) -> bool:
    """A teacher who teaches: the position names a teacher and the person is not a manager."""
    return bool(position) and bool(_TEACHES.search(fold(str(position)))) and role_of(position) != "lanh_dao"


@lru_cache(maxsize=1 << 14)  # positions and unit names repeat on many rows
def unit_type_of(unit: str | None) -> str | None:
    """Unit type from its name: "truong", "trung_tam", "phong", "xa", "so" or None."""
    if not unit:
        return None
    text = fold(str(unit))
    return next((kind for p, kind in _UNIT_TYPES if p.search(text)), None)


def _text(value: Any) -> str:
    return "" if value is None else clean(str(value))




@lru_cache(maxsize=1 << 14)  # a list repeats a few notes on many rows
def _notes_difficult_area(note: str) -> bool:
    """DanhSach has no column for a difficult area: a row says so in Ghi chú (or by its unit, in CauHinh)."""
    return bool(_DIFFICULT.search(fold(note)))


def _best_of(ma: str, de_nghi: str, catalogue) -> tuple[str, int] | None:
    """(code, rank) of the best award of a row's Mã khen thưởng (else its Đề nghị); "?" (not in the catalogue) is skipped."""
    codes: list[str] = []
    if ma:
        # "LDTT; BK_TINH (đột xuất)": the kind in parentheses does not change the rank.
        codes = [m.group(1) for part in ma.split(";") if (m := _CODE.match(part))]
    elif de_nghi:
        codes = [m.code for m in catalogue.match(de_nghi) if m.code]
    ranked = sorted((catalogue.rank(c), c) for c in codes if c != "?" and c in catalogue)
    return (ranked[0][1], ranked[0][0]) if ranked else None


def candidates_from_rows(
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    catalogue,
    *,
    difficult_units: Iterable[str] = (),
    unit_types: Mapping[str, str] | None = None,
    first_row: int = LIST_HEADER_ROW + 1,
) -> list[Candidate]:
    """Individuals from DanhSach rows (dicts keyed by schema.LIST_KEYS, or lists in that order), best award each.

    Skips collectives, rows whose status is "Lỗi" and rows with no award in the catalogue. A row's
    `source_row` is its "_row" value when given, else `first_row` + its index. Difficult area comes
    from a "vung_dbkk" value, from `difficult_units`, or from "đặc biệt khó khăn" in Ghi chú.
    The same person twice in one unit (same name and birth) is one candidate with the best award.
    """
    difficult = {unit_key(u) for u in difficult_units}
    types = {unit_key(u): t for u, t in (unit_types or {}).items()}
    best: dict[tuple, Candidate] = {}
    # A list repeats a few texts down its columns (units, positions, awards, statuses): each is
    # cleaned, parsed or classified once (a 50,000-row list spent most of its time doing it per row).
    texts: dict[str, str] = {}
    awards: dict[tuple[str, str], tuple[str, int] | None] = {}
    females: dict[Any, bool] = {}
    minorities: dict[Any, bool] = {}

    def text(value: Any) -> str:  # _text, memoised for texts (1 == 1.0 == True as keys: texts only)
        if type(value) is not str:
            return _text(value)
        found = texts.get(value)
        if found is None:
            found = texts[value] = clean(value)
        return found

    def flag(cache: dict[Any, bool], value: Any, test: Callable[[Any], bool]) -> bool:
        if type(value) is not str and value is not None:
            return test(value)
        found = cache.get(value)
        if found is None:
            found = cache[value] = test(value)
        return found

    for i, raw in enumerate(rows):
        # (a list first: isinstance against the Mapping ABC costs more than the rest of the row's work)
        row = dict(zip(LIST_KEYS, raw)) if isinstance(raw, list) or not isinstance(raw, Mapping) else raw
        if fold(text(row.get("target"))) != "cá nhân" or not status_counts(text(row.get("status")) or None):
            continue
        name, unit = text(row.get("ho_ten")), text(row.get("unit")) or text(row.get("don_vi"))
        key = (text(row.get("ma")), text(row.get("de_nghi")))
        if (award := awards.get(key, awards)) is awards:
            award = awards[key] = _best_of(*key, catalogue)
        if not name or not unit or award is None:
            continue
        position = text(row.get("chuc_vu"))
        role = role_of(position)
        candidate = Candidate(
            name=name,
            unit=unit,
            award=award[0],
            rank=award[1],
            female=flag(females, row.get("gioi_tinh"), lambda v: parse_gender(v) == "nu"),
            ethnic_minority=flag(minorities, row.get("dan_toc"), is_ethnic_minority),
            difficult_area=(is_yes(row.get("vung_dbkk")) or unit_key(unit) in difficult
                            or _notes_difficult_area(text(row.get("ghi_chu")))),
            direct_teaching=teaches_directly(position),
            student=role == "hoc_sinh",
            role=role,
            unit_type=types.get(unit_key(unit)) or unit_type_of(unit),
            source_row=row.get("_row") if row.get("_row") is not None else first_row + i,
        )
        person = (unit, name_key(name), str(row.get("ngay_sinh") or row.get("nam_sinh") or ""))
        kept = best.get(person)
        if kept is None or _rank_key(candidate, ()) < _rank_key(kept, ()):
            best[person] = candidate
    return rank_candidates(best.values())


def guests_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[Candidate]:
    """Guests from the clerk's KhachMoi rows, classified by the same parsers as candidates."""
    guests = []
    for row in rows:
        name = _text(row.get("ho_ten"))
        if not name:
            continue
        guests.append(Candidate(name=name, unit=_text(row.get("don_vi")), award=None, rank=None,
                                female=parse_gender(row.get("gioi_tinh")) == "nu",
                                ethnic_minority=is_ethnic_minority(row.get("dan_toc")),
                                role=role_of(_text(row.get("chuc_vu")))))
    return guests


# ---------------------------------------------------------------------------
# Seats per unit


def _hamilton(weights: Mapping[str, int], seats: int) -> dict[str, int]:
    """Largest-remainder apportionment in exact integers.

    Ties between equal remainders go to the unit with more candidates, then by name, so that
    {A:10, B:7, C:3} with 10 seats gives B (not C) the seat both have half a claim to.
    """
    total = sum(weights.values())
    if total <= 0 or seats <= 0:
        return {u: 0 for u in weights}
    alloc = {u: seats * w // total for u, w in weights.items()}
    left = seats - sum(alloc.values())
    order = sorted(weights, key=lambda u: (-(seats * weights[u] % total), -weights[u], name_order(u)))
    for u in order[:left]:
        alloc[u] += 1
    return alloc


def _names(units: Iterable[str]) -> str:
    return ", ".join(sorted(units, key=name_order))


def _proportional(counts: Mapping[str, int], seats: int, notes: list[str]) -> dict[str, int]:
    """Hamilton shares with a floor of one seat and a ceiling of the unit's candidates.

    Units that hit the floor or the ceiling are fixed there and the others are re-apportioned by
    the same method, so a unit's unusable seats go to the rest and, when no bound binds, the
    result is plain Hamilton.
    """
    if not counts:
        return {}
    if seats < len(counts):
        # Not every unit can have one: the units with most candidates win, ties by name.
        ordered = sorted(counts, key=lambda u: (-counts[u], name_order(u)))
        losers = ordered[max(seats, 0):]
        notes.append(
            f"Có {len(counts)} đơn vị có ứng viên nhưng chỉ còn {max(seats, 0)} chỗ: ưu tiên đơn vị có nhiều "
            f"ứng viên hơn; {len(losers)} đơn vị không có đại biểu: {_names(losers)}."
        )
        return {u: 0 if u in losers else 1 for u in counts}
    fixed: dict[str, int] = {}
    while True:
        open_units = {u: c for u, c in counts.items() if u not in fixed}
        share = _hamilton(open_units, seats - sum(fixed.values()))
        # Ceilings first: seats freed by a full unit may lift another unit off the floor.
        over = [u for u in open_units if share[u] > open_units[u]]
        under = [u for u in open_units if share[u] < 1]
        if over:
            fixed.update({u: counts[u] for u in over})
        elif under:
            fixed.update({u: 1 for u in under})
        else:
            return {**fixed, **share}


def _allocate(
    counts: Mapping[str, int], seats: int, quotas: Mapping[str, int] | None = None
) -> tuple[dict[str, int], list[str]]:
    """Seats per unit and the sentences that explain every bound that bit."""
    notes: list[str] = []
    alloc = {u: 0 for u in counts}
    with_candidates = {u: c for u, c in counts.items() if c > 0}
    by_key = {unit_key(u): u for u in sorted(counts, key=name_order, reverse=True)}

    # Explicit quotas first, matched to units however the clerk typed the name, capped by candidates.
    wanted: dict[str, int] = {}
    short: list[tuple[str, int, int]] = []
    given: dict[str, str] = {}  # unit -> the quota's name as written, to catch a unit given twice
    for written, quota in sorted((quotas or {}).items(), key=lambda q: name_order(q[0])):
        unit = by_key.get(unit_key(written))
        if unit in given:
            notes.append(f"{unit} có hai chỉ tiêu (\"{given[unit]}\" và \"{written}\"); "
                         f"dùng chỉ tiêu ghi cho \"{given[unit]}\".")
            continue
        if unit is not None:
            given[unit] = written
        have = counts.get(unit, 0) if unit is not None else 0
        if have == 0:
            if quota > 0:
                notes.append(f"{written}: chỉ tiêu {quota} đại biểu nhưng không có ứng viên đủ điều kiện nào.")
            if unit is not None:
                wanted[unit] = 0
            continue
        if quota > have:
            short.append((unit, quota, have))
        wanted[unit] = min(quota, have)
    rest = {u: c for u, c in with_candidates.items() if u not in wanted}
    for unit, quota, have in short:
        where = "chia cho các đơn vị khác" if rest else "để trống vì không còn đơn vị nào khác có ứng viên"
        notes.append(
            f"{unit}: chỉ tiêu {quota} đại biểu nhưng chỉ có {have} ứng viên đủ điều kiện; "
            f"{quota - have} chỗ không dùng được {where}."
        )
    if sum(wanted.values()) > seats:
        notes.append(
            f"Tổng chỉ tiêu riêng của các đơn vị ({sum(wanted.values())}) vượt số chỗ dành cho đại biểu "
            f"điển hình tiên tiến ({seats}); các chỉ tiêu được giảm theo tỷ lệ."
        )
        wanted = _hamilton(wanted, seats)
    alloc.update(wanted)
    alloc.update(_proportional(rest, seats - sum(wanted.values()), notes))

    empty = seats - sum(alloc.values())
    if empty > 0:
        notes.append(
            f"Còn {empty}/{seats} chỗ dành cho đại biểu điển hình tiên tiến để trống: "
            f"không còn ứng viên đủ điều kiện để phân bổ."
        )
    return alloc, notes


def allocate_seats(counts: dict[str, int], seats: int, quotas: dict[str, int] | None = None) -> dict[str, int]:
    """Seats per unit: explicit quotas first, the rest by largest remainder (min 1, max candidates)."""
    return _allocate(counts, seats, quotas)[0]


# ---------------------------------------------------------------------------
# Choosing people


def _fill_unit(
    unit: str, pool: list[Candidate], seats: int, roles: Mapping[str, int] | None, notes: list[str]
) -> list[Candidate]:
    """The unit's best `seats` candidates; with role quotas, the best of each role first.

    Role slots nobody can fill go to the unit's best remaining candidates, and are reported.
    """
    if not roles:
        return pool[:seats]
    chosen: list[Candidate] = []
    left = seats
    for role, quota in roles.items():
        want = min(quota, left)
        found = [c for c in pool if c.role == role][:want]
        if len(found) < want:
            label = ROLE_LABELS.get(role, role)
            notes.append(
                f"{unit}: chỉ tiêu {want} {label} nhưng chỉ có {len(found)} ứng viên là {label}; "
                f"{want - len(found)} chỗ chuyển cho ứng viên khác xếp hạng cao nhất của đơn vị."
            )
        chosen += found
        left -= len(found)
    taken = {id(c) for c in chosen}
    chosen += [c for c in pool if id(c) not in taken][:left]
    taken = {id(c) for c in chosen}
    return [c for c in pool if id(c) in taken]  # in the unit's rank order, not role order


def _flags(c: Candidate) -> list[str]:
    return [slug for attr, (slug, _) in FLAGS.items() if getattr(c, attr)]


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _vn_number(value: float) -> str:
    """30.0 -> "30", 9.8 -> "9,8": Vietnamese decimal comma."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _group(people: list[Delegate]) -> dict[str, Any]:
    """Counts and percentages (of everyone seated in the group) for one unit or the whole list."""
    total = len(people)
    group: dict[str, Any] = {
        "delegates": sum(d.role == DELEGATE for d in people),
        "guests": sum(d.role == GUEST for d in people),
        "total": total,
    }
    for attr in FLAGS:
        count = sum(getattr(d.candidate, attr) for d in people)
        group[attr] = count
        group[f"{attr}_pct"] = _pct(count, total)
    return group


def _check_settings(settings: Settings) -> None:
    """Unusable settings stop the run with a message the clerk can act on."""
    if settings.seats < 0:
        raise ValueError(f"Tổng số đại biểu phải là số không âm (đang là {settings.seats}).")
    if not 0 <= settings.guest_share <= 1:
        raise ValueError(f"Tỷ lệ khách mời phải từ 0 đến 1, ví dụ 0,30 cho 30% (đang là {settings.guest_share}).")
    for name in list(settings.priority) + list(settings.targets):
        if name not in FLAGS:
            raise ValueError(f"Không biết tiêu chí \"{name}\"; dùng một trong: {', '.join(FLAGS)}.")
    for name, share in settings.targets.items():
        if not 0 <= share <= 1:
            raise ValueError(f"Mục tiêu tỷ lệ \"{name}\" phải từ 0 đến 1, ví dụ 0,30 cho 30% (đang là {share}).")
    quotas = list(settings.unit_quotas.items()) + [
        (f"{t}/{r}", q) for t, roles in settings.type_role_quotas.items() for r, q in roles.items()
    ]
    for name, quota in quotas:
        if not isinstance(quota, int) or quota < 0:
            raise ValueError(f"Chỉ tiêu của \"{name}\" phải là số nguyên không âm (đang là {quota}).")


def _unit_types(by_unit: Mapping[str, list[Candidate]]) -> dict[str, str | None]:
    return {u: min((c.unit_type for c in cs if c.unit_type), default=None) for u, cs in by_unit.items()}


def select_delegates(candidates: list[Candidate], guests: list[Candidate], settings: Settings) -> Result:
    """Seat guests and exemplary delegates by the rules of domain.md §6; report every shortfall."""
    _check_settings(settings)
    shortfalls: list[str] = []

    # Guests: round(seats × share) half up. Seats with no guest listed yet stay the guests' and are
    # reported: handing them to exemplary delegates would break the plan's split ("70% điển hình,
    # 30% khách mời") without anyone deciding it, and the guest list is usually filled in last.
    guest_seats = _half_up(settings.seats * Decimal(str(settings.guest_share)))  # share <= 1: <= seats
    ranked_guests = rank_candidates(guests, settings.priority)
    seated_guests = ranked_guests[:guest_seats]
    if len(guests) < guest_seats:
        shortfalls.append(
            f"Chỉ có {len(guests)} khách mời cho {guest_seats} chỗ dành cho khách mời; "
            f"{guest_seats - len(guests)} chỗ khách mời còn trống, vẫn để dành cho khách mời (không chuyển cho "
            f"đại biểu điển hình tiên tiến): hãy bổ sung trang {GUESTS}, hoặc giảm tỷ lệ khách mời nếu muốn."
        )
    elif len(guests) > guest_seats:
        left_out = ranked_guests[guest_seats:]
        shortfalls.append(
            f"Có {len(guests)} khách mời nhưng chỉ có {guest_seats} chỗ; {len(left_out)} người không có chỗ: "
            f"{', '.join(c.name for c in left_out)}."
        )
    exemplary_seats = settings.seats - guest_seats

    # Eligible candidates by unit, best first.
    eligible = [c for c in candidates if c.rank is not None and c.rank <= settings.exemplary_max_rank]
    by_unit: dict[str, list[Candidate]] = defaultdict(list)
    for c in rank_candidates(eligible, settings.priority):
        by_unit[c.unit].append(c)
    units = sorted(by_unit, key=name_order)
    types = _unit_types(by_unit)

    # Explicit unit quotas win; a unit of a type with role quotas gets their sum.
    quotas = dict(settings.unit_quotas)
    explicit = {unit_key(u) for u in quotas}
    for u in units:
        roles = settings.type_role_quotas.get(types[u] or "")
        if roles and unit_key(u) not in explicit:
            quotas[u] = sum(roles.values())
    alloc, notes = _allocate({u: len(by_unit[u]) for u in units}, exemplary_seats, quotas)
    shortfalls += notes

    delegates: list[Delegate] = []
    for u in units:
        roles = settings.type_role_quotas.get(types[u] or "")
        for c in _fill_unit(u, by_unit[u], alloc[u], roles, shortfalls):
            delegates.append(Delegate(c.name, c.unit, c.award, DELEGATE, _flags(c), c))
    for c in seated_guests:
        delegates.append(Delegate(c.name, c.unit, c.award, GUEST, _flags(c), c))

    composition = _composition(delegates)
    shortfalls += _target_shortfalls(composition["overall"], settings.targets)
    return Result(
        seats=settings.seats,
        guests=len(seated_guests),
        exemplary=len(delegates) - len(seated_guests),
        by_unit={u: alloc[u] for u in units},
        delegates=delegates,
        composition=composition,
        shortfalls=shortfalls,
    )


def _composition(delegates: list[Delegate]) -> dict[str, Any]:
    per_unit: dict[str, list[Delegate]] = defaultdict(list)
    for d in delegates:
        per_unit[d.unit].append(d)
    return {
        "overall": _group(delegates),
        "units": {u: _group(per_unit[u]) for u in sorted(per_unit, key=name_order)},
    }


def _target_shortfalls(overall: Mapping[str, Any], targets: Mapping[str, float]) -> list[str]:
    """"Tỷ lệ nữ 24,0% (48/200), thấp hơn mục tiêu 30%." for each target missed, in FLAGS order."""
    out = []
    for attr, (_, label) in FLAGS.items():
        target = targets.get(attr)
        if target is None:
            continue
        count, total = overall[attr], overall["total"]
        # Exact fractions: 3 of 10 meets a 30% target although 0.3 is not exact in binary.
        if Fraction(count) < Fraction(str(target)) * total:
            shown = f"{_pct(count, total):.1f}".replace(".", ",")
            out.append(
                f"Tỷ lệ {label} {shown}% ({count}/{total}), thấp hơn mục tiêu {_vn_number(target * 100)}%."
            )
    return out
