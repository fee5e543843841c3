"""One piece of work in a second process, while this process does another.

``crosslag --group`` fits the cross-lagged model (with its comparison models) and the
multigroup comparison: two independent computations on the same data, each single-threaded
(the engine limits BLAS to one thread).  :func:`start` runs the second in a forked child, which
inherits the loaded data and the engine's remembered summaries, and :meth:`Background.result`
returns its value (or raises its exception) once this process is done with the first.  What is
computed does not depend on this: the child runs the same code on the same data, so the output
is byte-identical to computing both in turn (``jobs=1``).

Forking is used only where it is safe: on a system with ``fork``, with at least two cores
available to this process, and while this process runs a single thread (a fork copies only
the calling thread, so a lock another thread held would stay locked in the child).  Otherwise
:func:`start` returns None and the caller computes in turn.  The child's value travels back
pickled, so it should be small (text and JSON-ready dictionaries, not fitted models).
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """True where a forked child can safely compute beside this process."""
    return hasattr(os, "fork") and available_cores() >= 2 and threading.active_count() == 1


class Background:
    """A forked child computing ``fn()``; :meth:`result` waits for it."""

    def __init__(self, fn: Callable[[], Any]):
        sys.stdout.flush()
        sys.stderr.flush()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: compute, send the outcome, leave without running the parent's exit code
            os.close(read)
            code = 0
            try:
                outcome = ("value", fn())
            except BaseException as exc:  # noqa: BLE001 - every outcome goes back to the parent
                outcome = ("error", exc)
            try:
                data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # noqa: BLE001 - an unpicklable exception is sent as its text
                data = pickle.dumps(("error", RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]}; {exc}")))
            try:
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(data)
            except BaseException:  # noqa: BLE001 - the parent has gone
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        os.close(write)
        self._pid, self._read = pid, read
        self._done = False

    def result(self) -> Any:
        """The child's value; its exception is raised here."""
        with os.fdopen(self._read, "rb") as pipe:
            data = pipe.read()
        os.waitpid(self._pid, 0)
        self._done = True
        if not data:
            raise RuntimeError("The second process stopped without a result.")
        kind, value = pickle.loads(data)
        if kind == "error":
            raise value
        return value

    def cancel(self) -> None:
        """Stop the child (this process is stopping before it needs the result)."""
        if self._done:
            return
        self._done = True
        try:
            os.close(self._read)  # first, so a child writing its outcome is not left waiting for a reader
        except OSError:
            pass
        try:
            os.kill(self._pid, signal.SIGTERM)
            os.waitpid(self._pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def start(fn: Callable[[], Any], *, jobs: int | None = None) -> Background | None:
    """``fn()`` computing in a forked child, or None when it should run here in turn.

    ``jobs``: 1 never forks; None or more than 1 forks where :func:`can_fork` allows it.
    """
    if jobs == 1 or not can_fork():
        return None
    return Background(fn)
