"""Benchmark: what the survey design costs — weighted, clustered, stratified fits against unweighted ones.

A 5-wave RI-CLPM (the builders' syntax, lags invariant) on simulated panels of N persons with
MAR attrition plus 3% scattered item non-response, 40 strata with 2-6 PSUs each, and
informative sampling weights (0.3 to 5).  Timed, from data in memory to finished results
(estimates, SEs, fit indices and the scaled test where there is one), best of ``--repeat``:

* unweighted ML (the engine's default), unweighted MLR (robust SEs and scaled test);
* weighted (``weights=``), weighted with PSUs (``cluster=``), and with PSUs in strata
  (``strata=``): these are MLR fits, as in lavaan;
* lavaan with ``sampling.weights`` and ``cluster`` (lavaan has no strata), when ``Rscript``
  with lavaan is installed, on the same CSV.

Target (issue 14): the design costs no more than 1.5x the unweighted fit.

Run: ``.venv/bin/python benchmarks/survey_design.py [--sizes 1000 20000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from analysis.models.builders import PanelDesign, build_syntax  # noqa: E402
from analysis.models.sem import SEM  # noqa: E402
from sem_vs_lavaan import WAVES, simulate  # noqa: E402

R_SCRIPT = r"""
suppressMessages(library(lavaan)); library(jsonlite)
args <- commandArgs(TRUE)
model <- paste(readLines(args[1]), collapse = "\n"); d <- read.csv(args[2]); repeat_n <- as.integer(args[4])
best <- Inf
for (r in seq_len(repeat_n)) {
  t0 <- proc.time()[["elapsed"]]
  fit <- lavaan(model, data = d, missing = "ML", meanstructure = TRUE, int.ov.free = TRUE,
                sampling.weights = "w", cluster = "psu_uid", estimator = "MLR")
  invisible(fitMeasures(fit)); pe <- parameterEstimates(fit)
  best <- min(best, proc.time()[["elapsed"]] - t0)
}
write_json(list(seconds = best, est = pe$est, se = pe$se, lhs = pe$lhs, op = pe$op, rhs = pe$rhs), args[3],
           digits = NA)
"""


def survey_panel(n: int, seed: int = 1) -> pd.DataFrame:
    """The benchmark panel plus scattered item non-response, strata, PSUs and informative weights."""
    rng = np.random.default_rng(seed + 100)
    data = simulate(n, seed)
    values = data.to_numpy(copy=True)
    holes = rng.random(values.shape) < 0.03
    holes[:, 0] = False
    values[holes] = np.nan
    data = pd.DataFrame(values, columns=data.columns)
    strata = rng.integers(0, 40, n)
    psu_per = rng.integers(2, 7, 40)
    data["stratum"] = strata
    data["psu"] = [int(rng.integers(0, psu_per[s])) for s in strata]
    data["psu_uid"] = data["stratum"] * 10 + data["psu"]
    # Informative selection: people with higher y were sampled more often, so get smaller weights.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rows with no y at all get the mean level
        level = np.nanmean(data[[f"y{t + 1}" for t in range(WAVES)]].to_numpy(), axis=1)
    level = np.where(np.isnan(level), np.nanmean(level), level)
    data["w"] = np.clip(np.exp(-0.6 * (level - np.nanmean(level)) + 0.3 * rng.standard_normal(n)), 0.3, 5.0).round(5)
    return data


def best_of(fun, repeat: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fun()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 20000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    design = PanelDesign(x=tuple(f"x{t}" for t in range(1, WAVES + 1)), y=tuple(f"y{t}" for t in range(1, WAVES + 1)))
    model = build_syntax("riclpm", design, lags="invariant")
    sem = SEM(model, defaults="lavaan", fixed_x=False)
    warnings.simplefilter("ignore")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            csv = Path(tmp) / f"survey_{n}.csv"
            survey_panel(n).to_csv(csv, index=False)
            data = pd.read_csv(csv)
            fits = {
                "unweighted ML": dict(estimator="ml"),
                "unweighted MLR": dict(estimator="mlr"),
                "weights": dict(weights="w"),
                "weights + PSUs": dict(weights="w", cluster="psu_uid"),
                "weights + PSUs in strata": dict(weights="w", cluster="psu", strata="stratum"),
            }
            times = {}
            results = {}
            for name, kw in fits.items():
                times[name], results[name] = best_of(lambda kw=kw: sem.fit(data, missing="fiml", **kw), args.repeat)
            row = {"N": n, **{k: round(v, 3) for k, v in times.items()},
                   "design / unweighted ML": round(times["weights + PSUs in strata"] / times["unweighted ML"], 2),
                   "design / unweighted MLR": round(times["weights + PSUs in strata"] / times["unweighted MLR"], 2)}
            if shutil.which("Rscript"):
                (Path(tmp) / "m.lav").write_text(model)
                (Path(tmp) / "s.R").write_text(R_SCRIPT)
                out = Path(tmp) / "lav.json"
                subprocess.run(["Rscript", str(Path(tmp) / "s.R"), str(Path(tmp) / "m.lav"), str(csv), str(out),
                                str(args.repeat)], check=True, capture_output=True)
                lav = json.loads(out.read_text())
                ours = results["weights + PSUs"].to_frame()
                est_d = se_d = 0.0
                for lhs, op, rhs, est, se in zip(lav["lhs"], lav["op"], lav["rhs"], lav["est"], lav["se"]):
                    m = ours[(ours.lhs == lhs) & (ours.op == op) & (ours.rhs == rhs)]
                    if m.empty or op == "==":
                        continue
                    est_d = max(est_d, abs(m.est.iloc[0] - est))
                    if se:
                        se_d = max(se_d, abs(m.se.iloc[0] / se - 1))
                lav_s = float(np.ravel(lav["seconds"])[0])
                row.update({"lavaan weights + cluster (s)": round(lav_s, 3),
                            "lavaan / ours (weights + PSUs)": round(lav_s / times["weights + PSUs"], 1),
                            "max est diff": f"{est_d:.1e}", "max SE rel diff": f"{se_d:.1e}"})
            rows.append(row)
            print(json.dumps(row), flush=True)
    frame = pd.DataFrame(rows)
    print()
    print("| " + " | ".join(frame.columns) + " |")
    print("|" + "---|" * len(frame.columns))
    for row in frame.itertuples(index=False):
        print("| " + " | ".join(str(v) for v in row) + " |")


if __name__ == "__main__":
    main()
