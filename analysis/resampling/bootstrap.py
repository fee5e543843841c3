"""The bootstrap over persons (or clusters within strata): one runner for every statistic.

``bootstrap_statistic(data, statistic, ...)`` computes ``statistic`` on the data,
then on ``replicates`` resamples of whole persons (:mod:`.design`) and, for BCa
intervals, on jackknife subsets (:mod:`.jackknife`).  It serves the causal
effects, the cross-lagged effects and their group differences alike.

* Seeds: replicate ``b`` draws from its own ``SeedSequence`` child (:mod:`.seeds`),
  so results do not depend on the backend, the number of workers or the chunking.
* Failures: a replicate on which the statistic raises a workbench, arithmetic or
  linear-algebra error (:data:`FAILURES`), or returns a value that is not finite,
  is counted in ``failed`` and left out of every interval.
* Work runs serially, on local cores (joblib) or on a Dask cluster
  (:mod:`analysis.parallel`); given a run folder, finished chunks are kept there
  and a rerun resumes (:mod:`analysis.run_store`).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.errors import ConvergenceError, UsageError, WorkbenchError
from analysis.parallel import Backend, check_backend, execute
from analysis.resampling.design import ResamplingDesign, resampling_design
from analysis.resampling.jackknife import jackknife_blocks, jackknife_method
from analysis.resampling.results import INTERVALS, BootstrapResults, Interval
from analysis.resampling.seeds import Seed, replicate_rng, root_sequence, seed_record
from analysis.run_store import RunStore

#: Errors a replicate may meet by chance (a resample with one exposure group, a fit that fails).
FAILURES = (WorkbenchError, ArithmeticError, np.linalg.LinAlgError)
Statistic = Callable[[Any], Mapping[str, float]]


def take(data: Any, rows: np.ndarray) -> Any:
    """The rows at positions ``rows`` of a DataFrame, Series, array or tuple of them (None stays None)."""
    if isinstance(data, tuple):
        return tuple(None if d is None else take(d, rows) for d in data)
    if isinstance(data, pd.DataFrame | pd.Series):
        return data.iloc[rows]
    return np.asarray(data)[rows]


def _nrows(data: Any) -> int:
    return len(data[0]) if isinstance(data, tuple) else len(data)


def _labels(data: Any, value: Any, name: str) -> Any:
    """A labelling of the rows: given per row, or the name of a column of a DataFrame."""
    if not isinstance(value, str):
        return value
    if not isinstance(data, pd.DataFrame):
        raise UsageError(f"{name}={value!r} names a column, which needs the data as a DataFrame; give one label "
                         "per row instead.")
    if value not in data.columns:
        raise UsageError(f"{name}={value!r} is not a column of the data.")
    return data[value].to_numpy()


def evaluate(statistic: Statistic, data: Any) -> tuple[str, str, dict[str, float]]:
    """``("ok", "", values)``, or ``("failed", why, {})`` for an expected failure (:data:`FAILURES`)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = {str(k): float(v) for k, v in statistic(data).items()}
    except FAILURES as exc:
        return "failed", str(exc) or type(exc).__name__, {}
    if not all(np.isfinite(v) for v in values.values()):
        return "failed", "non-finite value", {}
    return "ok", "", values


@dataclass(frozen=True)
class _Task:
    kind: Literal["boot", "jack"]
    ids: tuple[int, ...]
    root: np.random.SeedSequence
    blocks: tuple[np.ndarray, ...] = ()


def _run_task(task: _Task, shared: tuple) -> list[dict]:
    statistic, data, design = shared
    out = []
    if task.kind == "boot":
        for b in task.ids:
            rows = design.resample(replicate_rng(task.root, b))
            status, msg, values = evaluate(statistic, take(data, rows))
            out.append({"kind": "boot", "id": int(b), "status": status, "message": msg, "values": values})
    else:
        for j, left_out in zip(task.ids, task.blocks):
            status, msg, values = evaluate(statistic, take(data, design.without(left_out)))
            out.append({"kind": "jack", "id": int(j), "status": status, "message": msg, "values": values})
    return out


