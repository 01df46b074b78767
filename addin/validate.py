"""Submission -> issues: what is wrong with the rows that were read.

Ingest already reported what it could not read (dates, genders, unknown awards); this module
checks what it read: required values, award targets and kinds, duplicates, and the criteria
that one row can show (multi-year criteria need the award history: see the rules package).
"""

from __future__ import annotations

from operator import itemgetter
from pathlib import Path
from typing import Any

from addin.catalogue import Catalogue, TARGET_LABELS, default_catalogue
from addin.ingest import read_submission, unexpected_failure
from addin.models import Issue, Nominee, Severity, Submission, Target
from addin.rules.row import check_row
from addin.text import fold, name_key, school_year_key
from addin.units import unit_key



def _issue(n: Nominee, code: str, severity: Severity, column: str | None, value: str | None, message: str) -> Issue:
    return Issue(code=code, severity=severity, file=n.file, sheet=n.sheet, row=n.row, column=column, value=value, message=message)


# Every field that makes a row what it is: all but its place (stt, row, file) and derived marks.
_ROW_FIELDS = tuple(k for k in Nominee.model_fields
                    if k not in ("stt", "row", "file", "duplicate_of", "awards", "extra", "unit"))


_ROW_VALUES = itemgetter(*_ROW_FIELDS)  # a tuple of them, taken in C


def _dedupe_key(n: Nominee) -> tuple:
    return (
        _ROW_VALUES(n.__dict__),  # values are hashable: text, dates, numbers, enums
        tuple([(a.raw, a.column) for a in n.awards]),
        tuple(sorted(n.extra.items())) if n.extra else (),
    )


def validate_submission(submission: Submission, catalogue: Catalogue | None = None) -> list[Issue]:
    """Check every row of a submission; returns the new issues and marks exact duplicates."""
    catalogue = catalogue or default_catalogue()
    issues: list[Issue] = []
    seen_rows: dict[tuple, int] = {}
    seen_people: dict[tuple, int] = {}
    # Rows whose birth cell ingest already reported (a bad date, a year under both "Nam" and
    # "Nữ"): a second "missing" warning would tell the clerk the value is absent when it is not.
    birth_headers = {
        (sheet, header) for sheet, cols in submission.columns.items()
        for name, header in cols.items() if name in ("ngay_sinh", "birth_nam", "birth_nu")
    }
    unreadable_birth = {(i.sheet, i.row) for i in submission.issues if (i.sheet, i.column) in birth_headers}
    years: dict[object, str | None] = {}  # a list repeats its one or few school years on every row
    birth_columns: dict[str | None, Any] = {}  # sheet -> its birth column's header
    for n in submission.nominees:
        key = _dedupe_key(n)
        first = seen_rows.get(key)
        if first is not None:
            n.__dict__["duplicate_of"] = first
            name_header = submission.columns.get(n.sheet, {}).get("ho_ten")
            issues.append(_issue(n, "duplicate-in-file", Severity.WARNING, name_header, n.ho_ten,
                                 f"Dòng này trùng hoàn toàn với dòng {first}: chỉ tính một lần. Hãy xóa dòng thừa."))
            continue
        seen_rows[key] = n.row
        columns = submission.columns.get(n.sheet, {})
        if not submission.rolled_up:  # a rolled-up master's rows come with the verdicts of the level below
            if (birth_column := birth_columns.get(n.sheet, birth_columns)) is birth_columns:
                birth_column = birth_columns[n.sheet] = _birth_column(columns)  # once per sheet, not per row
            issues.extend(check_nominee(n, catalogue, columns, birth_reported=(n.sheet, n.row) in unreadable_birth,
                                        birth_column=birth_column))
        if n.ho_ten:
            # The same person in another school year (multi-year lists), or with another award
            # (one row per award), is not a duplicate: the key is person, school year and award, so a
            # row repeating one award of an earlier row is one ("TTLĐXS; GK" then "TTLĐXS").
            if (year := years.get(n.nam_hoc, years)) is years:
                year = years[n.nam_hoc] = school_year_key(n.nam_hoc)
            collective = n.target == Target.TAP_THE
            # a collective is named as a unit is ("Trường MN Tân Phú" = "Trường Mầm non Tân Phú")
            person = (n.sheet, n.unit, n.target, unit_key(n.ho_ten) if collective else name_key(n.ho_ten),
                      n.ngay_sinh or n.nam_sinh, year)
            awards = [(a.code or fold(a.raw), a.kind) for a in n.awards] or [None]
            repeated = [(award, other) for award in awards if (other := seen_people.get((*person, award))) is not None]
            if repeated:
                # The same collective, or a person with the same full date of birth, proposed twice for
                # the same award in the same year: one proposal, counted once (the second row is an
                # error, left out of the tally until the unit fixes it). With a birth year or none,
                # two people of one name are possible: a warning.
                sure = collective or n.ngay_sinh is not None
                same = "cùng tên tập thể, năm học" if collective else "cùng họ tên, ngày sinh, năm học"
                other = repeated[0][1]
                names = [a.raw for a in n.awards if (a.code or fold(a.raw), a.kind) in {w for w, _ in repeated}]
                what = f" ({', '.join(dict.fromkeys(names))})" if names and len(awards) > 1 else ""
                issues.append(_issue(
                    n, "duplicate-in-file", Severity.ERROR if sure else Severity.WARNING, columns.get("ho_ten"),
                    n.ho_ten,
                    f"\"{n.ho_ten}\" đã có ở dòng {other} ({same} và danh hiệu đề nghị{what}): "
                    + ("dòng này chưa được tính vào biểu tổng hợp. Hãy xóa dòng thừa (hoặc gộp thành một dòng)."
                       if sure else "gộp thành một dòng nếu là cùng một người.")))
            else:
                for award in awards:
                    seen_people[(*person, award)] = n.row
    return issues


