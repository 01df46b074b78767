"""Jobs: what one CLI command or one Excel button does, end to end (load, one core call, write).

The CLI and the Excel buttons both call these, so a batch run and a click do the same work.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from addin.catalogue import Catalogue, default_catalogue
from addin.inbox import collect_sources
from addin.ingest import gc_paused
from addin.merge import Candidate, FileOutcome, MergeOutcome, assemble, decide
from addin.models import Issue, Severity
from addin.text import fold
from addin.settings import Settings
from addin.validate import validate_file
from addin.workbook.master import MasterLocked, backup_dir, master_identity, writes_master
from addin.workbook.masterbook import PROPOSALS, REGISTRATIONS, ListSheets, read_master, state_of, write_master
from addin.workbook.reader import UnreadableFile

Progress = Callable[[int, int, str], None]


@dataclass
class MergeReport:
    master: str
    files: list[FileOutcome] = field(default_factory=list)
    outcome: MergeOutcome | None = None
    backup: Path | None = None
    error: str | None = None  # the master could not be written (locked, damaged)
    rejected_issues: list[Issue] = field(default_factory=list)  # of files that could not be read

    @property
    def rows_total(self) -> int:
        return len(self.outcome.rows) if self.outcome else 0

    def issues(self) -> list[Issue]:
        """Every issue in the master's Loi after the merge, then those of files rejected now."""
        return (list(self.outcome.issues) if self.outcome else []) + self.rejected_issues

    def to_json_dict(self) -> dict[str, Any]:
        """The `tdkt merge --json` shape (a contract: extend only by adding fields)."""
        return {
            "master": self.master,
            "files": [
                {
                    "path": f.path,
                    "unit": f.unit,
                    "rows": f.rows,
                    "action": f.action,
                    "reason": f.reason,
                    "sha256": f.sha256,
                    "sent_at": f.sent_at.isoformat() if f.sent_at else None,
                    "sender": f.sender,
                }
                for f in self.files
            ],
            "rows_total": self.rows_total,
            "by_unit": dict(self.outcome.by_unit) if self.outcome else {},
            "issues": [i.model_dump(mode="json") for i in self.issues()],
            "written": self.error is None,
            "error": self.error,
            "backup": str(self.backup) if self.backup else None,
        }


def open_master(master: Path) -> tuple[Any, str | None]:
    """An existing master's content, or None and the Vietnamese reason it cannot be used."""
    if not master.exists():
        return None, f"Chưa có sổ tổng hợp \"{master}\": hãy gộp hồ sơ trước (tdkt merge)."
    try:
        return read_master(master), None
    except UnreadableFile as exc:
        return None, str(exc)


@writes_master(MergeReport, creates=True)
def merge_job(master: str | Path, sources: list[str], *, unit: str | None = None, keep_backups: int = 10,
              progress: Progress | None = None, catalogue: Catalogue | None = None,
              now: datetime | None = None, initial_settings: Settings | None = None,
              initial_guests: list[list[Any]] | None = None, sheets: ListSheets = PROPOSALS,
              also: Callable[[Any], list[Any]] | None = None) -> MergeReport:
    """Merge unit submissions (files, folders, .eml, .zip) into the master workbook.

    initial_settings and initial_guests fill CauHinh and KhachMoi when the master has none yet.
    `sheets` names the list merged into (DangKy for registrations); `also(report)` gives more
    sheets to write in the same save.
    """
    master = Path(master)
    merged_at = (now or datetime.now()).astimezone().replace(microsecond=0)
    try:
        content = read_master(master, sheets)
    except UnreadableFile as exc:
        return MergeReport(master=str(master), error=str(exc))
    if not content.has_settings and initial_settings is not None:
        content.settings = initial_settings
    content.initial_guests = initial_guests or []
    report = merge_content(master, content, sources, progress=progress, catalogue=catalogue, merged_at=merged_at,
                           sheets=sheets)
    extra_issues = [(None, issue) for issue in report.rejected_issues]
    try:
        report.backup = write_master(master, content, report.outcome, report.files, extra_issues, merged_at,
                                     unit=unit, keep_backups=keep_backups, sheets=sheets,
                                     also=also(report) if also else None)
    except (MasterLocked, UnreadableFile) as exc:
        report.error = str(exc)
    except OSError as exc:
        report.error = f"Không ghi được sổ tổng hợp \"{master.name}\": {exc.strerror or exc}. Sổ cũ vẫn nguyên vẹn."
    return report


