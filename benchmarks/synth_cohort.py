"""Benchmark: write the full-size synthetic cohort (40,000 persons x 14 waves).

Issue 2's budget is under 30 s on 2 cores for each format. Prints seconds for
``write_cohort`` (generation and writing) per cohort layout and format, and, as the
alternative a user would otherwise run, a plain ``DataFrame.to_stata`` of the same
14 wave tables without labels.

Run: ``.venv/bin/python benchmarks/synth_cohort.py``
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.synth import write_cohort  # noqa: E402


def main() -> None:
    print("| cohort | format | persons x waves | seconds | budget |")
    print("|---|---|---|---:|---:|")
    for cohort in ("ukhls", "elsa"):
        for fmt in ("dta", "sav"):
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.perf_counter()
                files = write_cohort(cohort=cohort, n=40_000, waves=14, seed=1, fmt=fmt, out=Path(tmp) / "c")
                secs = time.perf_counter() - t0
                assert len(files.wave_files) == 14
            print(f"| {cohort} | {fmt} | 40,000 x 14 | {secs:.1f} | 30 |", flush=True)


if __name__ == "__main__":
    main()
