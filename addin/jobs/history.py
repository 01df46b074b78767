"""The award history register LichSu: recording a round (`tdkt record`), importing past lists
(`tdkt import-history`), and checking proposals against it (`tdkt validate --history`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from addin import schema
from addin.catalogue import Catalogue
from addin.history import AppendOutcome, YearRecord, append_records, records_from_master_rows, records_from_submission
from addin.ingest import read_submission
from addin.jobs.common import (
    MASTER_UNUSABLE,
    JobReport,
    Progress,
    checked_years,
    each_source,
    effective_catalogue,
    held_school_years,
    now_here,
    opened,
    save,
)
from addin.jobs.validate import validate_paths
from addin.models import Issue, Nominee, Report, Submission
from addin.rules import check_submission
from addin.settings import Settings
from addin.workbook.masterbook import (
    HistoryBook,
    MasterContent,
    Need,
    check_sheet,
    clerk_sheets,
    history_sheets,
    read_history,
)

# What the check of an inbox uses of a master beside its register: the catalogue and, for the button, the inbox.
CHECK_NEED = Need({"settings", "catalogue"})
from addin.workbook.master import writes_master
from addin.workbook.reader import UnreadableFile


@dataclass
class HistoryReport(JobReport):
    """What `tdkt record` or `tdkt import-history` did to the register."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_errors: int = 0  # DanhSach rows still marked Lỗi (record), rows without a year (import)
    skipped_other_year: int = 0  # DanhSach rows of another school year than --year (record)
    files: list[dict[str, Any]] = field(default_factory=list)  # import: each list read and its rows
    issues: list[Issue] = field(default_factory=list)
    records_total: int = 0

    def to_json_dict(self) -> dict[str, Any]:
        """The `tdkt record` / `tdkt import-history` --json shape (a contract: extend only by adding fields)."""
        return {
            "master": self.master, "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
            "skipped_errors": self.skipped_errors, "skipped_other_year": self.skipped_other_year,
            "files": self.files, "records_total": self.records_total,
            "issues": [i.model_dump(mode="json") for i in self.issues],
            "written": self.error is None, "error": self.error, "backup": str(self.backup) if self.backup else None,
        }


def _register(report: JobReport, master: Path, catalogue: Catalogue) -> HistoryBook | None:
    """LichSu and QuyDinh of the master, or None with the report's failure saying why they cannot be read."""
    try:
        return read_history(master, catalogue)
    except UnreadableFile as exc:
        report.fail(MASTER_UNUSABLE, str(exc))
        return None


def _with_register(report: JobReport, master: Path, *, must_exist: bool = True,
                   need: Need | None = None) -> tuple[MasterContent, HistoryBook, Catalogue] | None:
    """The master's content (`need`: what is read of it), its register (LichSu, QuyDinh) and its catalogue;
    None with the report's failure."""
    content = opened(report, master, must_exist=must_exist, need=need)
    if content is None:
        return None
    catalogue = effective_catalogue(content)
    hb = _register(report, master, catalogue)
    return None if hb is None else (content, hb, catalogue)


def append_history(report: HistoryReport, hb: HistoryBook, new: list[YearRecord], *, file: str,
                   catalogue: Catalogue, settings: Settings) -> AppendOutcome | None:
    """Append new records to the register read (hb); the register to write, or None when nothing changed."""
    outcome = append_records(hb.records, new, file=file)
    report.added, report.updated, report.unchanged = outcome.added, outcome.updated, outcome.unchanged
    report.issues += outcome.issues
    report.records_total = len(outcome.records)
    if not (outcome.added or outcome.updated) and hb.has_register and hb.has_rules:
        return None  # nothing new: the master is left as it is, with no needless backup
    report.sheets = [*history_sheets(outcome.records, hb.extra_headers, catalogue), *clerk_sheets(settings)]
    return outcome


