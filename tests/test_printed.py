"""Pages a clerk can sign: the printed TongHop and DaiBieu, rendered by LibreOffice and read back.

Each page is rendered to PDF; `pdftotext -bbox` gives every word's box: its height is the
printed size of the word, and words are put back together cell by cell (the lines of a wrapped
cell share their left edge, or their centre when centred) to find each unit name whole.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest

from addin import schema
from addin.jobs import delegates_job, tally_job
from addin.schema import LIST_COLUMNS, LIST_KEYS, PROPOSALS, MasterRow
from addin.workbook.export import export_pdf
from addin.workbook.master import SheetData, write_sheets

needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice (soffice) and pdftotext are needed to render sheets")

KINDS = ["Trường Mầm non", "Trường Tiểu học", "Trường Trung học cơ sở", "Trường Tiểu học và Trung học cơ sở"]
NAMES = ["Nguyễn Bỉnh Khiêm", "Hướng Dương", "Lê Quý Đôn", "Chu Văn An", "Võ Thị Sáu", "Hoa Sen"]
AWARDS = [("LDTT", "Cá nhân"), ("CSTDCS", "Cá nhân"), ("GK", "Cá nhân"), ("BK_TINH", "Cá nhân"),
          ("GK (đột xuất)", "Cá nhân"), ("CSTD_TINH", "Cá nhân"), ("BK_BO", "Cá nhân"), ("KNC_GD", "Cá nhân"),
          ("TTLDTT", "Tập thể"), ("TTLDXS", "Tập thể"), ("GK", "Tập thể"), ("BK_TINH", "Tập thể")]


def unit_names(n: int) -> list[str]:
    """n distinct unit names as units write them; every seventh is long (a remote commune's school)."""
    names = []
    for i in range(n):
        name = f"{KINDS[i % 4]} {NAMES[i % 6]} số {i + 1}"
        if i % 7 == 3:
            name += " xã Đắk Glei huyện vùng cao đặc biệt khó khăn"
        names.append(name)
    return names


def master_of(path: Path, n_units: int) -> list[str]:
    """A master whose DanhSach proposes awards of 12 categories from n units (seeded); its units."""
    rng = random.Random(n_units)
    rows = []
    units = unit_names(n_units)
    for unit in units:
        for code, target in AWARDS:
            for _ in range(rng.randint(0, 3)):
                rows.append(MasterRow.of(unit=unit, ma=code, target=target, status="OK", nam_hoc="2024-2025",
                                         ho_ten="Nguyễn Văn An"))
    for i, row in enumerate(rows, start=1):
        row.stt = i
    headers = PROPOSALS.headers
    write_sheets(path, [SheetData(schema.LIST, [headers[k] for k in LIST_KEYS], rows,
                                  widths=schema.widths(LIST_COLUMNS)),
                        SheetData(schema.LOG, schema.headers(schema.LOG_COLUMNS), [])],  # a master has its log
                 keep_backups=0)
    return units


@dataclass
class Word:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def height(self) -> float:
        return self.y1 - self.y0


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def words_of(pdf: Path) -> list[Word]:
    """Every word of the PDF with its box (points), page by page."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    out = []
    for n, page in enumerate(xml.split("<page ")[1:], start=1):
        for m in _WORD.finditer(page):
            out.append(Word(n, float(m.group(1)), float(m.group(2)), float(m.group(3)), float(m.group(4)),
                            unescape(m.group(5))))
    return out


def cell_texts(words: list[Word]) -> list[str]:
    """The text of each printed column, lines joined top to bottom.

    Words on one line closer than a space's width belong to one run; runs that share their left
    edge (left-aligned cells) or their centre (centred cells) are lines of one column.
    """
    texts = []
    for page in sorted({w.page for w in words}):
        runs: list[list[Word]] = []
        for w in sorted((w for w in words if w.page == page), key=lambda w: (round(w.y0, 1), w.x0)):
            last = runs[-1][-1] if runs else None
            if last and abs(last.y0 - w.y0) < 0.5 and w.x0 - last.x1 < 4.5:
                runs[-1].append(w)
            else:
                runs.append([w])
        for key in (lambda r: r[0].x0, lambda r: (r[0].x0 + r[-1].x1) / 2):
            ordered = sorted(runs, key=key)
            group: list[list[Word]] = []
            for run in ordered + [None]:
                if run is not None and group and key(run) - key(group[-1]) < 1.5:
                    group.append(run)
                    continue
                if group:
                    lines = sorted(group, key=lambda r: r[0].y0)
                    texts.append(" ".join(" ".join(w.text for w in r) for r in lines))
                group = [run] if run is not None else []
    return [" " + " ".join(t.split()) + " " for t in texts]


def missing_names(names: list[str], pdf: Path) -> list[str]:
    texts = cell_texts(words_of(pdf))
    return [n for n in names if not any(f" {n} " in t for t in texts)]


def render(master: Path, sheet: str, tmp_path: Path) -> Path:
    return export_pdf(master, sheet, tmp_path / f"{sheet}.pdf")


@needs_libreoffice
@pytest.mark.parametrize("n_units", [8, 40, 300])
def test_printed_tally_words_are_9_pt_and_every_unit_name_is_whole(tmp_path: Path, n_units: int) -> None:
    master = tmp_path / "tong-hop.xlsx"
    units = master_of(master, n_units)
    report = tally_job(master)
    assert report.error is None and report.tally.units == units
    pdf = render(master, schema.TALLY, tmp_path)
    words = words_of(pdf)
    small = [(w.page, w.text, round(w.height, 1)) for w in words if w.height < 9]
    assert words and not small, small[:10]
    assert missing_names(units, pdf) == []
    assert missing_names([units[0] + " Mới"], pdf) == [units[0] + " Mới"]  # the search can miss
    text = " ".join(w.text for w in words)
    assert "BIỂU TỔNG HỢP KẾT QUẢ ĐỀ NGHỊ KHEN THƯỞNG" in " ".join(text.split())
    # every printed page is as wide as the paper: no column spills onto a page of its own
    pages = max(w.page for w in words)
    for page in range(1, pages + 1):
        on_page = [w for w in words if w.page == page]
        assert on_page and max(w.x1 for w in on_page) < 842 - 20, page
    chart_pages = [p for p in page_texts(pdf) if "Số danh hiệu, hình thức đề nghị theo đơn vị" in p]
    if n_units <= 21:  # the chart's page: a bar per unit, and no table header over it
        assert len(chart_pages) == 1 and "STT" not in chart_pages[0]
    else:  # too many bars for a page: the note says so
        assert not chart_pages and "Biểu đồ chỉ vẽ khi có đến 21 đơn vị" in " ".join(text.split())
    if n_units > 8:  # units down, the categories across: individuals, collectives, totals by unit
        titles = [t for t in ("I. KHEN THƯỞNG CÁ NHÂN", "II. KHEN THƯỞNG TẬP THỂ", "III. TỔNG HỢP THEO ĐƠN VỊ")]
        joined = " ".join(text.split())
        assert all(t in joined for t in titles), titles
        # each group starts on a page of its own
        first_pages = {}
        for t in ("I.", "II.", "III."):
            first_pages[t] = next(w.page for w in words if w.text == t)
        assert first_pages["I."] < first_pages["II."] < first_pages["III."]


def page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    return [p for p in text.split("\f") if p.strip()]


@needs_libreoffice
def test_printed_tally_numbers_pages_at_the_top_from_the_second(tmp_path: Path) -> None:
    master = tmp_path / "tong-hop.xlsx"
    master_of(master, 40)
    tally_job(master)
    pdf = render(master, schema.TALLY, tmp_path)
    pages = page_texts(pdf)
    assert len(pages) > 2
    words = words_of(pdf)
    for n in range(1, len(pages) + 1):
        top = sorted((w for w in words if w.page == n), key=lambda w: w.y0)[0]
        if n == 1:
            assert top.text != "1"  # Nghị định 30/2020: no number on the first page
        else:
            assert top.text == str(n) and abs((top.x0 + top.x1) / 2 - 842 / 2) < 30, (n, top)
    assert "Trang" not in " ".join(pages)
    # the header of a table is printed only over its own rows: every page that has a header row
    # has a unit row under it, and the last page has the totals and the signatures
    for page in pages[:-1]:
        if "STT" in page:
            assert re.search(r"^\s*\d+\s+Trường", page.split("STT", 1)[1], flags=re.M), page[:300]
    assert "Tổng cộng" in pages[-1] and "NGƯỜI LẬP BIỂU" in pages[-1]
