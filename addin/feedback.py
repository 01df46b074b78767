"""Sending back what is wrong (tdkt feedback): for each unit whose latest list has problems, a
marked copy of its own workbook, a covering text to paste into an email, and a reply draft.

The problems are the master's (Loi: what the clerk sees, cross-unit duplicates and
registration warnings included). The unit's file is found again by its SHA-256 among the
inbox folder and any sources named, and read again only to learn which column each header is.
"""

from __future__ import annotations

import email.policy
import email.utils
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Callable, Iterable

from addin.catalogue import Catalogue, default_catalogue
from addin.ingest import header_field, read_submission
from addin.models import Issue, Severity, Submission
from addin.workbook.feedback_book import Problem, write_feedback_book
from addin.workbook.reader import UnreadableFile

OUTBOX = "tra-lai"
_PROBLEMS = (Severity.ERROR, Severity.WARNING)
_XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
MAX_LISTED = 10  # problems named in the covering text; the workbook lists all of them


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
        }


def _str(path: Path | None) -> str | None:
    return None if path is None else str(path)


@dataclass
class FeedbackReport:
    master: str
    out: str | None = None
    units: list[UnitFeedback] = field(default_factory=list)  # units with problems, in master order
    clean_units: list[str] = field(default_factory=list)  # units with nothing to send back
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(u.error is None for u in self.units)

    def to_json_dict(self) -> dict[str, Any]:
        """The `tdkt feedback --json` shape (a contract: extend only by adding fields)."""
        return {"master": self.master, "out": self.out, "units": [u.to_json() for u in self.units],
                "clean_units": list(self.clean_units),
                "written": sum(1 for u in self.units if u.workbook is not None), "error": self.error}


# ---------------------------------------------------------------------------
# Pure parts


def units_with_problems(state: dict[str, Any]) -> tuple[list[UnitFeedback], list[str]]:
    """From the master's per-unit state: the units whose latest version has errors or warnings, and the rest."""

    plan, clean = [], []
    for version in state.values():
        shown = next((str(r.src_file) for r in version.rows if r.src_file), "")
        shown = shown or next((i.file for i in version.issues if i.file), "")
        if any(i.severity in _PROBLEMS for i in version.issues):
            issues = sorted(version.issues, key=lambda i: (i.sheet or "", i.row or 0, i.column or ""))
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


def covering_text(fb: UnitFeedback, *, sent_at: datetime | None, attachment: str, office: str, preparer: str) -> str:
    """The short letter a clerk pastes into an email (Vietnamese)."""
    when = f" gửi ngày {sent_at.astimezone().strftime('%d/%m/%Y')}" if sent_at else ""
    name = fb.file.split(" » ")[-1].replace("\\", "/").split("/")[-1] or fb.file
    lines = [
        f"Kính gửi: {fb.unit},",
        "",
        f"{office or 'Thường trực Hội đồng Thi đua - Khen thưởng'} đã kiểm tra danh sách đề nghị khen thưởng "
        f"đơn vị{when} (tệp \"{name}\"). Danh sách còn {fb.errors} lỗi và {fb.warnings} cảnh báo cần xem lại:",
        "",
    ]
    shown = [i for i in fb.issues if i.severity in _PROBLEMS]
    for i in shown[:MAX_LISTED]:
        where = ", ".join(x for x in (f"dòng {i.row}" if i.row else "", f"cột \"{i.column}\"" if i.column else "") if x)
        lines.append(f"- {where + ': ' if where else ''}{i.message}")
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


# ---------------------------------------------------------------------------
# The job


def inbox_folder(master: Path, setting: str | None) -> Path:
    """The folder units' files are saved to: CauHinh's "Thư mục hộp thư", relative to the master."""
    folder = Path((setting or "").strip() or "hop-thu")
    return folder if folder.is_absolute() else master.parent / folder


def default_outbox(master: Path, inbox: Path) -> Path:
    """Beside the master, but never inside the inbox: the next merge would read the copies as lists."""
    out = master.parent / OUTBOX
    try:
        if out.resolve().is_relative_to(inbox.resolve()):
            return inbox.parent / OUTBOX
    except OSError:
        pass
    return out


def feedback_job(master: str | Path, sources: Iterable[str] = (), *, out: str | Path | None = None,
                 catalogue: Catalogue | None = None, now: datetime | None = None) -> FeedbackReport:
    """Write the feedback workbook, covering text and reply draft of every unit with problems."""
    from addin.jobs import open_master

    master = Path(master)
    report = FeedbackReport(str(master))
    content, report.error = open_master(master)
    if content is None:
        return report
    inbox = inbox_folder(master, content.settings.inbox)
    return feedback_content(master, content, sources, inbox=inbox, out=out, catalogue=catalogue, now=now)


