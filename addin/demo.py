"""Synthetic unit workbooks: the `tdkt demo` inbox and benchmark data.

Every workbook looks like a list a Vietnamese school, commune office or unit under the Sở really
sends in (domain.md §4, §5): an official title block (agency lines top-left, national motto
top-right in merged cells, place and date line, merged title and subtitle), a one- or two-row
header (merged "Năm sinh" over Nam | Nữ, merged "Đề nghị" over Danh hiệu thi đua | Hình thức
khen thưởng), nominee rows, optional section rows "I. CÁ NHÂN" / "II. TẬP THỂ" and a "Tổng cộng"
row, and a signature footer. Layouts, date spellings, award spellings and ratings vary per file
the way they vary between real clerks.

Everything is drawn from `random.Random` seeded by the caller (one derived seed per file) and
the workbook creation time is fixed, so a seed always gives byte-identical files.

All units, people and places are invented (province "tỉnh Trà Giang").
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import xlsxwriter

from addin.settings import Settings

__all__ = [
    "DemoFile",
    "generate_unit_workbooks",
    "write_demo_inbox",
    "write_demo_inbox_with_manifest",
]

SCHOOL_YEAR = "2024-2025"
PROVINCE = "Trà Giang"
CREATED = datetime(2025, 5, 20, 8, 0, 0)  # fixed: the same seed gives the same bytes

# --------------------------------------------------------------------------------------------
# Names

_FAMILY = [
    ("Nguyễn", 30), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 4), ("Huỳnh", 5),
    ("Phan", 4), ("Vũ", 3), ("Võ", 4), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2),
    ("Ngô", 2), ("Dương", 2), ("Lý", 1), ("Trương", 2), ("Đinh", 1), ("Lâm", 1), ("Châu", 1),
    ("Mai", 1), ("Đoàn", 1), ("Tô", 1), ("Kiều", 1), ("Lưu", 1), ("Quách", 1), ("Cao", 1),
]
_FAMILY_NAMES = [f for f, _ in _FAMILY]
_FAMILY_WEIGHTS = [w for _, w in _FAMILY]

_MIDDLE_F = ["Thị"] * 8 + [
    "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Thùy", "Bích", "Hồng", "Diệu", "Phương", "Minh",
    "Hoài", "Cẩm", "Tuyết", "Như", "Hải", "Khánh",
]
_MIDDLE_F2 = ["Thu", "Ngọc", "Kim", "Thanh", "Mỹ", "Bích", "Hồng", "Phương", "Diễm", "Cẩm"]
_MIDDLE_M = ["Văn"] * 6 + [
    "Minh", "Hữu", "Quốc", "Đức", "Thanh", "Công", "Hoàng", "Xuân", "Trung", "Tấn", "Ngọc",
    "Thành", "Chí", "Duy", "Quang", "Hồng", "Bảo", "Anh",
]
_GIVEN_F = [
    "Lan", "Hương", "Hoa", "Mai", "Hạnh", "Thảo", "Trang", "Linh", "Ngân", "Yến", "Nhung",
    "Hằng", "Dung", "Phượng", "Loan", "Oanh", "Thủy", "Tuyết", "Vân", "Hà", "Giang", "Nga",
    "Liên", "Huyền", "Uyên", "Nhi", "Trâm", "Thư", "Quyên", "Diễm", "Ánh", "My", "Cúc",
    "Đào", "Lài", "Thắm", "Xoan", "Khuê", "Quế", "Sen", "Hiền", "Thanh", "Tâm", "Châu",
    "Phương", "Ngọc", "Hồng", "Bích", "Nguyệt", "Duyên", "Hậu", "Thơ", "Loan", "Tú",
]
_GIVEN_M = [
    "Hùng", "Dũng", "Tuấn", "Nam", "Minh", "Hải", "Long", "Phong", "Quang", "Sơn", "Thắng",
    "Trung", "Khoa", "Bình", "Cường", "Đạt", "Hiếu", "Huy", "Kiên", "Lâm", "Lộc", "Phúc",
    "Tài", "Thành", "Tâm", "Toàn", "Vinh", "Việt", "Hưng", "Khánh", "Nhân", "Tùng", "Hiển",
    "Triều", "Công", "Lực", "Kha", "Thái", "Tường", "Chiến", "Nhật", "Hào", "Sang", "Đức",
    "Tín", "Quân", "Phát", "Trí", "Hòa", "Thịnh",
]

# ethnic group -> weight among minority staff; names are drawn per group below
_MINORITIES = [("Khmer", 4), ("Tày", 2), ("Thái", 2), ("Mường", 2), ("Ê Đê", 1), ("Hoa", 2)]
_ETHNIC_FAMILY = {
    "Khmer": ["Thạch", "Sơn", "Danh", "Kim", "Lâm", "Châu", "Triệu", "Lý"],
    "Tày": ["Nông", "Hoàng", "Triệu", "Lục", "Ma", "Hà"],
    "Thái": ["Lò", "Lường", "Cầm", "Vi", "Hà"],
    "Mường": ["Bùi", "Đinh", "Quách", "Hà", "Cao"],
    "Hoa": ["Lý", "Trương", "Quách", "Lâm", "Mã", "Tăng"],
}
_KHMER_GIVEN_F = ["Sa Ly", "Sô Phal", "Chanh Đa", "Sóc Kha", "Ra Ni", "Sa Vênh", "Phươl", "Sa Rênh", "Mô Ni"]
_KHMER_GIVEN_M = ["Sóc", "Tha", "Rơ", "Thol", "Sa Rết", "Sà Rinh", "Phol", "Ưng", "Sô Phia", "Đa Ra"]
_EDE_FAMILY = ["Niê", "Êban", "Mlô", "Byă", "Ayŭn", "Knul", "Adrơng"]
_EDE_GIVEN_F = ["Linh", "Xuân", "Ben", "Hen", "Yơn", "Mai", "Nhi", "Ly"]
_EDE_GIVEN_M = ["Bhin", "Khu", "Jũ", "Sơn", "Thuột", "Wang", "Kông", "Bơr"]


def _person_name(rng: random.Random, female: bool, ethnic: str) -> str:
    if ethnic == "Ê Đê":
        if female:
            return f"H'{rng.choice(_EDE_GIVEN_F)} {rng.choice(_EDE_FAMILY)}"
        return f"Y {rng.choice(_EDE_GIVEN_M)} {rng.choice(_EDE_FAMILY)}"
    if ethnic == "Khmer":
        fam = rng.choice(_ETHNIC_FAMILY["Khmer"])
        if female:
            return f"{fam} Thị {rng.choice(_KHMER_GIVEN_F)}"
        mid = "Văn " if rng.random() < 0.4 else ""
        return f"{fam} {mid}{rng.choice(_KHMER_GIVEN_M)}"
    if ethnic in _ETHNIC_FAMILY:
        fam = rng.choice(_ETHNIC_FAMILY[ethnic])
    else:
        fam = rng.choices(_FAMILY_NAMES, _FAMILY_WEIGHTS)[0]
    if female:
        mid = rng.choice(_MIDDLE_F)
        if mid == "Thị" and rng.random() < 0.3:
            mid = f"Thị {rng.choice(_MIDDLE_F2)}"
        given = rng.choice(_GIVEN_F)
    else:
        mid = rng.choice(_MIDDLE_M)
        given = rng.choice(_GIVEN_M)
    if mid.endswith(given):
        given = rng.choice(_GIVEN_F if female else _GIVEN_M)
    return f"{fam} {mid} {given}"


def _ascii(text: str) -> str:
    """'Trường THCS Nguyễn Du' -> 'Truong THCS Nguyen Du' (for file names)."""
    text = text.replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


# --------------------------------------------------------------------------------------------
# Units

_SCHOOL_NAMES = [
    "Nguyễn Du", "Lê Lợi", "Trần Phú", "Võ Thị Sáu", "Kim Đồng", "Quang Trung", "Nguyễn Trãi",
    "Trần Hưng Đạo", "Lý Thường Kiệt", "Nguyễn Bỉnh Khiêm", "Phan Bội Châu", "Nguyễn Khuyến",
    "Lê Văn Tám", "Nguyễn Văn Trỗi", "Huỳnh Thúc Kháng", "Hùng Vương", "Ngô Quyền",
    "Đinh Tiên Hoàng", "Nguyễn Thị Minh Khai", "Trưng Vương", "Lương Thế Vinh", "Tô Hiến Thành",
    "Phan Chu Trinh", "Nguyễn Đình Chiểu", "Lê Hồng Phong", "Trần Quốc Toản", "Bế Văn Đàn",
    "Mạc Đĩnh Chi", "Nguyễn Huệ", "Hai Bà Trưng", "Lê Thánh Tông", "Nguyễn Hiền",
]
_KINDERGARTEN_NAMES = [
    "Hoa Sen", "Hướng Dương", "Họa Mi", "Sơn Ca", "Tuổi Thơ", "Vành Khuyên", "Hoa Mai",
    "Sao Mai", "Anh Đào", "Hoa Hồng", "Bông Sen", "Măng Non", "Búp Măng", "Rạng Đông",
]
_COMMUNES = [
    ("xã", "Tân Phú"), ("xã", "Long Hưng"), ("xã", "Hòa Bình"), ("xã", "Phú Lộc"),
    ("xã", "Vĩnh Thạnh"), ("xã", "Thạnh Lợi"), ("xã", "Đông Hải"), ("xã", "Mỹ Xuyên"),
    ("phường", "An Hội"), ("phường", "Bình Minh"), ("xã", "Tây Sơn"), ("xã", "Hưng Lợi"),
    ("phường", "Phú Thứ"), ("xã", "Tân Hiệp"), ("xã", "Vĩnh Phước"), ("phường", "Trà Nóc"),
    ("xã", "Tân Hòa"), ("xã", "An Thạnh"), ("xã", "Long Đức"), ("xã", "Phú Tân"), ("xã", "Mỹ Hòa"),
    ("xã", "Hòa Thuận"), ("xã", "Vĩnh Lợi"), ("xã", "Thạnh Phú"), ("xã", "Tân Long"), ("xã", "An Bình"),
    ("xã", "Long Hòa"), ("xã", "Phú Mỹ"), ("xã", "Nhơn Mỹ"), ("xã", "Đại Ân"), ("xã", "Trung Bình"),
    ("xã", "Gia Hòa"), ("xã", "Thạnh Quới"), ("xã", "Ba Trinh"), ("xã", "Xuân Hòa"), ("xã", "Lai Hòa"),
    ("xã", "Vĩnh Hải"), ("xã", "Khánh Hòa"), ("phường", "Phường 1"), ("phường", "Phường 2"),
    ("phường", "Phường 3"), ("phường", "Phường 4"), ("phường", "Phường 5"), ("phường", "Phường 7"),
    ("phường", "Phường 8"), ("phường", "Phường 9"), ("phường", "Tân Định"), ("phường", "An Lạc"),
]
_DISTRICTS = [
    ("thành phố", "Trà Giang"), ("huyện", "Long Phú"), ("huyện", "Mỹ Xuyên"),
    ("huyện", "Vĩnh Thạnh"), ("thị xã", "Phú Lộc"), ("huyện", "Thạnh Trị"),
]

_LEVEL_LONG = {"MN": "Mầm non", "TH": "Tiểu học", "THCS": "THCS", "THPT": "THPT"}

_TO_BY_LEVEL = {
    "MN": ["Tổ Nhà trẻ", "Tổ Mẫu giáo bé", "Tổ Mẫu giáo nhỡ", "Tổ Mẫu giáo lớn", "Tổ Văn phòng", "Tổ Nuôi dưỡng"],
    "TH": ["Tổ Khối 1", "Tổ Khối 2", "Tổ Khối 3", "Tổ Khối 4", "Tổ Khối 5", "Tổ Tiếng Anh - Tin học", "Tổ Văn phòng"],
    "THCS": ["Tổ Toán - Tin", "Tổ Ngữ văn", "Tổ Ngoại ngữ", "Tổ Khoa học tự nhiên", "Tổ Khoa học xã hội", "Tổ Văn phòng"],
    "THPT": ["Tổ Toán - Tin", "Tổ Vật lí - Công nghệ", "Tổ Hóa - Sinh", "Tổ Ngữ văn", "Tổ Sử - Địa - GDCD",
             "Tổ Ngoại ngữ", "Tổ Thể dục - Quốc phòng", "Tổ Văn phòng"],
}
_SUBJECTS = {
    "TH": ["Toán", "Tiếng Việt", "Tiếng Anh", "Tin học", "Khoa học", "Lịch sử và Địa lí", "Đạo đức", "Mĩ thuật"],
    "THCS": ["Toán", "Ngữ văn", "Tiếng Anh", "Khoa học tự nhiên", "Lịch sử và Địa lí", "Tin học", "GDCD", "Công nghệ"],
    "THPT": ["Toán", "Ngữ văn", "Tiếng Anh", "Vật lí", "Hóa học", "Sinh học", "Lịch sử", "Địa lí", "Tin học"],
}
_GRADES = {"TH": range(1, 6), "THCS": range(6, 10), "THPT": range(10, 13)}


def _school_name(level: str, base: str, long_level: bool = False) -> str:
    lvl = _LEVEL_LONG[level] if long_level else level
    return f"Trường {lvl} {base}"


@dataclass
class Unit:
    """A submitting unit and what its title block says."""

    name: str  # "Trường THCS Nguyễn Du"
    level: str  # MN, TH, THCS, THPT (schools), XA (commune office), SO (unit under the Sở), PGD
    parent_line: str  # first agency line, upper case
    unit_line: str  # second agency line, upper case
    place: str  # for "Trà Giang, ngày 14 tháng 5 năm 2025"
    head_title: str  # footer signature title, upper case
    head_position: str  # the head's Chức vụ
    abbrev: str  # for document numbers: "31/TTr-THCSND"
    file_stem: str  # ASCII
    workplaces: list[tuple[str, str]] = field(default_factory=list)  # (name, level) of đơn vị công tác
    collectives: list[str] = field(default_factory=list)
    minority: float = 0.05  # share of staff from ethnic minorities


def _abbrev(prefix: str, base: str) -> str:
    initials = "".join(w[0] for w in _ascii(base).split() if w[0].isalpha()).upper()
    return f"{prefix}{initials}"


def _school_unit(level: str, base: str, district: tuple[str, str], *, long_level: bool = False,
                 minority: float = 0.05) -> Unit:
    name = _school_name(level, base, long_level)
    dkind, dname = district
    if level == "THPT":
        parent = f"SỞ GD&ĐT TỈNH {PROVINCE.upper()}"
    else:
        parent = f"PHÒNG GD&ĐT {dkind.upper()} {dname.upper()}"
    tos = list(_TO_BY_LEVEL[level])
    return Unit(
        name=name, level=level, parent_line=parent, unit_line=name.upper(), place=dname,
        head_title="HIỆU TRƯỞNG", head_position="Hiệu trưởng", abbrev=_abbrev(level, base),
        file_stem=f"{level} {_ascii(base)}", workplaces=[(name, level)],
        collectives=tos + [name], minority=minority,
    )


def _commune_unit(ckind: str, cname: str, district: tuple[str, str], rng: random.Random,
                  extra_schools: int = 0) -> Unit:
    """A commune/ward office sending one list for its own staff and the schools on its ground."""
    dkind, dname = district
    if cname.startswith("Phường "):
        ckind = ""  # "UBND Phường 1", not "UBND phường Phường 1"
    schools = [
        (f"Trường MN {cname}", "MN"),
        (f"Trường TH {cname}", "TH"),
        (f"Trường TH {cname} {rng.choice(['A', '2', 'B'])}", "TH"),
        (f"Trường THCS {cname}", "THCS"),
    ]
    bases = rng.sample(_SCHOOL_NAMES, min(extra_schools, len(_SCHOOL_NAMES)))
    for i, b in enumerate(bases):
        level = ("TH", "THCS", "MN")[i % 3]
        schools.append((f"Trường {level} {rng.choice(_KINDERGARTEN_NAMES) if level == 'MN' else b}", level))
    schools = list(dict.fromkeys(schools))
    office = f"UBND {ckind} {cname}".replace("  ", " ")
    ckind = ckind or "phường"
    return Unit(
        name=office, level="XA", parent_line=f"UBND {dkind.upper()} {dname.upper()}",
        unit_line=office.upper(), place=cname, head_title="CHỦ TỊCH", head_position=f"Chủ tịch UBND {ckind}",
        abbrev=f"UBND{_abbrev('', cname)}", file_stem=f"UBND {ckind} {_ascii(cname)}",
        workplaces=[(office, "XA")] + schools,
        collectives=[s for s, _ in schools] + [f"Văn phòng HĐND và UBND {ckind}"]
        + [f"{t}, {s}" for s, lvl in schools if lvl in _TO_BY_LEVEL for t in _TO_BY_LEVEL[lvl][:3]],
        minority=0.06,
    )


def _so_unit(name: str, stem: str, abbrev: str) -> Unit:
    return Unit(
        name=name, level="SO", parent_line=f"SỞ GD&ĐT TỈNH {PROVINCE.upper()}", unit_line=name.upper(),
        place=PROVINCE, head_title="GIÁM ĐỐC", head_position="Giám đốc", abbrev=abbrev, file_stem=stem,
        workplaces=[(name, "SO")],
        collectives=["Phòng Đào tạo", "Phòng Hành chính - Tổng hợp", "Tổ Văn hóa", "Tổ Nghề", name],
        minority=0.05,
    )


def _pgd_unit(district: tuple[str, str], rng: random.Random) -> Unit:
    """A district office (pre-2025) sending one merged list for all its schools."""
    dkind, dname = district
    office = f"Phòng GD&ĐT {dkind} {dname}"
    bases = rng.sample(_SCHOOL_NAMES, 14)
    schools = [(f"Trường MN {b}", "MN") for b in rng.sample(_KINDERGARTEN_NAMES, 5)]
    schools += [(_school_name("TH", b), "TH") for b in bases[:8]]
    schools += [(_school_name("THCS", b), "THCS") for b in bases[8:]]
    tos = [f"{t}, {s}" for s, lvl in schools for t in _TO_BY_LEVEL[lvl][:4]]
    return Unit(
        name=office, level="PGD", parent_line=f"UBND {dkind.upper()} {dname.upper()}",
        unit_line="PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", place=dname, head_title="TRƯỞNG PHÒNG",
        head_position="Trưởng phòng", abbrev=f"PGDĐT{_abbrev('', dname)}", file_stem=f"PGD {_ascii(dname)}",
        workplaces=[(office, "PGD")] + schools, collectives=[s for s, _ in schools] + tos, minority=0.07,
    )


# --------------------------------------------------------------------------------------------
# Positions, awards, ratings

_STAFF_BY_LEVEL = {
    "MN": [("Giáo viên", 60), ("Tổ trưởng chuyên môn", 6), ("Tổ phó chuyên môn", 5), ("Nhân viên nuôi dưỡng", 10),
           ("Kế toán", 3), ("Nhân viên y tế", 2), ("Nhân viên văn thư", 2)],
    "TH": [("Giáo viên", 64), ("Tổ trưởng chuyên môn", 7), ("Tổ phó chuyên môn", 5), ("Tổng phụ trách Đội", 2),
           ("Kế toán", 2), ("Nhân viên thư viện", 2), ("Nhân viên thiết bị", 2), ("Nhân viên văn thư", 2)],
    "THCS": [("Giáo viên", 64), ("Tổ trưởng chuyên môn", 7), ("Tổ phó chuyên môn", 5), ("Tổng phụ trách Đội", 2),
             ("Kế toán", 2), ("Nhân viên thư viện", 2), ("Nhân viên thiết bị", 2), ("Nhân viên văn thư", 2)],
    "THPT": [("Giáo viên", 66), ("Tổ trưởng chuyên môn", 8), ("Tổ phó chuyên môn", 6), ("Bí thư Đoàn trường", 1),
             ("Kế toán", 2), ("Nhân viên thư viện", 2), ("Nhân viên thiết bị", 2), ("Nhân viên văn thư", 2)],
    "XA": [("Phó Chủ tịch UBND xã", 2), ("Công chức Văn hóa - Xã hội", 6), ("Công chức Văn phòng - Thống kê", 4),
           ("Công chức Tài chính - Kế toán", 3)],
    "SO": [("Giáo viên", 40), ("Tổ trưởng chuyên môn", 5), ("Trưởng phòng", 3), ("Phó Trưởng phòng", 3),
           ("Nhân viên", 6), ("Kế toán", 2)],
    "PGD": [("Chuyên viên", 8), ("Phó Trưởng phòng", 2), ("Kế toán", 1)],
}
_SCHOOL_HEADS = [("Hiệu trưởng", 3), ("Phó Hiệu trưởng", 5)]

_AWARD_SPELLINGS: dict[tuple[str, str], list[str]] = {
    ("LDTT", "TX"): ["Lao động tiên tiến", "LĐTT", "LĐ tiên tiến", "Danh hiệu Lao động tiên tiến",
                     "Lao động tiên tiến", "LĐTT", "LĐTT"],
    ("CSTDCS", "TX"): ["Chiến sĩ thi đua cơ sở", "CSTĐCS", "CSTĐ cơ sở", "CSTĐ cấp cơ sở",
                       "Chiến sĩ thi đua cấp cơ sở", "Chiến sỹ thi đua cơ sở", "CSTĐCS"],
    ("CSTD_TINH", "TX"): ["Chiến sĩ thi đua cấp tỉnh", "CSTĐ cấp tỉnh", "CSTĐ tỉnh", "Chiến sĩ thi đua tỉnh"],
    ("GK", "TX"): ["Giấy khen Giám đốc Sở", "Giấy khen của Giám đốc Sở GD&ĐT", "GK Giám đốc Sở GD&ĐT",
                   "Giấy khen", "Giấy khen Chủ tịch UBND huyện", "Giấy khen của Chủ tịch UBND huyện"],
    ("GK", "DX"): ["Giấy khen Giám đốc Sở (đột xuất)", "Giấy khen đột xuất", "Giấy khen Chủ tịch UBND huyện đột xuất"],
    ("GK", "CD"): ["Giấy khen chuyên đề", "Giấy khen Giám đốc Sở (chuyên đề)"],
    ("BK_TINH", "TX"): ["Bằng khen UBND tỉnh", "BK UBND tỉnh", "BK Chủ tịch UBND tỉnh",
                        "Bằng khen của Chủ tịch UBND tỉnh", "Bằng khen Chủ tịch UBND tỉnh"],
    ("BK_TINH", "DX"): ["Bằng khen UBND tỉnh (đột xuất)", "BK UBND tỉnh - đột xuất", "BK Chủ tịch UBND tỉnh (đột xuất)"],
    ("BK_TINH", "CD"): ["Bằng khen UBND tỉnh (chuyên đề)", "BK Chủ tịch UBND tỉnh chuyên đề"],
    ("BK_BO", "TX"): ["Bằng khen Bộ GD&ĐT", "Bằng khen của Bộ trưởng Bộ GD&ĐT", "BK Bộ GD&ĐT"],
    ("BK_TTG", "TX"): ["BK TTg", "Bằng khen Thủ tướng CP", "Bằng khen của Thủ tướng Chính phủ",
                       "Bằng khen Thủ tướng Chính phủ"],
    ("KNC_GD", "TX"): ["Kỷ niệm chương Vì sự nghiệp giáo dục", "Kỷ niệm chương \u201cVì sự nghiệp giáo dục\u201d",
                       "Kỷ niệm chương \"Vì sự nghiệp giáo dục\""],
    ("TTLDTT", "TX"): ["Tập thể lao động tiên tiến", "TTLĐTT", "Tập thể Lao động tiên tiến", "TTLĐTT"],
    ("TTLDXS", "TX"): ["Tập thể lao động xuất sắc", "TTLĐXS", "Tập thể LĐXS"],
    ("CO_TINH", "TX"): ["Cờ thi đua UBND tỉnh", "Cờ thi đua của UBND tỉnh", "Cờ thi đua xuất sắc UBND tỉnh"],
}
_RATING_SPELLINGS = {
    "HTXSNV": ["Hoàn thành xuất sắc nhiệm vụ", "HTXSNV", "Hoàn thành xuất sắc NV", "Hoàn thành xuất sắc nhiệm vụ"],
    "HTTNV": ["Hoàn thành tốt nhiệm vụ", "HTTNV", "Hoàn thành tốt NV", "Hoàn thành tốt nhiệm vụ"],
}
_SUMMARIES = [
    "Hoàn thành xuất sắc nhiệm vụ năm học; có học sinh đạt giải cấp tỉnh",
    "Tham gia tốt công tác bồi dưỡng học sinh giỏi, phụ đạo học sinh yếu",
    "Thực hiện tốt công tác chuyên môn và các nhiệm vụ kiêm nhiệm",
    "Giáo viên dạy giỏi cấp thành phố; tích cực tham gia các phong trào thi đua",
    "Chủ nhiệm lớp đạt danh hiệu tập thể lớp tiên tiến",
    "Hoàn thành tốt nhiệm vụ được giao; đạt chỉ tiêu chất lượng bộ môn",
    "Có sáng kiến được công nhận và áp dụng hiệu quả tại đơn vị",
]
_COLLECTIVE_SUMMARIES = [
    "Tập thể đoàn kết, hoàn thành xuất sắc nhiệm vụ năm học",
    "100% thành viên hoàn thành tốt nhiệm vụ, trên 70% đạt Lao động tiên tiến",
    "Dẫn đầu phong trào thi đua của đơn vị",
    "Có nhiều học sinh đạt giải trong các kỳ thi cấp tỉnh",
]
_NOTES = ["Đề nghị lần đầu", "Chuyển công tác từ đơn vị khác", "Vùng đặc biệt khó khăn",
          "Tập sự từ 01/9/2024"]
_OFFICE_SUMMARIES = [
    "Tham mưu hiệu quả công tác giáo dục, văn hóa - xã hội trên địa bàn",
    "Hoàn thành tốt nhiệm vụ được giao; tích cực tham gia các phong trào thi đua",
    "Thực hiện tốt công tác phổ cập giáo dục, xóa mù chữ",
    "Hoàn thành xuất sắc nhiệm vụ chuyên môn và công tác kiêm nhiệm",
]
_LEADER_TOPICS = [
    "nâng cao chất lượng giáo dục kỹ năng sống cho học sinh", "xây dựng trường học hạnh phúc",
    "ứng dụng công nghệ thông tin trong quản lý nhà trường", "đổi mới sinh hoạt tổ chuyên môn theo nghiên cứu bài học",
    "xây dựng trường đạt chuẩn quốc gia", "nâng cao chất lượng đội ngũ giáo viên",
]
_ADMIN_TOPICS = [
    "quản lý tài chính tại đơn vị", "văn thư, lưu trữ hồ sơ", "thư viện trường học",
    "quản lý thiết bị dạy học", "y tế trường học", "kiểm định chất lượng giáo dục",
    "chuyển đổi số trong quản lý", "phổ cập giáo dục trên địa bàn",
]
_MN_SKILLS = [
    "phát triển ngôn ngữ", "hình thành kỹ năng tự phục vụ", "làm quen với toán",
    "yêu thích hoạt động tạo hình", "phát triển vận động", "làm quen với chữ cái",
    "hình thành thói quen vệ sinh", "mạnh dạn, tự tin trong giao tiếp",
]


def _initiative(rng: random.Random, level: str, position: str) -> str:
    if position in ("Hiệu trưởng", "Phó Hiệu trưởng", "Giám đốc", "Phó Giám đốc") and rng.random() < 0.7:
        topic = rng.choice(_LEADER_TOPICS)
        if level == "MN":
            topic = rng.choice(["xây dựng môi trường giáo dục lấy trẻ làm trung tâm",
                                "nâng cao chất lượng chăm sóc, nuôi dưỡng trẻ", "xây dựng trường mầm non xanh - an toàn"])
        return f"Một số biện pháp chỉ đạo {topic}"
    if level == "MN" and position in ("Giáo viên", "Tổ trưởng chuyên môn", "Tổ phó chuyên môn"):
        age = rng.choice(["3-4", "4-5", "5-6", "24-36 tháng"])
        suffix = "" if "tháng" in age else " tuổi"
        return f"Một số biện pháp giúp trẻ {age}{suffix} {rng.choice(_MN_SKILLS)}"
    if level in _SUBJECTS and position in ("Giáo viên", "Tổ trưởng chuyên môn", "Tổ phó chuyên môn",
                                           "Phó Hiệu trưởng", "Hiệu trưởng"):
        subj = rng.choice(_SUBJECTS[level])
        g = rng.choice(list(_GRADES[level]))
        return rng.choice([
            f"Một số biện pháp nâng cao chất lượng dạy học môn {subj} lớp {g}",
            f"Một số biện pháp giúp học sinh lớp {g} học tốt môn {subj}",
            f"Kinh nghiệm bồi dưỡng học sinh giỏi môn {subj}",
            f"Ứng dụng công nghệ thông tin trong dạy học môn {subj} lớp {g}",
            f"Một số biện pháp phát triển năng lực tự học môn {subj} cho học sinh lớp {g}",
            f"Một số giải pháp nâng cao hiệu quả công tác chủ nhiệm lớp {g}",
        ])
    return f"Một số giải pháp nâng cao hiệu quả công tác {rng.choice(_ADMIN_TOPICS)}"


# --------------------------------------------------------------------------------------------
# Nominees


@dataclass
class Person:
    """One nominee as the generator knows it (the truth behind the written row)."""

    name: str
    collective: bool = False
    dob: date | None = None
    female: bool = False
    ethnic: str = "Kinh"
    position: str = ""
    workplace: str = ""
    dh: str | None = None  # danh hiệu thi đua code
    ht: tuple[str, str] | None = None  # (hình thức code, kind TX/DX/CD)
    rating: str | None = None  # HTXSNV / HTTNV
    initiative: str = ""
    initiative_qd: str = ""
    summary: str = ""
    note: str = ""
    # planted problems (demo only)
    dob_text: str | None = None  # written instead of the date
    award_text: str | None = None  # written instead of the hình thức (or the only award cell)
    planted: str | None = None  # issue code the row should raise


def _pick_position(rng: random.Random, level: str) -> str:
    table = _STAFF_BY_LEVEL[level]
    return rng.choices([p for p, _ in table], [w for _, w in table])[0]


def _individual_awards(rng: random.Random, p: Person, one_column: bool) -> None:
    r = rng.random()
    if r < 0.006:
        dh = "CSTD_TINH"
    elif r < 0.16:
        dh = "CSTDCS"
    else:
        dh = "LDTT"
    if p.position in ("Hiệu trưởng", "Phó Hiệu trưởng") and dh == "LDTT" and rng.random() < 0.5:
        dh = "CSTDCS"
    r = rng.random()
    ht: tuple[str, str] | None = None
    if r < 0.075:
        ht = ("GK", rng.choices(["TX", "DX", "CD"], [85, 10, 5])[0])
    elif r < 0.10:
        ht = ("BK_TINH", rng.choices(["TX", "DX", "CD"], [75, 15, 10])[0])
    elif r < 0.104:
        ht = ("BK_BO", "TX")
    elif r < 0.107:
        ht = ("BK_TTG", "TX")
    elif r < 0.117:
        ht = ("KNC_GD", "TX")
    if ht is not None and (one_column or rng.random() < 0.3):
        dh = None  # proposed for the hình thức only
    p.dh, p.ht = dh, ht
    if dh in ("CSTD_TINH", "CSTDCS") or (ht and ht[0] in ("BK_TINH", "BK_BO", "BK_TTG")):
        p.rating = "HTXSNV"
    elif dh == "LDTT":
        p.rating = "HTXSNV" if rng.random() < 0.35 else "HTTNV"
    else:
        p.rating = rng.choice(["HTXSNV", "HTTNV"])


def _collective_awards(rng: random.Random, p: Person, one_column: bool, is_school: bool) -> None:
    if one_column:
        code = rng.choices(["TTLDTT", "TTLDXS", "GK", "BK_TINH", "CO_TINH", "BK_TTG"],
                           [55, 22, 13, 7, 2 if is_school else 0, 1])[0]
        if code in ("TTLDTT", "TTLDXS"):
            p.dh = code
        else:
            p.ht = (code, "TX")
        return
    p.dh = rng.choices(["TTLDTT", "TTLDXS", None], [62, 28, 10])[0]
    r = rng.random()
    if r < 0.15 or p.dh is None:
        p.ht = ("GK", "TX")
    elif r < 0.21:
        p.ht = ("BK_TINH", rng.choice(["TX", "TX", "DX"]))
    elif r < 0.225 and is_school:
        p.ht = ("CO_TINH", "TX")
    elif r < 0.23:
        p.ht = ("BK_TTG", "TX")


def _random_dob(rng: random.Random) -> date:
    y = rng.randint(1966, 2001)
    m = rng.randint(1, 12)
    d = rng.randint(1, 28 if m == 2 else (30 if m in (4, 6, 9, 11) else 31))
    return date(y, m, d)


def _make_people(rng: random.Random, unit: Unit, n: int, one_column: bool, qd_org: str) -> list[Person]:
    people: list[Person] = []
    minority_groups = [g for g, _ in _MINORITIES]
    minority_w = [w for _, w in _MINORITIES]
    seen: set[tuple[str, int]] = set()  # (name, birth year): one person appears once per list
    phuong = unit.name.lower().startswith("ubnd phường")
    for i in range(n):
        if unit.level in ("MN", "TH", "THCS", "THPT", "SO") or i == 0 or len(unit.workplaces) == 1:
            workplace, level = unit.workplaces[0]
        else:
            workplace, level = rng.choice(unit.workplaces[1:] + [unit.workplaces[0]] * 2)
        if i == 0 and n >= 3:
            position = unit.head_position
        elif unit.level in ("MN", "TH", "THCS", "THPT") and i in (1, 2) and n >= 8:
            position = "Phó Hiệu trưởng"
        elif unit.level == "SO" and i == 1 and n >= 8:
            position = "Phó Giám đốc"
        elif level in ("MN", "TH", "THCS", "THPT") and unit.level in ("XA", "PGD") and rng.random() < 0.08:
            position = rng.choices([p for p, _ in _SCHOOL_HEADS], [w for _, w in _SCHOOL_HEADS])[0]
        else:
            position = _pick_position(rng, level)
        if phuong:
            position = position.replace("UBND xã", "UBND phường")
        female = rng.random() < (0.93 if level == "MN" else 0.72)
        ethnic = "Kinh"
        if rng.random() < unit.minority:
            ethnic = rng.choices(minority_groups, minority_w)[0]
        while True:
            name, dob = _person_name(rng, female, ethnic), _random_dob(rng)
            if any(w in position for w in ("trưởng", "Giám đốc", "Chủ tịch", "Trưởng")) \
                    and not position.startswith("Tổ") and dob.year > 1986:
                dob = dob.replace(year=rng.randint(1966, 1986))
            if (name, dob.year) not in seen:
                seen.add((name, dob.year))
                break
        p = Person(name=name, dob=dob, female=female, ethnic=ethnic, position=position, workplace=workplace)
        if i == 0 and n >= 3 and unit.level not in ("XA", "PGD"):
            p.dh, p.ht, p.rating = ("CSTDCS", None, "HTXSNV")
            if rng.random() < 0.15:
                p.dh = "CSTD_TINH"
        else:
            _individual_awards(rng, p, one_column)
        p.initiative = ""
        needs = p.dh in ("CSTD_TINH",) or (p.dh == "CSTDCS" and rng.random() < 0.7) \
            or (p.ht is not None and p.ht == ("BK_TINH", "TX") and rng.random() < 0.5) or rng.random() < 0.02
        if needs:
            p.initiative = _initiative(rng, level if level in _SUBJECTS or level == "MN" else "", position)
            p.initiative_qd = (f"{rng.randint(12, 260)}/QĐ-{qd_org} ngày "
                               f"{rng.randint(2, 28)}/{rng.randint(3, 5)}/2025")
        p.summary = rng.choice(_SUMMARIES if level in _SUBJECTS or level == "MN" else _OFFICE_SUMMARIES)
        if rng.random() < 0.05:
            p.note = rng.choice(_NOTES)
        elif ethnic != "Kinh" and rng.random() < 0.1:
            p.note = "Dân tộc thiểu số"
        people.append(p)
    # lists are usually ordered by title, highest first, keeping the leaders on top
    rank = {"CSTD_TINH": 0, "CSTDCS": 1, "LDTT": 2, None: 3}
    head = people[:1] if n >= 3 else []
    rest = people[len(head):]
    if rng.random() < 0.7:
        rest.sort(key=lambda q: rank[q.dh])
    return head + rest


def _make_collectives(rng: random.Random, unit: Unit, n: int, one_column: bool) -> list[Person]:
    names = list(unit.collectives)
    rng.shuffle(names)
    if n > len(names):  # very long lists: collectives of the schools named in the workplaces
        extra = [f"{t}, {w}" for w, lvl in unit.workplaces if lvl in _TO_BY_LEVEL for t in _TO_BY_LEVEL[lvl]]
        extra = [e for e in extra if e not in names]
        rng.shuffle(extra)
        names += extra
    names = list(dict.fromkeys(names))
    out = []
    for i in range(n):
        name = names[i] if i < len(names) else f"Tổ chuyên môn số {i + 1}, {unit.name}"
        p = Person(name=name, collective=True, workplace=unit.name)
        _collective_awards(rng, p, one_column, name.startswith("Trường"))
        p.summary = rng.choice(_COLLECTIVE_SUMMARIES)
        out.append(p)
    return out


# --------------------------------------------------------------------------------------------
# Layout


@dataclass
class Layout:
    title: str = "official"  # official | short | oneline
    subtitle: bool = True
    birth: str = "date"  # date | year | namnu_year | namnu_date
    date_styles: tuple[str, ...] = ("date",)  # styles used for written dates (see _write_date)
    birth_header: str = "Ngày sinh"
    gender_col: bool = True
    dan_toc: bool = False
    position: str = "separate"  # separate | combined | chuc_vu_only
    award: str = "one"  # one | two (merged "Đề nghị") | two_flat (two plain columns)
    award_header: str = "Danh hiệu/Hình thức đề nghị"
    rating: bool = True
    rating_first: bool = False
    initiative: bool = True
    initiative_qd: bool = False
    summary: bool = False
    note: bool = True
    stt_header: str = "STT"
    name_header: str = "Họ và tên"
    collectives: str = "none"  # none | sections | sheets
    restart_stt: bool = True
    total_row: bool = False
    instructions: bool = False
    hidden: bool = False
    phantom_cols: int = 0
    sheet_name: str = "Danh sach"
    mess: float = 0.15  # how often a cell is spelled carelessly (case, spaces)
    gender_mess: float = 0.0


@dataclass
class Col:
    key: str
    top: str
    sub: str | None = None
    width: float = 12


_WIDTHS = {
    "stt": 5.5, "name": 24, "dob": 12.5, "gender": 7.5, "dob_nam": 11, "dob_nu": 11, "dan_toc": 8,
    "chuc_vu": 18, "don_vi": 24, "cv_dv": 32, "award": 24, "dh": 20, "ht": 22, "xep_loai": 18,
    "sang_kien": 34, "so_qd": 20, "tom_tat": 34, "ghi_chu": 12,
}


def _columns(layout: Layout, collective_sheet: bool = False) -> list[Col]:
    cols: list[Col] = [Col("stt", layout.stt_header)]
    if collective_sheet:
        cols.append(Col("name", "Tên tập thể"))
    else:
        cols.append(Col("name", layout.name_header))
        if layout.birth in ("date", "year"):
            cols.append(Col("dob", layout.birth_header))
            if layout.gender_col:
                cols.append(Col("gender", "Giới tính"))
        else:
            cols += [Col("dob_nam", layout.birth_header, "Nam"), Col("dob_nu", layout.birth_header, "Nữ")]
        if layout.dan_toc:
            cols.append(Col("dan_toc", "Dân tộc"))
        if layout.position == "separate":
            cols += [Col("chuc_vu", "Chức vụ"), Col("don_vi", "Đơn vị công tác")]
        elif layout.position == "combined":
            cols.append(Col("cv_dv", "Chức vụ, đơn vị công tác"))
        else:
            cols.append(Col("chuc_vu", "Chức vụ"))
    award_cols: list[Col]
    if layout.award == "one":
        award_cols = [Col("award", layout.award_header)]
    elif layout.award == "two":
        award_cols = [Col("dh", "Đề nghị", "Danh hiệu thi đua"), Col("ht", "Đề nghị", "Hình thức khen thưởng")]
    else:
        award_cols = [Col("dh", "Danh hiệu thi đua"), Col("ht", "Hình thức khen thưởng")]
    rating_cols = [Col("xep_loai", "Xếp loại")] if layout.rating and not collective_sheet else []
    cols += rating_cols + award_cols if layout.rating_first else award_cols + rating_cols
    if layout.initiative and not collective_sheet:
        cols.append(Col("sang_kien", "Tên sáng kiến"))
        if layout.initiative_qd:
            cols.append(Col("so_qd", "Số QĐ công nhận sáng kiến"))
    if layout.summary or collective_sheet:
        cols.append(Col("tom_tat", "Tóm tắt thành tích"))
    if layout.note:
        cols.append(Col("ghi_chu", "Ghi chú"))
    for c in cols:
        c.width = _WIDTHS[c.key]
    return cols


# --------------------------------------------------------------------------------------------
# Rendering cells


class _Speller:
    """Writes values the way one clerk does: a favourite spelling, sometimes careless."""

    def __init__(self, rng: random.Random, layout: Layout):
        self.rng = rng
        self.layout = layout
        self.fav: dict[Any, str] = {}
        for key, variants in list(_AWARD_SPELLINGS.items()) + list(_RATING_SPELLINGS.items()):
            self.fav[key] = rng.choice(variants)

    def scribble(self, text: str) -> str:
        rng = self.rng
        if not text or rng.random() >= self.layout.mess:
            return text
        r = rng.random()
        if r < 0.2:
            return text.lower()
        if r < 0.3:
            return text.upper()
        if r < 0.5:
            return text.title()
        if r < 0.75:
            parts = text.split(" ")
            if len(parts) > 1:
                i = rng.randrange(len(parts) - 1)
                parts[i] += " "
            return " ".join(parts)
        return text + " " if r < 0.9 else " " + text

    def award(self, code: str, kind: str = "TX") -> str:
        key = (code, kind)
        text = self.fav[key] if self.rng.random() < 0.6 else self.rng.choice(_AWARD_SPELLINGS[key])
        return self.scribble(text)

    def rating(self, code: str | None) -> str:
        if not code:
            return ""
        text = self.fav[code] if self.rng.random() < 0.7 else self.rng.choice(_RATING_SPELLINGS[code])
        return self.scribble(text)

    def gender(self, female: bool) -> str:
        text = "Nữ" if female else "Nam"
        if self.layout.gender_mess and self.rng.random() < self.layout.gender_mess:
            text = self.rng.choice([text.lower(), text.upper(), text + " "])
        return text

    def birth(self, p: Person) -> Any:
        if p.dob_text is not None:
            return p.dob_text
        d = p.dob
        assert d is not None
        style = self.rng.choice(self.layout.date_styles)
        if style == "date":
            return d
        if style == "dd/mm/yyyy":
            return f"{d.day:02d}/{d.month:02d}/{d.year}"
        if style == "d/m/yyyy":
            return f"{d.day}/{d.month}/{d.year}"
        if style == "dd-mm-yyyy":
            return f"{d.day:02d}-{d.month:02d}-{d.year}"
        if style == "dd.mm.yyyy":
            return f"{d.day:02d}.{d.month:02d}.{d.year}"
        if style == "year_text":
            return str(d.year)
        return d.year  # "year": a number


def _cells(p: Person, cols: list[Col], sp: _Speller, layout: Layout) -> list[Any]:
    out: list[Any] = []
    for c in cols:
        k = c.key
        if k == "stt":
            out.append(0)  # numbered when written
        elif k == "name":
            out.append(p.name)
        elif p.collective and k in ("dob", "gender", "dob_nam", "dob_nu", "dan_toc", "chuc_vu", "xep_loai",
                                    "sang_kien", "so_qd", "cv_dv"):
            out.append("")
        elif k == "dob":
            out.append(sp.birth(p))
        elif k == "gender":
            out.append(sp.gender(p.female))
        elif k == "dob_nam":
            out.append("" if p.female else sp.birth(p))
        elif k == "dob_nu":
            out.append(sp.birth(p) if p.female else "")
        elif k == "dan_toc":
            out.append(p.ethnic)
        elif k == "chuc_vu":
            out.append(p.position)
        elif k == "don_vi":
            out.append(p.workplace if not p.collective else "")
        elif k == "cv_dv":
            out.append(f"{p.position}, {p.workplace}")
        elif k == "award":
            if p.award_text is not None:
                out.append(p.award_text)
            elif p.ht is not None:
                out.append(sp.award(*p.ht))
            else:
                out.append(sp.award(p.dh) if p.dh else "")
        elif k == "dh":
            out.append(sp.award(p.dh) if p.dh else "")
        elif k == "ht":
            if p.award_text is not None:
                out.append(p.award_text)
            else:
                out.append(sp.award(*p.ht) if p.ht else "")
        elif k == "xep_loai":
            out.append(sp.rating(p.rating))
        elif k == "sang_kien":
            out.append(p.initiative)
        elif k == "so_qd":
            out.append(p.initiative_qd if p.initiative else "")
        elif k == "tom_tat":
            out.append(p.summary)
        elif k == "ghi_chu":
            out.append(p.note)
        else:  # pragma: no cover - every key is handled above
            raise KeyError(k)
    return out


# --------------------------------------------------------------------------------------------
# Writing


@dataclass
class _Row:
    """A nominee row as planned: values (STT filled at write time) and what it is."""

    values: list[Any]
    person: Person
    planted: str | None = None


@dataclass
class _Section:
    label: str


@dataclass
class _Total:
    label: str
    summary: str


@dataclass
class SheetInfo:
    name: str
    rows: list[int] = field(default_factory=list)  # Excel rows (1-based) of nominee rows
    planted: list[tuple[int, str]] = field(default_factory=list)  # (Excel row, issue code)


@dataclass
class DemoFile:
    """What one generated workbook holds (for tests and for explaining the demo)."""

    path: Path
    unit: str
    individuals: int
    collectives: int
    sheets: list[SheetInfo]

    @property
    def rows(self) -> int:
        return self.individuals + self.collectives

    @property
    def planted(self) -> list[tuple[str, int, str]]:
        """(sheet, Excel row, issue code) of every planted error."""
        return [(s.name, r, code) for s in self.sheets for r, code in s.planted]


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook, size: int):
        base = {"font_name": "Times New Roman", "font_size": size, "valign": "vcenter"}

        def f(**kw: Any) -> Any:
            return wb.add_format({**base, **kw})

        self.agency = f(align="center")
        self.unit = f(align="center", bold=True)
        self.motto = f(align="center", bold=True)
        self.motto2 = f(align="center", bold=True, underline=True)
        self.dateline = f(align="center", italic=True)
        self.title = f(align="center", bold=True, font_size=size + 1, text_wrap=True)
        self.subtitle = f(align="center", italic=True)
        self.head = f(align="center", bold=True, text_wrap=True, border=1)
        self.cell = f(border=1, text_wrap=True)
        self.center = f(border=1, align="center")
        self.date = f(border=1, align="center", num_format="dd/mm/yyyy")
        self.section = f(border=1, bold=True)
        self.total = f(border=1, bold=True, align="center")
        self.total_left = f(border=1, bold=True)
        self.sign = f(align="center", bold=True)
        self.hint = f(align="center", italic=True)
        self.plain = f()
        self.blank = f(border=1)
        self.text = f(text_wrap=True, valign="top")
        self.text_bold = f(bold=True, font_size=size + 1)


_CENTERED = {"stt", "dob", "gender", "dob_nam", "dob_nu", "dan_toc", "xep_loai"}


def _merge(ws: Any, r1: int, c1: int, r2: int, c2: int, value: Any, fmt: Any) -> None:
    if r1 == r2 and c1 == c2:
        ws.write(r1, c1, value, fmt)
    else:
        ws.merge_range(r1, c1, r2, c2, value, fmt)


@dataclass
class _SheetPlan:
    name: str
    cols: list[Col]
    items: list[Any]  # _Row | _Section | _Total
    title: str
    unit: Unit
    doc_date: date
    doc_no: int


def _write_list_sheet(wb: xlsxwriter.Workbook, fm: _Formats, plan: _SheetPlan, layout: Layout,
                      rng: random.Random, head_name: str, clerk_name: str) -> tuple[Any, SheetInfo]:
    ws = wb.add_worksheet(plan.name)
    info = SheetInfo(plan.name)
    cols = plan.cols
    ncols = len(cols)
    last = ncols - 1
    unit = plan.unit
    d = plan.doc_date
    for i, c in enumerate(cols):
        ws.set_column(i, i, c.width)

    # title block
    r = 0
    left_end = max(1, min(3, ncols // 2 - 1))
    if layout.title == "official":
        _merge(ws, 0, 0, 0, left_end, unit.parent_line, fm.agency)
        _merge(ws, 0, left_end + 1, 0, last, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", fm.motto)
        _merge(ws, 1, 0, 1, left_end, unit.unit_line, fm.unit)
        _merge(ws, 1, left_end + 1, 1, last, "Độc lập - Tự do - Hạnh phúc", fm.motto2)
        _merge(ws, 2, left_end + 1, 2, last,
               f"{unit.place}, ngày {d.day} tháng {d.month} năm {d.year}", fm.dateline)
        _merge(ws, 4, 0, 4, last, plan.title, fm.title)
        ws.set_row(4, 22)
        r = 5
        if layout.subtitle:
            _merge(ws, 5, 0, 5, last,
                   f"(Kèm theo Tờ trình số {plan.doc_no}/TTr-{unit.abbrev} ngày {d.day}/{d.month}/{d.year} "
                   f"của {unit.name})", fm.subtitle)
            r = 6
        if rng.random() < 0.5:
            r += 1  # a blank row before the header
    elif layout.title == "short":
        ws.write_string(0, 0, unit.unit_line, fm.text_bold)
        _merge(ws, 1, 0, 1, last, plan.title, fm.title)
        r = 2 + (1 if rng.random() < 0.5 else 0)
    else:
        _merge(ws, 0, 0, 0, last, f"{plan.title} \u2013 {unit.unit_line}", fm.title)
        r = 2

    # header
    header_top = r
    two_rows = any(c.sub for c in cols)
    if two_rows:
        i = 0
        while i < ncols:
            c = cols[i]
            if c.sub is None:
                ws.merge_range(r, i, r + 1, i, c.top, fm.head)
                i += 1
                continue
            j = i
            while j + 1 < ncols and cols[j + 1].sub is not None and cols[j + 1].top == c.top:
                j += 1
            _merge(ws, r, i, r, j, c.top, fm.head)
            for k in range(i, j + 1):
                ws.write_string(r + 1, k, cols[k].sub or "", fm.head)
            i = j + 1
        ws.set_row(r, 33)
        ws.set_row(r + 1, 33)
        r += 2
    else:
        for i, c in enumerate(cols):
            ws.write_string(r, i, c.top, fm.head)
        ws.set_row(r, 48)
        r += 1
    header_bottom = r - 1
    if layout.phantom_cols:
        for k in range(ncols, ncols + layout.phantom_cols):
            ws.write_blank(header_top, k, None, fm.blank)

    # data
    colfmt = [fm.center if c.key in _CENTERED else fm.cell for c in cols]
    stt_col = 0
    name_col = next(i for i, c in enumerate(cols) if c.key == "name")
    award_col = next(i for i, c in enumerate(cols) if c.key in ("award", "dh"))
    stt = 0
    write_string = ws.write_string
    write_number = ws.write_number
    write_blank = ws.write_blank
    write_datetime = ws.write_datetime
    fdate = fm.date
    for item in plan.items:
        if isinstance(item, _Row):
            stt += 1
            vals = item.values
            vals[stt_col] = stt
            for c, v in enumerate(vals):
                if v.__class__ is str:
                    if v:
                        write_string(r, c, v, colfmt[c])
                    else:
                        write_blank(r, c, None, colfmt[c])
                elif v.__class__ is date:
                    write_datetime(r, c, v, fdate)
                else:
                    write_number(r, c, v, colfmt[c])
            info.rows.append(r + 1)
            if item.planted:
                info.planted.append((r + 1, item.planted))
        elif isinstance(item, _Section):
            if layout.restart_stt:
                stt = 0
            _merge(ws, r, 0, r, last, item.label, fm.section)
        else:
            for c in range(ncols):
                write_blank(r, c, None, fm.blank)
            if name_col == 1 and rng.random() < 0.5:
                ws.merge_range(r, 0, r, 1, item.label, fm.total)
            else:
                write_string(r, name_col, item.label, fm.total_left)
            write_string(r, award_col, item.summary, fm.total_left)
        r += 1
    if layout.phantom_cols and info.rows:
        for k in range(ncols, ncols + layout.phantom_cols):
            ws.write_blank(r - 1, k, None, fm.blank)

    # footer
    r += 1
    right1 = max(left_end + 1, ncols - 4)
    _merge(ws, r, 0, r, min(2, right1 - 1), "NGƯỜI LẬP BIỂU", fm.sign)
    _merge(ws, r, right1, r, last, unit.head_title, fm.sign)
    _merge(ws, r + 1, 0, r + 1, min(2, right1 - 1), "(Ký, ghi rõ họ tên)", fm.hint)
    _merge(ws, r + 1, right1, r + 1, last, "(Ký tên, đóng dấu)", fm.hint)
    r += 6
    _merge(ws, r, 0, r, min(2, right1 - 1), clerk_name, fm.sign)
    _merge(ws, r, right1, r, last, head_name, fm.sign)

    # print setup: clerks print and sign these
    ws.set_paper(9)
    if ncols > 7:
        ws.set_landscape()
    ws.set_margins(left=0.5, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_top, header_bottom)
    return ws, info


_INSTRUCTIONS = [
    "HƯỚNG DẪN LẬP DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG",
    "1. Ghi đầy đủ họ và tên (có dấu), không viết tắt; sắp xếp theo thứ tự danh hiệu, hình thức đề nghị.",
    "2. Ngày sinh ghi theo định dạng ngày/tháng/năm (ví dụ 05/09/1985).",
    "3. Danh hiệu thi đua: Lao động tiên tiến, Chiến sĩ thi đua cơ sở, Chiến sĩ thi đua cấp tỉnh; "
    "tập thể: Tập thể lao động tiên tiến, Tập thể lao động xuất sắc.",
    "4. Hình thức khen thưởng: Giấy khen, Bằng khen của Chủ tịch UBND tỉnh, Bằng khen của Thủ tướng Chính phủ.",
    "5. Xếp loại: ghi kết quả đánh giá, xếp loại viên chức năm học (Hoàn thành xuất sắc nhiệm vụ, "
    "Hoàn thành tốt nhiệm vụ).",
    "6. Cá nhân đề nghị Chiến sĩ thi đua cơ sở ghi rõ tên sáng kiến và số quyết định công nhận.",
    "7. Gửi bản Excel và bản scan có chữ ký, đóng dấu về Thường trực Hội đồng Thi đua - Khen thưởng "
    f"trước ngày 25/5/{2025}.",
]


def _write_instructions(wb: xlsxwriter.Workbook, fm: _Formats) -> None:
    ws = wb.add_worksheet("Hướng dẫn")
    ws.set_column(0, 0, 110)
    ws.write_string(0, 0, _INSTRUCTIONS[0], fm.text_bold)
    for i, line in enumerate(_INSTRUCTIONS[1:], start=2):
        ws.write_string(i, 0, line, fm.text)


_LOOKUP_DH = ["Lao động tiên tiến", "Chiến sĩ thi đua cơ sở", "Chiến sĩ thi đua cấp tỉnh",
              "Tập thể lao động tiên tiến", "Tập thể lao động xuất sắc"]
_LOOKUP_HT = ["Giấy khen", "Bằng khen của Chủ tịch UBND tỉnh", "Bằng khen của Bộ trưởng Bộ GD&ĐT",
              "Bằng khen của Thủ tướng Chính phủ", "Kỷ niệm chương \"Vì sự nghiệp giáo dục\""]
_LOOKUP_XL = ["Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ", "Hoàn thành nhiệm vụ",
              "Không hoàn thành nhiệm vụ"]


def _write_lookup(wb: xlsxwriter.Workbook, fm: _Formats) -> str:
    """A hidden sheet with drop-down lists, as in templates sent out by the Sở."""
    name = "DanhMuc"
    ws = wb.add_worksheet(name)
    for c, items in enumerate((_LOOKUP_DH, _LOOKUP_HT, _LOOKUP_XL)):
        for r, v in enumerate(items):
            ws.write_string(r, c, v, fm.plain)
    ws.hide()
    return name


def _write_workbook(path: Path, unit: Unit, layout: Layout, people: list[Person], collectives: list[Person],
                    rng: random.Random, doc_date: date, planted: dict[int, str] | None = None,
                    duplicates: list[tuple[int, int]] | None = None) -> DemoFile:
    """Write one unit workbook. `duplicates` = (source index, insert position) among individuals."""
    sp = _Speller(rng, layout)
    wide = len(_columns(layout)) > 10
    wb = xlsxwriter.Workbook(str(path), {
        "in_memory": True, "strings_to_urls": False, "strings_to_formulas": False,
        "default_format_properties": {"font_name": "Times New Roman", "font_size": 12 if wide else 13},
    })
    wb.set_properties({"created": CREATED, "author": "Văn thư", "title": "Danh sách đề nghị khen thưởng",
                       "company": unit.name})
    fm = _Formats(wb, 12 if wide else 13)
    doc_no = rng.randint(12, 95)
    year = SCHOOL_YEAR

    def rows_of(persons: list[Person], cols: list[Col]) -> list[_Row]:
        return [_Row(_cells(p, cols, sp, layout), p, p.planted) for p in persons]

    ind_cols = _columns(layout)
    ind_rows = rows_of(people, ind_cols)
    for src, pos in duplicates or []:
        dup = _Row(list(ind_rows[src].values), ind_rows[src].person, "duplicate-in-file")
        ind_rows.insert(pos, dup)

    head = people[0].name if people and people[0].position == unit.head_position else _person_name(
        rng, rng.random() < 0.6, "Kinh")
    clerk = _person_name(rng, rng.random() < 0.7, "Kinh")

    plans: list[_SheetPlan] = []
    if layout.collectives == "sheets" and collectives:
        col_layout_cols = _columns(layout, collective_sheet=True)
        plans.append(_SheetPlan("Cá nhân", ind_cols, list(ind_rows),
                                f"DANH SÁCH CÁ NHÂN ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC {year}", unit, doc_date, doc_no))
        plans.append(_SheetPlan("Tập thể", col_layout_cols, list(rows_of(collectives, col_layout_cols)),
                                f"DANH SÁCH TẬP THỂ ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC {year}", unit, doc_date, doc_no))
    elif layout.collectives == "sections" and collectives:
        items: list[Any] = [_Section("I. CÁ NHÂN"), *ind_rows, _Section("II. TẬP THỂ"),
                            *rows_of(collectives, ind_cols)]
        if layout.total_row:
            items.append(_Total("Tổng cộng", f"{len(ind_rows)} cá nhân, {len(collectives)} tập thể"))
        plans.append(_SheetPlan(layout.sheet_name, ind_cols, items,
                                f"DANH SÁCH CÁ NHÂN, TẬP THỂ ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC {year}",
                                unit, doc_date, doc_no))
    else:
        items = list(ind_rows)
        if layout.total_row:
            items.append(_Total("Tổng cộng", f"{len(ind_rows)} cá nhân"))
        title = rng.choice([
            f"DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC {year}",
            f"DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC {year}",
            f"DANH SÁCH ĐỀ NGHỊ CÔNG NHẬN DANH HIỆU THI ĐUA VÀ HÌNH THỨC KHEN THƯỞNG NĂM HỌC {year}",
        ])
        plans.append(_SheetPlan(layout.sheet_name, ind_cols, items, title, unit, doc_date, doc_no))

    if layout.instructions:
        _write_instructions(wb, fm)
    sheets: list[SheetInfo] = []
    first_data = None
    for plan in plans:
        ws, info = _write_list_sheet(wb, fm, plan, layout, rng, head, clerk)
        first_data = first_data or ws
        sheets.append(info)
    if layout.hidden:
        lookup = _write_lookup(wb, fm)
        plan = plans[0]
        keys = [c.key for c in plan.cols]
        if info_rows := sheets[0].rows:
            r1, r2 = info_rows[0] - 1, info_rows[-1] - 1
            for key, col in (("award", "A"), ("dh", "A"), ("ht", "B"), ("xep_loai", "C")):
                if key in keys:
                    c = keys.index(key)
                    n = {"A": len(_LOOKUP_DH), "B": len(_LOOKUP_HT), "C": len(_LOOKUP_XL)}[col]
                    first_data.data_validation(r1, c, r2, c, {
                        "validate": "list", "source": f"={lookup}!${col}$1:${col}${n}",
                        "error_type": "information", "ignore_blank": True,
                    })
    if layout.instructions and first_data is not None:
        first_data.activate()
    wb.close()
    return DemoFile(path=path, unit=unit.name, individuals=len(people), collectives=len(collectives),
                    sheets=sheets)


# --------------------------------------------------------------------------------------------
# Random layouts (benchmarks)


def _random_layout(rng: random.Random, n_rows: int) -> Layout:
    L = Layout()
    L.title = rng.choices(["official", "short", "oneline"], [75, 15, 10])[0]
    L.subtitle = rng.random() < 0.6
    L.birth = rng.choices(["date", "year", "namnu_year", "namnu_date"], [45, 15, 25, 15])[0]
    if L.birth == "date":
        L.birth_header = rng.choice(["Ngày sinh", "Ngày sinh", "Ngày, tháng, năm sinh"])
        if rng.random() < 0.6:
            L.date_styles = (rng.choice(["date", "dd/mm/yyyy", "d/m/yyyy", "dd-mm-yyyy", "dd.mm.yyyy"]),)
        else:
            L.date_styles = tuple(rng.sample(
                ["date", "dd/mm/yyyy", "d/m/yyyy", "dd-mm-yyyy", "dd.mm.yyyy", "year", "year_text"],
                rng.randint(2, 5)))
    elif L.birth == "year":
        L.birth_header = "Năm sinh"
        L.date_styles = ("year",) if rng.random() < 0.8 else ("year", "year_text")
    elif L.birth == "namnu_year":
        L.birth_header = "Năm sinh"
        L.date_styles = ("year",)
    else:
        L.birth_header = rng.choice(["Ngày, tháng, năm sinh", "Ngày sinh"])
        L.date_styles = (rng.choice(["date", "dd/mm/yyyy", "dd/mm/yyyy", "d/m/yyyy"]),)
    L.gender_col = True
    L.gender_mess = rng.choice([0.0, 0.0, 0.0, 0.15])
    L.dan_toc = rng.random() < 0.3
    L.position = rng.choices(["separate", "combined", "chuc_vu_only"], [50, 25, 25])[0]
    L.award = rng.choices(["one", "two", "two_flat"], [45, 40, 15])[0]
    L.award_header = rng.choice(["Danh hiệu/Hình thức đề nghị", "Danh hiệu/Hình thức đề nghị",
                                 "Danh hiệu thi đua/Hình thức khen thưởng", "Đề nghị khen thưởng"])
    L.rating = rng.random() < 0.8
    L.rating_first = rng.random() < 0.3
    L.initiative = rng.random() < 0.7
    L.initiative_qd = L.initiative and rng.random() < 0.25
    L.summary = rng.random() < 0.3
    L.note = rng.random() < 0.8
    L.stt_header = rng.choice(["STT", "STT", "STT", "TT"])
    L.collectives = rng.choices(["none", "sections", "sheets"], [55, 30, 15])[0] if n_rows >= 4 else "none"
    L.name_header = "Họ và tên cá nhân/Tên tập thể" if L.collectives == "sections" and rng.random() < 0.6 \
        else rng.choice(["Họ và tên", "Họ và tên", "Họ tên"])
    L.restart_stt = rng.random() < 0.7
    L.total_row = (L.collectives == "sections" and rng.random() < 0.8) or rng.random() < 0.1
    L.instructions = rng.random() < 0.12
    L.hidden = rng.random() < 0.1
    L.phantom_cols = rng.choice([150, 200]) if rng.random() < 0.05 else 0
    L.sheet_name = rng.choice(["Danh sach", "DS", "Sheet1", "DS de nghi", "Danh sách", "KT 2024-2025"])
    L.mess = rng.choice([0.0, 0.05, 0.15, 0.3])
    return L


def _random_unit(rng: random.Random, n_rows: int, used: set[str]) -> Unit:
    for _ in range(200):
        if n_rows > 250 and rng.random() < 0.25:
            u = _pgd_unit(rng.choice(_DISTRICTS), rng)
        elif n_rows > 90:
            ckind, cname = rng.choice(_COMMUNES)
            u = _commune_unit(ckind, cname, rng.choice(_DISTRICTS), rng, extra_schools=min(24, n_rows // 60))
        else:
            level = rng.choices(["MN", "TH", "THCS", "THPT"], [25, 35, 28, 12])[0]
            base = rng.choice(_KINDERGARTEN_NAMES if level == "MN" else _SCHOOL_NAMES)
            u = _school_unit(level, base, rng.choice(_DISTRICTS), long_level=rng.random() < 0.3,
                             minority=rng.choice([0.02, 0.05, 0.05, 0.3]))
        if u.name not in used:
            used.add(u.name)
            return u
    used.add(u.name)  # names ran out: a second list from the same unit (it happens)
    return u


def _lognormal_split(rng: random.Random, n: int, total: int) -> list[int]:
    """n sizes >= 1 summing to total, lognormally spread (largest-remainder rounding)."""
    weights = [rng.lognormvariate(0.0, 1.0) for _ in range(n)]
    spare = total - n
    s = sum(weights)
    raw = [w / s * spare for w in weights]
    sizes = [int(x) for x in raw]
    order = sorted(range(n), key=lambda i: raw[i] - sizes[i], reverse=True)
    for i in order[: spare - sum(sizes)]:
        sizes[i] += 1
    return [1 + x for x in sizes]


def _split_sizes(rng: random.Random, n_files: int, total_rows: int) -> list[int]:
    """Sizes summing exactly to total_rows, every file at least one row.

    About a third of the files are small schools (8-60 rows) when that leaves most rows to the
    others; the rest are spread lognormally (commune and district lists, some very long).
    """
    if n_files <= 0:
        return []
    if total_rows < n_files:
        raise ValueError(f"total_rows ({total_rows}) must be at least n_files ({n_files})")
    n_small = n_files // 3
    small = [rng.randint(8, 60) for _ in range(n_small)]
    n_big = n_files - n_small
    if n_small and sum(small) <= 0.15 * total_rows and total_rows - sum(small) >= n_big:
        sizes = small + _lognormal_split(rng, n_big, total_rows - sum(small))
        rng.shuffle(sizes)
        return sizes
    return _lognormal_split(rng, n_files, total_rows)


def generate_unit_workbooks(folder: Path, n_files: int = 70, total_rows: int = 50_000,
                            seed: int = 0) -> list[Path]:
    """Write n_files unit workbooks with total_rows nominee rows in all (for benchmarks).

    Files are named unit_000.xlsx, unit_001.xlsx, ...; each has its own unit, layout and size
    (lognormal: some small, some large). Rows are nominee rows (individuals and collectives),
    without exact duplicates, so a correct ingest recognises exactly total_rows rows.
    """
    return [f.path for f in _generate(Path(folder), n_files, total_rows, seed)]


def _generate(folder: Path, n_files: int, total_rows: int, seed: int) -> list[DemoFile]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    sizes = _split_sizes(rng, n_files, total_rows)
    used: set[str] = set()
    out = []
    width = max(3, len(str(n_files - 1)))
    for i, n in enumerate(sizes):
        frng = random.Random(f"tdkt-unit-{seed}-{i}")
        layout = _random_layout(frng, n)
        unit = _random_unit(frng, n, used)
        n_coll = 0
        if layout.collectives != "none":
            n_coll = max(1, min(n - 1, round(n * frng.uniform(0.05, 0.15))))
        one = layout.award == "one"
        qd = unit.abbrev
        people = _make_people(frng, unit, n - n_coll, one, qd)
        colls = _make_collectives(frng, unit, n_coll, one)
        doc_date = date(2025, 5, frng.randint(5, 28))
        path = folder / f"unit_{i:0{width}d}.xlsx"
        out.append(_write_workbook(path, unit, layout, people, colls, frng, doc_date))
    return out


# --------------------------------------------------------------------------------------------
# The demo inbox


def _demo_units(rng: random.Random) -> list[tuple[str, Unit, Layout, int, int]]:
    """(file name, unit, layout, individuals, collectives) of the eight demo files."""
    city = ("thành phố", "Trà Giang")
    nguyen_du = _school_unit("THCS", "Nguyễn Du", city)
    le_loi = _school_unit("TH", "Lê Lợi", city, long_level=True)
    tan_phu = _commune_unit("xã", "Tân Phú", ("huyện", "Long Phú"), rng)
    tran_phu = _school_unit("THPT", "Trần Phú", city)
    hoa_sen = _school_unit("MN", "Hoa Sen", city, long_level=True)
    ttgdtx = _so_unit("Trung tâm GDNN-GDTX Trà Giang", "TT GDNN-GDTX Tra Giang", "TTGDNNGDTX")
    vts = _school_unit("THCS", "Võ Thị Sáu", ("huyện", "Mỹ Xuyên"))
    kim_dong = _school_unit("TH", "Kim Đồng", ("huyện", "Vĩnh Thạnh"), minority=0.35)

    files = [
        ("THCS Nguyen Du - DS de nghi KT 2024-2025.xlsx", nguyen_du,
         Layout(birth="namnu_year", birth_header="Năm sinh", date_styles=("year",), dan_toc=True,
                position="chuc_vu_only", award="two", rating=True, rating_first=True, initiative=True,
                sheet_name="Danh sach", mess=0.15), 32, 0),
        ("TH Le Loi - DS de nghi khen thuong 2024-2025.xlsx", le_loi,
         Layout(birth="date", date_styles=("date",), position="separate", award="one", rating=True,
                initiative=True, initiative_qd=True, sheet_name="DS", mess=0.1), 24, 0),
        ("UBND xa Tan Phu - DS de nghi khen thuong.xlsx", tan_phu,
         Layout(title="official", birth="date", date_styles=("d/m/yyyy", "dd-mm-yyyy", "dd.mm.yyyy", "date", "year"),
                position="combined", award="one", rating=True, initiative=False, summary=True,
                gender_mess=0.25, sheet_name="Sheet1", mess=0.3), 22, 0),
        ("THPT Tran Phu - ca nhan, tap the.xlsx", tran_phu,
         Layout(title="short", birth="year", birth_header="Năm sinh", date_styles=("year",), position="chuc_vu_only",
                award="one", name_header="Họ và tên cá nhân/Tên tập thể", rating=True, initiative=False,
                summary=True, collectives="sections", restart_stt=True, total_row=True, sheet_name="DS",
                mess=0.15), 28, 6),
        ("MN Hoa Sen - DS de nghi KT.xlsx", hoa_sen,
         Layout(birth="date", date_styles=("dd/mm/yyyy",), position="chuc_vu_only", award="one", rating=True,
                initiative=True, instructions=True, sheet_name="Danh sach", mess=0.1), 18, 0),
        ("TT GDNN-GDTX Tra Giang - DS khen thuong.xlsx", ttgdtx,
         Layout(birth="date", birth_header="Ngày sinh", date_styles=("date",), position="separate",
                award="two_flat", rating=True, initiative=True, collectives="sheets", mess=0.1), 16, 4),
        ("THCS Vo Thi Sau - DS de nghi 2024-2025.xlsx", vts,
         Layout(birth="namnu_date", birth_header="Ngày, tháng, năm sinh", date_styles=("dd/mm/yyyy",),
                position="separate", award="two", rating=True, initiative=True, summary=False, hidden=True,
                stt_header="TT", sheet_name="KT 2024-2025", mess=0.15), 35, 0),
        ("TH Kim Dong - DS de nghi KT 2024-2025.xlsx", kim_dong,
         Layout(title="official", subtitle=False, birth="date", date_styles=("dd-mm-yyyy",), dan_toc=True,
                position="chuc_vu_only", award="one", rating=True, initiative=True, note=True,
                sheet_name="Danh sach", mess=0.2), 21, 0),
    ]
    return files


def write_demo_inbox_with_manifest(folder: Path, seed: int = 2025) -> list[DemoFile]:
    """Write the demo inbox and say what each file holds, planted errors included."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"tdkt-demo-{seed}")
    out = []
    for idx, (fname, unit, layout, n_ind, n_coll) in enumerate(_demo_units(rng)):
        frng = random.Random(f"tdkt-demo-{seed}-{idx}")
        one = layout.award == "one"
        people = _make_people(frng, unit, n_ind, one, unit.abbrev)
        colls = _make_collectives(frng, unit, n_coll, one)
        duplicates: list[tuple[int, int]] = []
        # planted errors: three files of eight, one kind of error per row, never the head's row
        picks = frng.sample(range(3, n_ind - 1), 3)
        if unit.name == "Trường Mầm non Hoa Sen":
            a, b, c = picks
            people[a].name = ""
            people[a].planted = "missing-value"
            people[b].dob_text = "31/02/1985"
            people[b].planted = "invalid-date"
            people[c].award_text = "Huy hiệu Ngôi sao Giáo dục"
            people[c].dh, people[c].ht = None, None
            people[c].planted = "unknown-award"
        elif unit.name == "UBND xã Tân Phú":
            a = picks[0]
            people[a].award_text = frng.choice(_AWARD_SPELLINGS[("CO_TINH", "TX")][:2])
            people[a].dh, people[a].ht = None, ("CO_TINH", "TX")
            people[a].planted = "award-target-mismatch"
        elif unit.name == "Trường TH Kim Đồng":
            a, b = sorted(picks[:2])
            p = people[a]
            p.dh, p.ht, p.rating, p.initiative, p.initiative_qd = "CSTDCS", None, "HTTNV", "", ""
            p.planted = "cstdcs-criteria"
            src = min(picks[2], n_ind - 4)
            if src == a:
                src = a - 1
            duplicates.append((src, src + frng.randint(3, n_ind - src - 1)))
        doc_date = date(2025, 5, frng.randint(8, 22))
        out.append(_write_workbook(folder / fname, unit, layout, people, colls, frng, doc_date,
                                   duplicates=duplicates))
    return out


