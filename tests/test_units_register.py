"""The unit register DonVi, who has sent (TinhHinhNop, `tdkt status`) and the reminders (`tdkt remind`)."""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import subprocess
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest
import python_calamine as pc
from click.testing import CliRunner

from addin.cli import main
from addin.jobs import feedback_job, merge_job, remind_job, status_job, units_job
from addin.schema import SUBMISSION_STATUS_COLUMNS, UNIT_COLUMNS
from addin.units import RegisterEntry, UnitRegister
from addin.workbook.masterbook import read_master

from conftest import Sheet, write_workbook

HEADER = [["STT", "Họ và tên", "Năm sinh", "Giới tính", "Danh hiệu đề nghị"]]
ROWS = [[1, "Nguyễn Văn An", 1980, "Nam", "Lao động tiên tiến"], [2, "Trần Thị Bình", 1985, "Nữ", "Lao động tiên tiến"]]
CONTRACT_UNIT_KEYS = {"unit": str, "sent": bool, "files": int, "rows": int, "errors": int, "warnings": int,
                      "late": bool}

# The office's own list, as a CSV saved by Excel with ";" under a title line, headers in its own words.
OFFICE_CSV = """DANH SÁCH CÁC ĐƠN VỊ TRỰC THUỘC
;;;;;
Số TT;Tên trường;Loại hình;Đơn vị chủ quản;Địa chỉ thư điện tử;Tên gọi khác;Số đại biểu;Ghi chú
I. KHỐI TIỂU HỌC;;;;;;;
1;Trường Tiểu học Kim Đồng;TH;Phòng GD&ĐT;"thkimdong@tragiang.edu.vn; kimdong.th@gmail.com";TH Kim Đồng cũ;2;
2;Trường Tiểu học Lê Lợi;TH;Phòng GD&ĐT;;;1;chưa có email
II. KHỐI THCS;;;;;;;
3;Trường Trung học cơ sở Nguyễn Du;THCS;Phòng GD&ĐT;"Văn thư <thcsnguyendu@tragiang.edu.vn>";;3;
4;Trường THCS Võ Thị Sáu;THCS;Phòng GD&ĐT;vothisau@tragiang.edu.vn;;;
Tổng cộng: 4 đơn vị;;;;;;;
"""


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def unit_file(path: Path, title: list[list] | None = None, *, sent: datetime | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_workbook(path, [Sheet(name="DS", title=title or [], header=HEADER, rows=ROWS)])
    if sent is not None:  # a plain file is dated by its modification time
        os.utime(path, (sent.timestamp(), sent.timestamp()))
    return path


def emailed(path: Path, attachment: Path, *, sender: str, date: str) -> Path:
    message = EmailMessage()
    message["From"] = f"Văn thư <{sender}>"
    message["To"] = "vanphong@so.example.edu.vn"
    message["Subject"] = "Danh sách đề nghị khen thưởng"
    message["Date"] = date
    message.set_content("Kính gửi Phòng, đơn vị gửi danh sách.")
    message.add_attachment(attachment.read_bytes(), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename=attachment.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(message.as_bytes(policy=email.policy.SMTP.clone(max_line_length=998)))
    attachment.unlink()
    return path


def set_deadline(master: Path, text: str) -> None:
    """The clerk types "Hạn nộp" into CauHinh."""
    book = openpyxl.load_workbook(master)
    for row in book["CauHinh"].iter_rows():
        if row[0].value == "Hạn nộp":
            row[1].value = text
    book.save(master)


def sheet(master: Path, name: str) -> list[list]:
    return pc.CalamineWorkbook.from_path(str(master)).get_sheet_by_name(name).to_python()


@pytest.fixture
def office_csv(tmp_path: Path) -> Path:
    path = tmp_path / "don-vi.csv"
    path.write_text(OFFICE_CSV, encoding="utf-8-sig")
    return path


# ---------------------------------------------------------------------------
# Filling the register


def test_register_is_filled_from_the_office_csv_with_its_own_headers(tmp_path: Path, office_csv: Path):
    master = tmp_path / "tong-hop.xlsx"
    code, out = run("units", str(master), str(office_csv), "--json")
    assert code == 0, out
    data = json.loads(out)
    assert (data["added"], data["updated"], data["written"], data["error"]) == (4, 0, True, None)
    assert [(u["unit"], u["kind"], u["emails"], u["other_names"], u["quota"]) for u in data["units"]] == [
        ("Trường Tiểu học Kim Đồng", "TH", ["thkimdong@tragiang.edu.vn", "kimdong.th@gmail.com"], ["TH Kim Đồng cũ"], 2),
        ("Trường Tiểu học Lê Lợi", "TH", [], [], 1),
        ("Trường Trung học cơ sở Nguyễn Du", "THCS", ["thcsnguyendu@tragiang.edu.vn"], [], 3),
        ("Trường THCS Võ Thị Sáu", "THCS", ["vothisau@tragiang.edu.vn"], [], None),
    ]  # the section rows and the total are not units
    rows = sheet(master, "DonVi")
    assert rows[0] == [c.header for c in UNIT_COLUMNS]
    assert rows[1][:5] == ["Trường Tiểu học Kim Đồng", "TH", "Phòng GD&ĐT",
                           "thkimdong@tragiang.edu.vn; kimdong.th@gmail.com", "TH Kim Đồng cũ"]
    assert rows[2][6] == "chưa có email"
    # printed back without a file, as it is in the master
    code, out = run("units", str(master))
    assert code == 0 and "4. Trường THCS Võ Thị Sáu (THCS, Phòng GD&ĐT, vothisau@tragiang.edu.vn)" in out


def test_register_from_an_xlsx_keeps_what_the_clerk_typed_and_fills_the_blanks(tmp_path: Path, office_csv: Path):
    master = tmp_path / "tong-hop.xlsx"
    assert units_job(master, office_csv).error is None
    book = openpyxl.load_workbook(master)  # the clerk corrects a cell by hand
    book["DonVi"]["B3"] = "Tiểu học"
    book.save(master)
    listing = write_workbook(tmp_path / "don-vi.xlsx", [Sheet(
        name="Danh sách", title=[["PHÒNG GIÁO DỤC VÀ ĐÀO TẠO"], ["DANH SÁCH ĐƠN VỊ"]],
        header=[["TT", "TÊN ĐƠN VỊ", "Loại đơn vị", "E-mail", "Tên khác (nếu có)"]],
        rows=[[1, "Truong tieu hoc Le Loi", "Trường TH", "leloi@tragiang.edu.vn", None],
              [2, "Trường Mầm non Hoa Sen", "MN", "mnhoasen@tragiang.edu.vn", "MN Hoa Sen; Mẫu giáo Hoa Sen"]])])
    report = units_job(master, listing)
    assert (report.added, report.updated, report.error) == (1, 1, None)
    entries = read_master(master).register.entries
    le_loi = next(e for e in entries if e.name == "Trường Tiểu học Lê Lợi")
    assert (le_loi.kind, le_loi.emails, le_loi.other_names) == ("Tiểu học", ["leloi@tragiang.edu.vn"],
                                                                ["Truong tieu hoc Le Loi"])
    assert entries[-1].other_names == ["MN Hoa Sen", "Mẫu giáo Hoa Sen"] and len(entries) == 5


def test_a_file_with_no_unit_table_is_refused_with_a_clear_message(tmp_path: Path):
    other = tmp_path / "khac.csv"
    other.write_text("Họ và tên,Năm sinh\nNguyễn Văn An,1980\n", encoding="utf-8")
    code, out = run("units", str(tmp_path / "tong-hop.xlsx"), str(other))
    assert code == 1 and "Không tìm thấy bảng đơn vị" in out
    assert not (tmp_path / "tong-hop.xlsx").exists()


# ---------------------------------------------------------------------------
# Resolution


REGISTER = UnitRegister([
    RegisterEntry("Trường Tiểu học Kim Đồng", emails=["thkimdong@tragiang.edu.vn"], other_names=["TH Kim Đồng cũ"]),
    RegisterEntry("Trường THCS Kim Đồng"),
    RegisterEntry("Trường Mầm non Hòa Bình"),
    RegisterEntry("Trường Tiểu học Tân Phú"),
    RegisterEntry("Trường Mầm non Tân Phú"),
    RegisterEntry("Phòng Giáo dục và Đào tạo Long Phú"),
    RegisterEntry("Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên huyện Cù Lao Dung"),
])


@pytest.mark.parametrize("written, official", [
    ("Trường Tiểu học Kim Đồng", "Trường Tiểu học Kim Đồng"),
    ("TRƯỜNG TH KIM ĐỒNG", "Trường Tiểu học Kim Đồng"),  # case and abbreviation
    ("Truong Tieu hoc Kim Dong", "Trường Tiểu học Kim Đồng"),  # no diacritics
    ("Tiểu học Kim Đồng", "Trường Tiểu học Kim Đồng"),  # without "Trường"
    ("Kim Đồng - Trường TH", "Trường Tiểu học Kim Đồng"),  # word order
    ("Trường Tiểu học Kim Ðồng", "Trường Tiểu học Kim Đồng"),  # an eth typed for Đ
    ("TH Kim Đồng cũ", "Trường Tiểu học Kim Đồng"),  # another name in the register
    ("THCS Kim Đồng", "Trường THCS Kim Đồng"),  # the other school of that name
    ("Trường MN Hoà Bình", "Trường Mầm non Hòa Bình"),  # old tone placement
    ("PHÒNG GD&ĐT LONG PHÚ", "Phòng Giáo dục và Đào tạo Long Phú"),
    ("Phong GD-DT Long Phu", "Phòng Giáo dục và Đào tạo Long Phú"),
    # found by fresh-eyes testing: the register's own spelling, shortened when read from a title block
    ("Trung tâm GDNN-GDTX huyện Cù Lao Dung", "Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên huyện Cù Lao Dung"),
    ("TT GDNN - GDTX huyen Cu Lao Dung", None),  # "TT" is not said to be a Trung tâm: no guess
    ("Tân Phú", None),  # two units of that name: no guess
    ("Trường THPT Kim Đồng", None),
])
def test_a_unit_is_found_however_its_name_is_written(written: str, official: str | None):
    entry = REGISTER.find(written)
    assert (entry.name if entry else None) == official


def test_an_address_identifies_a_unit_and_the_closest_names_are_offered():
    assert REGISTER.by_address("Văn thư <THKimDong@tragiang.edu.vn>").name == "Trường Tiểu học Kim Đồng"
    assert REGISTER.by_address("ai.do@gmail.com") is None
    assert REGISTER.closest("Trường Tiểu học Kim Đông")[:2] == ["Trường Tiểu học Kim Đồng", "Trường THCS Kim Đồng"]
    assert REGISTER.closest("Sở Tư pháp") == []


# ---------------------------------------------------------------------------
# The merge names units as the register does


def test_merge_names_units_by_register_and_sender_and_warns_about_unknown_units(tmp_path: Path, office_csv: Path):
    master = tmp_path / "tong-hop.xlsx"
    assert units_job(master, office_csv).error is None
    inbox = tmp_path / "hop-thu"
    unit_file(inbox / "kim-dong.xlsx", [["Đơn vị: Truong TH Kim Dong"]])
    # no unit in the file: its sender's address (in DonVi) says who it is
    emailed(inbox / "thu.eml", unit_file(tmp_path / "DS khen thuong.xlsx"), sender="thcsnguyendu@tragiang.edu.vn",
            date="Wed, 14 May 2025 08:30:00 +0700")
    unit_file(inbox / "le-loi.xlsx", [["Đơn vị: Trường THCS Lê Lợi"]])
    code, out = run("merge", str(master), str(inbox), "--json")
    assert code == 0, out
    data = json.loads(out)
    assert sorted(f["unit"] for f in data["files"]) == ["Trường THCS Lê Lợi", "Trường Tiểu học Kim Đồng",
                                                        "Trường Trung học cơ sở Nguyễn Du"]
    assert data["by_unit"] == {"Trường THCS Lê Lợi": 2, "Trường Tiểu học Kim Đồng": 2,
                               "Trường Trung học cơ sở Nguyễn Du": 2}
    (warning,) = [i for i in data["issues"] if i["code"] == "unit-unregistered"]
    assert (warning["severity"], warning["value"], warning["file"]) == ("warning", "Trường THCS Lê Lợi",
                                                                        str(inbox / "le-loi.xlsx"))
    assert "Gần giống: \"Trường Tiểu học Lê Lợi\"" in warning["message"] and "Tên khác" in warning["message"]
    loi = sheet(master, "Loi")
    assert [r[0] for r in loi if r and r[0] == "unit-unregistered"] == ["unit-unregistered"]
    # the warning is the clerk's to fix: it is not sent back with the unit's own problems
    sent_back = feedback_job(master, out=tmp_path / "tra-lai").units
    le_loi = next(u for u in sent_back if u.unit == "Trường THCS Lê Lợi")
    assert le_loi.issues and "unit-unregistered" not in [i.code for i in le_loi.issues]
    # merging again changes nothing: the official names key the master's state
    again = merge_job(master, [str(inbox)])
    assert [f.action for f in again.files] == ["unchanged"] * 3 and again.rows_total == 6
    assert [i.code for i in again.issues()].count("unit-unregistered") == 1
    # the clerk adds the school to DonVi: the next merge forgets the warning, the file unchanged
    new_unit = tmp_path / "moi.csv"
    new_unit.write_text("Tên đơn vị,Loại đơn vị\nTrường THCS Lê Lợi,THCS\n", encoding="utf-8")
    assert units_job(master, new_unit).added == 1
    fixed = merge_job(master, [str(inbox)])
    assert [f.action for f in fixed.files] == ["unchanged"] * 3
    assert not [i for i in fixed.issues() if i.code == "unit-unregistered"]


def test_an_empty_register_changes_nothing(tmp_path: Path):
    inbox = tmp_path / "hop-thu"
    unit_file(inbox / "le-loi.xlsx", [["Đơn vị: Trường THCS Lê Lợi"]])
    report = merge_job(tmp_path / "tong-hop.xlsx", [str(inbox)])
    assert [f.unit for f in report.files] == ["Trường THCS Lê Lợi"]
    assert not [i for i in report.issues() if i.code == "unit-unregistered"]
    assert sheet(tmp_path / "tong-hop.xlsx", "DonVi") == [[c.header for c in UNIT_COLUMNS]]  # created empty


# ---------------------------------------------------------------------------
# Who has sent, who has not


@pytest.fixture
def round_master(tmp_path: Path, office_csv: Path) -> Path:
    """Deadline 15/05/2025: Kim Đồng sent on 14/05, Nguyễn Du on 17/05 (late), then again; Lê Lợi and Võ Thị
    Sáu have not sent; Trần Phú, not in DonVi, sent."""
    master = tmp_path / "tong-hop.xlsx"
    assert units_job(master, office_csv).error is None
    set_deadline(master, "15/05/2025")
    inbox = tmp_path / "hop-thu"
    unit_file(inbox / "kim-dong.xlsx", [["Đơn vị: Trường TH Kim Đồng"]], sent=datetime(2025, 5, 14, 9, 0))
    unit_file(inbox / "nguyen-du.xlsx", [["Đơn vị: Trường THCS Nguyễn Du"]], sent=datetime(2025, 5, 17, 10, 0))
    unit_file(inbox / "tran-phu.xlsx", [["Đơn vị: Trường THPT Trần Phú"]], sent=datetime(2025, 5, 15, 8, 0))
    assert merge_job(master, [str(inbox)]).error is None
    fixed = tmp_path / "sua" / "nguyen-du-sua.xlsx"
    fixed.parent.mkdir()
    write_workbook(fixed, [Sheet(name="DS", title=[["Đơn vị: Trường THCS Nguyễn Du"]], header=HEADER, rows=ROWS[:1])])
    os.utime(fixed, (datetime(2025, 5, 18, 7, 0).timestamp(),) * 2)
    assert merge_job(master, [str(fixed.parent)]).error is None
    return master


def test_status_json_has_the_contract_shape_and_finds_the_late_and_missing_units(round_master: Path):
    code, out = run("status", str(round_master), "--json")
    assert code == 0, out
    data = json.loads(out)
    assert {"deadline", "units", "missing", "unregistered"} <= set(data)
    assert data["deadline"] == "2025-05-15"
    for unit in data["units"]:
        assert all(isinstance(unit[k], t) for k, t in CONTRACT_UNIT_KEYS.items()), unit
        assert unit["last_sent"] is None or isinstance(unit["last_sent"], str)
    got = {u["unit"]: (u["sent"], u["files"], u["rows"], u["late"]) for u in data["units"]}
    assert got == {
        "Trường Tiểu học Kim Đồng": (True, 1, 2, False),
        "Trường Tiểu học Lê Lợi": (False, 0, 0, True),  # today is past the deadline
        "Trường Trung học cơ sở Nguyễn Du": (True, 2, 1, True),  # first sent on 17/05; the resend replaced it
        "Trường THCS Võ Thị Sáu": (False, 0, 0, True),
    }
    nguyen_du = next(u for u in data["units"] if u["unit"] == "Trường Trung học cơ sở Nguyễn Du")
    assert datetime.fromisoformat(nguyen_du["last_sent"]) == datetime(2025, 5, 18, 7, 0).astimezone()
    assert data["missing"] == ["Trường Tiểu học Lê Lợi", "Trường THCS Võ Thị Sáu"]
    assert data["unregistered"] == ["Trường THPT Trần Phú"]


def test_before_the_deadline_nobody_missing_is_late_and_the_sheet_says_who_sent(round_master: Path):
    report = status_job(round_master, now=datetime(2025, 5, 15, 17, 0))  # on the deadline day itself
    assert report.error is None
    assert [(u.unit, u.late) for u in report.units if not u.sent] == [("Trường Tiểu học Lê Lợi", False),
                                                                      ("Trường THCS Võ Thị Sáu", False)]
    rows = sheet(round_master, "TinhHinhNop")
    header = [c.header for c in SUBMISSION_STATUS_COLUMNS]
    at = rows.index(header)
    table = [r for r in rows[at + 1:at + 5]]
    assert [(r[1], r[2], r[9]) for r in table] == [
        ("Trường Tiểu học Kim Đồng", "Đã nộp", ""), ("Trường Tiểu học Lê Lợi", "Chưa nộp", ""),
        ("Trường Trung học cơ sở Nguyễn Du", "Đã nộp", "Có"), ("Trường THCS Võ Thị Sáu", "Chưa nộp", "")]
    assert rows[at - 2][0] == "(Hạn nộp: 15/05/2025)"
    assert any(r[1] == "Trường THPT Trần Phú" for r in rows[at + 5:])  # the units not in DonVi, under the notes


def test_a_deadline_that_is_not_a_date_is_said_and_nobody_is_late(round_master: Path):
    set_deadline(round_master, "cuối tháng 5")
    report = status_job(round_master)
    assert report.deadline is None and not any(u.late for u in report.units)
    notes = [r[0] for r in sheet(round_master, "TinhHinhNop") if r and isinstance(r[0], str) and "Hạn nộp" in r[0]]
    assert any("cuối tháng 5" in n for n in notes)
    # and the command's own output says it too (fresh-eyes testing found "chưa đặt hạn nộp" there)
    assert report.deadline_typed == "cuối tháng 5"
    code, out = run("status", str(round_master))
    assert code == 0 and "hạn nộp ghi \"cuối tháng 5\" không đọc được" in out and "chưa đặt hạn nộp" not in out


needs_libreoffice = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                                       reason="LibreOffice (soffice) and pdftotext are needed to render sheets")


@needs_libreoffice
def test_the_status_sheet_prints_in_the_official_frame(round_master: Path, tmp_path: Path):
    assert status_job(round_master).error is None
    pdf = tmp_path / "tinh-hinh-nop.pdf"
    code, out = run("export", str(round_master), "--sheet", "TinhHinhNop", "--pdf", str(pdf))
    assert code == 0, out
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    for line in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                 "TÌNH HÌNH NỘP HỒ SƠ ĐỀ NGHỊ KHEN THƯỞNG CỦA CÁC ĐƠN VỊ", "(Hạn nộp: 15/05/2025)",
                 "Trường THCS Võ Thị Sáu", "Chưa nộp", "ĐƠN VỊ ĐÃ GỬI NHƯNG CHƯA CÓ TRONG DANH SÁCH ĐƠN VỊ",
                 "Trường THPT Trần Phú", "NGƯỜI LẬP BIỂU"):
        assert line in text, line


