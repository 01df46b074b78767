"""The award tally: counts by category and unit, the TongHop sheet, and what a clerk prints."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine as pc

from addin.catalogue import default_catalogue
from addin.jobs import merge_job, tally_job
from addin.schema import MasterRow
from addin.tally import parse_codes, tally

from conftest import SAMPLES, needs_samples

needs_libreoffice = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                                       reason="LibreOffice (soffice) and pdftotext are needed to render sheets")

# The samples README's award counts, summed over the six files (rows with planted errors left out).
SAMPLE_TOTALS = {
    ("LDTT", "ca_nhan", "thuong_xuyen"): 20 + 16 + 10 + 12 + 12 + 11,
    ("CSTDCS", "ca_nhan", "thuong_xuyen"): 7 + 5 + 5 + 3 + 4 + 3,
    ("GK", "ca_nhan", "thuong_xuyen"): 3 + 4 + 1 + 3 + 2 + 1,
    ("GK", "ca_nhan", "dot_xuat"): 1,
    ("BK_TINH", "ca_nhan", "thuong_xuyen"): 2 + 2 + 1 + 1,
    ("BK_TINH", "ca_nhan", "dot_xuat"): 1,
    ("BK_TINH", "ca_nhan", "chuyen_de"): 1,
    ("KNC_GD", "ca_nhan", "thuong_xuyen"): 1 + 1,
    ("CSTD_TINH", "ca_nhan", "thuong_xuyen"): 1 + 1,
    ("NGUT", "ca_nhan", "thuong_xuyen"): 1,
    ("BK_TTG", "ca_nhan", "thuong_xuyen"): 1,
    ("BK_BO", "ca_nhan", "thuong_xuyen"): 1,
    ("TTLDXS", "tap_the", "thuong_xuyen"): 1,
    ("GK", "tap_the", "thuong_xuyen"): 1,
    ("TTLDTT", "tap_the", "thuong_xuyen"): 3,
}


@pytest.fixture(scope="module")
def sample_master(tmp_path_factory) -> Path:
    if not SAMPLES.is_dir():
        pytest.skip(f"sample workbooks not found at {SAMPLES}")
    master = tmp_path_factory.mktemp("tally") / "tong-hop.xlsx"
    report = merge_job(master, [str(SAMPLES)], unit="Sở GD&ĐT Trà Giang")
    assert report.error is None
    return master


def row(unit: str, codes: str, *, target: str = "Cá nhân", status: str = "OK", year: str | None = "2024-2025") -> MasterRow:
    return MasterRow.of(unit=unit, ma=codes, target=target, status=status, nam_hoc=year)


def test_parse_codes_of_a_master_cell() -> None:
    assert parse_codes("LDTT; GK (đột xuất); ?; BK_TINH (chuyên đề)") == [
        ("LDTT", parse_codes("LDTT")[0][1]), ("GK", parse_codes("GK (đột xuất)")[0][1]),
        ("BK_TINH", parse_codes("BK_TINH (chuyên đề)")[0][1])]
    assert [k.value for _, k in parse_codes("LDTT; GK (đột xuất); BK_TINH (chuyên đề)")] == [
        "thuong_xuyen", "dot_xuat", "chuyen_de"]


def test_categories_in_rank_order_individuals_first_units_in_list_order() -> None:
    rows = [row("Trường B", "LDTT"), row("Trường A", "CSTDCS; GK (đột xuất)"), row("Trường A", "LDTT"),
            row("Trường B", "TTLDTT", target="Tập thể"), row("Trường A", "BK_TINH", target="Tập thể")]
    t = tally(rows, default_catalogue())
    assert t.units == ["Trường B", "Trường A"]
    assert [(r.code, r.target.value, r.kind.value, r.by_unit) for r in t.rows] == [
        ("CSTDCS", "ca_nhan", "thuong_xuyen", {"Trường A": 1}),
        ("GK", "ca_nhan", "dot_xuat", {"Trường A": 1}),
        ("LDTT", "ca_nhan", "thuong_xuyen", {"Trường B": 1, "Trường A": 1}),
        ("BK_TINH", "tap_the", "thuong_xuyen", {"Trường A": 1}),
        ("TTLDTT", "tap_the", "thuong_xuyen", {"Trường B": 1}),
    ]
    assert t.grand_total == 6
    assert t.rows[1].label == "Giấy khen (cá nhân, đột xuất)"


def test_error_rows_are_left_out_and_years_filter() -> None:
    rows = [row("A", "LDTT"), row("A", "LDTT", status="Lỗi"), row("A", "LDTT", status="Cảnh báo"),
            row("A", "LDTT", year="2023-2024")]
    t = tally(rows, default_catalogue())
    assert (t.grand_total, t.counted_rows, t.skipped_error_rows) == (3, 3, 1)
    assert tally(rows, default_catalogue(), count_errors=True).grand_total == 4
    assert tally(rows, default_catalogue(), years=["2023-2024"]).grand_total == 1
    assert tally(rows, default_catalogue(), years=["2023-2024", "2024-2025"]).grand_total == 3
    assert tally(rows, default_catalogue(), years=["2019-2020"]).rows == []


def test_empty_categories_only_when_asked() -> None:
    t = tally([row("A", "LDTT")], default_catalogue(), include_empty=True)
    keys = {(r.code, r.target.value, r.kind.value) for r in t.rows}
    assert ("CO_CP", "tap_the", "thuong_xuyen") in keys and ("BK_TTG", "ca_nhan", "dot_xuat") in keys
    assert ("LDTT", "tap_the", "thuong_xuyen") not in keys  # LĐTT is for individuals only
    assert t.grand_total == 1


@needs_samples
def test_sample_master_tally_matches_the_samples_readme(sample_master: Path) -> None:
    report = tally_job(sample_master)
    assert report.error is None
    got = {(r.code, r.target.value, r.kind.value): r.total for r in report.tally.rows}
    assert got == SAMPLE_TOTALS
    assert report.tally.grand_total == sum(SAMPLE_TOTALS.values())
    assert report.tally.skipped_error_rows == 4  # the four error rows of "MN Huong Duong - co loi.xlsx"


@needs_samples
def test_tally_sheet_and_chart_are_written(sample_master: Path) -> None:
    report = tally_job(sample_master)
    book = openpyxl.load_workbook(sample_master)
    ws = book["TongHop"]
    # STT, category, one column per unit (6 units fit across), total; the chart's data lies beyond, unprinted
    width = 2 + len(report.tally.units) + 1
    values = [[c.value for c in r][:width] for r in ws.iter_rows()]
    header = next(i for i, r in enumerate(values) if r[0] == "STT")
    assert values[header][:2] == ["STT", "Danh hiệu, hình thức khen thưởng"]
    assert values[header][2:-1] == report.tally.units and values[header][-1] == "Tổng cộng"
    # the header row is written again at the top of each printed page: the body is the numbered rows
    assert all(r == values[header] for r in values[header + 1:] if r[0] == "STT")
    body = [r for r in values[header + 1:] if isinstance(r[0], int)]
    assert [r[1] for r in body] == [r.label for r in report.tally.rows]
    assert [r[-1] for r in body] == [r.total for r in report.tally.rows]
    totals = next(r for r in values[header + 1:] if r[1] == "Tổng cộng")
    assert totals[-1] == report.tally.grand_total
    assert ws.print_options is not None and ws.page_setup.orientation == "landscape"
    # no print titles: Excel would repeat them over the chart's page (the header rows are in the sheet)
    assert ws.print_title_rows is None
    with zipfile.ZipFile(sample_master) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        chart = z.read(charts[0]).decode("utf-8")
        assert "Số danh hiệu, hình thức đề nghị theo đơn vị" in chart
        # readable on a black-and-white printer: one series of bars, dark grey, each labelled with its number
        assert chart.count("<c:ser>") == 1 and '<c:barDir val="bar"/>' in chart and '<c:showVal val="1"/>' in chart
        assert set(re.findall(r'<a:srgbClr val="([0-9A-F]{6})"', chart)) <= {"404040", "000000", "FFFFFF"}
    # A second tally replaces the sheet and its chart rather than adding another.
    tally_job(sample_master)
    with zipfile.ZipFile(sample_master) as z:
        assert len([n for n in z.namelist() if n.startswith("xl/charts/chart")]) == 1


@needs_samples
def test_tally_cli_json(sample_master: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "addin.cli", "tally", str(sample_master), "--json"],
                         capture_output=True, text=True, encoding="utf-8")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) >= {"rows", "grand_total"}
    assert data["grand_total"] == sum(SAMPLE_TOTALS.values())
    for r in data["rows"]:
        assert set(r) == {"code", "target", "kind", "label", "total", "by_unit"}
        assert r["target"] in ("ca_nhan", "tap_the") and r["kind"] in ("thuong_xuyen", "dot_xuat", "chuyen_de")
        assert r["total"] == sum(r["by_unit"].values())
    missing = subprocess.run([sys.executable, "-m", "addin.cli", "tally", str(sample_master.with_name("khong-co.xlsx"))],
                             capture_output=True, text=True)
    assert missing.returncode == 2


@needs_samples
@needs_libreoffice
def test_printed_tally_has_the_official_frame_and_totals(sample_master: Path, tmp_path: Path) -> None:
    tally_job(sample_master)
    shutil.copy(sample_master, tmp_path / "so.xlsx")
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "so.xlsx")],
                   check=True, capture_output=True, timeout=180)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "so.pdf"), "-"], capture_output=True, text=True).stdout
    pages = text.split("\f")
    tally_pages = [p for p in pages if "BIỂU TỔNG HỢP KẾT QUẢ ĐỀ NGHỊ KHEN THƯỞNG" in p]
    assert tally_pages, "the tally title is not in the PDF"
    # the table runs over pages (12 pt at 100%, its header on each); the signatures close it
    start = pages.index(tally_pages[0])
    end = next(i for i in range(start, len(pages)) if "THỦ TRƯỞNG ĐƠN VỊ" in pages[i])
    page = "\n".join(pages[start:end + 1])
    for words in ("SỞ GD&ĐT TRÀ GIANG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                  "NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ", "Lao động tiên tiến (cá nhân)", "Tổng cộng"):
        assert words in page, words
    total_line = next(line for line in page.splitlines() if "Tổng cộng" in line and any(ch.isdigit() for ch in line))
    assert total_line.split()[-1] == str(sum(SAMPLE_TOTALS.values()))
    # page numbers as Nghị định 30/2020 sets them: none on the first page, at the top of the others
    assert "Trang" not in page
    assert all(p.strip().split()[0].isdigit() for p in pages[start + 1:end + 1])
    assert any("Số danh hiệu, hình thức đề nghị theo đơn vị" in p for p in pages)  # the chart renders


@needs_samples
@needs_libreoffice
def test_export_one_sheet_to_pdf(sample_master: Path, tmp_path: Path) -> None:
    tally_job(sample_master)
    before = sample_master.read_bytes()
    out = tmp_path / "in" / "tong-hop.pdf"
    done = subprocess.run([sys.executable, "-m", "addin.cli", "export", str(sample_master), "--sheet", "TongHop",
                           "--pdf", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True).stdout
    assert "BIỂU TỔNG HỢP KẾT QUẢ ĐỀ NGHỊ KHEN THƯỞNG" in text
    assert "DANH SÁCH TỔNG HỢP ĐỀ NGHỊ KHEN THƯỞNG" not in text  # only the sheet asked for
    assert "Mã lỗi" not in text
    assert sample_master.read_bytes() == before  # exporting never touches the master
    wrong = subprocess.run([sys.executable, "-m", "addin.cli", "export", str(sample_master), "--sheet", "Khong",
                            "--pdf", str(tmp_path / "x.pdf")], capture_output=True, text=True, timeout=300)
    assert wrong.returncode == 1 and "không có trang" in wrong.stderr.lower()


def test_export_without_libreoffice_says_so(tmp_path: Path, monkeypatch) -> None:
    from addin.workbook import export

    monkeypatch.setattr(export, "find_soffice", lambda: None)
    with pytest.raises(export.ExportError, match="Chưa cài LibreOffice"):
        export.export_pdf(tmp_path / "so.xlsx", "TongHop", tmp_path / "x.pdf")


@needs_samples
@needs_libreoffice
def test_printed_merged_list_has_the_official_frame(sample_master: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "danh-sach.pdf"
    done = subprocess.run([sys.executable, "-m", "addin.cli", "export", str(sample_master), "--sheet", "DanhSach",
                           "--pdf", str(pdf)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert "DANH SÁCH TỔNG HỢP ĐỀ NGHỊ KHEN THƯỞNG" in pages[0] and "SỞ GD&ĐT TRÀ GIANG" in pages[0]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in pages[0]
    assert len(pages) > 1 and all("Họ và tên" in p for p in pages)  # the header repeats on every page
    assert "NGƯỜI LẬP BIỂU" in pages[-1] and "THỦ TRƯỞNG ĐƠN VỊ" in pages[-1]
    assert "Hồ Thị Ngọc" in text and "SHA-256" not in text  # provenance columns are not printed


def test_tally_year_counts_only_that_years_rows_of_a_multi_year_list(tmp_path: Path) -> None:
    """Issue 11: a multi-year list ('Năm học' column, spaced '2015 - 2016') is counted by each row's own year."""
    from conftest import Sheet, write_workbook

    header = ["STT", "Họ và tên", "Năm sinh", "Năm học", "Danh hiệu đề nghị"]
    people = [("Lê Thị Hoa", 1980), ("Trần Văn Nam", 1982), ("Phạm Thu Hà", 1979)]
    rows, n = [], 0
    for year, awards in (("2015 - 2016", ["LĐTT", "LĐTT", "CSTĐCS"]), ("2016 - 2017", ["LĐTT", "CSTĐCS", "CSTĐCS"])):
        for (name, born), award in zip(people, awards):
            n += 1
            rows.append([n, name, born, year, award])
    path = write_workbook(tmp_path / "kq-2015-2017.xlsx", [Sheet(
        title=[["TRƯỜNG TIỂU HỌC HOA SEN"], ["DANH SÁCH CÁ NHÂN ĐẠT DANH HIỆU THI ĐUA 2015 - 2017"]],
        header=[header], rows=rows)])
    master = tmp_path / "tong-hop.xlsx"
    merged = merge_job(master, [str(path)])
    assert merged.error is None and merged.rows_total == 6
    assert [i.code for i in merged.issues() if i.code == "duplicate-in-file"] == []

    def counts(years: list[str] | None) -> dict[str, int]:
        report = tally_job(master, years=years)
        assert report.error is None
        return {r["code"]: r["total"] for r in report.to_json_dict()["rows"]}

    assert counts(["2015-2016"]) == {"LDTT": 2, "CSTDCS": 1}
    assert counts(["2015 - 2016"]) == {"LDTT": 2, "CSTDCS": 1}
    assert counts(["2016-2017"]) == {"LDTT": 1, "CSTDCS": 2}
    assert counts(None) == {"LDTT": 3, "CSTDCS": 3}
    absent = tally_job(master, years=["2017-2018"])  # a year the master does not hold: said, never an empty table
    assert absent.failure is not None and absent.failure.code == "invalid-school-year"
    assert "2015-2016, 2016-2017" in absent.error


