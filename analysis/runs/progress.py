"""Progress reporting for multi-model runs (rich), silent in quiet mode.

A caller with its own display (the dashboard's progress bar) receives the same steps by running
the analysis inside ``reporting_to(callback)``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress as _RichProgress, TextColumn, TimeElapsedColumn


Listener = Callable[[int, int, str], None]
_listener: ContextVar[Listener | None] = ContextVar("run_progress_listener", default=None)


@contextlib.contextmanager
def reporting_to(callback: Listener) -> Iterator[None]:
    """Send each step of the runs made inside the block to ``callback(done, total, description)``.

    ``done`` steps of ``total`` are finished when a step named ``description`` starts, and
    ``callback(total, total, "Done")`` ends a run.  Independent of ``quiet``.
    """
    token = _listener.set(callback)
    try:
        yield
    finally:
        _listener.reset(token)


class Progress:
    """A step counter with a progress bar on stderr; no output when ``quiet``."""

    def __init__(self, *, total: int, quiet: bool) -> None:
        self.quiet = quiet
        self.total = total
        self._listener = _listener.get()
        self._bar = None if quiet else _RichProgress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(stderr=True), transient=False)
        self._task = None
        self._done = 0

    def __enter__(self) -> "Progress":
        if self._bar is not None:
            self._bar.__enter__()
            self._task = self._bar.add_task("Starting", total=self.total)
        return self

    def step(self, description: str) -> None:
        if self._listener is not None:
            self._listener(self._done, self.total, description)
        if self._bar is not None:
            if self._done:
                self._bar.advance(self._task)
            self._bar.update(self._task, description=description)
        self._done += 1

    def __exit__(self, *exc) -> None:
        if self._listener is not None and exc[0] is None:
            self._listener(self.total, self.total, "Done")
        if self._bar is not None:
            if exc[0] is None:
                self._bar.update(self._task, completed=self.total, description="Done")
            self._bar.__exit__(*exc)
