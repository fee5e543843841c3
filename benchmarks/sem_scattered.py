"""Benchmark: FIML on scattered missingness (hundreds of missing-data patterns) against lavaan and OpenMx.

A bivariate RI-CLPM (the builders' syntax, wave-specific lags) on simulated panels of N persons
with missing-at-random attrition of about 12% per wave plus 3% scattered item non-response, so
that a 5-wave panel has about 140 missing-data patterns and a 14-wave panel several hundred.
Each case is fitted with ``SEM(model, defaults="lavaan").fit(data, missing="fiml")`` (estimates,
observed-information SEs, fit indices; ``estimator="mlr"`` adds sandwich SEs and the scaled test)
and, when ``Rscript`` with lavaan is installed, with ``lavaan(model, data, missing = "ML",
meanstructure = TRUE, int.ov.free = TRUE)`` followed by ``fitMeasures()`` and
``parameterEstimates()`` on the same CSV, in the same run; and, when OpenMx is installed, with
OpenMx: the same RAM matrices (our parameter table's A, S, F and M, free entries labelled by free
parameter so equalities and groups are the same model), raw data, ``mxFitFunctionML()`` (FIML),
started from our engine's start rules (available-case moments), ``mxRun``, SEs from its Hessian
(OpenMx has no scaled test, and its sandwich SEs, ``imxRobustSE``, took 62 s at N = 500, so MLR cases
time OpenMx's ML fit: the estimates are the same, SEs are not compared) and ``mxRefModels(fit, run = TRUE)`` for the fit indices (chi-square,
CFI, RMSEA need the saturated and independence models), one thread (``Number of Threads = 1``,
as our engine runs one BLAS thread).  Seconds are the MEDIAN of
``--repeat`` runs (min and max are printed too: the project's machine is shared), from data in
memory to finished results (our ``fit_seconds``); CPU seconds of our fit are printed as well.

Cases are ``WAVES:N[:mlr][:3g]`` (``3g``: three groups of N/3, free parameters per group).

Run: ``.venv/bin/python benchmarks/sem_scattered.py [--cases 5:20000 14:20000] [--repeat 3]
[--lavaan-repeat 1] [--no-lavaan] [--no-openmx] [--r-timeout S] [--json OUT]``.
``--floor`` instead prints the floor: FLOPs of one log-likelihood-and-gradient evaluation of each
case (direct per-pattern formulas) against this CPU's one-thread ``dgemm`` rate and our CPU time.  An R contender that
takes longer than ``--r-timeout`` seconds is stopped and reported as ``> S``.  To time an older engine, copy this file
into that tree's ``benchmarks/`` and run it there with ``--no-lavaan``.
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

from analysis.models.builders import PanelDesign, build_syntax  # noqa: E402
from analysis.models.sem import SEM  # noqa: E402


def simulate(n: int, waves: int, *, attrition: float = 0.12, scattered: float = 0.03, groups: int = 1,
             seed: int = 1) -> pd.DataFrame:
    """RI-CLPM panel with MAR attrition (about ``attrition`` per wave) and scattered item non-response."""
    rng = np.random.default_rng(seed)
    ri = rng.multivariate_normal([0, 0], [[1.0, 0.4], [0.4, 1.0]], size=n)
    B = np.array([[0.4, 0.1], [0.2, 0.4]])
    w = rng.multivariate_normal([0, 0], [[1.0, 0.3], [0.3, 1.0]], size=n)
    x, y = np.empty((n, waves)), np.empty((n, waves))
    for t in range(waves):
        if t:
            w = w @ B.T + rng.multivariate_normal([0, 0], [[0.7, 0.2], [0.2, 0.7]], size=n)
        x[:, t] = 3 + 0.1 * t + ri[:, 0] + w[:, 0]
        y[:, t] = 2 + ri[:, 1] + w[:, 1]
    present = np.ones(n, dtype=bool)
    base = np.log(attrition / (1 - attrition))
    for t in range(1, waves):
        # Missing at random: dropout depends on the previous wave's observed y.
        p = 1 / (1 + np.exp(-(base + 0.5 * (y[:, t - 1] - 2))))
        present &= rng.random(n) > p
        x[~present, t] = np.nan
        y[~present, t] = np.nan
    values = np.column_stack([x, y])
    holes = rng.random(values.shape) < scattered
    values[holes] = np.nan
    cols = [f"x{t + 1}" for t in range(waves)] + [f"y{t + 1}" for t in range(waves)]
    data = pd.DataFrame(values, columns=cols).round(6)
    if groups > 1:
        data["g"] = rng.integers(1, groups + 1, n)
    return data


R_SCRIPT = r"""
suppressMessages(library(lavaan)); library(jsonlite)
args <- commandArgs(TRUE)
model <- paste(readLines(args[1]), collapse = "\n")
d <- read.csv(args[2])
reps <- as.integer(args[4]); estimator <- args[5]; group <- if (args[6] == "") NULL else args[6]
times <- numeric(reps)
for (r in seq_len(reps)) {
  t0 <- proc.time()[["elapsed"]]
  fit <- lavaan(model, data = d, missing = "ML", meanstructure = TRUE, int.ov.free = TRUE,
                estimator = estimator, group = group,
                group.label = if (is.null(group)) NULL else as.character(sort(unique(d[[group]]))))
  fm <- fitMeasures(fit)
  pe <- parameterEstimates(fit)
  times[r] <- proc.time()[["elapsed"]] - t0
}
out <- list(seconds = times, lhs = pe$lhs, op = pe$op, rhs = pe$rhs, group = pe$group, est = pe$est, se = pe$se,
            chisq = unname(fm["chisq"]), version = as.character(packageVersion("lavaan")))
