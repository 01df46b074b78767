"""The award history register: `tdkt import-history`, `tdkt record`, identity, and `tdkt validate --history`.

Workbooks are built in tmp_path the way units and offices send them (title block, header, rows),
the real commands run through click, and the master is read back cell by cell.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import python_calamine as pc
from click.testing import CliRunner

from addin.cli import main
from conftest import Sheet, write_workbook

RESULT_HEADER = ["STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Đơn vị công tác", "Danh hiệu", "Xếp loại", "Số quyết định"]
PROPOSAL_HEADER = ["STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Đơn vị công tác", "Danh hiệu đề nghị", "Xếp loại",
                   "Tên sáng kiến"]
LE_LOI = "Trường THCS Lê Lợi"


def results(path: Path, year: str | None, rows: list[list[Any]]) -> Path:
    """A past year's result list as the Sở publishes it (the year in the title, or nowhere)."""
    title = f"DANH SÁCH CÁ NHÂN ĐẠT DANH HIỆU THI ĐUA NĂM HỌC {year}" if year else "DANH SÁCH CÁ NHÂN ĐẠT DANH HIỆU THI ĐUA"
    numbered = [[i, *r] for i, r in enumerate(rows, start=1)]
    return write_workbook(path, [Sheet(title=[["SỞ GIÁO DỤC VÀ ĐÀO TẠO"], [title], []], header=[RESULT_HEADER],
                                       rows=numbered)])


