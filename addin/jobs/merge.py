"""Merging units' lists into the master: proposals (`tdkt merge`) and registrations (`tdkt register`)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from addin import schema
from addin.catalogue import Catalogue
from addin.jobs.common import (NO_SPREADSHEET, JobReport, Progress, each_source, effective_catalogue, nothing_found,
                               now_here, opened, save)
from addin.jobs.units import forget_registered, place_unit
from addin.merge import (Candidate, FileOutcome, MergeOutcome, RowsCheck, applied_order, assemble, decide,
                         kept_versions)
from addin.models import Issue
from addin.register import unregistered_check
from addin.schema import LOG_INDEX, PROPOSALS, REGISTRATIONS, ListSheets
from addin.settings import Settings
from addin.validate import validate_file
from addin.workbook import prefetch
from addin.workbook.master import SheetData, read_seal, writes_master
from addin.workbook.masterbook import (MasterContent, Need, master_sheets, read_master, sheets_read, state_of,
                                       unexplained_statuses, written_sheet_names)
from addin.workbook.reader import UnreadableFile


@dataclass
class MergeReport(JobReport):
    files: list[FileOutcome] = field(default_factory=list)
    outcome: MergeOutcome | None = None
    rejected_issues: list[Issue] = field(default_factory=list)  # of files that could not be read
    sources_read: int = 0  # spreadsheets found under the sources (lock files and the master's own copies aside)
    # False when the merge brought nothing (every file unchanged or ignored, Loi and the statuses as
    # they were): the master is left as it is, with no backup pushed out; `written` still says it is right.
    changed: bool = True
    rows_held: int | None = None  # DanhSach's rows as the master's seal says (an unchanged re-merge reads no rows)
    seal: dict[str, Any] | None = None  # what a merge of DanhSach leaves in the master for the next (see _sealed)
    # (name, typed, now) of statuses the clerk changed by hand with no reason in Ghi chú: given back
    statuses_reverted: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def rows_total(self) -> int:
        if self.rows_held is not None:
            return self.rows_held
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
                    "unit_confidence": f.unit_confidence,
                    "unit_evidence": f.unit_evidence,
                    "document_date": f.document_date.isoformat() if f.document_date else None,
                }
                for f in self.files
            ],
            "rows_total": self.rows_total,
            "by_unit": dict(self.outcome.by_unit) if self.outcome else {},
            "issues": [i.model_dump(mode="json") for i in self.issues()],
            "written": self.error is None,
            "error": self.error,
            "backup": str(self.backup) if self.backup else None,
            "changed": self.changed,
            "statuses_reverted": [{"name": n, "typed": t, "status": now} for n, t, now in self.statuses_reverted],
        }


@writes_master(MergeReport, creates=True)
def merge_job(master: str | Path, sources: list[str], *, unit: str | None = None, keep_backups: int = 10,
              progress: Progress | None = None, catalogue: Catalogue | None = None,
              now: datetime | None = None, initial_settings: Settings | None = None,
              initial_guests: list[list[Any]] | None = None) -> MergeReport:
    """Merge unit submissions (files, folders, .eml, .zip) into the master workbook (created when missing).

    initial_settings and initial_guests fill CauHinh and KhachMoi when the master has none yet.
    """
    master = Path(master)
    if unit is None and (quick := unchanged_by_seal(master, sources, progress)) is not None:
        prefetch.forget(master)  # DanhSach is not read: a parse the command line started is let go
        return quick
    report = MergeReport(str(master))
    content = opened(report, master, must_exist=False)
    if content is None:
        return report
    if not content.has_settings and initial_settings is not None:
        content.settings = initial_settings
    content.initial_guests = initial_guests or []
    report = merge_content(master, content, sources, merged_at=now_here(now), progress=progress,
                           catalogue=catalogue, unit=unit, always_sheets=False)
    if not report.sources_read:
        report.fail(NO_SPREADSHEET, nothing_found(sources).message)
    if report.failure is not None or not report.changed:
        return report
    return save(report, master, report.sheets, keep_backups, seal=_sealed(report.seal))


# ---------------------------------------------------------------------------
# The seal: an unchanged re-merge answered from what the last merge left in the master
#
# A merge writes, beside its sheets, a small part (addin.workbook.master.read_seal) with each input
# sheet's CRC-32 and size, every held version (SHA-256, unit, rows, confidence, document date),
# the row counts, and whether Loi holds only what the merge assembled. When every source is a file
# the master holds and the input sheets are as the merge left them, the merge's answer is known:
# nothing changes. The report is made from the seal and Loi, and DanhSach is never read (on a
# 50,000-row master, most of an unchanged re-merge's time went to reading it).

SEAL_FORMAT = 1


def _tdkt_version() -> str:
    try:
        from importlib.metadata import version
        return version("tdkt")
    except Exception:  # run from a source tree that is not installed
        return "?"


def _sealed(seal: dict[str, Any] | None) -> Callable[[dict[str, tuple[int, int]]], str] | None:
    """The seal to write with a merge's sheets, made from each sheet's CRC-32 and size once written."""
    if seal is None:
        return None

    def make(entries: dict[str, tuple[int, int]]) -> str:
        inputs = {name: list(entries[name]) if name in entries else None for name in sheets_read(PROPOSALS)}
        return json.dumps({**seal, "inputs": inputs, "sheets": list(entries)}, ensure_ascii=False)
    return make


def _seal_of(report: MergeReport, state: dict[str, Any], clean: bool) -> dict[str, Any]:
    held = {v.sha256: [v.name, len(v.rows), v.weak, v.document_date.isoformat() if v.document_date else None]
            for v in state.values() if v.sha256}
    return {"format": SEAL_FORMAT, "tdkt": _tdkt_version(), "rows_total": report.rows_total,
            "by_unit": list(report.outcome.by_unit.items()) if report.outcome else [], "held": held, "clean": clean}


def unchanged_by_seal(master: Path, sources: list[str], progress: Progress | None = None) -> MergeReport | None:
    """The report of a merge that changes nothing, from the master's seal; None when the seal cannot say so.

    It says so when the seal is this tdkt's, the sheets a merge reads are as the seal describes them,
    the master has every sheet a merge makes, Loi holds only what the merge assembled, and every
    source is a file the master holds (none rejected, none new, none twice over).
    """
    found_seal = read_seal(master) if master.suffix.lower() in (".xlsx", ".xlsm") else None
    if found_seal is None:
        return None
    seal, now = found_seal
    inputs = {name: (tuple(v) if isinstance(v, list) else None) for name, v in (seal.get("inputs") or {}).items()}
    if (seal.get("format") != SEAL_FORMAT or seal.get("tdkt") != _tdkt_version() or not seal.get("clean")
            or set(inputs) != set(sheets_read(PROPOSALS))
            or any(now.get(name) != crc for name, crc in inputs.items())
            or not set(written_sheet_names(PROPOSALS)) <= set(now)):
        return None
    held: dict[str, list[Any]] = seal.get("held") or {}
    report = MergeReport(str(master))
    ignored: list[FileOutcome] = []
    known: list[Any] = []
    seen: set[str] = set()
    for found in each_source(sources, master=master, progress=progress):
        src = found.source
        if found.skipped:
            ignored.append(FileOutcome(src.shown, None, 0, "ignored", found.skipped, src.sha256 or None, src.sent_at,
                                       src.sender))
            continue
        report.sources_read += 1
        if found.rejection or not src.sha256 or src.sha256 not in held or src.sha256 in seen:
            return None  # something to decide: the full merge
        seen.add(src.sha256)
        known.append(src)
    if not known:
        return None

    try:  # a seal whose CRCs hold but whose content is not what tdkt writes (a crafted file): the full merge
        files = []
        for src in sorted(known, key=lambda src: applied_order(src.sent_at, src.shown)):  # as decide lists them
            name, rows, weak, written = held[src.sha256]
            files.append(FileOutcome(src.shown, str(name), int(rows), "unchanged", "tệp này đã được gộp trước đây",
                                     src.sha256, src.sent_at, src.sender, unit_confidence="weak" if weak else "strong",
                                     unit_evidence=[], document_date=date.fromisoformat(written) if written else None,
                                     sent_from=src.sent_from))
        by_unit = {str(u): int(n) for u, n in seal.get("by_unit") or []}
        rows_held = int(seal.get("rows_total") or 0)
        loi = read_master(master, need=Need({"issues"}))
    except (UnreadableFile, ValueError, TypeError, KeyError):
        return None
    report.files = ignored + files
    report.outcome = MergeOutcome([], [i for _, i in loi.issues], [None] * len(loi.issues),
                                  [u for u, _ in loi.issues], [], by_unit)
    report.rows_held = rows_held
    report.changed = False
    return report


def merge_content(master: Path, content: MasterContent, sources: list[str], *, merged_at: datetime,
                  progress: Progress | None = None, catalogue: Catalogue | None = None,
                  sheets: ListSheets = PROPOSALS, unit: str | None = None, always_sheets: bool = True) -> MergeReport:
    """Merge the sources into a master's content read already (from the file, or from the open book).

    Writes nothing: the report's `sheets` are what the CLI writes into the file and a button
    into the open book. With always_sheets=False a merge that changes nothing (`changed` False)
    makes no sheets: the CLI then leaves the file alone, and building the sheets of a large
    master (its printed list above all) would be the most of an unchanged re-merge's time.
    """
    report = MergeReport(str(master))
    catalogue = effective_catalogue(content, catalogue)
    held = _held(content.rows, content.issues)  # before state_of renames rows by BiDanh
    state = state_of(content)
    forget_registered(state, content.register)
    chosen = kept_versions(content.log)  # the clerk's choices in NhatKy ("Giữ bản này")
    # A file whose SHA-256 is the version the master holds is not read again: unchanged by definition
    # (an unchanged re-merge of a whole inbox then costs the hashing, not the reading).
    holding = {version.sha256: key for key, version in state.items() if version.sha256}
    candidates: list[Candidate] = []
    ignored: list[FileOutcome] = []
    for found in each_source(sources, master=master, progress=progress,
                             read_ahead=lambda src: not (src.sha256 and src.sha256 in holding)):
        src = found.source
        if found.skipped:
            ignored.append(FileOutcome(src.shown, None, 0, "ignored", found.skipped, src.sha256 or None, src.sent_at,
                                       src.sender))
        elif found.rejection:
            report.sources_read += 1
            report.rejected_issues.append(found.rejection)
            candidates.append(Candidate(src.shown, src.sha256, src.sent_at, src.sender, None, src.rejected,
                                        sent_from=src.sent_from))
        elif src.sha256 and src.sha256 in holding:
            report.sources_read += 1
            candidates.append(Candidate(src.shown, src.sha256, src.sent_at, src.sender, None, sent_from=src.sent_from,
                                        known=holding[src.sha256]))
        else:
            report.sources_read += 1
            submission = validate_file(src.path, src.shown, catalogue)
            place_unit(submission, src.sender, content.register, content.aliases)
            if submission.status == "unreadable":
                report.rejected_issues += submission.issues
            candidate = Candidate(src.shown, src.sha256, src.sent_at, src.sender, submission,
                                  sent_from=src.sent_from, kept=src.sha256 in chosen)
            candidate.compact(merged_at)
            candidates.append(candidate)
    decided = decide(state, candidates, content.unit_names(), merged_at)
    report.files = ignored + decided
    checks = registration_checks(content, catalogue) if sheets is PROPOSALS else []
    report.outcome = assemble(state, checks)
    logged = {str(e[LOG_INDEX["sha256"]]) for e in content.log if e[LOG_INDEX["sha256"]]}
    report.changed = (any(f.action in ("added", "replaced", "rejected") for f in report.files)
                      # a version set aside (an older one) goes into NhatKy, where the clerk can choose it
                      or any(f.action == "ignored" and f.sha256 and f.sha256 not in logged for f in decided)
                      or (unit is not None and unit != content.unit)
                      or not set(written_sheet_names(sheets)) <= set(content.sheet_names)
                      or _held(report.outcome.rows, zip(report.outcome.issue_units, report.outcome.issues)) != held)
    if report.changed or always_sheets:
        extra = [(None, issue) for issue in report.rejected_issues]
        report.sheets = master_sheets(content, report.outcome, report.files, extra, merged_at, unit=unit,
                                      sheets=sheets, catalogue=catalogue)
        report.statuses_reverted = unexplained_statuses(report.outcome.rows, content.shape)
    if sheets is PROPOSALS:
        report.seal = _seal_of(report, state, clean=not report.rejected_issues)
    return report


def _held(rows: list[schema.MasterRow], issues: Iterable[tuple[str | None, Issue]]) -> Counter:
    """What a merge can change besides the files' rows: each row's unit and status, and Loi."""
    return Counter([*((r.unit, r.src_unit, r.status, r.status_text) for r in rows),
                    *((unit, i.code, i.severity, i.file, i.sheet, i.row, i.column, i.value, i.message)
                      for unit, i in issues)])


def registration_checks(content: MasterContent, catalogue: Catalogue,
                        registrations: list[schema.MasterRow] | None = None) -> list[RowsCheck]:
    """The not-registered check over DanhSach, when the master has registrations and the setting is on.

    It runs wherever DanhSach is assembled (every merge, and every registration), so the
    warnings follow both lists and the setting in CauHinh.
    """
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
    report = MergeReport(str(master))
    proposals = opened(report, master, must_exist=False)
    registrations = opened(report, master, must_exist=False, sheets=REGISTRATIONS) if proposals else None
    if proposals is None or registrations is None:
        return report
    report = register_content(master, proposals, registrations, sources, merged_at=now_here(now),
                              progress=progress, catalogue=catalogue, unit=unit)
    report.changed = True  # DanhSach is refreshed against the registrations: written every time
    if not report.sources_read:
        report.fail(NO_SPREADSHEET, nothing_found(sources).message)
        return report
    return save(report, master, report.sheets, keep_backups)


def register_content(master: Path, proposals: MasterContent, registrations: MasterContent, sources: list[str], *,
                     merged_at: datetime, progress: Progress | None = None, catalogue: Catalogue | None = None,
                     unit: str | None = None) -> MergeReport:
    """Merge registration lists into DangKy of a master read already; DanhSach and Loi are refreshed with it."""
    catalogue = effective_catalogue(proposals, catalogue)
    report = merge_content(master, registrations, sources, merged_at=merged_at, progress=progress,
                           catalogue=catalogue, sheets=REGISTRATIONS, unit=unit)
    report.sheets += refreshed_proposals(proposals, report, catalogue, merged_at, unit=unit)
    return report


def refreshed_proposals(proposals: MasterContent, report: MergeReport, catalogue: Catalogue, merged_at: datetime, *,
                        unit: str | None) -> list[SheetData]:
    """DanhSach and Loi again, their not-registered warnings checked against the registrations just merged.

    Written in the same save as DangKy (the CLI) or with it into the open book (the button).
    """
    if not proposals.rows or report.outcome is None:
        return []
    outcome = assemble(state_of(proposals), registration_checks(proposals, catalogue, report.outcome.rows))
    return [s for s in master_sheets(proposals, outcome, [], [], merged_at, unit=unit, catalogue=catalogue)
            if s.name in (schema.LIST, schema.PRINT_LIST, schema.ISSUES)]
