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
from addin.workbook.master import MasterLocked, backup_dir
from addin.workbook.masterbook import read_master, state_of, write_master
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


def merge_job(master: str | Path, sources: list[str], *, unit: str | None = None, keep_backups: int = 10,
              progress: Progress | None = None, catalogue: Catalogue | None = None,
              now: datetime | None = None, initial_settings: Settings | None = None,
              initial_guests: list[list[Any]] | None = None) -> MergeReport:
    """Merge unit submissions (files, folders, .eml, .zip) into the master workbook.

    initial_settings and initial_guests fill CauHinh and KhachMoi when the master has none yet.
    """
    master = Path(master)
    report = MergeReport(master=str(master))
    catalogue = catalogue or default_catalogue()
    merged_at = (now or datetime.now()).astimezone().replace(microsecond=0)
    try:
        content = read_master(master)
    except UnreadableFile as exc:
        report.error = str(exc)
        return report
    if not content.has_settings and initial_settings is not None:
        content.settings = initial_settings
    content.initial_guests = initial_guests or []
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
                if src.container is None and (why := _own_file(master, src.path)):
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
                candidates.append(Candidate(src.shown, src.sha256, src.sent_at, src.sender, submission))
        if progress:
            progress(total, total, "")
        decided = decide(state, candidates, content.aliases, merged_at)
    report.files = ignored + decided
    report.rejected_issues = [issue for _, issue in extra_issues]
    report.outcome = assemble(state)
    try:
        report.backup = write_master(master, content, report.outcome, report.files, extra_issues, merged_at,
                                     unit=unit, keep_backups=keep_backups)
    except (MasterLocked, UnreadableFile) as exc:
        report.error = str(exc)
    except OSError as exc:
        report.error = f"Không ghi được sổ tổng hợp \"{master.name}\": {exc.strerror or exc}. Sổ cũ vẫn nguyên vẹn."
    return report


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


def tally_job(master: str | Path, *, years: list[str] | None = None, include_empty: bool = False,
              keep_backups: int = 10, catalogue: Catalogue | None = None) -> TallyReport:
    """Count DanhSach by award category and unit, and write the TongHop sheet."""
    from addin.tally import tally
    from addin.workbook.masterbook import tally_sheet, write_printed

    master = Path(master)
    report = TallyReport(str(master))
    if not master.exists():
        report.error = f"Chưa có sổ tổng hợp \"{master}\": hãy gộp hồ sơ trước (tdkt merge)."
        return report
    try:
        content = read_master(master)
    except UnreadableFile as exc:
        report.error = str(exc)
        return report
    catalogue = catalogue or default_catalogue()
    report.tally = tally(content.rows, catalogue, years=years, include_empty=include_empty,
                         count_errors=content.settings.tally_counts_errors)
    try:
        report.backup = write_printed(master, [tally_sheet(report.tally, content.settings)], content, keep_backups)
    except (MasterLocked, UnreadableFile) as exc:
        report.error = str(exc)
    return report


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


def delegates_job(master: str | Path, *, seats: int | None = None, guest_share: float | None = None,
                  keep_backups: int = 10, catalogue: Catalogue | None = None) -> DelegatesReport:
    """Choose the conference delegates from DanhSach and KhachMoi, and write the DaiBieu sheet."""
    from addin import delegates as core
    from addin.workbook.masterbook import delegates_sheet, write_printed

    master = Path(master)
    report = DelegatesReport(str(master))
    if not master.exists():
        report.error = f"Chưa có sổ tổng hợp \"{master}\": hãy gộp hồ sơ trước (tdkt merge)."
        return report
    try:
        content = read_master(master)
    except UnreadableFile as exc:
        report.error = str(exc)
        return report
    catalogue = catalogue or default_catalogue()
    s = content.settings
    if s.exemplary_from not in catalogue:
        report.error = (f"Cài đặt \"Danh hiệu thấp nhất để chọn điển hình\" là \"{s.exemplary_from}\", "
                        "không có trong danh mục: hãy ghi một mã như CSTDCS.")
        return report
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
        report.result = core.select_delegates(candidates, guests, settings)
    except ValueError as exc:  # settings the clerk typed that cannot work (a share above 1, ...)
        report.error = str(exc)
        return report
    try:
        report.backup = write_printed(master, [delegates_sheet(report.result, s, catalogue)], content, keep_backups)
    except (MasterLocked, UnreadableFile) as exc:
        report.error = str(exc)
    return report
