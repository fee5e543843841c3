"""Progress reporting for multi-model runs (rich), silent in quiet mode."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress as _RichProgress, TextColumn, TimeElapsedColumn


class Progress:
    """A step counter with a progress bar on stderr; no output when ``quiet``."""

    def __init__(self, *, total: int, quiet: bool) -> None:
        self.quiet = quiet
        self.total = total
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
        if self._bar is not None:
            if self._done:
                self._bar.advance(self._task)
            self._bar.update(self._task, description=description)
        self._done += 1

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            if exc[0] is None:
                self._bar.update(self._task, completed=self.total, description="Done")
            self._bar.__exit__(*exc)
