"""Ingest and row validation, one quirk of real unit workbooks at a time.

Each test lays out a small workbook the way some unit sends it and checks the canonical
values read from it, or the issues (row, column, code) a clerk would be shown.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from addin.catalogue import default_catalogue
from addin.ingest import header_field, parse_rating, read_submission, unit_display
from addin.models import Nominee, Rating, Submission, Target
from addin.text import (
    clean,
    decode_legacy,
    find_document_date,
    find_school_year,
    fold,
    parse_date,
    parse_gender,
)
from addin.jobs import validate_paths
from addin.validate import validate_file
from conftest import Sheet

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Chức vụ", "Đơn vị công tác",
          "Danh hiệu/Hình thức đề nghị", "Xếp loại", "Tên sáng kiến"]
AWARD = "Danh hiệu/Hình thức đề nghị"
TITLE = [
    ["PHÒNG GD&ĐT HUYỆN HOA SEN", None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
    ["TRƯỜNG TIỂU HỌC HOA SEN", None, None, None, "Độc lập - Tự do - Hạnh phúc"],
    [None, None, None, None, "Hoa Sen, ngày 20 tháng 5 năm 2025"],
    [],
    ["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025"],
    ["(Kèm theo Tờ trình số 12/TTr-THHS ngày 20/5/2025)"],
]
SCHOOL = "Trường TH Hoa Sen"


def person(stt, name, birth="05/03/1985", gender="Nữ", award="LĐTT", rating="HTTNV", initiative=None,
           position="Giáo viên", workplace=SCHOOL):
    """A data row under HEADER."""
    return [stt, name, birth, gender, position, workplace, award, rating, initiative]


def by_row(submission: Submission) -> dict[int, Nominee]:
    return {n.row: n for n in submission.nominees}


def issues(path: Path) -> list[tuple]:
    """What validation shows the clerk, as (row, column, code), but unit-uncertain (test_unit_identity.py)."""
    return [i for i in validate_paths([str(path)]).flatten(("row", "column", "code")) if i[2] != "unit-uncertain"]


def row_issues(s: Submission) -> list:
    """The issues of a small sheet that names no unit (its unit-uncertain is tested in test_unit_identity.py)."""
    return [i for i in s.issues if i.code != "unit-uncertain"]


# ---------------------------------------------------------------------------
# Layout: title block, header band, sections, totals, footers, sheets


def test_title_block_above_the_header(workbook) -> None:
    path = workbook(title=TITLE, header=[HEADER], rows=[person(1, "Nguyễn Thị Hoa"), person(2, "Lê Văn Tám", gender="Nam")])
    s = read_submission(path)
    assert [(n.row, n.ho_ten) for n in s.nominees] == [(8, "Nguyễn Thị Hoa"), (9, "Lê Văn Tám")]
    assert s.title == "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025"
    assert (s.nam_hoc, s.document_date) == ("2024-2025", date(2025, 5, 20))
    assert (s.unit, s.unit_source) == ("Trường Tiểu học Hoa Sen", "title")
    assert s.nominees[0].nam_hoc == "2024-2025"  # from the title when the sheet has no column for it


def test_two_row_header_nam_nu_birth_years_and_two_award_columns(workbook) -> None:
    header = [
        ["STT", "Họ và tên", "Năm sinh", None, "Chức vụ", "Đề nghị", None],
        [None, None, "Nam", "Nữ", None, "Danh hiệu thi đua", "Hình thức khen thưởng"],
    ]
    path = workbook(
        header=header,
        merges=["A1:A2", "B1:B2", "C1:D1", "E1:E2", "F1:G1"],
        rows=[
            [1, "Nguyễn Văn An", 1980, None, "Giáo viên", "LĐTT", None],
            [2, "Trần Thị Bình", None, 1985, "Giáo viên", "CSTĐCS", "BK UBND tỉnh"],
            [3, "Phạm Thị Cúc", None, "12/04/1990", "Kế toán", None, "Giấy khen Giám đốc Sở"],
        ],
    )
    s = read_submission(path)
    rows = by_row(s)
    assert [(n.row, n.gioi_tinh, n.nam_sinh) for n in s.nominees] == [(3, "nam", 1980), (4, "nu", 1985), (5, "nu", 1990)]
    assert rows[5].ngay_sinh == date(1990, 4, 12)
    assert [(a.code, a.column) for a in rows[4].awards] == [
        ("CSTDCS", "Danh hiệu thi đua"), ("BK_TINH", "Hình thức khen thưởng"),
    ]
    assert [(a.code, a.column) for a in rows[5].awards] == [("GK", "Hình thức khen thưởng")]
    assert s.columns["Sheet1"]["birth_nam"] == "Năm sinh - Nam"
    assert s.columns["Sheet1"]["birth_nu"] == "Năm sinh - Nữ"


def test_two_row_header_gender_marks(workbook) -> None:
    path = workbook(
        header=[["STT", "Họ và tên", "Giới tính", None, "Năm sinh", "Đề nghị"], [None, None, "Nam", "Nữ", None, None]],
        merges=["A1:A2", "B1:B2", "C1:D1", "E1:E2", "F1:F2"],
        rows=[[1, "Nguyễn Văn An", "x", None, 1980, "LĐTT"], [2, "Trần Thị Bình", None, "x", 1985, "LĐTT"]],
    )
    assert [(n.gioi_tinh, n.nam_sinh) for n in read_submission(path).nominees] == [("nam", 1980), ("nu", 1985)]


@pytest.mark.parametrize(
    ("name_header", "birth_header"),
    [
        ("Họ tên", "Năm sinh"),
        ("Ông (bà)", "Ngày sinh"),
        ("Họ và tên cá nhân/Tên tập thể", "Ngày, tháng, năm sinh"),
        ("HỌ VÀ TÊN", "NGÀY THÁNG NĂM SINH"),
        ("Họ và\xa0tên", "Ngày  sinh "),  # NBSP, double and trailing space
        ("Họ và\ntên", "Ngày sinh\n(ngày/tháng/năm)"),  # in-cell line breaks, a hint in brackets
        (unicodedata.normalize("NFD", "Họ và tên"), "Sinh ngày"),
    ],
)
def test_header_synonyms(workbook, name_header: str, birth_header: str) -> None:
    path = workbook(header=[["TT", name_header, birth_header, "Chức vụ", "Đề nghị"]],
                    rows=[[1, "Đỗ Thị Mai", "02/09/1979", "Giáo viên", "LĐTT"]])
    s = read_submission(path)
    assert [(n.ho_ten, n.ngay_sinh, n.chuc_vu) for n in s.nominees] == [("Đỗ Thị Mai", date(1979, 9, 2), "Giáo viên")]
    assert s.columns["Sheet1"]["ho_ten"] == clean(name_header)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("STT", "stt"), ("Số TT", "stt"), ("Họ và tên", "ho_ten"), ("Tên tập thể", "ho_ten"),
        ("Ngày, tháng, năm sinh", "ngay_sinh"), ("Giới tính", "gioi_tinh"), ("Dân tộc", "dan_toc"),
        ("Chức vụ", "chuc_vu"), ("Chức vụ, đơn vị công tác", "chuc_vu_don_vi"), ("Đơn vị công tác", "don_vi"),
        ("Nơi công tác", "don_vi"), ("Danh hiệu thi đua", "danh_hieu"), ("Hình thức khen thưởng", "hinh_thuc"),
        ("Danh hiệu/Hình thức đề nghị", "de_nghi"), ("Đề nghị", "de_nghi"), ("Xếp loại", "xep_loai"),
        ("Kết quả đánh giá, xếp loại", "xep_loai"), ("Tên sáng kiến", "ten_sang_kien"),
        ("Số QĐ công nhận sáng kiến", "so_qd_sang_kien"), ("Tóm tắt thành tích", "tom_tat"),
        ("Năm học", "nam_hoc"), ("Ghi chú", "ghi_chu"), ("Số điện thoại", None), ("", None),
    ],
)
def test_header_field(header: str, field: str | None) -> None:
    assert header_field(header) == field


@pytest.mark.parametrize(
    ("written", "position", "workplace"),
    [
        ("Giáo viên, Trường TH Hoa Sen", "Giáo viên", "Trường TH Hoa Sen"),
        ("Phó Hiệu trưởng - Trường THCS Lê Lợi", "Phó Hiệu trưởng", "Trường THCS Lê Lợi"),
        ("Tổ trưởng chuyên môn, Trường MN Sen Hồng", "Tổ trưởng chuyên môn", "Trường MN Sen Hồng"),
        ("Giáo viên, tổ trưởng tổ Toán, Trường THCS Lê Lợi", "Giáo viên, tổ trưởng tổ Toán", "Trường THCS Lê Lợi"),
        ("Chuyên viên Phòng GD&ĐT", "Chuyên viên Phòng GD&ĐT", None),
        ("Kế toán", "Kế toán", None),
    ],
)
def test_one_column_for_position_and_workplace(workbook, written: str, position: str, workplace: str | None) -> None:
    path = workbook(header=[["STT", "Họ và tên", "Năm sinh", "Chức vụ, đơn vị công tác", "Đề nghị"]],
                    rows=[[1, "Võ Văn Kiệt", 1975, written, "LĐTT"]])
    (n,) = read_submission(path).nominees
    assert (n.chuc_vu, n.don_vi) == (position, workplace)


@pytest.mark.parametrize("numbers", [["(1)", "(2)", "(3)", "(4)", "(5)"], [1, 2, 3, 4, 5], ["A", "B", "1", "2", "3"]])
def test_column_number_row_under_the_header_is_not_data(workbook, numbers: list) -> None:
    path = workbook(header=[["STT", "Họ và tên", "Năm sinh", "Chức vụ", "Đề nghị"], numbers],
                    rows=[[1, "Lý Thị Hằng", 1988, "Giáo viên", "LĐTT"]])
    s = read_submission(path)
    assert [(n.row, n.ho_ten, n.nam_sinh) for n in s.nominees] == [(3, "Lý Thị Hằng", 1988)]
    assert row_issues(s) == []


@pytest.mark.parametrize(
    ("individuals", "collectives"),
    [(["I. CÁ NHÂN"], ["II. TẬP THỂ"]), (["I", "CÁ NHÂN"], ["II", "TẬP THỂ"]), (["A. Cá nhân"], ["B. Tập thể"])],
)
def test_sections_set_the_target_and_total_row_is_not_data(workbook, individuals: list, collectives: list) -> None:
    path = workbook(
        title=[["TRƯỜNG THPT NGUYỄN DU"], ["DANH SÁCH CÁ NHÂN, TẬP THỂ ĐỀ NGHỊ KHEN THƯỞNG"]],
        header=[["STT", "Họ và tên cá nhân/Tên tập thể", "Năm sinh", "Giới tính", "Đề nghị"]],
        rows=[
            individuals,
            [1, "Ngô Thị Lan", 1980, "Nữ", "CSTĐCS"],
            [2, "Tổ Văn phòng", None, None, "Giấy khen"],  # in the individuals' section: read as a person
            collectives,
            [1, "Nhóm Tin học", None, None, "TTLĐTT"],  # named like nothing: the section says collective
            [2, "Công đoàn trường", None, None, "Giấy khen"],
            [None, "Tổng cộng", None, None, "2 cá nhân, 2 tập thể"],
        ],
    )
    s = validate_file(path, "nguyen-du.xlsx")
    assert [(n.row, n.ho_ten, n.target) for n in s.nominees] == [
        (5, "Ngô Thị Lan", Target.CA_NHAN),
        (6, "Tổ Văn phòng", Target.CA_NHAN),
        (8, "Nhóm Tin học", Target.TAP_THE),
        (9, "Công đoàn trường", Target.TAP_THE),
    ]
    # ... and a person needs a year of birth, so the misplaced collective gets flagged
    assert [(i.row, i.column, i.code) for i in s.issues] == [(6, "Năm sinh", "missing-value")]


@pytest.mark.parametrize("total", [["Tổng cộng"], [None, "Tổng cộng:", None, None, "4"], ["Cộng", None, None, None, 4],
                                   [None, "Tổng số: 4 người"]])
def test_total_rows_are_not_data(workbook, total: list) -> None:
    path = workbook(header=[["STT", "Họ và tên", "Năm sinh", "Chức vụ", "Đề nghị"]],
                    rows=[[1, "Lý Thị Hằng", 1988, "Giáo viên", "LĐTT"], total])
    assert [n.ho_ten for n in read_submission(path).nominees] == ["Lý Thị Hằng"]


def test_numbered_total_row_is_not_data(workbook) -> None:
    # Numbered rows take a fast path; a total that carries a number must still be skipped.
    path = workbook(header=[["STT", "Họ và tên", "Năm sinh", "Chức vụ", "Đề nghị"]],
                    rows=[[1, "Lý Thị Hằng", 1988, "Giáo viên", "LĐTT"], [2, "Tổng cộng: 1 người"]])
    s = read_submission(path)
    assert [n.ho_ten for n in s.nominees] == ["Lý Thị Hằng"]
    assert row_issues(s) == []


@pytest.mark.parametrize(("text", "font", "read"), [
    # found by fresh-eyes testing: Unicode typed over an old template's .VnTime, in letters Latin-1 has
    ("Giáo viên", ".VnTime", "Giáo viên"), ("Hiệu trưởng", ".VnTime", "Hiệu trưởng"),
    ("Lê Thị Hoa", "VNI-Times", "Lê Thị Hoa"), ("Tổ Văn phòng", ".VnTime", "Tổ Văn phòng"),
    # and the old codes still read
    ("Gi¸o viªn", ".VnTime", "Giáo viên"), ("NguyÔn V¨n An", ".VnTime", "Nguyễn Văn An"),
    ("Giaùo vieân", "VNI-Times", "Giáo viên"), ("Leâ Thò Hoa", "VNI-Times", "Lê Thị Hoa"),
    # short runs of a rich-text cell (round 3 found these left undecoded)
    ("Voõ", "VNI-Times", "Võ"), (" Minh TrÝ", ".VnTime", " Minh Trí"),
])
def test_a_legacy_font_cell_reads_as_the_vietnamese_it_shows(text: str, font: str, read: str) -> None:
    assert (decode_legacy(text, font) or text) == read


def test_unicode_text_left_in_a_legacy_font_is_not_decoded() -> None:
    # A clerk retyped the cell in Unicode but left .VnTime on it: decoding would mangle it.
    assert decode_legacy("Họ và tên", ".VnTime") is None
    assert decode_legacy("NguyÔn ThÞ", ".VnTime") == "Nguyễn Thị"


@pytest.mark.parametrize("numbers", [[1, 2], ["1.", "2."], None])  # numbered, numbered as text, no STT column
def test_position_starting_like_a_total_is_data(workbook, numbers: list | None) -> None:
    # "Tổng phụ trách Đội" (the Young Pioneers leader) is a post, not a "Tổng cộng" row.
    header = ["Họ và tên", "Chức vụ", "Năm sinh", "Đề nghị"]
    rows = [["Lý Thị Hằng", "Tổng phụ trách Đội", 1988, "LĐTT"], ["Hà Văn Nam", "Giáo viên", 1990, "LĐTT"]]
    if numbers:
        header, rows = ["STT", *header], [[stt, *row] for stt, row in zip(numbers, rows)]
    path = workbook(header=[header], rows=rows)
    s = read_submission(path)
    assert [(n.ho_ten, n.chuc_vu) for n in s.nominees] == [("Lý Thị Hằng", "Tổng phụ trách Đội"), ("Hà Văn Nam", "Giáo viên")]


def test_footer_signatures_and_signer_names_are_not_data(workbook) -> None:
    path = workbook(
        title=TITLE,
        header=[HEADER],
        rows=[person(1, "Trần Thị Thu", position="Hiệu trưởng", award="CSTĐCS", rating="HTXSNV"),
              person(2, "Lê Văn Tám", gender="Nam")],
        footer=[
            [None, "Hoa Sen, ngày 20 tháng 5 năm 2025"],
            ["NGƯỜI LẬP BIỂU", None, None, None, None, None, "HIỆU TRƯỞNG"],
            ["(Ký, ghi rõ họ tên)", None, None, None, None, None, "(Ký tên, đóng dấu)"],
            [],
            [],
            ["Nguyễn Văn Lập", None, None, None, None, None, "Trần Thị Thu"],
        ],
    )
    s = validate_file(path, "danh-sach.xlsx")
    assert [(n.row, n.ho_ten, n.chuc_vu) for n in s.nominees] == [(8, "Trần Thị Thu", "Hiệu trưởng"), (9, "Lê Văn Tám", "Giáo viên")]
    assert s.issues == []


@pytest.mark.parametrize("numbers", [["1.", "2.", "3."], None])  # numbered as text, or no STT column
def test_rows_of_principals_are_not_the_signature_block(workbook, numbers: list | None) -> None:
    # Without an STT number, a row whose post is "Hiệu trưởng" must not read as the signature block.
    header = ["Họ và tên", "Năm sinh", "Chức vụ", "Đề nghị"]
    rows = [["Trần Thị Thu", 1970, "Hiệu trưởng", "CSTĐCS"],
            [None, None, "Chủ tịch Công đoàn", "LĐTT"],  # the name forgotten: still a row, to be flagged
            ["Lê Văn Tám", 1990, "Giáo viên", "LĐTT"]]
    if numbers:
        header, rows = ["STT", *header], [[stt, *row] for stt, row in zip(numbers, rows)]
    path = workbook(header=[header], rows=rows,
                    footer=[["NGƯỜI LẬP BIỂU", None, None, "HIỆU TRƯỞNG"], ["Nguyễn Văn Lập", None, None, "Trần Thị Thu"]])
    s = read_submission(path)
    assert [(n.ho_ten, n.chuc_vu) for n in s.nominees] == [
        ("Trần Thị Thu", "Hiệu trưởng"), (None, "Chủ tịch Công đoàn"), ("Lê Văn Tám", "Giáo viên"),
    ]


def test_blank_rows_in_the_middle_are_skipped(workbook) -> None:
    path = workbook(header=[HEADER], rows=[person(1, "An"), [], [None] * 9, person(2, "Bình"), [], person(3, "Cường")])
    assert [(n.row, n.ho_ten) for n in read_submission(path).nominees] == [(2, "An"), (5, "Bình"), (7, "Cường")]


def test_phantom_formatted_columns(workbook) -> None:
    path = workbook(header=[HEADER], rows=[person(1, "Nguyễn Thị Hoa"), person(2, "Lê Văn Tám")], phantom_columns=200)
    assert openpyxl.load_workbook(path).active.max_column == len(HEADER) + 200
    s = read_submission(path)
    assert [n.ho_ten for n in s.nominees] == ["Nguyễn Thị Hoa", "Lê Văn Tám"]
    assert all(n.extra == {} for n in s.nominees)
    assert s.issues == []


def test_instruction_and_hidden_sheets_are_not_read(workbook) -> None:
    path = workbook(
        Sheet(name="Hướng dẫn", rows=[["HƯỚNG DẪN ĐIỀN DANH SÁCH"], ["Ghi theo mẫu dưới đây, ngày sinh ghi ngày/tháng/năm:"],
                                      ["STT", "Họ và tên", "Ngày sinh", "Danh hiệu đề nghị"],
                                      [1, "Nguyễn Văn A", "01/01/1980", "Lao động tiên tiến"]]),
        Sheet(name="Danh sách", header=[HEADER], rows=[person(1, "Nguyễn Thị Hoa")]),
        Sheet(name="Bản cũ", hidden=True, header=[HEADER], rows=[person(1, "Người Năm Trước")]),
    )
    s = read_submission(path)
    assert s.sheets == ["Danh sách"]
    assert [(n.sheet, n.ho_ten) for n in s.nominees] == [("Danh sách", "Nguyễn Thị Hoa")]


def test_individuals_and_collectives_on_two_sheets(workbook) -> None:
    path = workbook(
        Sheet(name="Cá nhân", title=[["TRƯỜNG THCS LÊ LỢI"]], header=[["STT", "Họ và tên", "Năm sinh", "Đề nghị"]],
              rows=[[1, "Bùi Văn Hải", 1979, "CSTĐCS"], [2, "Đào Thị Hạnh", 1985, "LĐTT"]]),
        Sheet(name="Tập thể", header=[["STT", "Tên tập thể", "Đề nghị"]],
              rows=[[1, "Tổ Khoa học tự nhiên", "TTLĐXS"], [2, "Lớp 9A", "Giấy khen"]]),
    )
    s = validate_file(path, "le-loi.xlsx")
    assert s.sheets == ["Cá nhân", "Tập thể"]
    assert [(n.sheet, n.row, n.ho_ten, n.target) for n in s.nominees] == [
        ("Cá nhân", 3, "Bùi Văn Hải", Target.CA_NHAN),
        ("Cá nhân", 4, "Đào Thị Hạnh", Target.CA_NHAN),
        ("Tập thể", 2, "Tổ Khoa học tự nhiên", Target.TAP_THE),
        ("Tập thể", 3, "Lớp 9A", Target.TAP_THE),
    ]
    assert s.unit == "Trường THCS Lê Lợi"
    assert [i.code for i in s.issues] == []


# ---------------------------------------------------------------------------
# Legacy fonts (TCVN3/ABC, VNI) and Unicode forms


def rich(*runs: tuple[str, str]) -> CellRichText:
    """A cell typed in several fonts: (text, font name) runs."""
    return CellRichText(*(TextBlock(InlineFont(rFont=font), text) for text, font in runs))


def test_tcvn3_cells_decoded_per_cell_from_the_font(workbook) -> None:
    path = workbook(
        header=[HEADER],
        rows=[
            [1, "NguyÔn ThÞ Hoa", "05/03/1985", "N÷", "HiÖu tr\xadëng", "Tr\xadêng TiÓu häc Hoa Sen", "CST§CS", "HTXSNV"],
            [2, "Lª V¨n T¸m", "12/04/1990", "Nam", "Gi¸o viªn", "Tr\xadêng TiÓu häc Hoa Sen", "Lao ®éng tiªn tiÕn", "HTTNV"],
        ],
        fonts={f"{col}{r}": ".VnTime" for col in "BDEFG" for r in (2, 3)},
    )
    s = read_submission(path)
    assert [(n.ho_ten, n.gioi_tinh, n.chuc_vu, n.don_vi, [a.code for a in n.awards]) for n in s.nominees] == [
        ("Nguyễn Thị Hoa", "nu", "Hiệu trưởng", "Trường Tiểu học Hoa Sen", ["CSTDCS"]),
        ("Lê Văn Tám", "nam", "Giáo viên", "Trường Tiểu học Hoa Sen", ["LDTT"]),
    ]
    assert [(i.code, i.severity) for i in s.issues] == [("legacy-encoding", "info")]
    assert "Đã chuyển 10 ô" in s.issues[0].message


def test_tcvn3_uppercase_font_title_lines(workbook) -> None:
    # .VnTimeH draws lower-case TCVN3 bytes as capitals: decode, then upper-case.
    path = workbook(
        title=[["UBND HUYÖN HOA SEN"], ["TR¦êNG TIÓU HäC HOA SEN"], [],
               ["DANH S¸CH §Ò NGHÞ KHEN TH¦ëNG N¡M HäC 2024-2025"]],
        fonts={"A1": ".VnTimeH", "A2": ".VnTimeH", "A4": ".VnTimeH"},
        header=[HEADER],
        rows=[person(1, "Nguyễn Thị Hoa")],
    )
    s = read_submission(path)
    assert s.title == "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025"
    assert (s.unit, s.nam_hoc) == ("Trường Tiểu học Hoa Sen", "2024-2025")


def test_vni_cell(workbook) -> None:
    path = workbook(header=[HEADER], rows=[person(1, "Nguyeãn Vaên An", workplace="Tröôøng Tieåu hoïc Hoa Sen")],
                    fonts={"B2": "VNI-Times", "F2": "VNI-Times"})
    (n,) = read_submission(path).nominees
    assert (n.ho_ten, n.don_vi) == ("Nguyễn Văn An", "Trường Tiểu học Hoa Sen")


def test_rich_text_cell_converts_only_the_legacy_run(workbook) -> None:
    # Converting "Tùng" as if it were TCVN3 would give "Tựng".
    path = workbook(header=[HEADER], fonts={"E2": ".VnTime"},
                    rows=[person(1, rich(("NguyÔn V¨n ", ".VnTime"), ("Tùng", "Times New Roman")), position="Gi¸o viªn")])
    (n,) = read_submission(path).nominees
    assert (n.ho_ten, n.chuc_vu) == ("Nguyễn Văn Tùng", "Giáo viên")


def write_rich_name(path: Path) -> Path:
    """Excel's way: the runs' fonts live in sharedStrings.xml, the cell's own font is Unicode."""
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    legacy, unicode = book.add_format({"font_name": ".VnTime"}), book.add_format({"font_name": "Times New Roman"})
    ws.write_row(0, 0, ["STT", "Họ và tên", "Năm sinh", "Đề nghị"])
    ws.write_row(1, 0, [1, None, 1980, "LĐTT"])
    ws.write_rich_string(1, 1, legacy, "NguyÔn V¨n ", unicode, "Tùng")
    book.close()
    return path