def merge_content(master: Path, content: Any, sources: list[str], *, merged_at: datetime,
                  progress: Progress | None = None, catalogue: Catalogue | None = None,
                  sheets: ListSheets = PROPOSALS) -> MergeReport:
    """Merge the sources into a master's content read already (from the file, or from the open book).

    Writes nothing: the CLI then writes the file, an Excel button the open book.
    """
    report = MergeReport(master=str(master))
    catalogue = catalogue or content.catalogue or default_catalogue()
    state = state_of(content)
    with tempfile.TemporaryDirectory(prefix="tdkt-") as work:
        found = collect_sources(sources, Path(work))
        candidates: list[Candidate] = []
        ignored: list[FileOutcome] = []
        extra_issues: list[tuple[str | None, Issue]] = []
        total = len(found)
        with gc_paused():
            for done, src in enumerate(found):
                if progress:
                    progress(done, total, src.shown)
                if src.ignored:
                    ignored.append(FileOutcome(src.shown, None, 0, "ignored", src.ignored, None, src.sent_at, src.sender))
                    continue
                if why := _own_file(master, src.path):
                    ignored.append(FileOutcome(src.shown, None, 0, "ignored", why, src.sha256, src.sent_at, src.sender))
                    continue
                if src.rejected:
                    issue = Issue(code="unreadable-file", severity=Severity.ERROR, file=src.shown, message=src.rejected)
                    extra_issues.append((None, issue))
                    candidates.append(Candidate(src.shown, src.sha256, src.sent_at, src.sender, None, src.rejected))
                    continue
                submission = validate_file(src.path, src.shown, catalogue)
                if submission.status == "unreadable":
                    extra_issues += [(None, i) for i in submission.issues]
                candidate = Candidate(src.shown, src.sha256, src.sent_at, src.sender, submission)
                candidate.compact(merged_at)
                candidates.append(candidate)
        if progress:
            progress(total, total, "")
        decided = decide(state, candidates, content.aliases, merged_at)
    report.files = ignored + decided
    report.rejected_issues = [issue for _, issue in extra_issues]
    report.outcome = assemble(state, registration_checks(content, catalogue) if sheets is PROPOSALS else ())
    return report


def registration_checks(content: Any, catalogue: Catalogue, registrations: list[list[Any]] | None = None) -> list[Any]:
    """The not-registered check over DanhSach, when the master has registrations and the setting is on.

    It runs wherever DanhSach is assembled (every merge, and every registration), so the
    warnings follow both lists and the setting in CauHinh.
    """
    from addin.register import unregistered_check

    registrations = content.registrations if registrations is None else registrations
    if not registrations or not content.settings.check_registrations:
        return []
    return [unregistered_check(registrations, catalogue)]


@writes_master(MergeReport, creates=True)
def register_job(master: str | Path, sources: list[str], *, unit: str | None = None, keep_backups: int = 10,
                 progress: Progress | None = None, catalogue: Catalogue | None = None,
                 now: datetime | None = None) -> MergeReport:
    """Merge start-of-year registration lists (đăng ký thi đua) into DangKy, by the rules of merge.

    DanhSach's not-registered warnings are refreshed in the same save, so registering after the
    proposals arrived needs no second merge.
    """
    master = Path(master)
    try:
        proposals = read_master(master)
    except UnreadableFile as exc:
        return MergeReport(master=str(master), error=str(exc))
    merged_at = (now or datetime.now()).astimezone().replace(microsecond=0)
    used = catalogue or proposals.catalogue or default_catalogue()
    return merge_job(master, sources, unit=unit, keep_backups=keep_backups, progress=progress, catalogue=catalogue,
                     now=merged_at, sheets=REGISTRATIONS,
                     also=lambda report: refreshed_proposals(proposals, report, used, merged_at, unit=unit))


