"""A progress bar for long library calls: what is being done, how far, and about how long is left.

The estimate is the time per finished step so far times the steps still to do, so it appears after
the first step and is only as even as the steps are; there is no estimate without steps (a spinner
with the elapsed time is shown instead).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st


def duration_words(seconds: float) -> str:
    """``4 s``, ``1 min 20 s``: a rounded duration for the bar's text."""
    seconds = max(1, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min" + (f" {rest} s" if rest and minutes < 10 else "")


def estimate_words(done: int, total: int, elapsed: float) -> str:
    """``3 of 10 done, about 12 s left`` (no estimate before the first step is done)."""
    text = f"{done} of {total} done"
    if 0 < done < total:
        text += f", about {duration_words(elapsed / done * (total - done))} left"
    return text


class Bar:
    """``st.progress`` fed by a library's ``progress(done, total[, step])`` callback.

    A new ``step`` that starts from nothing done (e.g. the checks after the bootstrap) starts the
    clock again, so the estimate is made from steps of one kind; a step text that only names the
    current item (``Comparing life stage (2 of 4 groupings)``) keeps it.
    """

    def __init__(self, what: str) -> None:
        self.what = what
        self._step: str | None = None
        self._started = time.perf_counter()
        self._bar = st.progress(0.0, text=f"{what}…")

    def __call__(self, done: int, total: int, step: str | None = None) -> None:
        if step != self._step:
            if done == 0:
                self._started = time.perf_counter()
            self._step = step
        elapsed = time.perf_counter() - self._started
        fraction = min(max(done / total, 0.0), 1.0) if total else 0.0
        self._bar.progress(fraction, text=f"{step or self.what}: {estimate_words(done, total, elapsed)}")

    def close(self) -> None:
        self._bar.empty()


@contextmanager
def bar(what: str) -> Iterator[Bar]:
    """A progress bar for the duration of the block, removed at its end."""
    b = Bar(what)
    try:
        yield b
    finally:
        b.close()
