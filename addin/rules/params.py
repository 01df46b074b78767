"""The rule parameters (sheet QuyDinh): years, counts and ratios, each with its article and date.

One row per parameter per legal basis: a row applies to dossiers dated from its "Áp dụng từ
ngày" until a later row for the same parameter takes over, so a new decree is a new row, not
new code. A row naming a unit overrides the general row for that unit (local caps). Defaults
live in addin/data/quy_dinh.csv; the master's QuyDinh sheet is created from them once and then
read back as the clerk edits it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Iterable

from addin.models import Issue, Rating, Severity
from addin.history import DISCIPLINE_LEVELS, LEVEL_NAMES, discipline_level, initiative_level
from addin.ingest import parse_rating
from addin.schema import RULE_COLUMNS, RULES
from addin.units import unit_key
from addin.text import clean, fold, parse_date, parse_yes

COLUMNS = RULE_COLUMNS  # QuyDinh, read back by header text
HEADERS = [h for _, h, _ in COLUMNS]
STATUS_LABELS = {"V": "đã đối chiếu văn bản", "R": "theo nguồn thứ cấp, cần kiểm tra", "K": "cách làm thường gặp"}
DEFAULTS = Path(__file__).resolve().parent.parent / "data" / "quy_dinh.csv"


@dataclass(frozen=True)
class Param:
    """One parameter row: its value, the article it comes from and how sure that source is."""

    rule: str
    name: str
    kind: str  # so_nguyen, ty_le, co_khong, ma, cap, ky_luat, van_ban
    value: Any  # typed; None means "not applied" (e.g. a cap left empty)
    since: date
    unit: str | None
    citation: str
    status: str  # V, R or K (domain.md: verified, reported, common practice)
    meaning: str = ""
    row: int | None = None  # Excel row in QuyDinh

    @property
    def severity(self) -> Severity:
        """A failed check is an error only when its source is verified; otherwise a warning."""
        return Severity.ERROR if self.status == "V" else Severity.WARNING


def _kind_of_defaults() -> dict[tuple[str, str], str]:
    return {(p.rule, p.name): p.kind for p in default_params()}


def parse_value(kind: str, raw: Any) -> tuple[Any, str | None]:
    """(typed value, problem) for a value as the clerk typed it; empty is None (not applied)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    text = clean(str(raw)) if not isinstance(raw, (int, float)) else None
    if kind == "so_nguyen":
        if isinstance(raw, (int, float)) and not isinstance(raw, bool) and float(raw).is_integer() and raw >= 0:
            return int(raw), None
        if text and text.isdigit():
            return int(text), None
        return None, "cần một số nguyên không âm, ví dụ 3"
    if kind == "ty_le":
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            number = float(raw)
        else:
            try:
                number = float(text.replace("%", "").replace(",", ".").strip())
            except ValueError:
                return None, "cần một tỷ lệ, ví dụ 70% hoặc 0,7"
            if "%" in text:
                number /= 100
        number = number / 100 if number > 1 else number
        if not 0 <= number <= 1:
            return None, "cần một tỷ lệ từ 0 đến 100%"
        return number, None
    if kind == "co_khong":
        answer = parse_yes(text or raw)
        if answer is None:
            return None, "ghi Có hoặc Không"
        return answer, None
    if kind == "cap":

        level = initiative_level(text)
        return (level, None) if level else (None, "ghi cơ sở, tỉnh hoặc toàn quốc")
    if kind == "ky_luat":

        level = discipline_level(text)
        return (level, None) if level else (None, "ghi một hình thức kỷ luật, ví dụ cảnh cáo")
    if kind == "xep_loai":

        rating = parse_rating(text or "")
        return (rating, None) if isinstance(rating, Rating) else (None, "ghi HTXSNV, HTTNV, HTNV hoặc KHTNV")
    if kind == "ma":
        codes = tuple(c.strip().upper() for c in (text or "").replace(";", "|").replace(",", "|").split("|") if c.strip())
        return (codes, None) if codes else (None, "ghi mã khen thưởng, ví dụ BK_TINH|BK_BO")
    return text, None


def display_value(p: Param) -> Any:
    """The value as written in the sheet."""

    v = p.value
    if v is None:
        return None
    if p.kind == "ty_le":
        return f"{v * 100:g}%"
    if p.kind == "co_khong":
        return "Có" if v else "Không"
    if p.kind == "cap":
        return LEVEL_NAMES[v]
    if p.kind == "ky_luat":
        return DISCIPLINE_LEVELS[v]
    if p.kind == "ma":
        return "|".join(v)
    if p.kind == "xep_loai":
        return v.value
    return v


def _since(raw: Any) -> date | None:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    parsed = parse_date(raw) if raw not in (None, "") else None
    return parsed.day if parsed is not None and not parsed.error else None


