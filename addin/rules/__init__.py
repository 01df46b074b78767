"""Eligibility rules by legal basis: parameters in a table (sheet QuyDinh), checks over the history.

`params` holds the table (defaults in addin/data/quy_dinh.csv, each row with its article, the
date it applies from and how sure its source is); `checks` holds the rules that read it.
"""

from addin.rules.checks import Context, Verdict, check_submission, dossier_date, evaluate
from addin.rules.params import Param, RuleTable, default_table, parse_sheet, sheet_rows

__all__ = ["Context", "Param", "RuleTable", "Verdict", "check_submission", "default_table", "dossier_date",
           "evaluate", "parse_sheet", "sheet_rows"]
