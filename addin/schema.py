"""The master workbook, described once: every sheet's name, title and columns, their order, the labels.

Every other module refers to these names; none spells a sheet name or a header of its own. A
master's sheets are read back by their header text, so headers are extended, never renamed.
A DanhSach (or DangKy) row is a `MasterRow`: a list in column order, with a named attribute per
column (`row.ho_ten`), so the writer takes it as it is and the code reads like the domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Iterable, NamedTuple

from addin.models import Severity

# ---------------------------------------------------------------------------
# Sheet names, in the order the clerk sees them in the built master

CONTROL = "DieuKhien"  # the buttons (built by addin.build)
LIST = "DanhSach"  # the merged proposals
# The official list a council reads and the leader signs, written from DanhSach on every merge:
# grouped by award, then by unit, no codes, no statuses (those stay on DanhSach, the clerk's sheet).
PRINT_LIST = "DanhSachTrinhKy"
ISSUES = "Loi"  # every issue of the merged proposals
LOG = "NhatKy"  # every file seen by a merge, and what was done with it
CHECK = "KiemTra"  # the check button's report
REGISTRATIONS_LIST = "DangKy"  # start-of-year registrations, merged by the rules of DanhSach
REGISTRATIONS_ISSUES = "LoiDangKy"
REGISTRATIONS_LOG = "NhatKyDangKy"
TALLY = "TongHop"
DELEGATES = "DaiBieu"
# What the clerk must know about the delegate list (shortfalls against the targets, quotas not
# filled, empty seats): printed apart, never on the official list. Not in SHEET_ORDER (the built
# master has no placeholder for it): the first `delegates` run adds it after the last sheet.
DELEGATES_NOTES = "DaiBieuGhiChu"
HISTORY = "LichSu"  # the award history register
GUESTS = "KhachMoi"  # the clerk's guest list
SETTINGS = "CauHinh"  # the clerk's settings
RULES = "QuyDinh"  # the rule parameters by legal basis
CATALOGUE = "DanhMuc"  # the award catalogue as the clerk extends it
ALIASES = "BiDanh"  # unit names as written in files -> the unit's proper name
UNITS = "DonVi"  # the unit register: every unit expected to send, its official name and email
SUBMISSION_STATUS = "TinhHinhNop"  # who has sent and who has not, against the register and the deadline
XLWINGS_CONF = "xlwings.conf"  # read by xlwings itself (hidden)
TEMPLATE_LIST = LIST  # the unit template sends its list on a sheet named like the master's

SHEET_ORDER = [CONTROL, LIST, PRINT_LIST, ISSUES, LOG, SUBMISSION_STATUS, CHECK, REGISTRATIONS_LIST, REGISTRATIONS_ISSUES,
               REGISTRATIONS_LOG, TALLY, DELEGATES, HISTORY, GUESTS, SETTINGS, RULES, CATALOGUE, UNITS, ALIASES,
               XLWINGS_CONF]
# Sheets the clerk fills in: created once, then only read (never overwritten by a run).
CLERK_SHEETS = (GUESTS, SETTINGS, RULES, CATALOGUE, UNITS, ALIASES)
# The sheets "Xuất PDF" offers, first the default.
PRINTABLE = [TALLY, DELEGATES, PRINT_LIST, LIST, SUBMISSION_STATUS, ISSUES, CHECK, LOG]
# Which column colours a row by its severity or status, per sheet (the open book's conditional format).
STATUS_COLUMN = {LIST: "Tình trạng", ISSUES: "Mức", CHECK: "Mức", REGISTRATIONS_LIST: "Tình trạng",
                 REGISTRATIONS_ISSUES: "Mức"}

# ---------------------------------------------------------------------------
# Titles of printed sheets

TITLE_LIST = "DANH SÁCH TỔNG HỢP ĐỀ NGHỊ KHEN THƯỞNG"
TITLE_PRINT_LIST = "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG"
TITLE_REGISTRATIONS = "DANH SÁCH ĐĂNG KÝ THI ĐUA, KHEN THƯỞNG"
TITLE_TALLY = "BIỂU TỔNG HỢP KẾT QUẢ ĐỀ NGHỊ KHEN THƯỞNG"
TITLE_DELEGATES = "DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ ĐIỂN HÌNH TIÊN TIẾN"
TITLE_SUBMISSION_STATUS = "TÌNH HÌNH NỘP HỒ SƠ ĐỀ NGHỊ KHEN THƯỞNG CỦA CÁC ĐƠN VỊ"
TITLE_DELEGATES_NOTES = "GHI CHÚ CHO NGƯỜI LẬP DANH SÁCH ĐẠI BIỂU (không in kèm danh sách)"
LIST_HEADER_ROW = 8  # DanhSach: the official title block on rows 1-7, the header on row 8


# ---------------------------------------------------------------------------
# Columns


class Column(NamedTuple):
    key: str  # the name code uses
    header: str  # the Vietnamese header the clerk reads (and the reader matches)
    width: float


def _columns(*spec: tuple[str, str, float]) -> tuple[Column, ...]:
    return tuple(Column(*c) for c in spec)


LIST_COLUMNS = _columns(
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
    ("chuyen_de", "Chuyên đề", 28),  # the theme of a themed (chuyên đề) award, as written
    ("xep_loai", "Xếp loại", 10),
    ("ten_sang_kien", "Tên sáng kiến", 32),
    ("so_qd_sang_kien", "Số QĐ công nhận sáng kiến", 16),
    ("cap_sang_kien", "Cấp công nhận sáng kiến", 12),  # carried to LichSu by `record`
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
)
LIST_KEYS = [c.key for c in LIST_COLUMNS]
LIST_INDEX = {k: i for i, k in enumerate(LIST_KEYS)}
LIST_HEADERS = {c.key: c.header for c in LIST_COLUMNS}
LIST_PRINTED = LIST_INDEX["xep_loai"] + 1  # the printed list stops after Xếp loại
# DanhSach (and DangKy) columns a clerk may delete: nothing tdkt works out reads them, so a deleted one
# stays deleted. The columns listed in LIST_REQUIRED hold what later runs need (names, awards,
# statuses, provenance...): a master missing one stops the run, nothing written (see
# addin.workbook.masterbook). A column added to LIST_COLUMNS later belongs in neither: an older
# master that lacks it simply gets it on the next write.
LIST_DELETABLE = ("loai", "tom_tat", "sent_at", "merged_at")
LIST_REQUIRED = ("stt", "unit", "ho_ten", "target", "ngay_sinh", "nam_sinh", "gioi_tinh", "dan_toc", "chuc_vu",
                 "don_vi", "de_nghi", "ma", "xep_loai", "ten_sang_kien", "so_qd_sang_kien", "nam_hoc", "ghi_chu",
                 "status", "status_text", "src_unit", "src_file", "src_sheet", "src_row", "sha256")

# DanhSachTrinhKy, the official list: what a council reads of each nominee (widths: 998 px of the
# A4 landscape page's 1,020 at 12 pt). A collective's section names two columns otherwise.
PRINT_LIST_COLUMNS = _columns(
    ("stt", "STT", 6),
    ("ho_ten", "Họ và tên", 26),
    ("birth", "Ngày sinh (năm sinh)", 13),
    ("chuc_vu", "Chức vụ", 22),
    ("don_vi", "Đơn vị công tác", 28),
    ("achievement", "Tóm tắt thành tích", 34),
)
PRINT_LIST_COLLECTIVE = {"ho_ten": "Tên tập thể", "birth": "", "chuc_vu": "", "don_vi": "Đơn vị"}

ISSUE_COLUMNS = _columns(
    ("code", "Mã lỗi", 20),
    ("severity", "Mức", 10),
    ("unit", "Đơn vị", 26),
    ("file", "Tệp", 34),
    ("sheet", "Trang", 12),
    ("row", "Dòng", 7),
    ("column", "Cột", 20),
    ("value", "Giá trị", 24),
    ("message", "Nội dung", 70),
    ("master_row", "Dòng trong DanhSach", 12),  # "Dòng trong <list sheet>" as written
)

LOG_COLUMNS = _columns(
    ("at", "Thời điểm", 17),
    ("path", "Tệp", 40),
    ("unit", "Đơn vị", 28),
    ("rows", "Số dòng", 8),
    ("action", "Thao tác", 16),
    ("reason", "Lý do", 50),
    ("sha256", "SHA-256", 18),
    ("sent_at", "Ngày gửi", 17),
    ("sender", "Người gửi", 26),
    ("unit_confidence", "Độ tin cậy đơn vị", 30),  # added last: older logs simply lack it
    # Added at the end (older masters' logs read back with these cells empty): the evidence of
    # which version is newer, and the clerk's choice when the order is uncertain.
    ("document_date", "Ngày văn bản", 12),  # the date written in the list (..., ngày 15 tháng 5 năm 2025)
    ("sent_from", "Căn cứ ngày gửi", 16),  # SENT_FROM_LABELS
    ("keep", "Giữ bản này", 10),  # typed by the clerk ("x") to settle version-order-uncertain
)
LOG_INDEX = {c.key: i for i, c in enumerate(LOG_COLUMNS)}

GUEST_COLUMNS = _columns(
    ("stt", "STT", 6),
    ("ho_ten", "Họ và tên", 28),
    ("chuc_vu", "Chức vụ", 24),
    ("don_vi", "Đơn vị", 32),
    ("gioi_tinh", "Giới tính", 10),
    ("dan_toc", "Dân tộc", 10),
    ("ghi_chu", "Ghi chú", 24),
)

ALIAS_COLUMNS = _columns(
    ("written", "Tên đơn vị như ghi trong tệp", 45),
    ("proper", "Tên đơn vị chuẩn", 45),
)

# The unit register DonVi (the clerk's; `tdkt units MASTER FILE` fills it from the office's own list).
UNIT_COLUMNS = _columns(
    ("name", "Tên đơn vị", 40),
    ("kind", "Loại đơn vị", 16),
    ("parent", "Cấp trên", 30),
    ("emails", "Email", 36),
    ("other_names", "Tên khác", 40),
    ("quota", "Chỉ tiêu đại biểu", 10),
    ("note", "Ghi chú", 24),
)

# TinhHinhNop: one row per unit of the register.
SUBMISSION_STATUS_COLUMNS = _columns(
    ("stt", "STT", 6),
    ("unit", "Đơn vị", 36),
    ("sent", "Tình trạng", 12),
    ("files", "Số tệp", 8),
    ("versions", "Số lần gộp", 9),
    ("rows", "Số dòng", 8),
    ("errors", "Số lỗi", 8),
    ("warnings", "Số cảnh báo", 9),
    ("last_sent", "Gửi lần cuối", 16),
    ("late", "Nộp muộn", 9),
    ("feedback", "Đã trả lại", 16),
    ("note", "Ghi chú", 30),
)
SENT_LABEL, NOT_SENT_LABEL = "Đã nộp", "Chưa nộp"

SETTINGS_COLUMNS = _columns(
    ("name", "Tham số", 42),
    ("value", "Giá trị", 24),
    ("note", "Ghi chú", 70),
)

RULE_COLUMNS = _columns(
    ("quy_tac", "Quy tắc", 14),
    ("tham_so", "Tham số", 30),
    ("gia_tri", "Giá trị", 22),
    ("ap_dung_tu", "Áp dụng từ ngày", 13),
    ("don_vi", "Đơn vị", 22),
    ("can_cu", "Căn cứ", 48),
    ("muc", "Mức tin cậy", 9),
    ("y_nghia", "Ý nghĩa", 70),
)

HISTORY_COLUMNS = _columns(
    ("stt", "STT", 6),
    ("ho_ten", "Họ và tên", 26),
    ("target", "Đối tượng", 10),
    ("ngay_sinh", "Ngày sinh", 12),
    ("nam_sinh", "Năm sinh", 8),
    ("chuc_vu", "Chức vụ", 20),
    ("don_vi", "Đơn vị", 28),
    ("nam_hoc", "Năm học", 10),
    ("xep_loai", "Xếp loại", 10),
    ("danh_hieu", "Danh hiệu, hình thức khen thưởng", 34),
    ("ma", "Mã khen thưởng", 18),
    ("so_qd", "Số quyết định", 16),
    ("ngay_qd", "Ngày quyết định", 12),
    ("cap_qd", "Cấp quyết định", 22),
    ("ten_sang_kien", "Tên sáng kiến", 30),
    ("cap_sang_kien", "Cấp công nhận sáng kiến", 12),
    ("so_qd_sang_kien", "Số QĐ công nhận sáng kiến", 16),
    ("ky_luat", "Hình thức kỷ luật", 14),
    ("ky_luat_tu", "Kỷ luật từ ngày", 12),
    ("ky_luat_den", "Kỷ luật đến ngày", 12),
    ("thai_san", "Nghỉ thai sản", 9),
    ("dang_xem_xet", "Đang bị xem xét kỷ luật, điều tra, khiếu nại", 14),
    ("nam_vao_nganh", "Năm vào ngành", 9),
    ("so_nam_giang_day", "Số năm trực tiếp giảng dạy", 9),
    ("so_nam_dbkk", "Số năm công tác vùng ĐBKK", 9),
    ("ghi_chu", "Ghi chú", 20),
    ("nguon", "Nguồn", 34),
    ("ghi_luc", "Thời điểm ghi", 16),
)


def headers(columns: Iterable[Column]) -> list[str]:
    """The header texts of a sheet's columns, in order."""
    return [c.header for c in columns]


