"""The submitting unit, from every clue a workbook gives, and how sure the merge may be of it (issue 11).

Each test writes the workbooks units really send (no title block, a list on a sheet named
"Tổng hợp", the unit only in the rows or in a diacritic-free file name), reads them with the
real ingest or merges them with the real merge job, and reads the master back.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from addin.cli import main
from addin.ingest import read_submission, unit_from_label
from addin.jobs import merge_job
from addin.units import unit_key
from conftest import Sheet, write_workbook

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Đơn vị công tác", "Danh hiệu đề nghị"]
COMBINED = ["STT", "Họ và tên", "Ngày sinh", "Chức vụ, đơn vị công tác", "Danh hiệu đề nghị"]
MAY_10 = datetime(2025, 5, 10, 8, 0).astimezone()


def people(workplace: str | None, *names: str, start: int = 1) -> list[list[Any]]:
    return [[start + i, name, f"0{i + 1}/03/198{i}", "Giáo viên", workplace, "Lao động tiên tiến"]
            for i, name in enumerate(names)]


def collective(stt: int, name: str, workplace: str | None = None) -> list[Any]:
    return [stt, name, None, None, workplace, "Tập thể lao động tiên tiến"]


def write(path: Path, *sheets: Sheet, sent: datetime = MAY_10) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_workbook(path, list(sheets))
    os.utime(path, (sent.timestamp(), sent.timestamp()))
    return path


def log(master: Path) -> list[dict[str, Any]]:
    ws = openpyxl.load_workbook(master, read_only=True)["NhatKy"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return [dict(zip(rows[0], r)) for r in rows[1:] if any(v is not None for v in r)]


def listed(master: Path) -> list[tuple[str, str]]:
    """DanhSach as (Đơn vị đề nghị, Họ và tên)."""
    ws = openpyxl.load_workbook(master, read_only=True)["DanhSach"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    h = next(i for i, r in enumerate(rows) if r and r[0] == "STT")
    head = rows[h]
    out = []
    for r in rows[h + 1:]:
        if not any(v not in (None, "") for v in r):
            break
        row = dict(zip(head, r))
        out.append((row["Đơn vị đề nghị"], row["Họ và tên"]))
    return out


def add_alias(master: Path, written: str, proper: str) -> None:
    book = openpyxl.load_workbook(master)
    book["BiDanh"].append([written, proper])
    book.save(master)


# ---------------------------------------------------------------------------
# Generic words are never a unit


@pytest.mark.parametrize("label", ["Tổng hợp", "Tong hop", "Danh sách", "DS", "Sheet1", "Cá nhân", "Tập thể", "KQ",
                                   "Kết quả", "Đề nghị", "Mẫu 01", "Mau 01", "2024-2025", "KT", "khen thưởng",
                                   "DS khen thuong", "Danh sach de nghi", "KQ 2015-2020", "de nghi KT"])
def test_generic_words_are_never_a_unit(label: str) -> None:
    assert unit_from_label(label) is None


@pytest.mark.parametrize(("label", "unit"), [
    ("TH Kien Binh 1 - KT 2015-2020", "TH Kien Binh 1"),
    ("DS de nghi TH Kim Dong nam 2024", "TH Kim Dong"),
    ("Trung tâm GDNN-GDTX (2024)", "Trung tâm GDNN-GDTX"),
    ("Trường THPT Hải Nam", "Trường THPT Hải Nam"),  # a place ending in "Nam" keeps it
    ("MN Hoa Mai", "MN Hoa Mai"),
])
def test_a_label_names_a_unit_once_its_generic_ends_are_cut(label: str, unit: str) -> None:
    assert unit_from_label(label) == unit


# ---------------------------------------------------------------------------
# Deciding the unit from the clues


def test_two_schools_on_sheets_named_tong_hop_are_two_units(tmp_path: Path) -> None:
    """Issue 11: no title block, the list on 'Tổng hợp' / 'Tong hop', a collective without a workplace."""
    a = write(tmp_path / "a" / "Tong hop.xlsx", Sheet(name="Tổng hợp", header=[HEADER], rows=[
        *people("Trường TH Kiên Bình 1", "Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"), collective(4, "Tổ Toán")]))
    b = write(tmp_path / "b" / "Tong hop.xlsx", Sheet(name="Tong hop", header=[HEADER], rows=[
        *people("Trường TH Hòa Điền", "Phạm Thị Dung", "Hoàng Văn Em"), collective(3, "Tổ 1 - 2")]))
    sa, sb = read_submission(a), read_submission(b)
    assert (sa.unit, sa.unit_source, sa.unit_confidence, sa.unit_evidence) == (
        "Trường TH Kiên Bình 1", "don_vi", "strong", ["don_vi"])
    assert (sb.unit, sb.unit_confidence) == ("Trường TH Hòa Điền", "strong")
    assert [i.code for i in sa.issues + sb.issues] == []

    master = tmp_path / "tong-hop.xlsx"
    report = merge_job(master, [str(a), str(b)])
    assert [(f.unit, f.action) for f in report.files] == [("Trường TH Kiên Bình 1", "added"),
                                                          ("Trường TH Hòa Điền", "added")]
    assert len(listed(master)) == 7


def test_rows_collective_and_file_name_agree_on_the_unit(tmp_path: Path) -> None:
    """Every person says 'Trường TH Kiên Bình 1'; the collectives' sheet names the school itself; the file name too."""
    path = write(tmp_path / "TH Kien Binh 1 - KT 2015-2020.xlsx",
                 Sheet(name="Cá nhân", header=[HEADER], rows=people("Trường TH Kiên Bình 1", "Nguyễn Văn An", "Hà Thu")),
                 Sheet(name="Tập thể", header=[HEADER], rows=[collective(1, "Trường TH Kiên Bình 1"),
                                                             collective(2, "Tổ Toán")]))
    s = read_submission(path)
    assert (s.unit, s.unit_confidence, s.unit_evidence) == ("Trường TH Kiên Bình 1", "strong",
                                                             ["don_vi", "collective", "file"])
    assert {n.unit for n in s.nominees} == {"Trường TH Kiên Bình 1"}
    assert [i.code for i in s.issues] == []


