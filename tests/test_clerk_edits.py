"""A clerk's edits to DanhSach survive the next merge (issue 12, point 6).

Real files throughout: units' lists written with the conftest factory, merged with the real
command, the master edited with openpyxl the way a clerk edits it in Excel, merged again, and
read back cell by cell.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Callable

import openpyxl
import pytest
from click.testing import CliRunner

from addin import schema
from addin.cli import main
from addin.jobs import register_job
from addin.schema import LIST_HEADER_ROW, REGISTRATIONS
from addin.workbook.masterbook import content_from_sheets, read_master

from conftest import Sheet, write_workbook

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Danh hiệu đề nghị", "Xếp loại", "Tóm tắt thành tích"]
EXCELLENT, GOOD = "Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ"
NGUYEN_DU = [
    ["Nguyễn Văn An", "12/03/1980", "Giáo viên", "Lao động tiên tiến", EXCELLENT, "Dạy giỏi cấp huyện"],
    ["Trần Thị Bình", "31/02/1985", "Tổ trưởng", "Chiến sĩ thi đua cơ sở", EXCELLENT, "Sáng kiến cấp huyện"],  # no such day
    ["Lê Văn Cường", "20/11/1978", "Giáo viên", "Lao động tiên tiến", GOOD, "Chủ nhiệm giỏi"],
]
LE_LOI = [
    ["Phạm Thị Dung", "02/02/1982", "Giáo viên", "Lao động tiên tiến", GOOD, "Giáo viên giỏi"],
    ["Hoàng Văn Em", "14/07/1990", "Nhân viên", "Lao động tiên tiến", GOOD, "Hoàn thành tốt"],
]
HOA_SEN = [["Vũ Thị Hạnh", "05/05/1991", "Giáo viên", "Lao động tiên tiến", EXCELLENT, "Giáo viên giỏi"]]
REASON = "Đã đối chiếu hồ sơ gốc: sinh 28/02/1985, đồng ý đề nghị"


def unit_file(make: Callable[..., Path], name: str, unit: str, people: list[list[Any]], mtime: int) -> Path:
    path = make(Sheet(name="DS", title=[[unit], [], ["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025"], []],
                      header=[HEADER], rows=[[i, *p] for i, p in enumerate(people, start=1)]), filename=name)
    os.utime(path, (mtime, mtime))
    return path


def run(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(main, [*args, "--json"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, json.loads(result.stdout)


def table(master: Path, sheet: str = schema.LIST) -> tuple[list[str], list[dict[str, Any]], list[list[Any]]]:
    """The list's header, its numbered rows (header -> value) and every line under them."""
    ws = openpyxl.load_workbook(master)[sheet]
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    header = [h for h in grid[LIST_HEADER_ROW - 1]]
    while header and header[-1] is None:
        header.pop()
    rows, below = [], []
    for values in grid[LIST_HEADER_ROW:]:
        if isinstance(values[0], int):
            rows.append(dict(zip(header, values)))
        elif any(v not in (None, "") for v in values):
            below.append([v for v in values if v not in (None, "")])
    return header, rows, below


def edit(master: Path, change: Callable[[Any, dict[str, int], int], None], sheet: str = schema.LIST) -> None:
    """Open the master with openpyxl, let `change(ws, column_of_header, last_data_row)` edit it, save."""
    book = openpyxl.load_workbook(master)
    ws = book[sheet]
    columns = {c.value: c.column for c in ws[LIST_HEADER_ROW] if c.value}
    last = LIST_HEADER_ROW
    while isinstance(ws.cell(last + 1, 1).value, int):
        last += 1
    change(ws, columns, last)
    book.save(master)


def row_of(ws: Any, columns: dict[str, int], name: str) -> int:
    at = columns.get("Họ và tên") or columns["Họ tên"]
    return next(r for r in range(LIST_HEADER_ROW + 1, ws.max_row + 1) if ws.cell(r, at).value == name)


def names(ws: Any, columns: dict[str, int]) -> list[Any]:
    return [ws.cell(r, columns["Họ và tên"]).value for r in range(LIST_HEADER_ROW + 1, ws.max_row + 1)]


