"""Unit submissions + the master's current rows -> the new master rows, issues and log.

Pure logic over plain data; reading sources and the master lives in addin.inbox and
addin.workbook, writing in addin.workbook.master.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable, Literal

from addin.catalogue import KIND_LABELS
from addin.models import AwardKind, Issue, Nominee, Severity, Submission, Target
from addin.schema import (
    LABEL_ACTIONS,
    LABEL_SENT_FROM,
    LIST_HEADER_ROW,
    LIST_HEADERS,
    LIST_INDEX,
    LOG_INDEX,
    SEVERITY_LABELS,
    STATUS_ERROR,
    STATUS_OK,
    STATUS_WARNING,
    TARGET_COLLECTIVE,
    TARGET_PERSON,
    UNIT_CONFIDENCE_LABELS,
    UNIT_EVIDENCE_LABELS,
    MasterRow,
)
from addin.text import name_key
from addin.units import Aliases, unit_key

Action = Literal["added", "replaced", "unchanged", "rejected", "ignored"]


# ---------------------------------------------------------------------------
# Rows


# The columns nominee_row fills, as indices: a property setter per cell cost half its time.
_FILLED = ("unit", "ho_ten", "target", "ngay_sinh", "nam_sinh", "gioi_tinh", "dan_toc", "chuc_vu", "don_vi",
           "de_nghi", "ma", "loai", "chuyen_de", "xep_loai", "ten_sang_kien", "so_qd_sang_kien", "cap_sang_kien",
           "tom_tat", "nam_hoc", "ghi_chu", "src_unit", "src_file", "src_sheet", "src_row", "sha256", "sent_at",
           "merged_at")
(_UNIT, _HO_TEN, _TARGET, _NGAY_SINH, _NAM_SINH, _GIOI_TINH, _DAN_TOC, _CHUC_VU, _DON_VI, _DE_NGHI, _MA, _LOAI,
 _CHUYEN_DE, _XEP_LOAI, _TEN_SANG_KIEN, _SO_QD_SANG_KIEN, _CAP_SANG_KIEN, _TOM_TAT, _NAM_HOC, _GHI_CHU, _SRC_UNIT,
 _SRC_FILE, _SRC_SHEET, _SRC_ROW, _SHA256, _SENT_AT, _MERGED_AT) = (LIST_INDEX[k] for k in _FILLED)
_GENDERS = {"nam": "Nam", "nu": "Nữ"}
_STATUS, _STATUS_TEXT = LIST_INDEX["status"], LIST_INDEX["status_text"]


def nominee_row(n: Nominee, *, src_unit: str, src_file: str, sha256: str, sent_at: datetime | None,
                merged_at: datetime) -> MasterRow:
    """A master DanhSach row for one nominee."""
    row = MasterRow.blank()  # stt is numbered when written
    awards = n.awards
    if len(awards) == 1:  # most rows: the joins below, without joining
        a = awards[0]
        code, label = a.code or "?", KIND_LABELS[a.kind]
        row[_DE_NGHI] = a.raw or None
        row[_MA] = code if a.kind == AwardKind.THUONG_XUYEN else f"{code} ({label})"
        row[_LOAI] = label or None
        row[_CHUYEN_DE] = a.theme or None
    else:
        codes = []
        for a in awards:
            code = a.code or "?"
            codes.append(code if a.kind == AwardKind.THUONG_XUYEN else f"{code} ({KIND_LABELS[a.kind]})")
        row[_DE_NGHI] = "; ".join(dict.fromkeys(a.raw for a in awards)) or None
        row[_MA] = "; ".join(codes) or None
        row[_LOAI] = "; ".join(KIND_LABELS[a.kind] for a in awards) or None
        row[_CHUYEN_DE] = "; ".join(dict.fromkeys(a.theme for a in awards if a.theme)) or None
    row[_UNIT] = n.unit
    row[_HO_TEN] = n.ho_ten
    row[_TARGET] = TARGET_COLLECTIVE if n.target == Target.TAP_THE else TARGET_PERSON
    row[_NGAY_SINH] = n.ngay_sinh
    row[_NAM_SINH] = n.nam_sinh
    row[_GIOI_TINH] = _GENDERS.get(n.gioi_tinh or "")
    row[_DAN_TOC] = n.dan_toc
    row[_CHUC_VU] = n.chuc_vu
    row[_DON_VI] = n.don_vi
    row[_XEP_LOAI] = n.xep_loai.value if n.xep_loai else n.xep_loai_raw
    row[_TEN_SANG_KIEN] = n.ten_sang_kien
    row[_SO_QD_SANG_KIEN] = n.so_qd_sang_kien
    row[_CAP_SANG_KIEN] = n.cap_sang_kien
    row[_TOM_TAT] = n.tom_tat
    row[_NAM_HOC] = n.nam_hoc
    row[_GHI_CHU] = n.ghi_chu
    row[_SRC_UNIT] = src_unit
    row[_SRC_FILE] = src_file
    row[_SRC_SHEET] = n.sheet
    row[_SRC_ROW] = n.row
    row[_SHA256] = sha256
    row[_SENT_AT] = sent_at
    row[_MERGED_AT] = merged_at
    return row


# ---------------------------------------------------------------------------
# Merge state and decisions


@dataclass
class Candidate:
    """One source file, read and checked, waiting for a decision."""

    shown: str
    sha256: str
    sent_at: datetime | None
    sender: str | None
    submission: Submission | None  # None when the source was rejected before reading
    reason: str | None = None  # for rejected/ignored sources
    sent_from: str | None = None  # where sent_at came from: "email", "zip", "file" (see Evidence)
    kept: bool = False  # the clerk chose this version in NhatKy ("Giữ bản này")
    # The state key of the version this very file is (same SHA-256): it was not read again.
    known: str | None = None
    # Master rows built as soon as the file is read (see compact), so that a national merge does
    # not hold a million Nominee models until every file has been read.
    rows: list[MasterRow] | None = None

    def compact(self, merged_at: datetime) -> None:
        """Turn the submission's nominees into master rows and drop the nominees."""
        sub = self.submission
        if sub is None or sub.status == "unreadable" or self.rows is not None:
            return
        self.rows = [
            nominee_row(n, src_unit=sub.unit or self.shown, src_file=self.shown, sha256=self.sha256,
                        sent_at=self.sent_at, merged_at=merged_at)
            for n in sub.nominees
            if n.duplicate_of is None  # an exact duplicate within the file is carried once (and flagged)
        ]
        sub.nominees = []


