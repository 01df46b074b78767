"""The unit register and who has sent: `tdkt units`, `tdkt status`, `tdkt remind`, the buttons
"Tình hình nộp" and "Nhắc đơn vị chưa nộp", and the merge's placing of a file's unit in the register."""

from __future__ import annotations

import csv
import email.policy
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from addin import schema
from addin.feedback import reminder_message, reminder_text
from addin.inbox import safe_filename
from addin.jobs.common import MASTER_UNUSABLE, JobReport, beside_master, now_here, opened, save
from addin.jobs.feedback import default_outbox, inbox_folder
from addin.models import Issue, Severity, Submission
from addin.schema import LABEL_ACTIONS, LOG_INDEX
from addin.text import clean
from addin.units import Aliases, RegisterEntry, UnitRegister, merged_register, register_from_grid, unit_key
from addin.workbook.masterbook import (
    MasterContent,
    Need,
    clerk_sheets,
    state_of,
    submission_status_sheet,
    units_sheet,
)
from addin.workbook.reader import UnreadableFile, read_workbook

UNREGISTERED = "unit-unregistered"
# What status_content and remind_content use of a master (DangKy, KhachMoi, DanhMuc are not read).
STATUS_NEED = Need({"rows", "issues", "log", "settings", "aliases", "register"})
UNITS_NEED = Need({"register", "settings"})  # units_content's
REMINDERS = "nhac-nop"  # the reminders' folder beside the master
MAX_CLOSEST = 3


# ---------------------------------------------------------------------------
# The merge: a file's unit, as the register names it


def place_unit(submission: Submission, sender: str | None, register: UnitRegister, aliases: Aliases) -> None:
    """Name the file's unit as the register does: by its name (after BiDanh), else by the sender's address.

    A unit the register does not know gets a `unit-unregistered` warning naming the closest
    entries. Does nothing when the register is empty.
    """
    if not register or submission.status == "unreadable":
        return
    written = submission.unit
    by_sender = register.by_address(sender)
    if by_sender is not None and submission.unit_confidence == "weak" and not aliases.maps(written):
        # A name guessed from a file or sheet name ("Trường TH Trần Phú" on a template copied from
        # another school) yields to the address the register gives the unit: that is who sent it,
        # and a resubmission from it replaces its earlier list.
        submission.unit_confidence = "strong"
        submission.unit_evidence = ["sender", *submission.unit_evidence]
        submission.issues = [i for i in submission.issues if i.code != "unit-uncertain"]
        entry = by_sender
    else:
        entry = (register.find(aliases.resolve(written)) or register.find(written)) if written else None
        if entry is None and (submission.unit_confidence != "strong" or not written):
            # the sender names a unit the file does not; a file naming its own school (a cluster's
            # address sending two schools' lists) is that school's, unregistered, not the sender's
            entry = by_sender
    if entry is None:
        submission.issues.append(unregistered_issue(written or submission.path, submission.path, register))
        return
    if entry.name != written:
        submission.unit = entry.name
        for nominee in submission.nominees:
            if nominee.unit in (None, written):
                nominee.__dict__["unit"] = entry.name  # as the ingest sets it (no re-validation per row)


def forget_registered(state: dict[str, Any], register: UnitRegister) -> None:
    """Drop the `unit-unregistered` warnings of held versions whose unit the register now knows.

    The clerk's fix is a line in DonVi (or a name under "Tên khác"), not a new file from the unit:
    the next merge, where the version is unchanged, must not keep the warning.
    """
    if not register:
        return
    for version in state.values():
        if register.find(version.name) is not None:
            version.issues = [i for i in version.issues if i.code != UNREGISTERED]


def unregistered_issue(unit: str, file: str, register: UnitRegister) -> Issue:
    """The warning for a file whose unit is not in the register, naming the closest entries."""
    near = register.closest(unit, MAX_CLOSEST)
    hint = ("Gần giống: " + "; ".join(f"\"{n}\"" for n in near) + ". ") if near else ""
    return Issue(code=UNREGISTERED, severity=Severity.WARNING, file=file, value=unit,
                 message=f"Đơn vị \"{unit}\" không có trong danh sách đơn vị (trang {schema.UNITS}). {hint}"
                         f"Nếu là cùng một đơn vị, hãy ghi tên này vào cột \"Tên khác\" của đơn vị đó ở trang "
                         f"{schema.UNITS} (hoặc ở trang {schema.ALIASES}); nếu là đơn vị mới, hãy thêm một dòng "
                         f"vào trang {schema.UNITS}; rồi gộp lại.")


