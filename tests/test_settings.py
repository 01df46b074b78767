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


def test_a_two_line_signer_title_prints_as_two_lines(tmp_path) -> None:
    """Found by fresh-eyes testing: "KT. GIÁM ĐỐC" over "PHÓ GIÁM ĐỐC", typed in one cell of CauHinh with a
    line break, printed as one line "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC"."""
    import openpyxl

    from addin.jobs import merge_job, tally_job
    from conftest import Sheet, write_workbook

    rows = settings.rows()
    for row in rows:
        if row and row[0] == "Chức danh người ký":
            row[1] = "KT. GIÁM ĐỐC\n  PHÓ GIÁM ĐỐC "
    parsed = settings.parse(rows)
    assert parsed.signer_title == "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"
    source = write_workbook(tmp_path / "ds.xlsx", [Sheet(title=[["TRƯỜNG THCS LÊ LỢI"]],
                                                         header=[["STT", "Họ và tên", "Ngày sinh", "Đề nghị"]],
                                                         rows=[[1, "Nguyễn Văn An", "12/03/1980", "LĐTT"]])])
    master = tmp_path / "tong-hop.xlsx"
    merge_job(master, [str(source)], initial_settings=parsed)
    tally_job(master)
    ws = openpyxl.load_workbook(master)["TongHop"]
    [cell] = [c for row in ws.iter_rows() for c in row if c.value == "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"]
    assert cell.alignment.wrap_text and ws.row_dimensions[cell.row].height >= 39  # two lines (XlsxWriter rounds to pixels)


def test_values_that_cannot_be_read_are_said_not_silently_defaulted() -> None:
    """Round 3 of fresh-eyes testing: "khoảng 200 người" seats, "năm" as a quota and an unreadable target
    were replaced by defaults (or dropped) with no word."""
    rows = settings.rows()
    for row in rows:
        if row and row[0] == "Tổng số đại biểu":
            row[1] = "khoảng 200 người"
    rows += [[settings.SECTION_UNIT_QUOTAS, None], ["Trường THCS Lê Lợi", "năm"], ["Trường TH Kim Đồng", 3]]
    parsed = settings.parse(rows)
    assert parsed.seats == 200 and parsed.unit_quotas == {"Trường TH Kim Đồng": 3}
    assert len(parsed.problems) == 2
    assert "Tổng số đại biểu" in parsed.problems[0] and "khoảng 200 người" in parsed.problems[0]
    assert "Trường THCS Lê Lợi" in parsed.problems[1] and "năm" in parsed.problems[1]
    assert settings.parse(settings.rows()).problems == []
