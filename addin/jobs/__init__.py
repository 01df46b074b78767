"""The use cases: what one CLI command or one Excel button does, end to end.

Each `*_job` takes paths (the CLI): read the master, one `*_content` call, write its sheets.
Each `*_content` takes a master's content read already (the file's, or the open book's) and
returns a report whose `sheets` the caller writes (the CLI into the file, a button into the
open book). So a batch run and a click do the same work. Every report is a `JobReport`.
"""

from addin.jobs.common import (
    MASTER_NOT_WRITTEN,
    MASTER_UNUSABLE,
    Found,
    JobReport,
    each_source,
    effective_catalogue,
    now_here,
    own_file,
    sources_found,
)
from addin.jobs.feedback import FEEDBACK_NEED, FeedbackReport, default_outbox, feedback_content, feedback_job, inbox_folder
from addin.jobs.history import (
    CHECK_NEED,
    HistoryReport,
    CheckReport,
    append_history,
    check_content,
    check_history,
    check_job,
    import_history_job,
    record_content,
    record_job,
    validate_job,
)
from addin.jobs.merge import (
    MergeReport,
    merge_content,
    merge_job,
    refreshed_proposals,
    register_content,
    register_job,
    registration_checks,
)
from addin.jobs.printed import (
    DELEGATES_NEED,
    TALLY_NEED,
    DelegatesReport,
    TallyReport,
    delegates_content,
    delegates_job,
    tally_content,
    tally_job,
)
from addin.jobs.validate import validate_paths
from addin.jobs.units import (
    STATUS_NEED,
    RemindReport,
    StatusReport,
    UnitsReport,
    place_unit,
    remind_content,
    remind_job,
    reminders_outbox,
    status_content,
    status_job,
    units_content,
    units_job,
)

__all__ = [
    "MASTER_NOT_WRITTEN", "MASTER_UNUSABLE", "DelegatesReport", "FeedbackReport", "Found", "HistoryReport",
    "CheckReport", "JobReport", "MergeReport", "TallyReport", "append_history", "check_content", "check_history", "check_job", "default_outbox",
    "delegates_content", "delegates_job", "each_source", "effective_catalogue", "feedback_content", "feedback_job",
    "import_history_job", "inbox_folder", "merge_content", "merge_job", "now_here", "own_file", "record_content", "record_job",
    "refreshed_proposals", "register_content", "register_job", "registration_checks", "sources_found",
    "tally_content", "tally_job", "validate_job", "validate_paths",
    "RemindReport", "StatusReport", "UnitsReport", "place_unit", "remind_content", "remind_job", "reminders_outbox",
    "status_content", "status_job", "units_content", "units_job",
    "CHECK_NEED", "DELEGATES_NEED", "FEEDBACK_NEED", "STATUS_NEED", "TALLY_NEED",
]
