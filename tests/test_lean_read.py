"""Reading and writing a master no more than a job needs (issue 14), on a generated master.

Writing: the parts a job does not change are copied from the old master as their compressed
bytes (never decompressed, never recompressed), and the package's content is what the old way
(every part decompressed and recompressed) wrote, part by part. Reading: each job reads only the
sheets it uses (from the file or from an open book) and gets the same results as from a full read.
"""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import python_calamine as pc

import variants as V
from conftest import Sheet, write_workbook

from addin import schema
from addin.jobs import (
    CHECK_NEED,
    DELEGATES_NEED,
    FEEDBACK_NEED,
    STATUS_NEED,
    TALLY_NEED,
    check_job,
    delegates_content,
    feedback_content,
    merge_job,
    register_job,
    status_content,
    status_job,
    tally_content,
    tally_job,
    units_job,
)
from addin.jobs.printed import TALLY_WITH_REGISTRATIONS_NEED
from addin.workbook import master as master_mod
from addin.workbook.masterbook import MasterContent, Need, content_from_sheets, read_master, state_of

NOW = datetime(2025, 6, 1, 9, 30).astimezone()
GUESTS = [
    [1, "Lê Văn Hùng", "Phó Chủ tịch UBND tỉnh", "UBND tỉnh Trà Giang", "Nam", "Kinh", None],
    [2, "Thạch Sô Phol", "Phó Trưởng ban", "Ban Dân tộc tỉnh", "Nam", "Khmer", None],
]
BAD_LIST_HEADER = [["STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Danh hiệu đề nghị"]]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A master merged from generated unit lists (and one with errors), with a register, guests and registrations."""
    folder = tmp_path_factory.mktemp("lean")
    variants = V.corpus(10, seed=14)
    inbox = folder / "hop-thu"
    paths = V.write_corpus(variants, inbox)
    (inbox / "loi").mkdir()
    bad = write_workbook(inbox / "loi" / "THCS Lỗi.xlsx", [Sheet(
        name="DS", title=[["TRƯỜNG THCS LÊ LỢI"], ["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025"], []],
        header=BAD_LIST_HEADER,
        rows=[[1, "Nguyễn Văn An", "31/02/1980", "Giáo viên", "Lao động tiên tiến"],
              [2, "", "05/09/1985", "Tổ trưởng", "Danh hiệu không có"]])])
    master = folder / "tong-hop.xlsx"
    assert merge_job(master, [str(p) for p in [*paths, bad]], initial_guests=GUESTS, now=NOW).error is None
    units = folder / "don-vi.csv"
    units.write_text("Tên đơn vị;Email\n" + "".join(f"{v.unit};don-vi{i}@tragiang.edu.vn\n"
                                                     for i, v in enumerate(variants[:7])) +
                     "Trường Tiểu học Chưa Nộp;chuanop@tragiang.edu.vn\n", encoding="utf-8")
    assert units_job(master, units).error is None
    assert register_job(master, [str(paths[0]), str(paths[1])], now=NOW).error is None
    full = read_master(master)
    # the master has what the lean reads must leave out, so that leaving it out is seen
    assert full.rows and full.issues and full.log and full.guests and full.registrations and full.register
    return master


def copy_of(master: Path, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    shutil.copy(master, target)
    return target


def raw_entries(path: Path) -> dict[str, tuple[int, int, int, bytes]]:
    """Each part's (method, CRC, size, compressed bytes), read from its local header."""
    out = {}
    with zipfile.ZipFile(path) as z, path.open("rb") as f:
        for info in z.infolist():
            f.seek(info.header_offset)
            head = f.read(30)
            n, m = struct.unpack("<HH", head[26:30])
            f.seek(info.header_offset + 30 + n + m)
            out[info.filename] = (info.compress_type, info.CRC, info.file_size, f.read(info.compress_size))
    return out