def widths(columns: Iterable[Column]) -> list[float]:
    """The column widths of a sheet, in order."""
    return [c.width for c in columns]


# ---------------------------------------------------------------------------
# Labels: the Vietnamese words a sheet shows for the values code uses

STATUS_OK, STATUS_ERROR, STATUS_WARNING = "OK", "Lỗi", "Cảnh báo"  # DanhSach's Tình trạng
# The statuses whose rows count (tally, list to sign, delegates, record): tdkt's OK and Cảnh báo, and
# none yet. A word the clerk typed instead ("Rút", "Không duyệt", with a reason in Ghi chú) holds the
# row back, as Lỗi does: the tally's note has always said it counts OK and Cảnh báo.
COUNTED_STATUSES = frozenset({STATUS_OK, STATUS_WARNING, None, ""})


def status_counts(status: object) -> bool:
    """Whether a DanhSach row of this status is counted (see COUNTED_STATUSES)."""
    return status in COUNTED_STATUSES
TARGET_PERSON, TARGET_COLLECTIVE = "Cá nhân", "Tập thể"  # DanhSach's Đối tượng

SEVERITY_LABELS = {Severity.ERROR: "Lỗi", Severity.WARNING: "Cảnh báo", Severity.INFO: "Thông tin"}
LABEL_SEVERITY = {v: k for k, v in SEVERITY_LABELS.items()}

