"""`tdkt validate` as a clerk or a batch job runs it: the real CLI in a subprocess.

The JSON shape, the exit codes and the way paths are shown are a contract (extend only by adding
fields), so they are checked strictly here, from the process's own output.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from conftest import SAMPLES, needs_samples, unit_list
PLANTED = SAMPLES / "MN Huong Duong - co loi.xlsx"

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Danh hiệu đề nghị"]
AN = [1, "Nguyễn Văn An", "12/03/1980", "Giáo viên", "Lao động tiên tiến"]
BINH = [2, "Trần Thị Bình", "05/09/1985", "Tổ trưởng", "Chiến sĩ thi đua cơ sở"]
CUONG = [3, "Lê Văn Cường", "20/11/1978", "Giáo viên", "Lao động tiên tiến"]
FIRST_DATA_ROW = 5  # Excel row: agency line, title, blank, header, then the rows


def write_list(path: Path, rows: list[list[Any]], *, unit: str = "TRƯỜNG THCS LÊ LỢI",
               header: list[str] = HEADER, sheet: str = "DS") -> Path:
    """A unit's nominee list: agency line, title, a blank row, the header, the nominee rows."""
    return unit_list(path, rows, unit=unit, header=header, sheet=sheet)


def write_instructions_only(path: Path) -> Path:
    """A workbook with no nominee table: only a sheet of instructions."""
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Huong dan")
    ws.write(0, 0, "HƯỚNG DẪN ĐIỀN DANH SÁCH")
    ws.write(1, 0, "1. Ghi đầy đủ họ tên, ngày sinh của từng cá nhân.")
    ws.write(2, 0, "2. Gửi tệp về Phòng GD&ĐT trước ngày 30/5.")
    book.close()
    return path


def tdkt(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the real command line, as `python -m addin.cli`, from `cwd`."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "addin.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)


def validate_json(*paths: str, cwd: Path) -> tuple[int, dict[str, Any]]:
    result = tdkt("validate", "--json", *paths, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)  # exactly one JSON object, nothing else on stdout
    assert_report_shape(report)
    return result.returncode, report


# ---------------------------------------------------------------------------------------------
# The contract's shape, checked strictly: every required key, with exactly its type.

FILE_KEYS = {"path": (str,), "unit": (str, type(None)), "sheet": (str, type(None)), "rows": (int,),
             "status": (str,)}
ISSUE_KEYS = {"code": (str,), "severity": (str,), "file": (str,), "sheet": (str, type(None)),
              "row": (int, type(None)), "column": (str, type(None)), "value": (str, type(None)),
              "message": (str,)}
STATUSES = {"ok", "invalid", "unreadable", "ignored"}
SEVERITIES = {"error", "warning", "info"}


def _check_keys(entry: dict[str, Any], keys: dict[str, tuple[type, ...]], what: str) -> None:
    assert isinstance(entry, dict), what
    missing = set(keys) - set(entry)
    assert not missing, f"{what} lacks {sorted(missing)}: {entry}"
    for key, types in keys.items():
        # type(), not isinstance: True is an int to isinstance, and must not pass for "rows"
        assert type(entry[key]) in types, f"{what}[{key!r}] is {type(entry[key]).__name__}: {entry}"


def assert_report_shape(report: dict[str, Any]) -> None:
    assert isinstance(report, dict)
    assert {"valid", "files", "issues"} <= set(report)
    assert type(report["valid"]) is bool
    assert type(report["files"]) is list and type(report["issues"]) is list
    for f in report["files"]:
        _check_keys(f, FILE_KEYS, "file")
        assert f["status"] in STATUSES
        assert f["rows"] >= 0
    shown = {f["path"] for f in report["files"]}
    for i in report["issues"]:
        _check_keys(i, ISSUE_KEYS, "issue")
        assert i["severity"] in SEVERITIES
        assert i["code"] and i["code"] == i["code"].lower() and " " not in i["code"], i["code"]  # kebab-case slug
        assert i["file"] in shown, "every issue names a file listed in files"
        assert i["row"] is None or i["row"] >= 1
        assert i["message"].strip()
    has_error = any(i["severity"] == "error" for i in report["issues"])
    assert report["valid"] is (not has_error)


def by_path(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["path"]: f for f in report["files"]}


def issues_of(report: dict[str, Any], path: str) -> list[dict[str, Any]]:
    return [i for i in report["issues"] if i["file"] == path]


# ---------------------------------------------------------------------------------------------
# JSON output and exit codes