@writes_master(HistoryReport)
def record_job(master: str | Path, *, year: str | None = None, decision: str | None = None,
               decision_date: date | None = None, issuer: str | None = None, keep_backups: int = 10,
               now: datetime | None = None) -> HistoryReport:
    """Append a finished round's approved results (DanhSach rows not marked Lỗi) to the register LichSu."""
    master = Path(master)
    report = HistoryReport(str(master))
    found = _with_register(report, master)
    if found is None:
        return report
    content, hb, catalogue = found
    if not content.rows:
        report.fail(MASTER_UNUSABLE, f"Trang {schema.LIST} của sổ \"{master.name}\" chưa có dòng nào: hãy gộp hồ sơ "
                                     "trước (tdkt merge).")
        return report
    if year is not None:
        years = checked_years(report, [year], held_school_years(content.rows), master.name)
        if years is None:
            return report
        year = years[0]
    record_content(report, content, hb, master_name=master.name, year=year, decision=decision,
                   decision_date=decision_date, issuer=issuer, at=now_here(now), file=str(master))
    return save(report, master, report.sheets, keep_backups) if report.sheets else report


def record_content(report: HistoryReport, content: MasterContent, hb: HistoryBook, *, master_name: str,
                   year: str | None, decision: str | None, decision_date: date | None, issuer: str | None,
                   at: datetime, file: str) -> AppendOutcome | None:
    """A finished round (DanhSach rows not marked Lỗi) appended to the register read; the sheets in report.sheets."""
    catalogue = effective_catalogue(content)
    new, report.skipped_errors, report.skipped_other_year = records_from_master_rows(
        content.rows, catalogue, year=year, decision=decision, decision_date=decision_date, issuer=issuer, at=at,
        master_name=master_name)
    return append_history(report, hb, new, file=file, catalogue=catalogue, settings=content.settings)


@writes_master(HistoryReport, creates=True)
def import_history_job(master: str | Path, sources: list[str], *, year: str | None = None, keep_backups: int = 10,
                       now: datetime | None = None, progress: Progress | None = None) -> HistoryReport:
    """Read past years' result lists (the same tolerant ingest as merge) into the register; MASTER is created when missing."""
    master = Path(master)
    report = HistoryReport(str(master))
    if year is not None:  # the year given to lists that name none: written like every --year
        years = checked_years(report, [year], None, master.name)
        if years is None:
            return report
        year = years[0]
    found = _with_register(report, master, must_exist=False)
    if found is None:
        return report
    content, hb, catalogue = found
    at = now_here(now)
    new: list[YearRecord] = []
    for found in each_source(sources, master=master, progress=progress):
        entry: dict[str, Any] = {"path": found.shown, "rows": 0, "year": None, "status": "ok", "reason": None,
                                 "years": []}
        report.files.append(entry)
        if found.skipped:
            entry.update(status="ignored", reason=found.skipped)
            continue
        if found.rejection:
            entry.update(status="unreadable", reason=found.rejection.message)
            report.issues.append(found.rejection)
            continue
        sub = read_submission(found.path, display_path=found.shown, catalogue=catalogue)
        report.issues += sub.issues
        if sub.status == "unreadable":
            entry.update(status="unreadable", reason=sub.reason)
            continue
        records, problems = records_from_submission(sub, year=year, at=at)
        report.issues += problems
        report.skipped_errors += len(problems)
        entry.update(rows=len(records), year=sub.nam_hoc or year,
                     years=sorted({r.nam_hoc for r in records if r.nam_hoc}))  # each row's own year
        new += records
    if append_history(report, hb, new, file=str(master), catalogue=catalogue, settings=content.settings) is None:
        return report
    return save(report, master, report.sheets, keep_backups)


