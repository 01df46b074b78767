"""Invented people and units: names, schools and offices, positions, awards and ratings, nominees."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from addin.demo.constants import PROVINCE


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