def refreshed_proposals(proposals: Any, report: MergeReport, catalogue: Catalogue, merged_at: datetime, *,
                        unit: str | None) -> list[Any]:
    """DanhSach and Loi again, their not-registered warnings checked against the registrations just merged.

    Written in the same save as DangKy (the CLI) or with it into the open book (the button).
    """
    from addin.workbook.masterbook import SHEET_ISSUES, SHEET_LIST, master_sheets

    if not proposals.rows or report.outcome is None:
        return []
    outcome = assemble(state_of(proposals), registration_checks(proposals, catalogue, report.outcome.rows))
    return [s for s in master_sheets(proposals, outcome, [], [], merged_at, unit=unit)
            if s.name in (SHEET_LIST, SHEET_ISSUES)]


def _own_file(master: Path, path: Path) -> str | None:
    """Why a file found among the sources is the master itself or one of its backups, if it is.

    Clerks keep the master in the folder the units' files are saved to: merged in, it would
    come back as a unit of its own, doubling every row on each run.
    """
    try:
        here, master = path.resolve(), master.resolve()
    except OSError:
        return None
    if here == master:
        return "đây là chính sổ tổng hợp đang được gộp"
    if here.parent == backup_dir(master):
        return "bản sao lưu của sổ tổng hợp"
    # A copy, a backup moved elsewhere, a leftover of a killed run: the same tdkt-id inside.
    if (mine := master_identity(master)) and master_identity(path) == mine:
        return "bản sao của chính sổ tổng hợp này (cùng mã sổ tdkt-id), gộp vào sẽ nhân đôi danh sách"
    return None


@dataclass
class TallyReport:
    master: str
    tally: Any = None
    backup: Path | None = None
    error: str | None = None

    def to_json_dict(self) -> dict[str, Any]:
        data = self.tally.to_json() if self.tally is not None else {"rows": [], "grand_total": 0}
        data["master"], data["written"], data["error"] = self.master, self.error is None, self.error
        return data


@writes_master(TallyReport)
def tally_job(master: str | Path, *, years: list[str] | None = None, include_empty: bool = False,
              keep_backups: int = 10, catalogue: Catalogue | None = None,
              with_registrations: bool = False) -> TallyReport:
    """Count DanhSach by award category and unit, and write the TongHop sheet.

    with_registrations: count DangKy too and show the registered count beside the proposed one.
    """
    from addin.workbook.masterbook import tally_sheet, write_printed

    master = Path(master)
    report = TallyReport(str(master))
    content, report.error = open_master(master)
    if content is None:
        return report
    report.tally = tally_content(content, years=years, include_empty=include_empty, catalogue=catalogue,
                                 with_registrations=with_registrations)
    try:
        sheet = tally_sheet(report.tally, content.settings, with_registrations=with_registrations)
        report.backup = write_printed(master, [sheet], content, keep_backups)
    except (MasterLocked, UnreadableFile) as exc:
        report.error = str(exc)
    return report


def tally_content(content: Any, *, years: list[str] | None = None, include_empty: bool = False,
                  catalogue: Catalogue | None = None, with_registrations: bool = False) -> Any:
    """The award tally of a master's content (DanhSach rows, CauHinh settings, DanhMuc catalogue)."""
    from addin.tally import tally

    catalogue = catalogue or content.catalogue or default_catalogue()
    return tally(content.rows, catalogue, years=years, include_empty=include_empty,
                 count_errors=content.settings.tally_counts_errors,
                 registrations=content.registrations if with_registrations else None)


@dataclass
class DelegatesReport:
    master: str
    result: Any = None
    backup: Path | None = None
    error: str | None = None

    def to_json_dict(self) -> dict[str, Any]:
        """The `tdkt delegates --json` shape (a contract: extend only by adding fields)."""
        r = self.result
        if r is None:
            return {"seats": 0, "guests": 0, "exemplary": 0, "by_unit": {}, "delegates": [], "composition": {},
                    "shortfalls": [], "master": self.master, "written": False, "error": self.error}
        return {
            "seats": r.seats, "guests": r.guests, "exemplary": r.exemplary, "by_unit": dict(r.by_unit),
            "delegates": [{"name": d.name, "unit": d.unit, "award": d.award, "role": d.role, "flags": list(d.flags)}
                          for d in r.delegates],
            "composition": r.composition, "shortfalls": list(r.shortfalls),
            "master": self.master, "written": self.error is None, "error": self.error,
        }


