"""One Monte Carlo replicate: simulate a data set, fit the model, keep the lagged estimates.

A replicate's record depends only on (master seed, cell, replicate number,
fitted model), never on which process or machine ran it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from analysis.power.design import PARAMETERS, Cell, observed_names
from analysis.power.fitting import compile_power_model, fit_arrays, population_fit
from analysis.power.simulate import simulate_array

#: Columns of a replicate record besides ``est_<parameter>`` and ``se_<parameter>``.
RECORD_FIELDS = ("cell", "rep", "status", "message", "iterations", "improper", "n_used", "seconds")


@dataclass(frozen=True)
class PowerTask:
    """A chunk of replicates of one cell (what a worker receives)."""

    model: str
    lags: str
    cell: Cell
    seed: int
    reps: tuple[int, ...]


def run_replicate(model: str, lags: str, cell: Cell, seed: int, rep: int) -> dict:
    """Simulate and fit replicate ``rep`` of ``cell``; returns a flat, JSON-safe record."""
    t0 = time.perf_counter()
    compiled = compile_power_model(model, cell.waves, lags)
    start, _ = population_fit(model, lags, cell)
    rng = np.random.default_rng(cell.seed_sequence(seed, rep))
    data = simulate_array(cell, rng)
    names = observed_names(cell.waves)
    order = [names.index(v) for v in compiled.ov_names]
    y = data[:, order]
    out = fit_arrays(compiled, y, start=start, se=True)
    record = {"cell": cell.key, "rep": int(rep), "status": out.status, "message": out.message,
              "iterations": int(out.iterations), "improper": bool(out.improper),
              "n_used": int((~np.isnan(y).all(axis=1)).sum())}
    for p in PARAMETERS:
        record[f"est_{p}"] = out.est.get(p)
        record[f"se_{p}"] = out.se.get(p)
    record["seconds"] = time.perf_counter() - t0
    return record


def run_power_task(task: PowerTask) -> list[dict]:
    """Run a chunk of replicates (the unit of work sent to a worker)."""
    return [run_replicate(task.model, task.lags, task.cell, task.seed, r) for r in task.reps]
