"""Sending back what is wrong (`tdkt feedback`, the button "Trả lại đơn vị"): for each unit whose
latest list has problems, a marked copy of its own workbook, a covering text and a reply draft."""

from __future__ import annotations

import email.policy
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from addin.catalogue import Catalogue
from addin.feedback import UnitFeedback, covering_text, locate, reply_message, units_with_problems
from addin.inbox import SEP, Source, safe_filename
from addin.ingest import read_submission
from addin.jobs.common import JobReport, beside_master, Progress, effective_catalogue, opened, sources_found
from addin.workbook.feedback_book import Problem, write_feedback_book
from addin.workbook.masterbook import MasterContent, Need, state_of
from addin.workbook.reader import UnreadableFile

OUTBOX = "tra-lai"
# What feedback_content uses of a master (DangKy and KhachMoi are not read).
FEEDBACK_NEED = Need({"rows", "issues", "log", "settings", "aliases", "register", "catalogue"})


@dataclass
class FeedbackReport(JobReport):
    out: str | None = None
    units: list[UnitFeedback] = field(default_factory=list)  # units with problems, in master order
    clean_units: list[str] = field(default_factory=list)  # units with nothing to send back

    @property
    def ok(self) -> bool:
        return self.error is None and all(u.error is None for u in self.units)

    def to_json_dict(self) -> dict[str, Any]:
        """The `tdkt feedback --json` shape (a contract: extend only by adding fields)."""
        return {"master": self.master, "out": self.out, "units": [u.to_json() for u in self.units],
                "clean_units": list(self.clean_units),
                "written": sum(1 for u in self.units if u.workbook is not None), "error": self.error}


def inbox_folder(master: Path, setting: str | None) -> Path:
    """The folder units' files are saved to: CauHinh's "Thư mục hộp thư", relative to the master."""
    folder = Path((setting or "").strip() or "hop-thu")
    return folder if folder.is_absolute() else master.parent / folder


def default_outbox(master: Path, inbox: Path) -> Path:
    """Beside the master, but never inside the inbox: the next merge would read the copies as lists."""
    return beside_master(master, inbox, OUTBOX)


def feedback_job(master: str | Path, sources: Iterable[str] = (), *, out: str | Path | None = None,
                 catalogue: Catalogue | None = None, now: datetime | None = None) -> FeedbackReport:
    """Write the feedback workbook, covering text and reply draft of every unit with problems."""
    master = Path(master)
    report = FeedbackReport(str(master))
    content = opened(report, master, need=FEEDBACK_NEED)
    if content is None:
        return report
    inbox = inbox_folder(master, content.settings.inbox)
    return feedback_content(master, content, sources, inbox=inbox, out=out, catalogue=catalogue, now=now)


def recorded_files(master: Path, units: Iterable[UnitFeedback]) -> list[str]:
    """The files the master recorded for these units (DanhSach's "Tệp nguồn"), where they still are.

    A file shown as "hop-thu/thu.eml » DS.xlsx" was found in "hop-thu/thu.eml"; the path is taken
    as written (relative to the folder the merge ran in), else relative to the master's folder.
    """
    found: list[str] = []
    for fb in units:
        written = fb.file.split(SEP)[0].strip()
        if not written:
            continue
        for candidate in (Path(written), master.parent / written):
            try:
                if candidate.is_file():
                    found.append(str(candidate))
                    break
            except OSError:
                continue
    return list(dict.fromkeys(found))


def feedback_content(master: Path, content: MasterContent, sources: Iterable[str] = (), *, inbox: Path,
                     out: str | Path | None = None, catalogue: Catalogue | None = None,
                     now: datetime | None = None, progress: Progress | None = None) -> FeedbackReport:
    """The feedback files of a master's content read already (from the file, or from the open book).

    Each unit's file is found by its SHA-256 among the files the master recorded, the inbox folder
    and the sources given. Writes only into the outbox (default: beside the master); the master
    itself is not changed.
    """
    report = FeedbackReport(str(master))
    catalogue = effective_catalogue(content, catalogue)
    report.units, report.clean_units = units_with_problems(state_of(content))
    outbox = Path(out) if out is not None else default_outbox(master, inbox)
    report.out = str(outbox)
    if not report.units:
        return report
    roots = recorded_files(master, report.units) + ([str(inbox)] if inbox.is_dir() else []) + [str(s) for s in sources]
    office = content.settings.unit_name or content.unit or ""
    with sources_found(roots) as found:
        by_sha: dict[str, Source] = {}
        for s in found:
            if s.usable and s.sha256:
                by_sha.setdefault(s.sha256, s)  # the recorded file first, then the inbox, then the sources
        for done, fb in enumerate(report.units):
            if progress:
                progress(done, len(report.units), fb.unit)
            src = by_sha.get(fb.sha256)
            if src is None:
                where = f"thư mục hộp thư \"{inbox}\"" if inbox.is_dir() else f"thư mục hộp thư \"{inbox}\" (chưa có thư mục này)"
                fb.error = (f"Không tìm thấy tệp đơn vị đã gửi (\"{fb.file}\") ở nơi sổ đã ghi, trong {where} hay các "
                            "tệp được chỉ ra: hãy chỉ ra tệp đó, ví dụ tdkt feedback SỔ TỆP-CỦA-ĐƠN-VỊ.")
                continue
            fb.source, fb.sender = src.shown, src.sender
            recorded = recorded_files(master, [fb])
            if not recorded or not _same_file(_on_disk(src), Path(recorded[0])):
                fb.moved_from = fb.file.split(SEP)[0].strip()
            try:
                _write_unit(fb, src, outbox, catalogue, office, content.settings.preparer, now)
            except (OSError, UnreadableFile) as exc:
                fb.error = f"Không ghi được bản góp ý cho {fb.unit}: {getattr(exc, 'strerror', None) or exc}."
            except Exception as exc:  # a file openpyxl cannot rebuild must not stop the other units
                fb.error = f"Không tạo được bản góp ý từ tệp \"{src.shown}\" ({type(exc).__name__}): hãy gửi lỗi theo trang Loi."
        if progress:
            progress(len(report.units), len(report.units), "")
    return report


def _on_disk(src: Source) -> Path:
    """The file on disk a source was read from: the email or archive it came out of, else itself."""
    return Path(src.container.split(SEP)[0].strip()) if src.container else Path(src.path)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _write_unit(fb: UnitFeedback, src: Source, outbox: Path, catalogue: Catalogue, office: str, preparer: str,
                now: datetime | None) -> None:
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