def parts_of(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def assert_readable(path: Path) -> None:
    """Every part's CRC checks out, and calamine and openpyxl read every sheet."""
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
    book = pc.CalamineWorkbook.from_path(str(path))
    try:
        assert all(book.get_sheet_by_name(n).to_python() is not None for n in book.sheet_names)
        names = list(book.sheet_names)
    finally:
        book.close()
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        assert wb.sheetnames == names
        assert sum(1 for _ in wb[schema.LIST].iter_rows(values_only=True)) > 10
    finally:
        wb.close()


def recompressing(source: Any, info: zipfile.ZipInfo, target: zipfile.ZipFile) -> None:
    """The old way of carrying a part over: decompressed whole, then recompressed."""
    with zipfile.ZipFile(source) as old:
        target.writestr(info.filename, old.read(info))


# ---------------------------------------------------------------------------
# Writing: the parts a job leaves alone


def with_zip64_headers(path: Path) -> None:
    """Every entry of the workbook written again, streamed with a zip64 local header (extra field of 20 bytes)."""
    with zipfile.ZipFile(path) as old:
        entries = [(info, old.read(info)) for info in old.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info, data in entries:
            with new.open(zipfile.ZipInfo(info.filename, info.date_time), "w", force_zip64=True) as out:
                out.write(data)


def test_untouched_parts_are_copied_compressed_as_they_were(generated: Path, tmp_path: Path) -> None:
    master = copy_of(generated, tmp_path, "tong-hop.xlsx")
    with_zip64_headers(master)  # as a streaming writer leaves them: the copy must skip their extra field
    before = raw_entries(master)
    with zipfile.ZipFile(master) as z, master.open("rb") as f:
        f.seek(z.getinfo(_part(master, schema.LIST)).header_offset + 28)
        assert struct.unpack("<H", f.read(2))[0] == 20
    assert tally_job(master, keep_backups=0).error is None
    after = raw_entries(master)
    written = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/styles.xml"}
    kept = [name for name in before if name not in written]
    assert len(kept) >= 10 and set(after) > set(before)  # TongHop is a new part
    for name in kept:
        assert after[name] == before[name], name  # method, CRC, size and the very compressed bytes
    assert_readable(master)


def test_the_package_is_what_the_old_way_wrote(generated: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Tally, status and one more merged file: every part, decompressed, equals what recompressing wrote."""
    extra = V.write_variant(V.make_variant(9_999, V.unit_pool()[-1]), tmp_path / "moi")  # one file, one mtime

    def run_all(master: Path) -> None:
        assert tally_job(master, keep_backups=0, with_registrations=True).error is None
        assert status_job(master, now=NOW, keep_backups=0).error is None
        assert merge_job(master, [str(extra)], now=NOW, keep_backups=0).error is None

    raw = copy_of(generated, tmp_path / "raw", "tong-hop.xlsx")
    run_all(raw)
    monkeypatch.setattr(master_mod, "_copy_raw", recompressing)
    old = copy_of(generated, tmp_path / "old", "tong-hop.xlsx")
    run_all(old)
    ours, theirs = parts_of(raw), parts_of(old)
    assert [n for n, _ in ours] == [n for n, _ in theirs]
    differing = [n for (n, a), (_, b) in zip(ours, theirs) if a != b]
    assert differing == []
    assert_readable(raw)


def test_the_sheets_a_job_replaces_or_leaves_are_never_read(generated: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    master = copy_of(generated, tmp_path, "tong-hop.xlsx")
    assert tally_job(master, keep_backups=0).error is None  # TongHop is there now: the next tally replaces it
    report = tally_content(read_master(master, need=TALLY_NEED), master=master)
    with zipfile.ZipFile(master) as z:
        sheets = {n for n in z.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)}
        chart = {n for n in z.namelist() if n.startswith("xl/charts/")}  # TongHop's old chart, dropped
    read: list[str] = []
    real_read = zipfile.ZipFile.read

    def spying(self: zipfile.ZipFile, name: Any, pwd: Any = None) -> bytes:
        if Path(str(self.filename)) == master:
            read.append(name.filename if isinstance(name, zipfile.ZipInfo) else name)
        return real_read(self, name, pwd)

    monkeypatch.setattr(zipfile.ZipFile, "read", spying)
    master_mod.write_sheets(master, report.sheets, keep_backups=0)
    monkeypatch.undo()
    assert "xl/styles.xml" in read  # what the write changes is read
    assert len(sheets) > 8 and chart and not (sheets | chart) & set(read)  # neither DanhSach nor the TongHop replaced
    assert_readable(master)


def unseekable_copy(source: Path, target: Path) -> Path:
    """The master rewritten as a writer that cannot seek writes it: every entry with a data descriptor
    (as Excel and LibreOffice save), the deflated data recompressed by another writer."""
    class Stream(io.RawIOBase):
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b: Any) -> int:
            self.data += bytes(b)
            return len(b)

    stream = Stream()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info))
    target.write_bytes(bytes(stream.data))
    return target


def test_a_master_saved_with_data_descriptors(generated: Path, tmp_path: Path) -> None:
    master = unseekable_copy(generated, tmp_path / "tong-hop.xlsx")
    with zipfile.ZipFile(master) as z:
        assert all(i.flag_bits & 0x08 for i in z.infolist())  # the case under test
        before = {i.filename: z.read(i) for i in z.infolist()}
    report = tally_job(master, keep_backups=0)
    assert report.error is None and report.tally.grand_total > 0
    with zipfile.ZipFile(master) as z:
        after = {i.filename: z.read(i) for i in z.infolist()}
        assert not any(i.flag_bits & 0x08 for i in z.infolist())  # sizes and CRC now in every local header
    assert after[_part(master, schema.LIST)] == before[_part(master, schema.LIST)]
    assert_readable(master)
    # and read back by the next job as any master
    assert tally_job(master, keep_backups=0).tally.to_json() == report.tally.to_json()


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_a_master_saved_by_libreoffice(generated: Path, tmp_path: Path) -> None:
    saved = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(saved), str(generated)],
                   check=True, capture_output=True, timeout=300)
    master = saved / generated.name
    with zipfile.ZipFile(master) as z:
        assert any(i.flag_bits & 0x08 for i in z.infolist())  # LibreOffice writes data descriptors
        before = {i.filename: z.read(i) for i in z.infolist()}
    expected = tally_content(read_master(generated)).tally.to_json()
    report = tally_job(master, keep_backups=0)
    assert report.error is None and report.tally.to_json() == expected
    # LibreOffice drops the seal, so the list to sign cannot be known to match DanhSach: made again
    assert report.print_list_refreshed
    remade = _part(master, schema.PRINT_LIST)
    with zipfile.ZipFile(master) as z:
        assert not any(i.flag_bits & 0x08 for i in z.infolist())  # no descriptor follows the data copied
        for info in z.infolist():
            if info.filename in before and info.filename.startswith("xl/worksheets/") and info.filename != remade:
                assert z.read(info) == before[info.filename], info.filename
    assert not tally_job(master, keep_backups=0).print_list_refreshed  # the seal now says what it was made from
    assert_readable(master)


def _part(master: Path, sheet: str) -> str:
    with zipfile.ZipFile(master) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = master_mod._attrs(next(t for t in master_mod._SHEET_TAG.findall(wb)
                                 if master_mod._attrs(t)["name"] == sheet))["r:id"]
    return "xl/" + master_mod._rels_targets(rels)[rid][1].lstrip("/").removeprefix("xl/")


# ---------------------------------------------------------------------------
# Reading: only the sheets a job uses


def sheets_asked(master: Path, need: Need | None) -> tuple[MasterContent, set[str]]:
    """The content read through a reader that records the sheets asked for (as a button's reader of the open book)."""
    book = pc.CalamineWorkbook.from_path(str(master))
    asked: set[str] = set()

    def rows(name: str) -> list[list[Any]] | None:
        asked.add(name)
        return book.get_sheet_by_name(name).to_python(skip_empty_area=False) if name in book.sheet_names else None

    try:
        return content_from_sheets(rows, need=need), asked
    finally:
        book.close()


@pytest.mark.parametrize(("need", "sheets"), [
    (TALLY_NEED, {schema.LIST, schema.SETTINGS, schema.CATALOGUE}),
    (TALLY_WITH_REGISTRATIONS_NEED, {schema.LIST, schema.REGISTRATIONS_LIST, schema.SETTINGS, schema.CATALOGUE}),
    (DELEGATES_NEED, {schema.LIST, schema.SETTINGS, schema.CATALOGUE, schema.GUESTS, schema.UNITS}),  # DonVi's quotas
    (STATUS_NEED, {schema.LIST, schema.ISSUES, schema.LOG, schema.SETTINGS, schema.ALIASES, schema.UNITS}),
    (FEEDBACK_NEED, {schema.LIST, schema.ISSUES, schema.LOG, schema.SETTINGS, schema.ALIASES, schema.UNITS,
                     schema.CATALOGUE}),
    (CHECK_NEED, {schema.SETTINGS, schema.CATALOGUE}),
])
def test_a_job_asks_only_for_the_sheets_it_uses(generated: Path, need: Need, sheets: set[str]) -> None:
    content, asked = sheets_asked(generated, need)
    assert asked == sheets
    full, every = sheets_asked(generated, None)
    assert every > sheets
    for part in ("issues", "log", "guests", "registrations"):
        if part not in need.parts:
            assert getattr(content, part) == [] and getattr(full, part) != [], part
    assert bool(content.register) == ("register" in need.parts)
    if "rows" in need.parts:
        assert len(content.rows) == len(full.rows) and content.unit == full.unit
        for lean, whole in zip(content.rows, full.rows):
            for key in schema.LIST_KEYS:
                value = getattr(lean, key)
                assert value == (getattr(whole, key) if need.columns is None or key in need.columns else None), key
        assert bool(content.shape.statuses) is False  # the clerk's edits are kept by the jobs that rewrite the list
    else:
        assert content.rows == []


def test_each_job_gives_what_a_full_read_gives(generated: Path, tmp_path: Path) -> None:
    full = read_master(generated)

    def lean(need: Need) -> MasterContent:
        return read_master(generated, need=need)

    assert len(full.shape.statuses) == len(full.rows)  # a full read (merge's) still keeps the clerk's edits
    tallied = tally_content(lean(TALLY_NEED), master=generated)
    assert tallied.tally.to_json() == tally_content(full, master=generated).tally.to_json()
    assert tallied.tally.grand_total > 0
    with_registrations = tally_content(lean(TALLY_WITH_REGISTRATIONS_NEED), master=generated, with_registrations=True)
    assert with_registrations.tally.to_json() == \
        tally_content(full, master=generated, with_registrations=True).tally.to_json()
    assert [s.rows for s in with_registrations.sheets] == \
        [s.rows for s in tally_content(full, master=generated, with_registrations=True).sheets]
    chosen, chosen_full = delegates_content(lean(DELEGATES_NEED)), delegates_content(full)
    assert chosen.result is not None and chosen.result.delegates
    assert chosen.result == chosen_full.result and chosen.result.guests == len(GUESTS)
    status, status_full = (status_content(c, master=generated, now=NOW) for c in (lean(STATUS_NEED), full))
    assert [u.to_json() for u in status.units] == [u.to_json() for u in status_full.units]
    assert [u.unit for u in status.unregistered] == [u.unit for u in status_full.unregistered]
    assert status.missing == ["Trường Tiểu học Chưa Nộp"] and status.sheets[0].rows == status_full.sheets[0].rows
    feedback, feedback_full = (feedback_content(generated, c, inbox=generated.parent / "hop-thu",
                                                out=tmp_path / f"tra-lai-{i}", now=NOW)
                               for i, c in enumerate((lean(FEEDBACK_NEED), full)))
    sent_back = [(u.unit, u.file, u.sha256, u.issues, u.source, u.cells, u.error) for u in feedback.units]
    assert sent_back and any(u.workbook for u in feedback.units)
    assert sent_back == [(u.unit, u.file, u.sha256, u.issues, u.source, u.cells, u.error) for u in feedback_full.units]
    assert feedback.clean_units == feedback_full.clean_units
    held, held_full = state_of(lean(STATUS_NEED)), state_of(full)
    assert held.keys() == held_full.keys() and len(held) >= 10
    assert all((v.sha256, v.sent_at, v.rows, v.issues) == (held_full[k].sha256, held_full[k].sent_at,
                                                            held_full[k].rows, held_full[k].issues)
               for k, v in held.items())
    checked = lean(CHECK_NEED)
    assert checked.catalogue.awards == full.catalogue.awards and len(full.catalogue.awards) > 10
    assert checked.settings == full.settings


def test_validate_into_the_master_reads_no_list(generated: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """`tdkt validate --into`: DanhSach is not even parsed (a list with a column deleted does not stop it)."""
    master = copy_of(generated, tmp_path, "tong-hop.xlsx")
    asked: list[str] = []
    real = pc.CalamineWorkbook.get_sheet_by_name

    def spying(self: Any, name: str) -> Any:
        asked.append(name)
        return real(self, name)

    monkeypatch.setattr(pc.CalamineWorkbook, "get_sheet_by_name", spying)
    unit = V.write_variant(V.make_variant(4_242, V.unit_pool()[3]), tmp_path / "moi")
    report = check_job(master, [str(unit)], keep_backups=0)
    assert report.error is None and report.validation.submissions[0].rows > 0
    assert schema.LIST not in asked and schema.ISSUES not in asked and schema.SETTINGS in asked


def test_need_names_only_parts_and_columns_of_a_master() -> None:
    with pytest.raises(ValueError):
        Need({"rows", "danh_sach"})
    with pytest.raises(ValueError):
        Need({"rows"}, columns={"ho_ten", "not_a_column"})
    assert "rows" in Need({"shape"}).parts