@writes_master(DelegatesReport)
def delegates_job(master: str | Path, *, seats: int | None = None, guest_share: float | None = None,
                  keep_backups: int = 10, catalogue: Catalogue | None = None) -> DelegatesReport:
    """Choose the conference delegates from DanhSach and KhachMoi, and write the DaiBieu sheet."""
    from addin.workbook.masterbook import delegates_sheet, write_printed

    master = Path(master)
    report = DelegatesReport(str(master))
    content, report.error = open_master(master)
    if content is None:
        return report
    catalogue = catalogue or content.catalogue or default_catalogue()
    report.result, report.error = delegates_content(content, seats=seats, guest_share=guest_share, catalogue=catalogue)
    if report.error:
        return report
    try:
        report.backup = write_printed(master, [delegates_sheet(report.result, content.settings, catalogue)], content,
                                      keep_backups)
    except (MasterLocked, UnreadableFile) as exc:
        report.error = str(exc)
    return report


def delegates_content(content: Any, *, seats: int | None = None, guest_share: float | None = None,
                      catalogue: Catalogue | None = None) -> tuple[Any, str | None]:
    """(delegate selection, None), or (None, why not) when the settings the clerk typed cannot work."""
    from addin import delegates as core

    catalogue = catalogue or content.catalogue or default_catalogue()
    s = content.settings
    if s.exemplary_from not in catalogue:
        return None, (f"Cài đặt \"Danh hiệu thấp nhất để chọn điển hình\" là \"{s.exemplary_from}\", "
                      "không có trong danh mục: hãy ghi một mã như CSTDCS.")
    settings = core.Settings(
        seats=seats if seats is not None else s.seats,
        guest_share=guest_share if guest_share is not None else s.guest_share,
        exemplary_max_rank=catalogue[s.exemplary_from].rank,
        unit_quotas=dict(s.unit_quotas), type_role_quotas={k: dict(v) for k, v in s.type_role_quotas.items()},
        targets=dict(s.targets),
    )
    candidates = [c for c in core.candidates_from_rows(content.rows, catalogue)
                  if c.rank is not None and c.rank <= settings.exemplary_max_rank]
    guests = [core.Candidate(name=str(g["ho_ten"]), unit=str(g.get("don_vi") or ""), award=None, rank=None,
                             female=(str(g.get("gioi_tinh") or "").strip().lower() in ("nữ", "nu")),
                             ethnic_minority=bool(g.get("dan_toc")) and fold(str(g.get("dan_toc"))) != "kinh",
                             role=core.role_of(str(g.get("chuc_vu") or "")))
              for g in content.guests]
    try:
        return core.select_delegates(candidates, guests, settings), None
    except ValueError as exc:  # settings the clerk typed that cannot work (a share above 1, ...)
        return None, str(exc)


# ---------------------------------------------------------------------------
# The award history register (LichSu) and eligibility checks against it


@dataclass
class HistoryReport:
    """What `tdkt record` or `tdkt import-history` did to the register."""

    master: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_errors: int = 0  # DanhSach rows still marked Lỗi (record), rows without a year (import)
    skipped_other_year: int = 0  # DanhSach rows of another school year than --year (record)
    files: list[dict[str, Any]] = field(default_factory=list)  # import: each list read and its rows
    issues: list[Issue] = field(default_factory=list)
    records_total: int = 0
    backup: Path | None = None
    error: str | None = None

    def to_json_dict(self) -> dict[str, Any]:
        """The `tdkt record` / `tdkt import-history` --json shape (a contract: extend only by adding fields)."""
        return {
            "master": self.master, "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
            "skipped_errors": self.skipped_errors, "skipped_other_year": self.skipped_other_year,
            "files": self.files, "records_total": self.records_total,
            "issues": [i.model_dump(mode="json") for i in self.issues],
            "written": self.error is None, "error": self.error, "backup": str(self.backup) if self.backup else None,
        }


