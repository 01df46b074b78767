"""The Excel binding: the functions the master workbook's buttons run (through xlwings' RunPython).

The only package that imports xlwings, and only inside the functions, so `import addin.excel`
works on a machine without Excel or xlwings. See addin/excel/buttons.py for how a button works on
the open book.
"""

from addin.excel.buttons import (
    check_submissions,
    choose_delegates,
    export_pdf,
    import_registrations,
    make_tally,
    merge_submissions,
    record_results,
    remind_units,
    send_feedback,
    submission_status,
)

__all__ = ["check_submissions", "merge_submissions", "send_feedback", "import_registrations", "make_tally",
           "choose_delegates", "record_results", "export_pdf", "submission_status", "remind_units"]