# ---------------------------------------------------------------------------
# Reminders


def test_remind_writes_a_draft_to_every_unit_that_has_not_sent_and_names_those_without_email(round_master: Path,
                                                                                             tmp_path: Path):
    out_dir = tmp_path / "thu-nhac"
    code, out = run("remind", str(round_master), "--out", str(out_dir), "--json")
    assert code == 1, out  # Lê Lợi has no address in DonVi
    data = json.loads(out)
    assert data["no_email"] == ["Trường Tiểu học Lê Lợi"] and data["deadline"] == "2025-05-15"
    assert [(r["unit"], r["to"]) for r in data["reminders"]] == [("Trường THCS Võ Thị Sáu", ["vothisau@tragiang.edu.vn"])]
    (draft,) = out_dir.glob("*.eml")
    assert draft.name == "Trường THCS Võ Thị Sáu - Nhắc nộp hồ sơ.eml"
    message = email.message_from_bytes(draft.read_bytes(), policy=email.policy.default)
    assert message["To"] == "vothisau@tragiang.edu.vn" and message["X-Unsent"] == "1"
    assert message["Subject"] == "Nhắc nộp danh sách đề nghị khen thưởng (hạn nộp 15/05/2025)"
    body = message.get_content()
    assert body.startswith("Kính gửi: Trường THCS Võ Thị Sáu,")
    assert "Hạn nộp là ngày 15/05/2025 và đã qua" in body