ACTION_LABELS = {
    "added": "Thêm mới",
    "replaced": "Thay thế bản trước",
    "unchanged": "Không đổi",
    "rejected": "Từ chối",
    "ignored": "Bỏ qua",
}
LABEL_ACTIONS = {v: k for k, v in ACTION_LABELS.items()}

# How sure the ingest is of a file's unit (NhatKy's "Độ tin cậy đơn vị"), and what named it
UNIT_CONFIDENCE_LABELS = {"strong": "Chắc chắn", "weak": "Chưa chắc"}
UNIT_EVIDENCE_LABELS = {"template": "ô \"Đơn vị:\"", "title": "tiêu đề", "don_vi": "cột Đơn vị công tác",
                        "chuc_vu_don_vi": "cột Chức vụ, đơn vị công tác", "collective": "dòng tập thể",
                        "file": "tên tệp", "sheet": "tên trang tính", "alias": "trang BiDanh",
                        "sender": "địa chỉ thư của đơn vị (trang DonVi)"}
# Where a version's "Ngày gửi" came from (NhatKy's "Căn cứ ngày gửi"): how far it can be trusted.
SENT_FROM_LABELS = {"email": "Thư điện tử", "zip": "Tệp nén", "file": "Ngày sửa tệp"}
LABEL_SENT_FROM = {v: k for k, v in SENT_FROM_LABELS.items()}

