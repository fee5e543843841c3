"""The power runner: every replicate of every design cell, on any backend, resumable.

Replicate ``r`` of a cell is simulated from ``SeedSequence(entropy=(seed,
cell settings), spawn_key=(r,))`` — child ``r`` of the cell's sequence — so its
data, and therefore the results, are the same whichever backend or how many
workers ran it, in whatever order.  Replicates are sent to workers in chunks;
each finished chunk is written to the run folder at once, and a rerun with the
same folder and settings computes only what is missing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.errors import UsageError
from analysis.limits import MAX_REPLICATES
from analysis.parallel import Backend, check_backend, execute
from analysis.power.design import PARAMETERS, PowerDesign
from analysis.power.fitting import compile_power_model, population_fit
from analysis.power.replicate import RECORD_FIELDS, PowerTask, run_power_task
from analysis.power.summary import PowerResults, summarize
from analysis.run_store import RunStore

Progress = Callable[[int, int], None]
RECORD_COLUMNS = list(RECORD_FIELDS) + [f"{k}_{p}" for p in PARAMETERS for k in ("est", "se")]


def _settings(design: PowerDesign, seed: int) -> dict:
    """What must match for a folder's records to be reused (the grid itself may grow)."""
    return {"seed": int(seed), **design.fit_settings(), "attrition_mechanism": design.attrition_mechanism,
            "within_cor": design.within_cor, "ri_cor": design.ri_cor}


def records_frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=RECORD_COLUMNS)
    if len(frame):
        frame = frame.drop_duplicates(["cell", "rep"], keep="last")
    return frame


def run_power(
    design: PowerDesign,
    *,
    replicates: int = 500,
    seed: int = 1,
    backend: Backend = "joblib",
    n_jobs: int | None = None,
    scheduler: Any = None,
    out: str | os.PathLike[str] | None = None,
    chunk_size: int = 10,
    alpha: float = 0.05,
    target_power: float = 0.8,
    progress: Progress | None = None,
) -> PowerResults:
    """Monte Carlo power, bias, coverage and required sample size for a grid of designs.

    Parameters
    ----------
    design
        The grid (:class:`analysis.power.PowerDesign`).
    replicates
        Data sets simulated per design cell.
    seed
        Master seed; the same seed and design give the same results on any backend.
    backend, n_jobs, scheduler
        ``"joblib"`` on ``n_jobs`` local processes (default every core), ``"dask"`` on the
        cluster whose scheduler is at ``scheduler``, or ``"serial"``.
    out
        Run folder: finished replicates are written there as they arrive, and a rerun with
        the same folder and settings resumes (it computes only the missing replicates).
        None keeps everything in memory.
    chunk_size
        Replicates per task sent to a worker (and per file written).
    alpha, target_power
        Significance level (Wald tests, (1 - alpha) confidence intervals for coverage) and
        the power the sample-size table aims for; they only affect the summary.
    progress
        Called as ``progress(done, total)`` after each finished chunk (and once at start).

    Returns
    -------
    PowerResults

    Notes
    -----
    Ctrl-C stops the run; the chunks already finished stay in ``out``.
    """
    if not isinstance(design, PowerDesign):
        raise UsageError("design must be a PowerDesign.")
    if int(replicates) < 1:
        raise UsageError(f"The number of replicates must be at least 1; got {replicates}.")
    if int(replicates) > MAX_REPLICATES:
        raise UsageError(f"The number of replicates must be at most {MAX_REPLICATES}; got {replicates}.")
    if int(chunk_size) < 1:
        raise UsageError(f"chunk_size must be at least 1; got {chunk_size}.")
    replicates, seed = int(replicates), int(seed)
    if seed < 0:
        raise UsageError(f"The seed must be a whole number of at least 0; got {seed}.")
    check_backend(backend, scheduler, n_jobs)
    cells = design.cells()
    # Fail early, in this process, on designs the model cannot be fitted to.
    for cell in cells:
        compile_power_model(design.model, cell.waves, design.lags)
        population_fit(design.model, design.lags, cell)

    store = RunStore(out, kind="power", settings=_settings(design, seed)) if out is not None else None
    if store is not None:
        from analysis.outputs import write_json_atomic

        write_json_atomic(store.folder / "design.json", {"design": design.to_dict(), "replicates": replicates})
    keys = {c.key for c in cells}
    done: list[dict] = [r for r in (store.load() if store else []) if r["cell"] in keys and r["rep"] < replicates]
    finished = {(r["cell"], r["rep"]) for r in done}
    tasks = []
    for cell in cells:
        todo = [r for r in range(replicates) if (cell.key, r) not in finished]
        for i in range(0, len(todo), chunk_size):
            tasks.append(PowerTask(model=design.model, lags=design.lags, cell=cell, seed=seed,
                                   reps=tuple(todo[i:i + chunk_size])))
    total = len(cells) * replicates
    count = len(finished)
    if progress is not None:
        progress(count, total)
    for chunk in execute(run_power_task, tasks, backend=backend, n_jobs=n_jobs, scheduler=scheduler):
        if store is not None:
            first = chunk[0]
            store.save(f"{first['cell']}-{first['rep']:07d}-{chunk[-1]['rep']:07d}", chunk)
        done.extend(chunk)
        count += len(chunk)
        if progress is not None:
            progress(count, total)
    order = {c.key: i for i, c in enumerate(cells)}
    frame = records_frame(done)
    if len(frame):
        frame = frame.assign(_o=frame["cell"].map(order)).sort_values(["_o", "rep"]).drop(columns="_o")
        frame = frame.reset_index(drop=True)
    return summarize(design, frame, seed=seed, replicates=replicates, alpha=alpha, target_power=target_power,
                     folder=None if store is None else store.folder)


def load_power_run(folder: str | os.PathLike[str], *, alpha: float = 0.05, target_power: float = 0.8) -> PowerResults:
    """Summarise a run folder again (e.g. at another alpha or target power) without refitting."""
    import json

    folder = Path(folder)
    try:
        meta = json.loads((folder / "design.json").read_text(encoding="utf-8"))
        settings = json.loads((folder / "settings.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{folder} is not a power run folder (no design.json/settings.json).") from None
    if settings.get("kind") != "power":
        raise UsageError(f"{folder} holds a {settings.get('kind')} run, not a power run.")
    design = PowerDesign.from_dict(meta["design"])
    store = RunStore(folder, kind="power", settings=_settings(design, settings["seed"]))
    frame = records_frame(store.load())
    order = {c.key: i for i, c in enumerate(design.cells())}
    frame = frame[frame["cell"].isin(order) & (frame["rep"] < meta["replicates"])]
    frame = frame.assign(_o=frame["cell"].map(order)).sort_values(["_o", "rep"]).drop(columns="_o")
    return summarize(design, frame.reset_index(drop=True), seed=settings["seed"], replicates=meta["replicates"],
                     alpha=alpha, target_power=target_power, folder=folder)