@dataclass
class FileOutcome:
    path: str
    unit: str | None
    rows: int
    action: Action
    reason: str | None
    sha256: str | None = None
    sent_at: datetime | None = None
    sender: str | None = None
    unit_confidence: str | None = None  # "strong" / "weak" (see Submission), None for rejected files
    unit_evidence: list[str] | None = None  # what named the unit, heaviest first; "alias" when BiDanh did
    document_date: date | None = None
    sent_from: str | None = None


@dataclass
class UnitVersion:
    """What the master holds for one submitting unit."""

    name: str
    sha256: str
    sent_at: datetime | None
    rows: list[MasterRow]
    issues: list[Issue]
    superseded: set[str] = field(default_factory=set)  # hashes of versions it replaced
    weak: bool = False  # its unit is known only from a file or sheet name: kept apart (see version_key)
    document_date: date | None = None  # written in the list
    sent_from: str | None = None  # "email", "zip", "file"
    kept: bool = False  # chosen by the clerk (NhatKy's "Giữ bản này")
    file: str | None = None  # as shown in NhatKy

    @property
    def evidence(self) -> "Evidence":
        return Evidence(self.sent_at, self.sent_from, self.document_date, self.kept)


@dataclass
class MergeOutcome:
    rows: list[MasterRow]  # DanhSach, in order
    issues: list[Issue]  # Loi
    issue_rows: list[int | None]  # DanhSach row index (0-based in rows) per issue, or None
    issue_units: list[str | None]
    files: list[FileOutcome]
    by_unit: dict[str, int]


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.astimezone()


