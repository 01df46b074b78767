"""Hostile and broken input, built for real in tmp_path: every bad file becomes one clear,
Vietnamese issue on that file, nothing is expanded, evaluated or inflated blindly, and the other
files of the same run are still checked.

Files that could hurt the process if a guard failed (zip bombs, far cells, damaged .xls) are read
through the CLI in a subprocess, so that a failure shows as a failed test, not a dead test run.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from addin.ingest import read_submission
from addin.workbook import reader
from addin.workbook.reader import UnreadableFile, read_workbook

from conftest import SAMPLES, needs_samples
LEGACY_FONT_SAMPLE = SAMPLES / "PGD Long Phu (font VnTime).xlsx"
XLS_SAMPLE = SAMPLES / "TH Quang Trung.xls"

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Danh hiệu đề nghị"]
AN = [1, "Nguyễn Văn An", "12/03/1980", "Giáo viên", "Lao động tiên tiến"]
BINH = [2, "Trần Thị Bình", "05/09/1985", "Tổ trưởng", "Giấy khen"]
FIRST_DATA_ROW = 5

# Letters only Vietnamese has: a message for the clerk must be written with full diacritics.
VIETNAMESE = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ]")


def write_list(path: Path, rows: list[list[Any]], *, unit: str = "TRƯỜNG THCS LÊ LỢI") -> xlsxwriter.Workbook:
    """A unit's nominee list, left open so a test can add cells; close() writes it."""
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("DS")
    ws.write(0, 0, unit)
    ws.write(1, 0, "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025")
    ws.write_row(3, 0, HEADER)
    for i, row in enumerate(rows):
        ws.write_row(FIRST_DATA_ROW - 1 + i, 0, row)
    return book


def good_list(path: Path) -> Path:
    write_list(path, [AN, BINH]).close()
    return path


def tdkt_json(*paths: str, cwd: Path) -> tuple[int, dict[str, Any]]:
    """`tdkt validate --json PATH...` in a subprocess, from cwd."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run([sys.executable, "-m", "addin.cli", "validate", "--json", *paths], cwd=cwd,
                            env=env, capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert result.returncode in (0, 1), f"exit {result.returncode}\n{result.stderr[-2000:]}"
    return result.returncode, json.loads(result.stdout)


def assert_unreadable(report: dict[str, Any], shown: str, code: str = "unreadable-file", *,
                      says: str | None = None) -> str:
    """The file is `unreadable` with exactly one error issue, in Vietnamese; returns its message."""
    [entry] = [f for f in report["files"] if f["path"] == shown]
    assert (entry["status"], entry["rows"], entry["unit"]) == ("unreadable", 0, None)
    issues = [i for i in report["issues"] if i["file"] == shown]
    assert len(issues) == 1, issues
    [issue] = issues
    assert (issue["code"], issue["severity"], issue["row"], issue["column"]) == (code, "error", None, None)
    assert VIETNAMESE.search(issue["message"]), issue["message"]
    assert "Traceback" not in issue["message"]
    if says is not None:
        assert says in issue["message"]
    return issue["message"]


def assert_good_file_checked(report: dict[str, Any], shown: str = "tot.xlsx") -> None:
    [entry] = [f for f in report["files"] if f["path"] == shown]
    assert (entry["status"], entry["rows"], entry["unit"]) == ("ok", 2, "Trường THCS Lê Lợi")


def rezip(src: Path, dst: Path, replace: dict[str, bytes]) -> Path:
    """A copy of an .xlsx with some parts replaced, deflated the way Excel stores them."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info)))
    return dst


# ---------------------------------------------------------------------------------------------
# Not a workbook, or a broken one: one issue each, and the good file beside them is still read