def as_clerk(ws: Any, columns: dict[str, int], last: int) -> None:
    """What a clerk does in a week: rename two headers, add a column, type a note, overrule a status, delete a column."""
    ws.cell(LIST_HEADER_ROW, columns["Họ và tên"], "Họ tên")
    ws.cell(LIST_HEADER_ROW, columns["Xếp loại"], "Xếp loại năm học")
    extra = max(columns.values()) + 1
    ws.cell(LIST_HEADER_ROW, extra, "Ý kiến PGD")
    for name, opinion in (("Nguyễn Văn An", "Đồng ý"), ("Hoàng Văn Em", "Bổ sung minh chứng")):
        if name in names(ws, columns):
            ws.cell(row_of(ws, columns, name), extra, opinion)
    ws.cell(last + 2, 1, "Ghi chú: danh sách đã trình Hội đồng ngày 20/5/2025.")
    binh = row_of(ws, columns, "Trần Thị Bình")
    assert ws.cell(binh, columns["Tình trạng"]).value == "Lỗi"
    ws.cell(binh, columns["Tình trạng"], "OK")
    ws.cell(binh, columns["Ghi chú"], REASON)
    ws.delete_cols(columns["Tóm tắt thành tích"])


def test_clerk_edits_survive_the_next_merge(workbook: Callable[..., Path], tmp_path: Path) -> None:
    a = unit_file(workbook, "nguyen-du.xlsx", "TRƯỜNG THCS NGUYỄN DU", NGUYEN_DU, 1_740_000_000)
    b = unit_file(workbook, "le-loi.xlsx", "TRƯỜNG TIỂU HỌC LÊ LỢI", LE_LOI, 1_740_000_100)
    master = tmp_path / "tong-hop.xlsx"
    code, first = run("merge", str(master), str(a), str(b))
    assert code == 0 and first["rows_total"] == 5
    _, before, _ = table(master)
    ratings = {r["Họ và tên"]: r["Xếp loại"] for r in before}
    assert ratings["Nguyễn Văn An"] and ratings["Lê Văn Cường"] and ratings["Nguyễn Văn An"] != ratings["Lê Văn Cường"]
    code, tally = run("tally", str(master))
    assert (tally["counted_rows"], tally["skipped_error_rows"]) == (4, 1)

    edit(master, as_clerk)
    c = unit_file(workbook, "hoa-sen.xlsx", "TRƯỜNG MẦM NON HOA SEN", HOA_SEN, 1_740_000_200)
    code, second = run("merge", str(master), str(a), str(b), str(c))

    assert code == 0 and second["error"] is None
    assert [f["action"] for f in second["files"]] == ["unchanged", "unchanged", "added"]
    header, rows, below = table(master)
    # renamed headers still map, and keep the clerk's wording
    assert "Họ tên" in header and "Xếp loại năm học" in header and "Họ và tên" not in header
    assert [r["Họ tên"] for r in rows] == [p[0] for p in NGUYEN_DU + LE_LOI + HOA_SEN]
    assert {r["Họ tên"]: r["Xếp loại năm học"] for r in rows if r["Họ tên"] in ratings} == ratings
    assert rows[-1]["Xếp loại năm học"] == ratings["Nguyễn Văn An"]  # the new unit's rating lands in the renamed column
    # the deleted column stays deleted; the clerk's column is kept last, each value on its row
    assert "Tóm tắt thành tích" not in header and header[-1] == "Ý kiến PGD"
    assert {r["Họ tên"]: r["Ý kiến PGD"] for r in rows if r["Ý kiến PGD"]} == {
        "Nguyễn Văn An": "Đồng ý", "Hoàng Văn Em": "Bổ sung minh chứng"}
    # the note typed under the table is still there, under the table
    assert ["Ghi chú: danh sách đã trình Hội đồng ngày 20/5/2025."] in below
    # the status set by hand (with a reason) stands, and the tally counts the row
    binh = next(r for r in rows if r["Họ tên"] == "Trần Thị Bình")
    assert (binh["Tình trạng"], binh["Ghi chú"]) == ("OK", REASON)
    assert binh["Nội dung kiểm tra"].startswith("Lỗi:")  # the check itself is still shown
    code, tally = run("tally", str(master))
    assert code == 0 and (tally["counted_rows"], tally["skipped_error_rows"]) == (6, 0)

    # row conservation: every row sent is in DanhSach or reported
    sent = len(NGUYEN_DU) + len(LE_LOI) + len(HOA_SEN)
    reported = sum(1 for i in second["issues"] if i["code"] == "duplicate-row")
    print(f"rows in {sent} = rows in DanhSach {len(rows)} + rows reported {reported}")
    assert sent == len(rows) + reported == second["rows_total"] + reported

    # a third merge changes nothing the clerk did (the notes are not doubled)
    code, _ = run("merge", str(master), str(a), str(b), str(c))
    assert code == 0 and table(master) == (header, rows, below)


