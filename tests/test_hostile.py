"""Hostile workbooks, written part by part in tmp_path where no library would write them: sheets
whose cells lie about where they are, numbers that are no numbers, text that multiplies, files
that make thousands of issues. Each one gives its own issues and the run goes on.

Files that would abort the process if a guard failed (calamine allocating a grid of hundreds of
GB) are only ever read in a subprocess, so that a failure shows as a failed test.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
import xlsxwriter
from click.testing import CliRunner

from addin import ingest
from addin.cli import main as cli_main
from addin.ingest import MAX_ISSUES_PER_CODE
from addin.models import ISSUE_CODES
from addin.jobs import validate_paths
from addin.workbook import reader
from addin.workbook.reader import UnreadableFile, read_workbook

VIETNAMESE = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ]")
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

# ---------------------------------------------------------------------------------------------
# A workbook from its XML parts: only the parts calamine needs, so each test says what it breaks

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}{shared}</Types>"
)
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def raw_xlsx(path: Path, sheets: list[str | bytes], *, shared: list[str] | bytes | None = None,
             names: list[str] | None = None) -> Path:
    """An .xlsx whose worksheets are the given <sheetData> contents, as written, and optionally
    a shared-string table (a list of strings, or the raw part)."""
    names = names or [f"DS{i + 1}" if i else "DS" for i in range(len(sheets))]
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(len(sheets)))
    shared_type = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>') if shared is not None else ""
    rels = "".join(f'<Relationship Id="rId{i + 1}" Type="{_REL}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                   for i in range(len(sheets)))
    if shared is not None:
        rels += f'<Relationship Id="rId999" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES.format(sheets=overrides, shared=shared_type))
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns='
                   '"http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                   f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" '
                   f'xmlns:r="{_REL}"><sheets>'
                   + "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names))
                   + "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns='
                   f'"http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        for i, data in enumerate(sheets):
            data = data.encode() if isinstance(data, str) else data
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml",
                       f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}" xmlns:r="{_REL}">'
                       '<dimension ref="A1:E6"/><sheetData>'.encode() + data + b"</sheetData></worksheet>")
        if shared is not None:
            if isinstance(shared, list):
                shared = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}">'
                          + "".join(f"<si><t>{escape(s)}</t></si>" for s in shared) + "</sst>").encode()
            z.writestr("xl/sharedStrings.xml", shared)
    return path


def _letters(n: int) -> str:
    return reader.column_letters(n)


def cell(ref: str | None, value: Any) -> str:
    """One cell; ref None writes it without `r` (placed after the previous one)."""
    at = f' r="{ref}"' if ref else ""
    if isinstance(value, str) and not value.startswith("<v>"):
        return f'<c{at} t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    text = value[3:-4] if isinstance(value, str) else repr(value)
    return f"<c{at}><v>{text}</v></c>"


def row(r: int | None, values: list[Any], *, refs: bool = True) -> str:
    """One row at Excel row r (None: no `r`, right after the previous row)."""
    cells = "".join(cell(f"{_letters(c + 1)}{r}" if refs and r else None, v)
                    for c, v in enumerate(values) if v is not None)
    return f'<row r="{r}">{cells}</row>' if r else f"<row>{cells}</row>"


UNIT = "TRƯỜNG THCS LÊ LỢI"
HEADER = ["STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Danh hiệu đề nghị"]
AN = [1, "Nguyễn Văn An", "12/03/1980", "Giáo viên", "Lao động tiên tiến"]
BINH = [2, "Trần Thị Bình", "05/09/1985", "Tổ trưởng", "Giấy khen"]


def nominee_list(*data: list[Any], refs: bool = True) -> str:
    """A unit's list: unit on row 1, title on row 2, header on row 4, nominees from row 5.

    Without refs no row or cell has `r`, so nothing skips row 3: the header is on row 3.
    """
    at = (lambda r: r) if refs else (lambda r: None)
    rows = [row(at(1), [UNIT], refs=refs), row(at(2), ["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025"], refs=refs),
            row(at(4), HEADER, refs=refs)]
    rows += [row(at(5 + i), values, refs=refs) for i, values in enumerate(data)]
    return "".join(rows)


def good_list(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("DS")
    ws.write(0, 0, UNIT)
    ws.write_row(3, 0, HEADER)
    ws.write_row(4, 0, AN)
    ws.write_row(5, 0, BINH)
    book.close()
    return path


def tdkt(*args: str, cwd: Path) -> tuple[int, dict[str, Any]]:
    """A tdkt command with --json, in a subprocess: (exit code, the JSON it printed)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run([sys.executable, "-m", "addin.cli", *args, "--json"], cwd=cwd, env=env,
                            capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert result.returncode in (0, 1), f"exit {result.returncode}\n{result.stderr[-3000:]}"
    return result.returncode, json.loads(result.stdout)


def unreadable_message(report: dict[str, Any], shown: str) -> str:
    """The file is `unreadable` with one Vietnamese unreadable-file error; returns its message."""
    [entry] = [f for f in report["files"] if f["path"] == shown]
    assert (entry["status"], entry["rows"]) == ("unreadable", 0)
    [issue] = [i for i in report["issues"] if i["file"] == shown]
    assert (issue["code"], issue["severity"]) == ("unreadable-file", "error")
    assert VIETNAMESE.search(issue["message"]) and "Traceback" not in issue["message"]
    return issue["message"]


def assert_good(report: dict[str, Any], shown: str = "tot.xlsx") -> None:
    [entry] = [f for f in report["files"] if f["path"] == shown]
    assert (entry["status"], entry["rows"], entry["unit"]) == ("ok", 2, "Trường THCS Lê Lợi")


# ---------------------------------------------------------------------------------------------
# 1. A far value the <dimension> tag does not admit: refused from the cells, never allocated

FAR = {
    # the tag says A1:E6; the cell says otherwise
    "dimension-lies": '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
    # calamine puts a cell without r after the previous one: 16,383 empty ones, then a value
    "cells-without-r": '<row r="1048576">' + "<c/>" * 16_383 + "<c><v>1</v></c></row>",
    # and a row without r after the previous row
    "rows-and-cells-without-r": '<row r="1048575"/><row>' + "<c/>" * 16_383
                                + '<c t="inlineStr"><is><t>x</t></is></c></row>',
    # calamine ignores prefixes, declared or not
    "prefixed-tags": f'<x:row xmlns:x="{MAIN_NS}" r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>',
    "lower-case-reference": '<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>',
    "reference-after-other-attributes": '<row r="1048576"><c s="0" t="n"\n r = "XFD1048576"><v>1</v></c></row>',
}


@pytest.mark.parametrize("form", list(FAR))
def test_a_far_value_however_written_is_refused_with_ctrl_end(tmp_path: Path, form: str) -> None:
    path = raw_xlsx(tmp_path / "o xa.xlsx", [nominee_list(AN, BINH) + FAR[form]])
    assert path.stat().st_size < 4_000  # a small file, which calamine would turn into a 500 GB grid
    good_list(tmp_path / "tot.xlsx")

    code, report = tdkt("validate", "o xa.xlsx", "tot.xlsx", cwd=tmp_path)

    assert code == 1
    message = unreadable_message(report, "o xa.xlsx")
    assert "XFD1048576" in message and "Ctrl+End" in message
    assert_good(report)


def test_cells_and_rows_without_r_are_placed_as_calamine_places_them(tmp_path: Path) -> None:
    # the same list written without a single `r`: measured tag by tag, then read as usual
    path = raw_xlsx(tmp_path / "khong r.xlsx", [nominee_list(AN, BINH, refs=False)])
    raw = read_workbook(path)
    assert [r[:2] for r in raw.sheets[0].rows[2:5]] == [HEADER[:2], AN[:2], BINH[:2]]
    [sub] = validate_paths([str(path)]).submissions
    assert (sub.status, sub.unit) == ("ok", "Trường THCS Lê Lợi")
    assert [(n.row, n.ho_ten) for n in sub.nominees] == [(4, "Nguyễn Văn An"), (5, "Trần Thị Bình")]


def test_sheets_that_fit_alone_but_not_together_are_refused(tmp_path: Path) -> None:
    # 32 columns x 40,000 rows is 1,280,000 cells, under the budget; two such sheets are not
    corner = '<row r="40000"><c r="AF40000"><v>1</v></c></row>'
    one = raw_xlsx(tmp_path / "mot.xlsx", [nominee_list(AN, BINH) + corner])
    two = raw_xlsx(tmp_path / "hai.xlsx", [nominee_list(AN, BINH) + corner, corner], names=["DS", "Phu"])

    assert len(read_workbook(one).sheets[0].rows) == 40_000
    with pytest.raises(UnreadableFile, match="quá nhiều ô") as refused:
        reader.check_container(two)
    assert "Ctrl+End" in str(refused.value) and "2.097.152" in str(refused.value)


def test_a_master_rolled_up_is_read_for_its_list_alone(tmp_path: Path) -> None:
    # A commune's master merged at the province: only DanhSach is read (as ingest reads it), so
    # its registrations and log, as large, do not count against the budget.
    corner = '<row r="40000"><c r="AF40000"><v>1</v></c></row>'
    path = raw_xlsx(tmp_path / "tong hop xa.xlsx", [nominee_list(AN, BINH) + corner, corner, row(1, ["Tệp"])],
                    names=["DanhSach", "DangKy", "NhatKy"])

    raw = read_workbook(path)

    assert [(s.name, len(s.rows)) for s in raw.sheets] == [("DanhSach", 40_000), ("DangKy", 0), ("NhatKy", 0)]


XLS_SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "samples" / "TH Quang Trung.xls"


def test_an_xls_cell_past_the_budget_is_refused(tmp_path: Path) -> None:
    if not XLS_SAMPLE.is_file():
        pytest.skip(f"sample not found: {XLS_SAMPLE}")
    import struct

    from xlrd.compdoc import CompDoc

    original = XLS_SAMPLE.read_bytes()
    stream, start, _ = CompDoc(original, logfile=io.StringIO()).locate_named_stream("Workbook")
    assert stream is original, "the sample's Workbook stream is stored in one piece"
    data = bytearray(original)
    pos = start
    while struct.unpack_from("<H", data, pos)[0] != 0x00FD:  # the first LABELSST (a text cell)
        pos += 4 + struct.unpack_from("<H", data, pos + 2)[0]
    struct.pack_into("<HH", data, pos + 4, 59_999, 200)  # moved to GS60000: 12 million cells, legal in .xls
    (tmp_path / "o xa.xls").write_bytes(data)

    with pytest.raises(UnreadableFile, match="GS60000") as refused:
        read_workbook(tmp_path / "o xa.xls")
    assert "Ctrl+End" in str(refused.value)
    assert len(read_workbook(XLS_SAMPLE).sheets[0].rows) < 100


_ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def raw_ods(path: Path, rows: str) -> Path:
    """An OpenDocument spreadsheet whose one table (DS) holds the given rows, as written."""
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS} office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="DS">{rows}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                   'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                   '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
                   'vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>', compress_type=zipfile.ZIP_DEFLATED)
    return path