def test_remind_before_the_deadline_and_with_an_empty_register(round_master: Path, tmp_path: Path):
    report = remind_job(round_master, out=tmp_path / "nhac", now=datetime(2025, 5, 10, 8, 0))
    (reminder,) = report.reminders
    message = email.message_from_bytes(reminder.file.read_bytes(), policy=email.policy.default)
    assert "Hạn nộp là ngày 15/05/2025: đề nghị đơn vị gửi danh sách đúng hạn." in message.get_content()
    empty = tmp_path / "trong" / "tong-hop.xlsx"
    unit_file(tmp_path / "trong" / "hop-thu" / "a.xlsx", [["Đơn vị: Trường TH Kim Đồng"]])
    assert merge_job(empty, [str(tmp_path / "trong" / "hop-thu")]).error is None
    code, out = run("remind", str(empty))
    assert code == 1 and "Trang DonVi chưa có đơn vị nào" in out


# ---------------------------------------------------------------------------
# The buttons, on xlwings' remote engine (see tests/test_excel.py)


DEMO_UNITS = """Tên đơn vị,Email,Loại đơn vị
Trường THCS Nguyễn Du,thcsnguyendu@tragiang.edu.vn,THCS
Trường Mầm non Hoa Sen,mnhoasen@tragiang.edu.vn,MN
Trường Tiểu học Kim Đồng,,TH
Trường THPT Trần Phú,,THPT
Trung tâm GDNN-GDTX Trà Giang,,TT
UBND xã Tân Phú,,UBND
Trường Tiểu học Lê Lợi,,TH
Trường THCS Võ Thị Sáu,,THCS
Trường Tiểu học Bình Minh,"binhminh@tragiang.edu.vn, hieutruong.bm@gmail.com",TH
Trường THCS Lý Tự Trọng,,THCS
"""


