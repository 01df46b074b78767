"""Which version of a unit's list is newer, on evidence (issue 11, point 7).

The document date written in the list and an email's Date are strong, a zip entry's time is
medium, a file's modification time weak. Real workbooks, emails and masters in tmp_path.
"""

from __future__ import annotations

import email.utils
import os
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import python_calamine as pc
import xlsxwriter

from addin import schema
from addin.ingest import read_submission
from addin.jobs import merge_job
from addin.workbook.masterbook import read_master, state_of

UNIT = "TRƯỜNG THCS LÊ LỢI"
MAY_20 = datetime(2025, 5, 20, 10, 0).astimezone()
COPIED = datetime(2025, 9, 3, 14, 0).astimezone()  # when the clerk copied the inbox folder: every mtime reset


def unit_list(path: Path, people: list[str], *, written: date | None = None, where: str = "title",
              mtime: datetime | None = None) -> Path:
    """A unit's list: agency line, title, header, one LĐTT row per person; the date line above or below."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("DS")
    line = f"Lê Lợi, ngày {written.day} tháng {written.month} năm {written.year}" if written else None
    ws.write_string(0, 0, UNIT)
    if line and where == "title":
        ws.write_string(0, 4, line)
    ws.write_string(1, 0, "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025")
    for c, text in enumerate(["STT", "Họ và tên", "Năm sinh", "Chức vụ", "Danh hiệu đề nghị"]):
        ws.write_string(3, c, text)
    for i, name in enumerate(people):
        ws.write_number(4 + i, 0, i + 1)
        ws.write_string(4 + i, 1, name)
        ws.write_number(4 + i, 2, 1980 + i)
        ws.write_string(4 + i, 3, "Giáo viên")
        ws.write_string(4 + i, 4, "Lao động tiên tiến")
    end = 4 + len(people) + 1
    if line and where == "footer":
        ws.write_string(end, 3, line)
    ws.write_string(end + 1, 3, "HIỆU TRƯỞNG")
    book.close()
    if mtime is not None:
        os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    return path


def emailed(path: Path, attachment: Path, sent: datetime, *, mtime: datetime | None = None) -> Path:
    message = EmailMessage()
    message["From"] = "thcsleloi@example.edu.vn"
    message["Subject"] = "Gửi lại danh sách đã sửa"
    message["Date"] = email.utils.format_datetime(sent)
    message.set_content("Kính gửi Phòng GD&ĐT, đơn vị gửi lại danh sách đã sửa.")
    message.add_attachment(attachment.read_bytes(), maintype="application", subtype="octet-stream",
                           filename="DS Le Loi (da sua).xlsx")
    path.write_bytes(bytes(message))
    if mtime is not None:
        os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    return path


def sheet(master: Path, name: str, first: str) -> list[dict[str, Any]]:
    rows = pc.CalamineWorkbook.from_path(str(master)).get_sheet_by_name(name).to_python()
    h = next(i for i, r in enumerate(rows) if r and r[0] == first)
    out = []
    for r in rows[h + 1:]:
        if all(v in ("", None) for v in r):
            break
        out.append(dict(zip(rows[h], r)))
    return out


def names(master: Path) -> list[str]:
    return [r["Họ và tên"] for r in sheet(master, schema.LIST, "STT")]


def log(master: Path) -> list[tuple[str, str]]:
    return [(Path(str(r["Tệp"]).split(" » ")[-1]).name, r["Thao tác"]) for r in sheet(master, schema.LOG, "Thời điểm")]


def uncertain(master: Path) -> list[dict[str, Any]]:
    return [r for r in sheet(master, schema.ISSUES, "Mã lỗi") if r["Mã lỗi"] == "version-order-uncertain"]


def keep(master: Path, file_name: str) -> None:
    """What the clerk does: an "x" in NhatKy's "Giữ bản này" on the rows of the file to keep."""
    book = openpyxl.load_workbook(master)
    ws = book[schema.LOG]
    header = [c.value for c in ws[1]]
    path_col, keep_col = header.index("Tệp") + 1, header.index("Giữ bản này") + 1
    marked = 0
    for r in range(2, ws.max_row + 1):
        if str(ws.cell(r, path_col).value or "").endswith(file_name):
            ws.cell(r, keep_col).value = "x"
            marked += 1
    assert marked
    book.save(master)


# ---------------------------------------------------------------------------
# The copied inbox


