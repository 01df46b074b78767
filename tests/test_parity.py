"""Whatever a button does, a CLI command does: the same job, the same sheet."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import python_calamine as pc
from click.testing import CliRunner

from addin import schema
from addin.build import MASTER_NAME
from addin.cli import main
from addin.demo import write_demo_mailbox

COMMITTED = Path(__file__).resolve().parents[1] / "workbooks"


def _rows_after_title(rows: list[list]) -> list[list]:
    """The KiemTra table (header and rows), without the title lines that carry the time of the check."""
    start = next(i for i, r in enumerate(rows) if r and r[0] == "STT")
    return [[("" if v is None else (int(v) if isinstance(v, float) and v.is_integer() else v)) for v in r]
            for r in rows[start:] if any(v not in ("", None) for v in r)]


def test_validate_into_writes_the_check_sheet_the_button_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("xlwings")
    from test_excel import open_book, written

    from addin.excel import buttons

    master = tmp_path / MASTER_NAME
    shutil.copy(COMMITTED / MASTER_NAME, master)
    write_demo_mailbox(tmp_path / "hop-thu")
    book = open_book(master)
    buttons.check_submissions(book)
    # the open book takes text Excel would reinterpret with a leading apostrophe, which Excel does not show
    by_button = [[v[1:] if isinstance(v, str) and v.startswith("'") else v for v in r]
                 for r in _rows_after_title(written(book, schema.CHECK))]

    monkeypatch.chdir(tmp_path)  # the button names files relative to the master's folder, as a run beside it does
    result = CliRunner().invoke(main, ["validate", "--into", MASTER_NAME, "hop-thu"])
    assert result.exit_code in (0, 1), result.output
    wb = pc.CalamineWorkbook.from_path(str(master))
    by_cli = _rows_after_title(wb.get_sheet_by_name(schema.CHECK).to_python(skip_empty_area=False))
    assert len(by_cli) > 5
    assert by_cli == by_button
