"""Benchmark: RI-CLPM (5 waves, FIML with attrition) in our engine against lavaan.

For N = 1,000, 20,000 and 100,000 persons, simulate a bivariate RI-CLPM with
monotone attrition, fit it with ``analysis.models.sem`` and, when ``Rscript``
with lavaan is installed, with ``lavaan(..., missing = "ML")`` on the same CSV.
Prints seconds (best of ``--repeat`` runs, from data in memory to finished
results with SEs and fit indices, as the CLI's ``fit_seconds``), the ratio, and the
largest absolute difference in estimates and SEs.

Run: ``.venv/bin/python benchmarks/sem_vs_lavaan.py [--sizes 1000 20000 100000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.models.sem import SEM  # noqa: E402
from analysis.models.builders import PanelDesign, build_syntax  # noqa: E402

WAVES = 5


def simulate(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ri = rng.multivariate_normal([0, 0], [[1.0, 0.4], [0.4, 1.0]], size=n)
    B = np.array([[0.4, 0.1], [0.2, 0.4]])
    w = rng.multivariate_normal([0, 0], [[1.0, 0.3], [0.3, 1.0]], size=n)
    x = np.empty((n, WAVES))
    y = np.empty((n, WAVES))
    for t in range(WAVES):
        if t:
            w = w @ B.T + rng.multivariate_normal([0, 0], [[0.7, 0.2], [0.2, 0.7]], size=n)
        x[:, t] = 3 + 0.1 * t + ri[:, 0] + w[:, 0]
        y[:, t] = 2 + ri[:, 1] + w[:, 1]
    present = np.ones(n, dtype=bool)
    for t in range(1, WAVES):
        # Missing at random: dropout depends on the previous wave's observed y.
        p = 1 / (1 + np.exp(-(-2.2 + 0.5 * (y[:, t - 1] - 2))))
        present &= rng.random(n) > p
        x[~present, t] = np.nan
        y[~present, t] = np.nan
    cols = {f"x{t + 1}": x[:, t] for t in range(WAVES)} | {f"y{t + 1}": y[:, t] for t in range(WAVES)}
    return pd.DataFrame(cols).round(6)


R_SCRIPT = r"""
suppressMessages(library(lavaan)); library(jsonlite)
args <- commandArgs(TRUE)
model <- paste(readLines(args[1]), collapse = "\n")
d <- read.csv(args[2])
reps <- as.integer(args[4])
times <- numeric(reps)
for (r in seq_len(reps)) {
  t0 <- proc.time()[["elapsed"]]
  fit <- lavaan(model, data = d, missing = "ML", meanstructure = TRUE, int.ov.free = TRUE)
  fm <- fitMeasures(fit)
  pe <- parameterEstimates(fit)
  times[r] <- proc.time()[["elapsed"]] - t0
}
out <- list(seconds = min(times), lhs = pe$lhs, op = pe$op, rhs = pe$rhs, est = pe$est, se = pe$se,
            chisq = unname(fm["chisq"]), version = as.character(packageVersion("lavaan")))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), args[3])
"""


def fit_ours(model: str, data: pd.DataFrame, repeat: int):
    best = np.inf
    res = None
    for _ in range(repeat):
        res = SEM(model, defaults="lavaan").fit(data, missing="fiml")
        best = min(best, res.fit_seconds)
    return best, res


def fit_lavaan(model: str, csv: Path, repeat: int, work: Path):
    if shutil.which("Rscript") is None:
        return None
    script = work / "bench.R"
    script.write_text(R_SCRIPT)
    mfile = work / "model.lav"
    mfile.write_text(model)
    out = work / "lavaan.json"
    proc = subprocess.run(["Rscript", str(script), str(mfile), str(csv), str(out), str(repeat)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        print("lavaan failed:", proc.stderr.strip().splitlines()[-1:], file=sys.stderr)
        return None
    return json.loads(out.read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 20000, 100000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    design = PanelDesign(x=tuple(f"x{t}" for t in range(1, WAVES + 1)), y=tuple(f"y{t}" for t in range(1, WAVES + 1)))
    model = build_syntax("riclpm", design, lags="free")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for n in args.sizes:
            data = simulate(n)
            csv = work / f"riclpm_{n}.csv"
            data.to_csv(csv, index=False)
            data = pd.read_csv(csv)  # both programs see the same rounded values
            ours_s, res = fit_ours(model, data, args.repeat)
            lav = fit_lavaan(model, csv, args.repeat, work)
            row = {"N": n, "ours_s": ours_s, "lavaan_s": None, "ratio": None, "max_est_diff": None,
                   "max_se_rel_diff": None, "chisq": res.fit["chisq"]}
            if lav is not None:
                tab = res.to_frame()
                est_d, se_d = 0.0, 0.0
                for lhs, op, rhs, est, se in zip(lav["lhs"], lav["op"], lav["rhs"], lav["est"], lav["se"]):
                    m = tab[(tab.lhs == lhs) & (tab.op == op) & (tab.rhs == rhs)].iloc[0]
                    est_d = max(est_d, abs(m.est - est))
                    if se and se > 0:
                        se_d = max(se_d, abs(m.se / se - 1))
                row.update(lavaan_s=lav["seconds"], ratio=lav["seconds"] / ours_s, max_est_diff=est_d,
                           max_se_rel_diff=se_d, lavaan_version=lav["version"])
            rows.append(row)
            print(json.dumps(row), flush=True)
    print()
    print("| N | ours (s) | lavaan (s) | lavaan / ours | max |est diff| | max SE rel diff |")
    print("|---:|---:|---:|---:|---:|---:|")
    def fmt(v, spec: str) -> str:
        return "n/a" if v is None else format(v, spec)

    for r in rows:
        print(f"| {r['N']:,} | {fmt(r['ours_s'], '.3f')} | {fmt(r['lavaan_s'], '.3f')} | "
              f"{fmt(r['ratio'], '.1f')}x | {fmt(r['max_est_diff'], '.1e')} | {fmt(r['max_se_rel_diff'], '.1e')} |")


if __name__ == "__main__":
    main()