def test_the_buttons_show_who_has_sent_and_write_the_reminders(tmp_path: Path):
    pytest.importorskip("xlwings")
    from test_excel import BUILT, alert_text, open_book, written

    import addin.excel as buttons
    from addin import schema, settings as settings_mod
    from addin.demo import write_demo_mailbox
    from addin.workbook.master import SheetData, write_sheets

    master = tmp_path / BUILT.name
    shutil.copy(BUILT, master)
    write_demo_mailbox(tmp_path / "hop-thu")
    (tmp_path / "don-vi.csv").write_text(DEMO_UNITS, encoding="utf-8")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert units_job(master, "don-vi.csv").error is None
        assert merge_job(master, ["hop-thu"]).error is None
    finally:
        os.chdir(cwd)
    write_sheets(master, [SheetData(schema.SETTINGS, schema.headers(schema.SETTINGS_COLUMNS),
                                    settings_mod.rows(settings_mod.Settings(deadline="15/05/2025")))], keep_backups=0)

    book = open_book(master)
    buttons.submission_status(book)
    values = written(book, "TinhHinhNop")
    at = values.index([c.header for c in SUBMISSION_STATUS_COLUMNS])
    table = {r[1]: r[2] for r in values[at + 1:at + 11]}
    assert table == {**{name: "Đã nộp" for name in list(table)[:8]},
                     "Trường Tiểu học Bình Minh": "Chưa nộp", "Trường THCS Lý Tự Trọng": "Chưa nộp"}
    text = alert_text(book)
    assert text.startswith("8/10 đơn vị đã nộp (hạn nộp 15/05/2025).")
    assert "Chưa nộp: Trường Tiểu học Bình Minh, Trường THCS Lý Tự Trọng." in text

    book = open_book(master)
    buttons.remind_units(book)
    (draft,) = (tmp_path / "nhac-nop").glob("*.eml")
    message = email.message_from_bytes(draft.read_bytes(), policy=email.policy.default)
    assert message["To"] == "binhminh@tragiang.edu.vn, hieutruong.bm@gmail.com"
    text = alert_text(book)
    assert "Đã soạn 1 thư nhắc" in text and "chưa soạn được thư: Trường THCS Lý Tự Trọng." in text