def ods_row(values: list[Any], repeat: int = 1) -> str:
    cells = "".join(f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
                    if isinstance(v, int) else
                    f'<table:table-cell office:value-type="string"><text:p>{escape(v)}</text:p></table:table-cell>'
                    for v in values)
    rep = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{rep}>{cells}</table:table-row>"


def test_ods_repeats_are_counted_before_calamine_expands_them(tmp_path: Path) -> None:
    listing = "".join([ods_row([UNIT]), ods_row(["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG"]), ods_row([]), ods_row(HEADER),
                       ods_row(AN), ods_row(BINH)])
    # what LibreOffice writes below a table: a million empty rows in one element
    raw_ods(tmp_path / "tot.ods", listing + '<table:table-row table:number-rows-repeated="1048570">'
            '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')
    # 800 bytes that calamine expands to 9,000 x 9,000 cells (8 GB)
    raw_ods(tmp_path / "lap lai.ods", listing + '<table:table-row table:number-rows-repeated="9000">'
            '<table:table-cell table:number-columns-repeated="9000" office:value-type="float" office:value="1">'
            "<text:p>1</text:p></table:table-cell></table:table-row>")

    code, report = tdkt("validate", "lap lai.ods", "tot.ods", cwd=tmp_path)

    assert code == 1
    assert "Ctrl+End" in unreadable_message(report, "lap lai.ods")
    assert_good(report, "tot.ods")