def test_each_bad_file_gives_one_vietnamese_issue_and_the_good_one_is_checked(tmp_path: Path) -> None:
    good = good_list(tmp_path / "tot.xlsx").read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(good[: len(good) * 2 // 3])  # an e-mail download cut short
    (tmp_path / "noise.xlsx").write_bytes(os.urandom(20_000))
    (tmp_path / "ghi chu.txt").write_text("Họ và tên\tNgày sinh\nNguyễn Văn An\t12/03/1980\n", encoding="utf-8")
    (tmp_path / "to trinh.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    (tmp_path / "tu cong thong tin.xls").write_text(  # what web portals send as "Excel"
        '<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="utf-8"></head>'
        "<body><table><tr><td>Họ và tên</td><td>Ngày sinh</td></tr>"
        "<tr><td>Nguyễn Văn An</td><td>12/03/1980</td></tr></table></body></html>", encoding="utf-8")
    (tmp_path / "rong.xlsx").write_bytes(b"")

    code, report = tdkt_json("cut.xlsx", "noise.xlsx", "ghi chu.txt", "tot.xlsx", "to trinh.pdf",
                             "tu cong thong tin.xls", "rong.xlsx", cwd=tmp_path)

    assert code == 1 and report["valid"] is False
    assert_good_file_checked(report)
    assert_unreadable(report, "cut.xlsx", says="hỏng")
    assert_unreadable(report, "noise.xlsx", says="không phải bảng tính")
    assert_unreadable(report, "ghi chu.txt", says="không phải bảng tính")
    assert_unreadable(report, "to trinh.pdf", says="không phải bảng tính")
    assert_unreadable(report, "tu cong thong tin.xls", says="HTML")
    assert_unreadable(report, "rong.xlsx", says="rỗng")
    assert [f["path"] for f in report["files"]] == ["cut.xlsx", "noise.xlsx", "ghi chu.txt", "tot.xlsx",
                                                    "to trinh.pdf", "tu cong thong tin.xls", "rong.xlsx"]


def test_password_protected_workbook_is_unreadable_with_a_clear_message(tmp_path: Path) -> None:
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")  # in the dev extra
    plain = good_list(tmp_path / "plain.xlsx")
    with plain.open("rb") as src, (tmp_path / "mat khau.xlsx").open("wb") as out:
        ooxml.OOXMLFile(src).encrypt("123456", out)
    good_list(tmp_path / "tot.xlsx")

    code, report = tdkt_json("mat khau.xlsx", "tot.xlsx", cwd=tmp_path)

    assert code == 1
    assert (tmp_path / "mat khau.xlsx").read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # an OLE container now
    assert_unreadable(report, "mat khau.xlsx", says="mật khẩu")
    assert_good_file_checked(report)


def test_workbook_with_only_instructions_has_no_header(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(str(tmp_path / "huong dan.xlsx"))
    ws = book.add_worksheet("Huong dan")
    ws.write_column(0, 0, ["HƯỚNG DẪN LẬP DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG",
                           "1. Ghi đầy đủ họ và tên, ngày sinh, chức vụ của từng cá nhân.",
                           "2. Cột Danh hiệu đề nghị ghi đúng tên danh hiệu."])
    book.close()
    good_list(tmp_path / "tot.xlsx")

    code, report = tdkt_json("huong dan.xlsx", "tot.xlsx", cwd=tmp_path)

    assert code == 1
    assert_unreadable(report, "huong dan.xlsx", code="no-header", says="Họ và tên")
    assert_good_file_checked(report)


# ---------------------------------------------------------------------------------------------
# Zip bombs and oversized sheets: refused with a message, before anything big is allocated

BOMB_BYTES = 24 * 1024 * 1024  # deflates to about 24 KB: a ratio near 1000


def _zip_bomb(tmp_path: Path) -> Path:
    plain = good_list(tmp_path / "plain.xlsx")
    with zipfile.ZipFile(plain) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    padded = sheet.replace(b"<sheetData>", b"<sheetData>" + b" " * BOMB_BYTES, 1)
    assert len(padded) > BOMB_BYTES
    return rezip(plain, tmp_path / "bom.xlsx", {"xl/worksheets/sheet1.xml": padded})


def test_zip_bomb_is_refused_from_the_zip_directory_without_inflating(tmp_path: Path, monkeypatch) -> None:
    bomb = _zip_bomb(tmp_path)
    assert bomb.stat().st_size < 200_000
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy_open(self, name, *args, **kwargs):
        opened.append(name if isinstance(name, str) else name.filename)
        return real_open(self, name, *args, **kwargs)

    def no_calamine(*args, **kwargs):
        raise AssertionError("calamine must not be handed a zip bomb")

    monkeypatch.setattr(zipfile.ZipFile, "open", spy_open)
    monkeypatch.setattr(reader.pc.CalamineWorkbook, "from_path", no_calamine)

    with pytest.raises(UnreadableFile, match="bom nén"):
        read_workbook(bomb)
    assert opened == []  # no member was opened, let alone inflated


def test_zip_bomb_beside_a_good_file(tmp_path: Path) -> None:
    _zip_bomb(tmp_path)
    good_list(tmp_path / "tot.xlsx")

    code, report = tdkt_json("bom.xlsx", "tot.xlsx", cwd=tmp_path)

    assert code == 1
    assert_unreadable(report, "bom.xlsx", says="bom nén")
    assert_good_file_checked(report)


def test_value_in_the_last_cell_of_the_sheet_is_refused_not_allocated(tmp_path: Path) -> None:
    # calamine would allocate the whole 1,048,576 x 16,384 grid at once and abort the process
    book = write_list(tmp_path / "o xa.xlsx", [AN, BINH])
    book.worksheets()[0].write(1_048_575, 16_383, "x")
    book.close()
    good_list(tmp_path / "tot.xlsx")

    code, report = tdkt_json("o xa.xlsx", "tot.xlsx", cwd=tmp_path)

    assert code == 1
    message = assert_unreadable(report, "o xa.xlsx", says="XFD1048576")
    assert "Ctrl+End" in message
    assert_good_file_checked(report)


def test_far_cells_that_fit_are_still_read(tmp_path: Path) -> None:
    # a formatted but empty last cell holds no value; a stray note at row 70,000 is a small grid
    book = write_list(tmp_path / "a.xlsx", [AN, BINH])
    ws = book.worksheets()[0]
    ws.write_blank(1_048_575, 16_383, None, book.add_format({"bg_color": "#FFFFCC"}))
    ws.write(69_999, 7, "ghi chú lạc chỗ")
    book.close()

    code, report = tdkt_json("a.xlsx", cwd=tmp_path)

    assert code == 0
    assert [(f["status"], f["rows"]) for f in report["files"]] == [("ok", 2)]


def _biff_record(data: bytes, kind: int) -> int:
    """File offset of the first BIFF record of `kind` in a .xls whose Workbook stream is contiguous."""
    from xlrd.compdoc import CompDoc

    stream, start, size = CompDoc(data, logfile=io.StringIO()).locate_named_stream("Workbook")
    assert stream is data, "the sample's Workbook stream is stored in one piece"
    pos = start
    while pos < start + size:
        found, length = struct.unpack_from("<HH", data, pos)
        if found == kind:
            return pos
        pos += 4 + length
    raise AssertionError(f"no record {kind:#06x}")


@needs_samples
@pytest.mark.parametrize("damage", ["cell-column", "used-range", "stream-size", "truncated", "panic"])
def test_damaged_xls_is_unreadable(tmp_path: Path, damage: str) -> None:
    # Found by flipping bytes of the sample: calamine aborted the whole process on the first two
    # (an allocation of tens of GB), and raised a Rust panic, which is no Exception, on the last.
    # A container xlrd cannot follow is refused too, since its records cannot be checked.
    data = bytearray(XLS_SAMPLE.read_bytes())
    if damage == "cell-column":  # one LABELSST cell moved to column 57,601 (a .xls has 256)
        struct.pack_into("<H", data, _biff_record(bytes(data), 0x00FD) + 4 + 2, 57_601)
    elif damage == "used-range":  # DIMENSIONS: first row 2,046,820,352
        struct.pack_into("<I", data, _biff_record(bytes(data), 0x0200) + 4, 0x7A000000)
    elif damage == "stream-size":  # the container says the Workbook stream is longer than the file
        entry = data.find("Workbook".encode("utf-16-le"))
        struct.pack_into("<I", data, entry + 120, 4 * len(data))
    elif damage == "truncated":
        del data[len(data) // 2:]
    else:  # one byte inside a record: "range end index 4 out of range for slice of length 1"
        data[6474] = 57
    (tmp_path / "hong.xls").write_bytes(data)
    shutil.copy(XLS_SAMPLE, tmp_path / "nguyen ven.xls")

    code, report = tdkt_json("hong.xls", "nguyen ven.xls", cwd=tmp_path)

    assert code == 1
    assert_unreadable(report, "hong.xls", says="hỏng")
    assert [(f["status"], f["rows"]) for f in report["files"] if f["path"] == "nguyen ven.xls"] == [("ok", 24)]


# ---------------------------------------------------------------------------------------------
# XML entities are never expanded

LAUGHS = "<!DOCTYPE lolz [<!ENTITY lol \"lol\">" + "".join(
    f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">' for i in range(1, 10)) + "]>"


def _with_laughs(xml: bytes, before: bytes) -> bytes:
    """The part with a billion-laughs DTD after its XML declaration and &lol9; placed before `before`."""
    text = xml.decode("utf-8")
    declaration = re.match(r"<\?xml[^>]*\?>\s*", text)
    head = declaration.group(0) if declaration else ""
    text = head + LAUGHS + text[len(head):]
    assert before.decode() in text
    return text.replace(before.decode(), "&lol9;" + before.decode(), 1).encode("utf-8")


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
def test_billion_laughs_in_a_sheet_is_not_expanded(tmp_path: Path, part: str) -> None:
    plain = good_list(tmp_path / "plain.xlsx")
    with zipfile.ZipFile(plain) as z:
        xml = z.read(part)
    if part == "xl/sharedStrings.xml":  # in the text of a shared string: "&lol9;Nguyễn Văn An"
        marker = "Nguyễn".encode()
    else:  # in an inline string cell of its own
        cell = b'<row r="9"><c r="B9" t="inlineStr"><is><t>X</t></is></c></row>'
        xml = xml.replace(b"</sheetData>", cell + b"</sheetData>")
        marker = b"X</t>"
    rezip(plain, tmp_path / "cuoi.xlsx", {part: _with_laughs(xml, marker)})
    good_list(tmp_path / "tot.xlsx")

    code, report = tdkt_json("cuoi.xlsx", "tot.xlsx", cwd=tmp_path)

    # calamine refuses an entity it does not know. Reading the file with "&lol9;" left as it is
    # would be safe too; expanding it (10^9 "lol") never is, and the subprocess would time out.
    assert code == 1
    assert_unreadable(report, "cuoi.xlsx", says="hỏng")
    assert "lollollol" not in json.dumps(report, ensure_ascii=False)
    assert_good_file_checked(report)


def test_openpyxl_parses_through_defusedxml() -> None:
    import openpyxl
    import openpyxl.xml.functions as xml_functions

    assert openpyxl.DEFUSEDXML is True  # defusedxml is installed and not switched off
    assert xml_functions.iterparse.__module__.startswith("defusedxml")
    assert xml_functions.fromstring.__module__.startswith("defusedxml")


@needs_samples
def test_legacy_font_workbook_with_entities_in_a_part_only_openpyxl_reads(tmp_path: Path) -> None:
    # calamine never reads docProps/core.xml; the legacy-font pass (openpyxl) does, so this is
    # the path where defusedxml must refuse the DTD
    assert reader._mentions_legacy_font(LEGACY_FONT_SAMPLE)
    with zipfile.ZipFile(LEGACY_FONT_SAMPLE) as z:
        core = z.read("docProps/core.xml")
    marker = b"</cp:coreProperties>"
    rezip(LEGACY_FONT_SAMPLE, tmp_path / "vntime cuoi.xlsx", {"docProps/core.xml": _with_laughs(core, marker)})
    shutil.copy(LEGACY_FONT_SAMPLE, tmp_path / "vntime.xlsx")

    code, report = tdkt_json("vntime cuoi.xlsx", "vntime.xlsx", cwd=tmp_path)

    assert code == 1
    assert_unreadable(report, "vntime cuoi.xlsx", says="phông chữ")
    [clean] = [f for f in report["files"] if f["path"] == "vntime.xlsx"]
    assert (clean["status"], clean["rows"], clean["unit"]) == ("ok", 20, "Phòng GD&ĐT huyện Long Phú")


# ---------------------------------------------------------------------------------------------
# Formulas: cached values, never evaluated; text that starts with "=" stays text


def test_formulas_are_read_as_their_cached_values(tmp_path: Path) -> None:
    book = write_list(tmp_path / "cong thuc.xlsx", [AN])
    ws = book.worksheets()[0]
    row = FIRST_DATA_ROW  # 0-based index of Excel row 6, the second nominee
    ws.write(row, 0, 2)
    ws.write_formula(row, 1, '=PROPER("trần thị bình")', None, "Trần Thị Bình")
    # the cached value differs from what evaluation would give: only a reader that evaluates sees 1900
    ws.write_formula(row, 2, "=1899+1", None, "05/09/1985")
    ws.write_formula(row, 3, '=WEBSERVICE("http://example.com/x")', None, "Giáo viên")
    ws.write_formula(row, 4, '=IF(1,"Giấy khen","")', None, "Giấy khen")
    book.close()

    raw = read_workbook(tmp_path / "cong thuc.xlsx")
    assert raw.sheets[0].rows[row][1:5] == ["Trần Thị Bình", "05/09/1985", "Giáo viên", "Giấy khen"]

    submission = read_submission(tmp_path / "cong thuc.xlsx")
    [_, binh] = submission.nominees
    assert (binh.row, binh.ho_ten, binh.chuc_vu) == (FIRST_DATA_ROW + 1, "Trần Thị Bình", "Giáo viên")
    assert binh.ngay_sinh is not None and (binh.ngay_sinh.day, binh.ngay_sinh.month, binh.ngay_sinh.year) == (5, 9, 1985)
    assert [a.code for a in binh.awards] == ["GK"]


@needs_samples
def test_text_beginning_with_equals_stays_text(tmp_path: Path) -> None:
    hyperlink = '=HYPERLINK("http://example.com","Lê Thị Cúc")'
    book = write_list(tmp_path / "bang.xlsx", [AN])
    book.worksheets()[0].write_string(FIRST_DATA_ROW, 1, hyperlink)  # a string cell, not a formula
    book.worksheets()[0].write_row(FIRST_DATA_ROW, 2, ["01/02/1990", "Giáo viên", "Lao động tiên tiến"])
    book.close()

    submission = read_submission(tmp_path / "bang.xlsx")

    assert [n.ho_ten for n in submission.nominees] == ["Nguyễn Văn An", hyperlink]
    sample = read_submission(SAMPLES / "MN Huong Duong - co loi.xlsx")
    assert [n.ho_ten for n in sample.nominees if n.row == 22] == [hyperlink]