def test_a_deadline_typed_under_the_sections_of_an_older_cauhinh_is_read():
    from addin import settings as settings_mod

    older = [r for r in settings_mod.rows() if r[0] != "Hạn nộp"] + [["Hạn nộp", datetime(2025, 5, 15), None]]
    parsed = settings_mod.parse(older)
    assert (parsed.deadline, str(parsed.deadline_date())) == ("15/05/2025", "2025-05-15")
    assert parsed.type_role_quotas == {}


def test_status_says_when_a_unit_was_sent_its_feedback(round_master: Path):
    sent_back = feedback_job(round_master)  # into tra-lai beside the master, where status looks
    assert sent_back.error is None
    got = {u.unit for u in sent_back.units if u.workbook is not None}
    assert "Trường Tiểu học Kim Đồng" in got
    report = status_job(round_master)
    with_feedback = {u.unit for u in report.units if u.feedback is not None}
    assert with_feedback == got - {u.unit for u in report.unregistered}
    assert "Trường THCS Võ Thị Sáu" not in with_feedback
    kim_dong = next(u for u in report.to_json_dict()["units"] if u["unit"] == "Trường Tiểu học Kim Đồng")
    assert kim_dong["feedback"] is not None


def test_a_registered_sender_names_a_unit_the_file_only_guesses(tmp_path: Path, office_csv: Path):
    """Found by fresh-eyes testing: a list named only by its file name kept its "uncertain" unit though
    the register knew the sender, so the school's corrected list was added beside the first (its people
    counted twice); and a sheet named after another school sent the rows to that school."""
    master = tmp_path / "tong-hop.xlsx"
    assert units_job(master, office_csv).error is None
    first = emailed(tmp_path / "hop-thu" / "1.eml", unit_file(tmp_path / "Vo Thi Sau.xlsx"),
                    sender="vothisau@tragiang.edu.vn", date="Wed, 14 May 2025 08:30:00 +0700")
    report = merge_job(master, [str(first)])
    [f] = report.files
    assert (f.unit, f.action, f.unit_confidence) == ("Trường THCS Võ Thị Sáu", "added", "strong")
    assert "sender" in f.unit_evidence
    assert not [i for i in report.issues() if i.code in ("unit-uncertain", "unit-unregistered")]
    # the corrected list, from the same address, a day later: it replaces the first
    corrected = tmp_path / "Vo Thi Sau - sua.xlsx"
    write_workbook(corrected, [Sheet(name="DS", header=HEADER, rows=ROWS[:1])])
    second = emailed(tmp_path / "hop-thu" / "2.eml", corrected, sender="vothisau@tragiang.edu.vn",
                     date="Thu, 15 May 2025 08:30:00 +0700")
    report = merge_job(master, [str(second)])
    assert [(f.unit, f.action) for f in report.files] == [("Trường THCS Võ Thị Sáu", "replaced")]
    assert report.rows_total == 1
    # a template copied from another school, its sheet still named for it, sent from Nguyễn Du's address
    copied = tmp_path / "Mau DS.xlsx"
    write_workbook(copied, [Sheet(name="Trường TH Kim Đồng", header=HEADER, rows=ROWS)])
    third = emailed(tmp_path / "hop-thu" / "3.eml", copied, sender="thcsnguyendu@tragiang.edu.vn",
                    date="Thu, 15 May 2025 09:30:00 +0700")
    report = merge_job(master, [str(third)])
    assert [(f.unit, f.action) for f in report.files] == [("Trường Trung học cơ sở Nguyễn Du", "added")]
    assert report.outcome is not None and "Trường Tiểu học Kim Đồng" not in report.outcome.by_unit