# ---------------------------------------------------------------------------------------------
# 2. Numbers that are no numbers: a cell-level issue, never an exception, never the text "nan"


def test_nan_and_infinity_are_bad_values_not_a_crash(tmp_path: Path) -> None:
    data = [
        [1, "Nguyễn Văn An", "<v>NaN</v>", "Giáo viên", "Lao động tiên tiến"],
        [2, "Trần Thị Bình", "<v>inf</v>", "Tổ trưởng", "Giấy khen"],
        [3, "Lê Văn Cường", "<v>-inf</v>", "Giáo viên", "Giấy khen"],
        [4, "Phạm Thị Dung", "<v>1e999</v>", "Giáo viên", "Giấy khen"],  # overflows to infinity
        [5, "<v>NaN</v>", "01/02/1990", "Giáo viên", "Giấy khen"],
    ]
    path = raw_xlsx(tmp_path / "so la.xlsx", [nominee_list(*data)])
    good_list(tmp_path / "tot.xlsx")

    code, report = tdkt("validate", "so la.xlsx", "tot.xlsx", cwd=tmp_path)

    assert code == 1
    assert_good(report)
    issues = [(i["row"], i["column"], i["code"]) for i in report["issues"] if i["file"] == "so la.xlsx"]
    assert issues == [(5, "Ngày sinh", "invalid-date"), (6, "Ngày sinh", "invalid-date"),
                      (7, "Ngày sinh", "invalid-date"), (8, "Ngày sinh", "invalid-date"),
                      (9, "Họ và tên", "missing-value")]
    dates = [i["message"] for i in report["issues"] if i["code"] == "invalid-date"]
    assert all("NaN hoặc vô cực" in m for m in dates), dates
    assert [i["value"] for i in report["issues"] if i["file"] == "so la.xlsx"] == [None] * 5  # never "nan"
    sub = validate_paths([str(path)]).submissions[0]
    assert [n.ho_ten for n in sub.nominees] == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", None]