@needs_samples
def test_planted_errors_json_shape_rows_and_exit_1(tmp_path: Path) -> None:
    shutil.copy(PLANTED, tmp_path / "co loi.xlsx")

    code, report = validate_json("co loi.xlsx", cwd=tmp_path)

    assert code == 1
    assert report["valid"] is False
    [f] = report["files"]
    assert f == {**f, "path": "co loi.xlsx", "unit": "Trường Mầm non Hướng Dương", "sheet": "Sheet1",
                 "status": "invalid"}
    assert f["rows"] == 19  # 20 nominee rows, row 17 repeats row 8 exactly: counted once
    found = {(i["row"], i["code"]) for i in report["issues"]}
    assert {(6, "missing-value"), (10, "invalid-date"), (13, "unknown-award"),
            (17, "duplicate-in-file"), (20, "award-target-mismatch")} <= found
    birth = next(i for i in report["issues"] if i["code"] == "invalid-date")
    assert (birth["column"], birth["value"], birth["sheet"]) == ("Ngày sinh", "29/02/1987", "Sheet1")


def test_valid_file_exits_0_with_no_issues(tmp_path: Path) -> None:
    write_list(tmp_path / "le loi.xlsx", [AN, BINH, CUONG])

    code, report = validate_json("le loi.xlsx", cwd=tmp_path)

    assert code == 0
    assert report == {**report, "valid": True, "issues": []}
    [f] = report["files"]
    assert (f["path"], f["unit"], f["sheet"], f["rows"], f["status"]) == (
        "le loi.xlsx", "Trường THCS Lê Lợi", "DS", 3, "ok")


def test_row_is_the_excel_row_and_column_the_header_as_written(tmp_path: Path) -> None:
    header = ["STT", "Họ và tên cá nhân", "Ngày sinh", "Chức vụ", "Danh hiệu đề nghị"]
    nameless = [2, None, "05/09/1985", "Giáo viên", "Lao động tiên tiến"]
    write_list(tmp_path / "a.xlsx", [AN, nameless, CUONG], header=header)

    code, report = validate_json("a.xlsx", cwd=tmp_path)

    assert code == 1
    [issue] = [i for i in report["issues"] if i["severity"] == "error"]
    assert (issue["code"], issue["row"], issue["column"], issue["sheet"]) == (
        "missing-value", FIRST_DATA_ROW + 1, "Họ và tên cá nhân", "DS")


def test_exact_duplicate_row_counts_once_and_only_warns(tmp_path: Path) -> None:
    again = [4, *AN[1:]]  # the same person again, only STT differs
    write_list(tmp_path / "a.xlsx", [AN, BINH, CUONG, again])

    code, report = validate_json("a.xlsx", cwd=tmp_path)

    assert code == 0  # a warning is not an error
    assert report["files"][0]["rows"] == 3
    assert [(i["code"], i["severity"], i["row"]) for i in report["issues"]] == [
        ("duplicate-in-file", "warning", FIRST_DATA_ROW + 3)]


