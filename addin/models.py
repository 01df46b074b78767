"""Canonical data: nominee rows, submissions, issues and reports.

Everything here is plain data (pydantic models): no file access, no Excel objects.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

M = TypeVar("M", bound=BaseModel)


class Target(StrEnum):
    """Who an award is for."""

    CA_NHAN = "ca_nhan"  # an individual
    TAP_THE = "tap_the"  # a collective


class AwardKind(StrEnum):
    """Regular awards versus one-off and themed ones (domain.md §1, §2)."""

    THUONG_XUYEN = "thuong_xuyen"
    DOT_XUAT = "dot_xuat"
    CHUYEN_DE = "chuyen_de"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Rating(StrEnum):
    """Yearly rating of an official (xếp loại), best first."""

    HTXSNV = "HTXSNV"  # Hoàn thành xuất sắc nhiệm vụ
    HTTNV = "HTTNV"  # Hoàn thành tốt nhiệm vụ
    HTNV = "HTNV"  # Hoàn thành nhiệm vụ
    KHTNV = "KHTNV"  # Không hoàn thành nhiệm vụ


def fast_model(cls: type[M], values: dict[str, Any]) -> M:
    """Build a model from values the caller has already typed, skipping validation.

    Ingest builds tens of thousands of rows per second; pydantic validation would cost
    more than reading the workbook. `values` must hold every field with its final type
    (tests round-trip every ingested row through `model_validate` to keep that true).
    """
    obj = cls.__new__(cls)
    _setattr(obj, "__dict__", values)
    # Every field is set, so one shared set per class serves all instances (pydantic only
    # ever adds names to it on assignment, and every name is already in it).
    fields_set = _ALL_FIELDS.get(cls)
    if fields_set is None or len(values) != len(fields_set):
        fields_set = set(values)
        if len(values) == len(cls.model_fields):
            _ALL_FIELDS[cls] = fields_set
    _setattr(obj, "__pydantic_fields_set__", fields_set)
    _setattr(obj, "__pydantic_extra__", None)
    _setattr(obj, "__pydantic_private__", None)
    return obj


_setattr = object.__setattr__
_ALL_FIELDS: dict[type, set[str]] = {}


class AwardProposal(BaseModel):
    """One award or title proposed in one cell of a row (a value: shared between rows)."""

    model_config = ConfigDict(frozen=True)

    raw: str  # as written (after encoding and space clean-up)
    column: str  # header text of the cell it came from
    code: str | None = None  # catalogue code, None when unrecognised
    kind: AwardKind = AwardKind.THUONG_XUYEN
    theme: str | None = None  # a themed (chuyên đề) award's theme, as written: “Chuyển đổi số”


class Nominee(BaseModel):
    """One nominee row, individual or collective, in canonical fields (domain.md §4)."""

    ho_ten: str | None = None  # person's full name, or the collective's name
    target: Target = Target.CA_NHAN
    stt: str | None = None
    ngay_sinh: date | None = None  # full date of birth when known
    nam_sinh: int | None = None  # year of birth (also set when ngay_sinh is)
    gioi_tinh: Literal["nam", "nu"] | None = None
    dan_toc: str | None = None
    chuc_vu: str | None = None
    don_vi: str | None = None  # đơn vị công tác (workplace), not the submitting unit
    awards: list[AwardProposal] = Field(default_factory=list)
    xep_loai: Rating | None = None
    xep_loai_raw: str | None = None
    ten_sang_kien: str | None = None
    so_qd_sang_kien: str | None = None
    cap_sang_kien: str | None = None  # the level the initiative was recognised at, as written ("tỉnh")
    tom_tat: str | None = None
    nam_hoc: str | None = None
    ghi_chu: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)  # unmapped columns, by header text
    unit: str | None = None  # submitting unit
    # provenance: the clerk must be able to find the row again
    file: str
    sheet: str
    row: int  # the Excel row number the clerk sees (1-based)
    duplicate_of: int | None = None  # Excel row of an identical earlier row in the same sheet


# The stable issue codes, with what each means to a clerk. Tools rely on these slugs:
# add new ones, never rename. The README's table is checked against this list.
ISSUE_CODES: dict[str, str] = {
    "unreadable-file": "Tệp không đọc được (hỏng, có mật khẩu, không phải bảng tính, quá lớn)",
    "no-header": "Không tìm thấy bảng danh sách đề nghị trong tệp",
    "missing-value": "Thiếu thông tin bắt buộc (họ tên, danh hiệu đề nghị, ngày sinh)",
    "invalid-date": "Ngày tháng không hợp lệ hoặc không có trên lịch",
    "invalid-gender": "Giới tính không hợp lệ",
    "invalid-rating": "Không nhận ra mức xếp loại",
    "unknown-award": "Danh hiệu, hình thức khen thưởng không có trong danh mục",
    "invalid-award-kind": "Danh hiệu không có hình thức đột xuất hay chuyên đề",
    "award-target-mismatch": "Khen thưởng tập thể đề nghị cho cá nhân, hoặc ngược lại",
    "duplicate-in-file": "Dòng trùng lặp trong cùng một tệp",
    "duplicate-across-units": "Cùng một người được hai đơn vị đề nghị",
    "criteria-not-met": "Chưa đủ tiêu chuẩn của danh hiệu đề nghị",
    "legacy-encoding": "Đã chuyển chữ từ phông cũ TCVN3/VNI sang Unicode",
    "ambiguous-identity": "Sổ lịch sử có nhiều người trùng họ tên, ngày sinh: không tự chọn",
    "invalid-rule-parameter": "Tham số trong trang QuyDinh không hợp lệ: dùng giá trị mặc định",
    "legal-basis": "Căn cứ pháp lý và ngày hồ sơ dùng để đối chiếu lịch sử khen thưởng",
    "not-registered": "Đề nghị danh hiệu chưa đăng ký thi đua từ đầu năm",
    "unit-unregistered": "Đơn vị gửi tệp không có trong danh sách đơn vị (trang DonVi)",
    "version-order-uncertain": "Không chắc bản nào của đơn vị mới hơn: đã giữ bản có căn cứ ngày chắc hơn",
    "master-unusable": "Không dùng được sổ tổng hợp (chưa có, hỏng, hoặc cài đặt không dùng được)",
    "master-not-written": "Không ghi được sổ tổng hợp (đang mở, bị khóa, hết chỗ): sổ cũ vẫn nguyên vẹn",
    "cell-too-long": "Ô dài quá giới hạn 32.767 ký tự của Excel: chỉ đọc phần đầu",
    "too-many-issues": "Quá nhiều vấn đề cùng loại trong một tệp: phần còn lại không liệt kê",
    "unit-uncertain": "Đơn vị gửi chỉ đoán được từ tên tệp hoặc tên trang tính: danh sách được giữ riêng",
    "invalid-school-year": "Năm học ghi ở --year không đúng cách ghi, hoặc sổ tổng hợp không có năm học đó",
    "no-spreadsheet": "Không tìm thấy bảng tính nào trong các tệp, thư mục đã chỉ ra",
    "hidden-row": "Dòng đề nghị đang bị ẩn trong tệp của đơn vị: chưa được tính",
    "formula-not-calculated": "Ô công thức chưa được tính (tệp chưa mở bằng Excel): đọc ra là trống",
}


class Issue(BaseModel):
    """One problem found in the input; `code` is a stable kebab-case slug."""

    code: str
    severity: Severity
    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    message: str


FileStatus = Literal["ok", "invalid", "unreadable", "ignored"]


class Submission(BaseModel):
    """What one unit workbook contributed: its rows, its unit, and what was wrong with it."""

    path: str  # as given by the caller (command line path, or folder joined with relative path)
    unit: str | None = None
    unit_source: str | None = None  # title, template, don_vi, chuc_vu_don_vi, collective, sheet, file
    # "strong" when a clue the unit writes about itself names it (title block, "Đơn vị:" line,
    # workplaces, its own collective row); "weak" when only a file or sheet name does.
    unit_confidence: Literal["strong", "weak"] | None = None
    unit_evidence: list[str] = Field(default_factory=list)  # the kinds of clue naming the unit, heaviest first
    sheets: list[str] = Field(default_factory=list)  # data sheets read, in workbook order
    title: str | None = None  # the list's title line, e.g. "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG ..."
    nam_hoc: str | None = None  # school year named in the title block
    document_date: date | None = None  # "..., ngày 14 tháng 5 năm 2025"
    document_date_source: str | None = None  # where it was written: "title" (above the table) or "footer" (below)
    columns: dict[str, dict[str, str]] = Field(default_factory=dict)  # sheet -> field -> header text
    # sheet -> header text -> 0-based column index: finds an issue's cell again (tdkt feedback)
    header_columns: dict[str, dict[str, int]] = Field(default_factory=dict)
    nominees: list[Nominee] = Field(default_factory=list)
    issues: list[Issue] = Field(default_factory=list)
    status: FileStatus = "ok"
    reason: str | None = None  # why a file was ignored or unreadable
    # A lower level's tdkt master merged one level up: its rows were checked where they were first
    # merged, and the issues of its Loi come with them instead of being checked again.
    rolled_up: bool = False

    @property
    def rows(self) -> int:
        """Data rows recognised; an exact duplicate row counts once."""
        return sum(1 for n in self.nominees if n.duplicate_of is None)

    def has_errors(self) -> bool:
        return any(i.severity == Severity.ERROR for i in self.issues)


class Report(BaseModel):
    """The result of validating one or more files."""

    submissions: list[Submission] = Field(default_factory=list)
    # Problems of the run rather than of one file: nothing found to check under the paths given.
    run_issues: list[Issue] = Field(default_factory=list)

    @property
    def issues(self) -> list[Issue]:
        return [*self.run_issues, *(i for s in self.submissions for i in s.issues)]

    @property
    def valid(self) -> bool:
        return not self.run_issues and not any(s.has_errors() for s in self.submissions)

    def flatten(self, fields: tuple[str, ...] = ("row", "column", "code")) -> list[tuple]:
        """Issues as tuples of the named fields, in report order (for tests and quick checks)."""
        return [tuple(getattr(i, f) for f in fields) for i in self.issues]

    def to_json_dict(self) -> dict[str, Any]:
        """The `tdkt validate --json` shape (a contract: extend only by adding fields)."""
        return {
            "valid": self.valid,
            "files": [
                {
                    "path": s.path,
                    "unit": s.unit,
                    "sheet": ", ".join(s.sheets) if s.sheets else None,
                    "rows": s.rows,
                    "status": s.status,
                    "sheets": s.sheets,
                    "unit_source": s.unit_source,
                    "unit_confidence": s.unit_confidence,
                    "unit_evidence": s.unit_evidence,
                    "reason": s.reason,
                    "errors": sum(1 for i in s.issues if i.severity == Severity.ERROR),
                    "warnings": sum(1 for i in s.issues if i.severity == Severity.WARNING),
                }
                for s in self.submissions
            ],
            "issues": [i.model_dump(mode="json") for i in self.issues],
        }