def feedback_content(master: Path, content: Any, sources: Iterable[str] = (), *, inbox: Path,
                     out: str | Path | None = None, catalogue: Catalogue | None = None,
                     now: datetime | None = None,
                     progress: Callable[[int, int, str], None] | None = None) -> FeedbackReport:
    """The feedback files of a master's content read already (from the file, or from the open book).

    Writes only into the outbox (default: beside the master); the master itself is not changed.
    """
    from addin.inbox import collect_sources, safe_filename
    from addin.workbook.masterbook import state_of

    report = FeedbackReport(str(master))
    catalogue = catalogue or content.catalogue or default_catalogue()
    report.units, report.clean_units = units_with_problems(state_of(content))
    outbox = Path(out) if out is not None else default_outbox(master, inbox)
    report.out = str(outbox)
    if not report.units:
        return report
    roots = ([str(inbox)] if inbox.is_dir() else []) + [str(s) for s in sources]
    office = content.settings.unit_name or content.unit or ""
    with tempfile.TemporaryDirectory(prefix="tdkt-") as work:
        found = collect_sources(roots, Path(work))
        by_sha = {s.sha256: s for s in found if s.usable and s.sha256}
        for done, fb in enumerate(report.units):
            if progress:
                progress(done, len(report.units), fb.unit)
            src = by_sha.get(fb.sha256)
            if src is None:
                where = f"thư mục hộp thư \"{inbox}\"" if inbox.is_dir() else f"thư mục hộp thư \"{inbox}\" (chưa có thư mục này)"
                fb.error = (f"Không tìm thấy tệp đơn vị đã gửi (\"{fb.file}\") trong {where} hay các tệp được chỉ ra: "
                            "hãy chỉ ra tệp đó, ví dụ tdkt feedback SỔ TỆP-CỦA-ĐƠN-VỊ.")
                continue
            fb.source, fb.sender = src.shown, src.sender
            try:
                _write_unit(fb, src, outbox, catalogue, office, content.settings.preparer, now, safe_filename)
            except (OSError, UnreadableFile) as exc:
                fb.error = f"Không ghi được bản góp ý cho {fb.unit}: {getattr(exc, 'strerror', None) or exc}."
            except Exception as exc:  # a file openpyxl cannot rebuild must not stop the other units
                fb.error = f"Không tạo được bản góp ý từ tệp \"{src.shown}\" ({type(exc).__name__}): hãy gửi lỗi theo trang Loi."
        if progress:
            progress(len(report.units), len(report.units), "")
    return report


def _write_unit(fb: UnitFeedback, src: Any, outbox: Path, catalogue: Catalogue, office: str, preparer: str,
                now: datetime | None, safe_filename: Any) -> None:
    submission = read_submission(src.path, display_path=src.shown, catalogue=catalogue)
    problems = [Problem(i, locate(i, submission, catalogue)) for i in fb.issues]
    outbox.mkdir(parents=True, exist_ok=True)
    workbook = outbox / safe_filename(f"{fb.unit} - Lỗi cần sửa.xlsx")
    if workbook.resolve() == Path(src.path).resolve():
        raise OSError(0, "tệp ra trùng với tệp gốc của đơn vị")  # the unit's file is never written
    fb.cells = write_feedback_book(Path(src.path), workbook, problems, unit=fb.unit, shown=fb.file)
    fb.workbook = workbook
    fb.text = covering_text(fb, sent_at=src.sent_at if src.sent_from == "email" else None,
                            attachment=workbook.name, office=office, preparer=preparer)
    fb.text_file = outbox / safe_filename(f"{fb.unit} - Thư trả lời.txt")
    fb.text_file.write_text(fb.text + "\n", encoding="utf-8")
    if src.sender:
        message = reply_message(to=src.sender, subject=src.subject, message_id=src.message_id, body=fb.text,
                                attachment=workbook.read_bytes(), attachment_name=workbook.name, now=now)
        fb.reply = outbox / safe_filename(f"{fb.unit} - Thư trả lời.eml")
        # Folded at 78 columns, Python's generator drops the space between two encoded words
        # ("năm học" comes back "nămhọc"); RFC 5322 allows lines of 998.
        fb.reply.write_bytes(message.as_bytes(policy=email.policy.SMTP.clone(max_line_length=998)))
