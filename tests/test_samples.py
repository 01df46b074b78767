"""The shared sample workbooks read and validate the way their README describes."""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from addin.catalogue import default_catalogue
from addin.ingest import find_header, read_submission
from addin.models import Nominee, Severity, Submission, Target
from addin.jobs import validate_paths
from addin.validate import validate_file
from addin.workbook.reader import read_workbook

LE_QUY_DON = "THCS Le Quy Don - DS de nghi KT 2024-2025.xlsx"
QUANG_TRUNG = "TH Quang Trung.xls"
LONG_PHU = "PGD Long Phu (font VnTime).xlsx"
AN_HOI = "DS khen thuong - UBND phuong An Hoi.xlsx"
CHU_VAN_AN = "THPT Chu Van An - ca nhan, tap the.xlsx"
HUONG_DUONG = "MN Huong Duong - co loi.xlsx"


@dataclass(frozen=True)
class Expected:
    """What samples/README.md says about one file."""

    unit: str
    header_rows: tuple[int, int]  # first and last Excel row of the header band
    first_data_row: int
    rows: int
    individuals: int
    collectives: int
    awards: dict[str, int]  # "CODE", "CODE [dot_xuat]", "CODE (tập thể)" -> count
    error_rows: frozenset[int] = field(default_factory=frozenset)  # planted errors, not counted


EXPECTED = {
    LE_QUY_DON: Expected(
        unit="Trường THCS Lê Quý Đôn", header_rows=(7, 8), first_data_row=9,
        rows=30, individuals=30, collectives=0,
        awards={"CSTD_TINH": 1, "CSTDCS": 7, "LDTT": 20, "BK_BO": 1, "BK_TINH": 2,
                "GK [dot_xuat]": 1, "GK": 3, "KNC_GD": 1},
    ),
    QUANG_TRUNG: Expected(
        unit="Trường Tiểu học Quang Trung", header_rows=(7, 8), first_data_row=9,
        rows=24, individuals=24, collectives=0,
        awards={"CSTDCS": 5, "LDTT": 16, "BK_TINH [chuyen_de]": 1, "GK": 4, "KNC_GD": 1},
    ),
    LONG_PHU: Expected(
        unit="Phòng GD&ĐT huyện Long Phú", header_rows=(7, 7), first_data_row=8,
        rows=20, individuals=20, collectives=0,
        awards={"CSTD_TINH": 1, "CSTDCS": 5, "LDTT": 10, "NGUT": 1, "BK_TINH": 2, "GK": 1},
    ),
    AN_HOI: Expected(
        unit="UBND phường An Hội", header_rows=(3, 3), first_data_row=4,
        rows=20, individuals=20, collectives=0,
        awards={"CSTDCS": 3, "LDTT": 12, "BK_TINH [dot_xuat]": 1, "BK_TINH": 1, "GK": 3},
    ),
    CHU_VAN_AN: Expected(
        unit="Trường THPT Chu Văn An", header_rows=(4, 4), first_data_row=6,
        rows=25, individuals=20, collectives=5,
        awards={"CSTDCS": 4, "LDTT": 12, "BK_TTG": 1, "BK_TINH": 1, "GK": 2, "GK (tập thể)": 1,
                "TTLDXS": 1, "TTLDTT": 3},
    ),
    HUONG_DUONG: Expected(
        unit="Trường Mầm non Hướng Dương", header_rows=(3, 3), first_data_row=4,
        rows=19, individuals=20, collectives=0,  # 20 rows, one an exact duplicate
        awards={"CSTDCS": 3, "LDTT": 11, "GK": 1},
        error_rows=frozenset({6, 10, 13, 17, 20}),
    ),
}


def award_counts(submission: Submission, skip_rows: frozenset[int]) -> dict[str, int]:
    """Awards counted the README's way: one per filled award cell, kind and collective marked."""
    catalogue = default_catalogue()
    counts: Counter[str] = Counter()
    for n in submission.nominees:
        if n.row in skip_rows:
            continue
        for award in n.awards:
            label = award.code or "?"
            if award.kind != "thuong_xuyen":
                label += f" [{award.kind.value}]"
            if award.code and n.target == Target.TAP_THE and len(catalogue[award.code].targets) > 1:
                label += " (tập thể)"
            counts[label] += 1
    return dict(counts)


def by_row(submission: Submission) -> dict[int, Nominee]:
    return {n.row: n for n in submission.nominees}


