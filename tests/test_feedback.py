"""tdkt feedback: what goes back to a unit is its own list with exactly the problem cells marked."""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
from email.message import EmailMessage
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from addin.cli import main
from addin.jobs import feedback_job
from addin.jobs import merge_job
from addin.workbook.feedback_book import FILLS, SHEET_FEEDBACK

from conftest import Sheet, write_workbook

HEADER = [["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Danh hiệu đề nghị"]]
TITLE = [["UBND XÃ TÂN PHÚ"], ["TRƯỜNG THCS NGUYỄN DU"], [], ["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025"], []]
# Excel rows: title 1-5, header 6, data from 7.
PLANTED = [
    [1, "Nguyễn Văn An", "12/03/1980", "Nam", "Lao động tiên tiến"],  # 7: fine
    [2, "Trần Thị Bình", "31/02/1985", "Nữ", "Lao động tiên tiến"],  # 8: C8 not on the calendar
    [3, "Lê Văn Cường", "05/06/1979", "Nam", "Huy hiệu vàng"],  # 9: E9 not in the catalogue
    [4, "Phạm Thị Dung", "14/07/1990", "Khác", "Lao động tiên tiến"],  # 10: D10 not a gender
    [5, "Hoàng Văn Em", None, "Nam", "Lao động tiên tiến"],  # 11: C11 missing birth (warning)
]
ERROR_CELLS = {"C8", "E9", "D10"}
WARNING_CELLS = {"C11"}