def append_history(report: HistoryReport, hb: Any, new: list[Any], *, file: str) -> Any:
    """Append new records to the register read (hb); the register to write, or None when nothing changed."""
    from addin.history import append_records

    outcome = append_records(hb.records, new, file=file)
    report.added, report.updated, report.unchanged = outcome.added, outcome.updated, outcome.unchanged
    report.issues += outcome.issues
    report.records_total = len(outcome.records)
    if not (outcome.added or outcome.updated) and hb.has_register and hb.has_rules:
        return None  # nothing new: the master is left as it is, with no needless backup
    return outcome


def _save_history(report: HistoryReport, master: Path, hb: Any, new: list[Any], content: Any, catalogue: Catalogue,
                  keep_backups: int) -> HistoryReport:
    from addin.workbook.masterbook import write_history

    outcome = append_history(report, hb, new, file=str(master))
    if outcome is None:
        return report
    try:
        report.backup = write_history(master, outcome.records, hb.extra_headers, content, catalogue, keep_backups)
    except (MasterLocked, UnreadableFile) as exc:
        report.error = str(exc)
    except OSError as exc:
        report.error = f"Không ghi được sổ tổng hợp \"{master.name}\": {exc.strerror or exc}. Sổ cũ vẫn nguyên vẹn."
    return report


@writes_master(HistoryReport)
def record_job(master: str | Path, *, year: str | None = None, decision: str | None = None,
               decision_date: Any = None, issuer: str | None = None, keep_backups: int = 10,
               now: datetime | None = None) -> HistoryReport:
    """Append a finished round's approved results (DanhSach rows not marked Lỗi) to the register LichSu."""
    from addin.workbook.masterbook import read_history

    master = Path(master)
    report = HistoryReport(str(master))
    if not master.exists():
        report.error = f"Chưa có sổ tổng hợp \"{master}\": hãy gộp hồ sơ trước (tdkt merge)."
        return report
    try:
        content = read_master(master)
        catalogue = getattr(content, "catalogue", None) or default_catalogue()
        hb = read_history(master, catalogue)
    except UnreadableFile as exc:
        report.error = str(exc)
        return report
    if not content.rows:
        report.error = f"Trang DanhSach của sổ \"{master.name}\" chưa có dòng nào: hãy gộp hồ sơ trước (tdkt merge)."
        return report
    at = (now or datetime.now()).astimezone().replace(microsecond=0)
    new = round_records(report, content, catalogue, master_name=master.name, year=year, decision=decision,
                        decision_date=decision_date, issuer=issuer, at=at)
    return _save_history(report, master, hb, new, content, catalogue, keep_backups)


def round_records(report: HistoryReport, content: Any, catalogue: Catalogue, *, master_name: str, year: str | None,
                  decision: str | None, decision_date: Any, issuer: str | None, at: datetime) -> list[Any]:
    """The register records of a finished round (DanhSach rows not marked Lỗi); counts what was skipped."""
    from addin.history import records_from_master_rows

    new, report.skipped_errors, report.skipped_other_year = records_from_master_rows(
        content.rows, catalogue, year=year, decision=decision, decision_date=decision_date, issuer=issuer, at=at,
        master_name=master_name)
    return new


