"""Unit submissions + the master's current rows -> the new master rows, issues and log.

Pure logic over plain data; reading sources and the master lives in addin.inbox and
addin.workbook, writing in addin.workbook.master.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable, Literal

from addin.catalogue import KIND_LABELS, TARGET_LABELS
from addin.models import AwardKind, Issue, Nominee, Severity, Submission, Target
from addin.text import fold, name_key, strip_accents

Action = Literal["added", "replaced", "unchanged", "rejected", "ignored"]
ACTION_LABELS = {
    "added": "Thêm mới",
    "replaced": "Thay thế bản trước",
    "unchanged": "Không đổi",
    "rejected": "Từ chối",
    "ignored": "Bỏ qua",
}
LABEL_ACTIONS = {v: k for k, v in ACTION_LABELS.items()}

# DanhSach columns: (key, header, width). The headers are read back by name, by this module
# and by the ingest when a master is merged one level up; extend, never rename.
COLUMNS: list[tuple[str, str, float]] = [
    ("stt", "STT", 6),
    ("unit", "Đơn vị đề nghị", 28),
    ("ho_ten", "Họ và tên", 26),
    ("target", "Đối tượng", 10),
    ("ngay_sinh", "Ngày sinh", 12),
    ("nam_sinh", "Năm sinh", 8),
    ("gioi_tinh", "Giới tính", 8),
    ("dan_toc", "Dân tộc", 10),
    ("chuc_vu", "Chức vụ", 22),
    ("don_vi", "Đơn vị công tác", 26),
    ("de_nghi", "Đề nghị khen thưởng", 30),
    ("ma", "Mã khen thưởng", 16),
    ("loai", "Loại khen thưởng", 14),
    ("xep_loai", "Xếp loại", 10),
    ("ten_sang_kien", "Tên sáng kiến", 32),
    ("so_qd_sang_kien", "Số QĐ công nhận sáng kiến", 16),
    ("tom_tat", "Tóm tắt thành tích", 32),
    ("nam_hoc", "Năm học", 10),
    ("ghi_chu", "Ghi chú", 16),
    ("status", "Tình trạng", 11),
    ("status_text", "Nội dung kiểm tra", 50),
    ("src_unit", "Đơn vị gửi", 26),
    ("src_file", "Tệp nguồn", 34),
    ("src_sheet", "Trang", 12),
    ("src_row", "Dòng", 7),
    ("sha256", "SHA-256", 18),
    ("sent_at", "Ngày gửi", 16),
    ("merged_at", "Thời điểm gộp", 16),
]
KEYS = [k for k, _, _ in COLUMNS]
INDEX = {k: i for i, k in enumerate(KEYS)}
HEADERS = {k: h for k, h, _ in COLUMNS}

STATUS_OK, STATUS_ERROR, STATUS_WARNING = "OK", "Lỗi", "Cảnh báo"

# Loi columns
ISSUE_COLUMNS: list[tuple[str, str, float]] = [
    ("code", "Mã lỗi", 20),
    ("severity", "Mức", 10),
    ("unit", "Đơn vị", 26),
    ("file", "Tệp", 34),
    ("sheet", "Trang", 12),
    ("row", "Dòng", 7),
    ("column", "Cột", 20),
    ("value", "Giá trị", 24),
    ("message", "Nội dung", 70),
    ("master_row", "Dòng trong DanhSach", 12),
]
SEVERITY_LABELS = {Severity.ERROR: "Lỗi", Severity.WARNING: "Cảnh báo", Severity.INFO: "Thông tin"}
LABEL_SEVERITY = {v: k for k, v in SEVERITY_LABELS.items()}

# NhatKy columns
LOG_COLUMNS: list[tuple[str, str, float]] = [
    ("at", "Thời điểm", 17),
    ("path", "Tệp", 40),
    ("unit", "Đơn vị", 28),
    ("rows", "Số dòng", 8),
    ("action", "Thao tác", 16),
    ("reason", "Lý do", 50),
    ("sha256", "SHA-256", 18),
    ("sent_at", "Ngày gửi", 17),
    ("sender", "Người gửi", 26),
]


# ---------------------------------------------------------------------------
# Unit identity

_UNIT_WORDS = [
    (r"\btrường tiểu học\b", "trường th"),
    (r"\btrường trung học cơ sở\b", "trường thcs"),
    (r"\btrường trung học phổ thông\b", "trường thpt"),
    (r"\btrường mầm non\b", "trường mn"),
    (r"\btrường mẫu giáo\b", "trường mg"),
    (r"\bgiáo dục và đào tạo\b|\bgd ?& ?đt\b|\bgdđt\b|\bgd-đt\b", "gdđt"),
    (r"\bủy ban nhân dân\b", "ubnd"),
    (r"\bthành phố\b", "tp"),
]


def unit_key(name: str) -> str:
    """Key that identifies a unit however its name is written ("Trường Tiểu học X" = "Trường TH X")."""
    key = fold(name)
    for pattern, replacement in _UNIT_WORDS:
        key = re.sub(pattern, replacement, key)
    key = re.sub(r"[^\w&]+", " ", key)
    return strip_accents(" ".join(key.split()))


class Aliases:
    """The clerk's alias table: names as written in files -> the unit's proper name."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()):
        self._map: dict[str, str] = {}
        for written, proper in pairs:
            if written and proper:
                self._map[unit_key(written)] = proper.strip()

    def resolve(self, name: str | None) -> str | None:
        if not name:
            return name
        return self._map.get(unit_key(name), name)


