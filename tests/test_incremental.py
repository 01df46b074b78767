"""What keeps merges cheap on a large master (issue 14) without changing what they write.

Timing is the benchmark's (benchmarks/merge.py); these tests hold the invariants the shortcuts
rely on: the same sheets and the same content as the long way.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from conftest import unit_list

from addin.jobs import merge_content, merge_job
from addin.schema import PROPOSALS, REGISTRATIONS
from addin.workbook.masterbook import read_master, written_sheet_names

MERGED = datetime(2025, 5, 20, 9, 0, tzinfo=timezone(timedelta(hours=7)))


def _two_units(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    header = ["STT", "Họ và tên", "Năm sinh", "Chức vụ", "Danh hiệu đề nghị"]
    return [unit_list(folder / "a.xlsx", [[1, "Nguyễn Văn An", 1985, "Giáo viên", "LĐTT"]],
                      unit="TRƯỜNG THCS LÊ LỢI", header=header),
            unit_list(folder / "b.xlsx", [[1, "Trần Thị Bình", 1990, "Giáo viên", "CSTĐCS"]],
                      unit="TRƯỜNG TIỂU HỌC QUANG TRUNG", header=header)]


def test_written_sheet_names_are_the_sheets_a_merge_makes(tmp_path: Path) -> None:
    files = _two_units(tmp_path / "in")
    for sheets in (PROPOSALS, REGISTRATIONS):
        report = merge_content(tmp_path / "m.xlsx", read_master(tmp_path / "m.xlsx", sheets),
                               [str(f) for f in files], merged_at=MERGED, sheets=sheets)
        assert [s.name for s in report.sheets] == written_sheet_names(sheets)


def test_an_unchanged_re_merge_makes_no_sheets_for_the_file_but_all_for_the_open_book(tmp_path: Path) -> None:
    files = [str(f) for f in _two_units(tmp_path / "in")]
    master = tmp_path / "m.xlsx"
    assert merge_job(master, files).changed
    before = master.read_bytes()
    again = merge_job(master, files)
    assert (again.changed, again.sheets, again.rows_total) == (False, [], 2)
    assert master.read_bytes() == before
    # the button writes into the open book what it is given: it still gets every sheet
    button = merge_content(master, read_master(master), files, merged_at=MERGED)
    assert not button.changed and [s.name for s in button.sheets] == written_sheet_names(PROPOSALS)


def test_sources_given_as_paths_merge_as_their_text(tmp_path: Path) -> None:
    files = _two_units(tmp_path / "in")
    as_paths = merge_job(tmp_path / "p.xlsx", files)  # a script's call: Path objects, not str
    as_text = merge_job(tmp_path / "t.xlsx", [str(f) for f in files])
    assert as_paths.error is None and as_paths.rows_total == as_text.rows_total == 2
    assert [f.path for f in as_paths.files] == [f.path for f in as_text.files]