def proposals(path: Path, day: date, rows: list[list[Any]]) -> Path:
    """A unit's proposal list dated in its title block."""
    numbered = [[i, *r] for i, r in enumerate(rows, start=1)]
    title = [["TRƯỜNG THCS LÊ LỢI", None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
             [None, None, None, None, f"Trà Giang, ngày {day.day} tháng {day.month} năm {day.year}"],
             ["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025"], []]
    return write_workbook(path, [Sheet(title=title, header=[PROPOSAL_HEADER], rows=numbered)])


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def sheet(master: Path, name: str) -> list[dict[str, Any]]:
    """A sheet of the master as dicts by header (first row is the header)."""
    book = pc.CalamineWorkbook.from_path(str(master))
    rows = book.get_sheet_by_name(name).to_python()
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def past_years(folder: Path) -> Path:
    folder.mkdir()
    results(folder / "ket-qua-2022-2023.xlsx", "2022-2023", [
        ["Nguyễn Văn An", "12/03/1980", "Giáo viên", LE_LOI, "Chiến sĩ thi đua cơ sở", "HTXSNV", "101/QĐ-SGDĐT"],
        ["Trần Thị Bình", "05/09/1985", "Tổ trưởng", LE_LOI, "LĐTT", "HTTNV", "101/QĐ-SGDĐT"],
    ])
    results(folder / "ket-qua-2023-2024.xlsx", "2023-2024", [
        ["Nguyễn Văn An", "12/03/1980", "Giáo viên", LE_LOI, "LĐTT", "HTTNV", "202/QĐ-SGDĐT"],
        ["Trần Thị Bình", "05/09/1985", "Tổ trưởng", LE_LOI, "CSTĐCS", "HTXSNV", "202/QĐ-SGDĐT"],
    ])
    return folder


def test_import_history_creates_the_master_and_reads_past_lists(tmp_path):
    master = tmp_path / "tong-hop.xlsx"
    code, out = run("import-history", str(master), str(past_years(tmp_path / "cu")))
    assert code == 0, out
    assert "4 dòng mới" in out
    book = pc.CalamineWorkbook.from_path(str(master))
    assert {"LichSu", "QuyDinh", "CauHinh"} <= set(book.sheet_names)
    rows = sheet(master, "LichSu")
    assert [(r["Họ và tên"], r["Năm học"], r["Mã khen thưởng"], r["Xếp loại"], r["Số quyết định"]) for r in rows] == [
        ("Nguyễn Văn An", "2022-2023", "CSTDCS", "HTXSNV", "101/QĐ-SGDĐT"),
        ("Trần Thị Bình", "2022-2023", "LDTT", "HTTNV", "101/QĐ-SGDĐT"),
        ("Nguyễn Văn An", "2023-2024", "LDTT", "HTTNV", "202/QĐ-SGDĐT"),
        ("Trần Thị Bình", "2023-2024", "CSTDCS", "HTXSNV", "202/QĐ-SGDĐT"),
    ]
    assert rows[0]["Ngày sinh"] == date(1980, 3, 12) and rows[0]["Đơn vị"] == LE_LOI
    assert rows[0]["Nguồn"].endswith("ket-qua-2022-2023.xlsx » Sheet1, dòng 5")
    rules = sheet(master, "QuyDinh")
    assert {"Quy tắc": "BK_TTG", "Tham số": "so_nam_lien_tuc", "Giá trị": 5.0}.items() <= rules[
        next(i for i, r in enumerate(rules) if r["Tham số"] == "so_nam_lien_tuc" and r["Quy tắc"] == "BK_TTG")].items()


def test_import_history_again_adds_nothing_and_keeps_the_clerks_edits(tmp_path):
    master = tmp_path / "tong-hop.xlsx"
    past = past_years(tmp_path / "cu")
    run("import-history", str(master), str(past))
    # The clerk notes a maternity leave, adds a column of their own, and changes a rule parameter.
    book = openpyxl.load_workbook(master)
    ws = book["LichSu"]
    headers = [c.value for c in ws[1]]
    ws.cell(3, headers.index("Nghỉ thai sản") + 1, "Có")
    ws.cell(1, len(headers) + 1, "Ghi chú của văn phòng")
    ws.cell(3, len(headers) + 1, "Đã đối chiếu bản gốc")
    rules = book["QuyDinh"]
    for row in rules.iter_rows(min_row=2):
        if row[0].value == "BK_TINH" and row[1].value == "so_nam_cstdcs":
            row[2].value = 3
    book.save(master)
    code, out = run("import-history", str(master), str(past), "--json")
    data = json.loads(out)
    assert (code, data["added"], data["updated"], data["unchanged"]) == (0, 0, 0, 4)
    results(tmp_path / "them.xlsx", "2024-2025", [["Trần Thị Bình", "05/09/1985", "Tổ trưởng", LE_LOI, "LĐTT", "HTTNV", "303/QĐ"]])
    code, out = run("import-history", str(master), str(tmp_path / "them.xlsx"))
    assert code == 0, out
    rows = sheet(master, "LichSu")
    assert len(rows) == 5
    assert rows[1]["Nghỉ thai sản"] == "Có" and rows[1]["Ghi chú của văn phòng"] == "Đã đối chiếu bản gốc"
    [edited] = [r for r in sheet(master, "QuyDinh") if r["Quy tắc"] == "BK_TINH" and r["Tham số"] == "so_nam_cstdcs"]
    assert edited["Giá trị"] == 3


def test_a_list_without_a_school_year_is_reported_or_takes_year(tmp_path):
    master = tmp_path / "tong-hop.xlsx"
    results(tmp_path / "khong-nam.xlsx", None, [["Lê Văn Cường", "20/11/1978", "Giáo viên", LE_LOI, "LĐTT", "HTTNV", None]])
    code, out = run("import-history", str(master), str(tmp_path / "khong-nam.xlsx"), "--json")
    data = json.loads(out)
    assert data["added"] == 0 and data["skipped_errors"] == 1
    [issue] = [i for i in data["issues"] if i["code"] == "missing-value"]
    assert issue["row"] == 5 and "--year 2022-2023" in issue["message"]
    code, out = run("import-history", str(master), str(tmp_path / "khong-nam.xlsx"), "--year", "2021-2022")
    assert code == 0 and [r["Năm học"] for r in sheet(master, "LichSu")] == ["2021-2022"]


def test_ambiguous_identity_is_reported_never_merged(tmp_path):
    master = tmp_path / "tong-hop.xlsx"
    results(tmp_path / "a.xlsx", "2022-2023", [
        ["Nguyễn Văn An", "12/03/1980", "Giáo viên", LE_LOI, "CSTĐCS", "HTXSNV", None],
        ["Nguyễn Văn An", "05/07/1980", "Giáo viên", "Trường TH Kim Đồng", "LĐTT", "HTTNV", None],
    ])
    run("import-history", str(master), str(tmp_path / "a.xlsx"))
    results(tmp_path / "b.xlsx", "2023-2024", [["Nguyễn Văn An", "1980", "Giáo viên", "Trường THPT Chu Văn An", "LĐTT", "HTTNV", None]])
    code, out = run("import-history", str(master), str(tmp_path / "b.xlsx"), "--json")
    data = json.loads(out)
    [issue] = [i for i in data["issues"] if i["code"] == "ambiguous-identity"]
    assert issue["severity"] == "warning"
    assert "sinh 12/03/1980, Trường THCS Lê Lợi (LichSu dòng 2)" in issue["message"]
    assert "sinh 05/07/1980, Trường TH Kim Đồng (LichSu dòng 3)" in issue["message"]
    rows = sheet(master, "LichSu")
    assert len(rows) == 3 and rows[2]["Năm sinh"] == 1980 and rows[2]["Ngày sinh"] == ""
    # validate --history does not guess either
    proposals(tmp_path / "de-nghi.xlsx", date(2025, 5, 20), [
        ["Nguyễn Văn An", "1980", "Giáo viên", "Trường THCS Nguyễn Du", "Bằng khen UBND tỉnh", "HTTNV", None]])
    code, out = run("validate", "--history", str(master), str(tmp_path / "de-nghi.xlsx"), "--json")
    codes = [i["code"] for i in json.loads(out)["issues"]]
    assert "ambiguous-identity" in codes and "criteria-not-met" not in codes


def test_record_appends_the_approved_rows_of_a_finished_round(tmp_path):
    master = tmp_path / "tong-hop.xlsx"
    run("import-history", str(master), str(past_years(tmp_path / "cu")))
    inbox = tmp_path / "hop-thu"
    inbox.mkdir()
    proposals(inbox / "le-loi.xlsx", date(2025, 5, 20), [
        ["Nguyễn Văn An", "12/03/1980", "Giáo viên", LE_LOI, "LĐTT", "HTTNV", None],
        ["Trần Thị Bình", "05/09/1985", "Tổ trưởng", LE_LOI, "CSTĐCS; BK UBND tỉnh", "HTXSNV", "Học liệu số"],
        ["Lê Văn Cường", "31/02/1978", "Giáo viên", LE_LOI, "Huy chương vàng", "HTTNV", None],  # stays Lỗi
    ])
    code, out = run("merge", str(master), str(inbox))
    assert code == 0, out
    code, out = run("record", str(master), "--decision", "512/QĐ-SGDĐT", "--decision-date", "15/06/2025",
                    "--issuer", "Giám đốc Sở GD&ĐT")
    assert code == 0, out
    assert "2 dòng mới" in out and "Không ghi 1 dòng" in out
    rows = sheet(master, "LichSu")
    new = [r for r in rows if r["Năm học"] == "2024-2025"]
    assert [(r["Họ và tên"], r["Mã khen thưởng"], r["Số quyết định"], r["Ngày quyết định"], r["Cấp quyết định"],
             r["Tên sáng kiến"]) for r in new] == [
        ("Nguyễn Văn An", "LDTT", "512/QĐ-SGDĐT", date(2025, 6, 15), "Giám đốc Sở GD&ĐT", ""),
        ("Trần Thị Bình", "CSTDCS; BK_TINH", "512/QĐ-SGDĐT", date(2025, 6, 15), "Giám đốc Sở GD&ĐT", "Học liệu số"),
    ]
    assert "Lê Văn Cường" not in [r["Họ và tên"] for r in rows]
    # Recording the same round again changes nothing, and DanhSach is untouched.
    before = sheet(master, "DanhSach")
    code, out = run("record", str(master), "--json")
    data = json.loads(out)
    assert (code, data["added"], data["unchanged"], data["records_total"]) == (0, 0, 2, 6)
    assert sheet(master, "DanhSach") == before


def test_record_needs_a_merged_round(tmp_path):
    master = tmp_path / "tong-hop.xlsx"
    run("import-history", str(master), str(past_years(tmp_path / "cu")))
    code, out = run("record", str(master))
    assert code == 1 and "chưa có dòng nào" in out


def test_validate_with_history_checks_chains_by_the_dossier_date(tmp_path):
    master = tmp_path / "tong-hop.xlsx"
    run("import-history", str(master), str(past_years(tmp_path / "cu")))
    rows = [["Nguyễn Văn An", "12/03/1980", "Giáo viên", LE_LOI, "Bằng khen UBND tỉnh", "HTTNV", None],
            ["Trần Thị Bình", "05/09/1985", "Tổ trưởng", LE_LOI, "CSTĐCS; BK UBND tỉnh", "HTXSNV", None]]
    june = proposals(tmp_path / "thang-6.xlsx", date(2025, 6, 30), rows)
    july = proposals(tmp_path / "thang-7.xlsx", date(2025, 7, 1), rows)
    code, out = run("validate", "--history", str(master), str(june), "--json")
    assert code == 1
    issues = json.loads(out)["issues"]
    [an] = [i for i in issues if i["code"] == "criteria-not-met" and i["row"] == 6]
    assert an["severity"] == "error" and "thiếu Chiến sĩ thi đua cơ sở năm học 2023-2024" in an["message"]
    assert not [i for i in issues if i["code"] == "criteria-not-met" and i["row"] == 7]  # Bình's chain is whole
    [basis] = [i for i in issues if i["code"] == "legal-basis"]
    assert "Nghị định 98/2023/NĐ-CP: hồ sơ ngày 30/06/2025" in basis["message"]
    # From 01/07/2025 Bình's CSTĐCS without an initiative is flagged (a [R] rule: a warning).
    code, out = run("validate", "--history", str(master), str(july), "--json")
    issues = json.loads(out)["issues"]
    [binh] = [i for i in issues if i["code"] == "criteria-not-met" and i["row"] == 7]
    assert binh["severity"] == "warning" and "cần thêm sáng kiến được công nhận năm học 2024-2025" in binh["message"]
    # Without --history the same file has no history verdicts.
    code, out = run("validate", str(july), "--json")
    assert not [i for i in json.loads(out)["issues"] if i["code"] in ("legal-basis",) or i["row"] == 6]


def test_validate_history_needs_a_register(tmp_path):
    master = tmp_path / "tong-hop.xlsx"
    inbox = tmp_path / "hop-thu"
    inbox.mkdir()
    proposals(inbox / "le-loi.xlsx", date(2025, 5, 20), [["Nguyễn Văn An", "12/03/1980", "Giáo viên", LE_LOI, "LĐTT", "HTTNV", None]])
    run("merge", str(master), str(inbox))
    result = CliRunner().invoke(main, ["validate", "--history", str(master), str(inbox)])
    assert result.exit_code == 2
    assert "chưa có trang LichSu" in result.output


def test_members_list_gives_the_collective_ratios(tmp_path):
    master = tmp_path / "tong-hop.xlsx"
    run("import-history", str(master), str(past_years(tmp_path / "cu")))
    members = [[f"Giáo viên {i}", f"0{i + 1}/01/1990", "Giáo viên", "Tổ Toán", "LĐTT" if i < 5 else None, "HTTNV", None]
               for i in range(8)]
    write_workbook(tmp_path / "thanh-vien.xlsx", [Sheet(title=[["DANH SÁCH THÀNH VIÊN TỔ TOÁN"], []],
                                                        header=[PROPOSAL_HEADER], rows=[[i + 1, *m] for i, m in enumerate(members)])])
    proposals(tmp_path / "tap-the.xlsx", date(2025, 6, 1), [["Tổ Toán", None, None, LE_LOI, "Tập thể lao động tiên tiến", None, None]])
    code, out = run("validate", "--history", str(master), "--members", str(tmp_path / "thanh-vien.xlsx"),
                    str(tmp_path / "tap-the.xlsx"), "--json")
    [issue] = [i for i in json.loads(out)["issues"] if i["code"] == "criteria-not-met"]
    assert "mới có 5/8 thành viên (62%) đạt Lao động tiên tiến, cần từ 70%" in issue["message"]


def test_import_history_of_a_multi_year_list_records_each_row_under_its_own_year(tmp_path):
    """Issue 11: a 'Năm học' column written '2015 - 2016', the same people every year, one row per award."""
    rows = [[1, "Nguyễn Văn An", "12/03/1980", "2015 - 2016", "LĐTT"],
            [2, "Nguyễn Văn An", "12/03/1980", "2015 - 2016", "Giấy khen"],
            [3, "Trần Thị Bình", "05/09/1985", "2015 - 2016", "LĐTT"],
            [4, "Nguyễn Văn An", "12/03/1980", "2016 - 2017", "CSTĐCS"],
            [5, "Trần Thị Bình", "05/09/1985", "2016 - 2017", "LĐTT"]]
    path = write_workbook(tmp_path / "kq-2015-2017.xlsx", [Sheet(
        title=[["TRƯỜNG THCS LÊ LỢI"], ["KẾT QUẢ THI ĐUA, KHEN THƯỞNG NĂM HỌC 2016 - 2017"]],
        header=[["STT", "Họ và tên", "Ngày sinh", "Năm học", "Danh hiệu, hình thức khen thưởng"]], rows=rows)])
    master = tmp_path / "tong-hop.xlsx"
    code, out = run("import-history", "--json", str(master), str(path))
    assert code == 0, out
    report = json.loads(out)
    assert [(f["rows"], f["years"]) for f in report["files"]] == [(5, ["2015-2016", "2016-2017"])]
    assert [i["code"] for i in report["issues"] if i["code"] == "duplicate-in-file"] == []
    assert sorted((r["Họ và tên"], r["Năm học"], r["Mã khen thưởng"]) for r in sheet(master, "LichSu")) == [
        ("Nguyễn Văn An", "2015-2016", "LDTT; GK"),
        ("Nguyễn Văn An", "2016-2017", "CSTDCS"),
        ("Trần Thị Bình", "2015-2016", "LDTT"),
        ("Trần Thị Bình", "2016-2017", "LDTT"),
    ]


INITIATIVE_HEADER = ["STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Đơn vị công tác", "Danh hiệu đề nghị", "Xếp loại",
                     "Tên sáng kiến", "Số QĐ công nhận sáng kiến", "Cấp công nhận sáng kiến"]


def with_initiative(path: Path, award: str, initiative: tuple[Any, Any, Any]) -> Path:
    """Bình's proposal for 2024-2025, dated 01/08/2025, naming (or not) her own initiative and its level."""
    title = [["TRƯỜNG THCS LÊ LỢI", None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
             [None, None, None, None, "Trà Giang, ngày 1 tháng 8 năm 2025"],
             ["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025"], []]
    row = [1, "Trần Thị Bình", "05/09/1985", "Tổ trưởng", LE_LOI, award, "HTXSNV", *initiative]
    return write_workbook(path, [Sheet(title=title, header=[INITIATIVE_HEADER], rows=[row])])


def cstdcs_years(master: Path, folder: Path, years: list[str]) -> Path:
    folder.mkdir()
    for y in years:
        results(folder / f"ket-qua-{y}.xlsx", y,
                [["Trần Thị Bình", "05/09/1985", "Tổ trưởng", LE_LOI, "Chiến sĩ thi đua cơ sở", "HTXSNV", "1/QĐ"]])
    code, out = run("import-history", str(master), str(folder))
    assert code == 0, out
    return master


def unmet(master: Path, source: Path) -> list[str]:
    code, out = run("validate", "--history", str(master), str(source), "--json")
    return [i["message"] for i in json.loads(out)["issues"] if i["code"] == "criteria-not-met"]


OWN = ("Học liệu số môn Toán", "45/QĐ-UBND", "tỉnh")


def test_a_rows_own_initiative_counts_for_cstd_tinh(tmp_path):
    master = cstdcs_years(tmp_path / "tong-hop.xlsx", tmp_path / "cu", ["2022-2023", "2023-2024"])
    both = "Chiến sĩ thi đua cơ sở; Chiến sĩ thi đua cấp tỉnh"  # the third CSTĐCS proposed on the same row
    assert unmet(master, with_initiative(tmp_path / "co.xlsx", both, OWN)) == []
    [missing] = [m for m in unmet(master, with_initiative(tmp_path / "khong.xlsx", both, (None, None, None)))
                 if m.startswith("Chiến sĩ thi đua cấp tỉnh")]
    assert "thiếu sáng kiến được công nhận từ cấp tỉnh" in missing
    # the level the row names is read: an initiative recognised at cơ sở is not enough for the province
    [low] = unmet(master, with_initiative(tmp_path / "co-so.xlsx", both, (*OWN[:2], "cơ sở")))
    assert "thiếu sáng kiến được công nhận từ cấp tỉnh trong các năm học 2022-2023 đến 2024-2025" in low


def test_a_rows_own_initiative_counts_when_the_chain_ended_last_year(tmp_path):
    master = cstdcs_years(tmp_path / "tong-hop.xlsx", tmp_path / "cu", ["2021-2022", "2022-2023", "2023-2024"])
    assert unmet(master, with_initiative(tmp_path / "co.xlsx", "Chiến sĩ thi đua cấp tỉnh", OWN)) == []
    [missing] = unmet(master, with_initiative(tmp_path / "khong.xlsx", "Chiến sĩ thi đua cấp tỉnh", (None, None, None)))
    assert "thiếu sáng kiến được công nhận từ cấp tỉnh trong các năm học 2021-2022 đến 2024-2025" in missing


def test_the_initiative_level_survives_the_master_and_record_writes_it(tmp_path):
    master = cstdcs_years(tmp_path / "tong-hop.xlsx", tmp_path / "cu", ["2022-2023", "2023-2024"])
    inbox = tmp_path / "hop-thu"
    inbox.mkdir()
    with_initiative(inbox / "le-loi.xlsx", "Chiến sĩ thi đua cơ sở; Chiến sĩ thi đua cấp tỉnh", OWN)
    code, out = run("merge", str(master), str(inbox))
    assert code == 0, out
    [row] = [r for r in sheet_by_header(master) if r.get("Họ và tên") == "Trần Thị Bình"]
    assert (row["Tên sáng kiến"], row["Số QĐ công nhận sáng kiến"], row["Cấp công nhận sáng kiến"]) == OWN
    # the school's master read one level up keeps the level: no false "thiếu sáng kiến"
    school = tmp_path / "truong.xlsx"
    school.write_bytes(master.read_bytes())
    assert unmet(master, school) == []
    code, out = run("record", str(master), "--decision", "88/QĐ-UBND")
    assert code == 0, out
    [new] = [r for r in sheet(master, "LichSu") if r["Năm học"] == "2024-2025"]
    assert (new["Tên sáng kiến"], new["Số QĐ công nhận sáng kiến"], new["Cấp công nhận sáng kiến"]) == OWN
    assert new["Mã khen thưởng"] == "CSTDCS; CSTD_TINH"


def sheet_by_header(master: Path) -> list[dict[str, Any]]:
    """DanhSach's numbered rows by header (its title block sits above the header)."""
    rows = pc.CalamineWorkbook.from_path(str(master)).get_sheet_by_name("DanhSach").to_python()
    h = next(i for i, r in enumerate(rows) if r and r[0] == "STT")
    return [dict(zip(rows[h], r)) for r in rows[h + 1:] if r and isinstance(r[0], (int, float)) and r[0] != ""]


def test_a_namesake_known_by_birth_year_at_another_unit_is_not_borrowed() -> None:
    """Found by fresh-eyes testing: a Lê Lợi teacher recorded with his birth year only lent his CSTĐCS
    years to the Kim Đồng teacher of the same name (full date of birth recorded), and an award he was
    not eligible for passed. A year-only row joins a full-dated person only at that person's unit."""
    from datetime import date as day

    from addin.history import YearRecord, identify
    from addin.models import Target

    kim_dong = [YearRecord("Nguyễn Văn An", ngay_sinh=day(1978, 10, 25), nam_sinh=1978, don_vi="Trường THCS Kim Đồng",
                           nam_hoc=f"{y}-{y + 1}") for y in (2022, 2023)]
    le_loi = [YearRecord("Nguyễn Văn An", nam_sinh=1978, don_vi="Trường THPT Lê Lợi", nam_hoc=f"{y}-{y + 1}")
              for y in (2022, 2023)]
    own_year_only = [YearRecord("Nguyễn Văn An", nam_sinh=1978, don_vi="THCS Kim Đồng", nam_hoc="2021-2022")]

    def who(register: list[YearRecord], unit: str = "Trường THCS Kim Đồng"):
        return identify(register, name="Nguyễn  Văn An", target=Target.CA_NHAN, ngay_sinh=day(1978, 10, 25),
                        nam_sinh=1978, units=[unit])

    assert who(kim_dong + le_loi).records == kim_dong
    assert who(kim_dong + own_year_only + le_loi).records == kim_dong + own_year_only  # his own unit's year-only row
    only_other = who(le_loi)
    assert only_other.ambiguous and only_other.year_only and only_other.candidates == [le_loi]
    assert who(own_year_only + le_loi).records == own_year_only
    assert who(le_loi, unit="Trường THPT Lê Lợi").records == le_loi


def test_a_multi_year_list_is_checked_for_its_latest_year_only(tmp_path):
    """Found by fresh-eyes testing: every past row of a 2018-2024 list was judged as a new proposal under
    today's basis (a flood of warnings, and "missing" years before the register starts)."""
    master = cstdcs_years(tmp_path / "tong-hop.xlsx", tmp_path / "cu", ["2022-2023", "2023-2024"])
    rows = [[1, "Trần Thị Bình", "05/09/1985", f"{y}-{y + 1}", "Bằng khen của Chủ tịch UBND tỉnh"]
            for y in range(2018, 2025)]
    path = write_workbook(tmp_path / "kq.xlsx", [Sheet(
        title=[["TRƯỜNG THCS LÊ LỢI"], ["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG"]],
        header=[["STT", "Họ và tên", "Ngày sinh", "Năm học", "Danh hiệu đề nghị"]],
        rows=[[i, *r[1:]] for i, r in enumerate(rows, start=1)])])
    code, out = run("validate", "--history", str(master), str(path), "--json")
    issues = json.loads(out)["issues"]
    checked = [i["row"] for i in issues if i["code"] == "criteria-not-met"]
    assert set(checked) <= {len(rows) + 3}  # the 2024-2025 row only (title 1-2, header 3)
    [note] = [i["message"] for i in issues if i["code"] == "legal-basis" and "kết quả đã có" in i["message"]]
    assert note.startswith("6 dòng của các năm học trước năm học 2024-2025")


def test_a_name_typed_without_diacritics_is_the_person_with_the_same_full_birth() -> None:
    """Found by fresh-eyes testing: LichSu's "Le Van Duc" was not matched to the proposal's "Lê Văn Đức"."""
    from datetime import date as day

    from addin.history import YearRecord, identify
    from addin.models import Target

    plain = [YearRecord("Le Van Duc", ngay_sinh=day(1979, 12, 12), nam_hoc="2023-2024")]
    assert identify(plain, name="Lê Văn Đức", target=Target.CA_NHAN, ngay_sinh=day(1979, 12, 12), nam_sinh=1979).records == plain
    # another birth, or only a year: not enough to call them one person
    assert identify(plain, name="Lê Văn Đức", target=Target.CA_NHAN, ngay_sinh=day(1980, 1, 1), nam_sinh=1980).records == []
    assert identify(plain, name="Lê Văn Đức", target=Target.CA_NHAN, ngay_sinh=None, nam_sinh=1979).records == []
