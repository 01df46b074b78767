"""tdkt register: start-of-year registrations into DangKy, the not-registered warning, and the
tally that sets registrations beside results."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from addin.cli import main
from addin.jobs import feedback_job
from addin.ingest import header_field
from addin.jobs import merge_job, register_job, tally_job
from addin.schema import REGISTRATIONS
from addin.workbook.masterbook import read_master

from conftest import Sheet, write_workbook


def unit_list(path: Path, unit: str, rows: list[list], *, award_header: str = "Danh hiệu đề nghị",
              title: str = "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025", mtime: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_workbook(path, [Sheet(name="DS", title=[[unit.upper()], [], [title], []],
                                header=[["STT", "Họ và tên", "Năm sinh", award_header]],
                                rows=[[i, *r] for i, r in enumerate(rows, start=1)])])
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def registration(path: Path, unit: str, rows: list[list], **kw) -> Path:
    return unit_list(path, unit, rows, award_header="Đăng ký danh hiệu",
                     title="DANH SÁCH ĐĂNG KÝ THI ĐUA NĂM HỌC 2024-2025", **kw)


@pytest.mark.parametrize("header, field", [
    ("Đăng ký danh hiệu", "danh_hieu"), ("Danh hiệu đăng ký", "danh_hieu"), ("Danh hiệu thi đua đăng ký", "danh_hieu"),
    ("Đăng ký hình thức khen thưởng", "hinh_thuc"), ("Hình thức khen thưởng đăng ký", "hinh_thuc"),
    ("Đăng ký thi đua", "de_nghi"), ("Nội dung đăng ký", "de_nghi"), ("Đăng ký danh hiệu, hình thức", "de_nghi"),
])
def test_registration_headers_name_the_award_columns(header: str, field: str) -> None:
    assert header_field(header) == field


def test_registrations_go_to_dangky_with_provenance_and_their_own_log(tmp_path: Path) -> None:
    first = registration(tmp_path / "dk" / "THCS Nguyen Du - dang ky.xlsx", "Trường THCS Nguyễn Du",
                         [["Nguyễn Văn An", 1980, "LĐTT"], ["Trần Thị Bình", 1985, "CSTĐCS"]], mtime=1_700_000_000)
    master = tmp_path / "tong-hop.xlsx"

    report = register_job(master, [str(first)])

    assert report.error is None and report.rows_total == 2
    content = read_master(master, REGISTRATIONS)
    assert [(r.ho_ten, r.ma, r.src_file, r.src_row) for r in content.rows] == [
        ("Nguyễn Văn An", "LDTT", str(first), 6), ("Trần Thị Bình", "CSTDCS", str(first), 7)]
    book = openpyxl.load_workbook(master, read_only=True)
    assert {"DangKy", "LoiDangKy", "NhatKyDangKy"} <= set(book.sheetnames)
    assert "DanhSach" not in book.sheetnames and "NhatKy" not in book.sheetnames
    header = next(r for r in book["DangKy"].iter_rows(values_only=True) if r and r[0] == "STT")
    assert "Đăng ký danh hiệu, khen thưởng" in header and "Đơn vị đăng ký" in header

    # a later list from the same unit, under another file name, replaces the first
    second = registration(tmp_path / "dk" / "Nguyen Du gui lai.xlsx", "Trường Trung học cơ sở Nguyễn Du",
                          [["Nguyễn Văn An", 1980, "CSTĐCS"]], mtime=1_700_100_000)
    report = register_job(master, [str(tmp_path / "dk")])
    assert [(f.action, f.path) for f in report.files] == [("unchanged", str(first)), ("replaced", str(second))]
    content = read_master(master, REGISTRATIONS)
    assert [(r[2], r[11]) for r in content.rows] == [("Nguyễn Văn An", "CSTDCS")]
    assert [entry[4] for entry in content.log] == ["Thêm mới", "Không đổi", "Thay thế bản trước"]


def _setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Registrations of two units, proposals of three (one unit never registered)."""
    dk = tmp_path / "dang-ky"
    registration(dk / "a.xlsx", "Trường THCS Nguyễn Du", [
        ["Nguyễn Văn An", 1980, "Lao động tiên tiến"],
        ["Trần Thị Bình", 1985, "Chiến sĩ thi đua cơ sở"],
        ["Lê Văn Cường", 1979, "Lao động tiên tiến"],
    ])
    registration(dk / "b.xlsx", "Trường Tiểu học Lê Lợi", [
        ["Phạm Thị Dung", 1990, "LĐTT"],
        ["Hoàng Văn Em", 1975, "LĐTT"],
    ])
    hop = tmp_path / "hop-thu"
    unit_list(hop / "a.xlsx", "Trường THCS Nguyễn Du", [
        ["Nguyễn Văn An", 1980, "Lao động tiên tiến"],  # registered
        ["Trần Thị Bình", 1985, "Lao động tiên tiến"],  # registered CSTĐCS, proposed LĐTT
        ["Đỗ Văn Phúc", 1982, "Lao động tiên tiến"],  # never registered
        ["Lê Văn Cường", 1979, "Giấy khen (đột xuất)"],  # one-off: cannot be registered
    ])
    unit_list(hop / "b.xlsx", "Trường TH Lê Lợi", [  # the same unit as "Trường Tiểu học Lê Lợi"
        ["Phạm Thị Dung", 1990, "Lao động tiên tiến"],
        ["Hoàng Văn Em", 1976, "Lao động tiên tiến"],  # another birth year: another person
    ])
    unit_list(hop / "c.xlsx", "Trường Mầm non Hoa Sen", [["Vũ Thị Hạnh", 1991, "Lao động tiên tiến"]])
    return tmp_path / "tong-hop.xlsx", dk, hop