def test_every_sample_is_described(samples: Path) -> None:
    on_disk = {p.name for p in samples.iterdir() if p.suffix in (".xlsx", ".xls")}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_reads_as_described(samples: Path, name: str) -> None:
    expected = EXPECTED[name]
    submission = validate_file(samples / name, name)

    assert submission.unit == expected.unit
    assert submission.nam_hoc == "2024-2025"
    assert submission.rows == expected.rows
    targets = Counter(n.target for n in submission.nominees)
    assert (targets[Target.CA_NHAN], targets[Target.TAP_THE]) == (expected.individuals, expected.collectives)
    assert min(n.row for n in submission.nominees) == expected.first_data_row
    assert award_counts(submission, expected.error_rows) == expected.awards
    assert all(n.unit == expected.unit and n.file == name for n in submission.nominees)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_header_band(samples: Path, name: str) -> None:
    sheet = next(s for s in read_workbook(samples / name).sheets if s.visible)
    band = find_header(sheet)
    assert band is not None
    assert (band.first_row + 1, band.last_row + 1) == EXPECTED[name].header_rows


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - {HUONG_DUONG}))
def test_clean_samples_have_no_errors(samples: Path, name: str) -> None:
    submission = validate_file(samples / name, name)
    assert [(i.row, i.column, i.code) for i in submission.issues if i.severity == Severity.ERROR] == []
    assert submission.status == "ok"


# Concrete rows, read off the workbooks cell by cell: Excel row -> (name, birth, gender, award codes).
CONCRETE_ROWS = {
    LE_QUY_DON: {
        9: ("Trần Quốc Công", 1992, "nam", ["CSTD_TINH"]),
        12: ("Hồ Thị Lài", 1968, "nu", ["CSTDCS"]),
        15: ("Lê Thu Đào", 1992, "nu", ["CSTDCS", "BK_TINH"]),
        37: ("Vũ Thu Hạ", 1992, "nu", ["GK"]),
        38: ("Nguyễn Văn Thái", 1971, "nam", ["KNC_GD"]),
    },
    QUANG_TRUNG: {
        9: ("Võ Thị Mận", date(1985, 5, 19), "nu", ["CSTDCS"]),
        13: ("Phạm Văn Hưng", date(1987, 2, 7), "nam", ["CSTDCS", "BK_TINH"]),
        32: ("Nguyễn Kim Trâm", date(1978, 1, 7), "nu", ["KNC_GD"]),
    },
    LONG_PHU: {
        8: ("Phan Thị Xoan", date(1997, 1, 14), "nu", ["CSTD_TINH"]),
        10: ("Trần Thị Đào", date(1973, 5, 18), "nu", ["CSTDCS"]),
        24: ("Trần Thanh Thoa", date(1976, 12, 11), "nu", ["NGUT"]),
        27: ("Nguyễn Văn Vương", date(1986, 7, 3), "nam", ["GK"]),
    },
    AN_HOI: {
        4: ("Hồ Thị Ngọc", date(1978, 5, 19), "nu", ["LDTT"]),
        5: ("Nguyễn Bích Nhi", date(1998, 11, 28), "nu", ["GK"]),
        7: ("Lê Văn Tùng", 1977, "nam", ["BK_TINH"]),
        8: ("Phan Tấn Kha", date(1970, 4, 3), "nam", ["LDTT"]),
        9: ("Huỳnh Thị Thu Nhi", 1994, "nu", ["LDTT"]),
    },
    CHU_VAN_AN: {
        6: ("Phạm Thị Cúc", 1982, "nu", ["CSTDCS"]),
        22: ("Đặng Thị Ngọc Huệ", 1971, "nu", ["BK_TTG"]),
        27: ("Trường THPT Chu Văn An", None, None, ["TTLDXS"]),
        30: ("Tổ Ngoại ngữ", None, None, ["GK"]),
    },
    HUONG_DUONG: {
        4: ("Trần Thị Trâm", date(1993, 5, 15), "nu", ["CSTDCS"]),
        12: ("Trần Văn Chiến", date(1997, 12, 24), "nam", ["LDTT"]),
        23: ("Châu Thị Xoan", date(1986, 4, 21), "nu", ["LDTT"]),
    },
}


@pytest.mark.parametrize(
    ("name", "row"), [(name, row) for name, rows in CONCRETE_ROWS.items() for row in rows]
)
def test_sample_concrete_row(samples: Path, name: str, row: int) -> None:
    ho_ten, birth, gender, codes = CONCRETE_ROWS[name][row]
    n = by_row(read_submission(samples / name))[row]
    if isinstance(birth, date):
        assert (n.ngay_sinh, n.nam_sinh) == (birth, birth.year)
    else:
        assert (n.ngay_sinh, n.nam_sinh) == (None, birth)
    assert (n.ho_ten, n.gioi_tinh, [a.code for a in n.awards]) == (ho_ten, gender, codes)


