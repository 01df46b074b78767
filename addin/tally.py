"""The award tally (biểu tổng hợp): master rows -> counts per award category and unit.

A category is an award code x individual/collective x kind (thường xuyên, đột xuất, chuyên đề),
as in the published tallies of domain.md §1. Pure logic: rows in, table out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from addin.catalogue import KIND_LABELS, TARGET_LABELS, Catalogue
from addin.schema import MasterRow, status_counts
from addin.text import school_year_key
from addin.units import unit_key
from addin.models import AwardKind, Target

_KIND_BY_LABEL = {label: kind for kind, label in KIND_LABELS.items()}
_KIND_ORDER = KIND_ORDER = {AwardKind.THUONG_XUYEN: 0, AwardKind.DOT_XUAT: 1, AwardKind.CHUYEN_DE: 2}


@dataclass
class TallyRow:
    code: str
    target: Target
    kind: AwardKind
    label: str
    by_unit: dict[str, int] = field(default_factory=dict)
    registered: dict[str, int] | None = None  # filled when registrations are set beside results

    @property
    def total(self) -> int:
        return sum(self.by_unit.values())

    def to_json(self) -> dict[str, Any]:
        data = {"code": self.code, "target": self.target.value, "kind": self.kind.value, "label": self.label,
                "total": self.total, "by_unit": dict(self.by_unit)}
        if self.registered is not None:
            data["registered"] = sum(self.registered.values())
            data["registered_by_unit"] = dict(self.registered)
        return data


@dataclass
class Tally:
    rows: list[TallyRow]
    units: list[str]
    counted_rows: int  # DanhSach rows that were counted
    skipped_error_rows: int  # rows left out because their status is "Lỗi"
    years: list[str] | None
    no_year_rows: int = 0  # rows left out of a tally of some years because they name no school year
    years_held: list[str] = field(default_factory=list)  # the school years DanhSach's rows name
    busiest_year: str | None = None  # the school year most rows name

    def several_years_note(self) -> str:
        """What the clerk must know when a tally of every year counts lists of several ("" otherwise)."""
        if self.years is not None or len(self.years_held) < 2:
            return ""
        return (f"sổ có danh sách của {len(self.years_held)} năm học ({', '.join(self.years_held)}) và biểu này đếm "
                f"tất cả; muốn đếm một năm học, hãy chọn năm học (lệnh tdkt tally --year {self.busiest_year}).")

    def no_year_note(self) -> str:
        """What the clerk must know when rows were left out for having no school year ("" when none were)."""
        if not self.no_year_rows:
            return ""
        return (f"{self.no_year_rows} dòng không ghi năm học nên không được tính vào năm học {', '.join(self.years or [])} "
                "(cột \"Năm học\" của trang DanhSach để trống): hãy đề nghị đơn vị ghi năm học vào danh sách (ở "
                "tiêu đề hoặc cột Năm học) rồi gửi lại, hoặc lập biểu cho tất cả các năm học.")

    @property
    def grand_total(self) -> int:
        return sum(r.total for r in self.rows)

    def unit_totals(self) -> dict[str, int]:
        return {u: sum(r.by_unit.get(u, 0) for r in self.rows) for u in self.units}

    def to_json(self) -> dict[str, Any]:
        """The `tdkt tally --json` shape (a contract: extend only by adding fields)."""
        return {"rows": [r.to_json() for r in self.rows], "grand_total": self.grand_total,
                "units": self.units, "counted_rows": self.counted_rows,
                "skipped_error_rows": self.skipped_error_rows, "years": self.years,
                "no_year_rows": self.no_year_rows, "years_held": self.years_held}


def category_label(catalogue: Catalogue, code: str, target: Target, kind: AwardKind) -> str:
    """"Bằng khen của Chủ tịch UBND tỉnh (tập thể, đột xuất)"."""
    name = catalogue[code].name if code in catalogue else code
    parts = [TARGET_LABELS[target]]
    if kind != AwardKind.THUONG_XUYEN:
        parts.append(KIND_LABELS[kind])
    return f"{name} ({', '.join(parts)})"


def parse_codes(cell: Any) -> list[tuple[str, AwardKind]]:
    """(code, kind) pairs from a DanhSach "Mã khen thưởng" cell: "LDTT; GK (đột xuất)"."""
    out = []
    for part in str(cell or "").split(";"):
        part = part.strip()
        if not part or part.startswith("?"):
            continue
        code, _, rest = part.partition(" (")
        kind = _KIND_BY_LABEL.get(rest.rstrip(")").strip(), AwardKind.THUONG_XUYEN) if rest else AwardKind.THUONG_XUYEN
        out.append((code.strip(), kind))
    return out


def _target(cell: Any) -> Target:
    return Target.TAP_THE if str(cell or "").strip().lower() == "tập thể" else Target.CA_NHAN


Category = tuple[str, Target, AwardKind]


def tally(rows: Iterable[MasterRow], catalogue: Catalogue, *, years: list[str] | None = None,
          count_errors: bool = False, include_empty: bool = False,
          registrations: Iterable[MasterRow] | None = None) -> Tally:
    """Count the master's rows by award category and unit.

    Rows whose status is "Lỗi" are left out unless count_errors: an award on a row that still
    has errors is not yet a proposal the council can count. Warnings are counted.
    With `registrations` (DangKy rows), each row also gets the registered count per unit,
    counted by the same rules; units that only registered come after the others.
    """
    rows = rows if isinstance(rows, list) else list(rows)
    wanted = {k for y in years if (k := school_year_key(y))} if years else None
    units: list[str] = []
    counts, counted, skipped, no_year = _count(rows, catalogue, wanted, count_errors, units)
    registered: dict[Category, dict[str, int]] | None = None
    if registrations is not None:
        registered = _count(registrations, catalogue, wanted, count_errors, units)[0]
        for key in registered:
            counts.setdefault(key, {})
    if include_empty:
        for award in catalogue.awards.values():
            for target in award.targets:
                for kind in award.kinds:
                    counts.setdefault((award.code, target, kind), {})

    def order(key: Category) -> tuple:
        code, target, kind = key
        return (0 if target == Target.CA_NHAN else 1, catalogue[code].rank, code, _KIND_ORDER[kind])

    table = [
        TallyRow(code, target, kind, category_label(catalogue, code, target, kind),
                 {u: counts[(code, target, kind)][u] for u in units if counts[(code, target, kind)].get(u)},
                 None if registered is None else
                 {u: n for u in units if (n := registered.get((code, target, kind), {}).get(u))})
        for code, target, kind in sorted(counts, key=order)
    ]
    per_year = rows_per_year(rows)
    return Tally(table, units, counted, skipped, sorted(wanted) if wanted else None, no_year, sorted(per_year),
                 per_year.most_common(1)[0][0] if per_year else None)


def year_keys(rows: Iterable[MasterRow]) -> dict[Any, str | None]:
    """Each Năm học cell as written -> its school year ("2024 - 2025" -> "2024-2025"), once per spelling."""
    return {v: school_year_key(v) for v in {r.nam_hoc for r in rows} if v}


def rows_per_year(rows: list[MasterRow], keys: dict[Any, str | None] | None = None) -> Counter:
    """How many rows name each school year (rows naming none are not counted)."""
    keys = year_keys(rows) if keys is None else keys
    return Counter(keys[r.nam_hoc] for r in rows if r.nam_hoc and keys[r.nam_hoc])


def _count(rows: Iterable[MasterRow], catalogue: Catalogue, wanted: set[str] | None, count_errors: bool,
           units: list[str]) -> tuple[dict[Category, dict[str, int]], int, int, int]:
    """Counts by category and unit, rows counted, rows skipped for errors, rows left out for naming no
    school year (when years are asked for); units seen are appended to `units`."""
    # One column per unit however its lists spell it ("Trường TH X" in DangKy, "Trường Tiểu học X"
    # in DanhSach): the first spelling seen names the column.
    names = {unit_key(u): u for u in reversed(units)}
    seen_units = set(units)
    counts: dict[Category, dict[str, int]] = {}
    counted = skipped = no_year = 0
    for row in rows:
        unit = row.unit or row.src_unit or "(chưa rõ đơn vị)"
        unit = names.setdefault(unit_key(str(unit)), unit)
        if unit not in seen_units:
            seen_units.add(unit)
            units.append(unit)
        if wanted is not None and (year := school_year_key(row.nam_hoc)) not in wanted:  # the row's own year
            if year is None and (status_counts(row.status) or count_errors):
                no_year += 1
            continue
        if not count_errors and not status_counts(row.status):
            skipped += 1
            continue
        counted += 1
        target = _target(row.target)
        for code, kind in parse_codes(row.ma):
            if code not in catalogue:
                continue
            if kind not in catalogue[code].kinds:  # "LĐTT đột xuất" (warned): counted as the award it is
                kind = AwardKind.THUONG_XUYEN
            per_unit = counts.setdefault((code, target, kind), {})
            per_unit[unit] = per_unit.get(unit, 0) + 1
    return counts, counted, skipped, no_year