# A checked file's outcome, as KiemTra shows it
FILE_STATUS_LABELS = {"ok": "Hợp lệ", "invalid": "Có lỗi", "unreadable": "Không đọc được", "ignored": "Bỏ qua"}
CHECK_COLUMNS = _columns(
    ("stt", "STT", 6),
    ("file", "Tệp", 34),
    ("unit", "Đơn vị", 30),
    ("status", "Kết quả của tệp", 14),
    ("severity", "Mức", 10),
    ("row", "Dòng", 7),
    ("column", "Cột", 20),
    ("value", "Giá trị", 24),
    ("message", "Nội dung", 80),
)


# ---------------------------------------------------------------------------
# The merged lists: proposals (DanhSach) and registrations (DangKy) share the columns


@dataclass(frozen=True)
class ListSheets:
    """The sheets of one merged list: the rows, their issues and their log.

    Proposals (DanhSach) and start-of-year registrations (DangKy) are merged by the same rules
    into the same columns; each keeps its own issues and log, so a unit's registration never
    replaces its proposal list or the reverse.
    """

    rows: str
    issues: str
    log: str
    title: str
    renamed: tuple[tuple[str, str], ...] = ()  # LIST_COLUMNS key -> header, where this list says it otherwise

    @property
    def headers(self) -> dict[str, str]:
        return {**LIST_HEADERS, **dict(self.renamed)}