def test_huong_duong_gives_exactly_the_planted_errors(samples: Path) -> None:
    report = validate_paths([str(samples / HUONG_DUONG)])
    assert report.flatten(("row", "column", "code")) == [
        (6, "Họ và tên", "missing-value"),
        (10, "Ngày sinh", "invalid-date"),
        (13, "Danh hiệu/Hình thức đề nghị", "unknown-award"),
        (17, "Họ và tên", "duplicate-in-file"),
        (20, "Danh hiệu/Hình thức đề nghị", "award-target-mismatch"),
    ]
    assert [i.severity for i in report.issues] == ["error", "error", "error", "warning", "error"]
    assert report.valid is False
    submission = report.submissions[0]
    assert submission.status == "invalid"
    assert by_row(submission)[17].duplicate_of == 8
    assert submission.rows == 19
    shown = report.to_json_dict()["files"][0]
    assert {k: shown[k] for k in ("unit", "rows", "status", "errors", "warnings", "sheets")} == {
        "unit": "Trường Mầm non Hướng Dương", "rows": 19, "status": "invalid",
        "errors": 4, "warnings": 1, "sheets": ["Sheet1"],
    }


def test_huong_duong_formula_looking_name_stays_text(samples: Path) -> None:
    n = by_row(read_submission(samples / HUONG_DUONG))[22]
    assert n.ho_ten == '=HYPERLINK("http://example.com","Lê Thị Cúc")'
    assert [a.code for a in n.awards] == ["LDTT"]


def test_long_phu_tcvn3_decodes_to_unicode(samples: Path) -> None:
    submission = validate_file(samples / LONG_PHU, LONG_PHU)
    rows = by_row(submission)
    assert rows[8].ho_ten == "Phan Thị Xoan"
    assert (rows[8].chuc_vu, rows[8].don_vi) == ("Hiệu trưởng", "Trường THCS Long Phú")  # "ư" was U+00AD
    assert rows[9].ho_ten == "Lưu Kim Vy"
    assert rows[16].ho_ten == "Hoàng Ngọc Hiển"
    assert submission.unit == "Phòng GD&ĐT huyện Long Phú"
    assert submission.unit_source == "title"
    assert submission.title == "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025"  # .VnTimeH, upper-cased
    assert submission.document_date == date(2025, 5, 19)
    assert submission.columns["Sheet1"]["ho_ten"] == "Họ và tên"
    assert {n.don_vi for n in submission.nominees} == {
        "Trường THCS Long Phú", "Trường TH Long Phú", "Trường MN Long Hưng", "Phòng GD&ĐT huyện Long Phú",
    }
    legacy = [i for i in submission.issues if i.code == "legacy-encoding"]
    assert [(i.severity, i.sheet) for i in legacy] == [("info", "Sheet1")]
    assert ".VnTime" in legacy[0].message


def test_quang_trung_xls_reads_gender_from_birth_columns(samples: Path) -> None:
    submission = read_submission(samples / QUANG_TRUNG)
    assert submission.columns["Sheet1"]["birth_nam"] == "Ngày, tháng, năm sinh - Nam"
    genders = Counter(n.gioi_tinh for n in submission.nominees)
    assert genders == {"nam": 5, "nu": 19}
    assert submission.document_date == date(2025, 5, 16)
    assert submission.nominees[-1].row == 32  # the footer (rows 34-40, signers' names) is not data


def test_an_hoi_names_come_out_nfc_with_single_spaces(samples: Path) -> None:
    submission = read_submission(samples / AN_HOI)
    for n in submission.nominees:
        assert unicodedata.is_normalized("NFC", n.ho_ten), n.row
        assert n.ho_ten == " ".join(n.ho_ten.split()) and "\xa0" not in n.ho_ten, n.row
    rows = by_row(submission)
    assert [rows[r].ho_ten for r in (4, 9, 10, 16, 21)] == [
        "Hồ Thị Ngọc", "Huỳnh Thị Thu Nhi", "Lê Thu Lài", "Lâm Thị Trâm", "Hoàng Kim Sen",
    ]
    assert all(n.gioi_tinh in ("nam", "nu") for n in submission.nominees)
    assert submission.columns["Sheet1"]["ho_ten"] == "Họ và tên"


def test_chu_van_an_sections_set_the_target(samples: Path) -> None:
    submission = read_submission(samples / CHU_VAN_AN)
    collectives = [n.ho_ten for n in submission.nominees if n.target == Target.TAP_THE]
    assert collectives == ["Trường THPT Chu Văn An", "Tổ Toán - Tin", "Tổ Ngữ văn", "Tổ Ngoại ngữ", "Tổ Văn phòng"]
    assert "Tổng cộng" not in [n.ho_ten for n in submission.nominees]
    assert [n.stt for n in submission.nominees if n.target == Target.TAP_THE] == ["1", "2", "3", "4", "5"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_nominees_round_trip_through_validation(samples: Path, name: str) -> None:
    # Ingest builds models without validation (fast_model); this keeps their types honest.
    submission = read_submission(samples / name)
    assert submission.nominees
    for n in submission.nominees:
        again = Nominee.model_validate(n.model_dump(), strict=True)
        assert again == n
        assert again.model_dump(mode="json") == n.model_dump(mode="json")
