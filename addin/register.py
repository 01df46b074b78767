"""Registrations (đăng ký thi đua) against proposals: who proposes a title nobody registered for.

At the start of a school year every unit registers which titles its people and collectives
will strive for; at the end, proposals are expected to come from that list. Pure logic over
master rows (DanhSach and DangKy share the same columns, addin.merge.COLUMNS).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable

from addin.catalogue import Catalogue, default_catalogue
from addin.merge import RowsCheck
from addin.schema import LIST_HEADERS, MasterRow
from addin.units import unit_key
from addin.models import AwardKind, Issue, Severity
from addin.tally import parse_codes
from addin.text import name_key


def _birth_year(birth: Any) -> int | None:
    if isinstance(birth, date):
        return birth.year
    if isinstance(birth, (int, float)) and not isinstance(birth, bool):
        return int(birth)
    return None


def _same_birth(a_day: Any, a_year: Any, b_day: Any, b_year: Any) -> bool:
    """Whether two births can be the same person's; a list that gives none does not rule it out.

    Registration lists often give only the year of birth while the result list gives the full
    date: the years must agree, the days only when both lists give them.
    """
    if isinstance(a_day, date) and isinstance(b_day, date):
        return a_day == b_day
    year_a, year_b = _birth_year(a_day) or _birth_year(a_year), _birth_year(b_day) or _birth_year(b_year)
    return year_a is None or year_b is None or year_a == year_b


def _year(row: MasterRow) -> str:
    return str(row.nam_hoc or "").strip()


def unregistered_check(registrations: Iterable[MasterRow], catalogue: Catalogue | None = None) -> RowsCheck:
    """A check over DanhSach rows: a `not-registered` warning per regular award with no registration.

    Only units that registered at all are checked (a unit with no DangKy rows sent no list,
    which is a different problem); one-off and themed awards (đột xuất, chuyên đề) cannot be
    registered in advance and are never flagged. A registration matches a proposal when the
    unit, the person (name key and birth) and the award code agree, and the school years too
    when both rows name one.
    """
    catalogue = catalogue or default_catalogue()
    registered: dict[tuple[str, str, str], list[MasterRow]] = {}
    units: set[str] = set()
    for row in registrations:
        unit = row.unit or row.src_unit
        if not unit or not row.ho_ten:
            continue
        units.add(unit_key(str(unit)))
        for code, _kind in parse_codes(row.ma):
            registered.setdefault((unit_key(str(unit)), name_key(str(row.ho_ten)), code), []).append(row)

    def check(rows: list[MasterRow]) -> tuple[list[Issue], list[int]]:
        issues: list[Issue] = []
        at: list[int] = []
        for i, row in enumerate(rows):
            unit, name = row.unit or row.src_unit, row.ho_ten
            if not unit or not name or unit_key(str(unit)) not in units:
                continue
            for code, kind in parse_codes(row.ma):
                if kind != AwardKind.THUONG_XUYEN or code not in catalogue:
                    continue
                found = registered.get((unit_key(str(unit)), name_key(str(name)), code), [])
                if any(_same_birth(r.ngay_sinh, r.nam_sinh, row.ngay_sinh, row.nam_sinh)
                       and (not _year(r) or not _year(row) or _year(r) == _year(row)) for r in found):
                    continue
                award = catalogue[code].name
                issues.append(Issue(
                    code="not-registered", severity=Severity.WARNING, file=str(row.src_file or ""),
                    sheet=row.src_sheet, row=row.src_row, column=LIST_HEADERS["de_nghi"], value=award,
                    message=f"\"{name}\" được đề nghị {award} nhưng không có trong danh sách đăng ký thi đua đầu năm "
                            f"của {unit} (trang DangKy): kiểm tra lại bản đăng ký hoặc ghi rõ lý do.",
                ))
                at.append(i)
        return issues, at

    return check
