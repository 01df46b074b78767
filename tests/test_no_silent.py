"""No silent wrong answers (issue 13, point 5): what used to succeed quietly with a wrong result is
now an explicit Vietnamese message with its exit code, and the master is left byte for byte where
nothing should be written. Everything runs through the `tdkt` command (click's CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result

from conftest import unit_list

from addin.cli import main
from addin.text import parse_school_year

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Danh hiệu đề nghị", "Xếp loại"]
LE_LOI = "TRƯỜNG THCS LÊ LỢI"
HOA_SEN = "TRƯỜNG MẦM NON HOA SEN"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="tdkt")


def people(prefix: str, n: int, award: str = "Chiến sĩ thi đua cơ sở") -> list[list]:
    return [[i, f"{prefix} Văn {chr(65 + i)}", f"0{1 + i % 9}/03/198{i % 10}", "Giáo viên", award, "HTXSNV"]
            for i in range(1, n + 1)]


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """Two units' lists: Lê Lợi's for 2024-2025 (6 rows), Hoa Sen's for 2023-2024 written "2023 - 2024" (4 rows)."""
    folder = tmp_path / "hop-thu"
    unit_list(folder / "le-loi.xlsx", people("Nguyễn", 6), unit=LE_LOI, header=HEADER)
    unit_list(folder / "hoa-sen.xlsx", people("Trần", 4), unit=HOA_SEN, header=HEADER,
              title="DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2023 - 2024")
    return folder


@pytest.fixture
def master(tmp_path: Path, inbox: Path) -> Path:
    path = tmp_path / "tong-hop.xlsx"
    result = run("merge", str(path), str(inbox))
    assert result.exit_code == 0, result.output
    return path


