"""Correctness over a large corpus of unit-workbook variants whose truth is known.

    python benchmarks/variants.py [--out DIR] [--files 2000] [--seed 0] [--json]

Writes `--files` variants (tests/variants.py: distinct units, every quirk class of domain.md
§4-§5) into DIR/hop-thu (default benchmarks/_data/variants; the folder is emptied first), reads
each file (addin.validate.validate_file), merges them all into DIR/tong-hop.xlsx
(addin.jobs.merge_job) and tallies it (addin.jobs.tally_job), and prints what the product got
wrong against the truth: rows unaccounted for or invented, units wrong or confused, unknown
awards, false errors, false duplicate warnings, rows missing from the master, tally differences,
each with the quirk classes of the failing files (failing files / files with that quirk).
The same measures are asserted, on 300 variants, by tests/test_variants.py.

Always exits 0 (a benchmark reports, it does not gate).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import variants as V  # noqa: E402  (tests/variants.py: the generator and the measures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "_data" / "variants")
    parser.add_argument("--files", type=int, default=2000, help=f"variants to write (at most {len(V.unit_pool())})")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the measures as one JSON object")
    args = parser.parse_args(argv)

    inbox, master = args.out / "hop-thu", args.out / "tong-hop.xlsx"
    if inbox.exists():
        shutil.rmtree(inbox)
    master.unlink(missing_ok=True)
    shutil.rmtree(args.out / "tong-hop.sao-luu", ignore_errors=True)

    t0 = time.perf_counter()
    variants = V.corpus(args.files, args.seed)
    paths = V.write_corpus(variants, inbox)
    t1 = time.perf_counter()
    files = V.measure_files(variants, paths)
    t2 = time.perf_counter()
    merged = V.measure_merge(variants, paths, master)
    t3 = time.perf_counter()
    timing = {"write_s": round(t1 - t0, 2), "read_s": round(t2 - t1, 2), "merge_and_tally_s": round(t3 - t2, 2)}

    if args.json:
        def plain(value: object) -> object:
            if isinstance(value, dict):
                return {str(k) if not isinstance(k, tuple) else "|".join(map(str, k)): plain(v)
                        for k, v in value.items()}
            if isinstance(value, (list, tuple, set)):
                return [plain(v) for v in value]
            return value

        print(json.dumps(plain({"files": files, "merge": merged, "timing": timing, "out": str(args.out)}),
                         ensure_ascii=False, indent=1))
    else:
        print(f"{args.files} variants (seed {args.seed}) in {inbox}; master {master}")
        print(V.summary(files, merged, top=8))
        print("unit examples (truth, found, source, file, sheet):")
        for example in files["unit_examples"][:8]:
            print("  ", example)
        print("tally differences (product - truth):")
        for (code, target, kind), d in merged["tally_diff"].items():
            print(f"   {code:10} {target:8} {kind:13} {d:+d}")
        print(f"time: write {timing['write_s']} s, read {timing['read_s']} s, merge and tally "
              f"{timing['merge_and_tally_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
