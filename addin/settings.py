"""The master's settings (sheet CauHinh): what the clerk fills in once, read back on every run.

The sheet is a three-column table (Tham số | Giá trị | Ghi chú). Plain settings come first;
sections (a label row in capitals) hold per-unit seat quotas and per unit-type/role quotas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from datetime import date, datetime

from addin.text import clean, fold, is_yes, parse_date, parse_number

SECTION_UNIT_QUOTAS = "CHỈ TIÊU ĐẠI BIỂU THEO ĐƠN VỊ"
SECTION_ROLE_QUOTAS = "CHỈ TIÊU THEO LOẠI ĐƠN VỊ VÀ VAI TRÒ"
SECTION_TARGETS = "MỤC TIÊU CƠ CẤU ĐẠI BIỂU"

# (attribute, label in the sheet, default, note for the clerk)
_PLAIN: list[tuple[str, str, Any, str]] = [
    ("parent_agency", "Cơ quan chủ quản", "", "Dòng trên của góc trái, ví dụ UBND TỈNH TRÀ GIANG"),
    ("unit_name", "Tên đơn vị", "", "Dòng dưới của góc trái, ví dụ SỞ GIÁO DỤC VÀ ĐÀO TẠO"),
    ("place", "Địa danh", "", "Ghi ở dòng \"..., ngày ... tháng ... năm ...\", ví dụ Trà Giang"),
    ("preparer", "Người lập biểu", "", "Họ tên người lập biểu (ký bên trái)"),
    ("signer_title", "Chức danh người ký", "THỦ TRƯỞNG ĐƠN VỊ", "Ví dụ GIÁM ĐỐC, HIỆU TRƯỞNG, KT. GIÁM ĐỐC"),
    ("signer", "Người ký", "", "Họ tên thủ trưởng (ký bên phải)"),
    ("seats", "Tổng số đại biểu", 200, "Số ghế của hội nghị"),
    ("guest_share", "Tỷ lệ khách mời", 0.30, "Ví dụ 0,3 là 30% số ghế dành cho khách mời"),
    ("exemplary_from", "Danh hiệu thấp nhất để chọn điển hình", "CSTDCS",
     "Mã trong danh mục; từ danh hiệu này trở lên được chọn làm đại biểu điển hình"),
    ("tally_counts_errors", "Biểu tổng hợp tính cả dòng có lỗi", "Không", "Có hoặc Không"),
    ("inbox", "Thư mục hộp thư", "hop-thu", "Nơi lưu tệp các đơn vị gửi về (để trống: thư mục hop-thu cạnh sổ)"),
    ("deadline", "Hạn nộp", "",
     "Hạn các đơn vị nộp danh sách đề nghị, ngày/tháng/năm, ví dụ 15/05/2025 (trang TinhHinhNop, thư nhắc)"),
    ("registrations_inbox", "Thư mục đăng ký thi đua", "dang-ky",
     "Nơi lưu danh sách đăng ký thi đua đầu năm các đơn vị gửi về, cho nút \"Nhập đăng ký thi đua\" "
     "(để trống: thư mục dang-ky cạnh sổ; không đặt trong thư mục hộp thư)"),
    # Local practice, not law: some offices accept proposals nobody registered for.
    ("check_registrations", "Cảnh báo đề nghị chưa đăng ký", "Có",
     "Có hoặc Không; chỉ kiểm tra đơn vị đã có danh sách đăng ký thi đua (trang DangKy)"),
]
_TARGET_LABELS = {"female": "Tỷ lệ nữ tối thiểu", "ethnic_minority": "Tỷ lệ dân tộc thiểu số tối thiểu"}
ROLE_LABELS = {"lanh_dao": "Lãnh đạo", "can_bo": "Cán bộ", "giao_vien": "Giáo viên"}
UNIT_TYPE_LABELS = {"truong": "Trường", "phong": "Phòng GD&ĐT", "xa": "UBND xã, phường", "trung_tam": "Trung tâm",
                    "so": "Sở, phòng thuộc Sở"}


@dataclass
class Settings:
    parent_agency: str = ""
    unit_name: str = ""
    place: str = ""
    preparer: str = ""
    signer_title: str = "THỦ TRƯỞNG ĐƠN VỊ"
    signer: str = ""
    seats: int = 200
    guest_share: float = 0.30
    exemplary_from: str = "CSTDCS"
    tally_counts_errors: bool = False
    inbox: str = "hop-thu"
    deadline: str = ""  # "Hạn nộp" as typed (dd/mm/yyyy); see deadline_date
    registrations_inbox: str = "dang-ky"
    check_registrations: bool = True
    unit_quotas: dict[str, int] = field(default_factory=dict)
    type_role_quotas: dict[str, dict[str, int]] = field(default_factory=dict)
    targets: dict[str, float] = field(default_factory=dict)
    # Values typed in CauHinh that could not be read, as sentences for the clerk: the default (or
    # nothing) was used instead ("Tổng số đại biểu" typed "khoảng 200 người").
    problems: list[str] = field(default_factory=list)

    def issuer(self, fallback_unit: str | None = None) -> list[str]:
        """The left block of the title: parent agency, then the unit (in capitals)."""
        lines = [x.upper() for x in (self.parent_agency, self.unit_name or (fallback_unit or "")) if x]
        return lines or [""]

    def place_date(self) -> str:
        return f"{self.place or '...'}, ngày ... tháng ... năm ..."

    def deadline_date(self) -> date | None:
        """"Hạn nộp" as a date, or None when it is empty or not a date on the calendar."""
        if not self.deadline:
            return None
        return parse_date(self.deadline).day


def _number(value: Any, default: float, *, share: bool = False) -> float:
    """A number as typed ("150", "0,3", "30%"), else the default; for a share, 30 and "30%" both mean 0.3."""
    number = parse_number(value, share=share)
    return default if number is None else number


def parse(rows: Iterable[list[Any]]) -> Settings:
    """Settings from the CauHinh rows below its header (values the clerk typed, or defaults)."""
    settings = Settings()
    by_label = {fold(label): (attr, default) for attr, label, default, _ in _PLAIN}
    target_by_label = {fold(label): key for key, label in _TARGET_LABELS.items()}
    section = None
    for row in rows:
        cells = list(row) + [None, None]
        label = clean(str(cells[0])) if cells[0] not in (None, "") else ""
        value = cells[1]
        if not label:
            continue
        key = fold(label)
        if key in (fold(SECTION_UNIT_QUOTAS), fold(SECTION_ROLE_QUOTAS), fold(SECTION_TARGETS)):
            section = key
            continue
        if section is not None and key in by_label:
            # A plain setting ends a section: a setting added since a master was made (Hạn nộp) is
            # typed by the clerk at the bottom of its CauHinh, under the sections.
            section = None
        unread = value not in (None, "") and parse_number(value, share=section == fold(SECTION_TARGETS)) is None
        if section == fold(SECTION_UNIT_QUOTAS):
            seats = int(_number(value, -1))
            if seats >= 0:
                settings.unit_quotas[label] = seats
            elif unread:
                settings.problems.append(f"Chỉ tiêu đại biểu của \"{label}\" ghi \"{clean(str(value))}\": không đọc được "
                                         "số, nên chưa dùng. Hãy ghi một số, ví dụ 5.")
        elif section == fold(SECTION_ROLE_QUOTAS):
            unit_type, _, role = label.partition(" - ")
            type_key = next((k for k, v in UNIT_TYPE_LABELS.items() if fold(v) == fold(unit_type)), None)
            role_key = next((k for k, v in ROLE_LABELS.items() if fold(v) == fold(role)), None)
            seats = int(_number(value, -1))
            if type_key and role_key and seats >= 0:
                settings.type_role_quotas.setdefault(type_key, {})[role_key] = seats
            elif unread:
                settings.problems.append(f"Chỉ tiêu \"{label}\" ghi \"{clean(str(value))}\": không đọc được số, nên "
                                         "chưa dùng. Hãy ghi một số, ví dụ 1.")
        elif section == fold(SECTION_TARGETS):
            target = target_by_label.get(key)
            share = _number(value, -1, share=True)
            if target and 0 <= share <= 1:
                settings.targets[target] = share
            elif target and unread:
                settings.problems.append(f"Mục tiêu \"{label}\" ghi \"{clean(str(value))}\": không đọc được tỷ lệ, nên "
                                         "chưa đối chiếu. Hãy ghi ví dụ 30% hoặc 0,3.")
        elif key in by_label:
            attr, default = by_label[key]
            if isinstance(getattr(Settings, attr, None), bool):  # yes/no settings, typed "Có"/"Không"
                setattr(settings, attr, is_yes(value))
            elif isinstance(default, (int, float)):
                number = parse_number(value, share=isinstance(default, float)) if value not in (None, "") else None
                if number is None and value not in (None, ""):
                    settings.problems.append(f"Ô \"{label}\" ghi \"{clean(str(value))}\": không đọc được số, nên dùng "
                                             f"giá trị mặc định {str(default).replace('.', ',')}. Hãy ghi một số.")
                number = default if number is None else number
                setattr(settings, attr, int(number) if isinstance(default, int) else number)
            elif isinstance(value, (date, datetime)):  # a date cell (Hạn nộp): as the clerk reads it
                setattr(settings, attr, value.strftime("%d/%m/%Y"))
            elif attr == "signer_title" and value not in (None, "") and "\n" in str(value):
                # "KT. GIÁM ĐỐC" over "PHÓ GIÁM ĐỐC": the signature block prints the lines as typed
                lines = [line for part in str(value).splitlines() if (line := clean(part))]
                setattr(settings, attr, "\n".join(lines[:2]) or default)
            else:
                setattr(settings, attr, clean(str(value)) if value not in (None, "") else default)
    return settings


def rows(settings: Settings | None = None) -> list[list[Any]]:
    """The CauHinh rows for a new master: every setting with its default and a note."""
    settings = settings or Settings()
    out: list[list[Any]] = []
    for attr, label, _, note in _PLAIN:
        value = getattr(settings, attr)
        if isinstance(value, bool):
            value = "Có" if value else "Không"
        out.append([label, value, note])
    out.append([SECTION_TARGETS, None, "Để trống nếu không đặt mục tiêu; chỉ báo thiếu, không tự điều chỉnh"])
    for key, label in _TARGET_LABELS.items():
        out.append([label, settings.targets.get(key), "Ví dụ 0,3 là 30%"])
    out.append([SECTION_UNIT_QUOTAS, None, "Ghi tên đơn vị và số đại biểu; đơn vị không ghi được chia theo tỷ lệ"])
    for unit, seats in settings.unit_quotas.items():
        out.append([unit, seats, None])
    out.append([SECTION_ROLE_QUOTAS, None, "Ví dụ \"Phòng GD&ĐT - Lãnh đạo\" 1, \"Phòng GD&ĐT - Giáo viên\" 13"])
    for unit_type, roles in settings.type_role_quotas.items():
        for role, seats in roles.items():
            out.append([f"{UNIT_TYPE_LABELS[unit_type]} - {ROLE_LABELS[role]}", seats, None])
    return out