def as_json(result: Result) -> dict:
    return json.loads(result.stdout)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder and its bytes: equal before and after means nothing was written.

    The writers' lock (in the hidden `.tdkt-tam` beside a master) is taken before a job reads
    anything, so it is left out.
    """
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".tdkt-tam" not in p.parts}


# ---------------------------------------------------------------------------------------------
# --year: one way of writing a school year, checked against the master's years


@pytest.mark.parametrize("typed, year", [
    ("2024-2025", "2024-2025"), ("2024 - 2025", "2024-2025"), ("2024/2025", "2024-2025"), ("2024–2025", "2024-2025"),
    ("2024-25", "2024-2025"), ("1999-00", "1999-2000"), (" 2024-2025 ", "2024-2025"),
    ("2025", None), ("24-25", None), ("2024-2026", None), ("2024-26", None), ("abc", None), ("", None),
    ("năm 2024-2025 và 2025-2026", None),
])
def test_the_one_parser_of_a_typed_school_year(typed: str, year: str | None):
    assert parse_school_year(typed) == year


@pytest.mark.parametrize("written", ["2024-2025", "2024 - 2025", "2024/2025", "2024–2025", "2024-25"])
def test_every_form_of_a_school_year_is_the_same_year(master: Path, written: str):
    result = run("tally", str(master), "--year", written, "--json")
    assert result.exit_code == 0, result.output
    data = as_json(result)
    assert data["years"] == ["2024-2025"]
    assert (data["grand_total"], data["counted_rows"]) == (6, 6)


def test_a_year_written_with_spaces_in_the_master_is_counted(master: Path):
    # Hoa Sen's title says "2023 - 2024": its rows are that school year however the cell spells it.
    data = as_json(run("tally", str(master), "--year", "2023-2024", "--json"))
    assert (data["years"], data["grand_total"]) == (["2023-2024"], 4)


@pytest.mark.parametrize("given, said", [
    ("2024", "--year 2024: một năm đơn lẻ không rõ là năm học 2023-2024 hay 2024-2025; hãy ghi cả năm học, "
             "ví dụ --year 2023-2024."),
    ("2025", "--year 2025: một năm đơn lẻ không rõ là năm học 2024-2025 hay 2025-2026; hãy ghi cả năm học, "
             "ví dụ --year 2024-2025."),
    ("abc", "--year \"abc\" không phải năm học: hãy ghi như 2024-2025 (cũng được: 2024 - 2025, 2024/2025, 2024-25)."),
    ("24-25", "--year \"24-25\" không phải năm học: hãy ghi như 2024-2025 (cũng được: 2024 - 2025, 2024/2025, "
              "2024-25)."),
    ("2022-2023", "Sổ \"tong-hop.xlsx\" không có dòng nào của năm học 2022-2023."),
])
def test_tally_refuses_a_year_the_master_does_not_hold_and_lists_its_years(master: Path, given: str, said: str):
    before = tree(master.parent)
    result = run("tally", str(master), "--year", given, "--json")
    assert result.exit_code == 1
    data = as_json(result)
    assert data["written"] is False
    assert data["error"] == said + " Sổ \"tong-hop.xlsx\" có các năm học: 2023-2024, 2024-2025."
    assert tree(master.parent) == before  # the good TongHop is not overwritten by an empty one


def test_tally_without_json_says_why_on_stderr(master: Path):
    before = master.read_bytes()
    result = run("tally", str(master), "--year", "2025")
    assert result.exit_code == 1
    assert result.stderr.startswith("Lỗi: --year 2025: một năm đơn lẻ")
    assert "có các năm học: 2023-2024, 2024-2025." in result.stderr
    assert master.read_bytes() == before


def test_record_refuses_a_lone_year_instead_of_recording_every_year(master: Path):
    before = tree(master.parent)
    result = run("record", str(master), "--year", "2025", "--json")
    assert result.exit_code == 1
    data = as_json(result)
    assert (data["written"], data["added"]) == (False, 0)
    assert data["error"].startswith("--year 2025: một năm đơn lẻ không rõ là năm học 2024-2025 hay 2025-2026")
    assert tree(master.parent) == before


def test_record_reads_the_year_as_tally_does(master: Path):
    data = as_json(run("record", str(master), "--year", "2024 - 2025", "--json"))
    assert (data["written"], data["added"], data["skipped_other_year"]) == (True, 6, 4)


def test_import_history_refuses_a_lone_year(tmp_path: Path, inbox: Path):
    register = tmp_path / "lich-su.xlsx"
    result = run("import-history", str(register), str(inbox), "--year", "2025", "--json")
    assert result.exit_code == 1
    assert as_json(result)["error"].startswith("--year 2025: một năm đơn lẻ không rõ là năm học")
    assert not register.exists()


# ---------------------------------------------------------------------------------------------
# Nothing to read is an error


@pytest.mark.parametrize("lock_file", [False, True])
def test_validate_of_a_folder_without_spreadsheets_is_an_error(tmp_path: Path, lock_file: bool):
    folder = tmp_path / "hop-thu"
    folder.mkdir()
    (folder / "cong-van.pdf").write_bytes(b"%PDF-1.4")
    if lock_file:
        (folder / "~$danh-sach.xlsx").write_bytes(b"x")
    result = run("validate", str(folder))
    assert result.exit_code == 1
    assert "Tất cả hợp lệ" not in result.stdout
    assert f"✘ Không tìm thấy bảng tính nào trong \"{folder}\"" in result.stdout
    data = as_json(run("validate", str(folder), "--json"))
    assert data["valid"] is False
    assert [(i["code"], i["severity"], i["file"]) for i in data["issues"]] == [("no-spreadsheet", "error", str(folder))]


def test_merge_of_a_folder_without_spreadsheets_writes_nothing(tmp_path: Path, master: Path):
    empty = tmp_path / "trong"
    empty.mkdir()
    before = tree(master.parent)
    result = run("merge", str(master), str(empty), "--json")
    assert result.exit_code == 1
    data = as_json(result)
    assert data["written"] is False
    assert data["error"].startswith(f"Không tìm thấy bảng tính nào trong \"{empty}\"")
    assert tree(master.parent) == before
    new = tmp_path / "moi.xlsx"
    assert run("merge", str(new), str(empty)).exit_code == 1
    assert not new.exists()


# ---------------------------------------------------------------------------------------------
# A unit's list given as MASTER, a master that is not .xlsx


def test_arguments_swapped_are_refused(master: Path, inbox: Path):
    unit_file = inbox / "le-loi.xlsx"
    before = tree(master.parent)
    result = run("merge", str(unit_file), str(master))
    assert result.exit_code == 1
    assert "Tệp \"le-loi.xlsx\" là danh sách đề nghị của một đơn vị, không phải sổ tổng hợp" in result.stdout
    assert "tdkt merge SỔ-TỔNG-HỢP TỆP..." in result.stdout
    assert tree(master.parent) == before  # no tdkt sheet added to the unit's list
    assert openpyxl.load_workbook(unit_file).sheetnames == ["DS"]
    tallied = run("tally", str(unit_file), "--json")
    assert tallied.exit_code == 1 and "có lẽ hai đối số bị đảo chỗ" in as_json(tallied)["error"]
    assert tree(master.parent) == before


def test_an_empty_workbook_still_becomes_a_master(tmp_path: Path, inbox: Path):
    blank = tmp_path / "so-moi.xlsx"
    openpyxl.Workbook().save(blank)
    result = run("merge", str(blank), str(inbox), "--json")
    assert result.exit_code == 0, result.output
    assert as_json(result)["rows_total"] == 10


def test_an_xls_master_is_asked_to_be_saved_as_xlsx(tmp_path: Path, master: Path, monkeypatch: pytest.MonkeyPatch):
    from addin.workbook import export

    monkeypatch.setattr(export, "find_soffice", lambda: "soffice")  # never reached: the master is refused first
    old = tmp_path / "tong-hop-cu.xls"
    old.write_bytes(master.read_bytes())
    before = tree(tmp_path)
    result = run("tally", str(old), "--json")
    assert result.exit_code == 1
    error = as_json(result)["error"]
    assert error.startswith("Sổ tổng hợp \"tong-hop-cu.xls\" là tệp Excel 97-2003 (.xls): tdkt chỉ ghi được")
    assert "Lưu thành (Save As) kiểu \"Excel Workbook (*.xlsx)\"" in error and "tong-hop-cu.xlsx" in error
    assert "sao lưu" not in error and "sao-luu" not in error
    exported = run("export", str(old), "--sheet", "TongHop", "--pdf", str(tmp_path / "x.pdf"))
    assert exported.exit_code == 1
    assert exported.stderr.startswith("Lỗi: Sổ tổng hợp \"tong-hop-cu.xls\" là tệp Excel 97-2003 (.xls)")
    assert "sao-luu" not in exported.stderr
    refused = run("merge", str(old), str(tmp_path / "hop-thu"))
    assert refused.exit_code == 2
    assert "sổ tổng hợp phải là tệp .xlsx hoặc .xlsm: hãy mở sổ bằng Excel và lưu thành .xlsx" in refused.stderr
    assert tree(tmp_path) == before


# ---------------------------------------------------------------------------------------------
# A merge that brings nothing new


def test_a_merge_that_changes_nothing_leaves_the_master_and_its_backups_alone(master: Path, inbox: Path):
    first = as_json(run("merge", str(master), str(inbox), "--json"))  # one real rewrite: a backup exists
    assert (first["written"], first["changed"]) == (True, False)
    before = tree(master.parent)
    result = run("merge", str(master), str(inbox), "--json")
    assert result.exit_code == 0
    data = as_json(result)
    assert (data["written"], data["changed"], data["backup"], data["error"]) == (True, False, None, None)
    assert {f["action"] for f in data["files"]} == {"unchanged"}
    assert data["rows_total"] == 10
    assert tree(master.parent) == before
    shown = run("merge", str(master), str(inbox))
    assert "Không có gì mới: sổ tổng hợp giữ nguyên như trước" in shown.stdout
    assert tree(master.parent) == before


def test_a_merge_with_a_new_list_still_writes_and_backs_up(master: Path, inbox: Path):
    unit_list(inbox / "hoa-hong.xlsx", people("Lê", 2), unit="TRƯỜNG TIỂU HỌC HOA HỒNG", header=HEADER)
    data = as_json(run("merge", str(master), str(inbox), "--json"))
    assert (data["written"], data["changed"], data["rows_total"]) == (True, True, 12)
    assert data["backup"] is not None and Path(data["backup"]).is_file()


# ---------------------------------------------------------------------------------------------
# Delegates: guest seats are never handed over


def test_guest_seats_without_guests_stay_reserved(master: Path):
    # 10 seats × 30% = 3 guest seats; KhachMoi is empty; 10 exemplary candidates could fill all 10.
    result = run("delegates", str(master), "--seats", "10", "--guest-share", "30%", "--json")
    assert result.exit_code == 0, result.output
    data = as_json(result)
    assert (data["seats"], data["guests"], data["exemplary"]) == (10, 0, 7)
    assert sum(data["by_unit"].values()) == 7
    assert ("Chỉ có 0 khách mời cho 3 chỗ dành cho khách mời; 3 chỗ khách mời còn trống, vẫn để dành cho khách "
            "mời (không chuyển cho đại biểu điển hình tiên tiến): hãy bổ sung trang KhachMoi, hoặc giảm tỷ lệ "
            "khách mời nếu muốn.") in data["shortfalls"]
