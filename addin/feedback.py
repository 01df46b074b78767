"""Sending back what is wrong, the pure parts: which units get what, the covering text, the reply draft.

The job that finds the units' files and writes the outbox is addin.jobs.feedback.

The problems are the master's (Loi: what the clerk sees, cross-unit duplicates and
registration warnings included). The unit's file is found again by its SHA-256 among the
inbox folder and any sources named, and read again only to learn which column each header is.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from addin.catalogue import Catalogue
from addin.ingest import header_field
from addin.merge import OFFICE_DETAIL, UnitVersion
from addin.models import Issue, Severity, Submission

_PROBLEMS = (Severity.ERROR, Severity.WARNING)
_XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
MAX_LISTED = 10  # problems named in the covering text; the workbook lists all of them
# Problems the clerk fixes in the master, not the unit in its list: never sent back.
CLERK_ONLY = frozenset({"unit-unregistered"})


@dataclass
class UnitFeedback:
    """What one unit is sent back."""

    unit: str
    file: str  # the version the master holds, as shown in DanhSach ("hop-thu/thu.eml » DS.xlsx")
    sha256: str
    issues: list[Issue]
    source: str | None = None  # where its file was found this time
    sender: str | None = None
    workbook: Path | None = None
    reply: Path | None = None
    text_file: Path | None = None
    text: str = ""
    cells: int = 0  # cells marked in the workbook
    error: str | None = None  # why nothing could be written for this unit
    moved_from: str | None = None  # the recorded file, when it was no longer there and was found elsewhere

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.severity == Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if i.severity == Severity.WARNING)

    def to_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit, "file": self.file, "sha256": self.sha256, "found": self.source is not None,
            "source": self.source, "errors": self.errors, "warnings": self.warnings, "issues": len(self.issues),
            "cells": self.cells, "workbook": _str(self.workbook), "reply": _str(self.reply),
            "text_file": _str(self.text_file), "sender": self.sender, "text": self.text or None, "error": self.error,
            "moved_from": self.moved_from,
        }


def _str(path: Path | None) -> str | None:
    return None if path is None else str(path)


# ---------------------------------------------------------------------------
# Pure parts


def units_with_problems(state: dict[str, UnitVersion]) -> tuple[list[UnitFeedback], list[str]]:
    """From the master's per-unit state: the units whose latest version has errors or warnings, and the rest."""

    plan, clean = [], []
    for version in state.values():
        shown = next((str(r.src_file) for r in version.rows if r.src_file), "")
        shown = shown or next((i.file for i in version.issues if i.file), "")
        theirs = [i for i in version.issues if i.code not in CLERK_ONLY]
        if any(i.severity in _PROBLEMS for i in theirs):
            issues = sorted(theirs, key=lambda i: (i.sheet or "", i.row or 0, i.column or ""))
            plan.append(UnitFeedback(version.name, shown, version.sha256, issues))
        else:
            clean.append(version.name)
    return plan, clean


def locate(issue: Issue, submission: Submission, catalogue: Catalogue) -> tuple[str, int, int] | None:
    """The cell (sheet, Excel row, 1-based column) an issue is about, or None for a file-level one.

    Issues from the ingest name the unit's own header; those computed over the master name the
    master's header ("Họ và tên", "Đề nghị khen thưởng"), found again through its field.
    """
    if issue.sheet is None or issue.row is None or not issue.column:
        return None
    positions = submission.header_columns.get(issue.sheet)
    if not positions:
        return None
    index = positions.get(issue.column)
    if index is None:
        field_name = header_field(issue.column)
        if field_name in ("de_nghi", "danh_hieu", "hinh_thuc"):
            index = _award_index(issue, submission, positions, catalogue)
        if index is None and field_name:
            header = submission.columns.get(issue.sheet, {}).get(field_name)
            index = positions.get(header) if header else None
    return None if index is None else (issue.sheet, issue.row, index + 1)


def _award_index(issue: Issue, submission: Submission, positions: dict[str, int], catalogue: Catalogue) -> int | None:
    """The column of the award an issue names, in the unit's row (awards may sit in two columns)."""
    for nominee in submission.nominees:
        if nominee.sheet != issue.sheet or nominee.row != issue.row:
            continue
        for award in nominee.awards:
            name = catalogue[award.code].name if award.code and award.code in catalogue else None
            if issue.value in (award.raw, name, award.code):
                return positions.get(award.column)
    return None


def unit_facing(issue: Issue) -> str:
    """An issue's message as the unit reads it: without the office's own references (another unit's
    file, rows of the master) that a cross-unit duplicate's message gives the clerk."""
    return OFFICE_DETAIL.sub("", issue.message) if issue.code == "duplicate-across-units" else issue.message