def test_rich_text_is_the_only_legacy_text(tmp_path: Path) -> None:
    s = read_submission(write_rich_name(tmp_path / "rich.xlsx"))
    assert [n.ho_ten for n in s.nominees] == ["Nguyễn Văn Tùng"]
    assert [(i.code, i.severity) for i in row_issues(s)] == [("legacy-encoding", "info")]


def test_rich_text_in_an_inline_string_is_the_only_legacy_text(workbook) -> None:
    # openpyxl (and other generators) store rich text inline in the sheet, not in sharedStrings.xml.
    path = workbook(header=[HEADER], rows=[person(1, rich(("NguyÔn V¨n ", ".VnTime"), ("Tùng", "Times New Roman")))])
    assert [n.ho_ten for n in read_submission(path).nominees] == ["Nguyễn Văn Tùng"]


def test_unicode_cell_beside_legacy_cells_is_untouched(workbook) -> None:
    path = workbook(header=[HEADER], rows=[person(1, "Lê Thị Tuyết", position="Gi¸o viªn", workplace="Trường TH Tên Lửa")],
                    fonts={"E2": ".VnTime"})
    (n,) = read_submission(path).nominees
    assert (n.ho_ten, n.chuc_vu, n.don_vi) == ("Lê Thị Tuyết", "Giáo viên", "Trường TH Tên Lửa")


