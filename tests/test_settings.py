"""The master's settings sheet (CauHinh): defaults written once, what the clerk types read back."""

from __future__ import annotations

from addin import settings


def test_defaults_round_trip() -> None:
    rows = settings.rows()
    parsed = settings.parse(rows)
    assert parsed == settings.Settings()
    assert [r[0] for r in rows[:3]] == ["Cơ quan chủ quản", "Tên đơn vị", "Địa danh"]


def test_clerk_values_sections_and_quotas() -> None:
    rows = [
        ["Tên đơn vị", "Sở Giáo dục và Đào tạo", None],
        ["Địa danh", "Trà Giang", None],
        ["Tổng số đại biểu", "150", None],
        ["Tỷ lệ khách mời", "30%", None],
        ["Biểu tổng hợp tính cả dòng có lỗi", "có", None],
        ["Danh hiệu thấp nhất để chọn điển hình", "BK_TINH", None],
        [settings.SECTION_TARGETS, None, None],
        ["Tỷ lệ nữ tối thiểu", 0.3, None],
        ["Tỷ lệ dân tộc thiểu số tối thiểu", "10", None],
        [settings.SECTION_UNIT_QUOTAS, None, None],
        ["Trường THCS Lê Quý Đôn", 3, None],
        ["Trường TH Kim Đồng", "2", None],
        [settings.SECTION_ROLE_QUOTAS, None, None],
        ["Phòng GD&ĐT - Lãnh đạo", 1, None],
        ["Phòng GD&ĐT - Cán bộ", 1, None],
        ["Phòng GD&ĐT - Giáo viên", 13, None],
        ["Không biết - Ai đó", 4, None],  # an unknown type/role is ignored, not guessed
        [None, None, None],
    ]
    s = settings.parse(rows)
    assert (s.unit_name, s.place, s.seats, s.guest_share, s.tally_counts_errors, s.exemplary_from) == (
        "Sở Giáo dục và Đào tạo", "Trà Giang", 150, 0.3, True, "BK_TINH")
    assert s.targets == {"female": 0.3, "ethnic_minority": 0.1}
    assert s.unit_quotas == {"Trường THCS Lê Quý Đôn": 3, "Trường TH Kim Đồng": 2}
    assert s.type_role_quotas == {"phong": {"lanh_dao": 1, "can_bo": 1, "giao_vien": 13}}
    assert s.issuer() == ["SỞ GIÁO DỤC VÀ ĐÀO TẠO"]
    assert s.place_date() == "Trà Giang, ngày ... tháng ... năm ..."
    again = settings.parse(settings.rows(s))
    assert (again.unit_quotas, again.type_role_quotas, again.targets) == (s.unit_quotas, s.type_role_quotas, s.targets)