# ---------------------------------------------------------------------------
# Rows


def nominee_row(n: Nominee, *, src_unit: str, src_file: str, sha256: str, sent_at: datetime | None,
                merged_at: datetime) -> list[Any]:
    """A master DanhSach row (values in COLUMNS order) for one nominee."""
    codes = []
    for a in n.awards:
        code = a.code or "?"
        codes.append(code if a.kind == AwardKind.THUONG_XUYEN else f"{code} ({KIND_LABELS[a.kind]})")
    row: list[Any] = [None] * len(KEYS)
    row[INDEX["stt"]] = None  # numbered when written
    row[INDEX["unit"]] = n.unit
    row[INDEX["ho_ten"]] = n.ho_ten
    row[INDEX["target"]] = "Tập thể" if n.target == Target.TAP_THE else "Cá nhân"
    row[INDEX["ngay_sinh"]] = n.ngay_sinh
    row[INDEX["nam_sinh"]] = n.nam_sinh
    row[INDEX["gioi_tinh"]] = {"nam": "Nam", "nu": "Nữ"}.get(n.gioi_tinh or "")
    row[INDEX["dan_toc"]] = n.dan_toc
    row[INDEX["chuc_vu"]] = n.chuc_vu
    row[INDEX["don_vi"]] = n.don_vi
    row[INDEX["de_nghi"]] = "; ".join(dict.fromkeys(a.raw for a in n.awards)) or None
    row[INDEX["ma"]] = "; ".join(codes) or None
    row[INDEX["loai"]] = "; ".join(KIND_LABELS[a.kind] for a in n.awards) or None
    row[INDEX["xep_loai"]] = n.xep_loai.value if n.xep_loai else n.xep_loai_raw
    row[INDEX["ten_sang_kien"]] = n.ten_sang_kien
    row[INDEX["so_qd_sang_kien"]] = n.so_qd_sang_kien
    row[INDEX["tom_tat"]] = n.tom_tat
    row[INDEX["nam_hoc"]] = n.nam_hoc
    row[INDEX["ghi_chu"]] = n.ghi_chu
    row[INDEX["src_unit"]] = src_unit
    row[INDEX["src_file"]] = src_file
    row[INDEX["src_sheet"]] = n.sheet
    row[INDEX["src_row"]] = n.row
    row[INDEX["sha256"]] = sha256
    row[INDEX["sent_at"]] = sent_at
    row[INDEX["merged_at"]] = merged_at
    return row


def _birth(row: list[Any]) -> Any:
    return row[INDEX["ngay_sinh"]] or row[INDEX["nam_sinh"]]


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
    # Master rows built as soon as the file is read (see compact), so that a national merge does
    # not hold a million Nominee models until every file has been read.
    rows: list[list[Any]] | None = None

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


