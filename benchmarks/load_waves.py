"""Benchmark: load 14 UKHLS-sized waves through a data spec, against a full pandas.read_stata.

Each wave file is 40,000 rows x 1,500 columns in Stata 14 format (.dta 118), laid out like a
UKHLS ``{w}_indresp`` file: the columns of the synthetic release (pidp, sex, age, UCLA-3,
sclonely, GHQ-12 and its derived scores, SF-12 MCS, the synthetic stigma items, weights; real
names, labels and negative missing codes) plus labelled filler columns standing in for the rest
of a real release (byte codes with the negative codes; every tenth a double).  The spec is
``data_specs/synthetic.yaml`` plus nine filler covariates, so 40 columns per wave are needed.

Each contender runs in a fresh subprocess that reports its wall time and peak resident memory
(``VmHWM``, imports included); the files are in the page cache for all of them (they are
written or read just before):

* ``load_panel``: ``load_panel(spec, data=DIR)`` -> long panel of scored constructs, groupings.
* ``sha256``: hashing the 14 files for ``panel.sources`` (done on first use, not by load_panel).
* ``pyreadstat usecols``: ``pyreadstat.read_dta(file, usecols=40 columns)`` per file, the reader
  the loader would use without its Stata fast path (values only, no cleaning or scoring).
* ``pandas.read_stata``: ``pd.read_stata(file)`` per file (all columns, the default
  value-label conversion), keeping the 40 columns, as a user would otherwise do.

Target (issue 4): ``load_panel`` at least 10x faster than ``pandas.read_stata``.

Run: ``.venv/bin/python benchmarks/load_waves.py [--dir DIR] [--repeat 2]``
(``--dir`` keeps the generated files there and reuses them on the next run).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.synth import ukhls  # noqa: E402
from analysis.synth.labels import NEGATIVE_CODES  # noqa: E402

WAVES, ROWS, COLUMNS = 14, 40_000, 1_500
FILLER_COVARIATES = 9
NEG = np.array([-9, -8, -7, -2, -1])


def _wave_frame(wave: int, rng: np.random.Generator, ids: np.ndarray):
    """A wave table laid out like the synthetic UKHLS release, padded to COLUMNS columns."""
    w = ukhls.wave_letter(wave)
    specs = ukhls.specs(wave)
    cols: dict[str, np.ndarray] = {}
    for s in specs:
        if s.name == "pidp":
            cols[s.name] = ids
        elif s.value_labels and any(k > 0 for k in s.value_labels) and s.dtype == "int8":
            codes = np.array([k for k in s.value_labels if k > 0])
            v = rng.choice(codes, ROWS)
            skipped = rng.random(ROWS) < 0.03
            v[skipped] = rng.choice(NEG, int(skipped.sum()))
            cols[s.name] = v.astype(np.int8)
        elif s.name.endswith("age_dv"):
            cols[s.name] = rng.integers(16, 95, ROWS).astype(np.int16)
        elif s.name.endswith("sf12mcs_dv"):
            cols[s.name] = np.round(np.clip(rng.normal(50, 10, ROWS), 5, 75), 2)
        elif "indinus" in s.name:
            cols[s.name] = np.round(rng.lognormal(0, 0.35, ROWS), 6)
        else:  # stigma items (codes start at 0 or 1) and other labelled codes
            codes = np.array([k for k in (s.value_labels or {1: ""}) if k >= 0])
            cols[s.name] = rng.choice(codes, ROWS).astype(np.int8)
    ghq = np.stack([cols[f"{w}_scghq{c}"] for c in "abcdefghijkl"], axis=1).astype(int)
    bad = (ghq < 0).any(axis=1)
    cols[f"{w}_scghq1_dv"] = np.where(bad, -9, (ghq - 1).sum(axis=1)).astype(np.int8)
    cols[f"{w}_scghq2_dv"] = np.where(bad, -9, (ghq >= 3).sum(axis=1)).astype(np.int8)
    labels = {s.name: s.label for s in specs}
    value_labels = {s.name: {int(k): v for k, v in s.value_labels.items()}
                    for s in specs if s.value_labels and s.dtype.startswith("int")}
    filler_labels = {**NEGATIVE_CODES["ukhls"], 1: "yes", 2: "no", 3: "other", 4: "four", 5: "five"}
    filler_codes = np.array(sorted(filler_labels))
    j = 0
    while len(cols) < COLUMNS:
        name = f"{w}_v{j:04d}"
        if j % 10 == 0:
            cols[name] = np.round(rng.normal(100, 30, ROWS), 2)
        else:
            cols[name] = rng.choice(filler_codes, ROWS).astype(np.int8)
            value_labels[name] = filler_labels
        labels[name] = f"filler variable {j}"
        j += 1
    return pd.DataFrame(cols), labels, value_labels


def write_files(folder: Path, *, seed: int = 1) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    ids = np.sort(68_000_000 + rng.choice(3_000_000, ROWS, replace=False)).astype(np.int32)
    paths = []
    for wave in range(1, WAVES + 1):
        path = folder / f"{ukhls.wave_letter(wave)}_indresp.dta"
        if not path.exists():
            frame, labels, value_labels = _wave_frame(wave, rng, ids)
            tmp = path.with_name("." + path.name + ".tmp")
            frame.to_stata(tmp, write_index=False, version=118, variable_labels=labels,
                           value_labels=value_labels)
            tmp.rename(path)
        paths.append(path)
    return paths


def write_spec(folder: Path) -> Path:
    spec = yaml.safe_load((ROOT / "data_specs" / "synthetic.yaml").read_text())
    spec["waves"] = [ukhls.wave_letter(w) for w in range(1, WAVES + 1)]
    for k in range(FILLER_COVARIATES):
        spec["covariates"][f"filler{k}"] = {"name": f"v{k + 1:04d}", "valid": [0, 10]}
    path = folder / "benchmark_spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
kind, spec, folder = sys.argv[1], sys.argv[2], sys.argv[3]
import numpy as np, pandas as pd, pyreadstat
from analysis.data import load_panel, load_spec
from analysis.data.layouts import candidates
spec_obj = load_spec(spec)
t0 = time.perf_counter()
if kind in ("load_panel", "sha256"):
    panel = load_panel(spec_obj, data=folder)
    rows, cols = panel.long.shape
    if kind == "sha256":
        t0 = time.perf_counter()
        hashes = [s.sha256 for s in panel.sources]
else:
    import glob
    rows = 0
    for path in sorted(glob.glob(folder + "/*_indresp.dta")):
        wave = spec_obj.wave(path.rsplit("/", 1)[1][0])
        need = ["pidp"] + [c for v in ([i for c in spec_obj.constructs.values() for i in c.items]
                            + list(spec_obj.covariates.values()) + [spec_obj.weight])
                           for c in candidates(spec_obj, v, wave)[:1]]
        need = list(dict.fromkeys(need))
        if kind == "pyreadstat":
            frame, _ = pyreadstat.read_dta(path, usecols=need)
        else:
            frame = pd.read_stata(path)[need]
        rows += len(frame)
        cols = len(need)
seconds = time.perf_counter() - t0
# VmHWM: this process's peak resident memory (ru_maxrss would include the parent's, inherited
# through fork).
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]
print(json.dumps({{"seconds": seconds, "rows": rows, "columns": cols, "peak_mb": int(hwm) / 1024}}))
"""