def supersedes(new: datetime | None, held: datetime | None) -> bool:
    """Whether a version sent at `new` replaces one sent at `held`: the one rule for both decisions.

    Not older wins; an unknown time never replaces a known one, and of two unknown times the
    later one applied wins. `decide` (new files) and `state_of` (versions read back from the
    log) both ask this, so a re-read master keeps what the merge that wrote it decided.
    """
    if new is None:
        return held is None
    if held is None:
        return True
    return _aware(new) >= _aware(held)


def version_key(unit: str, *, weak: bool = False, path: str = "") -> str:
    """The key of a version in the merge state: its unit's key, or its file's for a unit only weakly known.

    A unit known only from a file or sheet name ("TH Kim Dong - de nghi.xlsx", a sheet "MN Hoa
    Mai") may be anyone's: such a version is kept beside every other one, never replaces one
    and is never replaced, but by a later file at the same place (issue 11: two schools whose
    sheets were both named "Tổng hợp" became one unit, and one school's rows were lost).
    """
    return f"\x00{path}" if weak else unit_key(unit)


# How far a version's date can be trusted to say which version is newer.
STRONG, MEDIUM, WEAK = 3, 2, 1
_SENT_STRENGTH = {"email": STRONG, "zip": MEDIUM, "file": WEAK}


@dataclass(frozen=True)
class Evidence:
    """What says when a version was made: the date written in the list, when and how it was sent.

    The document date ("..., ngày 15 tháng 5 năm 2025") and an email's Date are strong, a zip
    entry's time is medium, a file's modification time is weak (copying a folder resets it).
    """

    sent_at: datetime | None
    sent_from: str | None  # "email", "zip", "file"; None: unknown (a time of unknown origin is weak)
    document_date: date | None = None
    kept: bool = False  # the clerk's choice settles an uncertain order

    @property
    def sent_strength(self) -> int:
        return _SENT_STRENGTH.get(self.sent_from or "", WEAK) if self.sent_at is not None else 0

    @property
    def strength(self) -> int:
        return STRONG if self.document_date is not None else self.sent_strength

    @property
    def strong_day(self) -> date | None:
        if self.document_date is not None:
            return self.document_date
        return _aware(self.sent_at).date() if self.sent_at is not None and self.sent_from == "email" else None

    def describe(self) -> str:
        """The evidence in words, for the clerk: "ngày văn bản 15/05/2025; gửi qua thư lúc 20/05/2025 08:30"."""
        parts = []
        if self.document_date is not None:
            parts.append(f"ngày văn bản {self.document_date.strftime('%d/%m/%Y')}")
        if self.sent_at is not None:
            how = {"email": "gửi qua thư lúc", "zip": "giờ ghi trong tệp nén"}.get(self.sent_from or "", "ngày sửa tệp")
            parts.append(f"{how} {_aware(self.sent_at).strftime('%d/%m/%Y %H:%M')}")
        return "; ".join(parts) or "không rõ ngày"