def test_rows_without_a_school_year_left_out_of_a_years_tally_are_said() -> None:
    """Found by fresh-eyes testing: `tally --year` dropped the lists that name no school year with no word."""
    rows = [row("A", "LDTT"), row("B", "LDTT", year=None), row("B", "CSTDCS", year=None),
            row("B", "LDTT", year=None, status="Lỗi"), row("C", "LDTT", year="2023-2024")]
    t = tally(rows, default_catalogue(), years=["2024-2025"])
    assert (t.grand_total, t.no_year_rows) == (1, 2)  # an error row would not be counted anyway
    assert "2 dòng không ghi năm học" in t.no_year_note() and "2024-2025" in t.no_year_note()
    assert t.to_json()["no_year_rows"] == 2
    every = tally(rows, default_catalogue())
    assert (every.grand_total, every.no_year_rows, every.no_year_note()) == (4, 0, "")


def test_a_tally_of_every_year_over_lists_of_several_says_so() -> None:
    rows = [row("A", "LDTT"), row("A", "LDTT", year="2022 - 2023"), row("B", "CSTDCS", year=None),
            row("C", "LDTT"), row("C", "LDTT", year="2025-2026")]
    t = tally(rows, default_catalogue())
    assert t.years_held == ["2022-2023", "2024-2025", "2025-2026"]
    assert "3 năm học" in t.several_years_note() and "--year 2024-2025" in t.several_years_note()  # most rows'
    rows = rows[:3]
    assert tally(rows, default_catalogue(), years=["2024-2025"]).several_years_note() == ""
    assert tally(rows[:1], default_catalogue()).several_years_note() == ""