def test_unit_from_a_combined_position_and_workplace_column(tmp_path: Path) -> None:
    rows = [[1, "Nguyễn Văn An", "01/01/1980", "Giáo viên - Trường TH Hòa Điền", "LĐTT"],
            [2, "Hà Thu", "02/02/1982", "Hiệu trưởng, Trường TH Hòa Điền", "LĐTT"],
            [3, "Trường TH Hòa Điền", None, None, "Tập thể lao động tiên tiến"]]
    s = read_submission(write(tmp_path / "Hoa Dien.xlsx", Sheet(name="Sheet1", header=[COMBINED], rows=rows)))
    assert (s.unit, s.unit_source, s.unit_confidence, s.unit_evidence) == (
        "Trường TH Hòa Điền", "chuc_vu_don_vi", "strong", ["chuc_vu_don_vi", "collective"])


def test_a_clear_majority_of_workplaces_names_the_unit(tmp_path: Path) -> None:
    rows = [*people("Trường THCS Nguyễn Du", "An", "Bình", "Cường", "Dung"), *people("Trường THCS Lê Lợi", "Em", start=5)]
    s = read_submission(write(tmp_path / "DS.xlsx", Sheet(name="DS", header=[HEADER], rows=rows)))
    assert (s.unit, s.unit_confidence) == ("Trường THCS Nguyễn Du", "strong")


def test_a_split_of_workplaces_names_no_unit(tmp_path: Path) -> None:
    rows = [*people("Trường THCS Nguyễn Du", "An", "Bình"), *people("Trường THCS Lê Lợi", "Cường", "Dung", start=3)]
    s = read_submission(write(tmp_path / "DS.xlsx", Sheet(name="DS", header=[HEADER], rows=rows)))
    assert (s.unit, s.unit_source, s.unit_confidence, s.unit_evidence) == ("DS", "file", "weak", [])
    assert [(i.code, i.severity, i.value) for i in s.issues] == [("unit-uncertain", "warning", "DS")]


def test_the_title_block_outweighs_the_rows(tmp_path: Path) -> None:
    title = [["UBND HUYỆN KIÊN LƯƠNG"], ["PHÒNG GIÁO DỤC VÀ ĐÀO TẠO"], ["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG"]]
    rows = [*people("Trường TH Kiên Bình 1", "An", "Bình"), collective(3, "Trường TH Kiên Bình 1")]
    s = read_submission(write(tmp_path / "x.xlsx", Sheet(title=title, header=[HEADER], rows=rows)))
    assert (s.unit, s.unit_source, s.unit_evidence) == ("Phòng GD&ĐT huyện Kiên Lương", "title", ["title"])