def order_of(new: Evidence, held: Evidence) -> tuple[bool, bool]:
    """(whether `new` replaces `held`, whether that order is uncertain).

    Versions are ordered by the strongest evidence both have: the document dates written in
    both lists when they differ, else both sending times when both are emails or zip entries,
    else the strong days (document date or email day) when both have one. Otherwise the times
    are compared as `supersedes` does; but when that would let a weaker date (a modification
    time) decide against a version with a stronger one, the stronger is kept and the order is
    uncertain, unless the clerk chose one of the two in NhatKy. A version the clerk chose ("Giữ bản
    này") replaces the one held, whatever the dates say; a version held because the clerk chose it
    is replaced by one the evidence says came later (the mark must not block the next correction).
    """
    if new.kept and not held.kept:
        return True, False  # chosen by the clerk
    if new.document_date and held.document_date and new.document_date != held.document_date:
        return new.document_date > held.document_date, False
    plain = supersedes(new.sent_at, held.sent_at)
    if new.sent_strength >= MEDIUM and held.sent_strength >= MEDIUM:
        return plain, False
    new_day, held_day = new.strong_day, held.strong_day
    if new_day is not None and held_day is not None:
        return (new_day > held_day if new_day != held_day else plain), False
    if new.strength == held.strength or plain == (new.strength > held.strength):
        return plain, False  # equally strong, or the weaker date agrees with the stronger one
    if held.kept and not new.kept:
        return False, False  # settled by the clerk
    return new.strength > held.strength, True


def same_moment(new: Evidence, held: Evidence) -> bool:
    """Two versions that nothing orders: sent at the same moment (two files of one email, two files of
    one folder saved together), with no differing document date. The later name would win silently."""
    if new.sent_at is None or held.sent_at is None or _aware(new.sent_at) != _aware(held.sent_at):
        return False
    return new.kept == held.kept and (new.document_date is None or held.document_date is None
                                      or new.document_date == held.document_date)


def order_uncertain_issue(unit: str, kept_file: str, kept: Evidence, other_file: str, other: Evidence) -> Issue:
    """The version-order-uncertain warning: both dates, which version was kept, and how to choose the other."""
    why = ("cả hai cùng thời điểm, nên giữ bản có tên xếp sau" if same_moment(kept, other) else
           "căn cứ ngày của bản này chắc hơn (ngày sửa tệp đổi khi chép thư mục)")
    return Issue(
        code="version-order-uncertain", severity=Severity.WARNING, file=kept_file, value=other_file,
        message=(f"Không chắc bản nào của {unit} mới hơn: \"{kept_file}\" ({kept.describe()}) hay \"{other_file}\" "
                 f"({other.describe()}). Đã giữ \"{kept_file}\" vì {why}. Nếu phải dùng bản kia, ghi \"x\" vào cột \"Giữ bản này\" ở dòng của tệp "
                 f"\"{other_file}\" trong trang NhatKy rồi gộp lại; ghi \"x\" ở dòng của \"{kept_file}\" để xác nhận "
                 "bản đang giữ."),
    )


# The office's own detail in a cross-unit duplicate's message: where the other row came from and
# where it is in DanhSach. What a unit is sent back (addin.feedback) leaves it out: another unit's
# file and the master's rows mean nothing to it.
OFFICE_DETAIL = re.compile(r" \(dòng \d+ tệp .*?, dòng \d+ trong DanhSach\)")


def _note_uncertain(version: UnitVersion, issue: Issue) -> None:
    if not any(i.code == issue.code and i.message == issue.message for i in version.issues):
        version.issues.append(issue)


def applied_order(sent_at: datetime | None, shown: str) -> tuple:
    """The order files are applied in: those with no sending time first, then by time, then by name."""
    moment = _aware(sent_at)
    return (moment is not None, moment or datetime.min.replace(tzinfo=timezone.utc), shown)


