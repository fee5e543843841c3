"""Benchmark: ``python -m analysis crosslag --model riclpm`` end to end on the synthetic cohort.

The built-in synthetic UKHLS-like cohort of 40,000 persons x 14 waves (``analysis synth --n 40000
--waves 14``; 2,500+ missing-data patterns), loneliness and GHQ-12 (Likert), under the spec's
weights, PSUs and strata (so MLR): the whole command in a fresh process, from start-up to its exit
(imports, loading the 14 wave files, the RI-CLPM with SEs and fit indices, and the comparison fits:
RI-CLPM with free lags, CLPM, DPM), by default and with ``--group life_stage`` (the 3-group fit and
the equal-lags comparison).  Prints the median wall and CPU seconds (user + system of the child) of
``--repeat`` runs.  Targets (issue 16): under 5 s, and under 10 s with ``--group life_stage``, on
the project's 2-core machine.

Run: ``.venv/bin/python benchmarks/crosslag_cohort.py [--data DIR] [--repeat 3] [--variants default group]``
(without ``--data`` the cohort is written to a temporary folder first, about 2 s).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {"default": [], "group": ["--group", "life_stage"]}


def run_once(data: Path, extra: list[str]) -> tuple[float, float, int]:
    cmd = [sys.executable, "-m", "analysis", "crosslag", "--spec", str(ROOT / "data_specs" / "synthetic.yaml"),
           "--data", str(data), "--x", "loneliness", "--y", "ghq_likert", "--model", "riclpm", *extra]
    before = os.times()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    if proc.returncode != 0:
        print(proc.stderr.strip().splitlines()[-3:], file=sys.stderr)
    return wall, cpu, proc.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            data = Path(tmp) / "cohort"
            subprocess.run([sys.executable, "-m", "analysis", "synth", "--n", "40000", "--waves", "14",
                            "--out", str(data)], cwd=ROOT, check=True, capture_output=True)
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        print("| command | wall (s), median [min-max] | CPU (s), median | exit |")
        print("|---|---:|---:|---|")
        for name in args.variants:
            runs = [run_once(data, VARIANTS[name]) for _ in range(args.repeat)]
            wall = [r[0] for r in runs]
            cpu = [r[1] for r in runs]
            label = "crosslag --model riclpm" + (" --group life_stage" if name == "group" else "")
            print(f"| {label} | {np.median(wall):.1f} [{min(wall):.1f}-{max(wall):.1f}] | {np.median(cpu):.1f} | "
                  f"{sorted({r[2] for r in runs})} |", flush=True)
        print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