def test_tcvn3_soft_hyphen_is_u_horn() -> None:
    # TCVN3 stores "ư" as U+00AD; cleaning before decoding would lose it.
    assert decode_legacy("Tr\xadêng", ".VnTime") == "Trường"
    assert clean("Tr\xadêng") == "Trêng"
    assert decode_legacy("Trường", "Times New Roman") is None


def test_nfd_text_is_read_as_nfc(workbook) -> None:
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Thủy")
    path = workbook(header=[HEADER], rows=[person(1, nfd, gender=unicodedata.normalize("NFD", "Nữ"),
                                                  award=unicodedata.normalize("NFD", "Lao động tiên tiến"))])
    (n,) = read_submission(path).nominees
    assert n.ho_ten == "Nguyễn Thị Thủy" and unicodedata.is_normalized("NFC", n.ho_ten)
    assert (n.gioi_tinh, [a.code for a in n.awards]) == ("nu", ["LDTT"])


# ---------------------------------------------------------------------------
# Dates of birth and genders


@pytest.mark.parametrize(
    ("written", "ngay_sinh", "nam_sinh"),
    [
        ("5/3/1985", date(1985, 3, 5), 1985),  # day first
        ("05-03-1985", date(1985, 3, 5), 1985),
        ("05.03.1985", date(1985, 3, 5), 1985),
        (" 05/03/1985 ", date(1985, 3, 5), 1985),
        (datetime(1985, 3, 5), date(1985, 3, 5), 1985),  # a real date cell
        (31111, date(1985, 3, 5), 1985),  # an Excel serial number left as a number
        (1985, None, 1985),
        ("1985", None, 1985),
        ("3/1985", None, 1985),
    ],
)
def test_dates_of_birth(workbook, written, ngay_sinh: date | None, nam_sinh: int) -> None:
    path = workbook(header=[HEADER], rows=[person(1, "Mai Anh Đào", birth=written)])
    s = read_submission(path)
    assert [(n.ngay_sinh, n.nam_sinh) for n in s.nominees] == [(ngay_sinh, nam_sinh)]
    assert s.issues == []