PROPOSALS = ListSheets(LIST, ISSUES, LOG, TITLE_LIST)
REGISTRATIONS = ListSheets(REGISTRATIONS_LIST, REGISTRATIONS_ISSUES, REGISTRATIONS_LOG, TITLE_REGISTRATIONS,
                           renamed=(("unit", "Đơn vị đăng ký"), ("de_nghi", "Đăng ký danh hiệu, khen thưởng")))


class MasterRow(list):
    """One row of DanhSach or DangKy: values in LIST_COLUMNS order, each also named (`row.ho_ten`).

    A list, so that the writer and the open book take it as it is; the names are properties
    made from LIST_COLUMNS below, so a new column is one line there.
    """

    __slots__ = ()

    @classmethod
    def blank(cls) -> "MasterRow":
        """A row with every cell empty."""
        return cls([None] * len(LIST_KEYS))

    @classmethod
    def of(cls, **values: Any) -> "MasterRow":
        """A row with the given cells filled (keys of LIST_COLUMNS), the rest empty."""
        row = cls.blank()
        for key, value in values.items():
            row[LIST_INDEX[key]] = value
        return row

    @property
    def birth(self) -> Any:
        """The date of birth, else the year."""
        return self[LIST_INDEX["ngay_sinh"]] or self[LIST_INDEX["nam_sinh"]]

    @property
    def is_collective(self) -> bool:
        return self[LIST_INDEX["target"]] == TARGET_COLLECTIVE


def _named(i: int, header: str) -> property:
    def put(row: list[Any], value: Any) -> None:
        row[i] = value
    return property(itemgetter(i), put, doc=header)


for _i, _column in enumerate(LIST_COLUMNS):
    setattr(MasterRow, _column.key, _named(_i, _column.header))