@dataclass
class UnitVersion:
    """What the master holds for one submitting unit."""

    name: str
    sha256: str
    sent_at: datetime | None
    rows: list[list[Any]]
    issues: list[Issue]
    superseded: set[str] = field(default_factory=set)  # hashes of versions it replaced


@dataclass
class MergeOutcome:
    rows: list[list[Any]]  # DanhSach, in order
    issues: list[Issue]  # Loi
    issue_rows: list[int | None]  # DanhSach row index (0-based in rows) per issue, or None
    issue_units: list[str | None]
    files: list[FileOutcome]
    by_unit: dict[str, int]


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.astimezone()


def _newer(a: datetime | None, b: datetime | None) -> bool:
    """Whether a is not older than b (an unknown time never overrides a known one)."""
    if a is None:
        return b is None
    if b is None:
        return True
    return _aware(a) >= _aware(b)


def decide(state: dict[str, UnitVersion], candidates: list[Candidate], aliases: Aliases,
           merged_at: datetime) -> list[FileOutcome]:
    """Apply candidates to the per-unit state in order of sending; return what happened to each."""
    outcomes: list[FileOutcome] = []

    def order(c: Candidate) -> tuple:
        moment = _aware(c.sent_at)
        return (moment is not None, moment or datetime.min.replace(tzinfo=timezone.utc), c.shown)

    for c in sorted(candidates, key=order):
        sub = c.submission
        if sub is None or sub.status == "unreadable":
            reason = c.reason or (sub.reason if sub else None) or "không đọc được"
            outcomes.append(FileOutcome(c.shown, None, 0, "rejected", reason, c.sha256, c.sent_at, c.sender))
            continue
        unit = aliases.resolve(sub.unit) or sub.unit or c.shown
        key = unit_key(unit)
        current = state.get(key)
        c.compact(merged_at)
        rows = len(c.rows)
        if current is not None and current.sha256 == c.sha256:
            outcomes.append(FileOutcome(c.shown, unit, rows, "unchanged", "tệp này đã được gộp trước đây", c.sha256, c.sent_at, c.sender))
            continue
        if current is not None and c.sha256 in current.superseded:
            outcomes.append(FileOutcome(c.shown, unit, rows, "ignored", "bản cũ, đã được thay bằng bản gửi sau", c.sha256, c.sent_at, c.sender))
            continue
        if current is not None and not _newer(c.sent_at, current.sent_at):
            when = _aware(current.sent_at).strftime("%d/%m/%Y %H:%M") if current.sent_at else "?"
            outcomes.append(FileOutcome(c.shown, unit, rows, "ignored",
                                        f"gửi trước bản đang dùng của đơn vị (bản đang dùng gửi lúc {when})",
                                        c.sha256, c.sent_at, c.sender))
            continue
        new_rows = c.rows
        provisional = sub.unit or c.shown
        for row in new_rows:
            if row[INDEX["unit"]] in (None, provisional):
                row[INDEX["unit"]] = unit  # an alias names the unit properly in every row
            row[INDEX["src_unit"]] = unit
        issues = [i for i in sub.issues]
        version = UnitVersion(unit, c.sha256, c.sent_at, new_rows, issues)
        if current is None:
            action: Action = "added"
            reason = None
        else:
            action = "replaced"
            when = _aware(current.sent_at).strftime("%d/%m/%Y %H:%M") if current.sent_at else "chưa rõ ngày"
            reason = f"thay bản gửi lúc {when}"
            version.superseded = current.superseded | {current.sha256}
        state[key] = version
        outcomes.append(FileOutcome(c.shown, unit, rows, action, reason, c.sha256, c.sent_at, c.sender))
    return outcomes


# Issues computed over the whole master, not per file: dropped from what a version carries and
# computed afresh on every merge, so they follow later submissions (and settings) everywhere.
RECOMPUTED = frozenset({"duplicate-across-units", "not-registered"})

# A check over all master rows: (issues, index in rows of each issue's row).
RowsCheck = Callable[[list[list[Any]]], tuple[list[Issue], list[int]]]