def decide(state: dict[str, UnitVersion], candidates: list[Candidate], aliases: Aliases,
           merged_at: datetime) -> list[FileOutcome]:
    """Apply candidates to the per-unit state in order of sending; return what happened to each.

    Two files replace one another only when both name the same unit on strong evidence (see
    addin.ingest's unit clues), or when the clerk's alias table names a weakly known one.
    """
    outcomes: list[FileOutcome] = []
    held = {version.sha256: key for key, version in state.items()}  # a file merged again is found whatever its key
    for key, version in state.items():
        held.update(dict.fromkeys(version.superseded, key))

    this_run: dict[str, str] = {}  # SHA-256 of a file added in this merge -> the file
    for c in sorted(candidates, key=lambda c: applied_order(c.sent_at, c.shown)):
        if outcomes and outcomes[-1].action in ("added", "replaced") and outcomes[-1].sha256:
            this_run.setdefault(outcomes[-1].sha256, outcomes[-1].path)
        if c.known is not None:
            outcomes.append(_known_outcome(state, c))
            continue
        sub = c.submission
        if sub is None or sub.status == "unreadable":
            reason = c.reason or (sub.reason if sub else None) or "không đọc được"
            outcomes.append(FileOutcome(c.shown, None, 0, "rejected", reason, c.sha256, c.sent_at, c.sender))
            continue
        unit = aliases.resolve(sub.unit) or sub.unit or c.shown
        weak = sub.unit_confidence == "weak" and not aliases.maps(sub.unit)
        key = version_key(unit, weak=weak, path=c.shown)
        if weak and c.sha256 in held:
            key = held[c.sha256]  # the same file again, found under another path
        current = state.get(key)
        c.compact(merged_at)
        rows = len(c.rows)
        evidence = list(sub.unit_evidence)
        if sub.unit_confidence == "weak" and not weak:
            evidence.append("alias")
        sure = ("weak" if weak else "strong") if sub.unit_confidence else None

        def outcome(action: Action, reason: str | None) -> FileOutcome:
            return FileOutcome(c.shown, unit, rows, action, reason, c.sha256, c.sent_at, c.sender,
                               unit_confidence=sure, unit_evidence=evidence, document_date=sub.document_date,
                               sent_from=c.sent_from)

        if current is not None and current.sha256 == c.sha256:
            first = this_run.get(c.sha256)
            outcomes.append(outcome("unchanged", f"cùng nội dung với tệp \"{first}\" vừa gộp" if first
                                    else "tệp này đã được gộp trước đây"))
            continue
        if current is not None and c.sha256 in current.superseded and not c.kept:
            outcomes.append(outcome("ignored", "bản cũ, đã được thay bằng bản gửi sau"))
            continue
        when_sent = Evidence(c.sent_at, c.sent_from, sub.document_date, c.kept)
        uncertain = None
        if current is not None:
            replaces, unsure = order_of(when_sent, current.evidence)
            unsure = unsure or same_moment(when_sent, current.evidence)
            if unsure:
                kept_file, kept_ev, other, other_ev = (
                    (c.shown, when_sent, current.file or current.name, current.evidence) if replaces
                    else (current.file or current.name, current.evidence, c.shown, when_sent))
                uncertain = order_uncertain_issue(unit, kept_file, kept_ev, other, other_ev)
            elif current.kept != c.kept:
                # settled by the clerk: the warning goes
                current.issues = [i for i in current.issues if i.code != "version-order-uncertain"]
            if not replaces:
                if uncertain is not None:
                    _note_uncertain(current, uncertain)
                    reason = f"không chắc bản nào mới hơn: giữ \"{current.file or current.name}\" ({current.evidence.describe()})"
                elif current.kept and not c.kept:
                    reason = f"giữ bản \"{current.file or current.name}\" theo lựa chọn ở cột \"Giữ bản này\" của NhatKy"
                else:
                    reason = (f"gửi trước (hoặc lập trước) bản đang dùng của đơn vị (bản này: {when_sent.describe()}; "
                              f"bản đang dùng: {current.evidence.describe()}). Nếu bản này mới là bản đúng, ghi \"x\" "
                              "vào cột \"Giữ bản này\" ở dòng của tệp này trong trang NhatKy rồi gộp lại")
                outcomes.append(outcome("ignored", reason))
                continue
        new_rows = c.rows
        provisional = sub.unit or c.shown
        for row in new_rows:
            if row.unit in (None, provisional):
                row.unit = unit  # an alias names the unit properly in every row
            row.src_unit = unit
        # the clerk's alias settles a unit known only from its file name: no warning left about it
        issues = [i for i in sub.issues if weak or i.code != "unit-uncertain"]
        version = UnitVersion(unit, c.sha256, c.sent_at, new_rows, issues, weak=weak, document_date=sub.document_date,
                              sent_from=c.sent_from, kept=c.kept, file=c.shown)
        if uncertain is not None:
            _note_uncertain(version, uncertain)
        if current is None:
            action: Action = "added"
            reason = None
        else:
            action = "replaced"
            when = _aware(current.sent_at).strftime("%d/%m/%Y %H:%M") if current.sent_at else "chưa rõ ngày"
            reason = f"thay bản gửi lúc {when}"
            version.superseded = current.superseded | {current.sha256}
        state[key] = version
        held.update(dict.fromkeys(version.superseded | {c.sha256}, key))
        outcomes.append(outcome(action, reason))
    return outcomes