@cache
def default_params() -> tuple[Param, ...]:
    """The defaults shipped in addin/data/quy_dinh.csv."""
    out = []
    with open(DEFAULTS, encoding="utf-8", newline="") as f:
        for i, row in enumerate(csv.DictReader(f), start=2):
            value, problem = parse_value(row["kieu"], row["gia_tri"])
            if problem:
                raise ValueError(f"quy_dinh.csv dòng {i}: {problem}")  # our own data file: a bug, not input
            since = _since(row["ap_dung_tu"])
            if since is None:
                raise ValueError(f"quy_dinh.csv dòng {i}: ngày áp dụng không hợp lệ")
            out.append(Param(row["quy_tac"], row["tham_so"], row["kieu"], value, since, row["don_vi"] or None,
                             row["can_cu"], row["muc"], row["y_nghia"]))
    return tuple(out)


def sheet_rows(params: Iterable[Param] | None = None) -> list[list[Any]]:
    """The QuyDinh rows for a new master, from the defaults."""
    return [[p.rule, p.name, display_value(p), p.since, p.unit, p.citation, p.status, p.meaning]
            for p in (default_params() if params is None else params)]


@dataclass
class RuleTable:
    """Every parameter row, and what was wrong with the rows the clerk typed."""

    params: list[Param] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def resolve(self, rule: str, name: str, on: date, unit: str | None = None) -> Param | None:
        """The row in force on `on` (a unit's own row first); the earliest row before any basis."""

        rows = [p for p in self.params if p.rule == rule and p.name == name]
        if not rows:
            return None
        wanted = unit_key(unit) if unit else None
        own = [p for p in rows if p.unit and wanted and unit_key(p.unit) == wanted]
        general = [p for p in rows if not p.unit]
        for group in (own, general):
            in_force = [p for p in group if p.since <= on]
            if in_force:
                return max(in_force, key=lambda p: p.since)
        if general:
            return min(general, key=lambda p: p.since)  # a dossier before every basis: the earliest
        return None

    def basis(self, on: date) -> Param | None:
        """The legal basis (CAN_CU) in force on a date."""
        return self.resolve("CAN_CU", "ten", on)


def default_table() -> RuleTable:
    return RuleTable(list(default_params()))


def parse_sheet(rows: list[list[Any]], *, file: str, first_row: int) -> RuleTable:
    """The clerk's QuyDinh rows (below the header) as a RuleTable; bad values keep the default and are reported."""
    kinds = _kind_of_defaults()
    defaults = {(p.rule, p.name, p.since, p.unit): p for p in default_params()}
    table = RuleTable()
    for offset, raw in enumerate(rows):
        excel_row = first_row + offset
        cells = list(raw) + [None] * (len(COLUMNS) - len(raw))
        values = {key: cells[i] for i, (key, _, _) in enumerate(COLUMNS)}
        rule = clean(str(values["quy_tac"] or "")).upper()
        name = clean(str(values["tham_so"] or ""))
        if not rule and not name:
            continue

        def problem(column: str, value: Any, text: str) -> None:
            table.issues.append(Issue(code="invalid-rule-parameter", severity=Severity.WARNING, file=file, sheet=RULES,
                                      row=excel_row, column=column, value=None if value is None else str(value),
                                      message=text))

        kind = kinds.get((rule, name))
        if kind is None:
            problem("Tham số", f"{rule} {name}", f"Không có tham số \"{name}\" của quy tắc \"{rule}\": dòng này "
                                                 "không được dùng. Kiểm tra chính tả (xem tệp mặc định quy_dinh.csv).")
            continue
        since = _since(values["ap_dung_tu"])
        if since is None:
            problem("Áp dụng từ ngày", values["ap_dung_tu"],
                    "Ngày áp dụng không hợp lệ: ghi ngày/tháng/năm, ví dụ 01/07/2025. Dòng này không được dùng.")
            continue
        unit = clean(str(values["don_vi"])) if values["don_vi"] not in (None, "") else None
        value, why = parse_value(kind, values["gia_tri"])
        if why:
            fallback = defaults.get((rule, name, since, unit)) or next(
                (p for p in default_params() if p.rule == rule and p.name == name), None)
            shown = display_value(fallback) if fallback else None
            problem("Giá trị", values["gia_tri"], f"Giá trị của {rule} {name} không hợp lệ ({why}): tạm dùng giá trị "
                                                 f"mặc định {shown!s}.")
            value = fallback.value if fallback else None
        status = clean(str(values["muc"] or "")).upper()[:1]
        if status not in STATUS_LABELS:
            status = "K"  # a row the clerk added without saying how sure it is: not verified
        table.params.append(Param(rule, name, kind, value, since, unit, clean(str(values["can_cu"] or "")) or "(chưa ghi căn cứ)",
                                  status, clean(str(values["y_nghia"] or "")), excel_row))
    # A parameter the clerk deleted falls back to its defaults rather than silently to nothing.
    present = {(p.rule, p.name) for p in table.params}
    table.params += [p for p in default_params() if (p.rule, p.name) not in present]
    return table
