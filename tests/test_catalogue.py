"""Award names as clerks write them, read against the catalogue and the master's DanhMuc sheet."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from addin.catalogue import SHEET_COLUMNS, Catalogue, catalogue_from_sheet, default_catalogue, default_sheet_rows
from addin.schema import CATALOGUE as SHEET
from addin.ingest import read_submission
from addin.models import AwardKind
from addin.workbook.master import SheetData, write_sheets
from addin.workbook.masterbook import read_master

TX, DX, CD = AwardKind.THUONG_XUYEN, AwardKind.DOT_XUAT, AwardKind.CHUYEN_DE
THEME = "Xây dựng trường học thân thiện, học sinh tích cực"
COMMITTED_MASTER = Path(__file__).resolve().parents[1] / "workbooks" / "tdkt-tong-hop.xlsm"
HEADER = ["STT", "Họ và tên", "Năm sinh", "Giới tính", "Danh hiệu đề nghị"]
TITLE = [["Đơn vị: Trường Tiểu học Kim Đồng"]]


def read(text: str, catalogue: Catalogue | None = None) -> list[tuple[str | None, AwardKind, str | None]]:
    return [(m.code, m.kind, m.theme) for m in (catalogue or default_catalogue()).match(text)]


@pytest.mark.parametrize(
    ("written", "code", "kind", "theme"),
    [
        # the kind inside the phrase, any case
        ("Bằng khen chuyên đề của Chủ tịch UBND tỉnh", "BK_TINH", CD, None),
        ("Bằng khen đột xuất của Chủ tịch UBND tỉnh", "BK_TINH", DX, None),
        ("BẰNG KHEN CHUYÊN ĐỀ CỦA CHỦ TỊCH UBND TỈNH", "BK_TINH", CD, None),
        ("bằng khen đột xuất của chủ tịch ubnd tỉnh", "BK_TINH", DX, None),
        ("Bằng khen thường xuyên của Chủ tịch UBND tỉnh", "BK_TINH", TX, None),
        ("Đột xuất: Bằng khen UBND tỉnh", "BK_TINH", DX, None),
        ("Bằng khen UBND tỉnh (ĐX)", "BK_TINH", DX, None),
        ("BK UBND tỉnh - CĐ", "BK_TINH", CD, None),
        ("Bằng khen theo chuyên đề của UBND tỉnh", "BK_TINH", CD, None),
        ("Khen thưởng đột xuất - Bằng khen của Bộ trưởng Bộ GD&ĐT", "BK_BO", DX, None),
        ("Giấy khen đột xuất của Hiệu trưởng", "GK", DX, None),
        ("Bằng khen Thủ tướng Chính phủ (chuyên đề)", "BK_TTG", CD, None),
        # a quoted theme, kept as written
        (f"Bằng khen chuyên đề “{THEME}” của Chủ tịch UBND tỉnh", "BK_TINH", CD, THEME),
        (f'Bằng khen chuyên đề "{THEME}" của Chủ tịch UBND tỉnh', "BK_TINH", CD, THEME),
        (f"Bằng khen chuyên đề «{THEME}» của Chủ tịch UBND tỉnh", "BK_TINH", CD, THEME),
        (f"BK Chủ tịch UBND tỉnh chuyên đề “{THEME}”", "BK_TINH", CD, THEME),
        (f"BK UBND tỉnh chuyên đề “  {THEME} ”", "BK_TINH", CD, THEME),
        ("Bằng khen của Bộ trưởng Bộ GD&ĐT chuyên đề “Chuyển đổi số”", "BK_BO", CD, "Chuyển đổi số"),
        ("Giấy khen chuyên đề “An toàn giao thông” của Giám đốc Sở", "GK", CD, "An toàn giao thông"),
        (f"BK UBND tỉnh chuyên đề “{THEME}", "BK_TINH", CD, THEME),  # the closing quote forgotten
        # quotes that are not a theme: a one-off award's reason, a school's name
        ("Bằng khen đột xuất “Phòng chống dịch Covid-19” của Chủ tịch UBND tỉnh", "BK_TINH", DX, None),
        ("Giấy khen của Hiệu trưởng trường “Nguyễn Du”", "GK", TX, None),
        # an unquoted theme after "chuyên đề"
        ("GK chuyên đề chuyển đổi số", "GK", CD, "chuyển đổi số"),
        ("BK UBND tỉnh chuyên đề: Học tập và làm theo Bác", "BK_TINH", CD, "Học tập và làm theo Bác"),
        # i/y spellings
        ("Kỉ niệm chương Vì sự nghiệp giáo dục", "KNC_GD", TX, None),
        ("Kỷ niệm chương Vì sự nghiệp giáo dục", "KNC_GD", TX, None),
        ("Kỉ niệm chương “Vì sự nghiệp giáo dục”", "KNC_GD", TX, None),
        ("Chiến sỹ thi đua cơ sở", "CSTDCS", TX, None),
        ("Chiến sỹ thi đua cấp tỉnh", "CSTD_TINH", TX, None),
        ("Chiến sỹ thi đua toàn quốc", "CSTD_TQ", TX, None),
        ("Ki niem chuong vi su nghiep giao duc", "KNC_GD", TX, None),
        ("Chien sy thi dua co so", "CSTDCS", TX, None),
        # abbreviated words
        ("KNC Vì sự nghiệp GD", "KNC_GD", TX, None),
        ("KNC VSNGD", "KNC_GD", TX, None),
        ("KNC", "KNC_GD", TX, None),
        ("BK CT UBND tỉnh", "BK_TINH", TX, None),
        ("BK Bộ GD&ĐT", "BK_BO", TX, None),
        ("BK Bộ GD & ĐT", "BK_BO", TX, None),
        ("BK Bộ GD-ĐT", "BK_BO", TX, None),
        ("BK Bộ GDĐT", "BK_BO", TX, None),
        ("Bằng khen Bộ trưởng Bộ Giáo dục và Đào tạo", "BK_BO", TX, None),
        ("BK TTg", "BK_TTG", TX, None),
        ("BK TTCP", "BK_TTG", TX, None),
        ("Bằng khen TTg CP", "BK_TTG", TX, None),
        ("CSTĐ CS", "CSTDCS", TX, None),
        ("CSTĐCS", "CSTDCS", TX, None),
        ("CSTĐ TQ", "CSTD_TQ", TX, None),
        ("LĐ TT", "LDTT", TX, None),  # TT: tiên tiến here, tập thể below
        ("TT LĐTT", "TTLDTT", TX, None),
        ("TT LĐ XS", "TTLDXS", TX, None),
        ("TTLĐXS", "TTLDXS", TX, None),
        ("HCLĐ hạng Ba", "HCLD3", TX, None),
        ("HC LĐ hạng III", "HCLD3", TX, None),
        ("HCLĐ Nhì", "HCLD2", TX, None),
        ("HCLĐ hạng 1", "HCLD1", TX, None),
        ("NGƯT", "NGUT", TX, None),
        ("Cờ thi đua XS UBND tỉnh", "CO_TINH", TX, None),
        ("Cờ thi đua CP", "CO_CP", TX, None),
        ("Cờ thi đua xuất sắc của Bộ GD&ĐT", "CO_BO", TX, None),
        # filler words
        ("Danh hiệu Lao động tiên tiến", "LDTT", TX, None),
        ("Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh", "BK_TINH", TX, None),
        ("Đề nghị công nhận danh hiệu Chiến sĩ thi đua cơ sở", "CSTDCS", TX, None),
        ("Hình thức khen thưởng: Giấy khen", "GK", TX, None),
        ("Tặng Kỷ niệm chương Vì sự nghiệp giáo dục", "KNC_GD", TX, None),
        ("Bằng khen Chủ tịch tỉnh", "BK_TINH", TX, None),
        ("Lao động tiên tiến năm học 2024-2025", "LDTT", TX, None),
        ("CSTĐ cơ sở năm 2025", "CSTDCS", TX, None),
        # extra spaces, punctuation, tone placement, non-breaking spaces
        ("  Bằng   khen\u00a0của  Chủ tịch  UBND   tỉnh.  ", "BK_TINH", TX, None),
        ("Bằng khen (của Chủ tịch UBND tỉnh)", "BK_TINH", TX, None),
        ("Bằng khen của Chủ tịch Uỷ ban nhân dân tỉnh", "BK_TINH", TX, None),
        ("Lao động tiên tiến.", "LDTT", TX, None),
        ("Chiến sĩ thi đua - cơ sở", "CSTDCS", TX, None),
        ("Tập thể Lao động Xuất sắc!", "TTLDXS", TX, None),
        ("Kỷ niệm chương 'Vì sự nghiệp giáo dục'", "KNC_GD", TX, None),
        # codes typed into the award column
        ("CSTD_TINH", "CSTD_TINH", TX, None),
        ("BK_TINH [dot_xuat]", "BK_TINH", DX, None),
    ],
)
def test_award_spellings(written: str, code: str, kind: AwardKind, theme: str | None) -> None:
    assert read(written) == [(code, kind, theme)]


@pytest.mark.parametrize(
    ("written", "code", "not_code"),
    [
        ("Bằng khen của Bộ trưởng", "BK_BO", "BK_TINH"),
        ("Bằng khen UBND tỉnh", "BK_TINH", "BK_BO"),
        ("Bằng khen của Thủ tướng Chính phủ", "BK_TTG", "BK_BO"),
        ("Cờ thi đua UBND tỉnh", "CO_TINH", "BK_TINH"),
        ("Huân chương Lao động hạng Nhì", "HCLD2", "HCLD3"),
        ("Huân chương Lao động hạng Ba", "HCLD3", "HCLD2"),
        ("HCLĐ hạng II", "HCLD2", "HCLD3"),
        ("Chiến sĩ thi đua cơ sở", "CSTDCS", "CSTD_TINH"),
        ("Chiến sĩ thi đua cấp tỉnh", "CSTD_TINH", "CSTDCS"),
        ("Chiến sĩ thi đua cấp Bộ", "CSTD_BO", "CSTD_TINH"),
        ("Lao động tiên tiến", "LDTT", "TTLDTT"),
        ("Tập thể lao động tiên tiến", "TTLDTT", "LDTT"),
        ("Tập thể lao động xuất sắc", "TTLDXS", "TTLDTT"),
        ("Nhà giáo Ưu tú", "NGUT", "NGND"),
        ("Bằng khen chuyên đề “Vì sự nghiệp giáo dục” của UBND tỉnh", "BK_TINH", "KNC_GD"),
    ],
)
def test_near_misses_do_not_match_the_wrong_award(written: str, code: str, not_code: str) -> None:
    assert [c for c, _, _ in read(written)] == [code] != [not_code]


@pytest.mark.parametrize(
    "written",
    [
        "Bằng khen",  # of whom? a level is needed
        "Chiến sĩ thi đua",
        "Lao động xuất sắc",  # individuals have no such title
        "Huân chương Lao động",  # which class?
        "Bằng khen của UBND huyện",
        "Bằng khen Công đoàn ngành",
        "Huy hiệu Ngôi sao Giáo dục",
        "Hoàn thành xuất sắc nhiệm vụ",  # a rating in the award column
        "Kỷ niệm chương Vì sự nghiệp Công đoàn",
        "Bằng khen “Vì sự nghiệp giáo dục”",  # a quoted theme is not an issuer
        "Chuyên đề",
        "",
    ],
)
def test_names_that_are_not_in_the_catalogue(written: str) -> None:
    assert [c for c, _, _ in read(written)] == [None]


def test_a_filler_that_tells_two_awards_apart_still_counts() -> None:
    catalogue = catalogue_from_sheet(sheet([
        ["BK_CD", "Bằng khen của Công đoàn ngành", "IC", 12, "TX", ""],
        ["BK_CT_CD", "Bằng khen của Chủ tịch Công đoàn ngành", "IC", 12, "TX", ""],
    ]))
    assert catalogue is not None
    assert read("Bằng khen Công đoàn ngành", catalogue) == [("BK_CD", TX, None)]
    assert read("BK của Chủ tịch Công đoàn ngành", catalogue) == [("BK_CT_CD", TX, None)]
    assert read("BK CT Công đoàn ngành", catalogue) == [("BK_CT_CD", TX, None)]
    # where it tells nothing apart, "chủ tịch" is a filler like "của"
    assert read("BK Chủ tịch tỉnh", catalogue) == [("BK_TINH", TX, None)]


def test_a_cell_naming_several_awards_keeps_a_theme_with_commas_whole() -> None:
    assert read(f"BK UBND tỉnh chuyên đề “{THEME}”; LĐTT") == [("BK_TINH", CD, THEME), ("LDTT", TX, None)]
    assert read("CSTĐCS, Giấy khen đột xuất") == [("CSTDCS", TX, None), ("GK", DX, None)]
    assert read("LĐTT; Huy hiệu") == [(None, TX, None)]  # not half-read


# Found by fresh-eyes testing: an open-ended name ("Giấy khen ...") took the rest of the cell as its
# issuer, and the second award vanished from the tally with no message.
@pytest.mark.parametrize(
    ("written", "read_as"),
    [
        ("Giấy khen Hiệu trưởng, LĐTT", [("GK", TX, None), ("LDTT", TX, None)]),
        ("Giấy khen Giám đốc Sở, Chiến sĩ thi đua cơ sở", [("GK", TX, None), ("CSTDCS", TX, None)]),
        ("GK Giám đốc Sở + BK UBND tỉnh", [("GK", TX, None), ("BK_TINH", TX, None)]),
        ("Giấy khen Chủ tịch UBND xã; TTLĐTT", [("GK", TX, None), ("TTLDTT", TX, None)]),
        ("Danh hiệu LĐTT và Giấy khen Hiệu trưởng", [("LDTT", TX, None), ("GK", TX, None)]),
        ("Chiến sĩ thi đua cơ sở và Bằng khen UBND tỉnh", [("CSTDCS", TX, None), ("BK_TINH", TX, None)]),
        # a second award the catalogue lacks comes back unknown: the cell is flagged, not half-read
        ("Giấy khen, Huân chương Độc lập hạng Ba", [("GK", TX, None), (None, TX, None)]),
        ("Giấy khen Hiệu trưởng và Bằng khen Tỉnh ủy", [("GK", TX, None), (None, TX, None)]),
        # what is not an award stays the open-ended name's issuer, kind or theme
        ("Giấy khen của Chủ tịch UBND xã Tân An, huyện Kiên Lương", [("GK", TX, None)]),
        ("Giấy khen Giám đốc Sở Giáo dục và Đào tạo", [("GK", TX, None)]),
        ("Giấy khen của Giám đốc Sở GD&ĐT, đột xuất", [("GK", DX, None)]),
        ("Giấy khen chuyên đề dạy tốt, học tốt", [("GK", CD, "dạy tốt, học tốt")]),
        ("Bằng khen Bộ trưởng Bộ Giáo dục và Đào tạo", [("BK_BO", TX, None)]),
        # the province's name after "UBND tỉnh"
        ("Bằng khen UBND tỉnh Trà Giang", [("BK_TINH", TX, None)]),
        ("Bằng khen của Chủ tịch UBND tỉnh Quảng Nam - đột xuất", [("BK_TINH", DX, None)]),
        ("Cờ thi đua của UBND tỉnh Quảng Nam", [("CO_TINH", TX, None)]),
        ("Bằng khen UBND tỉnh Trà Giang, LĐTT", [("BK_TINH", TX, None), ("LDTT", TX, None)]),
    ],
)
def test_an_open_ended_name_never_swallows_another_award(written: str, read_as: list[tuple]) -> None:
    assert read(written) == read_as


def test_a_match_is_memoised() -> None:
    catalogue = default_catalogue()
    first = catalogue.match("Bằng khen đột xuất của Chủ tịch UBND tỉnh")
    assert catalogue.match("Bằng khen đột xuất của Chủ tịch UBND tỉnh") is first
    # another way of writing the same words is read from the memo of the normalised text
    assert read("BẰNG KHEN ĐỘT XUẤT CỦA CHỦ TỊCH UBND TỈNH") == [(m.code, m.kind, m.theme) for m in first]


@pytest.mark.parametrize(
    ("written", "nearest"),
    [
        ("Bằng khen của Chủ tịch UBND huyện Quảng Nam", ["Bằng khen của Chủ tịch UBND tỉnh"]),
        ("Bằng khen", ["Bằng khen của Bộ trưởng Bộ GD&ĐT", "Bằng khen của Chủ tịch UBND tỉnh",
                       "Bằng khen của Thủ tướng Chính phủ"]),
        ("Lao động tiên tiếnn", ["Lao động tiên tiến", "Tập thể lao động tiên tiến"]),
        ("Huy hiệu Ngôi sao Giáo dục", []),
    ],
)
def test_an_unknown_award_proposes_the_nearest_names(written: str, nearest: list[str]) -> None:
    assert default_catalogue().match(written)[0].code is None
    assert default_catalogue().nearest(written) == nearest


def test_the_theme_and_the_nearest_names_reach_the_clerk(workbook) -> None:
    path = workbook(header=[HEADER], title=TITLE, rows=[
        [1, "Lê Thị Hoa", 1985, "Nữ", f"Bằng khen chuyên đề “{THEME}” của Chủ tịch UBND tỉnh"],
        [2, "Trần Văn Nam", 1980, "Nam", "Bằng khen của UBND huyện Quảng Nam"],
        [3, "Đỗ Thu", 1990, "Nữ", "Huy hiệu Ngôi sao Giáo dục"],
    ])
    s = read_submission(path)
    assert [[(a.code, a.kind, a.theme) for a in n.awards] for n in s.nominees] == [
        [("BK_TINH", CD, THEME)], [(None, TX, None)], [(None, TX, None)]]
    messages = {i.row: i.message for i in s.issues if i.code == "unknown-award"}
    assert set(messages) == {4, 5}
    assert "Có phải: Bằng khen của Chủ tịch UBND tỉnh?" in messages[4]
    assert "Có phải" not in messages[5] and "bổ sung vào danh mục" in messages[5]


# ---------------------------------------------------------------------------
# The master's DanhMuc sheet adds to the defaults


def sheet(rows: list[list[object]], headers: list[str] | None = None) -> list[list[object]]:
    return [["DANH MỤC DANH HIỆU"], headers or [h for _, h, _ in SHEET_COLUMNS], *rows]


def test_danhmuc_additions_are_recognised_and_the_defaults_remain() -> None:
    catalogue = catalogue_from_sheet(sheet([
        ["GK_HT", "Giấy khen của Hiệu trưởng", "IC", 16, "TX|DX", "GK Hiệu trưởng|Giấy khen HT"],
        ["HH_CD", "Huy hiệu Ngôi sao Giáo dục", "I", 14.0, "TX", "Huy hiệu NSGD"],
        ["LDTT", "Lao động tiên tiến (cá nhân)", "I", 20, "", "Lao động giỏi"],
    ]))
    assert catalogue is not None
    assert set(default_catalogue().awards) < set(catalogue.awards)
    assert read("Giấy khen của Hiệu trưởng", catalogue) == [("GK_HT", TX, None)]
    assert read("GK HT đột xuất", catalogue) == [("GK_HT", DX, None)]
    assert read("Giấy khen của Giám đốc Sở", catalogue) == [("GK", TX, None)]  # the default's "Giấy khen ..."
    assert read("Huy hiệu NSGD", catalogue) == [("HH_CD", TX, None)]
    assert read("Huy hiệu Ngôi sao Giáo dục", catalogue) == [("HH_CD", TX, None)]
    # an award in both: the sheet's name and rank, the ways of writing it of both
    assert catalogue["LDTT"].name == "Lao động tiên tiến (cá nhân)" and catalogue.rank("LDTT") == 20
    assert catalogue["LDTT"].kinds == default_catalogue()["LDTT"].kinds  # an empty cell keeps the default's
    for written in ("Lao động giỏi", "LĐTT", "Lao động tiên tiến"):
        assert read(written, catalogue) == [("LDTT", TX, None)]
    assert catalogue["BK_TINH"] == default_catalogue()["BK_TINH"]


def test_an_old_master_s_pattern_column_is_read_as_plain_words_or_ignored() -> None:
    old_headers = [h for _, h, _ in SHEET_COLUMNS[:5]] + ["Cách viết khác (ngăn cách bởi |)",
                                                           "Mẫu nhận dạng (biểu thức chính quy)"]
    catalogue = catalogue_from_sheet(sheet([
        ["CSTDCS", "Chiến sĩ thi đua cơ sở", "I", 13, "TX", "CSTĐCS", r"^chiến sĩ thi đua (cấp )?cơ sở$"],
        ["GK_HT", "Giấy khen của Hiệu trưởng", "I", "mười sáu", "TX", "", "^giấy khen hiệu trưởng trường$"],
        ["X", "Danh hiệu lạ", "I", 30, "TX", "", "(["],  # never compiled: never crashes either
    ], old_headers))
    assert catalogue is not None
    assert read("Chiến sĩ thi đua cơ sở", catalogue) == [("CSTDCS", TX, None)]
    assert read("Giấy khen Hiệu trưởng trường", catalogue) == [("GK_HT", TX, None)]
    assert catalogue.rank("GK_HT") == 99  # a rank that is not a number
    assert all("(" not in s for a in catalogue.awards.values() for s in a.synonyms)


def test_a_sheet_without_the_table_gives_no_catalogue() -> None:
    assert catalogue_from_sheet([["Ghi chú"], ["Mã số", "Tên"]]) is None
    assert catalogue_from_sheet(sheet([[None, "Không có mã"]])) is None


def test_the_default_sheet_rows_hold_no_regular_expression() -> None:
    rows = default_sheet_rows()
    assert [r[0] for r in rows] == list(default_catalogue().awards)
    assert all(len(r) == len(SHEET_COLUMNS) for r in rows)
    assert not any(ch in cell for r in rows for cell in r for ch in "^$\\[")


def test_a_master_s_danhmuc_sheet_extends_the_catalogue_of_every_run(tmp_path: Path, workbook) -> None:
    master = tmp_path / "so.xlsm"
    shutil.copy(COMMITTED_MASTER, master)
    rows = [["GK_HT", "Giấy khen của Hiệu trưởng", "I", 16, "TX", "GK Hiệu trưởng"]]  # only the addition
    write_sheets(master, [SheetData(SHEET, [h for _, h, _ in SHEET_COLUMNS], rows)], keep_backups=0)
    content = read_master(master)
    assert set(content.catalogue.awards) == set(default_catalogue().awards) | {"GK_HT"}
    path = workbook(header=[HEADER], title=TITLE, rows=[
        [1, "Lê Thị Hoa", 1985, "Nữ", "GK hiệu trưởng"],
        [2, "Trần Văn Nam", 1980, "Nam", "Kỉ niệm chương Vì sự nghiệp GD"],
    ])
    s = read_submission(path, catalogue=content.catalogue)
    assert [[a.code for a in n.awards] for n in s.nominees] == [["GK_HT"], ["KNC_GD"]]
    assert not s.issues