def _sha256(parts: Sequence[Any]) -> str:
    h = hashlib.sha256()
    for part in parts:
        if part is None:
            h.update(b"none")
        elif isinstance(part, pd.DataFrame | pd.Series):
            h.update(pd.util.hash_pandas_object(part, index=True).to_numpy().tobytes())
        else:
            arr = np.asarray(part)
            h.update(arr.astype(str).tobytes() if arr.dtype == object else np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def _whole(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise UsageError(f"{name} must be a whole number of at least {minimum}, not {value!r}.")
    return int(value)


def bootstrap_statistic(
    data: Any,
    statistic: Statistic,
    *,
    ids: Any = None,
    strata: Any = None,
    cluster: Any = None,
    replicates: int = 500,
    seed: Seed = 1,
    level: float = 0.95,
    intervals: Sequence[Interval] = INTERVALS,
    jackknife: int | None = None,
    backend: Backend = "serial",
    n_jobs: int | None = None,
    scheduler: Any = None,
    out: str | os.PathLike[str] | None = None,
    chunk_size: int = 25,
    progress: Callable[[int, int], None] | None = None,
    description: str = "",
    settings: dict | None = None,
) -> BootstrapResults:
    """Bootstrap any statistic by resampling whole persons (or clusters within strata).

    Parameters
    ----------
    data
        A DataFrame, an array, or a tuple of arrays with as many rows; wide (one row per
        person) or long (several rows per person, with ``ids``).
    statistic
        ``statistic(rows) -> {name: value}`` on a subset of the rows of ``data`` (same
        type; a person drawn twice appears twice).  It must be picklable (cloudpickle)
        for the parallel backends.  To receive row positions instead, pass
        ``np.arange(n)`` as the data.
    ids
        Each row's person (or the name of a column of a DataFrame): all of a person's
        rows are drawn together.  None: each row is a person.
    strata
        Each row's stratum (or a column name): units are drawn within strata, so each
        resample keeps the strata's sizes.
    cluster
        Each row's cluster (PSU) (or a column name): whole clusters are drawn.  None:
        persons are the clusters.
    replicates
        Bootstrap resamples (at least 2).
    seed
        A non-negative whole number or a ``SeedSequence`` (see :mod:`.seeds`).
    level
        Confidence level of the intervals.
    intervals
        ``"percentile"`` and/or ``"bca"``; BCa needs a jackknife (extra fits).
    jackknife
        Jackknife blocks for the BCa acceleration (default: leave-one-out up to 200
        units, else 200 random blocks).
    backend, n_jobs, scheduler
        Where the work runs (:func:`analysis.parallel.execute`).
    out
        Run folder: finished resamples are kept there, and a rerun with the same folder,
        data and settings resumes.
    chunk_size
        Replicates per task sent to a worker (and per file in ``out``).
    progress
        ``progress(done, total)``, called as work finishes.
    description
        A title for the results.
    settings
        What identifies the statistic in a run folder (checked on resume).

    Returns
    -------
    BootstrapResults

    Raises
    ------
    UsageError
        For invalid options.
    DataError
        If a label is missing, units are not nested, or there are too few units.
    ConvergenceError
        If the statistic cannot be computed on the full data.
    """
    replicates = _whole(replicates, "replicates", 2)
    chunk_size = _whole(chunk_size, "chunk_size", 1)
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0.0 < level < 1.0:
        raise UsageError(f"level must be between 0 and 1, not {level!r}.")
    methods = tuple(dict.fromkeys(intervals))
    if not methods or any(m not in INTERVALS for m in methods):
        raise UsageError(f"intervals must be one or both of {', '.join(INTERVALS)}, not {list(intervals)!r}.")
    if jackknife is not None and "bca" not in methods:
        raise UsageError("Jackknife blocks are only used for BCa intervals; add 'bca' to intervals or leave "
                         "jackknife out.")
    root = root_sequence(seed)
    check_backend(backend, scheduler, n_jobs)
    n = _nrows(data)
    design = resampling_design(n, ids=_labels(data, ids, "ids"), strata=_labels(data, strata, "strata"),
                               cluster=_labels(data, cluster, "cluster"))
    status, msg, estimate = evaluate(statistic, data)
    if status != "ok":
        raise ConvergenceError(f"The statistic could not be computed on the full data: {msg}.")
    blocks = jackknife_blocks(design.n_units, jackknife, seed=root) if "bca" in methods else []
    method = jackknife_method(design.n_units, len(blocks), unit=design.unit) if blocks else "none"

    store = None
    if out is not None:
        stored = {**seed_record(root), "data_sha256": _sha256(data if isinstance(data, tuple) else (data,)),
                  "strata": strata is not None, "jackknife_blocks": len(blocks)}
        if not stored["spawn_key"]:
            del stored["spawn_key"]
        if ids is not None or strata is not None or cluster is not None:
            stored["design_sha256"] = _sha256(design.arrays())
        if methods != INTERVALS:
            stored["intervals"] = list(methods)
        stored.update(settings or {"statistic": getattr(statistic, "__qualname__", "")})
        store = RunStore(out, kind="bootstrap", settings=stored)
    done = [r for r in (store.load() if store else [])
            if (r["kind"] == "boot" and r["id"] < replicates) or (r["kind"] == "jack" and r["id"] < len(blocks))]
    finished = {(r["kind"], r["id"]) for r in done}
    tasks: list[_Task] = []
    todo = [b for b in range(replicates) if ("boot", b) not in finished]
    for i in range(0, len(todo), chunk_size):
        tasks.append(_Task("boot", tuple(todo[i:i + chunk_size]), root))
    todo_j = [j for j in range(len(blocks)) if ("jack", j) not in finished]
    for i in range(0, len(todo_j), chunk_size):
        chunk = tuple(todo_j[i:i + chunk_size])
        tasks.append(_Task("jack", chunk, root, tuple(blocks[j] for j in chunk)))
    total, count = replicates + len(blocks), len(finished)
    if progress is not None:
        progress(count, total)
    for chunk in execute(_run_task, tasks, backend=backend, n_jobs=n_jobs, scheduler=scheduler,
                         shared=(statistic, data, design)):
        if store is not None:
            store.save(f"{chunk[0]['kind']}-{chunk[0]['id']:07d}-{chunk[-1]['id']:07d}", chunk)
        done.extend(chunk)
        count += len(chunk)
        if progress is not None:
            progress(count, total)
    return _results(done, estimate, root=root, design=design, replicates=replicates, level=float(level),
                    methods=methods, method=method, description=description,
                    folder=None if store is None else store.folder)


def _results(records: list[dict], estimate: dict[str, float], *, root: np.random.SeedSequence,
             design: ResamplingDesign, replicates: int, level: float, methods: tuple, method: str,
             description: str, folder: Any) -> BootstrapResults:
    names = list(estimate)

    def frame(kind: str) -> tuple[pd.DataFrame, int]:
        recs = sorted((r for r in records if r["kind"] == kind), key=lambda r: r["id"])
        ok = [r for r in recs if r["status"] == "ok"]
        return pd.DataFrame([r["values"] for r in ok], columns=names, index=[r["id"] for r in ok]), len(recs) - len(ok)

    draws, failed = frame("boot")
    jack, jack_failed = frame("jack")
    seeds = seed_record(root)
    res = BootstrapResults(
        estimate=pd.Series(estimate, dtype=float), draws=draws, jackknife=jack, replicates=replicates,
        failed=failed, jackknife_failed=jack_failed, jackknife_method=method, level=level, seed=seeds["seed"],
        spawn_key=tuple(seeds["spawn_key"]), methods=methods, resampled=design.describe(),
        description=description, folder=folder)
    notes = []
    if failed:
        notes.append(f"{failed} of {replicates} resamples failed to fit and are left out of the intervals.")
    if jack_failed:
        notes.append(f"{jack_failed} jackknife fits failed and are left out of the acceleration.")
    if "bca" in methods and res.by_statistic()["bca_lower"].isna().any():
        notes.append("A BCa interval is missing where every resampled estimate lies on one side of the estimate.")
    return replace(res, notes=tuple(notes))
