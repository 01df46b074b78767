"""Ingest speed: our reader against raw python-calamine and a naive pandas read, in one run.

    python benchmarks/ingest.py [--files 70] [--rows 50000] [--data DIR] [--repeat 3] [--json]

Generates `--files` synthetic unit workbooks holding `--rows` nominee rows in all
(addin.demo.generate_unit_workbooks; reused when the data folder already holds a complete set),
then times, each best of `--repeat` runs over all files:

  calamine  python_calamine.CalamineWorkbook.from_path + to_python() on every sheet (the floor:
            reading cells with no interpretation at all)
  pandas    pandas.read_excel(f, sheet_name=None, engine="openpyxl", header=None) for every file,
            concatenated (what a clerk's script would do; it still knows nothing of the layout)
  ours      addin.ingest.read_submission(path) for every file, summing Submission.rows

Goals: ours / calamine <= 2.0 and pandas / ours >= 5.0. Prints PASS or MISS for each and always
exits 0 (a benchmark reports, it does not gate).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchdata import ensure_data, log  # noqa: E402  (benchmarks/benchdata.py)


GOAL_OURS_VS_CALAMINE = 2.0  # ours / calamine must be at most this
GOAL_PANDAS_VS_OURS = 5.0  # pandas / ours must be at least this




# --------------------------------------------------------------------------------------------
# data


# --------------------------------------------------------------------------------------------
# the three readers; each returns a number that proves it read something


def read_calamine(paths: list[Path]) -> int:
    import python_calamine

    cells = 0
    for p in paths:
        wb = python_calamine.CalamineWorkbook.from_path(str(p))
        for name in wb.sheet_names:
            rows = wb.get_sheet_by_name(name).to_python()
            cells += len(rows)
    return cells


def read_pandas(paths: list[Path]) -> int:
    import pandas

    frames = []
    for p in paths:
        frames.extend(pandas.read_excel(p, sheet_name=None, engine="openpyxl", header=None).values())
    return len(pandas.concat(frames, ignore_index=True))


def load_ours() -> tuple[Callable[[list[Path]], int] | None, str | None]:
    try:
        from addin.ingest import read_submission
    except Exception as exc:  # noqa: BLE001 - any import failure means "not available yet"
        return None, f"cannot import addin.ingest.read_submission: {type(exc).__name__}: {exc}"

    def read_ours(paths: list[Path]) -> int:
        return sum(read_submission(p).rows for p in paths)

    return read_ours, None


def best_of(fn: Callable[[list[Path]], int], paths: list[Path], repeat: int, label: str) -> tuple[float, list[float], int]:
    times: list[float] = []
    result = 0
    for i in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn(paths)
        times.append(time.perf_counter() - t0)
        log(f"  {label:<9} run {i + 1}/{repeat}: {times[-1]:.3f} s")
    return min(times), times, result


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=70, help="number of unit workbooks (default 70)")
    ap.add_argument("--rows", type=int, default=50_000, help="nominee rows in all files (default 50000)")
    ap.add_argument("--data", type=Path, default=None,
                    help="folder for the workbooks (default benchmarks/_data/ingest-<files>-<rows>)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per approach; the best counts (default 3)")
    ap.add_argument("--skip-pandas", action="store_true", help="do not time pandas (it is slow)")
    ap.add_argument("--regenerate", action="store_true", help="generate the workbooks even if present")
    ap.add_argument("--json", action="store_true", help="print the numbers as one JSON object")
    args = ap.parse_args(argv)
    repeat = max(1, args.repeat)

    folder = args.data or ROOT / "benchmarks" / "_data" / f"ingest-{args.files}-{args.rows}"
    if args.regenerate and folder.exists():
        shutil.rmtree(folder)
    paths = ensure_data(folder, args.files, args.rows)
    size = sum(p.stat().st_size for p in paths)

    results: dict[str, Any] = {
        "files": len(paths), "rows": args.rows, "bytes": size, "repeat": repeat, "data": str(folder),
        "python": platform.python_version(), "cpus": os.cpu_count(), "seconds": {}, "runs": {},
    }
    try:
        import python_calamine
        import pandas
        import openpyxl

        from importlib.metadata import version

        results["versions"] = {"python-calamine": version("python-calamine"),
                               "pandas": pandas.__version__, "openpyxl": openpyxl.__version__}
    except ImportError as exc:
        log(f"missing baseline dependency: {exc}")
        raise

    log("timing (best of %d) ..." % repeat)
    read_ours, ours_error = load_ours()
    rows_ours = None
    if read_ours is not None:
        try:
            read_ours(paths[:1])  # warm-up: catalogue and lazy imports load once, outside the timing
        except Exception as exc:  # noqa: BLE001 - report, do not crash the benchmark
            ours_error = f"read_submission failed: {type(exc).__name__}: {exc}"
            read_ours = None
    # calamine and ours alternate run by run, so a burst of load on the machine hits both alike
    cal_runs: list[float] = []
    our_runs: list[float] = []
    for _ in range(repeat):
        _, runs, _ = best_of(read_calamine, paths, 1, "calamine")
        cal_runs += runs
        if read_ours is not None:
            try:
                _, runs, rows_ours = best_of(read_ours, paths, 1, "ours")
                our_runs += runs
            except Exception as exc:  # noqa: BLE001 - report, do not crash the benchmark
                ours_error = f"read_submission failed: {type(exc).__name__}: {exc}"
                read_ours = None
    results["seconds"]["calamine"], results["runs"]["calamine"] = min(cal_runs), cal_runs
    if our_runs:
        results["seconds"]["ours"], results["runs"]["ours"] = min(our_runs), our_runs
    results["rows_ours"] = rows_ours
    results["ours_error"] = ours_error

    if not args.skip_pandas:
        t, runs, _ = best_of(read_pandas, paths, repeat, "pandas")
        results["seconds"]["pandas"], results["runs"]["pandas"] = t, runs

    sec = results["seconds"]
    ratio_oc = sec["ours"] / sec["calamine"] if "ours" in sec else None
    ratio_po = sec["pandas"] / sec["ours"] if "ours" in sec and "pandas" in sec else None
    results["ratios"] = {"ours_vs_calamine": ratio_oc, "pandas_vs_ours": ratio_po}
    results["goals"] = {
        "ours_vs_calamine": {"goal": f"<= {GOAL_OURS_VS_CALAMINE}",
                             "pass": None if ratio_oc is None else ratio_oc <= GOAL_OURS_VS_CALAMINE},
        "pandas_vs_ours": {"goal": f">= {GOAL_PANDAS_VS_OURS}",
                           "pass": None if ratio_po is None else ratio_po >= GOAL_PANDAS_VS_OURS},
    }

    if args.json:
        print(json.dumps(results, ensure_ascii=False))
        return 0

    print(f"\nIngest benchmark: {len(paths)} files, {args.rows} nominee rows, {size / 1e6:.1f} MB "
          f"(best of {repeat}; Python {results['python']}, {results['cpus']} CPUs)")
    print(f"{'approach':<10}{'seconds':>10}{'rows/s':>12}   notes")
    notes = {
        "calamine": "python-calamine, to_python() on every sheet",
        "ours": f"read_submission: {rows_ours} rows recognised" if rows_ours is not None else "",
        "pandas": "read_excel(openpyxl, sheet_name=None) + concat",
    }
    for name in ("calamine", "ours", "pandas"):
        if name in sec:
            print(f"{name:<10}{sec[name]:>10.3f}{args.rows / sec[name]:>12,.0f}   {notes[name]}")
        elif name == "ours":
            print(f"{name:<10}{'n/a':>10}{'':>12}   {ours_error}")
        else:
            print(f"{name:<10}{'skipped':>10}")
    if rows_ours is not None and rows_ours != args.rows:
        print(f"note: ours recognised {rows_ours} rows, the generator wrote {args.rows}")

    def verdict(ok: bool | None) -> str:
        return "n/a" if ok is None else ("PASS" if ok else "MISS")

    g = results["goals"]
    print()
    print(f"ours / calamine = {'n/a' if ratio_oc is None else f'{ratio_oc:.2f}'}"
          f"   (goal <= {GOAL_OURS_VS_CALAMINE})   {verdict(g['ours_vs_calamine']['pass'])}")
    print(f"pandas / ours   = {'n/a' if ratio_po is None else f'{ratio_po:.2f}'}"
          f"   (goal >= {GOAL_PANDAS_VS_OURS})   {verdict(g['pandas_vs_ours']['pass'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
