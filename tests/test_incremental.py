"""What keeps merges cheap on a large master (issue 14) without changing what they write.

Timing is the benchmark's (benchmarks/merge.py); these tests hold the invariants the shortcuts
rely on: the same sheets and the same content as the long way.
"""

from __future__ import annotations

import html
import json
import re
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import unit_list

import addin.jobs.merge as jobs_merge
from addin import schema
from addin.jobs import merge_content, merge_job, tally_job
from addin.schema import PROPOSALS, REGISTRATIONS
from addin.workbook import masterbook
from addin.workbook.master import SEAL_PART, read_seal
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


# ---------------------------------------------------------------------------
# The seal: an unchanged re-merge answered without reading DanhSach


def _full_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The merge with the seal ignored: what an unchanged re-merge says the long way."""
    monkeypatch.setattr(jobs_merge, "read_seal", lambda path: None)


def _json(report: Any) -> dict[str, Any]:
    return report.to_json_dict()


def _sources_variety(folder: Path) -> list[str]:
    """Units strong and weak, a district list naming its schools, a duplicate across units, a warning."""
    header = ["STT", "Họ và tên", "Năm sinh", "Chức vụ", "Đơn vị công tác", "Danh hiệu đề nghị"]
    files = [
        unit_list(folder / "le-loi.xlsx", [[1, "Nguyễn Văn An", 1985, "Giáo viên", "Trường THCS Lê Lợi", "LĐTT"],
                                          [2, "Trần Thị Bình", 1990, "Giáo viên", "Trường THCS Lê Lợi", "CSTĐCS"]],
                  unit="TRƯỜNG THCS LÊ LỢI", header=header),
        unit_list(folder / "phong.xlsx", [[1, "Nguyễn Văn An", 1985, "Giáo viên", "Trường TH Kim Đồng", "LĐTT"],
                                         [2, "Lê Văn Cường", 1979, "Hiệu trưởng", "Trường TH Kim Đồng", "Giấy khen"]],
                  unit="PHÒNG GIÁO DỤC VÀ ĐÀO TẠO HUYỆN AN PHÚ", header=header),
        unit_list(folder / "ds.xlsx", [[1, "Phạm Thị Dung", 1988, "Giáo viên", "", "LĐTT"]], unit=None,
                  title="DANH SÁCH", header=header),
    ]
    return [str(f) for f in files]


def test_an_unchanged_re_merge_from_the_seal_says_what_the_full_merge_says(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    sources = _sources_variety(tmp_path / "in")
    master = tmp_path / "m.xlsx"
    first = merge_job(master, sources)
    assert first.error is None and first.changed
    seal = read_seal(master)
    assert seal is not None and seal[0]["clean"] and len(seal[0]["held"]) == 3
    before = master.read_bytes()
    read: list[str] = []
    real = masterbook._sheet_rows
    monkeypatch.setattr(masterbook, "_sheet_rows", lambda book, name, *at, **kw: read.append(name) or real(book, name, *at, **kw))
    quick = merge_job(master, list(reversed(sources)))
    assert read == [schema.ISSUES]  # Loi alone: DanhSach is not read
    monkeypatch.setattr(masterbook, "_sheet_rows", real)
    _full_path(monkeypatch)
    full = merge_job(master, list(reversed(sources)))
    assert (quick.changed, full.changed) == (False, False)
    assert _json(quick) == _json(full)
    assert quick.rows_total == first.rows_total == 5 and len(quick.issues()) == len(first.issues()) > 0
    assert master.read_bytes() == before


def test_the_seal_stands_aside_when_anything_could_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = _sources_variety(tmp_path / "in")
    master = tmp_path / "m.xlsx"
    merge_job(master, sources)
    calls: list[str] = []
    real = jobs_merge.opened
    monkeypatch.setattr(jobs_merge, "opened", lambda *a, **k: calls.append("full") or real(*a, **k))
    # a new file: the full merge
    header = ["STT", "Họ và tên", "Năm sinh", "Chức vụ", "Danh hiệu đề nghị"]
    extra = unit_list(tmp_path / "in2" / "kd.xlsx", [[1, "Võ Thị Em", 1992, "Giáo viên", "LĐTT"]],
                      unit="TRƯỜNG TIỂU HỌC KIM ĐỒNG", header=header)
    assert merge_job(master, [*sources, str(extra)]).changed and calls == ["full"]
    # the clerk's alias table changed (a sheet the merge reads): the full merge, whose answer may differ
    book = openpyxl.load_workbook(master)
    book[schema.ALIASES].append(["Trường TH Kim Đồng", "Trường Tiểu học Kim Đồng"])
    book.save(master)
    calls.clear()
    merge_job(master, [*sources, str(extra)])
    assert calls == ["full"]
    # a merge that changes nothing writes nothing, not even a seal; the next one that writes seals again
    again = unit_list(tmp_path / "in3" / "nd.xlsx", [[1, "Đỗ Văn Phúc", 1980, "Giáo viên", "LĐTT"]],
                      unit="TRƯỜNG THCS NGUYỄN DU", header=header)
    sources = [*sources, str(extra), str(again)]
    assert merge_job(master, sources).changed
    calls.clear()
    assert not merge_job(master, sources).changed and calls == []
    # a tally writes TongHop beside: the seal still holds
    assert tally_job(master).error is None
    assert not merge_job(master, sources).changed and calls == []
    # --unit names the master's unit anew: the full merge
    merge_job(master, sources, unit="PHÒNG GD&ĐT AN PHÚ")
    assert calls == ["full"]


def test_a_rejected_file_keeps_the_seal_from_answering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = _sources_variety(tmp_path / "in")
    broken = tmp_path / "in" / "hong.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    master = tmp_path / "m.xlsx"
    merge_job(master, [*sources, str(broken)])
    seal = read_seal(master)
    assert seal is not None and not seal[0]["clean"]  # Loi holds the rejected file's issue
    calls: list[str] = []
    real = jobs_merge.opened
    monkeypatch.setattr(jobs_merge, "opened", lambda *a, **k: calls.append("full") or real(*a, **k))
    merge_job(master, sources)  # the broken file gone: its issue leaves Loi, by the full merge
    assert calls == ["full"]


def test_sheets_read_are_the_sheets_a_full_read_asks_for() -> None:
    for sheets in (PROPOSALS, REGISTRATIONS):
        asked: list[str] = []
        masterbook.content_from_sheets(lambda name: asked.append(name) or None, sheets)
        assert sorted(asked) == sorted(masterbook.sheets_read(sheets))


def test_a_seal_that_is_not_what_tdkt_writes_leaves_the_work_to_the_full_merge(tmp_path: Path) -> None:
    sources = _sources_variety(tmp_path / "in")
    master = tmp_path / "m.xlsx"
    merge_job(master, sources)
    # the seal's content replaced, its CRCs kept (as a crafted file could): every held entry malformed
    with zipfile.ZipFile(master) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    xml = parts[SEAL_PART].decode("utf-8")
    seal = json.loads(html.unescape(re.search(r"<tdkt\b[^>]*>(.*)</tdkt>", xml, re.S).group(1)))
    for broken in ({sha: ["x"] for sha in seal["held"]}, {sha: ["x", "many", 0, "not a date"] for sha in seal["held"]}):
        text = json.dumps({**seal, "held": broken})
        parts[SEAL_PART] = xml.replace(xml[xml.index(">", xml.index("<tdkt")) + 1: xml.rindex("</tdkt>")],
                                       text.replace("&", "&amp;").replace("<", "&lt;")).encode("utf-8")
        with zipfile.ZipFile(master, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in parts.items():
                z.writestr(name, data)
        report = merge_job(master, sources)
        assert report.error is None and not report.changed and report.rows_total == 5
        assert {f.action for f in report.files} == {"unchanged"}