def run_child(kind: str, spec: Path, folder: Path) -> dict:
    code = CHILD.format(root=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, kind, str(spec), str(folder)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", help="folder for the generated wave files (kept and reused)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender; the best is shown")
    parser.add_argument("--rows", type=int, default=ROWS, help=argparse.SUPPRESS)
    parser.add_argument("--waves", type=int, default=WAVES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    globals().update(ROWS=args.rows, WAVES=args.waves)  # smaller smoke runs only
    tmp = None if args.dir else tempfile.TemporaryDirectory()
    folder = Path(args.dir or tmp.name)
    try:
        t0 = time.perf_counter()
        files = write_files(folder)
        spec = write_spec(folder)
        size = sum(p.stat().st_size for p in files) / 2**30
        print(f"{len(files)} wave files, {ROWS:,} rows x {COLUMNS:,} columns each, {size:.2f} GiB "
              f"(ready in {time.perf_counter() - t0:.0f} s)", flush=True)
        results = {}
        for kind in ("load_panel", "sha256", "pyreadstat", "pandas"):
            runs = [run_child(kind, spec, folder) for _ in range(max(1, args.repeat))]
            results[kind] = min(runs, key=lambda r: r["seconds"])
            print(f"  {kind}: {results[kind]}", flush=True)
        base = results["pandas"]["seconds"]
        print("\n| contender | seconds | pandas / this | peak memory (MiB) | rows out | columns |")
        print("|---|---:|---:|---:|---:|---:|")
        names = {"load_panel": "`load_panel` (spec, 40 columns/wave)",
                 "sha256": f"sha256 of the {WAVES} files (`panel.sources`)",
                 "pyreadstat": "`pyreadstat.read_dta(usecols=...)`", "pandas": "`pandas.read_stata` (full)"}
        for kind, r in results.items():
            print(f"| {names[kind]} | {r['seconds']:.2f} | {base / r['seconds']:.1f}x | "
                  f"{r['peak_mb']:.0f} | {r['rows']:,} | {r['columns']} |")
        speedup = base / results["load_panel"]["seconds"]
        print(f"\nTarget: load_panel >= 10x faster than pandas.read_stata: "
              f"{'met' if speedup >= 10 else 'NOT met'} ({speedup:.0f}x).")
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
