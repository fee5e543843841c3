"""Case-resampling bootstrap over persons: percentile and BCa intervals.

A person is a row of the wide data (all their waves), so resampling rows keeps
each person's repeated measures together.  With strata (the groups of a
multigroup model) persons are resampled within their stratum, so every
resample has the group sizes of the data.  Resample ``b`` uses ``SeedSequence(seed, spawn_key=(0, b))``,
so the results do not depend on the backend or the number of workers.
Resamples whose fit fails are counted and left out (reported).

The BCa acceleration comes from a jackknife over persons: leave-one-out for up
to :data:`DELETE_ONE_MAX` persons, otherwise a grouped jackknife leaving out one
of :data:`DELETE_ONE_MAX` random blocks of persons at a time (see
:mod:`analysis.power.intervals`).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.errors import ConvergenceError, UsageError, WorkbenchError
from analysis.outputs import json_safe
from analysis.power.intervals import bca_interval, bias_correction, jackknife_acceleration, percentile_interval
from analysis.power.parallel import Backend, check_backend, execute
from analysis.power.store import RunStore

DELETE_ONE_MAX = 200
FAILURES = (WorkbenchError, ArithmeticError, np.linalg.LinAlgError)


# ---- resampling (pure) ----------------------------------------------------------------
def resample_indices(rng: np.random.Generator, n: int, strata: np.ndarray | None = None) -> np.ndarray:
    """Row indices of one bootstrap resample; within each stratum when ``strata`` is given."""
    if strata is None:
        return rng.integers(0, n, n)
    parts = []
    for level in np.unique(strata):
        members = np.flatnonzero(strata == level)
        parts.append(members[rng.integers(0, members.size, members.size)])
    return np.concatenate(parts)


def jackknife_blocks(n: int, blocks: int | None, seed: int) -> list[np.ndarray]:
    """Persons left out in each jackknife fit: one each, or ``blocks`` random blocks."""
    if blocks is None:
        blocks = n if n <= DELETE_ONE_MAX else DELETE_ONE_MAX
    blocks = int(blocks)
    if not 2 <= blocks <= n:
        raise UsageError(f"The jackknife needs between 2 and {n} blocks (the number of persons); got {blocks}.")
    if blocks == n:
        return [np.array([i]) for i in range(n)]
    perm = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,))).permutation(n)
    return [np.sort(b) for b in np.array_split(perm, blocks)]


def _take(data: Any, idx: np.ndarray) -> Any:
    if isinstance(data, tuple):
        return tuple(None if d is None else _take(d, idx) for d in data)
    if isinstance(data, pd.DataFrame | pd.Series):
        return data.iloc[idx]
    return np.asarray(data)[idx]


def _nrows(data: Any) -> int:
    return len(data[0]) if isinstance(data, tuple) else len(data)


@dataclass(frozen=True)
class _Task:
    kind: Literal["boot", "jack"]
    ids: tuple[int, ...]
    seed: int
    blocks: tuple[np.ndarray, ...] = ()


def _evaluate(statistic: Callable, sub: Any) -> tuple[str, str, dict[str, float]]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = {k: float(v) for k, v in statistic(sub).items()}
    except FAILURES as exc:
        return "failed", str(exc) or type(exc).__name__, {}
    if not all(np.isfinite(v) for v in values.values()):
        return "failed", "non-finite value", {}
    return "ok", "", values


def _run_task(task: _Task, shared: tuple) -> list[dict]:
    statistic, data, strata = shared
    n = _nrows(data)
    out = []
    if task.kind == "boot":
        for b in task.ids:
            rng = np.random.default_rng(np.random.SeedSequence(task.seed, spawn_key=(0, b)))
            status, msg, values = _evaluate(statistic, _take(data, resample_indices(rng, n, strata)))
            out.append({"kind": "boot", "id": int(b), "status": status, "message": msg, "values": values})
    else:
        for j, left_out in zip(task.ids, task.blocks):
            keep = np.setdiff1d(np.arange(n), left_out)
            status, msg, values = _evaluate(statistic, _take(data, keep))
            out.append({"kind": "jack", "id": int(j), "status": status, "message": msg, "values": values})
    return out


# ---- results ----------------------------------------------------------------------------
@dataclass(frozen=True)
class BootstrapResults:
    """Bootstrap intervals (read-only).

    ``table`` has one row per statistic: ``estimate`` (full data), ``boot_mean``, ``bias``,
    ``boot_se``, ``percentile_lower/upper``, ``bca_lower/upper``, ``z0`` (bias correction),
    ``acceleration``.  ``draws`` holds the bootstrap replicates (one row per resample
    that converged), ``jackknife`` the jackknife estimates.
    """

    table: pd.DataFrame
    draws: pd.DataFrame
    jackknife: pd.DataFrame
    replicates: int
    failed: int
    jackknife_failed: int
    jackknife_method: str
    level: float
    seed: int
    description: str = ""
    notes: tuple[str, ...] = ()
    folder: Path | None = None
    info: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "description": self.description, "level": self.level, "seed": self.seed, "replicates": self.replicates,
            "failed": self.failed, "jackknife": self.jackknife_method, "jackknife_failed": self.jackknife_failed,
            "table": [{k: json_safe(v) for k, v in r.items()} for r in self.table.to_dict("records")],
            "notes": list(self.notes), "folder": None if self.folder is None else str(self.folder),
            **{k: v for k, v in self.info.items()},
        }

    def summary(self) -> str:
        pct = f"{100 * self.level:g}%"
        lines = [self.description or "Bootstrap over persons",
                 f"{self.replicates} resamples of persons (seed {self.seed}); {self.failed} failed and are left out. "
                 f"BCa acceleration from a {self.jackknife_method}.", ""]
        show = self.table[["statistic", "estimate", "boot_se", "bias", "percentile_lower", "percentile_upper",
                           "bca_lower", "bca_upper"]]
        lines.append(show.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        lines += ["", f"Intervals are {pct}: percentile (quantiles of the resampled estimates) and BCa (corrected "
                  "for bias and skewness; usually the better choice)."]
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.summary()


def _data_hash(data: Any) -> str:
    h = hashlib.sha256()
    parts = data if isinstance(data, tuple) else (data,)
    for part in parts:
        if part is None:
            h.update(b"none")
        elif isinstance(part, pd.DataFrame | pd.Series):
            h.update(pd.util.hash_pandas_object(part, index=True).to_numpy().tobytes())
        else:
            arr = np.asarray(part)
            h.update(arr.astype(str).tobytes() if arr.dtype == object else np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def bootstrap_statistic(
    data: Any,
    statistic: Callable[[Any], dict[str, float]],
    *,
    strata: np.ndarray | None = None,
    replicates: int = 500,
    seed: int = 1,
    level: float = 0.95,
    jackknife: int | None = None,
    backend: Backend = "joblib",
    n_jobs: int | None = None,
    scheduler: Any = None,
    out: str | os.PathLike[str] | None = None,
    chunk_size: int = 25,
    progress: Callable[[int, int], None] | None = None,
    description: str = "",
    settings: dict | None = None,
) -> BootstrapResults:
    """Bootstrap any statistic of persons' data: percentile and BCa intervals.

    Parameters
    ----------
    data
        One row per person: a DataFrame, an array, or a tuple of arrays with as many rows.
    statistic
        ``statistic(rows) -> {name: value}`` on a subset of rows of ``data`` (same type);
        it must be picklable (cloudpickle) for the parallel backends.  A resample on
        which it raises a workbench, arithmetic or linear-algebra error is counted as failed.
    strata
        A label per row: resample within each stratum (group sizes kept).
    jackknife
        Number of jackknife blocks for the BCa acceleration (default: leave-one-out up to
        200 persons, else 200 random blocks).
    out
        Run folder: finished resamples are kept there, and a rerun with the same folder,
        data and settings resumes.
    settings
        What identifies the statistic in a run folder (checked on resume).
    """
    if int(replicates) < 2:
        raise UsageError(f"The bootstrap needs at least 2 resamples; got {replicates}.")
    if not 0.0 < level < 1.0:
        raise UsageError(f"The confidence level must be between 0 and 1; got {level}.")
    replicates, seed = int(replicates), int(seed)
    if seed < 0:
        raise UsageError(f"The seed must be a whole number of at least 0; got {seed}.")
    check_backend(backend, scheduler, n_jobs)
    n = _nrows(data)
    if strata is not None:
        strata = np.asarray(strata)
        if len(strata) != n:
            raise UsageError(f"strata needs one label per row ({n}); got {len(strata)}.")
    status, msg, estimate = _evaluate(statistic, data)
    if status != "ok":
        raise ConvergenceError(f"The statistic could not be computed on the full data: {msg}.")
    names = list(estimate)
    blocks = jackknife_blocks(n, jackknife, seed)
    method = "leave-one-out jackknife" if len(blocks) == n else f"grouped jackknife ({len(blocks)} blocks of persons)"

    store = None
    if out is not None:
        store = RunStore(out, kind="bootstrap", settings={
            "seed": seed, "data_sha256": _data_hash(data), "strata": strata is not None,
            "jackknife_blocks": len(blocks), **(settings or {"statistic": getattr(statistic, "__qualname__", "")})})
    done = [r for r in (store.load() if store else [])
            if (r["kind"] == "boot" and r["id"] < replicates) or r["kind"] == "jack"]
    finished = {(r["kind"], r["id"]) for r in done}
    tasks: list[_Task] = []
    todo = [b for b in range(replicates) if ("boot", b) not in finished]
    for i in range(0, len(todo), chunk_size):
        tasks.append(_Task("boot", tuple(todo[i:i + chunk_size]), seed))
    todo_j = [j for j in range(len(blocks)) if ("jack", j) not in finished]
    for i in range(0, len(todo_j), chunk_size):
        ids = tuple(todo_j[i:i + chunk_size])
        tasks.append(_Task("jack", ids, seed, tuple(blocks[j] for j in ids)))
    total = replicates + len(blocks)
    count = len(finished)
    if progress is not None:
        progress(count, total)
    for chunk in execute(_run_task, tasks, backend=backend, n_jobs=n_jobs, scheduler=scheduler,
                         shared=(statistic, data, strata)):
        if store is not None:
            store.save(f"{chunk[0]['kind']}-{chunk[0]['id']:07d}-{chunk[-1]['id']:07d}", chunk)
        done.extend(chunk)
        count += len(chunk)
        if progress is not None:
            progress(count, total)
    return _results(done, estimate, names, replicates=replicates, level=level, seed=seed, method=method,
                    description=description, folder=None if store is None else store.folder)


def _results(records: list[dict], estimate: dict[str, float], names: list[str], *, replicates: int, level: float,
             seed: int, method: str, description: str, folder: Path | None) -> BootstrapResults:
    def frame(kind: str) -> tuple[pd.DataFrame, int]:
        recs = sorted((r for r in records if r["kind"] == kind), key=lambda r: r["id"])
        ok = [r for r in recs if r["status"] == "ok"]
        table = pd.DataFrame([r["values"] for r in ok], columns=names, index=[r["id"] for r in ok])
        return table, len(recs) - len(ok)

    draws, failed = frame("boot")
    jack, jack_failed = frame("jack")
    rows = []
    for name in names:
        b = draws[name].to_numpy(float)
        j = jack[name].to_numpy(float)
        est = estimate[name]
        pl, pu = percentile_interval(b, level=level)
        bl, bu = bca_interval(b, est, j, level=level)
        rows.append({"statistic": name, "estimate": est,
                     "boot_mean": float(b.mean()) if b.size else float("nan"),
                     "bias": float(b.mean() - est) if b.size else float("nan"),
                     "boot_se": float(b.std(ddof=1)) if b.size > 1 else float("nan"),
                     "percentile_lower": pl, "percentile_upper": pu, "bca_lower": bl, "bca_upper": bu,
                     "z0": bias_correction(b, est) if b.size else float("nan"),
                     "acceleration": jackknife_acceleration(j), "n_boot": int(b.size)})
    table = pd.DataFrame(rows)
    notes = []
    if failed:
        notes.append(f"{failed} of {replicates} resamples failed to fit and are left out of the intervals.")
    if jack_failed:
        notes.append(f"{jack_failed} jackknife fits failed and are left out of the acceleration.")
    if table["bca_lower"].isna().any():
        notes.append("A BCa interval is missing where every resampled estimate lies on one side of the estimate.")
    return BootstrapResults(table=table, draws=draws, jackknife=jack, replicates=replicates, failed=failed,
                            jackknife_failed=jack_failed, jackknife_method=method, level=level, seed=seed,
                            description=description, notes=tuple(notes), folder=folder)