def unit_file(path: Path, rows: list[list] = PLANTED, title: list[list] = TITLE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_workbook(path, [Sheet(name="DS", title=title, header=HEADER, rows=rows, merges=["A4:E4"])])


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def marked(path: Path, sheet: str = "DS") -> tuple[dict[str, str], dict[str, str]]:
    """(cell -> fill colour, cell -> comment) of the cells tdkt marked in a feedback workbook."""
    ws = openpyxl.load_workbook(path)[sheet]
    fills, comments = {}, {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.fill is not None and cell.fill.fill_type == "solid" and cell.fill.start_color.rgb in FILLS.values():
                fills[cell.coordinate] = cell.fill.start_color.rgb
            if cell.comment is not None:
                comments[cell.coordinate] = cell.comment.text
    return fills, comments


def test_marked_copy_has_exactly_the_problem_cells_and_the_original_is_untouched(tmp_path: Path) -> None:
    original = unit_file(tmp_path / "hop-thu" / "THCS Nguyen Du.xlsx")
    before = sha(original)
    master = tmp_path / "tong-hop.xlsx"
    assert merge_job(master, [str(tmp_path / "hop-thu")]).error is None

    report = feedback_job(master)

    assert report.error is None and report.ok
    [unit] = report.units
    assert unit.unit == "Trường THCS Nguyễn Du"
    assert (unit.errors, unit.warnings, unit.cells) == (3, 1, 4)
    assert unit.workbook == tmp_path / "tra-lai" / "Trường THCS Nguyễn Du - Lỗi cần sửa.xlsx"
    assert unit.reply is None  # a plain file has no sender to reply to
    fills, comments = marked(unit.workbook)
    assert set(fills) == ERROR_CELLS | WARNING_CELLS
    assert set(comments) == ERROR_CELLS | WARNING_CELLS
    assert {c for c, colour in fills.items() if colour == FILLS["error"]} == ERROR_CELLS
    assert "31/02/1985" in comments["C8"] and "Huy hiệu vàng" in comments["E9"]
    assert comments["C11"].startswith("Cảnh báo: Thiếu ngày sinh")
    # the unit's own values and merges are kept
    book = openpyxl.load_workbook(unit.workbook)
    assert book.sheetnames == [SHEET_FEEDBACK, "DS"]
    ws = book["DS"]
    assert [ws.cell(r, 2).value for r in range(7, 12)] == [r[1] for r in PLANTED]
    assert "A4:E4" in {str(m) for m in ws.merged_cells.ranges}
    assert ws["C8"].value == "31/02/1985"
    # the unit's file is never written
    assert sha(original) == before


def test_problem_list_sheet_names_row_column_value_and_what_to_do(tmp_path: Path) -> None:
    unit_file(tmp_path / "hop-thu" / "THCS Nguyen Du.xlsx")
    master = tmp_path / "tong-hop.xlsx"
    merge_job(master, [str(tmp_path / "hop-thu")])
    [unit] = feedback_job(master).units

    ws = openpyxl.load_workbook(unit.workbook)[SHEET_FEEDBACK]
    assert ws["A1"].value == "LỖI CẦN SỬA TRONG DANH SÁCH CỦA TRƯỜNG THCS NGUYỄN DU"
    header = [c.value for c in ws[5]]
    assert header == ["STT", "Trang", "Ô", "Dòng", "Cột", "Giá trị", "Mức", "Cần làm gì"]
    listed = [(r[2].value, r[3].value, r[4].value, r[5].value, r[6].value) for r in ws.iter_rows(min_row=6) if r[0].value]
    assert listed == [
        ("C8", 8, "Ngày sinh", "31/02/1985", "Lỗi"),
        ("E9", 9, "Danh hiệu đề nghị", "Huy hiệu vàng", "Lỗi"),
        ("D10", 10, "Giới tính", "Khác", "Lỗi"),
        ("C11", 11, "Ngày sinh", None, "Cảnh báo"),
    ]
    assert ws["C6"].hyperlink.location == "'DS'!C8"
    assert all(r[7].value for r in ws.iter_rows(min_row=6) if r[0].value)  # every row says what to do
    assert unit.text_file.read_text(encoding="utf-8").startswith("Kính gửi: Trường THCS Nguyễn Du,")


def _emailed(path: Path, attachment: Path, *, sender: str, subject: str, message_id: str) -> Path:
    message = EmailMessage()
    message["From"] = f"Trường THCS Nguyễn Du <{sender}>"
    message["To"] = "vanphong@so.example.edu.vn"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = "Wed, 14 May 2025 08:30:00 +0700"
    message.set_content("Kính gửi Sở, đơn vị gửi danh sách đề nghị khen thưởng.")
    message.add_attachment(attachment.read_bytes(), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename="DS khen thưởng.xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Unfolded: Python's folding drops the space between two encoded words of the Subject.
    path.write_bytes(message.as_bytes(policy=email.policy.SMTP.clone(max_line_length=998)))
    return path


def test_emailed_list_gets_a_reply_draft_to_its_sender_with_the_workbook_attached(tmp_path: Path) -> None:
    attachment = unit_file(tmp_path / "tam" / "DS.xlsx")
    mail = _emailed(tmp_path / "hop-thu" / "thu.eml", attachment, sender="thcsnguyendu@example.edu.vn",
                    subject="Danh sách đề nghị khen thưởng năm học 2024-2025", message_id="<ds-2025@example.edu.vn>")
    attachment.unlink()
    master = tmp_path / "tong-hop.xlsx"
    merge_job(master, [str(tmp_path / "hop-thu")])
    before = sha(mail)

    [unit] = feedback_job(master).units

    assert unit.reply is not None and unit.sender == "thcsnguyendu@example.edu.vn"
    reply = email.message_from_bytes(unit.reply.read_bytes(), policy=email.policy.default)
    assert reply["To"] == "thcsnguyendu@example.edu.vn"
    assert reply["Subject"] == "Re: Danh sách đề nghị khen thưởng năm học 2024-2025"
    assert reply["In-Reply-To"] == "<ds-2025@example.edu.vn>" == reply["References"]
    [attached] = list(reply.iter_attachments())
    assert attached.get_filename() == "Trường THCS Nguyễn Du - Lỗi cần sửa.xlsx"
    assert attached.get_payload(decode=True) == unit.workbook.read_bytes()
    body = reply.get_body(("plain",)).get_content()
    assert "Kính gửi: Trường THCS Nguyễn Du," in body and "gửi ngày 14/05/2025" in body
    assert "dòng 8, cột \"Ngày sinh\"" in body
    assert sha(mail) == before


def test_units_without_problems_get_nothing_and_are_listed(tmp_path: Path) -> None:
    unit_file(tmp_path / "hop-thu" / "a.xlsx")
    unit_file(tmp_path / "hop-thu" / "b.xlsx", rows=[[1, "Đỗ Thị Giang", "01/01/1988", "Nữ", "Lao động tiên tiến"]],
              title=[["TRƯỜNG TIỂU HỌC LÊ LỢI"], [], ["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG"], [], []])
    master = tmp_path / "tong-hop.xlsx"
    merge_job(master, [str(tmp_path / "hop-thu")])

    report = feedback_job(master, out=tmp_path / "gui-lai")

    assert [u.unit for u in report.units] == ["Trường THCS Nguyễn Du"]
    assert report.clean_units == ["Trường Tiểu học Lê Lợi"]
    assert sorted(p.name for p in (tmp_path / "gui-lai").iterdir()) == [
        "Trường THCS Nguyễn Du - Lỗi cần sửa.xlsx", "Trường THCS Nguyễn Du - Thư trả lời.txt"]


def test_a_unit_whose_file_is_gone_is_named_and_the_others_still_get_theirs(tmp_path: Path) -> None:
    gone = unit_file(tmp_path / "hop-thu" / "a.xlsx")
    unit_file(tmp_path / "hop-thu" / "b.xlsx", rows=PLANTED[:3],
              title=[["TRƯỜNG TIỂU HỌC LÊ LỢI"], [], ["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG"], [], []])
    master = tmp_path / "tong-hop.xlsx"
    merge_job(master, [str(tmp_path / "hop-thu")])
    gone.unlink()

    result = CliRunner().invoke(main, ["feedback", str(master), "--json"])

    assert result.exit_code == 1
    data = json.loads(result.output)
    by_unit = {u["unit"]: u for u in data["units"]}
    missing = by_unit["Trường THCS Nguyễn Du"]
    assert missing["found"] is False and missing["workbook"] is None
    assert "Không tìm thấy tệp đơn vị đã gửi" in missing["error"]
    done = by_unit["Trường Tiểu học Lê Lợi"]
    assert done["found"] is True and Path(done["workbook"]).is_file()
    # rows 7 and 9 propose people Nguyễn Du also proposes: the master's warnings, on the name cells
    assert (done["errors"], done["warnings"], done["cells"]) == (2, 2, 4)
    fills, comments = marked(Path(done["workbook"]))
    assert set(fills) == set(comments) == {"B7", "C8", "B9", "E9"}
    assert "Trường THCS Nguyễn Du" in comments["B7"]
    assert data["written"] == 1 and data["error"] is None


def test_a_file_named_on_the_command_line_is_found_by_its_content(tmp_path: Path) -> None:
    original = unit_file(tmp_path / "nhan" / "x.xlsx")
    master = tmp_path / "so" / "tong-hop.xlsx"
    merge_job(master, [str(original)])
    moved = tmp_path / "luu-tru" / "ban-goc.xlsx"
    moved.parent.mkdir()
    original.rename(moved)

    result = CliRunner().invoke(main, ["feedback", str(master), str(tmp_path / "luu-tru"), "--out", str(tmp_path / "ra")])

    assert result.exit_code == 0, result.output
    assert "✉ Trường THCS Nguyễn Du — 3 lỗi, 1 cảnh báo (4 ô được tô màu)" in result.output
    assert "Kính gửi: Trường THCS Nguyễn Du," in result.output
    assert set(marked(tmp_path / "ra" / "Trường THCS Nguyễn Du - Lỗi cần sửa.xlsx")[0]) == ERROR_CELLS | WARNING_CELLS


def test_samples_planted_errors_are_marked_and_samples_are_untouched(samples: Path, tmp_path: Path) -> None:
    before = {p.name: sha(p) for p in samples.iterdir() if p.is_file()}
    master = tmp_path / "tong-hop.xlsx"
    merge_job(master, [str(samples)])

    report = feedback_job(master, [str(samples)])

    assert report.error is None
    units = {u.unit: u for u in report.units}
    mn = units["Trường Mầm non Hướng Dương"]
    assert mn.error is None and mn.errors + mn.warnings >= 5
    fills, comments = marked(mn.workbook, openpyxl.load_workbook(mn.workbook).sheetnames[1])
    located = [i for i in mn.issues if i.row is not None and i.column]
    assert len(fills) == len(comments) == mn.cells >= 5
    assert {int("".join(ch for ch in c if ch.isdigit())) for c in fills} == {i.row for i in located}
    assert all(u.workbook is not None for u in report.units), [u.error for u in report.units]
    assert {p.name: sha(p) for p in samples.iterdir() if p.is_file()} == before


def _feedback(master: Path, *args: str) -> dict:
    result = CliRunner().invoke(main, ["feedback", str(master), *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_file_is_found_where_the_master_recorded_it_outside_the_inbox(tmp_path: Path) -> None:
    original = unit_file(tmp_path / "elsewhere" / "THCS Nguyen Du.xlsx")
    master = tmp_path / "so" / "tong-hop.xlsx"
    assert merge_job(master, [str(tmp_path / "elsewhere")]).error is None
    assert not (tmp_path / "so" / "hop-thu").exists()  # the configured inbox is not where the file is

    data = _feedback(master)  # no SOURCES

    [unit] = data["units"]
    assert unit["found"] is True and unit["moved_from"] is None
    assert Path(unit["source"]).resolve() == original.resolve()
    assert unit["workbook"] == str(tmp_path / "so" / "tra-lai" / "Trường THCS Nguyễn Du - Lỗi cần sửa.xlsx")
    assert set(marked(Path(unit["workbook"]))[0]) == ERROR_CELLS | WARNING_CELLS


def test_the_file_inside_a_recorded_email_outside_the_inbox_is_found(tmp_path: Path) -> None:
    attachment = unit_file(tmp_path / "tam" / "DS.xlsx")
    mail = _emailed(tmp_path / "elsewhere" / "thu.eml", attachment, sender="thcsnguyendu@example.edu.vn",
                    subject="Danh sách đề nghị khen thưởng", message_id="<ds-elsewhere@example.edu.vn>")
    attachment.unlink()
    master = tmp_path / "so" / "tong-hop.xlsx"
    assert merge_job(master, [str(tmp_path / "elsewhere")]).error is None

    data = _feedback(master)

    [unit] = data["units"]
    assert unit["found"] is True and unit["moved_from"] is None
    assert unit["source"].endswith("thu.eml » DS khen thưởng.xlsx")
    assert unit["sender"] == "thcsnguyendu@example.edu.vn" and Path(unit["reply"]).is_file()
    assert set(marked(Path(unit["workbook"]))[0]) == ERROR_CELLS | WARNING_CELLS
    assert mail.is_file()


def test_a_recorded_file_moved_away_is_found_in_the_inbox_and_the_output_says_so(tmp_path: Path) -> None:
    original = unit_file(tmp_path / "elsewhere" / "THCS Nguyen Du.xlsx")
    master = tmp_path / "so" / "tong-hop.xlsx"
    assert merge_job(master, [str(tmp_path / "elsewhere")]).error is None
    inbox = tmp_path / "so" / "hop-thu"  # the default "Thư mục hộp thư"
    inbox.mkdir()
    moved = inbox / "da-chuyen.xlsx"
    original.rename(moved)

    data = _feedback(master)

    [unit] = data["units"]
    assert unit["found"] is True and Path(unit["source"]).resolve() == moved.resolve()
    assert unit["moved_from"] == unit["file"] and unit["moved_from"].endswith("THCS Nguyen Du.xlsx")
    assert Path(unit["workbook"]).is_file()
    result = CliRunner().invoke(main, ["feedback", str(master)])
    assert result.exit_code == 0, result.output
    assert f"Tệp của đơn vị không còn ở \"{unit['file']}\" như sổ đã ghi" in result.output
    assert "da-chuyen.xlsx" in result.output


def test_a_unit_is_told_who_else_proposed_its_person_without_the_office_s_references(tmp_path: Path) -> None:
    """Found by fresh-eyes testing: the letter to a school quoted another unit's file path and the row
    of the master's DanhSach. The clerk's Loi keeps them; the unit gets the other unit's name."""
    unit_file(tmp_path / "hop-thu" / "a" / "THCS Nguyen Du.xlsx")
    other = [["UBND XÃ TÂN PHÚ"], ["TRƯỜNG TIỂU HỌC KIM ĐỒNG"], [], ["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025"], []]
    unit_file(tmp_path / "hop-thu" / "b" / "TH Kim Dong.xlsx", rows=PLANTED[:1], title=other)
    master = tmp_path / "tong-hop.xlsx"
    report = merge_job(master, [str(tmp_path / "hop-thu")])
    office = [i.message for i in report.issues() if i.code == "duplicate-across-units"]
    assert office and all("trong DanhSach" in m and "tệp" in m for m in office)
    units = {u.unit: u for u in feedback_job(master).units}
    letter = units["Trường THCS Nguyễn Du"].text_file.read_text(encoding="utf-8")
    assert "cũng được đề nghị ở: Trường Tiểu học Kim Đồng." in letter
    assert "trong DanhSach" not in letter and "hop-thu" not in letter
    ws = openpyxl.load_workbook(units["Trường THCS Nguyễn Du"].workbook)[SHEET_FEEDBACK]
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value]
    assert any("Trường Tiểu học Kim Đồng" in t for t in texts) and not any("trong DanhSach" in t for t in texts)
