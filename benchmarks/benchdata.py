"""Benchmark data sets shared by the ingest and merge benchmarks: generated once, then reused."""

from __future__ import annotations

import json
import sys
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, Callable

SEED = 0
MARKER = "dataset.json"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def ensure_data(folder: Path, n_files: int, n_rows: int, *, tag: dict[str, Any] | None = None,
                context: Callable[[], AbstractContextManager[Any]] = nullcontext, seed: int = SEED) -> list[Path]:
    """The benchmark workbooks in folder, generated unless a complete set is already there.

    `tag` is recorded in the marker (a set generated differently is regenerated); `context`
    wraps the generation (the merge benchmark makes unit names distinct that way).
    """
    from addin.demo import generate_unit_workbooks

    marker = folder / MARKER
    want: dict[str, Any] = {"files": n_files, "rows": n_rows, "seed": seed, **(tag or {})}
    if marker.is_file():
        try:
            have = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            have = {}
        paths = [folder / name for name in have.get("names", [])]
        if {k: have.get(k) for k in want} == want and len(paths) == n_files and all(p.is_file() for p in paths):
            log(f"using {n_files} workbooks in {folder}")
            return paths
    if folder.exists():
        for p in folder.glob("unit_*.xlsx"):
            p.unlink()
        marker.unlink(missing_ok=True)
    log(f"generating {n_files} workbooks, {n_rows} rows, into {folder} ...")
    t0 = time.perf_counter()
    with context():
        paths = generate_unit_workbooks(folder, n_files=n_files, total_rows=n_rows, seed=seed)
    took = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in paths)
    log(f"  generated in {took:.1f} s ({size / 1e6:.1f} MB)")
    marker.write_text(json.dumps({**want, "names": [p.name for p in paths], "generate_seconds": round(took, 2)},
                                 ensure_ascii=False, indent=1), encoding="utf-8")
    return paths