def test_a_file_name_alone_is_weak(tmp_path: Path) -> None:
    path = write(tmp_path / "TH Kien Binh 1 - KT 2015-2020.xlsx",
                 Sheet(name="Tong hop", header=[HEADER], rows=people(None, "Nguyễn Văn An", "Hà Thu")))
    s = read_submission(path)
    assert (s.unit, s.unit_source, s.unit_confidence, s.unit_evidence) == ("TH Kien Binh 1", "file", "weak", ["file"])
    [issue] = s.issues
    assert (issue.code, issue.severity, issue.value) == ("unit-uncertain", "warning", "TH Kien Binh 1")
    assert "tên tệp" in issue.message and "BiDanh" in issue.message


def test_validate_json_has_the_confidence_and_the_evidence(tmp_path: Path) -> None:
    strong = write(tmp_path / "a" / "TH Kien Binh 1.xlsx", Sheet(name="Tổng hợp", header=[HEADER],
                                                                 rows=people("Trường TH Kiên Bình 1", "An", "Bình")))
    weak = write(tmp_path / "b" / "MN Hoa Mai.xlsx", Sheet(name="DS", header=[HEADER], rows=people(None, "Cúc")))
    result = CliRunner().invoke(main, ["validate", "--json", str(strong), str(weak)])
    files = json.loads(result.stdout)["files"]
    assert [(f["unit"], f["unit_source"], f["unit_confidence"], f["unit_evidence"]) for f in files] == [
        ("Trường TH Kiên Bình 1", "don_vi", "strong", ["don_vi", "file"]),
        ("MN Hoa Mai", "file", "weak", ["file"]),
    ]
    assert result.exit_code == 0  # unit-uncertain is a warning


# ---------------------------------------------------------------------------
# The merge: weak units never replace, and the master's log keeps them apart


def _weak(path: Path, *names: str, sent: datetime = MAY_10) -> Path:
    return write(path, Sheet(name="DS", header=[HEADER], rows=people(None, *names)), sent=sent)


def _strong(path: Path, unit: str, *names: str, sent: datetime = MAY_10) -> Path:
    return write(path, Sheet(name="DS", title=[[f"Đơn vị: {unit}"]], header=[HEADER], rows=people(None, *names)),
                 sent=sent)


def test_weak_units_of_the_same_name_stay_side_by_side_and_round_trip(tmp_path: Path) -> None:
    master = tmp_path / "tong-hop.xlsx"
    a = _weak(tmp_path / "hop-thu" / "a" / "Truong TH Kim Dong.xlsx", "Nguyễn Văn An")
    b = _weak(tmp_path / "hop-thu" / "b" / "Truong TH Kim Dong - de nghi.xlsx", "Trần Thị Bình",
              sent=MAY_10 + timedelta(hours=1))
    report = merge_job(master, [str(a), str(b)])
    assert [(f.unit, f.action, f.unit_confidence) for f in report.files] == [
        ("Truong TH Kim Dong", "added", "weak"), ("Truong TH Kim Dong", "added", "weak")]
    assert report.to_json_dict()["files"][0]["unit_evidence"] == ["file"]
    assert sorted(name for _, name in listed(master)) == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert [r["Độ tin cậy đơn vị"] for r in log(master)] == ["Chưa chắc (tên tệp)"] * 2
    issues = [(i.code, i.file) for i in report.issues()]
    assert issues == [("unit-uncertain", str(a)), ("unit-uncertain", str(b))]

    # A strong list of a unit of that name is added beside them: it replaces neither.
    c = _strong(tmp_path / "hop-thu" / "c.xlsx", "Trường TH Kim Đồng", "Lê Văn Cường", sent=MAY_10 + timedelta(hours=2))
    report = merge_job(master, [str(c)])
    assert [(f.unit, f.action, f.unit_confidence) for f in report.files] == [("Trường TH Kim Đồng", "added", "strong")]
    assert log(master)[-1]["Độ tin cậy đơn vị"] == "Chắc chắn (ô \"Đơn vị:\")"
    assert len(listed(master)) == 3

    # Read back from the log, every version is itself: merging everything again changes nothing.
    report = merge_job(master, [str(a), str(b), str(c)])
    assert [f.action for f in report.files] == ["unchanged"] * 3
    assert sorted(name for _, name in listed(master)) == ["Lê Văn Cường", "Nguyễn Văn An", "Trần Thị Bình"]
    assert sorted(i.file for i in report.issues() if i.code == "unit-uncertain") == sorted([str(a), str(b)])