def _not_registered(master: Path) -> list[tuple]:
    content = read_master(master)
    return sorted((unit, i.row, i.value) for unit, i in content.issues if i.code == "not-registered")


# Excel rows: title 1-4, header 5, data from 6.
EXPECTED = [("Trường TH Lê Lợi", 7, "Lao động tiên tiến"),
            ("Trường THCS Nguyễn Du", 7, "Lao động tiên tiến"), ("Trường THCS Nguyễn Du", 8, "Lao động tiên tiến")]


def test_merge_warns_about_proposals_nobody_registered(tmp_path: Path) -> None:
    master, dk, hop = _setup(tmp_path)
    register_job(master, [str(dk)])
    report = merge_job(master, [str(hop)])

    assert report.error is None
    assert _not_registered(master) == EXPECTED
    statuses = {r.ho_ten: r.status for r in read_master(master).rows}
    assert statuses["Nguyễn Văn An"] == "OK" and statuses["Đỗ Văn Phúc"] == "Cảnh báo"
    assert statuses["Vũ Thị Hạnh"] == "OK"  # Hoa Sen sent no registrations: not checked
    message = next(i.message for _, i in read_master(master).issues if i.code == "not-registered")
    assert "không có trong danh sách đăng ký thi đua đầu năm" in message


def test_registering_after_the_proposals_refreshes_the_warnings(tmp_path: Path) -> None:
    master, dk, hop = _setup(tmp_path)
    merge_job(master, [str(hop)])
    assert _not_registered(master) == []

    register_job(master, [str(dk)])

    assert _not_registered(master) == EXPECTED
    assert len(read_master(master).log) == 3  # DanhSach's log is not touched by registering


def test_the_check_can_be_switched_off_in_cauhinh(tmp_path: Path) -> None:
    master, dk, hop = _setup(tmp_path)
    register_job(master, [str(dk)])
    book = openpyxl.load_workbook(master)
    ws = book["CauHinh"]
    row = next(r for r in ws.iter_rows() if r[0].value == "Cảnh báo đề nghị chưa đăng ký")
    assert row[1].value == "Có"
    row[1].value = "Không"
    book.save(master)

    merge_job(master, [str(hop)])

    assert _not_registered(master) == []