def test_a_resubmission_keeps_the_clerks_column_for_the_same_person_but_not_the_hand_status(
        workbook: Callable[..., Path], tmp_path: Path) -> None:
    a = unit_file(workbook, "nguyen-du.xlsx", "TRƯỜNG THCS NGUYỄN DU", NGUYEN_DU, 1_740_000_000)
    master = tmp_path / "tong-hop.xlsx"
    assert run("merge", str(master), str(a))[0] == 0
    edit(master, as_clerk)
    again = [p[:] for p in NGUYEN_DU]
    again[2][3] = "Chiến sĩ thi đua cơ sở"  # the unit sends a corrected list: another award for Cường
    newer = unit_file(workbook, "nguyen-du-gui-lai.xlsx", "Trường THCS Nguyễn Du", again, 1_740_100_000)

    code, report = run("merge", str(master), str(newer))

    assert code == 0 and [f["action"] for f in report["files"]] == ["replaced"]
    _, rows, _ = table(master)
    assert {r["Họ tên"]: r["Ý kiến PGD"] for r in rows} == {
        "Nguyễn Văn An": "Đồng ý", "Trần Thị Bình": None, "Lê Văn Cường": None}
    binh = next(r for r in rows if r["Họ tên"] == "Trần Thị Bình")
    assert binh["Tình trạng"] == "Lỗi" and binh["Ghi chú"] is None  # a new version: tdkt's check stands again


def test_a_hand_status_without_a_reason_is_not_kept(workbook: Callable[..., Path], tmp_path: Path) -> None:
    a = unit_file(workbook, "nguyen-du.xlsx", "TRƯỜNG THCS NGUYỄN DU", NGUYEN_DU, 1_740_000_000)
    master = tmp_path / "tong-hop.xlsx"
    assert run("merge", str(master), str(a))[0] == 0

    def overrule(ws: Any, columns: dict[str, int], last: int) -> None:
        ws.cell(row_of(ws, columns, "Trần Thị Bình"), columns["Tình trạng"], "OK")

    edit(master, overrule)
    assert run("merge", str(master), str(a))[0] == 0
    assert next(r for r in table(master)[1] if r["Họ và tên"] == "Trần Thị Bình")["Tình trạng"] == "Lỗi"


@pytest.mark.parametrize("header, named", [
    ("Cột lạ XYZ", ["\"Cột lạ XYZ\"", "\"Họ và tên\""]),  # renamed past recognition, the names under it
    (None, ["\"Họ và tên\""]),  # the column deleted
])
def test_a_column_tdkt_needs_that_cannot_be_found_stops_the_merge_and_writes_nothing(
        workbook: Callable[..., Path], tmp_path: Path, header: str | None, named: list[str]) -> None:
    a = unit_file(workbook, "nguyen-du.xlsx", "TRƯỜNG THCS NGUYỄN DU", NGUYEN_DU, 1_740_000_000)
    master = tmp_path / "tong-hop.xlsx"
    assert run("merge", str(master), str(a))[0] == 0

    def damage(ws: Any, columns: dict[str, int], last: int) -> None:
        if header is None:
            ws.delete_cols(columns["Họ và tên"])
        else:
            ws.cell(LIST_HEADER_ROW, columns["Họ và tên"], header)

    edit(master, damage)
    before = master.read_bytes()
    b = unit_file(workbook, "le-loi.xlsx", "TRƯỜNG TIỂU HỌC LÊ LỢI", LE_LOI, 1_740_000_100)

    code, report = run("merge", str(master), str(a), str(b))

    assert code == 1 and report["written"] is False
    assert all(n in report["error"] for n in named) and "Chưa ghi gì vào sổ" in report["error"]
    assert master.read_bytes() == before
    assert not (tmp_path / "tong-hop.sao-luu").exists() or len(list((tmp_path / "tong-hop.sao-luu").iterdir())) == 1
    # the tally stops the same way rather than count a list it cannot read
    code, tally = run("tally", str(master))
    assert code == 1 and "Họ và tên" in tally["error"] and master.read_bytes() == before


