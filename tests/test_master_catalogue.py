"""An award the clerk adds to the master's DanhMuc is known to every command and button alike."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from addin import catalogue as catalogue_mod
from addin import schema
from addin.build import MASTER_NAME
from addin.cli import main
from addin.jobs import import_history_job, merge_job, register_job
from addin.workbook.master import SheetData, write_sheets
from addin.workbook.masterbook import read_master

COMMITTED = Path(__file__).resolve().parents[1] / "workbooks"
AWARD = "Giải thưởng Tuổi trẻ sáng tạo"
CODE = "GT_TTST"


def add_award(master: Path) -> None:
    """The clerk's DanhMuc: the defaults as the master holds them, and one row typed under them."""
    rows = catalogue_mod.default_sheet_rows()
    width = len(catalogue_mod.SHEET_COLUMNS)
    new = [CODE, AWARD, "I", 15, "TX", "Giải thưởng TTST"][:width]
    rows.append(new + [""] * (width - len(new)))
    write_sheets(master, [SheetData(schema.CATALOGUE, [c[1] for c in catalogue_mod.SHEET_COLUMNS], rows)],
                 keep_backups=0)


@pytest.fixture
def unit_list(workbook) -> Path:
    return workbook(header=[["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Chức vụ", "Danh hiệu đề nghị"]],
                    rows=[[1, "Lê Thị Hoa", "12/03/1990", "Nữ", "Giáo viên", AWARD],
                          [2, "Trần Văn Nam", "05/09/1985", "Nam", "Giáo viên", "Lao động tiên tiến"]],
                    title=[["Đơn vị: Trường Tiểu học Kim Đồng"]], filename="kim-dong.xlsx")


def _codes(rows: list[schema.MasterRow]) -> list[str]:
    return sorted(str(r.ma) for r in rows)


def test_merge_knows_the_added_award(tmp_path: Path, unit_list: Path, workbook) -> None:
    master = tmp_path / "so.xlsx"
    first = merge_job(master, [str(unit_list)])
    assert "unknown-award" in {i.code for i in first.issues()}  # a master without the row does not know it
    add_award(master)
    corrected = workbook(header=[["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Chức vụ", "Danh hiệu đề nghị"]],
                         rows=[[1, "Lê Thị Hoa", "12/03/1990", "Nữ", "Giáo viên", AWARD],
                               [2, "Trần Văn Nam", "05/09/1985", "Nam", "Giáo viên", "Lao động tiên tiến"],
                               [3, "Đỗ Thị Lan", "01/02/1992", "Nữ", "Giáo viên", "Lao động tiên tiến"]],
                         title=[["Đơn vị: Trường Tiểu học Kim Đồng"]], filename="kim-dong-gui-lai.xlsx")
    os.utime(corrected, (unit_list.stat().st_mtime + 60,) * 2)
    resent = merge_job(master, [str(corrected)])
    assert resent.error is None and [f.action for f in resent.files] == ["replaced"]
    assert "unknown-award" not in {i.code for i in resent.issues()}
    assert _codes(read_master(master).rows) == [CODE, "LDTT", "LDTT"]


def test_register_knows_the_added_award(tmp_path: Path, unit_list: Path) -> None:
    master = tmp_path / "so.xlsx"
    assert merge_job(master, [str(unit_list)]).error is None
    add_award(master)
    report = register_job(master, [str(unit_list)])
    assert report.error is None
    assert "unknown-award" not in {i.code for i in report.issues()}
    assert _codes(read_master(master, schema.REGISTRATIONS).rows) == [CODE, "LDTT"]


def test_validate_with_history_knows_the_added_award(tmp_path: Path, unit_list: Path) -> None:
    master = tmp_path / "so.xlsx"
    assert import_history_job(master, []).error is None  # a master with its (empty) register LichSu
    add_award(master)
    result = CliRunner().invoke(main, ["validate", "--json", "--history", str(master), str(unit_list)])
    data = json.loads(result.output)
    codes = {i["code"] for i in data["issues"]}
    assert "unknown-award" not in codes, data["issues"]
    assert "legal-basis" in codes  # it really was checked against the register
    plain = json.loads(CliRunner().invoke(main, ["validate", "--json", str(unit_list)]).output)
    assert "unknown-award" in {i["code"] for i in plain["issues"]}  # without the master, the defaults only


def test_the_buttons_know_the_added_award(tmp_path: Path, unit_list: Path) -> None:
    xw = pytest.importorskip("xlwings")
    from test_excel import actions, open_book, written  # the remote-engine helpers

    from addin.excel import buttons

    master = tmp_path / MASTER_NAME
    shutil.copy(COMMITTED / MASTER_NAME, master)
    add_award(master)
    inbox = tmp_path / "hop-thu"
    inbox.mkdir()
    shutil.copy(unit_list, inbox / unit_list.name)
    book = open_book(master)
    buttons.check_submissions(book)
    check = written(book, schema.CHECK)
    assert not [r for r in check if "unknown-award" in str(r) or "không có trong danh mục" in str(r)]
    book = open_book(master)
    buttons.merge_submissions(book)
    listing = written(book, schema.LIST)
    header = listing[schema.LIST_HEADER_ROW - 1]
    rows = [schema.MasterRow(r) for r in listing[schema.LIST_HEADER_ROW:] if isinstance(r[0], (int, float))]
    assert header[schema.LIST_INDEX["ma"]] == "Mã khen thưởng"
    assert sorted(r.ma for r in rows) == [CODE, "LDTT"]
    assert xw is not None and actions(book, "alert")