def test_not_registered_is_sent_back_on_the_award_cell(tmp_path: Path) -> None:
    master, dk, hop = _setup(tmp_path)
    register_job(master, [str(dk)])
    merge_job(master, [str(hop)])

    report = feedback_job(master, [str(hop)], out=tmp_path / "ra")

    units = {u.unit: u for u in report.units}
    assert set(units) == {"Trường THCS Nguyễn Du", "Trường TH Lê Lợi"}
    ws = openpyxl.load_workbook(units["Trường THCS Nguyễn Du"].workbook)["DS"]
    commented = sorted(c.coordinate for row in ws.iter_rows() for c in row if c.comment)
    assert commented == ["D7", "D8"]
    assert "Trần Thị Bình" in ws["D7"].comment.text


def test_tally_sets_registrations_beside_results_counted_by_hand(tmp_path: Path) -> None:
    master, dk, hop = _setup(tmp_path)
    register_job(master, [str(dk)])
    merge_job(master, [str(hop)])

    result = CliRunner().invoke(main, ["tally", str(master), "--with-registrations", "--json"])

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    rows = {(r["code"], r["kind"]): r for r in data["rows"]}
    # By hand: registered LĐTT: Nguyễn Du 2 (An, Cường), Lê Lợi 2; CSTĐCS: Nguyễn Du 1.
    # Proposed LĐTT: Nguyễn Du 3, Lê Lợi 2, Hoa Sen 1; GK đột xuất: Nguyễn Du 1.
    assert rows[("LDTT", "thuong_xuyen")]["registered"] == 4
    assert rows[("LDTT", "thuong_xuyen")]["registered_by_unit"] == {"Trường THCS Nguyễn Du": 2, "Trường TH Lê Lợi": 2}
    assert rows[("LDTT", "thuong_xuyen")]["total"] == 6
    assert (rows[("CSTDCS", "thuong_xuyen")]["registered"], rows[("CSTDCS", "thuong_xuyen")]["total"]) == (1, 0)
    assert (rows[("GK", "dot_xuat")]["registered"], rows[("GK", "dot_xuat")]["total"]) == (0, 1)
    assert data["units"] == ["Trường THCS Nguyễn Du", "Trường TH Lê Lợi", "Trường Mầm non Hoa Sen"]

    ws = openpyxl.load_workbook(master)["TongHop"]
    # the printed columns: STT, category, 3 units x 2, the two totals (the chart's data lies beyond)
    cells = [[c.value for c in row][:10] for row in ws.iter_rows()]
    h = next(i for i, r in enumerate(cells) if r[0] == "STT")
    assert cells[h][2:4] == ["Trường THCS Nguyễn Du (đăng ký)", "Trường THCS Nguyễn Du (đề nghị)"]
    assert cells[h][-2:] == ["Tổng đăng ký", "Tổng đề nghị"]
    ldtt = next(r for r in cells[h + 1:] if r[1] and str(r[1]).startswith("Lao động tiên tiến"))
    assert ldtt[2:] == [2, 3, 2, 2, 0, 1, 4, 6]
    small = next(i for i, r in enumerate(cells) if r[0] == "ĐĂNG KÝ VÀ ĐỀ NGHỊ THEO ĐƠN VỊ")
    # its numbered rows (its header is written again when the rows run onto the signatures' page)
    assert [r[1:4] for r in cells[small + 1:] if isinstance(r[0], int)] == [
        ["Trường THCS Nguyễn Du", 3, 4], ["Trường TH Lê Lợi", 2, 2], ["Trường Mầm non Hoa Sen", 0, 1]]
    with zipfile.ZipFile(master) as z:  # the chart: registered beside proposed, per unit
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert charts and "Đăng ký" in z.read(charts[0]).decode("utf-8")


def test_tally_without_the_flag_keeps_its_json_shape(tmp_path: Path) -> None:
    master, dk, hop = _setup(tmp_path)
    register_job(master, [str(dk)])
    merge_job(master, [str(hop)])
    data = tally_job(master).to_json_dict()
    assert all("registered" not in r for r in data["rows"])


def test_register_cli_json_and_exit_code(tmp_path: Path) -> None:
    master, dk, _ = _setup(tmp_path)
    result = CliRunner().invoke(main, ["register", str(master), str(dk), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["sheet"] == "DangKy" and data["rows_total"] == 5 and data["written"] is True
    assert data["by_unit"] == {"Trường THCS Nguyễn Du": 3, "Trường Tiểu học Lê Lợi": 2}