def _known_outcome(state: dict[str, UnitVersion], c: Candidate) -> FileOutcome:
    """What happens to a file the master already holds (not read again): unchanged, or superseded by
    a later file of this same run (the state moved on while the candidates were applied in order)."""
    version = state.get(c.known or "")
    if version is None:
        return FileOutcome(c.shown, None, 0, "ignored", "bản cũ, đã được thay bằng bản gửi sau", c.sha256, c.sent_at,
                           c.sender, sent_from=c.sent_from)
    sure = "weak" if version.weak else "strong"
    if version.sha256 == c.sha256:
        return FileOutcome(c.shown, version.name, len(version.rows), "unchanged", "tệp này đã được gộp trước đây",
                           c.sha256, c.sent_at, c.sender, unit_confidence=sure, unit_evidence=[],
                           document_date=version.document_date, sent_from=c.sent_from)
    return FileOutcome(c.shown, version.name, 0, "ignored", "bản cũ, đã được thay bằng bản gửi sau", c.sha256,
                       c.sent_at, c.sender, unit_confidence=sure, unit_evidence=[], sent_from=c.sent_from)


def state_of(log: Iterable[list[Any]], rows: Iterable[MasterRow], issues: Iterable[tuple[str | None, Issue]],
             aliases: Aliases) -> dict[str, UnitVersion]:
    """Per submitting unit: the version a master holds, from its log (NhatKy), rows and issues (Loi).

    Names go through the alias table as it is now, not as it was when they were merged: a
    variant name merged as a unit of its own before the clerk typed its alias is then the same
    unit, and of its two versions the one `supersedes` prefers is kept, as `decide` would.
    """
    state: dict[str, UnitVersion] = {}
    files: dict[str, str] = {}  # unit key -> file of the version kept (its issues are in Loi)
    weak_files: dict[str, str] = {}  # file -> key of a version whose unit is only weakly known
    at = LOG_INDEX
    log = list(log)
    chosen = kept_versions(log)
    for entry in log:
        action = LABEL_ACTIONS.get(str(entry[at["action"]] or ""))
        unit, sha = entry[at["unit"]], entry[at["sha256"]]
        if action not in ("added", "replaced") or not unit or not sha:
            continue
        name = aliases.resolve(str(unit)) or str(unit)
        path = str(entry[at["path"]] or "")
        weak = logged_weak(entry[at["unit_confidence"]]) and not aliases.maps(str(unit))
        key = version_key(name, weak=weak, path=path)
        sent = entry[at["sent_at"]]
        sent = sent.astimezone() if isinstance(sent, datetime) else None
        written = entry[at["document_date"]]
        doc = written.date() if isinstance(written, datetime) else written if isinstance(written, date) else None
        how = LABEL_SENT_FROM.get(str(entry[at["sent_from"]] or "")) or ("email" if entry[at["sender"]] else None)
        version = UnitVersion(name, str(sha), sent, [], [], weak=weak, document_date=doc, sent_from=how,
                              kept=str(sha) in chosen, file=str(entry[at["path"]] or "") or None)
        previous = state.get(key)
        if previous is not None and previous.sha256 != sha and not order_of(version.evidence, previous.evidence)[0]:
            previous.superseded.add(str(sha))  # joined by an alias, and older than the one kept
            continue
        if previous is not None:
            version.superseded = previous.superseded | {previous.sha256}
        state[key] = version
        files[key] = path
        if weak:
            weak_files[path] = key
    current = {version.sha256: key for key, version in state.items()}
    for row in rows:
        src_unit = str(row.src_unit or row.unit or "")
        name = aliases.resolve(src_unit) or src_unit
        key = current.get(str(row.sha256 or "")) or unit_key(name)
        version = state.get(key)
        if version is None:
            version = state[key] = UnitVersion(name, str(row.sha256 or ""), row.sent_at, [], [])
        if row.sha256 in version.superseded:
            continue  # rows of a version replaced since, once the alias joined the two names
        if row.unit == row.src_unit:
            row.unit = name  # the file's own unit, named as `decide` names it
        row.src_unit = name
        version.rows.append(row)
    for unit, issue in issues:
        if not unit:
            continue
        key = weak_files.get(issue.file) or unit_key(aliases.resolve(str(unit)) or str(unit))
        version = state.get(key)
        if version is not None and (not files.get(key) or issue.file == files[key]):
            if issue.code == "unit-uncertain" and not version.weak:
                continue  # settled since by the clerk's alias table
            version.issues.append(issue)
    return state


