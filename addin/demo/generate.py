"""Random layouts and units for benchmark data sets of any size."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from addin.demo.layout import Layout
from addin.demo.people import Unit, _COMMUNES, _DISTRICTS, _KINDERGARTEN_NAMES, _SCHOOL_NAMES, _commune_unit, _make_collectives, _make_people, _pgd_unit, _school_unit
from addin.demo.writer import DemoFile, _write_workbook


def _random_layout(rng: random.Random, n_rows: int) -> Layout:
    L = Layout()
    L.title = rng.choices(["official", "short", "oneline"], [75, 15, 10])[0]
    L.subtitle = rng.random() < 0.6
    L.birth = rng.choices(["date", "year", "namnu_year", "namnu_date"], [45, 15, 25, 15])[0]
    if L.birth == "date":
        L.birth_header = rng.choice(["Ngày sinh", "Ngày sinh", "Ngày, tháng, năm sinh"])
        if rng.random() < 0.6:
            L.date_styles = (rng.choice(["date", "dd/mm/yyyy", "d/m/yyyy", "dd-mm-yyyy", "dd.mm.yyyy"]),)
        else:
            L.date_styles = tuple(rng.sample(
                ["date", "dd/mm/yyyy", "d/m/yyyy", "dd-mm-yyyy", "dd.mm.yyyy", "year", "year_text"],
                rng.randint(2, 5)))
    elif L.birth == "year":
        L.birth_header = "Năm sinh"
        L.date_styles = ("year",) if rng.random() < 0.8 else ("year", "year_text")
    elif L.birth == "namnu_year":
        L.birth_header = "Năm sinh"
        L.date_styles = ("year",)
    else:
        L.birth_header = rng.choice(["Ngày, tháng, năm sinh", "Ngày sinh"])
        L.date_styles = (rng.choice(["date", "dd/mm/yyyy", "dd/mm/yyyy", "d/m/yyyy"]),)
    L.gender_col = True
    L.gender_mess = rng.choice([0.0, 0.0, 0.0, 0.15])
    L.dan_toc = rng.random() < 0.3
    L.position = rng.choices(["separate", "combined", "chuc_vu_only"], [50, 25, 25])[0]
    L.award = rng.choices(["one", "two", "two_flat"], [45, 40, 15])[0]
    L.award_header = rng.choice(["Danh hiệu/Hình thức đề nghị", "Danh hiệu/Hình thức đề nghị",
                                 "Danh hiệu thi đua/Hình thức khen thưởng", "Đề nghị khen thưởng"])
    L.rating = rng.random() < 0.8
    L.rating_first = rng.random() < 0.3
    L.initiative = rng.random() < 0.7
    L.initiative_qd = L.initiative and rng.random() < 0.25
    L.summary = rng.random() < 0.3
    L.note = rng.random() < 0.8
    L.stt_header = rng.choice(["STT", "STT", "STT", "TT"])
    L.collectives = rng.choices(["none", "sections", "sheets"], [55, 30, 15])[0] if n_rows >= 4 else "none"
    L.name_header = "Họ và tên cá nhân/Tên tập thể" if L.collectives == "sections" and rng.random() < 0.6 \
        else rng.choice(["Họ và tên", "Họ và tên", "Họ tên"])
    L.restart_stt = rng.random() < 0.7
    L.total_row = (L.collectives == "sections" and rng.random() < 0.8) or rng.random() < 0.1
    L.instructions = rng.random() < 0.12
    L.hidden = rng.random() < 0.1
    L.phantom_cols = rng.choice([150, 200]) if rng.random() < 0.05 else 0
    L.sheet_name = rng.choice(["Danh sach", "DS", "Sheet1", "DS de nghi", "Danh sách", "KT 2024-2025"])
    L.mess = rng.choice([0.0, 0.05, 0.15, 0.3])
    return L


def _random_unit(rng: random.Random, n_rows: int, used: set[str]) -> Unit:
    for _ in range(200):
        if n_rows > 250 and rng.random() < 0.25:
            u = _pgd_unit(rng.choice(_DISTRICTS), rng)
        elif n_rows > 90:
            ckind, cname = rng.choice(_COMMUNES)
            u = _commune_unit(ckind, cname, rng.choice(_DISTRICTS), rng, extra_schools=min(24, n_rows // 60))
        else:
            level = rng.choices(["MN", "TH", "THCS", "THPT"], [25, 35, 28, 12])[0]
            base = rng.choice(_KINDERGARTEN_NAMES if level == "MN" else _SCHOOL_NAMES)
            u = _school_unit(level, base, rng.choice(_DISTRICTS), long_level=rng.random() < 0.3,
                             minority=rng.choice([0.02, 0.05, 0.05, 0.3]))
        if u.name not in used:
            used.add(u.name)
            return u
    used.add(u.name)  # names ran out: a second list from the same unit (it happens)
    return u


def _lognormal_split(rng: random.Random, n: int, total: int) -> list[int]:
    """n sizes >= 1 summing to total, lognormally spread (largest-remainder rounding)."""
    weights = [rng.lognormvariate(0.0, 1.0) for _ in range(n)]
    spare = total - n
    s = sum(weights)
    raw = [w / s * spare for w in weights]
    sizes = [int(x) for x in raw]
    order = sorted(range(n), key=lambda i: raw[i] - sizes[i], reverse=True)
    for i in order[: spare - sum(sizes)]:
        sizes[i] += 1
    return [1 + x for x in sizes]


def _split_sizes(rng: random.Random, n_files: int, total_rows: int) -> list[int]:
    """Sizes summing exactly to total_rows, every file at least one row.

    About a third of the files are small schools (8-60 rows) when that leaves most rows to the
    others; the rest are spread lognormally (commune and district lists, some very long).
    """
    if n_files <= 0:
        return []
    if total_rows < n_files:
        raise ValueError(f"total_rows ({total_rows}) must be at least n_files ({n_files})")
    n_small = n_files // 3
    small = [rng.randint(8, 60) for _ in range(n_small)]
    n_big = n_files - n_small
    if n_small and sum(small) <= 0.15 * total_rows and total_rows - sum(small) >= n_big:
        sizes = small + _lognormal_split(rng, n_big, total_rows - sum(small))
        rng.shuffle(sizes)
        return sizes
    return _lognormal_split(rng, n_files, total_rows)


def generate_unit_workbooks(folder: Path, n_files: int = 70, total_rows: int = 50_000,
                            seed: int = 0) -> list[Path]:
    """Write n_files unit workbooks with total_rows nominee rows in all (for benchmarks).

    Files are named unit_000.xlsx, unit_001.xlsx, ...; each has its own unit, layout and size
    (lognormal: some small, some large). Rows are nominee rows (individuals and collectives),
    without exact duplicates, so a correct ingest recognises exactly total_rows rows.
    """
    return [f.path for f in _generate(Path(folder), n_files, total_rows, seed)]


def _generate(folder: Path, n_files: int, total_rows: int, seed: int) -> list[DemoFile]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    sizes = _split_sizes(rng, n_files, total_rows)
    used: set[str] = set()
    out = []
    width = max(3, len(str(n_files - 1)))
    for i, n in enumerate(sizes):
        frng = random.Random(f"tdkt-unit-{seed}-{i}")
        layout = _random_layout(frng, n)
        unit = _random_unit(frng, n, used)
        n_coll = 0
        if layout.collectives != "none":
            n_coll = max(1, min(n - 1, round(n * frng.uniform(0.05, 0.15))))
        one = layout.award == "one"
        qd = unit.abbrev
        people = _make_people(frng, unit, n - n_coll, one, qd)
        colls = _make_collectives(frng, unit, n_coll, one)
        doc_date = date(2025, 5, frng.randint(5, 28))
        path = folder / f"unit_{i:0{width}d}.xlsx"
        out.append(_write_workbook(path, unit, layout, people, colls, frng, doc_date))
    return out