writeLines(toJSON(out, digits = NA, auto_unbox = FALSE), args[3])
"""


OPENMX_SCRIPT = r"""
suppressMessages(library(OpenMx)); library(jsonlite)
mxOption(key = "Number of Threads", value = 1)
args <- commandArgs(TRUE)
spec <- fromJSON(args[1], simplifyVector = FALSE)
d <- read.csv(args[2])
reps <- as.integer(args[4]); robust <- args[5] == "mlr"
lab <- function(idx) ifelse(is.na(idx), NA, paste0("p", idx))
build <- function(g) {
  for (k in c("vars", "ov", "m0", "free_mat", "free_row", "free_col", "free_idx")) g[[k]] <- unlist(g[[k]])
  start <- unlist(spec$start)
  nv <- length(g$vars); p <- length(g$ov)
  mats <- list()
  for (m in c("A", "S", "M")) {
    val <- if (m == "M") matrix(g$m0, 1, nv) else matrix(unlist(g[[paste0(m, "0")]]), nv, nv, byrow = TRUE)
    fre <- matrix(FALSE, nrow(val), ncol(val)); labs <- matrix(NA_character_, nrow(val), ncol(val))
    sel <- g$free_mat == m
    for (k in which(sel)) {
      r <- g$free_row[k] + 1; cc <- g$free_col[k] + 1
      if (m == "M") { r2 <- 1; c2 <- r } else { r2 <- r; c2 <- cc }
      fre[r2, c2] <- TRUE; labs[r2, c2] <- lab(g$free_idx[k]); val[r2, c2] <- start[g$free_idx[k] + 1]
      if (m == "S") { fre[c2, r2] <- TRUE; labs[c2, r2] <- labs[r2, c2]; val[c2, r2] <- val[r2, c2] }
    }
    mats[[m]] <- mxMatrix(if (m == "S") "Symm" else "Full", nrow(val), ncol(val), free = fre, values = val,
                          labels = labs, name = m, dimnames = if (m == "M") list(NULL, g$vars) else list(g$vars, g$vars))
  }
  Fm <- mxMatrix("Full", p, nv, values = cbind(diag(p), matrix(0, p, nv - p)), name = "F",
                 dimnames = list(g$ov, g$vars))
  rows <- if (is.null(spec$group)) d else d[as.character(d[[spec$group]]) == g$level, ]
  mxModel(paste0("g", g$level), mats$A, mats$S, Fm, mats$M,
          mxExpectationRAM("A", "S", "F", "M", dimnames = g$vars), mxFitFunctionML(),
          mxData(rows[, g$ov], type = "raw"))
}
groups <- spec$groups
times <- numeric(reps); times_fit <- numeric(reps)
for (r in seq_len(reps)) {
  t0 <- proc.time()[["elapsed"]]
  models <- lapply(groups, build)
  model <- if (length(models) == 1) models[[1]] else
    mxModel("mg", models, mxFitFunctionMultigroup(sapply(models, function(m) m$name)))
  fit <- mxRun(model, silent = TRUE, suppressWarnings = TRUE)
  est <- omxGetParameters(fit)
  # imxRobustSE (sandwich SEs from numerical case-wise gradients) took 62 s for N = 500 and
  # grows with N: MLR cases are timed and compared with OpenMx's ML SEs (estimates are the same).
  se <- fit$output$standardErrors[, 1]
  times_fit[r] <- proc.time()[["elapsed"]] - t0
  ref <- mxRefModels(fit, run = TRUE)
  sm <- summary(fit, refModels = ref)
  times[r] <- proc.time()[["elapsed"]] - t0
}
out <- list(seconds = times, seconds_fit = times_fit, labels = names(est), est = unname(est), se = unname(se),
            chisq = sm$Chi, status = fit$output$status$code, version = as.character(packageVersion("OpenMx")))