# ---------------------------------------------------------------------------------------------
# 3. Budgets: text that multiplies, parts too large to parse, cells too long, floods of issues


TEXT_BOMBS = {
    "plain": ('<c r="A{r}" t="s"><v>0</v></c>', None),
    # calamine reads <v> after other children, and parses "+0" as 0
    "formula-before-value": ('<c r="A{r}" t="s"><f>1</f><v>+0</v></c>', None),
    "prefixed": (f'<x:c xmlns:x="{MAIN_NS}" r="A{{r}}" t=\'s\'><x:v>0</x:v></x:c>', None),
    # a line break inside <si> still starts a string: the long one is the second
    "string-tag-with-line-break": ('<c r="A{r}" t="s"><v>1</v></c>',
                                   f'<sst xmlns="{MAIN_NS}"><si><t>a</t></si><si\n><t>{"x" * 10_000_000}</t></si></sst>'),
}


@pytest.mark.parametrize("form", list(TEXT_BOMBS))
def test_a_long_shared_string_used_by_many_cells_is_refused(tmp_path: Path, form: str) -> None:
    # about 12 KB on disk; calamine copies the 10 MB string into each of the 100 cells: 2 GB
    template, table = TEXT_BOMBS[form]
    cells = "".join(f'<row r="{r}">' + template.format(r=r) + "</row>" for r in range(1, 101))
    raw_xlsx(tmp_path / "nhan ban.xlsx", [cells], shared=table.encode() if table else ["x" * 10_000_000])
    assert (tmp_path / "nhan ban.xlsx").stat().st_size < 50_000
    good_list(tmp_path / "tot.xlsx")

    code, report = tdkt("validate", "nhan ban.xlsx", "tot.xlsx", cwd=tmp_path)

    assert code == 1
    assert "quá nhiều chữ" in unreadable_message(report, "nhan ban.xlsx")
    assert_good(report)