def assemble(state: dict[str, UnitVersion], checks: Iterable[RowsCheck] = ()) -> MergeOutcome:
    """DanhSach rows and Loi issues from the per-unit state, with cross-unit duplicates flagged.

    `checks` add issues that need every unit's rows (e.g. proposals nobody registered for).
    """
    rows: list[list[Any]] = []
    issues: list[Issue] = []
    issue_rows: list[int | None] = []
    issue_units: list[str | None] = []
    by_unit: dict[str, int] = {}
    for version in state.values():
        where: dict[tuple[str | None, int | None], int] = {}
        for row in version.rows:
            rows.append(row)
            where[(row[INDEX["src_sheet"]], row[INDEX["src_row"]])] = len(rows) - 1
            unit = row[INDEX["unit"]] or version.name
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
    issue_units += [rows[i][INDEX["src_unit"]] for i in dup_rows]
    for check in checks:
        found, at = check(rows)
        issues += found
        issue_rows += at
        issue_units += [rows[i][INDEX["src_unit"]] for i in at]
    _set_status(rows, issues, issue_rows)
    return MergeOutcome(rows, issues, issue_rows, issue_units, [], by_unit)


def _cross_unit_duplicates(rows: list[list[Any]]) -> tuple[list[Issue], list[int]]:
    """The same person (normalised name + date or year of birth) proposed by two units."""
    seen: dict[tuple[str, Any], list[int]] = {}
    for i, row in enumerate(rows):
        name, birth = row[INDEX["ho_ten"]], _birth(row)
        if not name or birth is None or row[INDEX["target"]] == "Tập thể":
            continue
        seen.setdefault((name_key(name), birth), []).append(i)
    issues, where = [], []
    for group in seen.values():
        units = {rows[i][INDEX["unit"]] for i in group}
        if len(units) < 2:
            continue
        for i in group:
            row = rows[i]
            others = [j for j in group if rows[j][INDEX["unit"]] != row[INDEX["unit"]]]
            text = "; ".join(
                f"{rows[j][INDEX['unit']]} (dòng {rows[j][INDEX['src_row']]} tệp {rows[j][INDEX['src_file']]}, "
                f"dòng {j + 1 + MASTER_HEADER_ROW} trong DanhSach)"
                for j in others[:5]  # a bounded message: a common name can recur in many units
            )
            if len(others) > 5:
                text += f" và {len(others) - 5} nơi khác"
            issues.append(Issue(
                code="duplicate-across-units", severity=Severity.WARNING, file=row[INDEX["src_file"]] or "",
                sheet=row[INDEX["src_sheet"]], row=row[INDEX["src_row"]], column=HEADERS["ho_ten"],
                value=row[INDEX["ho_ten"]],
                message=f"\"{row[INDEX['ho_ten']]}\" (sinh {_birth_text(_birth(row))}) cũng được đề nghị ở: {text}. "
                        "Kiểm tra xem có phải cùng một người (chuyển công tác) không.",
            ))
            where.append(i)
    return issues, where


def _birth_text(birth: Any) -> str:
    if isinstance(birth, date):
        return birth.strftime("%d/%m/%Y")
    return str(birth)


MASTER_HEADER_ROW = 8  # DanhSach: the official title block on rows 1-7, the header on row 8


def _set_status(rows: list[list[Any]], issues: list[Issue], issue_rows: list[int | None]) -> None:
    per_row: dict[int, list[Issue]] = {}
    for issue, i in zip(issues, issue_rows):
        if i is not None and issue.severity != Severity.INFO:
            per_row.setdefault(i, []).append(issue)
    for i, row in enumerate(rows):
        found = per_row.get(i, [])
        if any(x.severity == Severity.ERROR for x in found):
            row[INDEX["status"]] = STATUS_ERROR
        elif found:
            row[INDEX["status"]] = STATUS_WARNING
        else:
            row[INDEX["status"]] = STATUS_OK
        row[INDEX["status_text"]] = " | ".join(
            f"{SEVERITY_LABELS[x.severity]}: {x.message}" for x in found
        ) or None


ProgressFn = Callable[[int, int, str], None]