def test_a_file_naming_its_own_school_is_not_the_sender_s_unit(tmp_path: Path, office_csv: Path):
    """Round 3 of fresh-eyes testing: one address (a school cluster's) sent two schools' lists; the one
    whose title names a school DonVi does not know was taken for the sender's school and replaced its list."""
    master = tmp_path / "tong-hop.xlsx"
    assert units_job(master, office_csv).error is None
    own = emailed(tmp_path / "hop-thu" / "1.eml", unit_file(tmp_path / "Vo Thi Sau.xlsx"),
                  sender="vothisau@tragiang.edu.vn", date="Wed, 14 May 2025 08:30:00 +0700")
    other = emailed(tmp_path / "hop-thu" / "2.eml",
                    unit_file(tmp_path / "B.xlsx", [["TRƯỜNG THCS HAI THƯ B"], ["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG"]]),
                    sender="vothisau@tragiang.edu.vn", date="Wed, 14 May 2025 09:30:00 +0700")
    report = merge_job(master, [str(own), str(other)])
    assert sorted((f.unit, f.action) for f in report.files) == [("Trường THCS Hai Thư B", "added"),
                                                               ("Trường THCS Võ Thị Sáu", "added")]
    assert report.rows_total == 4
    assert [i.value for i in report.issues() if i.code == "unit-unregistered"] == ["Trường THCS Hai Thư B"]