def covering_text(fb: UnitFeedback, *, sent_at: datetime | None, attachment: str, office: str, preparer: str) -> str:
    """The short letter a clerk pastes into an email (Vietnamese)."""
    when = f" gửi ngày {sent_at.astimezone().strftime('%d/%m/%Y')}" if sent_at else ""
    name = fb.file.split(" » ")[-1].replace("\\", "/").split("/")[-1] or fb.file
    lines = [
        f"Kính gửi: {fb.unit},",
        "",
        f"{office or 'Thường trực Hội đồng Thi đua - Khen thưởng'} đã kiểm tra danh sách đề nghị khen thưởng "
        f"của đơn vị{when} (tệp \"{name}\"). Danh sách còn {fb.errors} lỗi và {fb.warnings} cảnh báo cần xem lại:",
        "",
    ]
    shown = [i for i in fb.issues if i.severity in _PROBLEMS]
    for i in shown[:MAX_LISTED]:
        where = ", ".join(x for x in (f"dòng {i.row}" if i.row else "", f"cột \"{i.column}\"" if i.column else "") if x)
        lines.append(f"- {where + ': ' if where else ''}{unit_facing(i)}")
    if len(shown) > MAX_LISTED:
        lines.append(f"- ... và {len(shown) - MAX_LISTED} mục khác.")
    lines += [
        "",
        f"Tệp đính kèm \"{attachment}\" là bản sao danh sách của đơn vị: các ô cần sửa được tô màu và có ghi chú, "
        "trang \"Lỗi cần sửa\" liệt kê đầy đủ. Đề nghị đơn vị sửa và gửi lại toàn bộ danh sách "
        "(bản gửi sau sẽ thay cho bản trước).",
        "",
        "Trân trọng.",
    ]
    lines += [x for x in (preparer, office) if x]
    return "\n".join(lines)


def reply_message(*, to: str, subject: str | None, message_id: str | None, body: str,
                  attachment: bytes, attachment_name: str, now: datetime | None = None) -> EmailMessage:
    """A reply draft to the unit's email: To the sender, "Re: <subject>", threaded, the workbook attached."""
    msg = EmailMessage()
    msg["To"] = to
    subject = " ".join((subject or "").split())
    if not subject:
        subject = "Danh sách đề nghị khen thưởng cần sửa"
    elif not subject.lower().startswith(("re:", "tl:", "trả lời:")):
        subject = f"Re: {subject}"
    msg["Subject"] = subject
    if message_id:
        mid = " ".join(message_id.split())
        mid = mid if mid.startswith("<") else f"<{mid}>"
        msg["In-Reply-To"] = mid
        msg["References"] = mid
    msg["Date"] = email.utils.format_datetime((now or datetime.now()).astimezone())
    msg["X-Unsent"] = "1"  # Outlook opens the file as a draft with a Send button
    msg.set_content(body)
    msg.add_attachment(attachment, maintype=_XLSX_TYPE[0], subtype=_XLSX_TYPE[1], filename=attachment_name)
    return msg


def reminder_text(*, unit: str, deadline: date | None, today: date, office: str, preparer: str,
                  refused: int = 0) -> str:
    """The reminder to a unit that has not sent its list (Vietnamese), with the deadline."""
    if deadline is None:
        when = "Đề nghị đơn vị gửi danh sách sớm để kịp tổng hợp."
    elif today > deadline:
        when = (f"Hạn nộp là ngày {deadline:%d/%m/%Y} và đã qua {(today - deadline).days} ngày: đề nghị đơn vị "
                "gửi danh sách ngay.")
    else:
        when = f"Hạn nộp là ngày {deadline:%d/%m/%Y}: đề nghị đơn vị gửi danh sách đúng hạn."
    lines = [
        f"Kính gửi: {unit},",
        "",
        (f"Đến ngày {today:%d/%m/%Y}, {office or 'Thường trực Hội đồng Thi đua - Khen thưởng'} đã nhận {refused} tệp "
         "đơn vị gửi nhưng không đọc được (tệp hỏng, không phải bảng tính Excel, hoặc tệp nén không mở được), nên "
         f"chưa có danh sách đề nghị khen thưởng của đơn vị. {when}" if refused else
         f"Đến ngày {today:%d/%m/%Y}, {office or 'Thường trực Hội đồng Thi đua - Khen thưởng'} chưa nhận được danh sách "
         f"đề nghị khen thưởng của đơn vị. {when}"),
        "",
        "Danh sách lập theo mẫu (tệp Excel), gửi qua thư điện tử trả lời thư này. Nếu đơn vị đã gửi, xin gửi lại "
        "và báo để chúng tôi kiểm tra.",
        "",
        "Trân trọng.",
    ]
    return "\n".join(lines + [x for x in (preparer, office) if x])


def reminder_message(*, to: list[str], deadline: date | None, body: str, now: datetime | None = None) -> EmailMessage:
    """A reminder draft to a unit's addresses (from DonVi), opened by Outlook as a draft, as reply_message's."""
    msg = EmailMessage()
    msg["To"] = ", ".join(to)
    subject = "Nhắc nộp danh sách đề nghị khen thưởng"
    msg["Subject"] = f"{subject} (hạn nộp {deadline:%d/%m/%Y})" if deadline else subject
    msg["Date"] = email.utils.format_datetime((now or datetime.now()).astimezone())
    msg["X-Unsent"] = "1"  # Outlook opens the file as a draft with a Send button
    msg.set_content(body)
    return msg