def test_two_columns_claiming_one_of_ours_stop_the_merge(workbook: Callable[..., Path], tmp_path: Path) -> None:
    a = unit_file(workbook, "nguyen-du.xlsx", "TRƯỜNG THCS NGUYỄN DU", NGUYEN_DU, 1_740_000_000)
    master = tmp_path / "tong-hop.xlsx"
    assert run("merge", str(master), str(a))[0] == 0

    def two_names(ws: Any, columns: dict[str, int], last: int) -> None:
        ws.cell(LIST_HEADER_ROW, columns["Họ và tên"], "Họ tên")
        ws.cell(LIST_HEADER_ROW, max(columns.values()) + 1, "Họ tên khai sinh")

    edit(master, two_names)
    before = master.read_bytes()
    code, report = run("merge", str(master), str(a))
    assert code == 1 and "\"Họ tên\" và \"Họ tên khai sinh\"" in report["error"]
    assert master.read_bytes() == before


def test_headers_map_without_accents_and_a_clerk_column_named_like_ours_stays_the_clerks(
        workbook: Callable[..., Path], tmp_path: Path) -> None:
    a = unit_file(workbook, "nguyen-du.xlsx", "TRƯỜNG THCS NGUYỄN DU", NGUYEN_DU, 1_740_000_000)
    master = tmp_path / "tong-hop.xlsx"
    assert run("merge", str(master), str(a))[0] == 0
    _, before, _ = table(master)

    def retype(ws: Any, columns: dict[str, int], last: int) -> None:
        ws.cell(LIST_HEADER_ROW, columns["Họ và tên"], "HO VA TEN")
        ws.cell(LIST_HEADER_ROW, columns["STT"], "TT")
        extra = max(columns.values()) + 1
        ws.cell(LIST_HEADER_ROW, extra, "Ghi chú PGD")  # our "Ghi chú" is still there: this one is the clerk's
        ws.cell(row_of(ws, columns, "Lê Văn Cường"), extra, "Mời dự hội nghị")

    edit(master, retype)
    assert run("merge", str(master), str(a))[0] == 0
    header, rows, _ = table(master)
    assert header[:3] == ["TT", "Đơn vị đề nghị", "HO VA TEN"] and header[-1] == "Ghi chú PGD"
    assert [r["HO VA TEN"] for r in rows] == [r["Họ và tên"] for r in before]
    assert [r["Ghi chú PGD"] for r in rows] == [None, None, "Mời dự hội nghị"]
    assert [r["Ghi chú"] for r in rows] == [r["Ghi chú"] for r in before]


def test_dangky_keeps_the_clerks_edits_too(workbook: Callable[..., Path], tmp_path: Path) -> None:
    dk = tmp_path / "dk.xlsx"
    write_workbook(dk, [Sheet(name="DS", title=[["TRƯỜNG THCS NGUYỄN DU"], [], ["DANH SÁCH ĐĂNG KÝ THI ĐUA NĂM HỌC 2024-2025"], []],
                              header=[["STT", "Họ và tên", "Năm sinh", "Đăng ký danh hiệu"]],
                              rows=[[1, "Nguyễn Văn An", 1980, "LĐTT"], [2, "Trần Thị Bình", 1985, "CSTĐCS"]])])
    master = tmp_path / "tong-hop.xlsx"
    assert register_job(master, [str(dk)]).error is None

    def rename(ws: Any, columns: dict[str, int], last: int) -> None:
        ws.cell(LIST_HEADER_ROW, columns["Họ và tên"], "Họ tên")
        ws.cell(LIST_HEADER_ROW, max(columns.values()) + 1, "Ý kiến PGD")
        ws.cell(row_of(ws, columns, "Trần Thị Bình"), max(columns.values()) + 1, "Đủ điều kiện")

    edit(master, rename, sheet=schema.REGISTRATIONS_LIST)
    report = register_job(master, [str(dk)])
    assert report.error is None
    header, rows, _ = table(master, schema.REGISTRATIONS_LIST)
    assert "Đăng ký danh hiệu, khen thưởng" in header and header[-1] == "Ý kiến PGD"
    assert [(r["Họ tên"], r["Ý kiến PGD"]) for r in rows] == [("Nguyễn Văn An", None), ("Trần Thị Bình", "Đủ điều kiện")]
    assert [r.ho_ten for r in read_master(master, REGISTRATIONS).rows] == ["Nguyễn Văn An", "Trần Thị Bình"]


