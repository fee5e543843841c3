"""Stopping a run: SIGTERM handled like Ctrl-C, and neither lost, so every stop cleans up the same way.

Python turns SIGINT (Ctrl-C) into ``KeyboardInterrupt``, which every writer of the
workbench catches to remove its staging folder or temporary file and keep what is
finished.  Two things could defeat that:

* SIGTERM (``kill``, a batch scheduler, a closing terminal) ends the process at once
  and leaves a hidden ``.partial`` folder behind.  Inside :func:`handle_stop_signals`
  it raises :class:`Terminated`, a ``KeyboardInterrupt``, instead.
* Python raises the interrupt wherever the main thread happens to be.  When that is
  a finaliser or a weak-reference callback run by the garbage collector (during an
  import, or while joblib waits for its workers), the exception is "ignored" (printed
  and dropped) and the run carries on as if nothing had been pressed.  Inside the
  block such a lost interrupt is raised again at once, in the main thread.
"""

from __future__ import annotations

import _thread
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass


#: Seconds before a dropped interrupt is raised again (the finaliser that dropped it has returned by then).
REDELIVER_AFTER = 0.05


class Terminated(KeyboardInterrupt):
    """The process was sent SIGTERM (handled as an interrupt)."""


@dataclass
class Received:
    """Whether SIGTERM arrived inside the block (for the exit code: 143 instead of 130)."""

    sigterm: bool = False


@contextlib.contextmanager
def handle_stop_signals() -> Iterator[Received]:
    """Within the block, SIGTERM raises :class:`Terminated` and no interrupt is lost.

    Only the main thread can set signal handlers: elsewhere nothing changes.  Nor does
    it where an application has installed its own SIGTERM handler.  Nested blocks share
    the outer one's handling.  Everything is restored on exit.
    """
    received = Received()
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    sigterm = getattr(signal, "SIGTERM", None)
    previous = signal.getsignal(sigterm) if sigterm is not None else None
    outer = getattr(previous, "_workbench_received", None)
    if outer is not None:  # already inside such a block: the outer one does it
        yield outer
        return
    install = sigterm is not None and previous in (signal.SIG_DFL, None)

    def on_sigterm(signum, frame):  # noqa: ARG001 - the signal-handler signature
        received.sigterm = True
        raise Terminated()

    on_sigterm._workbench_received = received  # type: ignore[attr-defined]
    previous_hook = sys.unraisablehook

    def on_unraisable(unraisable) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            # Raised inside a finaliser and dropped there: deliver it again to the main thread, from
            # another thread a moment later, so it is raised after this hook and the finaliser return
            # (raised in here, it would be dropped too).
            again = signal.SIGTERM if isinstance(unraisable.exc_value, Terminated) else signal.SIGINT
            timer = threading.Timer(REDELIVER_AFTER, _thread.interrupt_main, args=(again,))
            timer.daemon = True
            timer.start()
            return
        previous_hook(unraisable)

    if install:
        signal.signal(sigterm, on_sigterm)
    sys.unraisablehook = on_unraisable
    try:
        yield received
    finally:
        sys.unraisablehook = previous_hook
        if install:
            signal.signal(sigterm, previous)