@pytest.mark.parametrize("args", [
    pytest.param(["validate"], id="no-path"),
    pytest.param(["validate", "--json"], id="no-path-json"),
    pytest.param(["validate", "khong-co.xlsx"], id="nonexistent-path"),
    pytest.param(["validate", "--json", "a.xlsx", "khong-co"], id="one-path-nonexistent"),
    pytest.param(["validate", "--bogus", "a.xlsx"], id="unknown-option"),
    pytest.param(["validate-all", "a.xlsx"], id="unknown-command"),
])
def test_usage_errors_exit_2_and_print_no_report(tmp_path: Path, args: list[str]) -> None:
    write_list(tmp_path / "a.xlsx", [AN])

    result = tdkt(*args, cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""  # no half report for a batch job to misread
    assert "Cách dùng:" in result.stderr and "Usage" not in result.stderr


# ---------------------------------------------------------------------------------------------
# Paths: as given on the command line; folders searched recursively


def test_folder_given_relative_shows_folder_joined_with_relative_path(tmp_path: Path) -> None:
    write_list(tmp_path / "inbox" / "sub" / "x.xlsx", [AN])
    write_list(tmp_path / "inbox" / "sub" / "sau" / "y.xlsx", [BINH], unit="TRƯỜNG TIỂU HỌC KIM ĐỒNG")
    write_list(tmp_path / "inbox" / "a.xlsx", [CUONG], unit="TRƯỜNG MẦM NON HOA SEN")

    code, report = validate_json("inbox", cwd=tmp_path)

    assert code == 0
    assert [f["path"] for f in report["files"]] == [
        os.path.join("inbox", "a.xlsx"),
        os.path.join("inbox", "sub", "sau", "y.xlsx"),
        os.path.join("inbox", "sub", "x.xlsx"),
    ]
    assert by_path(report)[os.path.join("inbox", "sub", "x.xlsx")]["unit"] == "Trường THCS Lê Lợi"


def test_issue_file_is_the_shown_path(tmp_path: Path) -> None:
    write_list(tmp_path / "inbox" / "sub" / "x.xlsx", [AN, [2, None, "05/09/1985", "Giáo viên", "Giấy khen"]])

    _, report = validate_json("inbox/", cwd=tmp_path)

    shown = "inbox/sub/x.xlsx"
    assert [f["path"] for f in report["files"]] == [shown]
    assert report["issues"] and {i["file"] for i in report["issues"]} == {shown}


def test_file_given_as_dot_slash_stays_as_given(tmp_path: Path) -> None:
    write_list(tmp_path / "a.xlsx", [AN])
    write_list(tmp_path / "sub" / "b.xlsx", [BINH])

    code, report = validate_json("./a.xlsx", "sub/../sub/b.xlsx", cwd=tmp_path)

    assert code == 0
    assert [f["path"] for f in report["files"]] == ["./a.xlsx", "sub/../sub/b.xlsx"]


def test_absolute_folder_is_shown_absolute(tmp_path: Path) -> None:
    write_list(tmp_path / "inbox" / "x.xlsx", [AN])

    _, report = validate_json(str(tmp_path / "inbox"), cwd=tmp_path)

    assert [f["path"] for f in report["files"]] == [str(tmp_path / "inbox" / "x.xlsx")]


@needs_samples
def test_folder_search_reads_spreadsheets_and_skips_other_attachments(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write_list(inbox / "a.xlsx", [AN])
    (inbox / "2" / "3").mkdir(parents=True)
    shutil.copy(SAMPLES / "TH Quang Trung.xls", inbox / "2" / "TH Quang Trung.xls")
    write_list(inbox / "2" / "3" / "c.XLSX", [CUONG])
    (inbox / "to trinh.pdf").write_bytes(b"%PDF-1.4\n")  # a signed cover letter sent alongside
    (inbox / "2" / "ghi chu.txt").write_text("gửi kèm", encoding="utf-8")

    code, report = validate_json("inbox", cwd=tmp_path)

    assert code == 0
    assert [(f["path"], f["status"]) for f in report["files"]] == [
        (os.path.join("inbox", "2", "3", "c.XLSX"), "ok"),
        (os.path.join("inbox", "2", "TH Quang Trung.xls"), "ok"),
        (os.path.join("inbox", "a.xlsx"), "ok"),
    ]
    assert by_path(report)[os.path.join("inbox", "2", "TH Quang Trung.xls")]["rows"] == 24


def test_lock_files_are_ignored_silently(tmp_path: Path) -> None:
    write_list(tmp_path / "inbox" / "a.xlsx", [AN])
    lock = b"\x0bNguyen Van A" + b"\x00" * 40 + b" " * 100  # what Office leaves while a.xlsx is open
    (tmp_path / "inbox" / "~$a.xlsx").write_bytes(lock)
    (tmp_path / "~$b.xlsx").write_bytes(lock)
    (tmp_path / "inbox" / "~$to trinh.docx").write_bytes(lock)  # Word's lock file: not a spreadsheet at all
    (tmp_path / "inbox" / ".~lock.a.xlsx#").write_text("Nguyen Van A,may-1,26.05.2025 08:00,", encoding="utf-8")

    code, report = validate_json("inbox", "~$b.xlsx", cwd=tmp_path)

    assert code == 0 and report["valid"] is True
    files = by_path(report)
    libre_lock = os.path.join("inbox", ".~lock.a.xlsx#")  # LibreOffice's lock of a spreadsheet: listed, ignored
    assert sorted(files) == sorted([os.path.join("inbox", "a.xlsx"), os.path.join("inbox", "~$a.xlsx"), "~$b.xlsx", libre_lock])
    for shown in (os.path.join("inbox", "~$a.xlsx"), "~$b.xlsx", libre_lock):
        assert (files[shown]["status"], files[shown]["rows"], files[shown]["unit"]) == ("ignored", 0, None)
        assert issues_of(report, shown) == []
    assert files[os.path.join("inbox", "a.xlsx")]["status"] == "ok"
    assert report["issues"] == []


def test_bad_files_do_not_stop_the_good_ones(tmp_path: Path) -> None:
    write_list(tmp_path / "tot.xlsx", [AN, BINH])
    good = (tmp_path / "tot.xlsx").read_bytes()
    (tmp_path / "hong.xlsx").write_bytes(good[: len(good) // 2])
    (tmp_path / "cong van.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\n")
    write_instructions_only(tmp_path / "huong dan.xlsx")
    write_list(tmp_path / "tot 2.xlsx", [CUONG], unit="TRƯỜNG TIỂU HỌC KIM ĐỒNG")

    code, report = validate_json("hong.xlsx", "tot.xlsx", "cong van.pdf", "huong dan.xlsx", "tot 2.xlsx",
                                 cwd=tmp_path)

    assert code == 1
    assert [(f["path"], f["status"], f["rows"]) for f in report["files"]] == [
        ("hong.xlsx", "unreadable", 0),
        ("tot.xlsx", "ok", 2),
        ("cong van.pdf", "unreadable", 0),
        ("huong dan.xlsx", "unreadable", 0),
        ("tot 2.xlsx", "ok", 1),
    ]
    assert [(i["file"], i["code"], i["severity"]) for i in report["issues"]] == [
        ("hong.xlsx", "unreadable-file", "error"),
        ("cong van.pdf", "unreadable-file", "error"),
        ("huong dan.xlsx", "no-header", "error"),
    ]
    assert by_path(report)["tot 2.xlsx"]["unit"] == "Trường Tiểu học Kim Đồng"


# ---------------------------------------------------------------------------------------------
# Human output


@needs_samples
def test_human_output_is_a_vietnamese_summary_per_file(tmp_path: Path) -> None:
    inbox = tmp_path / "hop thu"
    write_list(inbox / "le loi.xlsx", [AN, BINH, CUONG])
    shutil.copy(PLANTED, inbox / "huong duong.xlsx")
    (inbox / "hong.xlsx").write_bytes(os.urandom(2000))
    (inbox / "~$le loi.xlsx").write_bytes(b"\x0bNguyen Van A")

    result = tdkt("validate", "hop thu", cwd=tmp_path)

    assert result.returncode == 1
    out = result.stdout
    for name in ("le loi.xlsx", "huong duong.xlsx", "hong.xlsx", "~$le loi.xlsx"):
        assert os.path.join("hop thu", name) in out
    assert "Trường THCS Lê Lợi" in out and "Trường Mầm non Hướng Dương" in out
    assert "3 dòng" in out and "19 dòng" in out
    assert "Lỗi (dòng 6" in out  # the missing name, at the Excel row the clerk sees
    assert "Cảnh báo (dòng 17" in out
    assert "bỏ qua" in out  # the lock file
    assert "Đã kiểm tra 3 tệp" in out  # the lock file is not counted as checked
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)


def test_human_output_exit_0_when_all_valid(tmp_path: Path) -> None:
    write_list(tmp_path / "a.xlsx", [AN, BINH])

    result = tdkt("validate", "a.xlsx", cwd=tmp_path)

    assert result.returncode == 0, result.stdout
    assert "Tất cả hợp lệ" in result.stdout and "2 dòng" in result.stdout


# ---------------------------------------------------------------------------------------------
# Help and the demo


def _entry_point() -> str:
    script = Path(sys.executable).with_name("tdkt.exe" if os.name == "nt" else "tdkt")
    if not script.exists():
        pytest.skip("the tdkt entry point is not installed (pip install -e .)")
    return str(script)


@pytest.mark.parametrize("args", [["--help"], ["validate", "--help"], ["demo", "--help"]])
def test_help_exits_0(tmp_path: Path, args: list[str]) -> None:
    result = subprocess.run([_entry_point(), *args], cwd=tmp_path, capture_output=True, text=True,
                            encoding="utf-8", timeout=60)

    assert result.returncode == 0, result.stderr
    assert "Cách dùng:" in result.stdout and "Usage" not in result.stdout
    if args[0] == "validate":
        assert "--json" in result.stdout and "thư mục" in result.stdout
    if args == ["--help"]:
        assert "validate" in result.stdout and "demo" in result.stdout


def test_demo_writes_an_inbox_and_checks_it(tmp_path: Path) -> None:
    pytest.importorskip("addin.demo")

    result = tdkt("demo", "--out", "thu", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    written = sorted(p for p in (tmp_path / "thu" / "hop-thu").rglob("*") if p.is_file())
    assert len(written) >= 3
    for path in written:
        assert path.name in result.stdout  # every unit's file (or email, or archive) was checked and reported
    assert (tmp_path / "thu" / "tong-hop.xlsx").is_file()
    assert "Đơn vị:" in result.stdout and "dòng" in result.stdout
    assert re.search(r"^Đã kiểm tra \d+ tệp, \d+ dòng\.", result.stdout, re.M)
