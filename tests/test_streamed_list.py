"""DanhSach read a row at a time (issue 14) gives what reading it whole gave.

_read_list now takes the list sheet as calamine's iter_rows gives it, converting each numbered
row as it comes (a large DanhSach is never held as grid and rows at once). The plain code, as it
was, is kept here and both are run on generated sheets with every clerk edit the reader knows:
renamed and synonym headers, moved, deleted and own columns, notes, a signature block, hand
statuses, an empty first column; and on a master written and read back from the file.
"""

from __future__ import annotations

import random
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import python_calamine as pc

from addin import schema
from addin.schema import LIST_INDEX, LIST_KEYS, MasterRow
from addin.workbook import masterbook as mb
from addin.workbook.masterbook import (_FIRST_SIGNATURE, _SIGNATURE_HINTS, ListShape, ListUnusable, _as_int,
                                       _find_list_header, _map_columns, _moment, _person, _read_list, _sheet_rows,
                                       _text, _value, provenance)
from addin.text import clean

# ---------------------------------------------------------------------------
# The plain code, as it was before the rows were streamed


def plain_signature_rows(listing: list[list[Any]], start: int) -> dict[int, set[int] | None]:
    """Rows (index -> columns, None: every column) of our signature block under the table, from `start` on."""
    for i in range(start, len(listing)):
        if any(_text(v) in _SIGNATURE_HINTS for v in listing[i]):
            role = {c for c, v in enumerate(listing[i - 1])
                    if _text(v) == _FIRST_SIGNATURE or (c > 0 and _text(v) and _text(v) == _text(v).upper())}
            return {i - 1: role, i: None, i + 4: None}
    return {}