@pytest.mark.parametrize("written", ["31/02/1985", "12/03/85", "29/02/1987", "1985/13/01", "không rõ", 12.5])
def test_impossible_dates_are_flagged_not_guessed(workbook, written) -> None:
    path = workbook(title=TITLE, header=[HEADER], rows=[person(1, "Mai Anh Đào"), person(2, "Hà Thu", birth=written)])
    s = validate_file(path, "danh-sach.xlsx")
    assert (s.nominees[1].ngay_sinh, s.nominees[1].nam_sinh) == (None, None)
    assert [(i.row, i.column, i.code, i.severity) for i in s.issues] == [(9, "Ngày sinh", "invalid-date", "error")]
    assert s.status == "invalid"


@pytest.mark.parametrize(
    ("written", "gender"),
    [("Nam", "nam"), ("nam", "nam"), ("NAM", "nam"), ("Nam ", "nam"), ("Nữ", "nu"), ("nữ", "nu"), ("NỮ", "nu"),
     ("Nữ ", "nu"), ("\xa0nữ", "nu"), (unicodedata.normalize("NFD", "Nữ"), "nu")],
)
def test_genders(workbook, written: str, gender: str) -> None:
    path = workbook(header=[HEADER], rows=[person(1, "Mai Anh Đào", gender=written)])
    s = read_submission(path)
    assert [n.gioi_tinh for n in s.nominees] == [gender]
    assert s.issues == []


def test_unknown_gender_is_flagged(workbook) -> None:
    path = workbook(header=[HEADER], rows=[person(1, "Mai Anh Đào", gender="X")])
    assert issues(path) == [(2, "Giới tính", "invalid-gender")]


def test_birth_year_in_both_nam_and_nu_columns_is_flagged(workbook) -> None:
    path = workbook(header=[["STT", "Họ và tên", "Năm sinh", None, "Đề nghị"], [None, None, "Nam", "Nữ", None]],
                    merges=["C1:D1"], rows=[[1, "Mai Anh Đào", 1980, 1980, "LĐTT"]])
    assert issues(path) == [(3, "Năm sinh - Nữ", "invalid-gender")]


# ---------------------------------------------------------------------------
# Award names as clerks write them


@pytest.mark.parametrize(
    ("written", "code", "kind"),
    [
        ("Lao động tiên tiến", "LDTT", "thuong_xuyen"),
        ("LĐTT", "LDTT", "thuong_xuyen"),
        (" lđtt", "LDTT", "thuong_xuyen"),
        ("  Lao  Động   Tiên Tiến ", "LDTT", "thuong_xuyen"),
        ("LAO DONG TIEN TIEN", "LDTT", "thuong_xuyen"),
        ("Danh hiệu Lao động tiên tiến", "LDTT", "thuong_xuyen"),
        ("LĐ\xa0 tiên tiến", "LDTT", "thuong_xuyen"),
        ("CSTĐCS", "CSTDCS", "thuong_xuyen"),
        ("CSTĐ cơ sở", "CSTDCS", "thuong_xuyen"),
        ("Cstđ Cấp  Cơ Sở", "CSTDCS", "thuong_xuyen"),
        ("Chiến sỹ thi đua cơ sở", "CSTDCS", "thuong_xuyen"),
        ("Chien si thi dua co so", "CSTDCS", "thuong_xuyen"),
        ("CSTĐ cấp tỉnh", "CSTD_TINH", "thuong_xuyen"),
        ("Chiến sĩ thi đua toàn quốc", "CSTD_TQ", "thuong_xuyen"),
        ("BK UBND tỉnh", "BK_TINH", "thuong_xuyen"),
        ("BK Chủ tịch UBND tỉnh", "BK_TINH", "thuong_xuyen"),
        ("BẰNG KHEN CỦA CHỦ TỊCH UBND TỈNH ", "BK_TINH", "thuong_xuyen"),
        ("Bằng khen chủ tịch ubnd tỉnh (thường xuyên)", "BK_TINH", "thuong_xuyen"),
        ("Bk ubnd tỉnh - đột xuất", "BK_TINH", "dot_xuat"),
        ("Bằng khen UBND tỉnh (đột xuất)", "BK_TINH", "dot_xuat"),
        ("BK Chủ tịch UBND tỉnh chuyên đề “Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh”",
         "BK_TINH", "chuyen_de"),
        ("BK TTg", "BK_TTG", "thuong_xuyen"),
        ("Bằng khen Thủ tướng CP", "BK_TTG", "thuong_xuyen"),
        ("Bằng khen Bộ GD&ĐT", "BK_BO", "thuong_xuyen"),
        ("BK Bộ trưởng Bộ GD&ĐT", "BK_BO", "thuong_xuyen"),
        ("TTLĐTT", "TTLDTT", "thuong_xuyen"),
        ("Tập thể lao động tiên tiến", "TTLDTT", "thuong_xuyen"),
        ("Tập thể LĐXS", "TTLDXS", "thuong_xuyen"),
        ("HCLĐ hạng Ba", "HCLD3", "thuong_xuyen"),
        ("Huân chương Lao động hạng Nhì", "HCLD2", "thuong_xuyen"),
        ("Cờ thi đua UBND tỉnh", "CO_TINH", "thuong_xuyen"),
        ("Cờ thi đua xuất sắc UBND tỉnh", "CO_TINH", "thuong_xuyen"),
        ("Cờ thi đua của Chính phủ", "CO_CP", "thuong_xuyen"),
        ("NGƯT", "NGUT", "thuong_xuyen"),
        ("Nhà giáo Nhân dân", "NGND", "thuong_xuyen"),
        ('Kỷ niệm chương "Vì sự nghiệp giáo dục"', "KNC_GD", "thuong_xuyen"),
        ("Gk Giám  Đốc Sở Gd&Đt", "GK", "thuong_xuyen"),
        ("Giấy khen Chủ tịch UBND huyện đột xuất", "GK", "dot_xuat"),
        ("Giấy khen (đột xuất)", "GK", "dot_xuat"),
        ("GK chuyên đề chuyển đổi số", "GK", "chuyen_de"),
        ("Huy hiệu Ngôi sao Giáo dục", None, "thuong_xuyen"),
        ("Giáo viên dạy giỏi", None, "thuong_xuyen"),
        ("Bằng khen", None, "thuong_xuyen"),  # of whom? a level is needed
        ("Chiến sĩ thi đua", None, "thuong_xuyen"),
        ("Hoàn thành xuất sắc nhiệm vụ", None, "thuong_xuyen"),  # a rating in the award column
    ],
)
def test_award_spellings(written: str, code: str | None, kind: str) -> None:
    assert [(m.code, m.kind) for m in default_catalogue().match(written)] == [(code, kind)]


def test_one_cell_naming_two_awards() -> None:
    assert [m.code for m in default_catalogue().match("LĐTT; Giấy khen Giám đốc Sở")] == ["LDTT", "GK"]
    assert [m.code for m in default_catalogue().match("LĐTT; Huy hiệu")] == [None]  # not half-read