def write_demo_inbox(folder: Path, seed: int = 2025) -> list[Path]:
    """Write ~8 realistic unit workbooks (for `tdkt demo`) into folder; return their paths.

    Units of the fictional tỉnh Trà Giang (schools, the commune office UBND xã Tân Phú, a centre
    under the Sở), 16-40 rows each, in different layouts. Three files carry planted errors: a
    missing name, an impossible date (31/02/1985), an unknown award (Huy hiệu Ngôi sao Giáo dục),
    a collective award (Cờ thi đua UBND tỉnh) proposed for a person, an exact duplicate row, and a
    CSTĐCS proposed with rating "Hoàn thành tốt nhiệm vụ" and no initiative.
    See write_demo_inbox_with_manifest for where they are.
    """
    return [f.path for f in write_demo_inbox_with_manifest(folder, seed)]


# ---------------------------------------------------------------------------
# The demo inbox as it arrives: some lists attached to emails, some zipped, one resent.

_DEMO_SENT = datetime(2025, 5, 15, 9, 0)


def write_demo_mailbox(folder: Path, seed: int = 2025) -> list[Path]:
    """Write the demo inbox the way a clerk's inbox looks, for `tdkt demo` and `tdkt merge`.

    Most lists are plain attachments saved into the folder; one arrives as a saved email (.eml),
    two in a .zip with a subfolder, and the list of Trường Mầm non Hoa Sen is sent twice: first
    with mistakes, then corrected in a later email, which must replace the first.
    """
    import email.utils
    import os
    import zipfile
    from email.message import EmailMessage

    folder = Path(folder)
    files = write_demo_inbox_with_manifest(folder, seed)
    by_unit = {f.unit: f.path for f in files}
    xlsx_type = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    def mail(path: Path, sender: str, subject: str, sent: datetime, attachment: Path, name: str) -> None:
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = "thiduakhenthuong@tragiang.edu.vn"
        msg["Subject"] = subject
        msg["Date"] = email.utils.format_datetime(sent.replace(tzinfo=timezone(timedelta(hours=7))))
        msg["Message-ID"] = f"<{path.stem}@tragiang.edu.vn>"
        msg.set_content("Kính gửi Thường trực Hội đồng Thi đua - Khen thưởng,\n\n"
                        "Đơn vị xin gửi danh sách đề nghị khen thưởng năm học 2024-2025 (tệp đính kèm).\n")
        msg.add_attachment(attachment.read_bytes(), maintype=xlsx_type[0], subtype=xlsx_type[1], filename=name)
        msg.set_boundary(f"tdkt-demo-{path.stem}")
        path.write_bytes(bytes(msg))

    # One list kept only as the saved email.
    nguyen_du = by_unit["Trường THCS Nguyễn Du"]
    mail(folder / "Thu - THCS Nguyen Du.eml", "Trường THCS Nguyễn Du <thcsnguyendu@tragiang.edu.vn>",
         "Danh sách đề nghị khen thưởng năm học 2024-2025", datetime(2025, 5, 14, 8, 30), nguyen_du,
         "DS đề nghị khen thưởng - THCS Nguyễn Du.xlsx")
    nguyen_du.unlink()

    # Two lists zipped by a cluster of schools, in a subfolder of the archive.
    zipped = [by_unit["Trường Tiểu học Lê Lợi"], by_unit["Trường THCS Võ Thị Sáu"]]
    with zipfile.ZipFile(folder / "Cum truong so 1.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in zipped:
            info = zipfile.ZipInfo(f"Cum truong so 1/{path.name}", date_time=(2025, 5, 15, 16, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    for path in zipped:
        path.unlink()

    # Hoa Sen resends a corrected list a day later, by email: it must replace the first one.
    first = by_unit["Trường Mầm non Hoa Sen"]
    corrected = _corrected_copy(first)
    mail(folder / "Thu - MN Hoa Sen gui lai.eml", "Trường Mầm non Hoa Sen <mnhoasen@tragiang.edu.vn>",
         "Re: Gửi lại danh sách đề nghị khen thưởng (đã sửa)", datetime(2025, 5, 16, 10, 15), corrected,
         "DS de nghi KT - MN Hoa Sen (da sua).xlsx")
    corrected.unlink()

    stamp = _DEMO_SENT.timestamp()
    for path in folder.iterdir():
        os.utime(path, (stamp, stamp))  # plain attachments "saved" on 15/05/2025
    return sorted(folder.iterdir())


def _corrected_copy(path: Path) -> Path:
    """The same list with its planted mistakes put right (as the unit would after feedback)."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == "31/02/1985":
                    cell.value = "21/02/1985"
                elif cell.value == "Huy hiệu Ngôi sao Giáo dục":
                    cell.value = "Giấy khen Giám đốc Sở"
        for row in ws.iter_rows(min_col=2, max_col=2):
            cell = row[0]
            left = ws.cell(cell.row, 1).value
            if cell.value in (None, "") and isinstance(left, (int, float)):
                cell.value = "Trần Thị Mai"
    target = path.with_name(path.stem + " (da sua)" + path.suffix)
    book.save(target)
    return target


def demo_settings() -> "Settings":
    """The demo master's CauHinh: a Sở's office, with the plan of domain.md §1 (200 seats, 30% guests)."""

    return Settings(
        parent_agency="UBND tỉnh Trà Giang", unit_name="Sở Giáo dục và Đào tạo", place="Trà Giang",
        preparer="Nguyễn Thị Thu Hà", signer_title="Giám đốc", signer="Trần Minh Đức",
        seats=40, guest_share=0.30, targets={"female": 0.5, "ethnic_minority": 0.1},
    )


def demo_guests() -> list[list[Any]]:
    """A short guest list (KhachMoi) as a clerk would fill it in."""
    guests = [
        ("Lê Văn Hùng", "Phó Chủ tịch UBND tỉnh", "UBND tỉnh Trà Giang", "Nam", "Kinh"),
        ("Nguyễn Thị Hồng", "Trưởng ban Tuyên giáo", "Tỉnh ủy Trà Giang", "Nữ", "Kinh"),
        ("Thạch Sô Phol", "Phó Trưởng ban", "Ban Dân tộc tỉnh", "Nam", "Khmer"),
        ("Phạm Thu Trang", "Chủ tịch", "Công đoàn ngành Giáo dục", "Nữ", "Kinh"),
        ("Đỗ Quang Vinh", "Phó Giám đốc", "Sở Nội vụ", "Nam", "Kinh"),
        ("Võ Thị Kim Ngân", "Trưởng phòng", "Sở Tài chính", "Nữ", "Kinh"),
    ]
    return [[i, *g, None] for i, g in enumerate(guests, start=1)]