def test_shared_strings_used_once_each_are_read(tmp_path: Path) -> None:
    # 3,000 names and one long note: if every cell used the longest string it would pass the
    # budget, so the cells are counted string by string, and the list is read.
    names = [f"Nguyễn Văn {i:05d}" for i in range(3_000)]
    note = "Thành tích " * 2_900  # 31,900 characters, used once
    cells = [row(4, HEADER)] + [
        f'<row r="{5 + i}"><c r="A{5 + i}"><v>{i + 1}</v></c><c r="B{5 + i}" t="s"><v>{i}</v></c>'
        f'<c r="C{5 + i}" t="inlineStr"><is><t>12/03/1980</t></is></c>'
        f'<c r="E{5 + i}" t="inlineStr"><is><t>Giấy khen</t></is></c></row>' for i in range(3_000)]
    cells.append('<row r="3010"><c r="B3010" t="s"><v>3000</v></c></row>')
    path = raw_xlsx(tmp_path / "ghi chu dai.xlsx", ["".join(cells)], shared=[*names, note])
    assert 3_001 * len(note.encode()) > reader.MAX_SHARED_TEXT_BYTES  # the quick bound fails

    [sub] = validate_paths([str(path)]).submissions

    assert sub.status == "ok"
    assert [n.ho_ten for n in sub.nominees][:2] == ["Nguyễn Văn 00000", "Nguyễn Văn 00001"]
    assert len(sub.nominees) == 3_000


def test_parsed_parts_over_budget_are_refused_from_the_zip_directory(tmp_path: Path, monkeypatch) -> None:
    path = raw_xlsx(tmp_path / "to.xlsx", [nominee_list(AN, BINH)], shared=[os.urandom(300).hex() for _ in range(4_000)])
    assert zipfile.ZipFile(path).getinfo("xl/sharedStrings.xml").file_size > 2 * 1024 * 1024
    monkeypatch.setattr(reader, "MAX_PARTS_BYTES", 2 * 1024 * 1024)  # the real budget is 150 MB
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy_open(self, name, *args, **kwargs):
        opened.append(name if isinstance(name, str) else name.filename)
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy_open)

    with pytest.raises(UnreadableFile, match="giới hạn 2 MB"):
        read_workbook(path)
    assert not any(n.startswith("xl/worksheets/") or n == "xl/sharedStrings.xml" for n in opened)


def test_text_longer_than_excel_allows_is_cut_with_an_issue(tmp_path: Path) -> None:
    long_name = "Nguyễn Văn An " + "x" * 40_000
    path = raw_xlsx(tmp_path / "dai.xlsx", [nominee_list([1, long_name, "12/03/1980", "Giáo viên", "Giấy khen"], BINH)
                                          + row(9, [None, None, None, None, None, None, None, "y" * 33_000])])

    [sub] = validate_paths([str(path)]).submissions

    assert len(sub.nominees[0].ho_ten) == 32_767 and sub.nominees[0].ho_ten.startswith("Nguyễn Văn An x")
    cut = [(i.row, i.column, i.severity.value) for i in sub.issues if i.code == "cell-too-long"]
    assert cut == [(5, "Họ và tên", "warning"), (9, "H", "warning")]
    assert "40.014 ký tự" in next(i.message for i in sub.issues if i.code == "cell-too-long")