def test_awards_read_from_cells_keep_what_was_written(workbook) -> None:
    path = workbook(header=[HEADER], rows=[person(1, "Mai Anh Đào", award="  Bk ubnd tỉnh - đột xuất "),
                                           person(2, "Hà Thu", award="Huy hiệu Ngôi sao Giáo dục")])
    s = read_submission(path)
    assert [[a.model_dump(mode="json") for a in n.awards] for n in s.nominees] == [
        [{"raw": "Bk ubnd tỉnh - đột xuất", "column": AWARD, "code": "BK_TINH", "kind": "dot_xuat", "theme": None}],
        [{"raw": "Huy hiệu Ngôi sao Giáo dục", "column": AWARD, "code": None, "kind": "thuong_xuyen", "theme": None}],
    ]
    assert [(i.row, i.column, i.code, i.value) for i in s.issues] == [
        (3, AWARD, "unknown-award", "Huy hiệu Ngôi sao Giáo dục"),
    ]
    assert issues(path) == [(3, AWARD, "unknown-award")]


# ---------------------------------------------------------------------------
# The submitting unit, school year and date


def test_unit_from_generic_office_under_district_committee(workbook) -> None:
    path = workbook(title=[["UBND HUYỆN LONG PHÚ", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
                           ["PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", None, None, "Độc lập - Tự do - Hạnh phúc"],
                           ["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024 - 2025"]],
                    header=[HEADER], rows=[person(1, "Mai Anh Đào")])
    s = read_submission(path)
    assert (s.unit, s.unit_source, s.nam_hoc) == ("Phòng GD&ĐT huyện Long Phú", "title", "2024-2025")


@pytest.mark.parametrize(
    "template_row",
    [["Đơn vị: Trường TH Kim Đồng"], ["Đơn vị:", "Trường TH Kim Đồng"], ["Tên đơn vị đề nghị:  Trường TH Kim Đồng "]],
)
def test_unit_from_template_cell(workbook, template_row: list) -> None:
    path = workbook(title=[["SỞ GIÁO DỤC VÀ ĐÀO TẠO"], template_row, ["DANH SÁCH ĐĂNG KÝ THI ĐUA"]],
                    header=[HEADER], rows=[person(1, "Mai Anh Đào")])
    s = read_submission(path)
    assert (s.unit, s.unit_source) == ("Trường TH Kim Đồng", "template")


def test_unit_from_every_rows_workplace(workbook) -> None:
    path = workbook(header=[HEADER], rows=[person(1, "Mai Anh Đào", workplace="Trường Tiểu học Kim Đồng"),
                                           person(2, "Hà Thu", workplace="Trường Tiểu học  Kim Đồng")])
    s = read_submission(path)
    assert (s.unit, s.unit_source) == ("Trường Tiểu học Kim Đồng", "don_vi")
    assert [n.unit for n in s.nominees] == ["Trường Tiểu học Kim Đồng"] * 2


def test_unit_from_sheet_name(workbook) -> None:
    path = workbook(name="MN Hoa Mai", header=[HEADER],
                    rows=[person(1, "Mai Anh Đào", workplace="Tổ Nhà trẻ"), person(2, "Hà Thu", workplace="Tổ Mẫu giáo")])
    s = read_submission(path)
    assert (s.unit, s.unit_source) == ("MN Hoa Mai", "sheet")


def test_unit_from_file_name(workbook) -> None:
    path = workbook(filename="TH Kim Dong - de nghi.xlsx", header=[HEADER],
                    rows=[person(1, "Mai Anh Đào", workplace="Tổ 1"), person(2, "Hà Thu", workplace="Tổ 2")])
    s = read_submission(path, display_path="hop-thu/TH Kim Dong - de nghi.xlsx")
    # the generic tail "- de nghi" is not part of the unit's name; a file name alone is weak evidence
    assert (s.unit, s.unit_source, s.path) == ("TH Kim Dong", "file", "hop-thu/TH Kim Dong - de nghi.xlsx")
    assert (s.unit_confidence, [i.code for i in s.issues]) == ("weak", ["unit-uncertain"])


@pytest.mark.parametrize(
    ("text", "year"),
    [("DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025", "2024-2025"), ("năm học 2024 – 2025", "2024-2025"),
     ("Năm học 2024/2025", "2024-2025"), ("giai đoạn 2020-2025", None),
     ("(Kèm theo Tờ trình số 31/TTr-THCS ngày 14/5/2025)", None),
     ("năm 2025", None)],
)
def test_find_school_year(text: str, year: str | None) -> None:
    assert find_school_year(text) == year


@pytest.mark.parametrize(
    ("text", "day"),
    [("Hoa Sen, ngày 20 tháng 5 năm 2025", date(2025, 5, 20)), ("Long Phú, ngày  03  tháng 06 năm 2025", date(2025, 6, 3)),
     ("Hoa Sen, ngày ... tháng ... năm 2025", None), ("ngày 31 tháng 2 năm 2025", None)],
)
def test_find_document_date(text: str, day: date | None) -> None:
    assert find_document_date(text) == day


# ---------------------------------------------------------------------------
# Formulas and provenance


def test_formulas_read_as_cached_values_and_equals_text_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "cong-thuc.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("DS")
    ws.write_row(0, 0, ["STT", "Họ và tên", "Năm sinh", "Đề nghị"])
    ws.write_formula("A2", "=ROW()-1", None, 1)
    ws.write_formula("B2", '=CONCATENATE("Nguyễn ","Văn An")', None, "Nguyễn Văn An")
    ws.write_formula("C2", "=2025-40", None, 1985)
    ws.write_string("D2", "LĐTT")
    ws.write_number("A3", 2)
    ws.write_string("B3", "=Trần Thị Bé")  # typed with a leading "=" but stored as text
    ws.write_number("C3", 1990)
    ws.write_string("D3", "LĐTT")
    book.close()
    s = read_submission(path)
    assert [(n.stt, n.ho_ten, n.nam_sinh) for n in s.nominees] == [("1", "Nguyễn Văn An", 1985), ("2", "=Trần Thị Bé", 1990)]


def test_provenance_is_what_the_clerk_sees(workbook) -> None:
    path = workbook(name="Danh sách", title=TITLE, header=[HEADER], rows=[person(1, "Mai Anh Đào"), [], person(2, "Hà Thu")])
    s = read_submission(path, display_path="Hộp thư/TH Hoa Sen.xlsx")
    assert [(n.file, n.sheet, n.row, n.stt) for n in s.nominees] == [
        ("Hộp thư/TH Hoa Sen.xlsx", "Danh sách", 8, "1"),
        ("Hộp thư/TH Hoa Sen.xlsx", "Danh sách", 10, "2"),
    ]


def test_unmapped_columns_kept_as_extra(workbook) -> None:
    path = workbook(header=[["STT", "Họ và tên", "Năm sinh", "Đề nghị", "Số điện thoại"]],
                    rows=[[1, "Mai Anh Đào", 1985, "LĐTT", "0912 345 678"]])
    (n,) = read_submission(path).nominees
    assert n.extra == {"Số điện thoại": "0912 345 678"}


def test_exact_duplicate_row_counts_once(workbook) -> None:
    path = workbook(header=[HEADER], rows=[person(1, "Mai Anh Đào"), person(2, "Hà Thu"), person(3, "Mai Anh Đào")])
    s = validate_file(path, "danh-sach.xlsx")
    assert [(n.row, n.duplicate_of) for n in s.nominees] == [(2, None), (3, None), (4, 2)]
    assert s.rows == 2
    assert [(i.row, i.column, i.code, i.severity) for i in s.issues] == [(4, "Họ và tên", "duplicate-in-file", "warning")]
    assert s.status == "ok"


def test_same_person_twice_with_different_awards_is_one_row_per_award(workbook) -> None:
    """Issue 11: one row per award is how many lists are laid out: not a duplicate."""
    path = workbook(header=[HEADER], rows=[person(1, "Mai Anh Đào"), person(2, "Mai  Anh Đào", award="Giấy khen")])
    s = validate_file(path, "danh-sach.xlsx")
    assert s.rows == 2
    assert [(i.row, i.code) for i in s.issues if i.code == "duplicate-in-file"] == []


def test_same_person_twice_with_the_same_award_is_counted_once(workbook) -> None:
    """Found by fresh-eyes testing: the second row was only warned about, and the tally counted both.
    With the same full date of birth it is one person: the second row is an error, left out of the tally."""
    path = workbook(header=[HEADER], rows=[person(1, "Mai Anh Đào"), person(2, "Mai  Anh Đào", position="Tổ trưởng")])
    s = validate_file(path, "danh-sach.xlsx")
    assert s.rows == 2
    [issue] = s.issues
    assert (issue.row, issue.code, issue.severity) == (3, "duplicate-in-file", "error")
    assert "dòng 2" in issue.message and "chưa được tính vào biểu tổng hợp" in issue.message


def test_same_name_and_birth_year_twice_may_be_two_people(workbook) -> None:
    path = workbook(header=[HEADER], rows=[person(1, "Mai Anh Đào", birth=1985),
                                           person(2, "Mai  Anh Đào", birth=1985, position="Tổ trưởng")])
    s = validate_file(path, "danh-sach.xlsx")
    assert [(i.row, i.code, i.severity) for i in s.issues] == [(3, "duplicate-in-file", "warning")]


def test_the_same_collective_twice_however_its_name_is_written_is_counted_once(workbook) -> None:
    header = ["STT", "Tên tập thể", "Danh hiệu đề nghị"]
    rows = [[1, "Trường Mầm non Tân Phú", "Tập thể lao động xuất sắc"], [2, "Tổ Văn phòng", "Tập thể lao động tiên tiến"],
            [3, "Trường MN Tân Phú", "TTLĐXS"]]
    s = validate_file(workbook(title=TITLE, header=[header], rows=rows), "danh-sach.xlsx")
    [issue] = [i for i in s.issues if i.code == "duplicate-in-file"]
    assert (issue.row, issue.severity) == (len(TITLE) + 4, "error")
    assert "cùng tên tập thể" in issue.message and "ngày sinh" not in issue.message


# ---------------------------------------------------------------------------
# Validation: the (row, column, code) a clerk is shown


def test_missing_name_and_missing_award(workbook) -> None:
    path = workbook(header=[HEADER], rows=[person(1, None), person(2, "Hà Thu", award=None), person(3, "Lê Lan", birth=None)])
    assert issues(path) == [
        (2, "Họ và tên", "missing-value"),
        (3, AWARD, "missing-value"),
        (4, "Ngày sinh", "missing-value"),
    ]
    report = validate_paths([str(path)])
    assert [i.severity for i in report.issues] == ["error", "error", "warning"]


def test_collective_award_for_a_person(workbook) -> None:
    path = workbook(header=[HEADER], rows=[person(1, "Hà Thu", award="Cờ thi đua UBND tỉnh")])
    assert issues(path) == [(2, AWARD, "award-target-mismatch")]


def test_individual_award_for_a_collective(workbook) -> None:
    path = workbook(header=[["STT", "Họ và tên cá nhân/Tên tập thể", "Năm sinh", "Đề nghị"]],
                    rows=[["I. CÁ NHÂN"], [1, "Hà Thu", 1990, "LĐTT"],
                          ["II. TẬP THỂ"], [1, "Tổ Toán", None, "LĐTT"], [2, "Tổ Văn", None, "TTLĐTT"]])
    report = validate_paths([str(path)])
    assert [i for i in report.flatten() if i[2] != "unit-uncertain"] == [(5, "Đề nghị", "award-target-mismatch")]
    assert "chỉ dành cho cá nhân" in next(i for i in report.issues if i.code == "award-target-mismatch").message


@pytest.mark.parametrize(
    ("award", "rating", "initiative", "expected"),
    [
        ("CSTĐCS", "HTXSNV", None, []),
        ("CSTĐCS", "HTTNV", None, [(2, AWARD, "criteria-not-met", "error")]),
        ("CSTĐCS", "Hoàn thành tốt nhiệm vụ", "Một số biện pháp dạy đọc cho học sinh lớp 1", []),
        ("LĐTT", "HTTNV", None, []),
        ("LĐTT", "HTNV", None, [(2, "Xếp loại", "criteria-not-met", "error")]),
        ("LĐTT", "Không hoàn thành nhiệm vụ", None, [(2, "Xếp loại", "criteria-not-met", "error")]),
        ("CSTĐCS", None, None, [(2, AWARD, "criteria-not-met", "warning")]),
    ],
)
def test_criteria_one_row_can_show(workbook, award: str, rating: str | None, initiative: str | None, expected: list) -> None:
    path = workbook(header=[HEADER], rows=[person(1, "Hà Thu", award=award, rating=rating, initiative=initiative)])
    report = validate_paths([str(path)])
    assert [(i.row, i.column, i.code, i.severity) for i in report.issues] == expected
    assert report.valid is not any(e[3] == "error" for e in expected)


def test_unrecognised_rating_and_award_kind_are_warnings(workbook) -> None:
    path = workbook(header=[HEADER], rows=[person(1, "Hà Thu", rating="Giỏi"),
                                           person(2, "Lê Lan", award="Lao động tiên tiến (đột xuất)")])
    report = validate_paths([str(path)])
    assert report.flatten(("row", "column", "code", "severity")) == [
        (2, "Xếp loại", "invalid-rating", "warning"),
        (3, AWARD, "invalid-award-kind", "warning"),
    ]
    assert report.valid


def test_legacy_encoding_is_info_only(workbook) -> None:
    path = workbook(header=[HEADER], rows=[person(1, "NguyÔn ThÞ Hoa")], fonts={"B2": ".VnTime"})
    report = validate_paths([str(path)])
    assert report.flatten(("row", "column", "code", "severity")) == [(None, None, "legacy-encoding", "info")]
    assert report.valid and report.submissions[0].status == "ok"


def test_unreadable_and_headerless_files(workbook, tmp_path: Path) -> None:
    not_a_workbook = tmp_path / "thu.xlsx"
    not_a_workbook.write_text("<html><body>xin chào</body></html>", encoding="utf-8")
    headerless = workbook(filename="trong.xlsx", rows=[["Kính gửi Phòng GD&ĐT"], ["Xin gửi danh sách kèm theo."]])
    report = validate_paths([str(not_a_workbook), str(headerless)])
    assert [(s.status, [i.code for i in s.issues]) for s in report.submissions] == [
        ("unreadable", ["unreadable-file"]), ("unreadable", ["no-header"]),
    ]
    assert "HTML" in report.submissions[0].reason
    assert report.to_json_dict()["valid"] is False


# ---------------------------------------------------------------------------
# Pure text helpers


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [("  Nguyễn\xa0 Văn   An ", "Nguyễn Văn An"), (unicodedata.normalize("NFD", "Thủy"), "Thủy"),
     ("Lê\u200bThu", "LêThu"), ("Họ và\ntên", "Họ và tên")],
)
def test_clean(raw: str, cleaned: str) -> None:
    assert clean(raw) == cleaned