def test_a_kind_the_award_does_not_have_is_counted_as_the_award() -> None:
    """Found by fresh-eyes testing: "LĐTT (đột xuất)" (warned) made a tally row for a category that does not exist."""
    t = tally([row("A", "LDTT (đột xuất)"), row("A", "LDTT"), row("B", "GK (đột xuất)")], default_catalogue())
    assert [(r.code, r.kind.value, r.total) for r in t.rows] == [("GK", "dot_xuat", 1), ("LDTT", "thuong_xuyen", 2)]


def _list_to_sign(master: Path) -> str:
    rows = pc.CalamineWorkbook.from_path(str(master)).get_sheet_by_name("DanhSachTrinhKy").to_python()
    return next(v for r in rows for v in r if isinstance(v, str) and v.startswith("Ghi chú"))


def test_the_tally_makes_the_list_to_sign_again_after_the_clerk_edits_danhsach(tmp_path: Path) -> None:
    """Found by fresh-eyes testing: a status the clerk changed by hand in DanhSach (Lỗi -> OK) was counted
    by the tally while the list to sign still left the row out: two signed pages that disagree."""
    from conftest import Sheet, write_workbook

    rows = [[1, "Nguyễn Văn An", "12/03/1980", "Lao động tiên tiến"], [2, "Trần Thị Bình", "31/02/1985", "LĐTT"]]
    source = write_workbook(tmp_path / "ds.xlsx", [Sheet(title=[["TRƯỜNG THCS LÊ LỢI"]],
                                                         header=[["STT", "Họ và tên", "Ngày sinh", "Đề nghị"]], rows=rows)])
    master = tmp_path / "tong-hop.xlsx"
    merge_job(master, [str(source)])
    assert "gồm 1 dòng" in _list_to_sign(master)
    fresh = tally_job(master)
    assert (fresh.tally.grand_total, fresh.print_list_refreshed) == (1, False)  # as the merge left it: not made again

    # the clerk's edit, kept in the file as Excel keeps the rest of the package (the merge's seal stays)
    with zipfile.ZipFile(master) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    sheet = next(n for n, data in parts.items() if n.startswith("xl/worksheets/") and b"31/02/1985" in data)
    parts[sheet] = parts[sheet].replace("<t>Lỗi</t>".encode(), b"<t>OK</t>", 1)
    with zipfile.ZipFile(master, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    edited = tally_job(master)
    assert (edited.tally.grand_total, edited.print_list_refreshed) == (2, True)
    assert "gồm 2 dòng" in _list_to_sign(master)
    assert tally_job(master).print_list_refreshed is False  # made from the edited sheet: not again

    # a program that drops the seal (openpyxl here): the list cannot be compared, so it is made again
    book = openpyxl.load_workbook(master)
    book.save(master)
    assert tally_job(master).print_list_refreshed is True
    assert tally_job(master).print_list_refreshed is False


def test_the_tally_s_subtitle_names_the_one_school_year_its_book_holds(tmp_path: Path) -> None:
    """Round 2 of fresh-eyes testing: "(tất cả các năm học trong sổ)" under a book of one year."""
    from addin.settings import Settings
    from addin.workbook.masterbook import tally_sheet

    t = tally([row("A", "LDTT")], default_catalogue())
    assert "(Năm học 2024-2025)" in str(tally_sheet(t, Settings()).layout)
    assert "(Năm học 2024-2025)" in str(tally_sheet(tally([row("A", "LDTT")], default_catalogue(), years=["2024-2025"]),
                                                    Settings()).layout)