def _award_column(n: Nominee, columns: dict[str, str]) -> str | None:
    if n.awards:
        return n.awards[0].column
    return next((columns[f] for f in ("de_nghi", "danh_hieu", "hinh_thuc") if f in columns), None)


_SHEETS_OWN: Any = object()  # check_nominee finds the birth column itself


def _birth_column(columns: dict[str, str]) -> str | None:
    return next((columns[f] for f in ("ngay_sinh", "birth_nam", "birth_nu") if f in columns), None)


def check_nominee(n: Nominee, catalogue: Catalogue, columns: dict[str, str], *, birth_reported: bool = False,
                  birth_column: Any = _SHEETS_OWN) -> list[Issue]:
    """The checks one row can answer by itself; `columns` maps fields to the sheet's headers.

    `birth_column`: the sheet's birth column header (_birth_column of `columns`), when the caller has it.
    """
    out: list[Issue] = []
    if not n.ho_ten:
        out.append(_issue(n, "missing-value", Severity.ERROR, columns.get("ho_ten", "Họ và tên"), None,
                          "Thiếu họ và tên (hoặc tên tập thể): hãy điền vào."))
    if not n.awards:
        out.append(_issue(n, "missing-value", Severity.ERROR, _award_column(n, columns) or "Danh hiệu/Hình thức đề nghị", None,
                          "Chưa ghi danh hiệu hoặc hình thức khen thưởng đề nghị: hãy điền vào."))
    if birth_column is _SHEETS_OWN:
        birth_column = _birth_column(columns)
    if n.target == Target.CA_NHAN and n.ho_ten and n.nam_sinh is None and birth_column and not birth_reported:
        out.append(_issue(n, "missing-value", Severity.WARNING, birth_column, None,
                          "Thiếu ngày sinh (hoặc năm sinh): cần để đối chiếu hồ sơ của cá nhân."))
    for award in n.awards:
        if award.code is None:
            continue
        entry = catalogue[award.code]
        if n.target not in entry.targets:
            wanted = "tập thể" if n.target == Target.CA_NHAN else "cá nhân"
            out.append(_issue(n, "award-target-mismatch", Severity.ERROR, award.column, award.raw,
                              f"\"{entry.name}\" chỉ dành cho {wanted}, không đề nghị cho "
                              f"{TARGET_LABELS[n.target]}: chọn danh hiệu, hình thức phù hợp."))
        if award.kind not in entry.kinds:
            out.append(_issue(n, "invalid-award-kind", Severity.WARNING, award.column, award.raw,
                              f"\"{entry.name}\" không có hình thức đột xuất hay chuyên đề: biểu tổng hợp tính là "
                              f"{entry.name} (thường xuyên). Nếu đơn vị muốn đề nghị hình thức khác, hãy sửa lại."))
    out.extend(check_row(n, columns, _award_column(n, columns)))
    return out


def validate_file(path: Path, shown: str, catalogue: Catalogue | None = None) -> Submission:
    """Read and check one workbook."""
    catalogue = catalogue or default_catalogue()
    submission = read_submission(path, display_path=shown, catalogue=catalogue)
    if submission.status == "unreadable":
        return submission
    try:
        submission.issues.extend(validate_submission(submission, catalogue))
    except Exception as exc:  # last resort, as in read_submission: the other files still count
        return unexpected_failure(shown, exc)
    submission.issues.sort(key=lambda i: (i.sheet or "", i.row or 0))
    submission.status = "invalid" if submission.has_errors() else "ok"
    return submission