# ---------------------------------------------------------------------------
# tdkt units: the register, filled from the office's own list


@dataclass
class UnitsReport(JobReport):
    source: str | None = None
    entries: list[RegisterEntry] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    written: bool = False

    def to_json_dict(self) -> dict[str, Any]:
        """The `tdkt units --json` shape (a contract: extend only by adding fields)."""
        return {"master": self.master, "source": self.source,
                "units": [{"unit": e.name, "kind": e.kind, "parent": e.parent, "emails": list(e.emails),
                           "other_names": list(e.other_names), "quota": e.quota, "note": e.note} for e in self.entries],
                "added": self.added, "updated": self.updated, "written": self.written and self.error is None,
                "error": self.error}


def read_unit_list(path: Path) -> list[RegisterEntry]:
    """The units of a workbook or CSV the office already keeps (tolerant headers); raises UnreadableFile."""
    if path.suffix.lower() in (".csv", ".txt"):
        grids = [_csv_rows(path)]
    else:
        book = read_workbook(path)
        sheets = sorted(book.sheets, key=lambda s: s.name != schema.UNITS)  # a master's DonVi first
        grids = [[[clean(v) if isinstance(v, str) else v for v in row] for row in s.rows] for s in sheets if s.visible]
    for grid in grids:
        entries = register_from_grid(grid)
        if entries is not None:
            return entries
    raise UnreadableFile(f"Không tìm thấy bảng đơn vị trong tệp \"{path.name}\": cần một dòng tiêu đề có cột tên đơn "
                         "vị (\"Tên đơn vị\", \"Tên trường\"...) và ít nhất một cột khác (\"Email\", \"Loại đơn vị\", "
                         "\"Cấp trên\", \"Tên khác\"...).")


def _csv_rows(path: Path) -> list[list[Any]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"Không đọc được tệp \"{path.name}\": {exc.strerror or exc}.") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1258", errors="replace")  # "CSV" saved by Excel on a Vietnamese Windows
    # The delimiter that splits the most lines into the same number of cells: Excel writes ";" where
    # the decimal mark is a comma, and a title line above the table defeats csv.Sniffer.
    best: list[list[str]] = []
    best_score = -1
    for delimiter in ",;\t|":
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        widths = Counter(len(r) for r in rows if len(r) > 1)
        score = max(widths.values(), default=0)
        if score > best_score:
            best, best_score = rows, score
    return [[clean(v) for v in row] for row in best]


def units_job(master: str | Path, source: str | Path | None = None, *, keep_backups: int = 10) -> UnitsReport:
    """Print the register DonVi, or fill it from the office's list (MASTER created when missing)."""
    master = Path(master)
    report = UnitsReport(str(master))
    content = opened(report, master, must_exist=source is None, need=UNITS_NEED)
    if content is None:
        return report
    if source is None:
        report.entries = list(content.register.entries)
        return report
    report.source = str(source)
    try:
        incoming = read_unit_list(Path(source))
    except UnreadableFile as exc:
        report.fail("unreadable-file", str(exc))
        return report
    report = units_content(content, incoming, master=master, source=str(source))
    report.written = True
    return save(report, master, report.sheets, keep_backups)


def units_content(content: MasterContent, incoming: list[RegisterEntry], *, master: Path | str = "",
                  source: str | None = None) -> UnitsReport:
    """The register after adding a list: units already there keep the clerk's cells and gain the empty ones."""
    report = UnitsReport(str(master), source=source)
    report.entries, report.added, report.updated = merged_register(content.register.entries, incoming)
    report.sheets = [units_sheet(report.entries), *clerk_sheets(content.settings)]
    return report


