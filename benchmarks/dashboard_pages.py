"""Benchmark: seconds to each dashboard page's first answer on the built-in synthetic cohort (AppTest).

Each repetition runs in a fresh Python process, so the caches start empty.  In it, one session
(``AppTest`` on ``app.py``, the router) opens the Data page (the cohort is generated and read:
``data``), then on each page presses the page's button with its default settings (``cold``: the
models are fitted), changes a display-only option (``display``: a rerun that must not refit, with a
figure not drawn before; ``display back``: the first option again), and
a second session (a browser refresh or another user) asks for the same answer (``warm``: from the
cache; the clicks it needs are included, and with ``?s=`` in the address, as the dashboard writes
it, no click is needed).  The report is built from what the other pages have on screen.  ``answer``
is the time from the click to the return of the page's first library call: the words and numbers
are on screen then, and the figures (and the causal page's checks, where they come second) follow.

Run: ``.venv/bin/python benchmarks/dashboard_pages.py [--reps 3] [--n 3000] [--app DIR] [--pages ...]``
(``--app`` the folder holding ``app.py`` and ``app_pages/``, default this repository; ``--pages``
default ``crosslag,groups,causal,report``; ``power`` times the Study size page's default design:
its answer is the large-sample approximation, and ``power cold`` includes the 600 simulated
studies that check it).  Prints the
median and range over repetitions, and the median CPU seconds of this process (all its threads; not
the power page's worker processes): the machine is shared, so wall-clock medians vary with its load
and the CPU time is the steadier measure of the work done.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _one(app_dir: Path, pages: list[str]) -> dict[str, float]:
    """One repetition in this (fresh) process; returns seconds per step."""
    sys.path[:0] = [str(app_dir), str(ROOT)]
    from streamlit.testing.v1 import AppTest

    app = str(app_dir / "app.py")
    out: dict[str, float] = {}

    def timed(name: str, at: AppTest) -> AppTest:
        started, cpu = time.perf_counter(), time.process_time()
        at.run()
        out[name] = time.perf_counter() - started
        out[f"{name} (cpu)"] = time.process_time() - cpu
        if at.exception:
            raise SystemExit(f"{name}: {at.exception[0].message}")
        return at

    def page(at: AppTest, name: str) -> AppTest:
        at.switch_page(f"app_pages/{name}.py")
        return timed(f"{name} open", at)

    def refreshed(at: AppTest, name: str) -> AppTest:
        """A new session on ``name`` with the first session's address (``?s=`` if the app wrote one)."""
        new = AppTest.from_file(app, default_timeout=3600)
        new.query_params = dict(at.query_params)
        new.run()
        new.switch_page(f"app_pages/{name}.py")
        new.query_params = dict(at.query_params)
        started = time.perf_counter()
        new.run()
        if not _answered(new, name):
            _press(new, name)
            new.run()
        out[f"{name} warm"] = time.perf_counter() - started
        return new

    at = AppTest.from_file(app, default_timeout=3600)
    timed("data cold", at)
    timed("data rerun", at)
    # The dashboard imports the causal libraries in the background while the user reads the Data page;
    # wait for it (and say how long it took), so the pages below are timed without it running beside them.
    started = time.perf_counter()
    for thread in threading.enumerate():
        if thread.name == "workbench-warm-up":
            thread.join()
            out["warm-up (background)"] = time.perf_counter() - started
    steps = [step for step in [("crosslag", ("cl_value", "est")), ("groups", ("gr_value", "est")),
                               ("causal", None), ("report", None), ("power", None)] if step[0] in pages]
    # The module holding the page's library calls (app_pages._results; before it, app_pages._shared).
    shared = sys.modules.get("app_pages._results") or sys.modules["app_pages._shared"]
    for name, display in steps:
        page(at, name)
        if not _answered(at, name):
            _press(at, name)
        # The answer (words and numbers) shows as soon as the page's first library call returns; the
        # figures and, on the causal page, the checks follow.  ``answer``: the time to that return.
        call = CALLS[name]
        first = getattr(shared, call, None)
        if first is not None:
            started = time.perf_counter()

            def timing(*args, _first=first, _name=name, _started=started, **kwargs):
                value = _first(*args, **kwargs)
                out.setdefault(f"{_name} answer", time.perf_counter() - _started)
                return value

            setattr(shared, call, timing)
        timed(f"{name} cold", at)
        if first is not None:
            setattr(shared, call, first)
        if display is not None:
            key, value = display
            first = at.radio(key=key).value
            at.radio(key=key).set_value(value)
            timed(f"{name} display", at)  # a figure not drawn before
            at.radio(key=key).set_value(first)
            timed(f"{name} display back", at)  # the first figure again
        refreshed(at, name)
    return out


#: The function each page calls for its answer, in the module holding the page's library calls (the power
#: page's first is ``kept``: the large-sample approximation, before ``power`` simulates the studies).
CALLS = {"crosslag": "crosslag", "groups": "compare", "causal": "causal", "report": "report", "power": "kept"}
ANSWERS = {"crosslag": "In plain words", "groups": "In plain words", "causal": "Checks (refutations)",
           "report": "Report ready", "power": "Result"}


def _answered(at, name: str) -> bool:
    texts = [e.value for kind in ("header", "subheader", "success") for e in getattr(at, kind)]
    return any(ANSWERS[name] in str(t) for t in texts)


def _press(at, name: str) -> None:
    buttons = [b for b in at.button if b.label not in ("Go back to the built-in synthetic cohort",)]
    buttons[0].click()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--n", type=int, default=3000, help="people in the built-in cohort (the app's default 3000)")
    ap.add_argument("--app", type=Path, default=ROOT)
    ap.add_argument("--pages", default="crosslag,groups,causal,report",
                    help="pages to time after the Data page (power: its default design; the answer is the "
                         "large-sample approximation, then 600 simulated studies)")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(_one(args.app.resolve(), args.pages.split(","))))
        return
    env = {**os.environ, "WORKBENCH_DEMO_N": str(args.n)}
    runs = []
    for rep in range(args.reps):
        cmd = [sys.executable, __file__, "--one", "--app", str(args.app), "--pages", args.pages]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if done.returncode:
            sys.exit(f"repetition {rep + 1} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"repetition {rep + 1}: " + ", ".join(f"{k} {v:.2f}" for k, v in runs[-1].items()), flush=True)
    print(f"\n{args.app} on {args.n:,} people, {args.reps} repetitions, load average {os.getloadavg()[0]:.1f}")
    print(f"{'step':<24}{'median s':>10}{'min':>8}{'max':>8}{'cpu s':>8}")
    for key in [k for k in runs[0] if not k.endswith(" (cpu)")]:
        values = [r[key] for r in runs if key in r]
        cpu = [r[f"{key} (cpu)"] for r in runs if f"{key} (cpu)" in r]
        print(f"{key:<24}{statistics.median(values):>10.2f}{min(values):>8.2f}{max(values):>8.2f}"
              + (f"{statistics.median(cpu):>8.2f}" if cpu else ""))


if __name__ == "__main__":
    main()