def test_a_unit_whose_files_could_not_be_read_is_said_to_have_sent(tmp_path: Path, office_csv: Path):
    """Round 3 of fresh-eyes testing: a school whose e-mailed file was refused (damaged, winmail.dat...)
    was listed as not having sent, and reminded that nothing had been received."""
    master = tmp_path / "tong-hop.xlsx"
    assert units_job(master, office_csv).error is None
    broken = tmp_path / "DS khen thuong.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    mail = emailed(tmp_path / "hop-thu" / "thu.eml", broken, sender="vothisau@tragiang.edu.vn",
                   date="Wed, 14 May 2025 08:30:00 +0700")
    other = emailed(tmp_path / "hop-thu" / "thu2.eml", unit_file(tmp_path / "ND.xlsx"), sender="thcsnguyendu@tragiang.edu.vn",
                    date="Wed, 14 May 2025 09:30:00 +0700")
    assert merge_job(master, [str(mail), str(other)]).error is None
    report = status_job(master)
    vo = next(u for u in report.units if u.unit == "Trường THCS Võ Thị Sáu")
    assert (vo.sent, vo.refused) == (False, 1) and "không đọc được" in vo.note
    drafts = remind_job(master, out=tmp_path / "nhac").reminders
    text = next(r for r in drafts if r.unit == "Trường THCS Võ Thị Sáu").file.read_text(encoding="utf-8", errors="replace")
    assert "không đọc được" in email.message_from_string(text, policy=email.policy.default).get_body().get_content()