def plain_read_list(listing: list[list[Any]] | None, headers: dict[str, str],
               sheet: str = schema.LIST, *, keys: frozenset[str] | None = None,
               with_shape: bool = True) -> tuple[str | None, list[MasterRow], ListShape]:
    """The unit named in a list sheet's title block (DanhSach, DangKy), its rows, and what the clerk made of it.

    Columns are found by header (see _map_columns), wherever the clerk moved them. A numbered row
    (STT) is a row of ours; any other line under the header, but our signature block, is the
    clerk's note. A column tdkt needs (schema.LIST_REQUIRED) that is no longer there stops the
    run: ListUnusable, naming it and any header tdkt does not recognise. `keys`: the columns given
    values (None: all); without `with_shape`, the clerk's per-row edits (statuses, values of the
    clerk's columns) are not gathered.
    """
    unit, rows, shape = None, [], ListShape()
    if not listing:
        return unit, rows, shape
    h = _find_list_header(listing, headers)
    if h is None:
        return unit, rows, shape
    # the issuer block: its lowest line names the master's own unit
    issuer = [clean(str(r[0])) for r in listing[:2] if r and isinstance(r[0], str) and clean(r[0])]
    if issuer:
        unit = issuer[-1]
    header = [_text(v) for v in listing[h]]
    columns = _map_columns(header, headers, sheet)
    mapped = set(columns.values())
    stt_at = next((i for i, k in columns.items() if k == "stt"), None)
    numbered = [r for r in range(h + 1, len(listing)) if stt_at is not None and stt_at < len(listing[r])
                and isinstance(listing[r][stt_at], (int, float)) and not isinstance(listing[r][stt_at], bool)]
    width = max((len(listing[r]) for r in [h, *numbered]), default=0)
    extra_at = [i for i in range(width) if i not in columns
                and ((i < len(header) and header[i]) or any(i < len(listing[r]) and _text(listing[r][i]) for r in numbered))]
    unknown = [header[i] for i in extra_at if i < len(header) and header[i]]
    missing = [k for k in schema.LIST_REQUIRED if k not in mapped]
    if missing:
        names = ", ".join(f"\"{headers[k]}\"" for k in missing)
        if unknown:
            strange = ", ".join(f"\"{t}\"" for t in unknown)
            raise ListUnusable(
                f"Trang {sheet} không còn cột {names} mà tdkt cần, và có cột {strange} mà tdkt không nhận ra. "
                f"Nếu đó là cột {names} đã đổi tên, hãy đặt lại tiêu đề {names} (hoặc một cách gọi tdkt hiểu, "
                f"như \"Họ tên\" cho \"Họ và tên\"); nếu cột đã bị xóa, hãy lấy lại (Ctrl+Z, hoặc chép từ bản sao lưu "
                f"trong thư mục \"<tên sổ>.sao-luu\" cạnh sổ). Muốn khỏi thấy một cột thì ẩn cột (Hide), đừng xóa. "
                f"Chưa ghi gì vào sổ.")
        raise ListUnusable(
            f"Trang {sheet} không còn cột {names} mà tdkt cần. Hãy lấy lại cột đó (Ctrl+Z, hoặc chép từ bản sao lưu "
            f"trong thư mục \"<tên sổ>.sao-luu\" cạnh sổ); muốn khỏi thấy một cột thì ẩn cột (Hide), đừng xóa. Chưa ghi gì vào sổ.")
    shape.headers = {k: header[i] for i, k in columns.items()}
    shape.deleted = {k for k in schema.LIST_DELETABLE if k not in mapped}
    shape.extra_headers = [header[i] if i < len(header) else "" for i in extra_at]
    # A master tdkt wrote has our columns in our order: each row of a full read is then one
    # comprehension. Equal texts become one string object (units, positions, awards, files repeat on
    # every row: a third less memory on a large master), and the few distinct times are made aware
    # once each. A job that needs some columns only (keys) gets those: (sheet column, row index).
    same: dict[str, str] = {}
    aware: dict[Any, Any] = {}
    width_ours = len(LIST_KEYS)
    identity = keys is None and all(columns.get(i) == k for i, k in enumerate(LIST_KEYS))
    filled = [(i, LIST_INDEX[k]) for i, k in columns.items() if keys is None or k in keys]
    given = {k for k in columns.values() if keys is None or k in keys}
    whole, moments = bool(given & {"nam_sinh", "src_row"}), bool(given & {"sent_at", "merged_at"})
    at_nam_sinh, at_src_row, at_ngay_sinh = LIST_INDEX["nam_sinh"], LIST_INDEX["src_row"], LIST_INDEX["ngay_sinh"]
    at_sent, at_merged = LIST_INDEX["sent_at"], LIST_INDEX["merged_at"]
    for r in numbered:
        raw = listing[r]
        listing[r] = []  # its values now live in the row (the notes below skip numbered rows)
        if identity and len(raw) >= width_ours:
            row = MasterRow([None if v == "" else same.setdefault(v, v) if type(v) is str else v
                             for v in raw[:width_ours]])
        else:
            row = MasterRow.blank()
            n = len(raw)
            for i, at in filled:
                if i < n:
                    v = raw[i]
                    row[at] = None if v == "" else same.setdefault(v, v) if type(v) is str else v
        if whole:
            row[at_nam_sinh], row[at_src_row] = _as_int(row[at_nam_sinh]), _as_int(row[at_src_row])
        if isinstance(row[at_ngay_sinh], datetime):
            row[at_ngay_sinh] = row[at_ngay_sinh].date()
        # (added with the streamed reader's own change: a status typed loosely reads as the one it spells)
        if row.status is not None and row.status not in mb._STATUS_SET:
            row.status = mb._STATUS_LABELS.get(mb._loose(str(row.status)), row.status)
        if moments:
            for at in (at_sent, at_merged):
                v = row[at]
                if v is not None:
                    made = aware.get(v)
                    if made is None:
                        made = aware[v] = _moment(v)
                    row[at] = made
        rows.append(row)
        if not with_shape:
            continue
        key = provenance(row)
        shape.statuses[key] = (row.status, row.status_text)
        if extra_at:
            values = [_value(raw[i]) if i < len(raw) else None for i in extra_at]
            if any(v is not None for v in values):
                shape.extras[key] = values
                person = _person(row)
                shape.extras_by_person[person] = None if person in shape.extras_by_person else values
    ours = plain_signature_rows(listing, (numbered[-1] if numbered else h) + 1)
    taken = set(numbered)
    for r in range(h + 1, len(listing)):
        if r in taken:
            continue
        skip = ours.get(r, set()) if r in ours else set()
        texts = [_text(v) for c, v in enumerate(listing[r]) if skip is not None and c not in skip]
        line = " ".join(t for t in texts if t)
        if line:
            shape.notes.append(line)
    return unit, rows, shape



# ---------------------------------------------------------------------------
# Generated list sheets, with the clerk's edits