@writes_master(HistoryReport, creates=True)
def import_history_job(master: str | Path, sources: list[str], *, year: str | None = None, keep_backups: int = 10,
                       now: datetime | None = None, progress: Progress | None = None) -> HistoryReport:
    """Read past years' result lists (the same tolerant ingest as merge) into the register; MASTER is created when missing."""
    from addin.history import records_from_submission
    from addin.ingest import read_submission
    from addin.workbook.masterbook import read_history

    master = Path(master)
    report = HistoryReport(str(master))
    try:
        content = read_master(master)
        catalogue = getattr(content, "catalogue", None) or default_catalogue()
        hb = read_history(master, catalogue)
    except UnreadableFile as exc:
        report.error = str(exc)
        return report
    at = (now or datetime.now()).astimezone().replace(microsecond=0)
    new: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="tdkt-") as work:
        found = collect_sources(sources, Path(work))
        with gc_paused():
            for done, src in enumerate(found):
                if progress:
                    progress(done, len(found), src.shown)
                entry: dict[str, Any] = {"path": src.shown, "rows": 0, "year": None, "status": "ok", "reason": None}
                report.files.append(entry)
                why = src.ignored or _own_file(master, src.path)
                if why:
                    entry.update(status="ignored", reason=why)
                    continue
                if src.rejected:
                    entry.update(status="unreadable", reason=src.rejected)
                    report.issues.append(Issue(code="unreadable-file", severity=Severity.ERROR, file=src.shown,
                                               message=src.rejected))
                    continue
                sub = read_submission(src.path, display_path=src.shown, catalogue=catalogue)
                report.issues += sub.issues
                if sub.status == "unreadable":
                    entry.update(status="unreadable", reason=sub.reason)
                    continue
                records, problems = records_from_submission(sub, year=year, at=at)
                report.issues += problems
                report.skipped_errors += len(problems)
                entry.update(rows=len(records), year=sub.nam_hoc or year)
                new += records
        if progress:
            progress(len(found), len(found), "")
    return _save_history(report, master, hb, new, content, catalogue, keep_backups)


def validate_job(paths: list[str], *, history: str | Path | None = None, members: list[str] | None = None,
                 today: Any = None, progress: Progress | None = None) -> tuple[Any, str | None]:
    """Validate workbooks; with `history` (a master), also check every proposal against its register LichSu.

    The dossier's date is the one in each file's title block, else today; it picks the rule set.
    Returns (report, error): error says why the register could not be used.
    """
    from addin.validate import validate_paths
    from addin.workbook.masterbook import read_history

    report = validate_paths(paths, progress=progress)
    if history is None:
        return report, None
    master = Path(history)
    if not master.exists():
        return report, f"Không có sổ tổng hợp \"{master}\" để đối chiếu lịch sử khen thưởng."
    try:
        content = read_master(master)
        catalogue = getattr(content, "catalogue", None) or default_catalogue()
        hb = read_history(master, catalogue)
    except UnreadableFile as exc:
        return report, str(exc)
    if not hb.has_register:
        return report, (f"Sổ \"{master.name}\" chưa có trang LichSu: hãy ghi kết quả (tdkt record) hoặc nhập "
                        "lịch sử các năm trước (tdkt import-history) trước.")
    check_history(report, hb, catalogue, master=str(master), members=members, today=today)
    return report, None


def check_history(report: Any, hb: Any, catalogue: Catalogue, *, master: str, members: list[str] | None = None,
                  today: Any = None) -> None:
    """Check every proposal of a validation report against the register (hb: LichSu and QuyDinh read already).

    Adds the criteria-not-met issues (and legal-basis lines) to each file; the CLI reads the
    register from the master's file, the check button from the open book.
    """
    from datetime import date

    from addin.ingest import read_submission
    from addin.models import Submission
    from addin.rules import check_submission

    member_rows: list[Any] = []
    if members:
        with tempfile.TemporaryDirectory(prefix="tdkt-") as work:
            for src in collect_sources(members, Path(work)):
                if not (src.ignored or src.rejected):
                    member_rows += read_submission(src.path, display_path=src.shown, catalogue=catalogue).nominees
    day = today or date.today()
    for sub in report.submissions:
        if sub.status in ("unreadable", "ignored"):
            continue
        sub.issues.extend(check_submission(sub, hb.records, hb.rules, today=day, members=member_rows,
                                           catalogue=catalogue))
        sub.issues.sort(key=lambda i: (i.sheet or "", i.row or 0))
        sub.status = "invalid" if sub.has_errors() else "ok"
    if hb.rules.issues:
        report.submissions.insert(0, Submission(path=master, unit=None, sheets=["QuyDinh"],
                                                issues=list(hb.rules.issues)))