writeLines(toJSON(out, digits = NA, auto_unbox = FALSE), args[3])
"""


def parse_case(text: str) -> dict:
    parts = text.split(":")
    return {"waves": int(parts[0]), "n": int(parts[1]), "estimator": "mlr" if "mlr" in parts[2:] else "ml",
            "groups": 3 if "3g" in parts[2:] else 1, "label": text}


def fit_ours(model: str, data: pd.DataFrame, case: dict, repeat: int):
    walls, cpus, res = [], [], None
    kw = {"group": "g", "group_levels": [1, 2, 3]} if case["groups"] > 1 else {}
    for _ in range(repeat):
        c0 = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = SEM(model, defaults="lavaan").fit(data, missing="fiml", estimator=case["estimator"], **kw)
        cpus.append(time.process_time() - c0)
        walls.append(res.fit_seconds)
    return walls, cpus, res


def fit_lavaan(model: str, csv: Path, case: dict, repeat: int, work: Path, timeout: float):
    if shutil.which("Rscript") is None:
        return None
    script = work / "bench.R"
    script.write_text(R_SCRIPT)
    mfile = work / "model.lav"
    mfile.write_text(model)
    out = work / "lavaan.json"
    return run_r("lavaan", [str(script), str(mfile), str(csv), str(out), str(repeat),
                            "MLR" if case["estimator"] == "mlr" else "ML", "g" if case["groups"] > 1 else ""],
                 out, timeout)


def run_r(name: str, argv: list[str], out: Path, timeout: float):
    """Run ``Rscript argv``; its JSON output, ``{"timeout": S}`` if stopped, None if it failed."""
    try:
        proc = subprocess.run(["Rscript", *argv], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"{name} stopped after {timeout:.0f} s", file=sys.stderr)
        return {"timeout": timeout}
    if proc.returncode != 0 or not out.exists():
        print(f"{name} failed:", proc.stderr.strip().splitlines()[-3:], file=sys.stderr)
        return None
    return json.loads(out.read_text())


def fit_openmx(res, data: pd.DataFrame, csv: Path, case: dict, repeat: int, work: Path, timeout: float):
    """The fitted model's RAM matrices as OpenMx matrices, fitted by OpenMx's FIML (see the docstring)."""
    if shutil.which("Rscript") is None:
        return None
    problem = res._internal.problem
    kind = {0: "A", 1: "S", 2: "M"}
    groups = []
    for gs, gd, level in zip(problem.structure.groups, problem.data.groups, res.group_labels or (None,)):
        groups.append({"level": level, "vars": list(gs.ov_names) + list(gs.lv_names), "ov": list(gs.ov_names),
                       "A0": gs.A0.tolist(), "S0": gs.S0.tolist(), "m0": gs.m0.tolist(),
                       "free_mat": [kind[int(k)] for k in gs.free_mat], "free_row": gs.free_row.tolist(),
                       "free_col": gs.free_col.tolist(), "free_idx": gs.free_idx.tolist()})
    # Start values: our engine's rules from available-case moments (no EM), the same for every run.
    start = res._compiled.start(problem.data)
    spec = {"groups": groups, "start": start.tolist(),
            "group": "g" if case["groups"] > 1 else None}
    sfile = work / "openmx_spec.json"
    sfile.write_text(json.dumps(spec))
    script = work / "openmx.R"
    script.write_text(OPENMX_SCRIPT)
    out = work / "openmx.json"
    out.unlink(missing_ok=True)
    return run_r("OpenMx", [str(script), str(sfile), str(csv), str(out), str(repeat), case["estimator"]], out,
                 timeout)


def agreement_openmx(res, mx: dict) -> tuple[float, float]:
    """Largest |estimate difference| and |SE ratio - 1| over the free parameters (labelled p<index>)."""
    theta = res._internal.theta
    se = np.sqrt(np.diag(res.vcov.to_numpy()))
    est_d = se_d = 0.0
    for label, e, s in zip(mx["labels"], mx["est"], mx["se"]):
        i = int(label[1:])
        est_d = max(est_d, abs(theta[i] - e))
        if not isinstance(s, (int, float)):  # "NA": OpenMx gave no SE
            se_d = np.inf
        elif s > 0:
            se_d = max(se_d, abs(se[i] / s - 1))
    return est_d, se_d


def agreement(res, lav: dict, groups: int) -> tuple[float, float]:
    tab = res.to_frame()
    where = {}
    for i, (lhs, op, rhs, g) in enumerate(zip(tab.lhs, tab.op, tab.rhs, tab.group)):
        where[(lhs, op, "" if op == "~1" else rhs, None if groups == 1 else str(g))] = i
    est_d = se_d = 0.0
    for k in range(len(lav["lhs"])):
        op = lav["op"][k]
        key = (lav["lhs"][k], op, "" if op == "~1" else lav["rhs"][k], None if groups == 1 else str(lav["group"][k]))
        if key not in where:
            continue
        row = tab.iloc[where[key]]
        est_d = max(est_d, abs(row.est - lav["est"][k]))
        if lav["se"][k] and lav["se"][k] > 0:
            se_d = max(se_d, abs(row.se / lav["se"][k] - 1))
    return est_d, se_d


def floor(cases: list[dict]) -> None:
    """FLOPs per likelihood-and-gradient evaluation against what this CPU does (one thread)."""
    from threadpoolctl import threadpool_limits

    from analysis.models.sem.objectives import objective

    with threadpool_limits(1):
        a = np.random.default_rng(0).random((2000, 2000))
        a @ a
        c0 = time.process_time()
        for _ in range(3):
            a @ a
        rate = 3 * 2 * 2000 ** 3 / (time.process_time() - c0)
    print(f"dgemm 2000 x 2000, one thread: {rate / 1e9:.1f} GFLOP/s")
    print("| case | patterns | mean k | FLOPs per evaluation | our CPU per evaluation | rate | time at dgemm speed |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for case in cases:
        waves = case["waves"]
        design = PanelDesign(x=tuple(f"x{t}" for t in range(1, waves + 1)),
                             y=tuple(f"y{t}" for t in range(1, waves + 1)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = SEM(build_syntax("riclpm", design, lags="free"), defaults="lavaan").fit(
                simulate(case["n"], waves), missing="fiml", se="none")
        problem, theta = res._internal.problem, res._internal.theta
        ks = np.array([len(pat.observed) for g in problem.data.groups for pat in g.patterns], dtype=float)
        gs = problem.structure.groups[0]
        # Cholesky k^3/3, inverse k^3, quadratic forms 2k^2, the gradient's W M W 4k^3; the model's
        # implied moments 6 nv^3 + 6 nv^2 p.
        flops = float(np.sum(ks ** 3 / 3 + ks ** 3 + 2 * ks ** 2 + 4 * ks ** 3)) + 6 * gs.n ** 3 + 6 * gs.n ** 2 * gs.p
        with threadpool_limits(1):
            objective(theta, problem)
            c0 = time.process_time()
            for _ in range(20):
                objective(theta, problem)
            sec = (time.process_time() - c0) / 20
        print(f"| {case['label']} | {ks.size} | {ks.mean():.1f} | {flops / 1e6:.1f} M | {sec * 1e3:.2f} ms | "
              f"{flops / sec / 1e9:.2f} GFLOP/s | {flops / rate * 1e3:.3f} ms |", flush=True)


def r_seconds(out) -> tuple[float | None, str]:
    """Median seconds of an R contender and how to print them."""
    if out is None:
        return None, "n/a"
    if "timeout" in out:
        return None, f"> {out['timeout']:.0f}"
    v = float(np.median(out["seconds"]))
    return v, f"{v:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="+", default=["5:20000", "14:20000"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--lavaan-repeat", type=int, default=1)
    ap.add_argument("--no-lavaan", action="store_true")
    ap.add_argument("--no-openmx", action="store_true")
    ap.add_argument("--r-timeout", type=float, default=1800.0)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--floor", action="store_true", help="print FLOPs per evaluation against this CPU, and stop")
    args = ap.parse_args()
    if args.floor:
        floor([parse_case(c) for c in args.cases])
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for case in map(parse_case, args.cases):
            waves = case["waves"]
            design = PanelDesign(x=tuple(f"x{t}" for t in range(1, waves + 1)),
                                 y=tuple(f"y{t}" for t in range(1, waves + 1)))
            model = build_syntax("riclpm", design, lags="free")
            data = simulate(case["n"], waves, groups=case["groups"])
            csv = work / "data.csv"
            data.to_csv(csv, index=False)
            data = pd.read_csv(csv)  # every program sees the same rounded values
            cols = [c for c in data.columns if c != "g"]
            npat = int(np.unique(data[cols].isna().to_numpy(), axis=0).shape[0])
            walls, cpus, res = fit_ours(model, data, case, args.repeat)
            row = {"case": case["label"], "waves": waves, "N": case["n"], "estimator": case["estimator"],
                   "groups": case["groups"], "patterns": npat, "npar": int(res._internal.theta.size),
                   "ours_s": float(np.median(walls)), "ours_min": min(walls), "ours_max": max(walls),
                   "ours_cpu": float(np.median(cpus)), "iterations": res.iterations, "chisq": res.fit["chisq"],
                   "lavaan": None, "openmx": None}
            if not args.no_lavaan:
                lav = fit_lavaan(model, csv, case, args.lavaan_repeat, work, args.r_timeout)
                row["lavaan"] = lav
                if lav is not None and "timeout" not in lav:
                    est_d, se_d = agreement(res, lav, case["groups"])
                    row.update(lavaan_s=float(np.median(lav["seconds"])), lavaan_est_diff=est_d,
                               lavaan_se_diff=se_d, lavaan_chisq=lav["chisq"][0])
            if not args.no_openmx:
                mx = fit_openmx(res, data, csv, case, args.lavaan_repeat, work, args.r_timeout)
                row["openmx"] = mx
                if mx is not None and "timeout" not in mx:
                    est_d, se_d = agreement_openmx(res, mx)
                    se_d = None if case["estimator"] == "mlr" else se_d
                    row.update(openmx_s=float(np.median(mx["seconds"])),
                               openmx_fit_s=float(np.median(mx["seconds_fit"])), openmx_est_diff=est_d,
                               openmx_se_diff=se_d, openmx_chisq=mx["chisq"][0], openmx_status=mx["status"][0])
            rows.append(row)
            print(json.dumps({k: v for k, v in row.items() if k not in ("lavaan", "openmx")}), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    print()
    print("| case | patterns | npar | ours (s), median [min-max] | ours CPU (s) | lavaan (s) | lavaan / ours "
          "| OpenMx (s) [fit + SEs only] | OpenMx / ours | max est. diff lavaan / OpenMx "
          "| max rel. SE diff lavaan / OpenMx |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")

    def diff(r, who: str, key: str) -> str:
        v = r.get(f"{who}_{key}")
        return "n/a" if v is None else f"{v:.1e}"

    for r in rows:
        lav_s, lav_txt = r_seconds(r["lavaan"])
        mx_s, mx_txt = r_seconds(r["openmx"])
        if mx_s is not None:
            mx_txt += f" [{r['openmx_fit_s']:.2f}]"
        ratio = lambda v, txt: f"{v / r['ours_s']:.1f}x" if v is not None else (
            f"> {float(txt[2:]) / r['ours_s']:.0f}x" if txt.startswith(">") else "n/a")
        print(f"| {r['case']} | {r['patterns']} | {r['npar']} | {r['ours_s']:.3f} [{r['ours_min']:.3f}-"
              f"{r['ours_max']:.3f}] | {r['ours_cpu']:.3f} | {lav_txt} | {ratio(lav_s, lav_txt)} | {mx_txt} | "
              f"{ratio(mx_s, mx_txt.split(' [')[0])} | {diff(r, 'lavaan', 'est_diff')} / {diff(r, 'openmx', 'est_diff')} | "
              f"{diff(r, 'lavaan', 'se_diff')} / {diff(r, 'openmx', 'se_diff')} |")


if __name__ == "__main__":
    main()
