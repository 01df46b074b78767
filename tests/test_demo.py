"""The synthetic workbook generator (addin/demo/): deterministic, exact sizes, realistic titles."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import python_calamine

from addin.demo import generate_unit_workbooks, write_demo_inbox, write_demo_inbox_with_manifest


def _values(path: Path) -> list[tuple[str, list[list[Any]]]]:
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    return [(name, wb.get_sheet_by_name(name).to_python()) for name in wb.sheet_names]


def _texts(sheets: list[tuple[str, list[list[Any]]]]) -> list[str]:
    return [v for _, rows in sheets for row in rows for v in row if isinstance(v, str) and v]


def test_same_seed_same_cells_and_bytes(tmp_path: Path) -> None:
    a = generate_unit_workbooks(tmp_path / "a", n_files=4, total_rows=120, seed=7)
    b = generate_unit_workbooks(tmp_path / "b", n_files=4, total_rows=120, seed=7)
    assert [p.name for p in a] == [p.name for p in b] == [f"unit_{i:03d}.xlsx" for i in range(4)]
    for pa, pb in zip(a, b):
        assert _values(pa) == _values(pb)
        assert pa.read_bytes() == pb.read_bytes()  # fixed creation time: byte-identical files


def test_demo_inbox_is_deterministic(tmp_path: Path) -> None:
    a = write_demo_inbox(tmp_path / "a")
    b = write_demo_inbox(tmp_path / "b")
    assert [p.name for p in a] == [p.name for p in b]
    for pa, pb in zip(a, b):
        assert _values(pa) == _values(pb)


def test_other_seed_other_cells(tmp_path: Path) -> None:
    a = generate_unit_workbooks(tmp_path / "a", n_files=2, total_rows=60, seed=1)
    b = generate_unit_workbooks(tmp_path / "b", n_files=2, total_rows=60, seed=2)
    assert _values(a[0]) != _values(b[0])


def test_row_counts_sum_to_total(tmp_path: Path) -> None:
    paths = generate_unit_workbooks(tmp_path, n_files=5, total_rows=400, seed=3)
    assert len(paths) == 5
    counted = 0
    sizes = []
    for p in paths:
        n = 0
        for _, rows in _values(p):
            # a nominee row: a numeric STT in column A and a name (or collective) in column B
            n += sum(1 for r in rows if len(r) > 1 and isinstance(r[0], float) and isinstance(r[1], str) and r[1])
        sizes.append(n)
        counted += n
    assert counted == 400
    assert min(sizes) >= 1
    assert max(sizes) > 2 * min(sizes)  # sizes vary


def test_benchmark_sizes_vary_and_sum(tmp_path: Path) -> None:
    from addin.demo import _split_sizes
    import random

    sizes = _split_sizes(random.Random(0), 70, 50_000)
    assert sum(sizes) == 50_000 and len(sizes) == 70
    assert min(sizes) < 60 and max(sizes) > 2_000
    assert _split_sizes(random.Random(0), 3, 3) == [1, 1, 1]


def test_demo_inbox_opens_and_is_vietnamese(tmp_path: Path) -> None:
    paths = write_demo_inbox(tmp_path)
    assert 6 <= len(paths) <= 10
    for p in paths:
        assert p.suffix == ".xlsx" and p.name.isascii()
        texts = _texts(_values(p))
        titles = [t for t in texts if t.startswith("DANH SÁCH") and "KHEN THƯỞNG" in t]
        assert titles, p.name
        assert any("NĂM HỌC 2024-2025" in t for t in titles), p.name
        assert all(t == unicodedata.normalize("NFC", t) for t in texts)
    official = _values(paths[0])[0][1]
    assert official[0][0] == "PHÒNG GD&ĐT THÀNH PHỐ TRÀ GIANG"
    assert official[1][0] == "TRƯỜNG THCS NGUYỄN DU"
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in official[0]
    assert "Độc lập - Tự do - Hạnh phúc" in official[1]
    footer = _texts([("", official[-8:])])
    assert "NGƯỜI LẬP BIỂU" in footer and "HIỆU TRƯỞNG" in footer


def test_demo_layouts_and_quirks(tmp_path: Path) -> None:
    files = {f.path.name: f for f in write_demo_inbox_with_manifest(tmp_path)}
    sheets = {name: _values(f.path) for name, f in files.items()}
    everything = _texts([s for v in sheets.values() for s in v])

    # two-row merged header: "Năm sinh" over Nam | Nữ, "Đề nghị" over two award columns
    nd = sheets["THCS Nguyen Du - DS de nghi KT 2024-2025.xlsx"][0][1]
    top = next(i for i, r in enumerate(nd) if r and r[0] == "STT")
    assert "Năm sinh" in nd[top] and "Đề nghị" in nd[top]
    assert ["Nam", "Nữ"] == [v for v in nd[top + 1] if v in ("Nam", "Nữ")]
    assert {"Danh hiệu thi đua", "Hình thức khen thưởng"} <= set(nd[top + 1])
    # the birth year sits under exactly one of Nam / Nữ
    c_nam = nd[top + 1].index("Nam")
    for r in nd[top + 2: top + 10]:
        assert (r[c_nam] == "") != (r[c_nam + 1] == "")

    # sections, collectives and a total row
    tp = sheets["THPT Tran Phu - ca nhan, tap the.xlsx"][0][1]
    firsts = [r[0] for r in tp if r]
    assert "I. CÁ NHÂN" in firsts and "II. TẬP THỂ" in firsts
    assert any("Tổng cộng" in v for r in tp for v in r if isinstance(v, str))

    # separate sheets, an instructions sheet, a hidden sheet
    assert [n for n, _ in sheets["TT GDNN-GDTX Tra Giang - DS khen thuong.xlsx"]] == ["Cá nhân", "Tập thể"]
    assert sheets["MN Hoa Sen - DS de nghi KT.xlsx"][0][0] == "Hướng dẫn"
    wb = python_calamine.CalamineWorkbook.from_path(str(files["THCS Vo Thi Sau - DS de nghi 2024-2025.xlsx"].path))
    assert [str(m.visible).endswith("Hidden") for m in wb.sheets_metadata] == [False, True]

    # dates in many spellings, real date cells included
    le_loi = sheets["TH Le Loi - DS de nghi khen thuong 2024-2025.xlsx"][0][1]
    assert any(isinstance(v, date) for r in le_loi for v in r)
    tan_phu = _texts(sheets["UBND xa Tan Phu - DS de nghi khen thuong.xlsx"])
    assert any(t.count("-") == 2 and t.replace("-", "").isdigit() for t in tan_phu)
    assert any(t.count(".") == 2 and t.replace(".", "").isdigit() for t in tan_phu)
    assert any(", Trường " in t for t in tan_phu)  # "Chức vụ, đơn vị công tác" in one column

    # awards and ratings as clerks write them
    squeezed = {" ".join(t.split()).lower() for t in everything}
    assert {"lđtt", "lao động tiên tiến", "cstđcs", "httnv", "htxsnv", "hoàn thành tốt nhiệm vụ"} <= squeezed
    assert any(t.startswith(("bằng khen", "bk ")) for t in squeezed)
    assert any(t.startswith(("giấy khen", "gk ")) for t in squeezed)


def test_demo_planted_errors(tmp_path: Path) -> None:
    files = write_demo_inbox_with_manifest(tmp_path)
    planted = {code: (f.path, sheet, row) for f in files for sheet, row, code in f.planted}
    assert set(planted) == {"missing-value", "invalid-date", "unknown-award", "award-target-mismatch",
                            "duplicate-in-file", "cstdcs-criteria"}
    assert sum(1 for f in files if f.planted) <= 3  # most files are clean

    def row(code: str) -> tuple[list[Any], list[Any]]:
        path, sheet, r = planted[code]
        rows = dict(_values(path))[sheet]
        header = next(x for x in rows if x and x[0] in ("STT", "TT"))
        return header, rows[r - 1]

    h, r = row("missing-value")
    assert r[h.index("Họ và tên")] == "" and isinstance(r[0], float)
    h, r = row("invalid-date")
    assert "31/02/1985" in r
    h, r = row("unknown-award")
    assert "Huy hiệu Ngôi sao Giáo dục" in r
    h, r = row("award-target-mismatch")
    assert any(isinstance(v, str) and v.startswith("Cờ thi đua") for v in r)
    h, r = row("cstdcs-criteria")
    assert " ".join(r[h.index("Xếp loại")].split()).lower() in ("hoàn thành tốt nhiệm vụ", "httnv", "hoàn thành tốt nv")
    assert any(isinstance(v, str) and "cstđ" in v.lower() or "chiến s" in str(v).lower() for v in r)
    assert r[h.index("Tên sáng kiến")] == ""
    path, sheet, dup_row = planted["duplicate-in-file"]
    rows = dict(_values(path))[sheet]
    dup = rows[dup_row - 1]
    assert [x[1:] for x in rows[: dup_row - 1] if x and isinstance(x[0], float)].count(dup[1:]) == 1