def test_fold_ignores_case_and_tone_placement() -> None:
    assert fold("Nguyễn Thị HOÀ") == fold("nguyễn  thị hòa") == "nguyễn thị hòa"
    assert fold("Thuỷ") == fold("Thủy")
    assert fold("Quý") != fold("Qúy")  # "qu" + vowel: the tone belongs on the vowel after "u"


def test_parse_date_and_gender_directly() -> None:
    assert parse_date("31/02/1985").error == "ngày 31/02/1985 không có trên lịch"
    assert parse_date("12/03/85").error == "năm phải viết đủ 4 chữ số"
    assert parse_date(None).day is None and parse_date(None).error is None
    assert (parse_gender("Nữ "), parse_gender("NAM"), parse_gender("X"), parse_gender(None)) == ("nu", "nam", None, None)


@pytest.mark.parametrize(
    ("written", "rating"),
    [("HTXSNV", Rating.HTXSNV), ("Hoàn thành xuất sắc NV", Rating.HTXSNV), ("hoàn thành tốt nhiệm vụ", Rating.HTTNV),
     ("Hoàn thành tốt NV", Rating.HTTNV), ("HTNV", Rating.HTNV), ("Không hoàn thành nhiệm vụ", Rating.KHTNV),
     ("Xuất sắc", Rating.HTXSNV), ("Giỏi", None)],
)
def test_parse_rating(written: str, rating: Rating | None) -> None:
    assert parse_rating(written) == rating


@pytest.mark.parametrize(
    ("written", "shown"),
    [("TRƯỜNG MẦM NON HƯỚNG DƯƠNG", "Trường Mầm non Hướng Dương"), ("TRƯỜNG THCS LÊ QUÝ ĐÔN", "Trường THCS Lê Quý Đôn"),
     ("PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", "Phòng GD&ĐT"), ("UBND PHƯỜNG AN HỘI", "UBND phường An Hội"),
     ("Trường TH Kim Đồng.", "Trường TH Kim Đồng"),
     # found by fresh-eyes testing
     ("TRUNG TÂM GDNN - GDTX KHU VỰC BẮC TRÀ GIANG", "Trung tâm GDNN - GDTX Khu vực Bắc Trà Giang"),
     ("TRƯỜNG MN HOA MAI (CƠ SỞ 2)", "Trường MN Hoa Mai (Cơ sở 2)"),
     ("TRƯỜNG THPT TÔ HIẾN THÀNH", "Trường THPT Tô Hiến Thành"),
     ("UBND THÀNH PHỐ HUẾ", "UBND thành phố Huế"),
     ("TRƯỜNG PHỔ THÔNG DÂN TỘC NỘI TRÚ TRUNG HỌC CƠ SỞ TRÀ CÚ", "Trường Phổ thông Dân tộc Nội trú THCS Trà Cú"),
     ("TRUNG TÂM GIÁO DỤC NGHỀ NGHIỆP - GIÁO DỤC THƯỜNG XUYÊN HUYỆN CÙ LAO DUNG",
      "Trung tâm GDNN-GDTX huyện Cù Lao Dung")],
)
def test_unit_display(written: str, shown: str) -> None:
    assert unit_display(written) == shown