def test_a_sheet_of_numbers_gives_a_bounded_report(tmp_path: Path) -> None:
    # a header, then 3,000 rows of fractions in every column: two errors a row, 6,000 in all
    rows = [row(1, HEADER)] + [row(r, [r, r + 0.5, r + 0.5, r + 0.5, r + 0.5]) for r in range(2, 3_002)]
    raw_xlsx(tmp_path / "so.xlsx", ["".join(rows)])
    good_list(tmp_path / "tot.xlsx")

    code, report = tdkt("validate", "so.xlsx", "tot.xlsx", cwd=tmp_path)

    assert code == 1
    assert_good(report)
    # (a list named by nothing but its file name "so" is also unit-uncertain: not this test's concern)
    issues = [i for i in report["issues"] if i["file"] == "so.xlsx" and i["code"] != "unit-uncertain"]
    by_code: dict[str, int] = {}
    for i in issues:
        by_code[i["code"]] = by_code.get(i["code"], 0) + 1
    summaries = {i["value"]: i for i in issues if i["code"] == "too-many-issues"}
    assert set(summaries) == {"invalid-date", "unknown-award"}
    assert by_code == {"invalid-date": MAX_ISSUES_PER_CODE, "unknown-award": MAX_ISSUES_PER_CODE, "too-many-issues": 2}
    assert summaries["unknown-award"]["severity"] == "error"
    assert "Còn 2.800 vấn đề" in summaries["invalid-date"]["message"]
    [entry] = [f for f in report["files"] if f["path"] == "so.xlsx"]
    assert (entry["status"], entry["rows"], entry["errors"]) == ("invalid", 3_000, 2 * MAX_ISSUES_PER_CODE + 2)


def test_legacy_fonts_are_decoded_only_within_their_budget(workbook, monkeypatch) -> None:
    # decoding goes cell by cell through openpyxl: 2 million cells took 1.3 GB and 100 s
    path = workbook(header=[["STT", "Họ và tên", "Ngày sinh", "Danh hiệu đề nghị"]],
                    rows=[[1, "NguyÔn ThÞ Hoa", "05/03/1985", "Lao ®éng tiªn tiÕn"]],
                    fonts={"B2": ".VnTime", "D2": ".VnTime"})
    assert [n.ho_ten for n in ingest.read_submission(path).nominees] == ["Nguyễn Thị Hoa"]

    monkeypatch.setattr(reader, "MAX_LEGACY_CELLS", 4)  # the real budget is 262,144 cells (and 32 MB)
    sub = ingest.read_submission(path)

    assert (sub.status, [i.code for i in sub.issues]) == ("unreadable", ["unreadable-file"])
    assert "phông chữ cũ" in sub.issues[0].message and "Unikey" in sub.issues[0].message


def test_one_run_extracts_at_most_its_budget_from_archives(tmp_path: Path, monkeypatch) -> None:
    from addin.inbox import collect_sources

    monkeypatch.setattr(reader, "MAX_RUN_UNPACKED_BYTES", 1024 * 1024)  # the real budget is 4 GB
    for name in ("a.zip", "b.zip", "c.zip"):
        with zipfile.ZipFile(tmp_path / name, "w", zipfile.ZIP_STORED) as z:
            z.writestr("DS.xlsx", os.urandom(400_000))

    sources = collect_sources([str(tmp_path / n) for n in ("a.zip", "b.zip", "c.zip")], tmp_path / "tam")

    assert [s.rejected is None for s in sources] == [True, True, False]
    assert "lần chạy này" in sources[2].rejected and "1 MB" in sources[2].rejected


def test_budget_codes_are_documented() -> None:
    assert {"cell-too-long", "too-many-issues"} <= set(ISSUE_CODES)


# The worst file the budgets admit: one sheet of 65,536 x 32 cells (MAX_SHEET_CELLS), each
# holding text, written without `r` (the slowest to measure) and as much text as MAX_PARTS_BYTES
# leaves. Shared strings cannot do worse: their copies are bounded by MAX_SHARED_TEXT_BYTES.
_MEASURE = """
import resource, sys, time
from pathlib import Path
from addin.workbook.reader import read_workbook
start = time.perf_counter()
book = read_workbook(Path(sys.argv[1]))
took = time.perf_counter() - start
cells = sum(len(r) for s in book.sheets for r in s.rows)
print(cells, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, round(took, 1))
"""


