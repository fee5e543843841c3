"""Run independent tasks serially, on the local cores (joblib) or on a Dask cluster.

Results are yielded in the order they finish; callers key them by task, so
what they compute never depends on the backend or the number of workers
(every task carries its own seeds).  Functions and tasks must be picklable
(module-level functions and frozen dataclasses); on a Dask cluster the
workers need this package installed in the same version.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal

from analysis.errors import UsageError

Backend = Literal["serial", "joblib", "dask"]
BACKENDS = ("serial", "joblib", "dask")


def _call(fn: Callable, task: Any, shared: Any) -> Any:
    return fn(task) if shared is None else fn(task, shared)


def local_workers(n_jobs: int | None) -> int:
    """Number of local worker processes for ``n_jobs`` (None or -1: every core)."""
    cores = os.cpu_count() or 1
    if n_jobs is None or n_jobs == -1:
        return cores
    if n_jobs < 1:
        raise UsageError(f"The number of parallel jobs must be at least 1 (or -1 for every core); got {n_jobs}.")
    return n_jobs


def check_backend(backend: str, scheduler: Any, n_jobs: int | None = None) -> None:
    """Raise a UsageError for an unknown backend or options that do not go together."""
    if backend not in BACKENDS:
        raise UsageError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}.")
    if backend == "dask" and scheduler is None:
        raise UsageError("The dask backend needs the address of a running scheduler (e.g. tcp://10.0.0.5:8786).")
    if backend != "dask" and scheduler is not None:
        raise UsageError("A scheduler address is only used with the dask backend; add --backend dask.")
    if backend == "joblib":
        local_workers(n_jobs)


def execute(
    fn: Callable,
    tasks: Sequence[Any],
    *,
    backend: Backend = "joblib",
    n_jobs: int | None = None,
    scheduler: Any = None,
    shared: Any = None,
) -> Iterator[Any]:
    """Yield ``fn(task)`` (or ``fn(task, shared)``) for every task as each finishes.

    Parameters
    ----------
    backend
        ``"joblib"``: local worker processes (``n_jobs``, default every core; one job
        runs in this process).  ``"dask"``: an existing ``dask.distributed`` cluster
        at ``scheduler`` (an address such as ``tcp://host:8786``, or a ``Client``).
        ``"serial"``: in this process, one task after the other.
    shared
        Data every task needs (sent once per worker with Dask, memory-mapped by joblib).

    Closing the generator early (or Ctrl-C) cancels what has not started.
    """
    check_backend(backend, scheduler, n_jobs)
    if not tasks:
        return
    if backend == "serial" or (backend == "joblib" and local_workers(n_jobs) == 1):
        for task in tasks:
            yield _call(fn, task, shared)
        return
    if backend == "joblib":
        yield from _joblib(fn, tasks, local_workers(n_jobs), shared)
        return
    yield from _dask(fn, tasks, scheduler, shared)


def _joblib(fn: Callable, tasks: Sequence[Any], n_jobs: int, shared: Any) -> Iterator[Any]:
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=min(n_jobs, len(tasks)), return_as="generator_unordered")
    yield from parallel(delayed(_call)(fn, t, shared) for t in tasks)


def _dask(fn: Callable, tasks: Sequence[Any], scheduler: Any, shared: Any) -> Iterator[Any]:
    from distributed import Client, as_completed

    own = not isinstance(scheduler, Client)
    if own:
        try:
            client = Client(scheduler, set_as_default=False, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"Could not connect to the Dask scheduler at {scheduler}: {exc}.") from None
    else:
        client = scheduler
    futures = []
    try:
        shared_ref = client.scatter(shared, broadcast=True) if shared is not None else None
        futures = [client.submit(_call, fn, t, shared_ref, pure=False) for t in tasks]
        for fut in as_completed(futures, loop=client.loop):
            yield fut.result()
    finally:
        unfinished = [f for f in futures if not f.done()]
        if unfinished:
            client.cancel(unfinished)
        if own:
            client.close()