# ---------------------------------------------------------------------------
# tdkt status: who has sent, who has not


@dataclass
class UnitStatus:
    """One unit's sending, as TinhHinhNop shows it."""

    unit: str
    sent: bool
    files: int = 0  # distinct files received (every version, the unchanged and older ones too)
    versions: int = 0  # versions merged (added or replacing the previous one)
    rows: int = 0
    errors: int = 0
    warnings: int = 0
    first_sent: datetime | None = None
    last_sent: datetime | None = None
    late: bool = False
    feedback: datetime | None = None  # when its feedback workbook was written into the outbox
    emails: list[str] = field(default_factory=list)
    note: str | None = None
    refused: int = 0  # files from its address that could not be read (NhatKy "Từ chối"): it did send

    def to_json(self) -> dict[str, Any]:
        return {"unit": self.unit, "sent": self.sent, "files": self.files, "rows": self.rows, "errors": self.errors,
                "warnings": self.warnings, "last_sent": _iso(self.last_sent), "late": self.late,
                "versions": self.versions, "first_sent": _iso(self.first_sent), "feedback": _iso(self.feedback),
                "emails": list(self.emails), "refused": self.refused}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass
class StatusReport(JobReport):
    deadline: date | None = None
    units: list[UnitStatus] = field(default_factory=list)  # the register's units, in its order
    unregistered: list[UnitStatus] = field(default_factory=list)  # units that sent but are not in DonVi
    today: date | None = None
    deadline_typed: str = ""  # "Hạn nộp" as typed in CauHinh, when it is not a date (said, never dropped)

    @property
    def missing(self) -> list[str]:
        return [u.unit for u in self.units if not u.sent]

    def to_json_dict(self) -> dict[str, Any]:
        """The `tdkt status --json` shape (a contract: extend only by adding fields)."""
        return {"deadline": self.deadline.isoformat() if self.deadline else None,
                "units": [u.to_json() for u in self.units], "missing": self.missing,
                "unregistered": [u.unit for u in self.unregistered],
                "late": [u.unit for u in self.units if u.late], "master": self.master,
                "written": self.error is None and bool(self.sheets), "error": self.error}


def status_job(master: str | Path, *, now: datetime | None = None, keep_backups: int = 10) -> StatusReport:
    """Who has sent and who has not, against DonVi and "Hạn nộp"; written into TinhHinhNop."""
    master = Path(master)
    report = StatusReport(str(master))
    content = opened(report, master, need=STATUS_NEED)
    if content is None:
        return report
    outbox = default_outbox(master, inbox_folder(master, content.settings.inbox))
    report = status_content(content, master=master, now=now, outbox=outbox)
    return save(report, master, report.sheets, keep_backups)


def status_content(content: MasterContent, *, master: Path | str = "", now: datetime | None = None,
                   outbox: Path | None = None) -> StatusReport:
    """Per register unit: sent or not, files, versions, rows, problems, last sent, late, feedback; the sheet."""
    report = StatusReport(str(master))
    today = now_here(now).date()
    report.today, report.deadline = today, content.settings.deadline_date()
    if report.deadline is None and content.settings.deadline:
        report.deadline_typed = content.settings.deadline
    names = content.unit_names()
    state = state_of(content)
    received = _received(content.log, names)
    register = content.register
    registered: set[str] = set()
    refused = _refused(content.log, register)
    for entry in register.entries:
        key = unit_key(entry.name)
        registered.add(key)
        report.units.append(_status(entry.name, state.get(key), received.get(key), report.deadline, today, outbox))
        report.units[-1].emails = list(entry.emails)
        if (n := refused.get(entry.name, 0)) and not report.units[-1].sent:
            # Sent, but nothing could be read (fresh-eyes testing: such units were listed as not sending)
            report.units[-1].refused = n
            report.units[-1].note = f"đã gửi {n} tệp nhưng không đọc được (xem trang {schema.LOG}): hãy đề nghị gửi lại"
    for key, version in state.items():
        if key not in registered:
            status = _status(version.name, version, received.get(key), report.deadline, today, outbox)
            near = register.closest(version.name, MAX_CLOSEST)
            status.note = ("Gần giống: " + "; ".join(near)) if near else None
            report.unregistered.append(status)
    report.sheets = [submission_status_sheet(report.units, report.unregistered, content.settings,
                                             notes=_notes(report, content)),
                     units_sheet([], only_if_missing=True), *clerk_sheets(content.settings)]
    return report