def copied_inbox(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The erroneous original saved as a plain file, the corrected list that came later by email; then the
    folder was copied, so the original's modification time is newer than the email's Date."""
    inbox = tmp_path / "hop-thu"
    original = unit_list(inbox / "le-loi.xlsx", ["Nguyễn Văn An", "Trần Thị Bìnhh"], mtime=COPIED)
    corrected = unit_list(tmp_path / "tmp" / "sua.xlsx", ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"])
    mail = emailed(inbox / "gui-lai.eml", corrected, MAY_20, mtime=COPIED)
    return inbox, original, mail


def test_copied_inbox_keeps_the_corrected_version_and_says_the_order_is_uncertain(tmp_path: Path) -> None:
    inbox, original, mail = copied_inbox(tmp_path)
    master = tmp_path / "tong-hop.xlsx"

    report = merge_job(master, [str(inbox)])

    assert report.error is None
    assert names(master) == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]  # the corrected list
    assert sorted(log(master)) == [("DS Le Loi (da sua).xlsx", "Thêm mới"), ("le-loi.xlsx", "Bỏ qua")]
    (warning,) = uncertain(master)
    assert warning["Mức"] == "Cảnh báo"
    assert "20/05/2025 10:00" in warning["Nội dung"]  # the email's Date
    assert COPIED.strftime("%d/%m/%Y %H:%M") in warning["Nội dung"]  # the original's modification time
    assert "Giữ bản này" in warning["Nội dung"] and "le-loi.xlsx" in warning["Nội dung"]
    assert [f["document_date"] for f in report.to_json_dict()["files"]] == [None, None]

    # merging the same inbox again: the same choice, the warning once
    again = merge_job(master, [str(inbox)])
    assert again.error is None
    assert names(master) == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]
    assert len(uncertain(master)) == 1


def test_the_email_version_held_by_the_master_is_not_replaced_by_a_later_copied_file(tmp_path: Path) -> None:
    """The evidence round-trips through NhatKy: the held version is known to have come by email."""
    inbox, original, mail = copied_inbox(tmp_path)
    master = tmp_path / "tong-hop.xlsx"
    assert merge_job(master, [str(mail)]).error is None
    assert [r["Căn cứ ngày gửi"] for r in sheet(master, schema.LOG, "Thời điểm")] == ["Thư điện tử"]

    assert merge_job(master, [str(original)]).error is None

    assert names(master) == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]
    assert log(master)[-1] == ("le-loi.xlsx", "Bỏ qua")
    assert len(uncertain(master)) == 1


def test_the_clerk_settles_it_by_keeping_the_other_version(tmp_path: Path) -> None:
    inbox, original, mail = copied_inbox(tmp_path)
    master = tmp_path / "tong-hop.xlsx"
    assert merge_job(master, [str(inbox)]).error is None

    keep(master, "le-loi.xlsx")  # the clerk knows the plain file is the one to use
    assert merge_job(master, [str(inbox)]).error is None

    assert names(master) == ["Nguyễn Văn An", "Trần Thị Bìnhh"]
    assert log(master)[-2:] in ([("DS Le Loi (da sua).xlsx", "Không đổi"), ("le-loi.xlsx", "Thay thế bản trước")],
                                [("le-loi.xlsx", "Thay thế bản trước"), ("DS Le Loi (da sua).xlsx", "Bỏ qua")])
    assert uncertain(master) == []
    # and the merge after it obeys too
    assert merge_job(master, [str(inbox)]).error is None
    assert names(master) == ["Nguyễn Văn An", "Trần Thị Bìnhh"]
    assert uncertain(master) == []


def test_the_clerk_confirms_the_kept_version_and_the_warning_goes(tmp_path: Path) -> None:
    inbox, original, mail = copied_inbox(tmp_path)
    master = tmp_path / "tong-hop.xlsx"
    assert merge_job(master, [str(inbox)]).error is None
    assert len(uncertain(master)) == 1

    keep(master, "DS Le Loi (da sua).xlsx")
    assert merge_job(master, [str(inbox)]).error is None

    assert names(master) == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]
    assert uncertain(master) == []
    assert log(master)[-1] == ("le-loi.xlsx", "Bỏ qua")


# ---------------------------------------------------------------------------
# The document date


def test_the_document_date_is_read_from_the_title_block_or_above_the_signatures(tmp_path: Path) -> None:
    above = read_submission(unit_list(tmp_path / "a.xlsx", ["Nguyễn Văn An"], written=date(2025, 5, 15)))
    below = read_submission(unit_list(tmp_path / "b.xlsx", ["Nguyễn Văn An"], written=date(2025, 5, 16),
                                      where="footer"))
    none = read_submission(unit_list(tmp_path / "c.xlsx", ["Nguyễn Văn An"]))
    assert (above.document_date, above.document_date_source) == (date(2025, 5, 15), "title")
    assert (below.document_date, below.document_date_source) == (date(2025, 5, 16), "footer")
    assert (none.document_date, none.document_date_source) == (None, None)
    assert [n.ho_ten for n in below.nominees] == ["Nguyễn Văn An"]


def test_document_dates_order_versions_whatever_the_modification_times(tmp_path: Path) -> None:
    inbox = tmp_path / "hop-thu"
    # the later list (written 20/05) has the older modification time
    unit_list(inbox / "ban-sau.xlsx", ["Nguyễn Văn An", "Trần Thị Bình"], written=date(2025, 5, 20),
              where="footer", mtime=COPIED)
    unit_list(inbox / "ban-dau.xlsx", ["Nguyễn Văn An"], written=date(2025, 5, 12),
              mtime=COPIED + timedelta(minutes=5))
    master = tmp_path / "tong-hop.xlsx"

    report = merge_job(master, [str(inbox)])

    assert report.error is None
    assert names(master) == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert log(master) == [("ban-sau.xlsx", "Thêm mới"), ("ban-dau.xlsx", "Bỏ qua")]
    assert uncertain(master) == []
    assert [f["document_date"] for f in report.to_json_dict()["files"]] == ["2025-05-20", "2025-05-12"]


def test_the_document_date_round_trips_through_the_master(tmp_path: Path) -> None:
    master = tmp_path / "tong-hop.xlsx"
    later = unit_list(tmp_path / "a" / "ban-sau.xlsx", ["Nguyễn Văn An", "Trần Thị Bình"],
                      written=date(2025, 5, 20), mtime=COPIED)
    assert merge_job(master, [str(later)]).error is None
    entry = sheet(master, schema.LOG, "Thời điểm")[0]
    assert entry["Ngày văn bản"] in (date(2025, 5, 20), datetime(2025, 5, 20))
    assert entry["Căn cứ ngày gửi"] == "Ngày sửa tệp"
    (version,) = state_of(read_master(master)).values()
    assert (version.document_date, version.sent_from, version.kept) == (date(2025, 5, 20), "file", False)

    # an older list (written 12/05) saved after it: its newer modification time does not win,
    # because the master still knows the date written in the list it holds
    earlier = unit_list(tmp_path / "b" / "ban-dau.xlsx", ["Nguyễn Văn An"], written=date(2025, 5, 12),
                        mtime=COPIED + timedelta(days=1))
    older = merge_job(master, [str(earlier)])
    assert older.error is None and [f.action for f in older.files] == ["ignored"]

    assert names(master) == ["Nguyễn Văn An", "Trần Thị Bình"]
    # the version set aside is written to the log (the clerk may choose it there), once
    assert log(master) == [("ban-sau.xlsx", "Thêm mới"), ("ban-dau.xlsx", "Bỏ qua")]
    assert not merge_job(master, [str(earlier)]).changed
    assert log(master) == [("ban-sau.xlsx", "Thêm mới"), ("ban-dau.xlsx", "Bỏ qua")]


def test_two_emails_are_ordered_by_their_dates(tmp_path: Path) -> None:
    inbox = tmp_path / "hop-thu"
    first = unit_list(tmp_path / "tmp" / "1.xlsx", ["Nguyễn Văn An"])
    second = unit_list(tmp_path / "tmp" / "2.xlsx", ["Nguyễn Văn An", "Trần Thị Bình"])
    inbox.mkdir()
    emailed(inbox / "b.eml", first, MAY_20 - timedelta(days=3), mtime=COPIED + timedelta(hours=1))
    emailed(inbox / "a.eml", second, MAY_20, mtime=COPIED)
    master = tmp_path / "tong-hop.xlsx"

    assert merge_job(master, [str(inbox)]).error is None

    assert names(master) == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert uncertain(master) == []


# ---------------------------------------------------------------------------
# The rule itself


def test_order_of_evidence() -> None:
    from addin.merge import Evidence, order_of

    t = datetime(2025, 5, 20, 10, 0).astimezone()
    early, late = t - timedelta(days=2), t + timedelta(days=100)
    mail = lambda at, **kw: Evidence(at, "email", **kw)  # noqa: E731
    zipped = lambda at, **kw: Evidence(at, "zip", **kw)  # noqa: E731
    saved = lambda at, **kw: Evidence(at, "file", **kw)  # noqa: E731
    # (new, held) -> (new replaces held, uncertain)
    assert order_of(mail(t), mail(early)) == (True, False)
    assert order_of(mail(early), mail(t)) == (False, False)
    assert order_of(zipped(t), mail(early)) == (True, False)  # medium and strong: the times compare
    assert order_of(saved(late), saved(t)) == (True, False)  # both weak: as before
    assert order_of(saved(late), mail(t)) == (False, True)  # only an mtime against an email: keep the email
    assert order_of(mail(t), saved(late)) == (True, True)  # the same pair the other way round
    assert order_of(saved(early), mail(t)) == (False, False)  # the mtime agrees: no doubt
    assert order_of(saved(late), zipped(t)) == (False, True)
    # document dates written in both lists decide first, whatever the times
    assert order_of(saved(early, document_date=date(2025, 5, 20)), mail(late, document_date=date(2025, 5, 12))) \
        == (True, False)
    # a document date is a strong day: against an email it compares by day
    assert order_of(saved(late, document_date=date(2025, 5, 21)), mail(t)) == (True, False)
    assert order_of(saved(late, document_date=date(2025, 5, 19)), mail(t)) == (False, False)
    # the clerk's choice settles an uncertain order; a version the clerk chose replaces the held one
    # whatever the dates (fresh-eyes testing: a correction with an older date could not be taken);
    # a version held by the clerk's choice yields to one the evidence says came later
    assert order_of(saved(late, kept=True), mail(t)) == (True, False)
    assert order_of(saved(late), mail(t, kept=True)) == (False, False)
    assert order_of(mail(early, kept=True), mail(t)) == (True, False)
    assert order_of(mail(late), mail(t, kept=True)) == (True, False)


def test_the_clerk_takes_a_correction_whose_date_is_older(tmp_path: Path) -> None:
    """Found by fresh-eyes testing: a correction saved with an older modification time was set aside,
    not written to NhatKy (nothing else changed), so the clerk had no row to mark "Giữ bản này"."""
    inbox = tmp_path / "hop-thu"
    master = tmp_path / "tong-hop.xlsx"
    unit_list(inbox / "le-loi.xlsx", ["Nguyễn Văn An", "Trần Thị Bìnhh"], mtime=MAY_20)
    merge_job(master, [str(inbox)])
    unit_list(inbox / "le-loi-sua.xlsx", ["Nguyễn Văn An", "Trần Thị Bình"], mtime=MAY_20 - timedelta(days=3))
    report = merge_job(master, [str(inbox)])
    assert [(Path(f.path).name, f.action) for f in report.files if f.action != "unchanged"] == [("le-loi-sua.xlsx", "ignored")]
    assert "Giữ bản này" in next(f.reason for f in report.files if f.action == "ignored")
    assert ("le-loi-sua.xlsx", "Bỏ qua") in log(master)  # written, so the clerk can choose it
    keep(master, "le-loi-sua.xlsx")
    report = merge_job(master, [str(inbox)])
    assert "replaced" in [f.action for f in report.files]
    assert names(master) == ["Nguyễn Văn An", "Trần Thị Bình"]
    again = merge_job(master, [str(inbox)])  # no flip-flop: the set-aside version stays set aside
    assert names(master) == ["Nguyễn Văn An", "Trần Thị Bình"] and not again.changed
    # the unit's next correction, dated later, replaces the chosen version: the mark does not block it
    unit_list(inbox / "le-loi-sua-2.xlsx", ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"],
              mtime=MAY_20 + timedelta(days=2))
    merge_job(master, [str(inbox)])
    assert names(master) == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]


def test_two_versions_of_one_moment_are_said_to_be_uncertain(tmp_path: Path) -> None:
    """Round 3 of fresh-eyes testing: "DS (da sua).xlsx" and "DS.xlsx" of one email (one Date) or one
    folder (one mtime): the name sorted last replaced the other with no word."""
    inbox = tmp_path / "hop-thu"
    unit_list(inbox / "DS (da sua).xlsx", ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"], mtime=MAY_20)
    unit_list(inbox / "DS.xlsx", ["Nguyễn Văn An", "Trần Thị Bìnhh"], mtime=MAY_20)
    master = tmp_path / "tong-hop.xlsx"
    merge_job(master, [str(inbox)])
    [issue] = uncertain(master)
    assert "cùng thời điểm" in issue["Nội dung"] and "Giữ bản này" in issue["Nội dung"]
    keep(master, "DS (da sua).xlsx")
    merge_job(master, [str(inbox)])
    assert names(master) == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]