def test_a_weak_list_never_replaces_a_strong_one(tmp_path: Path) -> None:
    master = tmp_path / "tong-hop.xlsx"
    strong = _strong(tmp_path / "a.xlsx", "Trường TH Kim Đồng", "Nguyễn Văn An")
    # the same unit key as the strong one, but only from a file name: it may be anyone's list
    weak = _weak(tmp_path / "x" / "Truong TH Kim Dong.xlsx", "Trần Thị Bình", sent=MAY_10 + timedelta(days=1))
    report = merge_job(master, [str(strong), str(weak)])
    assert [(f.unit, f.action) for f in report.files] == [("Trường TH Kim Đồng", "added"), ("Truong TH Kim Dong", "added")]
    assert sorted(listed(master)) == [("Truong TH Kim Dong", "Trần Thị Bình"), ("Trường TH Kim Đồng", "Nguyễn Văn An")]
    # and a later strong list replaces only the strong one
    again = _strong(tmp_path / "b.xlsx", "Trường Tiểu học Kim Đồng", "Lê Văn Cường", sent=MAY_10 + timedelta(days=2))
    report = merge_job(master, [str(again)])
    assert [f.action for f in report.files] == ["replaced"]
    assert sorted(name for _, name in listed(master)) == ["Lê Văn Cường", "Trần Thị Bình"]


def test_a_weak_file_at_the_same_place_replaces_its_own_earlier_version(tmp_path: Path) -> None:
    master = tmp_path / "tong-hop.xlsx"
    path = tmp_path / "hop-thu" / "TH Kim Dong.xlsx"
    merge_job(master, [str(_weak(path, "Nguyễn Văn An"))])
    report = merge_job(master, [str(_weak(path, "Trần Thị Bình", sent=MAY_10 + timedelta(days=1)))])
    assert [f.action for f in report.files] == ["replaced"]
    assert listed(master) == [("TH Kim Dong", "Trần Thị Bình")]


def test_the_clerks_alias_makes_a_weak_unit_sure(tmp_path: Path) -> None:
    master = tmp_path / "tong-hop.xlsx"
    strong = _strong(tmp_path / "a.xlsx", "Trường TH Kim Đồng", "Nguyễn Văn An")
    merge_job(master, [str(strong)])
    add_alias(master, "TH Kim Dong", "Trường TH Kim Đồng")
    weak = _weak(tmp_path / "x" / "TH Kim Dong.xlsx", "Trần Thị Bình", sent=MAY_10 + timedelta(days=1))
    report = merge_job(master, [str(weak)])
    assert [(f.unit, f.action, f.unit_confidence, f.unit_evidence) for f in report.files] == [
        ("Trường TH Kim Đồng", "replaced", "strong", ["file", "alias"])]
    assert listed(master) == [("Trường TH Kim Đồng", "Trần Thị Bình")]
    assert [i.code for i in report.issues()] == []  # nothing uncertain left


def test_an_alias_typed_after_a_weak_version_was_merged_joins_it(tmp_path: Path) -> None:
    master = tmp_path / "tong-hop.xlsx"
    weak = _weak(tmp_path / "x" / "TH Kim Dong.xlsx", "Nguyễn Văn An")
    merge_job(master, [str(weak)])
    add_alias(master, "TH Kim Dong", "Trường TH Kim Đồng")
    strong = _strong(tmp_path / "a.xlsx", "Trường TH Kim Đồng", "Trần Thị Bình", sent=MAY_10 + timedelta(days=1))
    report = merge_job(master, [str(strong)])
    assert [f.action for f in report.files] == ["replaced"]
    assert listed(master) == [("Trường TH Kim Đồng", "Trần Thị Bình")]


# ---------------------------------------------------------------------------
# The issuer block: the unit's own line under its parent body, however it is typed