@dataclass
class _Received:
    shas: set[str] = field(default_factory=set)
    merged: set[str] = field(default_factory=set)
    first: datetime | None = None
    last: datetime | None = None


def _received(log: list[list[Any]], names: Any) -> dict[str, _Received]:
    """Per unit key: the files NhatKy saw from it (every one but those refused unread) and when they were sent."""
    out: dict[str, _Received] = {}
    at = LOG_INDEX
    for entry in log:
        action = LABEL_ACTIONS.get(str(entry[at["action"]] or ""))
        unit, sha = entry[at["unit"]], entry[at["sha256"]]
        if not unit or not sha or action in (None, "rejected"):
            continue
        got = out.setdefault(unit_key(names.resolve(str(unit)) or str(unit)), _Received())
        got.shas.add(str(sha))
        if action in ("added", "replaced"):
            got.merged.add(str(sha))
        sent = entry[at["sent_at"]] if isinstance(entry[at["sent_at"]], datetime) else entry[at["at"]]
        if isinstance(sent, datetime):
            sent = sent.astimezone()
            got.first = sent if got.first is None or sent < got.first else got.first
            got.last = sent if got.last is None or sent > got.last else got.last
    return out


def _refused(log: list[list[Any]], register: UnitRegister) -> dict[str, int]:
    """Per register unit: the files NhatKy refused unread that came from its address."""
    out: dict[str, int] = {}
    at = LOG_INDEX
    for entry in log:
        if LABEL_ACTIONS.get(str(entry[at["action"]] or "")) != "rejected":
            continue
        if (unit := register.by_address(str(entry[at["sender"]] or ""))) is not None:
            out[unit.name] = out.get(unit.name, 0) + 1
    return out


def _status(unit: str, version: Any, received: _Received | None, deadline: date | None, today: date,
            outbox: Path | None) -> UnitStatus:
    status = UnitStatus(unit, sent=version is not None or received is not None)
    if received is not None:
        status.files, status.versions = len(received.shas), len(received.merged)
        status.first_sent, status.last_sent = received.first, received.last
    if version is not None:
        status.rows = len(version.rows)
        status.errors = sum(1 for i in version.issues if i.severity == Severity.ERROR)
        status.warnings = sum(1 for i in version.issues if i.severity == Severity.WARNING)
        status.files = status.files or 1
        status.versions = status.versions or 1
        if version.sent_at is not None:
            status.first_sent = status.first_sent or version.sent_at
            status.last_sent = max(status.last_sent or version.sent_at, version.sent_at)
    if deadline is not None:
        # Late: the first list came after the deadline's day, or none came and the day is past.
        first = status.first_sent
        status.late = (first.astimezone().date() > deadline) if status.sent and first else \
            (not status.sent and today > deadline)
    if outbox is not None:
        marked = outbox / safe_filename(f"{unit} - Lỗi cần sửa.xlsx")
        try:
            status.feedback = datetime.fromtimestamp(marked.stat().st_mtime).astimezone().replace(microsecond=0)
        except OSError:
            pass
    return status


def _notes(report: StatusReport, content: MasterContent) -> list[str]:
    sent = sum(1 for u in report.units if u.sent)
    lines = [f"Đến ngày {report.today:%d/%m/%Y}: {sent}/{len(report.units)} đơn vị trong danh sách đơn vị đã nộp, "
             f"{len(report.missing)} đơn vị chưa nộp, {sum(1 for u in report.units if u.late)} đơn vị nộp muộn."]
    if not content.register:
        lines.append(f"Trang {schema.UNITS} chưa có đơn vị nào: hãy điền danh sách đơn vị (hoặc dùng lệnh tdkt units "
                     "SỔ TỆP) để biết đơn vị nào chưa nộp.")
    if content.settings.deadline and report.deadline is None:
        lines.append(f"Ô \"Hạn nộp\" ở trang {schema.SETTINGS} ghi \"{content.settings.deadline}\", không phải một ngày "
                     "ngày/tháng/năm: chưa xét nộp muộn.")
    lines.append("Nộp muộn: lần gửi đầu tiên sau ngày hạn nộp, hoặc đã quá hạn mà chưa gửi. Số tệp đã gửi tính cả "
                 "các bản gửi lại; Đã trả lại: ngày lập tệp trả lại đơn vị (thư mục tra-lai).")
    return lines


