"""The shipped workbooks: reproducible, buttons bound to macros that exist, the template read as a unit's file."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import addin.excel
from addin.build import MASTER_NAME, TEMPLATE_NAME, TEMPLATE_UNIT_CELL, build_workbooks
from addin.catalogue import SHEET_COLUMNS, default_catalogue
from addin.cli import main
from addin.excel.layout import BUTTONS, MODULE
from addin.workbook.master import SheetData, write_sheets
from addin.workbook.masterbook import read_master

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "workbooks"
BAS = ROOT / "macros" / f"{MODULE}.bas"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built")
    result = CliRunner().invoke(main, ["build-workbooks", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_two_builds_are_byte_identical_with_fixed_zip_times(built: Path, tmp_path: Path):
    again = build_workbooks(tmp_path)
    for path in again:
        assert path.read_bytes() == (built / path.name).read_bytes(), path.name
        with zipfile.ZipFile(path) as z:
            assert {i.date_time for i in z.infolist()} <= {(1980, 1, 1, 0, 0, 0), (1980, 1, 31, 0, 0, 0)}


def test_committed_workbooks_equal_a_fresh_build(built: Path):
    for name in (MASTER_NAME, TEMPLATE_NAME):
        committed = COMMITTED / name
        assert committed.exists(), f"run `tdkt build-workbooks` and commit {committed}"
        assert committed.read_bytes() == (built / name).read_bytes(), f"{name} is stale: run `tdkt build-workbooks`"
        assert committed.stat().st_size < 1_000_000


def _subs(source: str) -> dict[str, list[str]]:
    """Sub name -> the lines of its body (comments and blank lines left out)."""
    subs: dict[str, list[str]] = {}
    current = None
    for line in source.splitlines():
        text = line.strip()
        if m := re.match(r"(?:Public |Private )?Sub (\w+)\(", text):
            current = m.group(1)
            subs[current] = []
        elif text == "End Sub":
            current = None
        elif current and text and not text.startswith("'"):
            subs[current].append(text)
    return subs


def test_macros_are_ascii_and_each_button_sub_is_one_runpython_line():
    raw = BAS.read_bytes()
    assert raw.isascii(), "VBA source code pages cannot carry Vietnamese: use ChrW"
    subs = _subs(raw.decode("ascii"))
    for b in BUTTONS:
        assert subs[b.macro] == [f'RunPython "import addin.excel as tdkt; tdkt.{b.function}()"'], b.macro
        assert callable(getattr(addin.excel, b.function)), b.function
        assert b.function == re.sub(r"(?<!^)([A-Z])", r"_\1", b.macro).lower()  # named like the Sub
    for path in (ROOT / "macros").glob("*.bas"):
        lines = path.read_text(encoding="ascii").splitlines()
        for i, line in enumerate(lines):
            if re.search(r"\bDeclare\b", line) and not line.lstrip().startswith("'"):
                assert "PtrSafe" in line, line
                assert any(l.strip().startswith("#If VBA7") for l in lines[:i]), line


def _vba_messages(source: str) -> dict[str, str]:
    """The MSG_* functions of the module, decoded from their ChrW expressions."""
    messages = {}
    for name, expression in re.findall(r"^\s*(MSG_\w+) = (.+)$", source, flags=re.M):
        messages[name] = "".join(chr(int(code)) if code else literal
                                 for literal, code in re.findall(r'"([^"]*)"|ChrW\((\d+)\)', expression))
    return messages


def test_the_vba_messages_decode_to_vietnamese_with_diacritics():
    messages = _vba_messages(BAS.read_text(encoding="ascii"))
    assert messages["MSG_NO_XLWINGS"].startswith("Chưa chạy được Python: máy này chưa cài xlwings.")
    assert "Cài đặt" in messages["MSG_NO_XLWINGS"] and "hướng dẫn" in messages["MSG_NO_XLWINGS"]
    assert "tdkt setup-excel" in messages["MSG_NO_XLWINGS"]
    # Python gone, or Python without tdkt: the one thing to run, with the path in between
    assert messages["MSG_NO_PYTHON_1"] == "Không tìm thấy Python ở "
    assert messages["MSG_NO_PYTHON_2"] == ". Hãy chạy lại tệp cai-dat.bat trong bộ cài tdkt."
    assert messages["MSG_NO_TDKT_2"].startswith(" chưa có chương trình tdkt hoặc xlwings. Hãy chạy lại tệp cai-dat.bat")


def test_a_click_checks_python_and_tdkt_before_xlwings_runs():
    subs = _subs(BAS.read_text(encoding="ascii"))
    assert subs["RunPython"][1] == "If Not PythonReady() Then Exit Sub"
    source = BAS.read_text(encoding="ascii")
    body = source[source.index("Private Function PythonReady"):source.index("End Function", source.index("Private Function PythonReady"))]
    assert '"Interpreter_Win"' in body and "FileExists(exe)" in body and "import addin.excel, xlwings" in body
    assert "MsgBox MSG_NO_PYTHON_1 & exe & MSG_NO_PYTHON_2" in body and "MsgBox MSG_NO_TDKT_1 & exe & MSG_NO_TDKT_2" in body


def test_the_repo_does_not_vendor_xlwings_vba():
    for path in (ROOT / "macros").glob("*.bas"):
        source = path.read_text(encoding="ascii")
        assert "Function RunPython" not in source and "Sub ExecuteWindows" not in source
        assert not re.search(r"Public Sub RunPython", source)


def test_every_button_calls_a_macro_that_exists_in_the_compiled_vba(built: Path):
    from oletools.olevba import VBA_Parser

    master = built / MASTER_NAME
    parser = VBA_Parser(str(master))
    try:
        modules = {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()
    compiled_subs = _subs(modules[MODULE])
    with zipfile.ZipFile(master) as z:
        vml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".vml"))
        workbook_xml = z.read("xl/workbook.xml").decode("utf-8")
    bound = re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml)
    assert sorted(bound) == sorted(b.macro for b in BUTTONS)
    for macro in bound:
        assert macro in compiled_subs, macro
    sheets = re.findall(r'<sheet name="([^"]+)"', workbook_xml)
    assert sheets == ["DieuKhien", "DanhSach", "DanhSachTrinhKy", "Loi", "NhatKy", "TinhHinhNop", "KiemTra", "DangKy", "LoiDangKy",
                      "NhatKyDangKy", "TongHop", "DaiBieu", "LichSu", "KhachMoi", "CauHinh", "QuyDinh", "DanhMuc",
                      "DonVi", "BiDanh", "xlwings.conf"]


def test_libreoffice_sees_the_buttons_bound_to_the_macros(built: Path, tmp_path: Path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "ods", "--outdir", str(tmp_path), str(built / MASTER_NAME)],
                   check=True, capture_output=True, timeout=180)
    with zipfile.ZipFile(tmp_path / MASTER_NAME.replace(".xlsm", ".ods")) as z:
        content = z.read("content.xml").decode("utf-8")
    buttons = re.findall(r'<form:button\b[^>]*form:label="([^"]*)"[^>]*>(.*?)</form:button>', content, re.S)
    seen = {label: re.search(r"vnd\.sun\.star\.script:VBAProject\.(\w+)\.(\w+)\?", body).groups()
            for label, body in buttons}
    assert seen == {b.caption: (MODULE, b.macro) for b in BUTTONS}


def test_the_master_reads_back_with_its_settings_and_catalogue():
    content = read_master(COMMITTED / MASTER_NAME)
    assert content.has_settings and content.settings.inbox == "hop-thu"
    assert content.rows == [] and content.issues == []
    assert set(content.catalogue.awards) == set(default_catalogue().awards)


def test_the_danhmuc_sheet_overrides_the_default_catalogue(tmp_path: Path, workbook):
    master = tmp_path / "so.xlsm"
    shutil.copy(COMMITTED / MASTER_NAME, master)
    content = read_master(master)
    rows = [[getattr(a, "code"), a.name, "".join("I" if t.value == "ca_nhan" else "C" for t in a.targets) or "IC",
             a.rank, "TX", "|".join(a.synonyms), a.pattern] for a in content.catalogue.awards.values()]
    rows.append(["GK_HT", "Giấy khen của Hiệu trưởng", "I", 16, "TX", "GK Hiệu trưởng", ""])
    write_sheets(master, [SheetData("DanhMuc", [h for _, h, _ in SHEET_COLUMNS], rows)], keep_backups=0)
    inbox = tmp_path / "hop-thu"
    inbox.mkdir()
    unit_file = workbook(header=[["STT", "Họ và tên", "Năm sinh", "Giới tính", "Danh hiệu đề nghị"]],
                         rows=[[1, "Lê Thị Hoa", 1985, "Nữ", "Giấy khen của Hiệu trưởng"]],
                         title=[["Đơn vị: Trường Tiểu học Kim Đồng"]], filename="kim-dong.xlsx")
    shutil.move(unit_file, inbox / unit_file.name)
    from addin.jobs import merge_job

    report = merge_job(master, [str(inbox)])
    assert report.error is None
    assert [r[11] for r in report.outcome.rows] == ["GK_HT"]  # Mã khen thưởng, from the clerk's DanhMuc
    assert not [i for i in report.issues() if i.code == "unknown-award"]


def test_the_template_is_read_as_the_unit_s_own_file(tmp_path: Path):
    from addin.validate import validate_file

    book = openpyxl.load_workbook(COMMITTED / TEMPLATE_NAME)
    ws = book["DanhSach"]
    validations = {str(d.sqref)[0]: d.formula1 for d in ws.data_validations.dataValidation}
    assert validations["D"] == '"Nam,Nữ"' and validations["H"] == '"HTXSNV,HTTNV,HTNV,KHTNV"'
    assert validations["I"].startswith("'Hướng dẫn'!$A$")
    award_list = [row[0] for row in book["Hướng dẫn"].iter_rows(values_only=True) if row[0]]
    assert set(a.name for a in default_catalogue().awards.values()) <= set(award_list)
    ws[TEMPLATE_UNIT_CELL] = "Trường THCS Nguyễn Du"
    ws.append([])  # rows from 9: the first data row under the header on row 8
    ws["A9"], ws["B9"], ws["C9"], ws["D9"], ws["H9"], ws["I9"] = 1, "Nguyễn Văn An", "05/09/1985", "Nam", "HTXSNV", "Chiến sĩ thi đua cơ sở"
    ws["A10"], ws["B10"], ws["C10"], ws["D10"], ws["H10"], ws["I10"] = 2, "Trần Thị Bình", "1990", "Nữ", "HTTNV", "Lao động tiên tiến"
    filled = tmp_path / "nguyen-du.xlsx"
    book.save(filled)
    s = validate_file(filled, filled.name)
    assert (s.unit, s.unit_source, s.rows, s.status) == ("Trường THCS Nguyễn Du", "template", 2, "ok")
    assert [n.awards[0].code for n in s.nominees] == ["CSTDCS", "LDTT"]


def test_importing_the_excel_binding_does_not_import_xlwings():
    code = "import sys, addin.excel, addin.cli, addin.build; print('xlwings' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    for path in (ROOT / "addin").rglob("*.py"):
        if "excel" not in path.relative_to(ROOT / "addin").parts:
            assert "import xlwings" not in path.read_text(encoding="utf-8"), path
