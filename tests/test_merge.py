"""`tdkt merge`: unit submissions into the clerk's master workbook, read back cell by cell.

Every test builds the lists units send (or takes the shared samples), runs the real command
(in-process through click, or as a subprocess where the process itself is the contract), and
reads the master back with python-calamine or openpyxl. Sending times are set with os.utime,
because "newer" is decided by when a file was sent.
"""

from __future__ import annotations

import email.utils
import hashlib
import html
import json
import os
import re
import subprocess
import sys
import unicodedata
import zipfile
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import python_calamine as pc
import xlsxwriter

from conftest import unit_list
from click.testing import CliRunner

from addin.cli import main

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Danh hiệu đề nghị"]
FIRST_DATA_ROW = 5  # Excel row: agency line, title, blank row, header, then the nominees

LE_LOI = "TRƯỜNG THCS LÊ LỢI"
QUANG_TRUNG = "TRƯỜNG TIỂU HỌC QUANG TRUNG"
NGUYEN_DU = "TRƯỜNG THCS NGUYỄN DU"
MAY_10 = datetime(2025, 5, 10, 8, 0).astimezone()


def person(name: str, born: Any = "12/03/1980", award: str = "Lao động tiên tiến",
           role: str = "Giáo viên") -> list[Any]:
    return [name, born, role, award]


AN = person("Nguyễn Văn An", "12/03/1980")
BINH = person("Trần Thị Bình", "05/09/1985", "Chiến sĩ thi đua cơ sở", "Tổ trưởng")
CUONG = person("Lê Văn Cường", "20/11/1978")
DUNG = person("Phạm Thị Dung", "02/02/1982")
EM = person("Hoàng Văn Em", "14/07/1990")


def submission(path: Path, unit: str | None, people: list[list[Any]], *, sent: datetime = MAY_10,
               sheet: str = "DS") -> Path:
    """A unit's list as units send it: agency line, title, a blank row, header, one row per person.

    Every text is written as text (never as a formula), and the file's modification time, which
    is when a plain file counts as sent, is set to `sent`.
    """
    unit_list(path, [[i, *values] for i, values in enumerate(people, start=1)], unit=unit, header=HEADER,
              sheet=sheet)
    return sent_at(path, sent)


def sent_at(path: Path, moment: datetime) -> Path:
    os.utime(path, (moment.timestamp(), moment.timestamp()))
    return path