def confidence_text(outcome: FileOutcome) -> str | None:
    """NhatKy's "Độ tin cậy đơn vị": "Chắc chắn (tiêu đề, tên tệp)", "Chưa chắc (tên tệp)"."""
    if outcome.unit_confidence is None:
        return None
    label = UNIT_CONFIDENCE_LABELS[outcome.unit_confidence]
    evidence = ", ".join(UNIT_EVIDENCE_LABELS.get(e, e) for e in outcome.unit_evidence or [])
    return f"{label} ({evidence})" if evidence else label


def logged_weak(text: Any) -> bool:
    """Whether a log entry's "Độ tin cậy đơn vị" says the unit was only weakly known (older logs: never)."""
    return isinstance(text, str) and text.startswith(UNIT_CONFIDENCE_LABELS["weak"])


def kept_versions(log: Iterable[list[Any]]) -> set[str]:
    """SHA-256 of the versions the clerk chose in NhatKy (any mark in "Giữ bản này")."""
    at = LOG_INDEX
    return {str(e[at["sha256"]]) for e in log
            if e[at["sha256"]] and str(e[at["keep"]] or "").strip() not in ("", "0", "không", "Không")}


# Issues computed over the whole master, not per file: dropped from what a version carries and
# computed afresh on every merge, so they follow later submissions (and settings) everywhere.
RECOMPUTED = frozenset({"duplicate-across-units", "not-registered"})

# A check over all master rows: (issues, index in rows of each issue's row).
RowsCheck = Callable[[list[MasterRow]], tuple[list[Issue], list[int]]]


def assemble(state: dict[str, UnitVersion], checks: Iterable[RowsCheck] = ()) -> MergeOutcome:
    """DanhSach rows and Loi issues from the per-unit state, with cross-unit duplicates flagged.

    `checks` add issues that need every unit's rows (e.g. proposals nobody registered for).
    """
    rows: list[MasterRow] = []
    issues: list[Issue] = []
    issue_rows: list[int | None] = []
    issue_units: list[str | None] = []
    by_unit: dict[str, int] = {}
    for version in state.values():
        where: dict[tuple[str | None, int | None], int] = {}
        for row in version.rows:
            rows.append(row)
            where[(row[_SRC_SHEET], row[_SRC_ROW])] = len(rows) - 1
            unit = row[_UNIT] or version.name
            by_unit[unit] = by_unit.get(unit, 0) + 1
        for issue in version.issues:
            if issue.code in RECOMPUTED:
                continue  # recomputed below over the whole master
            issues.append(issue)
            issue_rows.append(where.get((issue.sheet, issue.row)))
            issue_units.append(version.name)
    dup_issues, dup_rows = _cross_unit_duplicates(rows)
    issues += dup_issues
    issue_rows += dup_rows
    issue_units += [rows[i].src_unit for i in dup_rows]
    for check in checks:
        found, at = check(rows)
        issues += found
        issue_rows += at
        issue_units += [rows[i].src_unit for i in at]
    _set_status(rows, issues, issue_rows)
    return MergeOutcome(rows, issues, issue_rows, issue_units, [], by_unit)