def test_the_worst_file_the_budgets_admit_reads_within_500_mb(tmp_path: Path, capsys) -> None:
    rows, cols = 65_536, reader.MAX_SHEET_CELLS // 65_536
    overhead = len('<c t="inlineStr"><is><t></t></is></c>')
    per_cell = (reader.MAX_PARTS_BYTES - 1024 * 1024) // (rows * cols) - overhead
    path = raw_xlsx(tmp_path / "khung.xlsx", [b""])
    big = tmp_path / "lon nhat.xlsx"  # the same parts, with the sheet streamed in
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info.filename, src.read(info))
        with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}"><sheetData>'.encode())
            for r in range(rows):
                stamp = b"%09d" % r
                text = (stamp * (per_cell // 9 + 1))[:per_cell]
                sheet.write(b"<row>" + b"".join(b'<c t="inlineStr"><is><t>' + text + b"</t></is></c>"
                                                for _ in range(cols)) + b"</row>")
            sheet.write(b"</sheetData></worksheet>")
    with zipfile.ZipFile(big) as z:
        size = z.getinfo("xl/worksheets/sheet1.xml").file_size
    assert reader.MAX_PARTS_BYTES - 2 * 1024 * 1024 < size <= reader.MAX_PARTS_BYTES

    result = subprocess.run([sys.executable, "-c", _MEASURE, str(big)], capture_output=True, text=True,
                            timeout=600, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert result.returncode == 0, result.stderr[-3000:]
    cells, peak_mb, seconds = result.stdout.split()
    with capsys.disabled():
        print(f"\nworst admitted file: {size / 2**20:.0f} MB of sheet XML, {int(cells):,} text cells: "
              f"peak RSS {peak_mb} MB, read in {seconds} s")
    assert int(cells) == rows * cols
    assert int(peak_mb) <= 500


# ---------------------------------------------------------------------------------------------
# 4. The last resort: a failure nobody foresaw costs one file, not the run


def test_an_unforeseen_failure_costs_one_file_in_validate_and_merge(tmp_path: Path, monkeypatch) -> None:
    # A bug we have not found yet, simulated in the real ingest for one file only.
    raw_xlsx(tmp_path / "hong.xlsx", [nominee_list([1, "Lỗi Bất Ngờ", "12/03/1980", "Giáo viên", "Giấy khen"])])
    good_list(tmp_path / "tot.xlsx")
    real = ingest._Reader._read_row

    def buggy(self, r, row, section_target):
        if row[1] == "Lỗi Bất Ngờ":
            raise KeyError("trường hợp chưa gặp " + "x" * 500)
        return real(self, r, row, section_target)

    monkeypatch.setattr(ingest._Reader, "_read_row", buggy)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    validated = runner.invoke(cli_main, ["validate", "hong.xlsx", "tot.xlsx", "--json"])
    merged = runner.invoke(cli_main, ["merge", "tong-hop.xlsx", "hong.xlsx", "tot.xlsx", "--json"])

    assert validated.exception is None or isinstance(validated.exception, SystemExit), validated.output
    report = json.loads(validated.stdout)
    assert validated.exit_code == 1
    message = unreadable_message(report, "hong.xlsx")
    assert "KeyError" in message and "lỗi ngoài dự kiến" in message and len(message) < 400
    assert_good(report)

    assert merged.exception is None or isinstance(merged.exception, SystemExit), merged.output
    result = json.loads(merged.stdout)
    assert merged.exit_code == 1  # README: 1 when a file was rejected
    assert result["written"] is True and result["rows_total"] == 2
    assert result["by_unit"] == {"Trường THCS Lê Lợi": 2}
    assert [i["code"] for i in result["issues"] if i["file"] == "hong.xlsx"] == ["unreadable-file"]