def merge(master: Path, *sources: Path | str, options: tuple[str, ...] = ()) -> tuple[int, dict[str, Any]]:
    """`tdkt merge --json MASTER SOURCE...`, in process; the exit code and the JSON report."""
    result = CliRunner().invoke(main, ["merge", "--json", *options, str(master), *map(str, sources)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, json.loads(result.stdout)


def tdkt(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command line in a subprocess, from `cwd`."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "addin.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=180)


# ---------------------------------------------------------------------------------------------
# Reading the master back

FIRST_HEADERS = {"DanhSach": "STT", "Loi": "Mã lỗi", "NhatKy": "Thời điểm", "BiDanh": "Tên đơn vị như ghi trong tệp"}


def cells(master: Path, sheet: str) -> list[list[Any]]:
    book = pc.CalamineWorkbook.from_path(str(master))
    try:
        return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    finally:
        book.close()


def _blank(row: list[Any]) -> bool:
    return all(v in ("", None) for v in row)


def table(master: Path, sheet: str) -> list[dict[str, Any]]:
    """A sheet of the master as one dict per row, keyed by header text, down to the first blank row
    (below it, DanhSach has the signatures of the printed list)."""
    rows = cells(master, sheet)
    h = next(i for i, r in enumerate(rows) if r and r[0] == FIRST_HEADERS[sheet])
    header = rows[h]
    data = []
    for r in rows[h + 1:]:
        if _blank(r):
            break
        data.append(dict(zip(header, r)))
    return data


def header_row(master: Path) -> int:
    """The Excel row of DanhSach's header (the official title block sits above it)."""
    return next(i for i, r in enumerate(cells(master, "DanhSach"), start=1) if r and r[0] == "STT")


def title_block(master: Path) -> str:
    """The text above DanhSach's header, upper-cased: who sends the list, its title."""
    rows = cells(master, "DanhSach")[: header_row(master) - 1]
    return " | ".join(str(v) for r in rows for v in r if v not in ("", None)).upper()


def listing(master: Path) -> list[dict[str, Any]]:
    return table(master, "DanhSach")


def names(master: Path) -> list[str]:
    return [r["Họ và tên"] for r in listing(master)]


def by(rows: list[dict[str, Any]], column: str, value: Any) -> list[dict[str, Any]]:
    return [r for r in rows if r[column] == value]


def log_actions(master: Path) -> list[tuple[str, str]]:
    """NhatKy as (file name, action) pairs, oldest first."""
    return [(Path(str(r["Tệp"]).split(" » ")[-1]).name, r["Thao tác"]) for r in table(master, "NhatKy")]


def sheet_xml(master: Path, sheet: str) -> str:
    """The XML of one worksheet of the master, found through workbook.xml and its relations."""
    with zipfile.ZipFile(master) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet\b[^>]*name="{sheet}"[^>]*r:id="(rId\d+)"', wb).group(1)
        target = re.search(rf'<Relationship\b[^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels)
        if target is None:  # attributes in the other order
            target = re.search(rf'<Relationship\b[^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
        part = target.group(1).lstrip("/")
        return z.read(part if part.startswith("xl/") else "xl/" + part).decode()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "hop-thu"
    folder.mkdir()
    return folder


@pytest.fixture
def master(tmp_path: Path) -> Path:
    folder = tmp_path / "so"
    folder.mkdir()
    return folder / "tong-hop.xlsx"


# ---------------------------------------------------------------------------------------------
# 1. Sources: files, folders, .eml, .zip, lock files; the master created when missing


def test_new_master_gets_every_unit_with_provenance(inbox: Path, master: Path) -> None:
    a = submission(inbox / "le-loi.xlsx", LE_LOI, [AN, BINH], sent=MAY_10)
    b = submission(inbox / "quang-trung.xlsx", QUANG_TRUNG, [CUONG], sent=MAY_10 + timedelta(hours=1))
    assert not master.exists()

    code, report = merge(master, a, b, options=("--unit", "Phòng GD&ĐT huyện Long Phú"))

    assert code == 0
    assert master.exists()
    assert pc.CalamineWorkbook.from_path(str(master)).sheet_names[:5] == ["DanhSach", "DanhSachTrinhKy", "Loi", "NhatKy",
                                                                         "BiDanh"]
    assert "PHÒNG GD&ĐT HUYỆN LONG PHÚ" in title_block(master)
    assert "DANH SÁCH TỔNG HỢP ĐỀ NGHỊ KHEN THƯỞNG" in title_block(master)
    rows = listing(master)
    assert [(r["STT"], r["Đơn vị đề nghị"], r["Họ và tên"], r["Tình trạng"]) for r in rows] == [
        (1, "Trường THCS Lê Lợi", "Nguyễn Văn An", "OK"),
        (2, "Trường THCS Lê Lợi", "Trần Thị Bình", "OK"),
        (3, "Trường Tiểu học Quang Trung", "Lê Văn Cường", "OK"),
    ]
    an = rows[0]
    assert an["Ngày sinh"] in (date(1980, 3, 12), datetime(1980, 3, 12))
    assert an["Năm sinh"] == 1980
    assert an["Mã khen thưởng"] == "LDTT"
    assert an["Đơn vị gửi"] == "Trường THCS Lê Lợi"
    assert an["Tệp nguồn"] == str(a)
    assert an["Trang"] == "DS"
    assert an["Dòng"] == FIRST_DATA_ROW
    assert rows[1]["Dòng"] == FIRST_DATA_ROW + 1
    assert an["SHA-256"] == sha256(a)
    assert rows[2]["SHA-256"] == sha256(b)
    assert abs(an["Ngày gửi"] - MAY_10.replace(tzinfo=None)) < timedelta(seconds=1)
    assert abs(an["Thời điểm gộp"] - datetime.now()) < timedelta(minutes=5)
    assert [(f["unit"], f["rows"], f["action"], f["reason"]) for f in report["files"]] == [
        ("Trường THCS Lê Lợi", 2, "added", None),
        ("Trường Tiểu học Quang Trung", 1, "added", None),
    ]
    assert report["written"] is True and report["backup"] is None


def test_new_master_is_readable_by_everyone_who_could_read_the_folder(inbox: Path, master: Path) -> None:
    if sys.platform == "win32":
        pytest.skip("POSIX permission bits")
    a = submission(inbox / "le-loi.xlsx", LE_LOI, [AN])
    merge(master, a)
    umask = os.umask(0)
    os.umask(umask)
    assert master.stat().st_mode & 0o777 == 0o666 & ~umask
    master.chmod(0o640)  # the clerk's own choice survives a merge
    merge(master, submission(inbox / "le-loi-2.xlsx", LE_LOI, [AN, BINH], sent=MAY_10 + timedelta(days=1)))
    assert master.stat().st_mode & 0o777 == 0o640


def test_folders_emails_zips_and_lock_files(tmp_path: Path, inbox: Path, master: Path) -> None:
    # A plain file two folders down, and Excel's lock file beside it
    deep = submission(inbox / "2025" / "thang-5" / "le-loi.xlsx", LE_LOI, [AN])
    (deep.parent / "~$le-loi.xlsx").write_bytes(b"\x00" * 165)
    # An email with the list attached: sent when its Date header says
    attached = submission(tmp_path / "tmp" / "DS Quang Trung.xlsx", QUANG_TRUNG, [CUONG])
    message = EmailMessage()
    message["From"] = "Trường TH Quang Trung <thquangtrung@example.edu.vn>"
    message["To"] = "pgd@example.edu.vn"
    message["Subject"] = "Danh sách đề nghị khen thưởng"
    emailed = datetime(2025, 5, 14, 8, 30).astimezone()
    message["Date"] = email.utils.format_datetime(emailed)
    message.set_content("Kính gửi Phòng GD&ĐT, đơn vị gửi danh sách.")
    message.add_attachment(attached.read_bytes(), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           filename="DS Quang Trung.xlsx")
    (inbox / "thu.eml").write_bytes(bytes(message))
    # A zip with the list in a subfolder
    zipped = submission(tmp_path / "tmp" / "ds.xlsx", NGUYEN_DU, [DUNG, EM])
    with zipfile.ZipFile(inbox / "nguyen-du.zip", "w") as z:
        z.write(zipped, "ho-so/khen-thuong/ds.xlsx")

    code, report = merge(master, inbox)

    assert code == 0
    rows = listing(master)
    assert {r["Họ và tên"]: r["Đơn vị đề nghị"] for r in rows} == {
        "Nguyễn Văn An": "Trường THCS Lê Lợi",
        "Lê Văn Cường": "Trường Tiểu học Quang Trung",
        "Phạm Thị Dung": "Trường THCS Nguyễn Du",
        "Hoàng Văn Em": "Trường THCS Nguyễn Du",
    }
    sources = {r["Họ và tên"]: r["Tệp nguồn"] for r in rows}
    assert sources["Lê Văn Cường"] == os.path.join(str(inbox), "thu.eml") + " » DS Quang Trung.xlsx"
    assert sources["Phạm Thị Dung"] == os.path.join(str(inbox), "nguyen-du.zip") + " » ho-so/khen-thuong/ds.xlsx"
    assert by(rows, "Họ và tên", "Lê Văn Cường")[0]["SHA-256"] == sha256(attached)
    assert abs(by(rows, "Họ và tên", "Lê Văn Cường")[0]["Ngày gửi"] - emailed.replace(tzinfo=None)) < timedelta(seconds=1)
    actions = {Path(f["path"].split(" » ")[-1]).name: (f["action"], f["unit"]) for f in report["files"]}
    assert actions == {
        "le-loi.xlsx": ("added", "Trường THCS Lê Lợi"),
        "~$le-loi.xlsx": ("ignored", None),
        "DS Quang Trung.xlsx": ("added", "Trường Tiểu học Quang Trung"),
        "ds.xlsx": ("added", "Trường THCS Nguyễn Du"),
    }
    log = table(master, "NhatKy")
    assert [(r["Thao tác"], r["Người gửi"]) for r in log if r["Đơn vị"] == "Trường Tiểu học Quang Trung"] == [
        ("Thêm mới", "thquangtrung@example.edu.vn")
    ]
    assert [r["Thao tác"] for r in log if str(r["Tệp"]).endswith("~$le-loi.xlsx")] == ["Bỏ qua"]


def test_master_kept_in_the_inbox_is_not_merged_into_itself(inbox: Path) -> None:
    inside = inbox / "tong-hop.xlsx"
    submission(inbox / "le-loi.xlsx", LE_LOI, [AN, BINH])
    submission(inbox / "quang-trung.xlsx", QUANG_TRUNG, [CUONG])
    merge(inside, inbox)
    submission(inbox / "nguyen-du.xlsx", NGUYEN_DU, [DUNG])
    merge(inside, inbox)  # a new list: the master is rewritten, its backup lands inside the inbox
    first = cells(inside, "DanhSach")

    for _ in range(2):  # the runs find the master and its backup, and merge neither
        code, report = merge(inside, inbox)
        assert code == 0
        assert cells(inside, "DanhSach") == first
    assert (report["rows_total"], report["changed"]) == (4, False)
    own = {Path(f["path"]).parent.name + "/" + Path(f["path"]).name: (f["action"], f["reason"])
           for f in report["files"] if f["action"] == "ignored"}
    assert own.pop("hop-thu/tong-hop.xlsx")[1] == "đây là chính sổ tổng hợp đang được gộp"
    assert [(folder, reason) for folder, (_, reason) in ((k.split("/")[0], v) for k, v in own.items())] == [
        ("tong-hop.sao-luu", "bản sao lưu của sổ tổng hợp")
    ]


def test_an_emailed_list_is_newer_than_the_file_saved_before_it_was_sent(tmp_path: Path, inbox: Path,
                                                                            master: Path) -> None:
    saved = submission(inbox / "le-loi.xlsx", LE_LOI, [AN], sent=MAY_10)
    corrected = submission(tmp_path / "tmp" / "le-loi-sua.xlsx", LE_LOI, [AN, BINH], sent=MAY_10 - timedelta(days=30))
    message = EmailMessage()
    message["From"] = "thcsleloi@example.edu.vn"
    message["Subject"] = "Gửi lại danh sách"
    message["Date"] = email.utils.format_datetime(MAY_10 + timedelta(days=2))
    message.add_attachment(corrected.read_bytes(), maintype="application", subtype="octet-stream",
                           filename="le-loi-sua.xlsx")
    mail = inbox / "z-gui-lai.eml"
    mail.write_bytes(bytes(message))
    sent_at(mail, MAY_10 - timedelta(days=60))  # the email file's own time does not count

    code, report = merge(master, mail, saved)  # given newest first: applied oldest first

    assert code == 0
    assert names(master) == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert [(Path(f["path"].split(" » ")[-1]).name, f["action"]) for f in report["files"]] == [
        ("le-loi.xlsx", "added"), ("le-loi-sua.xlsx", "replaced")
    ]


def test_xlsm_master_is_created_macro_enabled(inbox: Path, tmp_path: Path) -> None:
    target = tmp_path / "tong-hop.xlsm"
    code, _ = merge(target, submission(inbox / "a.xlsx", LE_LOI, [AN]))
    assert code == 0
    with zipfile.ZipFile(target) as z:
        types = z.read("[Content_Types].xml").decode()
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
    assert names(target) == ["Nguyễn Văn An"]


# ---------------------------------------------------------------------------------------------
# 2. What the master looks like


def test_sheets_have_frozen_headers_autofilters_widths_and_print_setup(inbox: Path, master: Path) -> None:
    a = submission(inbox / "a.xlsx", LE_LOI, [AN, person("Ngô Thị Giang", "01/01/1970", "Huân chương Mặt Trăng")])
    b = submission(inbox / "b.xlsx", QUANG_TRUNG, [CUONG], sent=MAY_10 + timedelta(hours=1))
    merge(master, a, b)

    book = openpyxl.load_workbook(master)
    danh_sach, loi, nhat_ky = book["DanhSach"], book["Loi"], book["NhatKy"]
    h = header_row(master)
    assert [c.value for c in danh_sach[h]][:3] == ["STT", "Đơn vị đề nghị", "Họ và tên"]
    assert danh_sach.freeze_panes == f"A{h + 1}"
    assert danh_sach.auto_filter.ref == f"A{h}:AD{h + 3}"  # three rows
    assert danh_sach[f"AD{h}"].value == "Thời điểm gộp"
    assert loi.freeze_panes == "A2"
    assert loi.auto_filter.ref == "A1:J2"  # one issue: the unknown award
    assert nhat_ky.freeze_panes == "A2"
    assert nhat_ky.auto_filter.ref == "A1:M3"  # two files (the last columns: Độ tin cậy đơn vị, Ngày văn bản, Căn cứ ngày gửi, Giữ bản này)
    for ws in (danh_sach, loi, nhat_ky):
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9  # A4
    widths = {col: danh_sach.column_dimensions[col].width for col in ("A", "B", "C", "W")}
    assert widths["A"] < widths["C"] and widths["C"] >= 20 and widths["W"] >= 40  # STT narrow, texts wide
    assert loi.column_dimensions["I"].width >= 50  # the message


def _style_counts(master: Path) -> dict[str, int]:
    with zipfile.ZipFile(master) as z:
        styles = z.read("xl/styles.xml").decode()
    return {tag: len(re.findall(rf"<{child}\b", re.search(rf"<{tag}\b.*?</{tag}>", styles, re.S).group(0)))
            for tag, child in (("numFmts", "numFmt"), ("fonts", "font"), ("fills", "fill"), ("cellXfs", "xf"))}


def test_formats_survive_repeated_merges_without_piling_up(inbox: Path, master: Path) -> None:
    # Excel allows some 250 number formats and 512 fonts in a workbook; a master is merged
    # into every time a unit writes in, all season long.
    giang = person("Ngô Thị Giang", "01/01/1970", "Huân chương Mặt Trăng")
    merge(master, submission(inbox / "1.xlsx", LE_LOI, [AN, giang], sent=MAY_10))
    merge(master, submission(inbox / "2.xlsx", QUANG_TRUNG, [CUONG], sent=MAY_10))
    counts = _style_counts(master)
    for day in range(1, 4):
        merge(master, submission(inbox / f"r{day}.xlsx", LE_LOI, [AN, giang, BINH][: day], sent=MAY_10 + timedelta(days=day)))
    assert _style_counts(master) == counts

    book = openpyxl.load_workbook(master)
    ws = book["DanhSach"]
    h = header_row(master)
    header = {ws.cell(h, c).value: c for c in range(1, ws.max_column + 1)}
    an, giang_row = h + 1, h + 2
    assert ws.cell(h, 1).font.b is True
    assert ws.cell(an, header["Ngày sinh"]).number_format == "dd/mm/yyyy"
    assert ws.cell(an, header["Ngày gửi"]).number_format == "dd/mm/yyyy hh:mm"
    assert ws.cell(giang_row, header["Tình trạng"]).value == "Lỗi"
    assert ws.cell(giang_row, header["Họ và tên"]).fill.fgColor.rgb.endswith("F8CBAD")  # error rows stand out
    assert ws.cell(an, header["Họ và tên"]).fill.fill_type is None


def test_loi_links_each_issue_to_its_row_in_danhsach(inbox: Path, master: Path) -> None:
    a = submission(inbox / "a.xlsx", LE_LOI, [AN, person("Ngô Thị Giang", "01/01/1970", "Huân chương Mặt Trăng"), BINH])
    b = submission(inbox / "b.xlsx", QUANG_TRUNG, [CUONG, person("Vũ Văn Hải", "31/02/1979")],
                   sent=MAY_10 + timedelta(hours=1))
    merge(master, a, b)

    book = openpyxl.load_workbook(master)
    loi, danh_sach = book["Loi"], book["DanhSach"]
    header = [c.value for c in loi[1]]
    col = {h: i for i, h in enumerate(header)}
    issues = [[c for c in r] for r in loi.iter_rows(min_row=2)]
    seen = set()
    for issue in issues:
        code = issue[col["Mã lỗi"]].value
        link = issue[col["Dòng trong DanhSach"]]
        assert link.hyperlink is not None, code
        sheet, cell = link.hyperlink.location.split("!")
        assert sheet.strip("'") == "DanhSach"
        target_row = int(cell.lstrip("A"))
        assert int(link.value) == target_row
        target = {danh_sach.cell(header_row(master), c).value: danh_sach.cell(target_row, c).value
                  for c in range(1, danh_sach.max_column + 1)}
        assert target["Dòng"] == issue[col["Dòng"]].value
        assert target["Tệp nguồn"] == issue[col["Tệp"]].value
        assert target["Tình trạng"] == "Lỗi"
        assert issue[col["Nội dung"]].value in target["Nội dung kiểm tra"]
        seen.add((code, target["Họ và tên"]))
    assert seen == {("unknown-award", "Ngô Thị Giang"), ("invalid-date", "Vũ Văn Hải")}


def test_log_lists_every_file_with_unit_rows_action_and_reason(inbox: Path, master: Path) -> None:
    a = submission(inbox / "a.xlsx", LE_LOI, [AN, BINH], sent=MAY_10)
    merge(master, a)
    a2 = submission(inbox / "a-bo-sung.xlsx", LE_LOI, [AN, BINH, CUONG], sent=MAY_10 + timedelta(days=1))
    broken = inbox / "hong.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not a workbook")
    merge(master, a, a2, broken)

    log = table(master, "NhatKy")
    assert [(Path(r["Tệp"]).name, r["Đơn vị"] or None, r["Số dòng"], r["Thao tác"]) for r in log] == [
        ("a.xlsx", "Trường THCS Lê Lợi", 2, "Thêm mới"),
        # one run, in the order the files were sent (the broken one was saved just now)
        ("a.xlsx", "Trường THCS Lê Lợi", 2, "Không đổi"),
        ("a-bo-sung.xlsx", "Trường THCS Lê Lợi", 3, "Thay thế bản trước"),
        ("hong.xlsx", None, 0, "Từ chối"),
    ]
    assert log[0]["SHA-256"] == sha256(a) and log[2]["SHA-256"] == sha256(a2)
    assert log[1]["Lý do"] and log[2]["Lý do"] and log[3]["Lý do"]  # why, in words
    assert log[1]["Thời điểm"] == log[2]["Thời điểm"] == log[3]["Thời điểm"] >= log[0]["Thời điểm"]


# ---------------------------------------------------------------------------------------------
# 3. Resubmissions, repeats, older versions, unit names and aliases


def test_resubmission_under_another_name_replaces_the_units_rows(inbox: Path, master: Path) -> None:
    first = submission(inbox / "DS khen thuong.xlsx", LE_LOI, [AN, BINH], sent=MAY_10)
    other = submission(inbox / "quang-trung.xlsx", QUANG_TRUNG, [CUONG], sent=MAY_10)
    merge(master, first, other)
    again = submission(inbox / "Le Loi gui lai (ban chuan).xlsx", "TRƯỜNG TRUNG HỌC CƠ SỞ LÊ LỢI", [DUNG, AN],
                       sent=MAY_10 + timedelta(days=1))

    code, report = merge(master, again)

    assert code == 0
    assert [(r["Đơn vị đề nghị"], r["Họ và tên"], Path(r["Tệp nguồn"]).name) for r in listing(master)] == [
        ("Trường THCS Lê Lợi", "Phạm Thị Dung", "Le Loi gui lai (ban chuan).xlsx"),
        ("Trường THCS Lê Lợi", "Nguyễn Văn An", "Le Loi gui lai (ban chuan).xlsx"),
        ("Trường Tiểu học Quang Trung", "Lê Văn Cường", "quang-trung.xlsx"),
    ]
    assert [(f["unit"], f["action"]) for f in report["files"]] == [("Trường THCS Lê Lợi", "replaced")]
    assert report["by_unit"] == {"Trường THCS Lê Lợi": 2, "Trường Tiểu học Quang Trung": 1}
    assert log_actions(master)[-1] == ("Le Loi gui lai (ban chuan).xlsx", "Thay thế bản trước")


def test_both_versions_in_one_run_keep_the_newest_whatever_the_order(inbox: Path, master: Path) -> None:
    old = submission(inbox / "z-ban-dau.xlsx", LE_LOI, [AN], sent=MAY_10)
    new = submission(inbox / "a-ban-sua.xlsx", LE_LOI, [BINH, CUONG], sent=MAY_10 + timedelta(hours=3))

    code, report = merge(master, new, old)

    assert code == 0
    assert names(master) == ["Trần Thị Bình", "Lê Văn Cường"]
    assert [(Path(f["path"]).name, f["action"]) for f in report["files"]] == [
        ("z-ban-dau.xlsx", "added"), ("a-ban-sua.xlsx", "replaced")
    ]


def test_older_file_arriving_after_a_newer_one_changes_nothing(inbox: Path, master: Path) -> None:
    newer = submission(inbox / "ds-moi.xlsx", LE_LOI, [AN, BINH], sent=MAY_10 + timedelta(days=2))
    merge(master, newer)
    before = master.read_bytes()
    older = submission(inbox / "ds-cu.xlsx", LE_LOI, [CUONG], sent=MAY_10)

    code, report = merge(master, older)

    assert code == 0
    assert [(f["action"], f["unit"]) for f in report["files"]] == [("ignored", "Trường THCS Lê Lợi")]
    assert "gửi trước" in report["files"][0]["reason"]
    # The rows stay; the file set aside is written to NhatKy once, where the clerk may choose it
    # ("Giữ bản này"): a second merge of it changes nothing and does not rewrite the master.
    assert (report["written"], report["changed"]) == (True, True) and report["rows_total"] == 2
    assert "Giữ bản này" in report["files"][0]["reason"]
    before = master.read_bytes()
    code, report = merge(master, older)
    assert (code, report["written"], report["changed"], report["backup"]) == (0, True, False, None)
    assert master.read_bytes() == before


def test_a_replaced_version_never_comes_back_even_if_touched_later(inbox: Path, master: Path) -> None:
    v1 = submission(inbox / "v1.xlsx", LE_LOI, [AN], sent=MAY_10)
    merge(master, v1)
    v2 = submission(inbox / "v2.xlsx", LE_LOI, [BINH], sent=MAY_10 + timedelta(days=1))
    merge(master, v2)
    sent_at(v1, MAY_10 + timedelta(days=5))  # copied around, opened and saved: a new mtime, same bytes

    code, report = merge(master, v1)

    assert code == 0
    assert names(master) == ["Trần Thị Bình"]
    assert report["files"][0]["action"] == "ignored"
    assert report["changed"] is False
    assert log_actions(master)[-1] == ("v2.xlsx", "Thay thế bản trước")


def test_same_file_twice_changes_nothing(inbox: Path, master: Path) -> None:
    a = submission(inbox / "a.xlsx", LE_LOI, [AN, person("Ngô Thị Giang", "01/01/1970", "Huân chương Mặt Trăng")])
    b = submission(inbox / "b.xlsx", QUANG_TRUNG, [CUONG, person("Nguyễn Văn An", "12/03/1980")],
                   sent=MAY_10 + timedelta(hours=1))
    merge(master, a, b)
    assert len(cells(master, "Loi")) == 4  # header, an unknown award, the same person in both units
    before = master.read_bytes()

    code, report = merge(master, a, b)

    assert code == 0
    assert master.read_bytes() == before  # not even a "Không đổi" line in NhatKy: nothing was written
    assert [f["action"] for f in report["files"]] == ["unchanged", "unchanged"]
    assert (report["written"], report["changed"], report["backup"]) == (True, False, None)
    assert report["rows_total"] == 4


def test_unit_names_written_differently_are_one_unit(inbox: Path, master: Path) -> None:
    merge(master, submission(inbox / "1.xlsx", "Trường Tiểu học Quang Trung", [AN], sent=MAY_10))
    merge(master, submission(inbox / "2.xlsx", "TRƯỜNG  TH   QUANG TRUNG", [BINH], sent=MAY_10 + timedelta(days=1)))
    # NFD, as some Mac mail clients send it
    nfd = unicodedata.normalize("NFD", "trường tiểu học quang trung")
    code, report = merge(master, submission(inbox / "3.xlsx", nfd.upper(), [CUONG], sent=MAY_10 + timedelta(days=2)))

    assert code == 0
    assert names(master) == ["Lê Văn Cường"]
    assert report["files"][0]["action"] == "replaced"
    assert len(report["by_unit"]) == 1


def _add_aliases(master: Path, pairs: list[tuple[str, str]]) -> None:
    """What a clerk does in Excel: type rows into BiDanh (openpyxl is fine: an .xlsx has no VBA)."""
    book = openpyxl.load_workbook(master)
    ws = book["BiDanh"]
    assert [c.value for c in ws[1]][:2] == ["Tên đơn vị như ghi trong tệp", "Tên đơn vị chuẩn"]
    for written, proper in pairs:
        ws.append([written, proper])
    book.save(master)


def test_alias_typed_before_the_variant_arrives(inbox: Path, master: Path) -> None:
    merge(master, submission(inbox / "le-loi.xlsx", LE_LOI, [AN, BINH], sent=MAY_10))
    merge(master, submission(inbox / "quang-trung.xlsx", QUANG_TRUNG, [CUONG], sent=MAY_10))
    _add_aliases(master, [("Trường THCS Lê Lợi - xã Hòa An", "Trường THCS Lê Lợi")])
    variant = submission(inbox / "bo-sung.xlsx", "TRƯỜNG THCS LÊ LỢI - XÃ HÒA AN", [DUNG],
                         sent=MAY_10 + timedelta(days=1))

    code, report = merge(master, variant)

    assert code == 0
    assert [(r["Đơn vị đề nghị"], r["Đơn vị gửi"], r["Họ và tên"]) for r in listing(master)] == [
        ("Trường THCS Lê Lợi", "Trường THCS Lê Lợi", "Phạm Thị Dung"),
        ("Trường Tiểu học Quang Trung", "Trường Tiểu học Quang Trung", "Lê Văn Cường"),
    ]
    assert [(f["unit"], f["action"]) for f in report["files"]] == [("Trường THCS Lê Lợi", "replaced")]
    # the clerk's table is read, never overwritten
    assert [(r["Tên đơn vị như ghi trong tệp"], r["Tên đơn vị chuẩn"]) for r in table(master, "BiDanh")] == [
        ("Trường THCS Lê Lợi - xã Hòa An", "Trường THCS Lê Lợi")
    ]


def test_alias_typed_after_a_variant_was_merged_as_a_new_unit(inbox: Path, master: Path) -> None:
    first = submission(inbox / "le-loi.xlsx", LE_LOI, [AN, BINH], sent=MAY_10)
    variant = submission(inbox / "bo-sung.xlsx", "TRƯỜNG THCS LÊ LỢI - XÃ HÒA AN", [AN, DUNG],
                         sent=MAY_10 + timedelta(days=1))
    merge(master, first, variant)
    assert len({r["Đơn vị đề nghị"] for r in listing(master)}) == 2  # not yet known to be one unit
    _add_aliases(master, [("Trường THCS Lê Lợi - xã Hòa An", "Trường THCS Lê Lợi")])

    code, report = merge(master, inbox)  # the clerk runs the whole inbox again

    assert code == 0
    assert [(r["Đơn vị đề nghị"], r["Họ và tên"], Path(r["Tệp nguồn"]).name) for r in listing(master)] == [
        ("Trường THCS Lê Lợi", "Nguyễn Văn An", "bo-sung.xlsx"),
        ("Trường THCS Lê Lợi", "Phạm Thị Dung", "bo-sung.xlsx"),
    ]
    assert report["by_unit"] == {"Trường THCS Lê Lợi": 2}
    assert report["rows_total"] == 2
    # the same person once, in one unit: no cross-unit warning is left behind
    assert [i["code"] for i in report["issues"]] == []
    assert {Path(f["path"]).name: f["action"] for f in report["files"]} == {
        "le-loi.xlsx": "ignored", "bo-sung.xlsx": "unchanged"
    }


# ---------------------------------------------------------------------------------------------
# 4. The same person proposed by two units


def test_same_person_in_two_units_is_flagged_on_both_rows(inbox: Path, master: Path) -> None:
    composed = "Trần Thị Hoà"  # tone mark on a (old style), NFC
    decomposed = unicodedata.normalize("NFD", "TRẦN  THỊ  HÒA")  # new style, NFD, double spaces, capitals
    a = submission(inbox / "a.xlsx", LE_LOI, [AN, person(composed, "01/01/1990")])
    b = submission(inbox / "b.xlsx", QUANG_TRUNG, [person(decomposed, "01/01/1990"), CUONG,
                                                    person("Trần Thị Hòa", "01/01/1991")],  # another person
                   sent=MAY_10 + timedelta(hours=1))
    c = submission(inbox / "c.xlsx", NGUYEN_DU, [person("Đỗ Minh Khoa", 1975), DUNG], sent=MAY_10 + timedelta(hours=2))
    d = submission(inbox / "d.xlsx", "TRƯỜNG MẦM NON HƯỚNG DƯƠNG", [person("đỗ minh  khoa", 1975)],
                   sent=MAY_10 + timedelta(hours=3))

    code, report = merge(master, a, b, c, d)

    assert code == 0
    rows = listing(master)
    excel_row = {r["Họ và tên"]: header_row(master) + 1 + i for i, r in enumerate(rows)}
    flagged = {(r["Đơn vị đề nghị"], r["Dòng"]): r for r in rows if r["Tình trạng"] == "Cảnh báo"}
    assert set(flagged) == {
        ("Trường THCS Lê Lợi", FIRST_DATA_ROW + 1), ("Trường Tiểu học Quang Trung", FIRST_DATA_ROW),
        ("Trường THCS Nguyễn Du", FIRST_DATA_ROW), ("Trường Mầm non Hướng Dương", FIRST_DATA_ROW),
    }
    hoa_a = flagged[("Trường THCS Lê Lợi", FIRST_DATA_ROW + 1)]["Nội dung kiểm tra"]
    assert "Trường Tiểu học Quang Trung" in hoa_a and f"dòng {FIRST_DATA_ROW}" in hoa_a
    hoa_b = flagged[("Trường Tiểu học Quang Trung", FIRST_DATA_ROW)]["Nội dung kiểm tra"]
    assert "Trường THCS Lê Lợi" in hoa_b and f"dòng {FIRST_DATA_ROW + 1}" in hoa_b
    assert f"dòng {excel_row[composed]} trong DanhSach" in hoa_b
    khoa = flagged[("Trường THCS Nguyễn Du", FIRST_DATA_ROW)]["Nội dung kiểm tra"]
    assert "Trường Mầm non Hướng Dương" in khoa
    assert by(rows, "Họ và tên", "Trần Thị Hòa")[0]["Tình trạng"] == "OK"  # born a year later
    dup = [(i["file"], i["row"], i["severity"]) for i in report["issues"] if i["code"] == "duplicate-across-units"]
    assert sorted(dup) == sorted([(str(a), FIRST_DATA_ROW + 1, "warning"), (str(b), FIRST_DATA_ROW, "warning"),
                                  (str(c), FIRST_DATA_ROW, "warning"), (str(d), FIRST_DATA_ROW, "warning")])
    assert sorted((r["Mã lỗi"], Path(r["Tệp"]).name, r["Dòng"]) for r in table(master, "Loi")) == sorted(
        ("duplicate-across-units", Path(f).name, row) for f, row, _ in dup
    )


def test_cross_unit_warning_follows_later_merges(inbox: Path, master: Path) -> None:
    merge(master, submission(inbox / "a.xlsx", LE_LOI, [AN, BINH], sent=MAY_10))
    assert [r["Tình trạng"] for r in listing(master)] == ["OK", "OK"]

    # a row already in the master and a row arriving now
    merge(master, submission(inbox / "b.xlsx", QUANG_TRUNG, [CUONG, BINH], sent=MAY_10))
    assert [r["Tình trạng"] for r in listing(master)] == ["OK", "Cảnh báo", "OK", "Cảnh báo"]
    assert "Trường Tiểu học Quang Trung" in listing(master)[1]["Nội dung kiểm tra"]

    merge(master, submission(inbox / "b2.xlsx", QUANG_TRUNG, [CUONG], sent=MAY_10 + timedelta(days=1)))

    assert [r["Tình trạng"] for r in listing(master)] == ["OK", "OK", "OK"]
    assert table(master, "Loi") == []


# ---------------------------------------------------------------------------------------------
# 5. Rows with errors are carried and flagged; exact duplicates carried once


def test_rows_with_errors_are_carried_and_flagged(inbox: Path, master: Path) -> None:
    a = submission(inbox / "a.xlsx", LE_LOI, [
        AN,
        person("Ngô Thị Giang", "29/02/1987"),  # not on the calendar
        person(None, "01/01/1980"),  # no name
        person("Vũ Văn Hải", "03/03/1983", "Huân chương Mặt Trăng"),  # not in the catalogue
        BINH,
        AN,  # identical to the first row (STT aside)
    ])

    code, report = merge(master, a)

    assert code == 0  # row-level errors do not stop the merge
    rows = listing(master)
    assert [(r["Dòng"], r["Họ và tên"] or None, r["Tình trạng"]) for r in rows] == [
        (5, "Nguyễn Văn An", "OK"),
        (6, "Ngô Thị Giang", "Lỗi"),
        (7, None, "Lỗi"),
        (8, "Vũ Văn Hải", "Lỗi"),
        (9, "Trần Thị Bình", "OK"),
    ]
    assert "29/02/1987" in rows[1]["Nội dung kiểm tra"]
    assert rows[3]["Đề nghị khen thưởng"] == "Huân chương Mặt Trăng"
    assert "Huân chương Mặt Trăng" in rows[3]["Nội dung kiểm tra"]
    loi = sorted((r["Dòng"], r["Mã lỗi"], r["Mức"]) for r in table(master, "Loi"))
    assert loi == [(6, "invalid-date", "Lỗi"), (7, "missing-value", "Lỗi"), (8, "unknown-award", "Lỗi"),
                   (10, "duplicate-in-file", "Cảnh báo")]
    assert report["files"][0]["rows"] == 5
    assert report["rows_total"] == 5


def test_planted_errors_sample(samples: Path, master: Path) -> None:
    planted = samples / "MN Huong Duong - co loi.xlsx"
    code, report = merge(master, planted)

    assert code == 0
    rows = listing(master)
    assert len(rows) == 19  # 20 rows, one an exact duplicate
    assert 17 not in [r["Dòng"] for r in rows]
    status = {r["Dòng"]: r["Tình trạng"] for r in rows}
    assert [row for row, s in status.items() if s == "Lỗi"] == [6, 10, 13, 20]
    assert {r["Đơn vị đề nghị"] for r in rows} == {"Trường Mầm non Hướng Dương"}
    assert sorted((r["Dòng"], r["Mã lỗi"]) for r in table(master, "Loi")) == [
        (6, "missing-value"), (10, "invalid-date"), (13, "unknown-award"), (17, "duplicate-in-file"),
        (20, "award-target-mismatch"),
    ]
    cuc = [r for r in rows if r["Dòng"] == 22][0]
    assert cuc["Họ và tên"] == '=HYPERLINK("http://example.com","Lê Thị Cúc")'
    assert re.search(r"<f[\s>]", sheet_xml(master, "DanhSach")) is None  # text, not a formula


def test_all_samples_merge_with_their_units_and_row_counts(samples: Path, master: Path) -> None:
    code, report = merge(master, samples)
    assert code == 0
    assert report["by_unit"] == {
        "UBND phường An Hội": 20,
        "Trường Mầm non Hướng Dương": 19,
        "Phòng GD&ĐT huyện Long Phú": 20,
        "Trường Tiểu học Quang Trung": 24,
        "Trường THCS Lê Quý Đôn": 30,
        "Trường THPT Chu Văn An": 25,
    }
    assert len(listing(master)) == report["rows_total"] == 138
    # TCVN3 text arrives as Unicode
    long_phu = [r for r in listing(master) if r["Đơn vị đề nghị"] == "Phòng GD&ĐT huyện Long Phú"]
    assert all(r["Họ và tên"] == unicodedata.normalize("NFC", r["Họ và tên"]) for r in long_phu)
    assert any("Nguyễn" in r["Họ và tên"] for r in long_phu)


def test_text_beginning_with_equals_is_written_as_text(inbox: Path, master: Path) -> None:
    sneaky = '=HYPERLINK("http://example.com","Lê Thị Cúc")'
    a = submission(inbox / "a.xlsx", LE_LOI, [person(sneaky, "01/01/1980", "=1+1"), AN])

    merge(master, a)
    merge(master, submission(inbox / "b.xlsx", QUANG_TRUNG, [CUONG]))  # written a second time, transplanted

    rows = listing(master)
    assert rows[0]["Họ và tên"] == sneaky
    assert rows[0]["Đề nghị khen thưởng"] == "=1+1"
    assert [r["Giá trị"] for r in table(master, "Loi")] == ["=1+1"]
    for sheet in ("DanhSach", "Loi", "NhatKy"):
        xml = sheet_xml(master, sheet)
        assert re.search(r"<f[\s>]", xml) is None, sheet
    assert sneaky in html.unescape(sheet_xml(master, "DanhSach"))
    book = openpyxl.load_workbook(master)
    assert book["DanhSach"][f"C{header_row(master) + 1}"].data_type != "f"


# ---------------------------------------------------------------------------------------------
# 6. Nothing lost: backups, locks, atomic writes, VBA and buttons


def test_backups_are_kept_and_pruned(inbox: Path, master: Path) -> None:
    folder = master.with_name("tong-hop.sao-luu")
    code, report = merge(master, submission(inbox / "1.xlsx", LE_LOI, [AN], sent=MAY_10))
    assert report["backup"] is None and not folder.exists()  # nothing to keep yet
    masters = [master.read_bytes()]
    backups = []
    for day in range(1, 5):
        people = [AN, BINH, CUONG, DUNG, EM][: day + 1]
        code, report = merge(master, submission(inbox / f"{day + 1}.xlsx", LE_LOI, people, sent=MAY_10 + timedelta(days=day)),
                             options=("--keep-backups", "2"))
        assert code == 0
        backups.append(Path(report["backup"]))
        assert backups[-1].read_bytes() == masters[-1]  # the master as it was before this merge
        masters.append(master.read_bytes())

    kept = sorted(folder.iterdir())
    assert kept == backups[-2:]
    assert all(re.fullmatch(r"tong-hop-\d{8}-\d{6}-\d{6}\.xlsx", p.name) for p in kept)
    assert len(names(master)) == 5

    code, report = merge(master, submission(inbox / "6.xlsx", LE_LOI, [AN], sent=MAY_10 + timedelta(days=9)),
                         options=("--keep-backups", "0"))
    assert code == 0 and report["backup"] is None
    assert sorted(folder.iterdir()) == backups[-2:]


@pytest.mark.parametrize("owner", ["~$tong-hop.xlsx", ".~lock.tong-hop.xlsx#"])
def test_open_master_is_not_touched(inbox: Path, master: Path, owner: str) -> None:
    merge(master, submission(inbox / "a.xlsx", LE_LOI, [AN]))
    (master.parent / owner).write_bytes(b"Excel owner file")
    before = master.read_bytes()
    files_before = sorted(p.name for p in master.parent.rglob("*"))

    code, report = merge(master, submission(inbox / "b.xlsx", QUANG_TRUNG, [CUONG]))

    assert code == 1
    assert report["written"] is False
    assert "đang được mở" in report["error"] and owner in report["error"]
    assert master.read_bytes() == before
    assert sorted(p.name for p in master.parent.rglob("*")) == files_before  # no temp file, no backup


def test_open_master_message_for_the_clerk(inbox: Path, master: Path) -> None:
    merge(master, submission(inbox / "a.xlsx", LE_LOI, [AN]))
    (master.parent / "~$tong-hop.xlsx").write_bytes(b"x")
    result = CliRunner().invoke(main, ["merge", str(master), str(submission(inbox / "b.xlsx", QUANG_TRUNG, [CUONG]))])
    assert result.exit_code == 1
    assert "KHÔNG GHI ĐƯỢC SỔ TỔNG HỢP" in result.stdout
    assert "hãy đóng sổ trong Excel rồi chạy lại" in result.stdout


def test_damaged_master_is_left_alone(inbox: Path, master: Path) -> None:
    master.write_bytes(b"PK\x03\x04 half a workbook, cut off by a full disk")
    before = sorted(p.name for p in master.parent.rglob("*"))
    lock = [".tdkt-tam", "tong-hop.xlsx.khoa"]  # the lock every write command takes stays, nothing else

    code, report = merge(master, submission(inbox / "a.xlsx", LE_LOI, [AN]))

    assert code == 1
    assert report["written"] is False and "tong-hop.xlsx" in report["error"]
    assert master.read_bytes() == b"PK\x03\x04 half a workbook, cut off by a full disk"
    assert sorted(p.name for p in master.parent.rglob("*")) == sorted(before + lock)


def test_new_master_is_flushed_through_a_handle_that_may_write(inbox: Path, master: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # Windows' FlushFileBuffers, behind os.fsync, refuses a read-only handle; Linux does not,
    # so the handle's access mode is checked here.
    fcntl = pytest.importorskip("fcntl")
    modes = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        modes.append(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    code, _ = merge(master, submission(inbox / "a.xlsx", LE_LOI, [AN]))
    assert code == 0
    assert modes and os.O_RDONLY not in modes


def test_rejected_file_does_not_stop_the_others(inbox: Path, master: Path) -> None:
    good = submission(inbox / "a.xlsx", LE_LOI, [AN, BINH])
    corrupt = inbox / "b-hong.xlsx"
    corrupt.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    also_good = submission(inbox / "c.xlsx", QUANG_TRUNG, [CUONG])

    code, report = merge(master, inbox)

    assert code == 1
    assert report["written"] is True
    assert names(master) == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]
    rejected = [f for f in report["files"] if f["action"] == "rejected"]
    assert [(Path(f["path"]).name, f["unit"], f["rows"]) for f in rejected] == [("b-hong.xlsx", None, 0)]
    assert rejected[0]["reason"]
    assert [(Path(i["file"]).name, i["code"], i["severity"]) for i in report["issues"]] == [
        ("b-hong.xlsx", "unreadable-file", "error")
    ]
    assert ("b-hong.xlsx", "Từ chối") in log_actions(master)
    assert [(Path(r["Tệp"]).name, r["Mã lỗi"]) for r in table(master, "Loi")] == [("b-hong.xlsx", "unreadable-file")]
    assert good.exists() and also_good.exists()


def macro_master(path: Path, tmp_path: Path) -> Path:
    """A clerk's .xlsm master: a VBA project with the GopHoSo macro and a Form Control button for it."""
    import pyopenvba

    path.parent.mkdir(parents=True, exist_ok=True)
    source = pyopenvba.ExcelFile.create_new(tmp_path / "vba-nguon.xlsm")
    source.vba_project().add_module(
        "Buttons", 'Sub GopHoSo()\n    RunPython "import addin.excel; addin.excel.gop_ho_so()"\nEnd Sub\n'
    )
    source.save()
    project = tmp_path / "vbaProject.bin"
    project.write_bytes(pyopenvba.ExcelFile(tmp_path / "vba-nguon.xlsm").vba_project_bytes())
    book = xlsxwriter.Workbook(str(path))
    panel = book.add_worksheet("DieuKhien")
    panel.write_string(0, 0, "BẢNG ĐIỀU KHIỂN")
    panel.insert_button("B3", {"macro": "GopHoSo", "caption": "Gộp hồ sơ", "width": 120, "height": 30})
    notes = book.add_worksheet("GhiChu")
    notes.write_string(0, 0, "Ghi chú của văn thư")
    notes.write_formula(1, 0, "=1+2", None, 3)  # the clerk's own formulas are theirs to keep
    book.add_vba_project(str(project))
    book.close()
    return _with_control_properties(path)


def _with_control_properties(path: Path) -> Path:
    """Add the ctrlProps part Excel saves for a Form Control button (XlsxWriter writes only the VML)."""
    with zipfile.ZipFile(path) as z:
        parts = {info.filename: z.read(info) for info in z.infolist()}
    parts["xl/ctrlProps/ctrlProp1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        b'<formControlPr xmlns="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main" '
        b'objectType="Button" lockText="1"/>'
    )
    rels = "xl/worksheets/_rels/sheet1.xml.rels"
    parts[rels] = parts[rels].replace(
        b"</Relationships>",
        b'<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/ctrlProp" '
        b'Target="../ctrlProps/ctrlProp1.xml"/></Relationships>',
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/ctrlProps/ctrlProp1.xml" ContentType="application/vnd.ms-excel.controlproperties+xml"/></Types>',
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_xlsm_master_keeps_its_vba_project_and_buttons(inbox: Path, tmp_path: Path) -> None:
    pyopenvba = pytest.importorskip("pyopenvba")
    target = macro_master(tmp_path / "so" / "tong-hop.xlsm", tmp_path)
    with zipfile.ZipFile(target) as z:
        before = {name: z.read(name) for name in z.namelist()}
    panel_xml = sheet_xml(target, "DieuKhien")
    assert "<legacyDrawing" in panel_xml
    button_parts = [n for n in before if n.startswith(("xl/drawings/", "xl/ctrlProps/", "xl/worksheets/_rels/"))]
    assert any(n.endswith(".vml") for n in button_parts) and "xl/ctrlProps/ctrlProp1.xml" in button_parts

    code, _ = merge(target, submission(inbox / "a.xlsx", LE_LOI, [AN, BINH]))
    assert code == 0
    code, _ = merge(target, submission(inbox / "b.xlsx", LE_LOI, [CUONG], sent=MAY_10 + timedelta(days=1)))
    assert code == 0

    with zipfile.ZipFile(target) as z:
        after = {name: z.read(name) for name in z.namelist()}
        assert z.testzip() is None
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    for name in button_parts:
        assert after[name] == before[name], name
    assert sheet_xml(target, "DieuKhien") == panel_xml  # the sheet with the button, byte for byte
    assert sheet_xml(target, "GhiChu") == sheet_xml_of(before, "GhiChu")
    vml = after[next(n for n in button_parts if n.endswith(".vml"))].decode()
    assert "GopHoSo" in vml and "Gộp hồ sơ" in vml
    types = after["[Content_Types].xml"].decode()
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
    assert 'PartName="/xl/ctrlProps/ctrlProp1.xml"' in types and 'Extension="bin"' in types
    assert pyopenvba.ExcelFile(target).get_module("Buttons").count("Sub GopHoSo()") == 1
    assert names(target) == ["Lê Văn Cường"]
    book = openpyxl.load_workbook(target, keep_vba=True)
    assert book.sheetnames[:2] == ["DieuKhien", "GhiChu"]  # the clerk's sheets stay first
    assert {"DanhSach", "Loi", "NhatKy", "BiDanh"} <= set(book.sheetnames[2:])
    assert book["GhiChu"]["A2"].value == "=1+2"


def sheet_xml_of(parts: dict[str, bytes], sheet: str) -> str:
    """sheet_xml, for a package already read into memory."""
    wb = parts["xl/workbook.xml"].decode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    rid = re.search(rf'<sheet\b[^>]*name="{sheet}"[^>]*r:id="(rId\d+)"', wb).group(1)
    target = re.search(rf'<Relationship\b[^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels).group(1)
    return parts["xl/" + target].decode()


# ---------------------------------------------------------------------------------------------
# 7. Roll-up: school -> commune -> province


def test_roll_up_two_levels_keeps_the_original_units(tmp_path: Path) -> None:
    schools = tmp_path / "truong"
    le_loi = submission(schools / "le-loi.xlsx", LE_LOI, [AN, BINH], sent=MAY_10)
    quang_trung = submission(schools / "quang-trung.xlsx", QUANG_TRUNG, [CUONG], sent=MAY_10)
    nguyen_du = submission(schools / "nguyen-du.xlsx", NGUYEN_DU, [DUNG, person("Trần Thị Bình", "05/09/1985")],
                           sent=MAY_10)
    hoa_an = tmp_path / "xa" / "hoa-an.xlsx"
    binh_minh = tmp_path / "xa" / "binh-minh.xlsx"
    province = tmp_path / "tinh" / "tong-hop-tinh.xlsx"

    assert merge(hoa_an, le_loi, quang_trung, options=("--unit", "UBND xã Hòa An"))[0] == 0
    assert merge(binh_minh, nguyen_du, options=("--unit", "UBND xã Bình Minh"))[0] == 0
    sent_at(hoa_an, MAY_10 + timedelta(days=1))
    sent_at(binh_minh, MAY_10 + timedelta(days=1, hours=1))
    code, report = merge(province, hoa_an, binh_minh, options=("--unit", "Sở GD&ĐT tỉnh Trà Giang"))

    assert code == 0
    rows = listing(province)
    assert [(r["Đơn vị đề nghị"], r["Họ và tên"], r["Đơn vị gửi"]) for r in rows] == [
        ("Trường THCS Lê Lợi", "Nguyễn Văn An", "UBND xã Hòa An"),
        ("Trường THCS Lê Lợi", "Trần Thị Bình", "UBND xã Hòa An"),
        ("Trường Tiểu học Quang Trung", "Lê Văn Cường", "UBND xã Hòa An"),
        ("Trường THCS Nguyễn Du", "Phạm Thị Dung", "UBND xã Bình Minh"),
        ("Trường THCS Nguyễn Du", "Trần Thị Bình", "UBND xã Bình Minh"),
    ]
    assert [r["Trang"] for r in rows] == ["DanhSach"] * 5
    first = header_row(hoa_an) + 1
    assert header_row(binh_minh) + 1 == first
    assert [r["Dòng"] for r in rows] == [first, first + 1, first + 2, first, first + 1]  # rows of each commune's DanhSach
    assert [r["Mã khen thưởng"] for r in rows] == ["LDTT", "CSTDCS", "LDTT", "LDTT", "LDTT"]
    assert report["by_unit"] == {"Trường THCS Lê Lợi": 2, "Trường Tiểu học Quang Trung": 1,
                                 "Trường THCS Nguyễn Du": 2}
    assert [(f["unit"], f["rows"], f["action"]) for f in report["files"]] == [
        ("UBND xã Hòa An", 3, "added"), ("UBND xã Bình Minh", 2, "added")
    ]
    # the same person proposed in two communes is found at the province
    assert [r["Tình trạng"] for r in rows] == ["OK", "Cảnh báo", "OK", "OK", "Cảnh báo"]
    assert "Trường THCS Nguyễn Du" in rows[1]["Nội dung kiểm tra"]

    # Quang Trung resends; the commune merges again and resends its master to the province
    submission(schools / "quang-trung-sua.xlsx", QUANG_TRUNG, [CUONG, EM], sent=MAY_10 + timedelta(days=2))
    assert merge(hoa_an, schools / "quang-trung-sua.xlsx", options=("--unit", "UBND xã Hòa An"))[0] == 0
    sent_at(hoa_an, MAY_10 + timedelta(days=3))
    code, report = merge(province, hoa_an, binh_minh, options=("--unit", "Sở GD&ĐT tỉnh Trà Giang"))

    assert code == 0
    assert [(f["unit"], f["rows"], f["action"]) for f in report["files"]] == [
        ("UBND xã Bình Minh", 2, "unchanged"), ("UBND xã Hòa An", 4, "replaced")
    ]
    assert [(r["Đơn vị đề nghị"], r["Họ và tên"]) for r in listing(province)] == [
        ("Trường THCS Lê Lợi", "Nguyễn Văn An"),
        ("Trường THCS Lê Lợi", "Trần Thị Bình"),
        ("Trường Tiểu học Quang Trung", "Lê Văn Cường"),
        ("Trường Tiểu học Quang Trung", "Hoàng Văn Em"),
        ("Trường THCS Nguyễn Du", "Phạm Thị Dung"),
        ("Trường THCS Nguyễn Du", "Trần Thị Bình"),
    ]
    assert "SỞ GD&ĐT TỈNH TRÀ GIANG" in title_block(province)

    # and the province master is itself valid input one level further up
    country = tmp_path / "bo" / "tong-hop.xlsx"
    code, report = merge(country, province)
    assert code == 0
    assert report["files"][0]["unit"] == "Sở GD&ĐT tỉnh Trà Giang"
    assert report["by_unit"] == {"Trường THCS Lê Lợi": 2, "Trường Tiểu học Quang Trung": 2,
                                 "Trường THCS Nguyễn Du": 2}


# ---------------------------------------------------------------------------------------------
# 8. The --json contract and exit codes, from the real process

FILE_KEYS = {"path": (str,), "unit": (str, type(None)), "rows": (int,), "action": (str,),
             "reason": (str, type(None)), "sha256": (str, type(None)), "sent_at": (str, type(None)),
             "sender": (str, type(None))}
ISSUE_KEYS = {"code": (str,), "severity": (str,), "file": (str,), "sheet": (str, type(None)),
              "row": (int, type(None)), "column": (str, type(None)), "value": (str, type(None)),
              "message": (str,)}
ACTIONS = {"added", "replaced", "unchanged", "rejected", "ignored"}


def _check(entry: dict[str, Any], keys: dict[str, tuple[type, ...]]) -> None:
    assert keys.keys() <= entry.keys(), keys.keys() - entry.keys()
    for key, types in keys.items():
        assert isinstance(entry[key], types) and not isinstance(entry[key], bool), (key, entry[key])


def test_json_shape_and_exit_codes_from_the_real_process(tmp_path: Path) -> None:
    inbox = tmp_path / "hop-thu"
    submission(inbox / "a.xlsx", LE_LOI, [AN, person("Ngô Thị Giang", "01/01/1970", "Huân chương Mặt Trăng")])
    submission(inbox / "b.xlsx", QUANG_TRUNG, [CUONG], sent=MAY_10 + timedelta(hours=1))
    (inbox / "~$a.xlsx").write_bytes(b"lock")

    result = tdkt("merge", "--json", "tong-hop.xlsx", "hop-thu", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)  # exactly one object on stdout
    assert {"master", "files", "rows_total", "by_unit", "issues"} <= report.keys()
    assert report["master"] == "tong-hop.xlsx"
    for f in report["files"]:
        _check(f, FILE_KEYS)
        assert f["action"] in ACTIONS
    for i in report["issues"]:
        _check(i, ISSUE_KEYS)
        assert i["severity"] in ("error", "warning", "info")
    assert [(f["path"], f["unit"], f["rows"], f["action"]) for f in report["files"]] == [
        (os.path.join("hop-thu", "~$a.xlsx"), None, 0, "ignored"),
        (os.path.join("hop-thu", "a.xlsx"), "Trường THCS Lê Lợi", 2, "added"),
        (os.path.join("hop-thu", "b.xlsx"), "Trường Tiểu học Quang Trung", 1, "added"),
    ]
    a = report["files"][1]
    assert a["sha256"] == sha256(inbox / "a.xlsx")
    assert datetime.fromisoformat(a["sent_at"]) == MAY_10
    assert report["rows_total"] == 3
    assert report["by_unit"] == {"Trường THCS Lê Lợi": 2, "Trường Tiểu học Quang Trung": 1}
    assert [(i["code"], i["severity"], i["file"], i["row"], i["column"], i["value"]) for i in report["issues"]] == [
        ("unknown-award", "error", os.path.join("hop-thu", "a.xlsx"), 6, "Danh hiệu đề nghị", "Huân chương Mặt Trăng")
    ]
    assert report["written"] is True and report["error"] is None

    (inbox / "hong.xlsx").write_bytes(b"not a workbook at all")
    result = tdkt("merge", "--json", "tong-hop.xlsx", "hop-thu", cwd=tmp_path)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert [f["action"] for f in report["files"]].count("rejected") == 1
    assert report["written"] is True


@pytest.mark.parametrize("args", [
    ["merge", "--json", "tong-hop.csv", "hop-thu"],  # a master that is no workbook
    ["merge", "--json", "tong-hop.xlsx", "khong-co"],  # a source that does not exist
    ["merge", "--json", "tong-hop.xlsx"],  # no source
    ["merge", "--json", "--keep-backups", "-1", "tong-hop.xlsx", "hop-thu"],
])
def test_usage_errors_exit_2_and_write_nothing(tmp_path: Path, args: list[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    submission(tmp_path / "hop-thu" / "a.xlsx", LE_LOI, [AN])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hop-thu"]


def test_human_output_says_what_happened_to_each_file(inbox: Path, master: Path) -> None:
    a = submission(inbox / "a.xlsx", LE_LOI, [AN, BINH])
    result = CliRunner().invoke(main, ["merge", str(master), str(a)])
    assert result.exit_code == 0
    assert f"+ {a} — Trường THCS Lê Lợi — 2 dòng: thêm mới" in result.stdout
    assert "2 dòng của 1 đơn vị" in result.stdout
    result = CliRunner().invoke(main, ["merge", str(master), str(a)])
    assert f"= {a} — Trường THCS Lê Lợi — 2 dòng: không đổi" in result.stdout


def test_roll_up_of_masters_gives_no_false_warnings(tmp_path: Path) -> None:
    """Issue 11: a school -> commune -> province chain of masters made by merge_job.

    The lists give the year of birth alone ("Năm sinh") and have no rating column, so a CSTĐCS
    row cannot be checked for a rating: the master's own "Năm sinh" and "Xếp loại" columns must
    not turn that into "Thiếu ngày sinh" or criteria warnings one level up. The real problems
    (an impossible date, an unknown award) stay with their rows at every level.
    """
    from addin.jobs import merge_job

    def school_list(path: Path, unit: str, people: list[tuple[str, Any, str]]) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        book = xlsxwriter.Workbook(str(path))
        ws = book.add_worksheet("DS")
        ws.write_string(0, 0, unit)
        ws.write_string(1, 0, "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025")
        for c, text in enumerate(["STT", "Họ và tên", "Năm sinh", "Chức vụ", "Danh hiệu đề nghị"]):
            ws.write_string(3, c, text)
        for i, (name, born, award) in enumerate(people):
            ws.write_number(4 + i, 0, i + 1)
            ws.write_string(4 + i, 1, name)
            if isinstance(born, int):
                ws.write_number(4 + i, 2, born)
            else:
                ws.write_string(4 + i, 2, born)
            ws.write_string(4 + i, 3, "Giáo viên")
            ws.write_string(4 + i, 4, award)
        book.close()
        return path

    le_loi = [(f"Nguyễn Văn Lợi {i}", 1970 + i, "Lao động tiên tiến") for i in range(20)]
    le_loi += [("Trần Thị Bích", 1982, "Chiến sĩ thi đua cơ sở"), ("Lê Văn Sai", "31/02/1985", "Lao động tiên tiến")]
    hoa_sen = [(f"Phạm Thị Sen {i}", 1975 + i, "Lao động tiên tiến") for i in range(12)]
    hoa_sen += [("Đỗ Văn Lạ", 1979, "Huân chương Mặt Trăng")]
    lists = [school_list(tmp_path / "ds" / "le-loi.xlsx", "TRƯỜNG THCS LÊ LỢI", le_loi),
             school_list(tmp_path / "ds" / "hoa-sen.xlsx", "TRƯỜNG TIỂU HỌC HOA SEN", hoa_sen)]
    schools = [tmp_path / "truong" / "le-loi-tong-hop.xlsx", tmp_path / "truong" / "hoa-sen-tong-hop.xlsx"]
    commune = tmp_path / "xa" / "tong-hop-xa.xlsx"
    province = tmp_path / "tinh" / "tong-hop-tinh.xlsx"

    reports = [merge_job(school, [str(source)], unit=unit) for school, source, unit in
               zip(schools, lists, ["Trường THCS Lê Lợi", "Trường Tiểu học Hoa Sen"])]
    reports.append(merge_job(commune, [str(s) for s in schools], unit="UBND xã Hòa An"))
    reports.append(merge_job(province, [str(commune)], unit="Sở GD&ĐT tỉnh Trà Giang"))

    assert [r.error for r in reports] == [None] * 4
    school_issues = sorted((i.code, i.message) for r in reports[:2] for i in r.issues())
    assert school_issues == sorted([
        ("invalid-date", next(i.message for i in reports[0].issues() if i.code == "invalid-date")),
        ("unknown-award", next(i.message for i in reports[1].issues() if i.code == "unknown-award")),
    ])
    for level in reports[2:]:
        found = sorted((i.code, i.message) for i in level.issues())
        assert found == school_issues  # the same two, nothing invented
        assert [i.code for i in level.issues() if i.code == "missing-value"] == []  # counted: 0
    rows = listing(province)
    assert len(rows) == 35
    assert {r["Đơn vị đề nghị"] for r in rows} == {"Trường THCS Lê Lợi", "Trường Tiểu học Hoa Sen"}
    assert {r["Đơn vị gửi"] for r in rows} == {"UBND xã Hòa An"}
    assert by(rows, "Họ và tên", "Nguyễn Văn Lợi 3")[0]["Năm sinh"] == 1973
    assert [(r["Họ và tên"], r["Tình trạng"]) for r in rows if r["Tình trạng"] != "OK"] == [
        ("Lê Văn Sai", "Lỗi"), ("Đỗ Văn Lạ", "Lỗi")]
    commune_rows = listing(commune)
    assert [(r["Họ và tên"], r["Đơn vị đề nghị"], r["Tình trạng"]) for r in rows] == \
        [(r["Họ và tên"], r["Đơn vị đề nghị"], r["Tình trạng"]) for r in commune_rows]


THEMED = "Bằng khen chuyên đề “Xây dựng trường học thân thiện, học sinh tích cực” của Chủ tịch UBND tỉnh"
THEME = "Xây dựng trường học thân thiện, học sinh tích cực"


def test_a_themed_award_keeps_its_theme_in_its_own_column(inbox: Path, master: Path) -> None:
    a = submission(inbox / "a.xlsx", LE_LOI, [person("Ngô Thị Giang", "01/01/1970", THEMED), AN])
    code, report = merge(master, a)
    assert code == 0 and report["error"] is None
    header = cells(master, "DanhSach")[header_row(master) - 1]
    # read naturally: the award, its code, its kind, then its theme
    assert header[header.index("Loại khen thưởng") + 1] == "Chuyên đề"
    giang, an = table(master, "DanhSach")
    assert (giang["Mã khen thưởng"], giang["Loại khen thưởng"], giang["Chuyên đề"]) == \
        ("BK_TINH (chuyên đề)", "chuyên đề", THEME)
    assert an["Chuyên đề"] in ("", None)
    # read back and merged again: nothing changes
    code, again = merge(master, a)
    assert code == 0 and [f["action"] for f in again["files"]] == ["unchanged"]
    assert table(master, "DanhSach") == [giang, an]


def test_a_master_written_before_the_theme_column_still_reads(inbox: Path, master: Path) -> None:
    a = submission(inbox / "a.xlsx", LE_LOI, [person("Ngô Thị Giang", "01/01/1970", THEMED)])
    b = submission(inbox / "b.xlsx", QUANG_TRUNG, [CUONG], sent=MAY_10 + timedelta(hours=1))
    merge(master, a)
    book = openpyxl.load_workbook(master)
    ws = book["DanhSach"]
    h = header_row(master)
    for title in ("Chuyên đề", "Cấp công nhận sáng kiến"):  # the columns this master never had
        ws.delete_cols(next(c.column for c in ws[h] if c.value == title))
    book.save(master)
    code, report = merge(master, a, b)
    assert code == 0 and report["error"] is None
    assert [f["action"] for f in report["files"]] == ["unchanged", "added"]
    rows = table(master, "DanhSach")
    assert [(r["Họ và tên"], r["Mã khen thưởng"]) for r in rows] == \
        [("Ngô Thị Giang", "BK_TINH (chuyên đề)"), ("Lê Văn Cường", "LDTT")]
    assert "Chuyên đề" in rows[0] and "Cấp công nhận sáng kiến" in rows[0]  # the next write adds them back


def test_the_same_file_twice_in_one_merge_says_which_it_repeats(inbox: Path, master: Path) -> None:
    """Found by fresh-eyes testing: the copy was said to have been "merged before" in a merge that added it."""
    a = submission(inbox / "a.xlsx", LE_LOI, [AN])
    (inbox / "thu-2").mkdir()
    copy = inbox / "thu-2" / "a.xlsx"
    copy.write_bytes(a.read_bytes())
    code, report = merge(master, a, copy)
    assert code == 0 and report["rows_total"] == 1
    actions = {Path(f["path"]).parent.name: (f["action"], f["reason"]) for f in report["files"]}
    assert sorted(a for a, _ in actions.values()) == ["added", "unchanged"]
    repeated = next(r for a, r in actions.values() if a == "unchanged")
    assert "vừa gộp" in repeated and "trước đây" not in repeated