# ---------------------------------------------------------------------------
# tdkt remind: reminder drafts to the units that have not sent


@dataclass
class Reminder:
    unit: str
    to: list[str]
    file: Path | None = None
    error: str | None = None


@dataclass
class RemindReport(JobReport):
    out: str | None = None
    deadline: date | None = None
    reminders: list[Reminder] = field(default_factory=list)
    no_email: list[str] = field(default_factory=list)  # units not sent whose DonVi row has no Email

    @property
    def ok(self) -> bool:
        return self.error is None and not self.no_email and all(r.error is None for r in self.reminders)

    def to_json_dict(self) -> dict[str, Any]:
        """The `tdkt remind --json` shape (a contract: extend only by adding fields)."""
        return {"master": self.master, "out": self.out,
                "deadline": self.deadline.isoformat() if self.deadline else None,
                "reminders": [{"unit": r.unit, "to": list(r.to), "file": str(r.file) if r.file else None,
                               "error": r.error} for r in self.reminders],
                "no_email": list(self.no_email), "written": sum(1 for r in self.reminders if r.file), "error": self.error}


def reminders_outbox(master: Path, inbox: Path) -> Path:
    """Beside the master, never inside the inbox (the next merge would read it)."""
    return beside_master(master, inbox, REMINDERS)


def remind_job(master: str | Path, *, out: str | Path | None = None, now: datetime | None = None) -> RemindReport:
    """Write a reminder .eml draft for every register unit that has not sent; name those without an address."""
    master = Path(master)
    report = RemindReport(str(master))
    content = opened(report, master, need=STATUS_NEED)
    if content is None:
        return report
    inbox = inbox_folder(master, content.settings.inbox)
    return remind_content(content, master=master, out=Path(out) if out else reminders_outbox(master, inbox), now=now)


def remind_content(content: MasterContent, *, master: Path | str, out: Path, now: datetime | None = None) -> RemindReport:
    """The reminder drafts of a master's content read already (the file's, or the open book's), into `out`."""
    report = RemindReport(str(master), out=str(out))
    if not content.register:
        report.fail(MASTER_UNUSABLE, f"Trang {schema.UNITS} chưa có đơn vị nào: chưa biết đơn vị nào phải nộp. Hãy điền "
                                     "danh sách đơn vị (hoặc dùng lệnh tdkt units SỔ TỆP).")
        return report
    moment = now_here(now)
    status = status_content(content, master=master, now=moment)
    report.deadline = status.deadline
    settings = content.settings
    office = settings.unit_name or content.unit or ""
    for unit in status.units:
        if unit.sent:
            continue
        if not unit.emails:
            report.no_email.append(unit.unit)
            continue
        reminder = Reminder(unit.unit, unit.emails)
        body = reminder_text(unit=unit.unit, deadline=status.deadline, today=moment.date(), office=office,
                             preparer=settings.preparer, refused=unit.refused)
        message = reminder_message(to=unit.emails, deadline=status.deadline, body=body, now=moment)
        path = out / safe_filename(f"{unit.unit} - Nhắc nộp hồ sơ.eml")
        try:
            out.mkdir(parents=True, exist_ok=True)
            # Long lines kept whole, as feedback's replies: folding drops spaces between encoded words.
            path.write_bytes(message.as_bytes(policy=email.policy.SMTP.clone(max_line_length=998)))
            reminder.file = path
        except OSError as exc:
            reminder.error = f"Không ghi được thư nhắc cho {unit.unit}: {exc.strerror or exc}."
        report.reminders.append(reminder)
    return report
