"""Sheets' rows compressed while they are made (issue 14): the file is what zlib would make of it.

The data rows of a written sheet are deflated on a thread beside the one that makes their XML,
and the sheet's part is put together from three deflate streams (the frame's top, the rows, the
frame's tail) with a CRC combined from theirs. These tests hold that every part then inflates to
what was written, with the CRC zipfile checks, whatever the size; that a failure of the
compressing thread stops the write and leaves the master as it was; and that the CRC
combination is zlib's.
"""

from __future__ import annotations

import os
import random
import zipfile
import zlib
from pathlib import Path

import pytest
import python_calamine as pc

from addin.workbook import master
from addin.workbook.master import MasterUnwritable, SheetData, _crc32_combine, write_sheets


@pytest.mark.parametrize("sizes", [(0, 0), (0, 1), (1, 0), (5, 7), (1000, 70_001), (3, 5_000_000)])
def test_combined_crc_is_the_crc_of_the_joined_bytes(sizes: tuple[int, int]) -> None:
    a, b = os.urandom(sizes[0]), os.urandom(sizes[1])
    assert _crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def rows(n: int, seed: int) -> list[list[object]]:
    pick = random.Random(seed)
    words = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "A & B", "<x>", " lề "]
    return [[i + 1, " ".join(pick.choice(words) for _ in range(pick.randint(1, 9))), pick.random() * 1000,
             "".join(pick.choice("abcdefghij0123456789 ") for _ in range(pick.randint(0, 60)))]
            for i in range(n)]


def sheet_values(path: Path, name: str) -> list[list[object]]:
    book = pc.CalamineWorkbook.from_path(str(path))
    try:
        return book.get_sheet_by_name(name).to_python()
    finally:
        book.close()


@pytest.mark.parametrize("n", [0, 1, 40_000])  # 40,000 rows: several jobs, the queue of jobs full
def test_every_part_inflates_to_what_was_written(n: int, tmp_path: Path) -> None:
    path = tmp_path / "so.xlsx"
    data = rows(n, n)
    write_sheets(path, [SheetData("DanhSach", ["STT", "Tên", "Số", "Ghi chú"], data, widths=[6, 30, 10, 40])],
                 keep_backups=0)
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None  # every CRC as zipfile computes it
    got = sheet_values(path, "DanhSach")
    body = [r for r in got if isinstance(r[0], (int, float)) and r[0] != ""]
    assert len(body) == n
    assert [r[1] for r in body] == [r[1] for r in data]
    # and again into the master it made (the part is replaced, the rows spliced anew)
    write_sheets(path, [SheetData("DanhSach", ["STT", "Tên", "Số", "Ghi chú"], data[: n // 2], widths=[6, 30, 10, 40])],
                 keep_backups=0)
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
    assert sum(1 for r in sheet_values(path, "DanhSach") if isinstance(r[0], (int, float)) and r[0] != "") == n // 2


def test_a_failure_of_the_compressing_thread_leaves_the_master_as_it_was(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "so.xlsx"
    write_sheets(path, [SheetData("DanhSach", ["STT", "Tên"], [[1, "Một"]], widths=[6, 30])], keep_backups=0)
    before = path.read_bytes()

    def full(self: master._RawRows, data: bytes, last: bool) -> None:
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(master._RawRows, "_compress", full)
    with pytest.raises(MasterUnwritable):
        write_sheets(path, [SheetData("DanhSach", ["STT", "Tên", "Số", "Ghi chú"], rows(20_000, 1),
                                      widths=[6, 30, 10, 40])], keep_backups=0)
    assert path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name != "so.xlsx" and p.is_file()]  # no scratch left behind


def test_a_failed_compression_is_raised_again_on_every_later_use(tmp_path: Path) -> None:
    class Full:
        def write(self, data: bytes) -> int:
            raise OSError(28, "No space left on device")

        def close(self) -> None:
            pass

    raw = master._RawRows(4, SheetData("DanhSach", ["STT", "Tên"], [], widths=[6, 30]),
                          {"cell": 1, "cell_wrap": 2, "date": 3, "datetime": 4, "link": 5})
    raw.file.close()
    raw.file = Full()  # type: ignore[assignment]
    raw.write([[i, f"Người {i}"] for i in range(50)])
    for _ in range(2):  # never a stream that looks whole after a job was lost
        with pytest.raises(OSError):
            raw.finish()
    with pytest.raises(OSError):
        raw.rows_xml()
    raw.discard()


def test_styles_are_renumbered_in_tags_never_in_texts() -> None:
    xml = ('<row r="5" spans="1:3" s="2" customFormat="1"><c s="7"/><c r="B5" s="1" t="inlineStr"><is>'
           '<t>ghi s="1" style="2"</t></is></c></row><col min="1" max="1" width="6" style="3" customWidth="1"/>')
    got = master._remap_styles(xml, {0: 0, 1: 9, 2: 8, 3: 6, 7: 5})
    assert got == ('<row r="5" spans="1:3" s="8" customFormat="1"><c s="5"/><c r="B5" s="9" t="inlineStr"><is>'
                   '<t>ghi s="1" style="2"</t></is></c></row><col min="1" max="1" width="6" style="6" customWidth="1"/>')