def test_the_open_book_reads_the_same_edits(workbook: Callable[..., Path], tmp_path: Path) -> None:
    """The Excel buttons read the book's cell values through the same content_from_sheets."""
    a = unit_file(workbook, "nguyen-du.xlsx", "TRƯỜNG THCS NGUYỄN DU", NGUYEN_DU, 1_740_000_000)
    master = tmp_path / "tong-hop.xlsx"
    assert run("merge", str(master), str(a))[0] == 0
    edit(master, as_clerk)
    book = openpyxl.load_workbook(master)

    def values(name: str) -> list[list[Any]] | None:
        if name not in book.sheetnames:
            return None
        return [["" if v is None else v for v in row] for row in book[name].iter_rows(values_only=True)]

    content = content_from_sheets(values)
    assert [r.ho_ten for r in content.rows] == [p[0] for p in NGUYEN_DU]
    assert content.shape.extra_headers == ["Ý kiến PGD"] and content.shape.deleted == {"tom_tat"}
    assert content.shape.notes == ["Ghi chú: danh sách đã trình Hội đồng ngày 20/5/2025."]


@pytest.mark.usefixtures("samples")
def test_renamed_headers_keep_every_name_of_the_samples(samples: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "hop-thu"
    shutil.copytree(samples, inbox, ignore=shutil.ignore_patterns("*.md"))
    master = tmp_path / "tong-hop.xlsx"
    code, first = run("merge", str(master), str(inbox))
    assert first["error"] is None
    _, before, _ = table(master)
    named = sum(1 for r in before if r["Họ và tên"])
    assert named > 100  # the samples' nominees (a row without a name is one of their mistakes)

    def rename(ws: Any, columns: dict[str, int], last: int) -> None:
        ws.cell(LIST_HEADER_ROW, columns["Họ và tên"], "Họ tên")
        ws.cell(LIST_HEADER_ROW, columns["Xếp loại"], "Xếp loại năm học")

    edit(master, rename)
    code, second = run("merge", str(master), str(inbox))
    assert second["error"] is None and {f["action"] for f in second["files"]} <= {"unchanged", "ignored"}
    _, after, _ = table(master)
    assert [(r["Họ tên"], r["Xếp loại năm học"]) for r in after] == [(r["Họ và tên"], r["Xếp loại"]) for r in before]
    rejected = [f for f in second["files"] if f["action"] == "rejected"]
    print(f"samples: {len(after)} rows in DanhSach, {len(rejected)} files rejected, names kept: "
          f"{sum(1 for r in after if r['Họ tên'])}/{named}")


# Round 3 of fresh-eyes testing: a busy clerk's hand on the master.

def _merged(workbook: Callable[..., Path], tmp_path: Path) -> Path:
    master = tmp_path / "tong-hop.xlsx"
    first = unit_file(workbook, "nguyen-du.xlsx", "TRƯỜNG THCS NGUYỄN DU", NGUYEN_DU, 1_747_000_000)
    second = unit_file(workbook, "le-loi.xlsx", "TRƯỜNG THCS LÊ LỢI", LE_LOI, 1_747_000_100)
    code, report = run("merge", str(master), str(first), str(second))
    assert code == 0 and report["rows_total"] == 5
    return master


def test_a_master_whose_danhsach_was_renamed_is_refused_not_emptied(workbook, tmp_path: Path) -> None:
    master = _merged(workbook, tmp_path)
    book = openpyxl.load_workbook(master)
    book[schema.LIST].title = "DS tong hop"
    book.save(master)
    before = master.read_bytes()
    for command in (["merge", str(master), str(tmp_path / "nguyen-du.xlsx")], ["tally", str(master)],
                    ["delegates", str(master)]):
        code, report = run(*command)
        assert code == 1 and "không còn trang DanhSach" in report["error"] and "sao-luu" in report["error"], command
    assert master.read_bytes() == before


def test_a_row_whose_stt_the_clerk_retyped_stays_a_row(workbook, tmp_path: Path) -> None:
    master = _merged(workbook, tmp_path)

    def retype(ws: Any, columns: dict[str, int], last: int) -> None:
        ws.cell(row_of(ws, columns, "Lê Văn Cường"), columns["STT"], "3a")
        ws.cell(row_of(ws, columns, "Phạm Thị Dung"), columns["STT"], None)
    edit(master, retype)
    code, report = run("tally", str(master))
    assert code == 0 and report["counted_rows"] == 4  # the 5 rows but Bình's (an error)
    code, report = run("merge", str(master), str(tmp_path / "nguyen-du.xlsx"))
    assert code == 0 and report["rows_total"] == 5
    assert sorted(r.ho_ten for r in read_master(master).rows) == [
        "Hoàng Văn Em", "Lê Văn Cường", "Nguyễn Văn An", "Phạm Thị Dung", "Trần Thị Bình"]


@pytest.mark.parametrize("typed", ["loi", "LỖI", "Lỗi "])
def test_a_status_typed_loosely_is_read_alike_by_every_job(workbook, tmp_path: Path, typed: str) -> None:
    master = _merged(workbook, tmp_path)

    def overrule(ws: Any, columns: dict[str, int], last: int) -> None:
        an = row_of(ws, columns, "Nguyễn Văn An")
        ws.cell(an, columns["Tình trạng"], typed)
        ws.cell(an, columns["Ghi chú"], "Chưa đủ minh chứng")
    edit(master, overrule)
    code, report = run("tally", str(master))
    assert code == 0 and report["counted_rows"] == 3 and report["skipped_error_rows"] == 2


def test_a_status_word_of_the_clerk_s_own_holds_the_row_back_and_stays(workbook, tmp_path: Path) -> None:
    """Round 3 of fresh-eyes testing: "Rút" or "Không duyệt" typed in Tình trạng, with a reason, went back
    to OK at the next merge with no word, and the row was counted meanwhile."""
    master = _merged(workbook, tmp_path)

    def withdraw(ws: Any, columns: dict[str, int], last: int) -> None:
        an = row_of(ws, columns, "Nguyễn Văn An")
        ws.cell(an, columns["Tình trạng"], "Rút")
        ws.cell(an, columns["Ghi chú"], "Đơn vị xin rút ngày 20/5")
    edit(master, withdraw)
    code, report = run("tally", str(master))
    assert code == 0 and report["counted_rows"] == 3  # An held back, as Bình's error is
    third = unit_file(workbook, "hoa-sen.xlsx", "TRƯỜNG THCS HOA SEN", HOA_SEN, 1_747_000_200)
    code, report = run("merge", str(master), str(tmp_path / "nguyen-du.xlsx"), str(tmp_path / "le-loi.xlsx"), str(third))
    assert code == 0 and report["rows_total"] == 6
    _, rows, _ = table(master)
    assert next(r for r in rows if r["Họ và tên"] == "Nguyễn Văn An")["Tình trạng"] == "Rút"
    code, report = run("tally", str(master))
    assert report["counted_rows"] == 4
    listed = " ".join(str(v) for r in openpyxl.load_workbook(master)[schema.PRINT_LIST].iter_rows(values_only=True)
                      for v in r if v)
    assert "Nguyễn Văn An" not in listed and "Vũ Thị Hạnh" in listed


def test_a_hand_status_given_back_for_want_of_a_reason_is_said(workbook, tmp_path: Path) -> None:
    """Round 4 of fresh-eyes testing: a status changed by hand with no reason in Ghi chú went back to
    tdkt's at the next merge without a word (the guide asks for the reason; the silence was the fault)."""
    master = _merged(workbook, tmp_path)

    def overrule(ws: Any, columns: dict[str, int], last: int) -> None:
        ws.cell(row_of(ws, columns, "Nguyễn Văn An"), columns["Tình trạng"], "Rút")
    edit(master, overrule)
    code, report = run("merge", str(master), str(tmp_path / "nguyen-du.xlsx"), str(tmp_path / "le-loi.xlsx"))
    assert code == 0 and report["statuses_reverted"] == [{"name": "Nguyễn Văn An", "typed": "Rút", "status": "OK"}]
    result = CliRunner().invoke(main, ["merge", str(master), str(tmp_path / "nguyen-du.xlsx")])
    assert "đã sửa tình trạng bằng tay" not in result.output  # said once: the status is tdkt's again
