"""Checking units' workbooks without merging them (`tdkt validate`, the check button)."""

from __future__ import annotations

from collections.abc import Iterable

from addin.catalogue import Catalogue, default_catalogue
from addin.ingest import cap_issues
from addin.jobs.common import Progress, each_source, nothing_found
from addin.models import Report, Submission
from addin.validate import validate_file


def validate_paths(paths: Iterable[str], catalogue: Catalogue | None = None,
                   progress: Progress | None = None) -> Report:
    """Validate every workbook found under the given files and folders, emails and zip archives."""
    catalogue = catalogue or default_catalogue()
    paths = list(paths)
    report = Report()
    for found in each_source(paths, progress=progress, read_ahead=lambda src: True):
        if found.skipped:
            report.submissions.append(Submission(path=found.shown, status="ignored", reason=found.skipped))
        elif found.rejection:
            report.submissions.append(Submission(path=found.shown, status="unreadable", reason=found.rejection.message,
                                                 issues=[found.rejection]))
        else:
            submission = validate_file(found.path, found.shown, catalogue)
            # The report lists at most MAX_ISSUES_PER_CODE of a kind per file. Merge keeps them
            # all (validate_file does not cap): each row's status in DanhSach needs its own.
            submission.issues = cap_issues(submission.issues, found.shown)
            report.submissions.append(submission)
    if all(s.status == "ignored" for s in report.submissions):
        report.run_issues.append(nothing_found(paths))  # never "all valid" for having checked nothing
    return report
