"""The master's DanhSach parsed on a thread ahead of the job (addin.workbook.prefetch, issue 14).

What is parsed ahead is used only for the very file it was started on: a master replaced in
between (as every tdkt write replaces it) is read again, and what a job reads is the same with
or without the parse ahead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import python_calamine as pc
import pytest

from addin import schema
from addin.workbook import prefetch
from addin.workbook.master import SheetData, write_sheets
from addin.workbook.masterbook import read_master


def master(path: Path, names: list[str]) -> Path:
    rows = [schema.MasterRow.of(stt=i + 1, ho_ten=name, chuc_vu="Giáo viên", unit="Trường A", de_nghi="LĐTT")
            for i, name in enumerate(names)]
    write_sheets(path, [SheetData(schema.LIST, schema.headers(schema.LIST_COLUMNS), rows,
                                  widths=schema.widths(schema.LIST_COLUMNS))], keep_backups=0)
    return path


def direct(path: Path) -> list[list[object]]:
    book = pc.CalamineWorkbook.from_path(str(path))
    try:
        return book.get_sheet_by_name(schema.LIST).to_python(skip_empty_area=False)
    finally:
        book.close()


def test_a_parse_started_ahead_is_the_sheet(tmp_path: Path) -> None:
    path = master(tmp_path / "so.xlsx", ["Nguyễn Văn An", "Trần Thị Bình"])
    prefetch.start(path, schema.LIST)
    prefetch.start(path, schema.LIST)  # started once
    parsed = prefetch.take(path, schema.LIST)
    assert parsed is not None and parsed.to_python(skip_empty_area=False) == direct(path)
    assert prefetch.take(path, schema.LIST) is None  # taken once


def test_a_master_replaced_meanwhile_is_read_again(tmp_path: Path) -> None:
    path = master(tmp_path / "so.xlsx", ["Nguyễn Văn An"])
    other = master(tmp_path / "khac.xlsx", ["Lê Văn Cường", "Phạm Thị Dung"])
    prefetch.start(path, schema.LIST)  # (done or not by the time of the replace: either way, of the old file)
    os.replace(other, path)  # as tdkt's own writes replace a master
    assert prefetch.take(path, schema.LIST) is None
    prefetch.start(path, schema.LIST)
    shutil.copy(path, tmp_path / "ban-sao.xlsx")
    os.replace(tmp_path / "ban-sao.xlsx", path)  # the same bytes, another file: still read again
    assert prefetch.take(path, schema.LIST) is None
    assert [r.ho_ten for r in read_master(path).rows] == ["Lê Văn Cường", "Phạm Thị Dung"]


@pytest.mark.parametrize("name", ["khong-co.xlsx", "so.xls", "so.ods"])
def test_nothing_is_started_for_a_file_that_is_not_there_or_not_a_master(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name != "khong-co.xlsx":
        path.write_bytes(b"not a workbook")
    prefetch.start(path, schema.LIST)
    assert prefetch.take(path, schema.LIST) is None


def test_a_damaged_master_is_reported_by_the_reader_not_the_parse_ahead(tmp_path: Path) -> None:
    path = tmp_path / "so.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    prefetch.start(path, schema.LIST)
    assert prefetch.take(path, schema.LIST) is None
    with pytest.raises(Exception, match="Không đọc được sổ tổng hợp"):
        read_master(path)


def test_a_job_reads_the_same_with_and_without_the_parse_ahead(tmp_path: Path) -> None:
    path = master(tmp_path / "so.xlsx", [f"Người {i}" for i in range(500)])
    plain = read_master(path)
    prefetch.start(path, schema.LIST)
    ahead = read_master(path)
    assert ahead.rows == plain.rows and ahead.rows
    prefetch.start(path, schema.LIST)
    prefetch.forget(path)
    assert prefetch.take(path, schema.LIST) is None


# ---------------------------------------------------------------------------
# The next unit's file, read while the job checks the one before


def test_validating_with_files_read_ahead_reports_what_reading_each_in_turn_reports(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import variants as V

    from addin.jobs import validate_paths
    from addin.workbook import reader

    paths = V.write_corpus(V.corpus(16, 5), tmp_path / "hop-thu")
    (tmp_path / "hop-thu" / "hong.xlsx").write_bytes(b"PK\x03\x04 not really a zip")  # the reader's error, raised again
    hits: list[bool] = []
    real = prefetch.taken

    def taken(path: Path) -> object:
        try:
            book = real(path)
        except Exception:
            hits.append(True)  # read ahead, and what the reader raised raised again
            raise
        hits.append(book is not None)
        return book
    monkeypatch.setattr(prefetch, "taken", taken)
    ahead = validate_paths([str(tmp_path / "hop-thu")]).to_json_dict()
    used = sum(hits)
    reads: list[Path] = []
    real_read = reader.read_workbook
    monkeypatch.setattr(prefetch, "read_ahead", lambda path: None)  # each file read when its turn comes
    monkeypatch.setattr("addin.ingest.read_workbook", lambda path, **k: reads.append(path) or real_read(path, **k))
    in_turn = validate_paths([str(tmp_path / "hop-thu")]).to_json_dict()
    assert ahead == in_turn
    assert used >= len(paths) and len(reads) >= len(paths)  # all but the first file were read ahead
    assert any("hong.xlsx" in f["path"] and f["status"] == "unreadable" for f in ahead["files"])


def test_a_file_changed_after_it_was_read_ahead_is_read_again(tmp_path: Path) -> None:
    first = master(tmp_path / "a.xlsx", ["Nguyễn Văn An"])
    prefetch.read_ahead(first)
    master(tmp_path / "b.xlsx", ["Lê Văn Cường"])
    os.replace(tmp_path / "b.xlsx", first)
    assert prefetch.taken(first) is None
    prefetch.read_ahead(first)
    book = prefetch.taken(first)
    assert book is not None and any("Lê Văn Cường" in str(row) for s in book.sheets for row in s.rows)


def test_a_large_file_is_not_read_ahead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = master(tmp_path / "a.xlsx", ["Nguyễn Văn An"])
    monkeypatch.setattr(prefetch, "READ_AHEAD_BYTES", path.stat().st_size - 1)
    prefetch.read_ahead(path)
    assert prefetch.taken(path) is None


def test_a_small_file_whose_parts_inflate_large_is_not_read_ahead(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = master(tmp_path / "a.xlsx", [f"Người {i}" for i in range(300)])
    import zipfile
    with zipfile.ZipFile(path) as z:
        inflated = sum(i.file_size for i in z.infolist())
    monkeypatch.setattr(prefetch, "READ_AHEAD_INFLATED", inflated - 1)
    prefetch.read_ahead(path)
    assert prefetch.taken(path) is None
    monkeypatch.setattr(prefetch, "READ_AHEAD_INFLATED", inflated)
    prefetch.read_ahead(path)
    assert prefetch.taken(path) is not None


def test_a_passing_os_error_is_left_to_the_job_and_nothing_is_left_reading(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from addin.workbook import reader

    path = master(tmp_path / "a.xlsx", ["Nguyễn Văn An"])
    monkeypatch.setattr(reader, "read_workbook", lambda p, **k: (_ for _ in ()).throw(PermissionError(13, "locked")))
    prefetch.read_ahead(path)
    assert prefetch.taken(path) is None  # the job reads it itself, a moment later
    prefetch.read_ahead(path)
    prefetch.drop_reads()
    assert not [t for t in threading.enumerate() if t.name == "tdkt-doc-truoc-tep"]