PARENT = "UBND PHƯỜNG TÂN AN"
MOTTO = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]
# (the unit's line as schools type it, the unit it names)
SCHOOL_LINES = [
    ("TRƯỜNG THCS KIM ĐỒNG", "Trường THCS Kim Đồng"),
    ("THCS KIM ĐỒNG", "Trường THCS Kim Đồng"),
    ("TRUONG THCS KIM DONG", "Trường THCS Kim Đồng"),
    ("TRƯỜNG TRUNG HỌC CƠ SỞ KIM ĐỒNG", "Trường THCS Kim Đồng"),
    ("TH LÊ LỢI", "Trường TH Lê Lợi"),
    ("TRUONG TIEU HOC LE LOI", "Trường TH Lê Lợi"),
    ("Truong MN Hoa Mai 2", "Trường Mầm non Hoa Mai 2"),
    ("MẦM NON HOA MAI 2", "Trường Mầm non Hoa Mai 2"),
    ("TRƯỜNG PTDTBT THCS KIM ĐỒNG", "Trường PTDTBT THCS Kim Đồng"),
    ("TRƯỜNG TH&THCS KIM ĐỒNG", "Trường TH&THCS Kim Đồng"),
    ("NHÀ VĂN HÓA THIẾU NHI", "Nhà văn hóa thiếu nhi"),  # not a school: its place under the parent says it
]


def _issuer(path: Path, lines: list[list[Any]], *names: str, sheet: str = "Sheet1") -> Path:
    title = [[*line, None, None, None, *(MOTTO if i == 0 else [])] for i, line in enumerate(lines)]
    title += [[], ["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025"]]
    return write(path, Sheet(name=sheet, title=title, header=[HEADER], rows=people(None, *names)))


@pytest.mark.parametrize("layout", ["two rows", "one cell, two lines"])
@pytest.mark.parametrize("line, unit", SCHOOL_LINES)
def test_the_line_under_the_parent_body_is_the_unit(tmp_path: Path, line: str, unit: str, layout: str) -> None:
    """Found by fresh-eyes testing: a school line without "TRƯỜNG", or without diacritics, was taken for
    the parent's, and the next such school's list replaced it."""
    lines = [[PARENT], [line]] if layout == "two rows" else [[f"{PARENT}\n{line}"]]
    s = read_submission(_issuer(tmp_path / "ds.xlsx", lines, "Nguyễn Văn An"))
    assert unit_key(s.unit) == unit_key(unit), s.unit
    assert (s.unit_source, s.unit_confidence) == ("title", "strong")
    assert [i.code for i in s.issues] == []


def test_schools_under_one_parent_stay_two_units_in_the_master(tmp_path: Path) -> None:
    kim_dong = _issuer(tmp_path / "hop-thu" / "THCS Kim Dong.xlsx", [[PARENT], ["THCS KIM ĐỒNG"]], "An", "Bình")
    le_loi = _issuer(tmp_path / "hop-thu" / "TH Le Loi.xlsx", [[PARENT], ["TRUONG TIEU HOC LE LOI"]], "Cúc", "Dung", "Em")
    master = tmp_path / "tong-hop.xlsx"
    merge_job(master, [str(kim_dong)])
    report = merge_job(master, [str(le_loi)])
    assert [f.action for f in report.files] == ["added"]
    assert sorted({unit_key(u) for u, _ in listed(master)}) == ["truong th le loi", "truong thcs kim dong"]
    assert len(listed(master)) == 5


def test_a_title_naming_only_the_parent_in_a_file_named_for_a_school_is_weak(tmp_path: Path) -> None:
    """The school's own line is missing: taken for the parent's list, it would replace it."""
    a = _issuer(tmp_path / "a" / "THCS Kim Dong.xlsx", [[PARENT]], "An", "Bình")
    b = _issuer(tmp_path / "b" / "ho so.xlsx", [[PARENT]], "Cúc", sheet="Trường TH Trần Phú")
    own = _issuer(tmp_path / "c" / "DS khen thuong phuong Tan An.xlsx", [[PARENT]], "Dung")
    sa, sb, so = read_submission(a), read_submission(b), read_submission(own)
    for s, named in ((sa, "THCS Kim Dong"), (sb, "Trường TH Trần Phú")):
        assert (s.unit, s.unit_confidence) == ("UBND phường Tân An", "weak")
        [issue] = s.issues
        assert issue.code == "unit-uncertain" and named in issue.message and "BiDanh" in issue.message
    assert (so.unit, so.unit_confidence, so.issues) == ("UBND phường Tân An", "strong", [])
    master = tmp_path / "tong-hop.xlsx"
    merge_job(master, [str(own)])
    merge_job(master, [str(a)])
    merge_job(master, [str(b)])
    assert len(listed(master)) == 4  # the office's own list, and both schools' kept apart
