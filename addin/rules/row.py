"""Criteria one proposal row shows by itself (its yearly rating, its initiative), as a table.

The table is the one home of these criteria: validation checks rows against it, and the unit
template's instructions are written from it. The multi-year criteria, which need the award
history, are in `checks` with their parameters in QuyDinh.

A criterion is judged only on evidence the list carries: where the list has no column for the
evidence that would settle it (a CSTĐCS rated below HTXSNV in a list with no initiative column),
the row gets a warning naming the column to add, never an error: the list simply does not say.
A list with no "Xếp loại" column at all is not judged on ratings (result lists often have none).
"""

from __future__ import annotations

from dataclasses import dataclass

from addin.models import Issue, Nominee, Rating, Severity, Target

LAW_2022 = "Luật Thi đua, khen thưởng 2022"
_ORDER = {Rating.HTXSNV: 0, Rating.HTTNV: 1, Rating.HTNV: 2, Rating.KHTNV: 3}
RATING_NAMES = {Rating.HTXSNV: "Hoàn thành xuất sắc nhiệm vụ", Rating.HTTNV: "Hoàn thành tốt nhiệm vụ",
                Rating.HTNV: "Hoàn thành nhiệm vụ", Rating.KHTNV: "Không hoàn thành nhiệm vụ"}
INITIATIVE_COLUMN = "Tên sáng kiến"


@dataclass(frozen=True)
class RowCriterion:
    """A title's criterion on the row's own rating, with an initiative as the alternative when `or_initiative`."""

    codes: frozenset[str]  # the titles it applies to
    name: str  # as the clerk reads it
    rating: Rating  # the rating needed (or better)
    or_initiative: bool  # an initiative recognised instead of the rating satisfies it
    article: str


ROW_CRITERIA: tuple[RowCriterion, ...] = (
    RowCriterion(frozenset({"CSTDCS"}), "Chiến sĩ thi đua cơ sở", Rating.HTXSNV, True, f"Điều 23 {LAW_2022}"),
    RowCriterion(frozenset({"LDTT", "CSTDCS"}), "Lao động tiên tiến", Rating.HTTNV, False, f"Điều 24 {LAW_2022}"),
)


def help_lines() -> list[str]:
    """The criteria as the unit template's instructions state them."""
    lines = []
    for c in ROW_CRITERIA:
        also = " hoặc có sáng kiến (ghi tên và số quyết định công nhận)" if c.or_initiative else " trở lên"
        lines.append(f"{c.name} cần xếp loại {c.rating.value}{also} ({c.article}).")
    return lines


def check_row(n: Nominee, columns: dict[str, str], award_column: str | None) -> list[Issue]:
    """The row-local criteria of a proposal; `columns` maps the list's fields to its headers."""
    if n.target != Target.CA_NHAN:
        return []
    codes = {a.code for a in n.awards}
    has_rating_column = "xep_loai" in columns
    has_initiative_column = "ten_sang_kien" in columns or "so_qd_sang_kien" in columns
    has_initiative = bool(n.ten_sang_kien or n.so_qd_sang_kien)
    rating = n.xep_loai
    out: list[Issue] = []
    for c in ROW_CRITERIA:
        if not codes & c.codes:
            continue
        met_by_rating = rating is not None and _ORDER[rating] <= _ORDER[c.rating]
        if met_by_rating or (c.or_initiative and has_initiative):
            continue
        need = f"xếp loại {RATING_NAMES[c.rating]}" + (" trở lên" if c.rating != Rating.HTXSNV else "")
        need += " hoặc có sáng kiến được công nhận" if c.or_initiative else ""
        if rating is None:
            # An empty rating cell matters only where an initiative could have stood in for it.
            if has_rating_column and c.or_initiative:
                out.append(_issue(n, Severity.WARNING, award_column, c.name,
                                  f"Chưa ghi xếp loại hay sáng kiến: không kiểm tra được tiêu chuẩn {c.name} "
                                  f"({c.article}: cần {need})."))
            continue
        if c.or_initiative and not has_initiative_column:
            out.append(_issue(n, Severity.WARNING, award_column, c.name,
                              f"{c.name} cần {need} ({c.article}); dòng này xếp loại {rating.value} và danh sách "
                              f"không có cột sáng kiến: hãy thêm cột \"{INITIATIVE_COLUMN}\" (và số quyết định công "
                              "nhận) để kiểm tra."))
            continue
        column = award_column if c.or_initiative else columns.get("xep_loai", award_column)
        value = c.name if c.or_initiative else rating.value
        tail = " và không có sáng kiến" if c.or_initiative else ""
        out.append(_issue(n, Severity.ERROR, column, value,
                          f"{c.name} cần {need} ({c.article}); dòng này xếp loại {rating.value}{tail}."))
    return out


def _issue(n: Nominee, severity: Severity, column: str | None, value: str | None, message: str) -> Issue:
    return Issue(code="criteria-not-met", severity=severity, file=n.file, sheet=n.sheet, row=n.row, column=column,
                 value=value, message=message)