def _grid(seed: int) -> list[list[Any]]:
    """A DanhSach grid as calamine gives it (a rectangle, "" for empty cells), with edits drawn at random."""
    pick = random.Random(seed)
    keys = list(LIST_KEYS)
    if pick.random() < 0.3:  # a deletable column deleted
        keys.remove(pick.choice(sorted(schema.LIST_DELETABLE)))
    if pick.random() < 0.3:  # columns moved
        a, b = pick.sample(range(1, len(keys)), 2)
        keys[a], keys[b] = keys[b], keys[a]
    headers = [schema.LIST_HEADERS[k] for k in keys]
    if pick.random() < 0.3:  # a header renamed the way the reader still knows it
        headers[keys.index("ho_ten")] = pick.choice(["Họ tên", "HỌ VÀ TÊN", "Ho va ten"])
    own = pick.choice([[], ["Ghi chú riêng"], ["Điểm", ""]])  # the clerk's own columns (one with no header)
    headers += own
    width = len(headers) + pick.choice([0, 0, 2])  # empty columns at the right
    lead = pick.random() < 0.25  # an empty first column
    rows: list[list[Any]] = [["SỞ GIÁO DỤC VÀ ĐÀO TẠO"], [pick.choice(["TRƯỜNG THPT SỐ 1", "", "Phòng GD&ĐT A"])],
                             [], ["DANH SÁCH TỔNG HỢP ĐỀ NGHỊ KHEN THƯỞNG"], ["Năm học 2024-2025"], [], headers]
    units = ["Trường TH A", "Trường THCS B", "Trường MN C"]
    n = pick.randint(0, 60)
    for i in range(n):
        values = {
            "stt": float(i + 1), "unit": pick.choice(units), "ho_ten": pick.choice(["Nguyễn Văn An", "Lê Thị Bình", "Tổ Toán"]) + f" {i % 17}",
            "target": pick.choice(["Cá nhân", "Tập thể"]), "ngay_sinh": pick.choice(["", datetime(1980, 5, i % 28 + 1), "01/02/1990"]),
            "nam_sinh": pick.choice(["", 1980.0, "1985"]), "status": pick.choice(["OK", "Cảnh báo", "Lỗi", "lỗi"]),
            "status_text": pick.choice(["", "Cảnh báo: thiếu ngày sinh"]), "src_unit": pick.choice(units),
            "sha256": pick.choice(["a" * 64, "b" * 64]), "src_sheet": pick.choice(["Sheet1", "DS"]),
            "src_row": float(i + 5), "sent_at": pick.choice(["", datetime(2026, 12, 1, 8, 30)]),
            "merged_at": datetime(2026, 12, 2, 9, 0), "ghi_chu": pick.choice(["", "", "Giữ tình trạng"]),
        }
        row = [values.get(k, pick.choice(["", "x", 1.0])) for k in keys]
        row += [pick.choice(["", "", "ghi của văn thư", 7.0]) for _ in own]
        rows.append(row)
        if pick.random() < 0.05:
            rows.append([])  # a blank line inside the table
    if pick.random() < 0.6:
        rows += [[], ["Ghi chú: danh sách đã rà soát"], ["", "  ", "thêm một dòng"]]
    if pick.random() < 0.6:  # our signature block
        rows += [[], [_FIRST_SIGNATURE, "", "", "THỦ TRƯỞNG ĐƠN VỊ"], ["(Ký, ghi rõ họ tên)", "", "", "(Ký tên, đóng dấu)"],
                 [], [], [], ["Nguyễn Văn Lập", "", "", "Trần Văn Ký"]]
    grid = [(list(r) + [""] * width)[:width] for r in rows]
    return [[""] + r for r in grid] if lead else grid


def _same(a: tuple[Any, list[MasterRow], ListShape], b: tuple[Any, list[MasterRow], ListShape]) -> None:
    assert a[0] == b[0]
    assert [list(r) for r in a[1]] == [list(r) for r in b[1]]
    assert a[2] == b[2]


@pytest.mark.parametrize("seed", range(60))
def test_a_list_read_a_row_at_a_time_is_the_list_read_whole(seed: int) -> None:
    grid = _grid(seed)
    for keys, with_shape in ((None, True), (None, False), (frozenset({"unit", "ma", "status", "nam_hoc"}), False)):
        try:
            want = plain_read_list([list(r) for r in grid], schema.LIST_HEADERS, keys=keys, with_shape=with_shape)
        except ListUnusable as exc:
            with pytest.raises(ListUnusable, match=re.escape(str(exc)[:60])):
                _read_list(iter([list(r) for r in grid]), schema.LIST_HEADERS, keys=keys, with_shape=with_shape)
            continue
        _same(_read_list(iter([list(r) for r in grid]), schema.LIST_HEADERS, keys=keys, with_shape=with_shape), want)
        _same(_read_list([list(r) for r in grid], schema.LIST_HEADERS, keys=keys, with_shape=with_shape), want)


def test_a_master_read_from_the_file_a_row_at_a_time_is_the_master_read_whole(tmp_path: Path) -> None:
    import openpyxl

    from addin.workbook.master import SheetData, write_sheets

    path = tmp_path / "so.xlsx"
    rows = [MasterRow.of(stt=i + 1, ho_ten=f"Người {i}", unit="Trường TH A", target="Cá nhân", status="OK",
                         sha256="c" * 64, src_sheet="DS", src_row=i + 3, ngay_sinh=date(1980, 1, 1 + i % 28),
                         merged_at=datetime(2026, 12, 2, 9, 0)) for i in range(300)]
    write_sheets(path, [SheetData(schema.LIST, schema.headers(schema.LIST_COLUMNS), rows,
                                  widths=schema.widths(schema.LIST_COLUMNS))], keep_backups=0)
    book = openpyxl.load_workbook(path)  # as a clerk leaves it: an empty first column, a note, an own column
    ws = book[schema.LIST]
    ws.insert_cols(1)
    ws.cell(row=ws.max_row + 2, column=3, value="Ghi chú của văn thư")
    ws.cell(row=9, column=ws.max_column + 1, value="Riêng")
    book.save(path)
    for lazy in (False, True):
        wb = pc.CalamineWorkbook.from_path(str(path))
        try:
            whole = wb.get_sheet_by_name(schema.LIST).to_python(skip_empty_area=False)
            got = _read_list(_sheet_rows(wb, schema.LIST, lazy=lazy), schema.LIST_HEADERS)
        finally:
            wb.close()
        _same(got, plain_read_list(whole, schema.LIST_HEADERS))
        assert len(got[1]) == 300 and got[2].notes and got[2].extra_headers