# ---------------------------------------------------------------------------
# Rows that are not nominees (issue 11)


@pytest.mark.parametrize("line", ["Kiên Bình, ngày 15 tháng 5 năm 2025", "Kiên Bình, ngày ... tháng ... năm 2020",
                                  "ngày 20 tháng 5 năm 2025"])
def test_date_line_above_the_signature_block_is_not_a_nominee(workbook, line: str) -> None:
    # The date sits in the award column (the last one), where a nominee's award would be.
    path = workbook(header=[HEADER[:7]], rows=[person(1, "Mai Anh Đào")[:7], person(2, "Hà Thu")[:7]],
                    footer=[[None] * 6 + [line], [None, "NGƯỜI LẬP BIỂU", None, None, None, "HIỆU TRƯỞNG"]])
    s = read_submission(path)
    assert [n.ho_ten for n in s.nominees] == ["Mai Anh Đào", "Hà Thu"]
    assert [i.code for i in s.issues] == []


@pytest.mark.parametrize("numbers", [["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"], [1, 2, 3, 4, 5, 6, 7]])
def test_column_numbers_under_a_two_row_header_with_an_empty_lower_row(workbook, numbers: list) -> None:
    merges = [f"{c}1:{c}2" for c in "ABCDEFG"]
    path = workbook(header=[HEADER[:7], [None] * 7, numbers], merges=merges,
                    rows=[person(1, "Mai Anh Đào")[:7], person(2, "Hà Thu")[:7]])
    s = read_submission(path)
    assert [(n.row, n.ho_ten) for n in s.nominees] == [(4, "Mai Anh Đào"), (5, "Hà Thu")]
    assert [i.code for i in s.issues] == []


def test_cells_merged_down_the_table_are_read_on_every_row(workbook) -> None:
    """Found by fresh-eyes testing: an award merged over six rows was read on the first only, and the
    clerk was told to fill in cells that visibly show it. Merges across (a section's name) copy nothing."""
    rows = [["I. CÁ NHÂN"], *(person(i, f"Người {i}", award="Lao động tiên tiến" if i == 1 else None,
                                     position="Giáo viên" if i == 1 else None) for i in range(1, 7)),
            person(7, "Người 7", award="Chiến sĩ thi đua cơ sở", rating="HTXSNV", initiative="Sáng kiến A"),
            person(8, "Người 8", award=None, rating="HTXSNV", initiative="Sáng kiến B")]
    first = len(TITLE) + 2  # Excel row of "I. CÁ NHÂN"
    path = workbook(title=TITLE, header=[HEADER], rows=rows,
                    merges=[f"A{first}:I{first}", f"G{first + 1}:G{first + 6}", f"E{first + 1}:E{first + 8}",
                            f"G{first + 7}:G{first + 8}"])
    s = read_submission(path)
    assert [(n.ho_ten, [a.code for a in n.awards], n.chuc_vu) for n in s.nominees] == [
        *((f"Người {i}", ["LDTT"], "Giáo viên") for i in range(1, 7)),
        ("Người 7", ["CSTDCS"], "Giáo viên"), ("Người 8", ["CSTDCS"], "Giáo viên")]
    assert [i.code for i in s.issues] == []


def test_an_award_and_its_level_in_two_columns_read_as_one_name(workbook) -> None:
    """Found by fresh-eyes testing: "Danh hiệu" | "Cấp" ("Chiến sĩ thi đua" | "cơ sở") gave unknown awards."""
    header = ["STT", "Họ và tên", "Ngày sinh", "Danh hiệu", "Cấp", "Xếp loại", "Tên sáng kiến"]
    rows = [[1, "An", "01/01/1980", "Chiến sĩ thi đua", "cơ sở", "HTXSNV", None],
            [2, "Bình", "01/01/1981", "Chiến sĩ thi đua", "Tỉnh", "HTXSNV", "Sáng kiến A"],
            [3, "Cúc", "01/01/1982", "Lao động tiên tiến", None, "HTTNV", None],
            [4, "Dung", "01/01/1983", "Lao động tiên tiến", "cơ sở", "HTTNV", None],
            [5, "Em", "01/01/1984", "Bằng khen", "UBND tỉnh", "HTXSNV", None],
            [6, "Gấm", "01/01/1985", "Bằng khen", "Thủ tướng Chính phủ", "HTXSNV", None],
            [7, "Hà", "01/01/1986", "Giấy khen", "Hiệu trưởng", "HTTNV", None],
            [8, "Khánh", "01/01/1987", "Bằng khen", "Huyện", "HTTNV", None],
            [9, "Liên", "01/01/1988", "Chiến sĩ thi đua", None, "HTXSNV", None]]
    s = read_submission(workbook(title=TITLE, header=[header], rows=rows))
    assert [[a.code for a in n.awards] for n in s.nominees] == [
        ["CSTDCS"], ["CSTD_TINH"], ["LDTT"], ["LDTT"], ["BK_TINH"], ["BK_TTG"], ["GK"], [None], [None]]
    assert [n.awards[0].raw for n in s.nominees][:2] == ["Chiến sĩ thi đua cơ sở", "Chiến sĩ thi đua Tỉnh"]
    unknown = {i.row: i for i in s.issues if i.code == "unknown-award"}
    assert sorted(unknown) == [len(TITLE) + 9, len(TITLE) + 10]
    assert unknown[len(TITLE) + 9].value == "Bằng khen Huyện"
    assert "Chiến sĩ thi đua cơ sở" in unknown[len(TITLE) + 10].message  # the likeliest reading is offered


@pytest.mark.parametrize("marks", ["x", "X", "✓"])
def test_a_lone_column_of_women_s_marks_gives_every_gender(workbook, marks: str) -> None:
    """Found by fresh-eyes testing: a "Nữ" column ticked with x was ignored (no gender on any row)."""
    header = ["STT", "Họ và tên", "Ngày sinh", "Nữ", "Danh hiệu đề nghị"]
    rows = [[1, "Lê Thanh Tùng", "01/01/1980", None, "LĐTT"], [2, "Nguyễn Thị Hằng", "02/02/1981", marks, "LĐTT"],
            [3, "Tổ Toán", None, None, "Tập thể lao động tiên tiến"]]
    s = read_submission(workbook(title=TITLE, header=[header], rows=rows))
    assert [n.gioi_tinh for n in s.nominees] == ["nam", "nu", None]
    assert [i.code for i in s.issues] == []


def test_lone_nam_and_nu_columns_of_birth_years_give_birth_and_gender(workbook) -> None:
    header = ["STT", "Họ và tên", "Nam", "Nữ", "Danh hiệu đề nghị"]
    rows = [[1, "Lê Thanh Tùng", 1980, None, "LĐTT"], [2, "Nguyễn Thị Hằng", None, "1985", "LĐTT"]]
    s = read_submission(workbook(title=TITLE, header=[header], rows=rows))
    assert [(n.gioi_tinh, n.nam_sinh) for n in s.nominees] == [("nam", 1980), ("nu", 1985)]
    assert [i.code for i in s.issues] == []


def test_an_empty_lone_nu_column_says_nothing_of_the_men(workbook) -> None:
    header = ["STT", "Họ và tên", "Ngày sinh", "Nữ", "Danh hiệu đề nghị"]
    s = read_submission(workbook(title=TITLE, header=[header], rows=[[1, "Lê Thanh Tùng", "01/01/1980", None, "LĐTT"]]))
    assert [n.gioi_tinh for n in s.nominees] == [None]


def test_the_courtesy_word_under_an_ong_ba_header_is_not_part_of_the_name(workbook) -> None:
    """Found by fresh-eyes testing: "Bà Nguyễn Thị Diệp" was printed for signing and defeated the
    cross-unit match. A surname Ông keeps it, and no other header strips anything."""
    rows = [[1, "Ông Lê Hữu Nghĩa", "01/01/1980", "LĐTT"], [2, "Bà Nguyễn Thị Diệp", "02/02/1981", "LĐTT"],
            [3, "Ông Văn Hưng", "03/03/1982", "LĐTT"]]
    s = read_submission(workbook(title=TITLE, header=[["STT", "Ông (bà)", "Ngày sinh", "Đề nghị"]], rows=rows))
    assert [n.ho_ten for n in s.nominees] == ["Lê Hữu Nghĩa", "Nguyễn Thị Diệp", "Ông Văn Hưng"]
    plain = read_submission(workbook(title=TITLE, header=[["STT", "Họ và tên", "Ngày sinh", "Đề nghị"]], rows=rows,
                                     filename="khac.xlsx"))
    assert [n.ho_ten for n in plain.nominees][0] == "Ông Lê Hữu Nghĩa"