def _cross_unit_duplicates(rows: list[MasterRow]) -> tuple[list[Issue], list[int]]:
    """The same person (normalised name + date or year of birth) proposed by two units."""
    seen: dict[tuple[str, Any], list[int]] = {}
    for i, row in enumerate(rows):  # indices, not the row's properties: this runs on every row
        name, birth = row[_HO_TEN], row[_NGAY_SINH] or row[_NAM_SINH]
        if not name or birth is None or row[_TARGET] == TARGET_COLLECTIVE:
            continue
        seen.setdefault((name_key(name), birth), []).append(i)
    issues, where = [], []
    for group in seen.values():
        if len(group) < 2:
            continue
        units = [rows[i].unit for i in group]
        if len(set(units)) < 2:
            continue
        per_unit = Counter(units) if len(group) > 6 else None  # a count only matters past five others
        for i in group:
            row = rows[i]
            # The first five of the others, in list order, and how many there are: a common name
            # recurs in hundreds of units of a national list, so no list of all others per member
            # (that made a group's cost grow with the square of its size).
            shown = []
            for j in group:
                if rows[j].unit != row.unit:
                    shown.append(j)
                    if len(shown) == 5:
                        break
            others = len(group) - per_unit[row.unit] if per_unit is not None else len(shown)
            text = "; ".join(
                f"{rows[j].unit} (dòng {rows[j].src_row} tệp {rows[j].src_file}, "
                f"dòng {j + 1 + LIST_HEADER_ROW} trong DanhSach)"  # the office's detail: see OFFICE_DETAIL
                for j in shown  # a bounded message
            )
            if others > 5:
                text += f" và {others - 5} nơi khác"
            issues.append(Issue(
                code="duplicate-across-units", severity=Severity.WARNING, file=row.src_file or "",
                sheet=row.src_sheet, row=row.src_row, column=LIST_HEADERS["ho_ten"],
                value=row.ho_ten,
                message=f"\"{row.ho_ten}\" (sinh {_birth_text(row.birth)}) cũng được đề nghị ở: {text}. "
                        "Kiểm tra xem có phải cùng một người (chuyển công tác) không.",
            ))
            where.append(i)
    return issues, where


def _birth_text(birth: Any) -> str:
    if isinstance(birth, date):
        return birth.strftime("%d/%m/%Y")
    return str(birth)


def _set_status(rows: list[MasterRow], issues: list[Issue], issue_rows: list[int | None]) -> None:
    per_row: dict[int, list[Issue]] = {}
    for issue, i in zip(issues, issue_rows):
        if i is not None and issue.severity != Severity.INFO:
            per_row.setdefault(i, []).append(issue)
    for i, row in enumerate(rows):
        found = per_row.get(i)
        if not found:  # most rows
            row[_STATUS] = STATUS_OK
            row[_STATUS_TEXT] = None
            continue
        if any(x.severity == Severity.ERROR for x in found):
            row.status = STATUS_ERROR
        elif found:
            row.status = STATUS_WARNING
        else:
            row.status = STATUS_OK
        row.status_text = " | ".join(
            f"{SEVERITY_LABELS[x.severity]}: {x.message}" for x in found
        ) or None