def validate_job(paths: list[str], *, history: str | Path | None = None, members: list[str] | None = None,
                 today: date | None = None, progress: Progress | None = None) -> tuple[Report, str | None]:
    """Validate workbooks; with `history` (a master), also check every proposal against its register LichSu.

    The award catalogue is the master's (its DanhMuc over the defaults) when one is given. The
    dossier's date is the one in each file's title block, else today; it picks the rule set.
    Returns (report, error): error says why the register could not be used.
    """
    if history is None:
        return validate_paths(paths, progress=progress), None
    master = Path(history)
    probe = JobReport(str(master))
    if not master.exists():
        return validate_paths(paths, progress=progress), \
            f"Không có sổ tổng hợp \"{master}\" để đối chiếu lịch sử khen thưởng."
    content = opened(probe, master, need=CHECK_NEED)
    catalogue = effective_catalogue(content)
    hb = _register(probe, master, catalogue) if content is not None else None
    report = validate_paths(paths, catalogue=catalogue, progress=progress)
    if content is None or hb is None:
        return report, probe.error
    if not hb.has_register:
        return report, (f"Sổ \"{master.name}\" chưa có trang {schema.HISTORY}: hãy ghi kết quả (tdkt record) hoặc "
                        "nhập lịch sử các năm trước (tdkt import-history) trước.")
    check_history(report, hb, catalogue, master=str(master), members=members, today=today)
    return report, None


def check_history(report: Report, hb: HistoryBook, catalogue: Catalogue, *, master: str,
                  members: list[str] | None = None, today: date | None = None) -> None:
    """Check every proposal of a validation report against the register (hb: LichSu and QuyDinh read already).

    Adds the criteria-not-met issues (and legal-basis lines) to each file; the CLI reads the
    register from the master's file, the check button from the open book.
    """
    member_rows: list[Nominee] = []
    for found in each_source(members or []):
        if not (found.skipped or found.rejection):
            member_rows += read_submission(found.path, display_path=found.shown, catalogue=catalogue).nominees
    day = today or date.today()
    for sub in report.submissions:
        if sub.status in ("unreadable", "ignored"):
            continue
        sub.issues.extend(check_submission(sub, hb.records, hb.rules, today=day, members=member_rows,
                                           catalogue=catalogue))
        sub.issues.sort(key=lambda i: (i.sheet or "", i.row or 0))
        sub.status = "invalid" if sub.has_errors() else "ok"
    if hb.rules.issues:
        report.submissions.insert(0, Submission(path=master, unit=None, sheets=[schema.RULES],
                                                issues=list(hb.rules.issues)))


@dataclass
class CheckReport(JobReport):
    """The check of an inbox (the button "Kiểm tra hồ sơ", `tdkt validate --into MASTER`): files, problems, KiemTra."""

    validation: Report = field(default_factory=Report)
    register_rows: int = 0  # rows of LichSu the proposals were checked against (0: not checked)


def check_content(content: MasterContent, paths: list[str], *, master: Path, history: HistoryBook, folder: str,
                  progress: Progress | None = None, today: date | None = None) -> CheckReport:
    """Validate the paths with the master's catalogue and, once its register has rows, against LichSu; sheet KiemTra.

    An empty register would fail every multi-year title: it is used once it has rows.
    """
    report = CheckReport(str(master))
    catalogue = effective_catalogue(content)
    report.validation = validate_paths(paths, catalogue=catalogue, progress=progress)
    if history.records:
        check_history(report.validation, history, catalogue, master=master.name, today=today)
        report.register_rows = len(history.records)
    report.sheets = [check_sheet(report.validation, folder, at=now_here(), register_rows=report.register_rows)]
    return report


@writes_master(CheckReport)
def check_job(master: str | Path, paths: list[str], *, keep_backups: int = 10, progress: Progress | None = None,
              today: date | None = None) -> CheckReport:
    """What the button "Kiểm tra hồ sơ" does, on a master file: check the paths, write the report into KiemTra."""
    master = Path(master)
    report = CheckReport(str(master))
    found = _with_register(report, master, need=CHECK_NEED)
    if found is None:
        return report
    content, history, _ = found
    report = check_content(content, paths, master=master, history=history, folder=", ".join(paths),
                           progress=progress, today=today)
    return save(report, master, report.sheets, keep_backups)