def test_hidden_nominee_rows_are_errors_and_not_counted(workbook, tmp_path: Path) -> None:
    """Found by fresh-eyes testing: two rows a unit had hidden (withdrawn nominees) were counted and
    printed in the list to sign, with no word. They stay in the master as errors, left out of the tally."""
    rows = [person(i, name) for i, name in enumerate(["An", "Bình", "Cúc", "Dung"], start=1)]
    path = workbook(title=TITLE, header=[HEADER], rows=rows)
    book = openpyxl.load_workbook(path)
    ws = book.active
    first = len(TITLE) + 2
    ws.row_dimensions[first + 1].hidden = True
    ws.row_dimensions[first + 3].hidden = True
    ws.row_dimensions[2].hidden = True  # a hidden line of the title block is nobody's row
    ws.auto_filter.ref = f"A{first - 1}:I{first + 3}"
    book.save(path)
    s = validate_file(path, "danh-sach.xlsx")
    assert [n.ho_ten for n in s.nominees] == ["An", "Bình", "Cúc", "Dung"]
    hidden = [(i.row, i.code, i.severity, i.value) for i in s.issues if i.code == "hidden-row"]
    assert hidden == [(first + 1, "hidden-row", "error", "Bình"), (first + 3, "hidden-row", "error", "Dung")]
    master = tmp_path / "tong-hop.xlsx"
    from addin.jobs import merge_job, tally_job
    merge_job(master, [str(path)])
    assert tally_job(master).tally.grand_total == 2


def test_formulas_saved_without_their_values_are_said(workbook) -> None:
    """Found by fresh-eyes testing: a list made by a program (formulas never calculated) lost three of
    its four rows without a word. openpyxl, like such programs, saves formulas with no value."""
    path = workbook(title=TITLE, header=[HEADER], rows=[person(1, "An")])
    book = openpyxl.load_workbook(path)
    ws = book.active
    first = len(TITLE) + 2
    for i in range(1, 4):
        ws.cell(first + i, 1, f"=A{first + i - 1}+1")
        ws.cell(first + i, 2, f'="Người "&A{first + i}')
        ws.cell(first + i, 7, "LĐTT")
    book.save(path)
    s = validate_file(path, "danh-sach.xlsx")
    [issue] = [i for i in s.issues if i.code == "formula-not-calculated"]
    assert issue.severity == "error" and "6 ô công thức" in issue.message and "mở tệp bằng Excel" in issue.message
    assert s.status == "invalid"


def test_an_old_template_typed_in_unicode_reads_as_typed(workbook) -> None:
    """Found by fresh-eyes testing: a .VnTime template typed in Unicode lost every cell with a letter
    beyond Latin-1 (blanked: "Họ và tên" gone, the file rejected) and garbled the rest ("Giỏo viờn")."""
    rows = [[1, "Nguyễn Văn Hải", "01/02/1980", "Nam", "Giáo viên", "Trường Tiểu học Hoa Sen", "Lao động tiên tiến",
             "HTTNV", None], [2, "Lê Hà", "02/03/1981", "Nữ", "Hiệu trưởng", "Trường Tiểu học Hoa Sen",
                              "Lao động tiên tiến", "HTTNV", None]]
    s = read_submission(workbook(title=TITLE, header=[HEADER], rows=rows, font=".VnTime"))
    assert [(n.ho_ten, n.chuc_vu) for n in s.nominees] == [("Nguyễn Văn Hải", "Giáo viên"), ("Lê Hà", "Hiệu trưởng")]
    assert s.unit == "Trường Tiểu học Hoa Sen" and [i.code for i in s.issues if i.severity != "info"] == []


@pytest.mark.parametrize("birth", [datetime(2031, 1, 1), 60, "1/1/1900", 1905])
def test_a_birth_no_nominee_can_have_is_an_error(workbook, birth: Any) -> None:
    """Found by fresh-eyes testing: a future date, Excel's 1900 (serial 60, an emptied date cell) and
    "1/1/1900" were printed in the list to sign with status OK."""
    s = read_submission(workbook(title=TITLE, header=[HEADER], rows=[person(1, "An", birth=birth)]))
    [issue] = [i for i in s.issues if i.code == "invalid-date"]
    assert issue.severity == "error" and "không hợp lý" in issue.message
    assert s.nominees[0].ngay_sinh is None and s.nominees[0].nam_sinh is None


def test_a_second_table_on_the_sheet_is_read_by_its_own_header(workbook) -> None:
    """Found by fresh-eyes testing: the collectives' table under the individuals', with its own header
    ("Tên tập thể", "Số thành viên", the award in another column), gave a nominee named "Tên tập thể",
    awards read as genders and 12 members as a birth date: nine errors for nothing wrong."""
    individuals = [person(1, "An"), person(2, "Bình", award="CSTĐCS", rating="HTXSNV")]
    collectives = [["STT", "Tên tập thể", "Số thành viên", "Danh hiệu đề nghị"],
                   [1, "Tổ Toán - Tin", 12, "Tập thể lao động xuất sắc"], [2, "Tổ Văn phòng", 6, "TTLĐTT"]]
    rows = [*individuals, [], [], ["II. TẬP THỂ"], *collectives]
    s = validate_file(workbook(title=TITLE, header=[HEADER], rows=rows), "danh-sach.xlsx")
    assert [(n.ho_ten, n.target.value, [a.code for a in n.awards], n.ngay_sinh) for n in s.nominees][2:] == [
        ("Tổ Toán - Tin", "tap_the", ["TTLDXS"], None), ("Tổ Văn phòng", "tap_the", ["TTLDTT"], None)]
    assert len(s.nominees) == 4 and [i.code for i in s.issues if i.severity != "info"] == []


def test_a_collective_proposed_twice_for_one_award_among_others_is_counted_once(workbook) -> None:
    """Round 3 of fresh-eyes testing: "TTLĐXS; GK" then "TTLĐXS" for the same school escaped the check
    (the award sets differ) and TTLĐXS was tallied twice."""
    header = ["STT", "Tên tập thể", "Danh hiệu đề nghị"]
    rows = [[1, "Trường Mầm non Tân Phú", "Tập thể lao động xuất sắc; Giấy khen"], [2, "Tổ Văn phòng", "TTLĐTT"],
            [3, "Trường MN Tân Phú", "TTLĐXS"], [4, "Tổ Văn phòng", "Giấy khen"]]
    s = validate_file(workbook(title=TITLE, header=[header], rows=rows), "danh-sach.xlsx")
    dup = [(i.row, i.severity) for i in s.issues if i.code == "duplicate-in-file"]
    assert dup == [(len(TITLE) + 4, "error")]  # one row per award (Tổ Văn phòng) is not a duplicate


def test_people_under_a_school_s_group_line_work_there(workbook) -> None:
    """Round 2 of fresh-eyes testing: a district's list grouped under "1. Trường Tiểu học Sông Cầu" lines,
    with no workplace column, left "Đơn vị công tác" empty in DanhSach and in the list to sign."""
    header = ["STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Danh hiệu đề nghị"]
    rows = [["I. CÁ NHÂN"], ["1. Trường Tiểu học Sông Cầu"], [1, "An", "01/01/1980", "Giáo viên", "LĐTT"],
            ["2. TRƯỜNG THCS SÔNG CẦU"], [1, "Bình", "01/01/1981", "Giáo viên", "LĐTT"],
            ["II. TẬP THỂ"], [1, "Tổ Toán", None, None, "TTLĐTT"]]
    title = [["UBND HUYỆN SÔNG CẦU"], ["PHÒNG GIÁO DỤC VÀ ĐÀO TẠO"], ["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025"]]
    s = read_submission(workbook(title=title, header=[header], rows=rows))
    assert [(n.ho_ten, n.don_vi) for n in s.nominees] == [
        ("An", "Trường Tiểu học Sông Cầu"), ("Bình", "Trường THCS Sông Cầu"), ("Tổ Toán", None)]
    assert s.unit == "Phòng GD&ĐT huyện Sông Cầu"


def test_a_workbook_named_for_the_other_format_is_read_by_its_content(workbook, tmp_path: Path) -> None:
    """Round 3 of fresh-eyes testing: an .xlsx saved under .xls (and the reverse) was called damaged
    ("(ZipError)", "(CalamineError)"), though Excel opens both."""
    path = workbook(title=TITLE, header=[HEADER], rows=[person(1, "An"), person(2, "Bình")])
    renamed = path.rename(tmp_path / "danh-sach.xls")
    s = read_submission(renamed)
    assert [n.ho_ten for n in s.nominees] == ["An", "Bình"] and s.status != "unreadable"


def test_an_xls_named_xlsx_is_read_by_its_content(samples: Path, tmp_path: Path) -> None:
    import shutil

    old = next(samples.glob("*.xls"))
    copy = tmp_path / "ds.xlsx"
    shutil.copy(old, copy)
    assert read_submission(copy).rows == read_submission(old).rows > 0
