"""analysis.background: a forked child computes beside this process, with the same outcome as in turn.

Each case runs in a fresh interpreter (one thread, so forking is allowed there); the test process
itself may have threads left by earlier tests (Dask, Streamlit), where start() rightly refuses.
"""

from __future__ import annotations

import os
import threading

import pytest
from fresh_python import run_forking_case  # tests/models, on the path through tests/conftest.py

from analysis import background

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or background.available_cores() < 2,
                                reason="needs fork and two cores (the CI machine has both)")


def test_the_child_computes_in_another_process_and_returns_its_value():
    res = run_forking_case("""
        import os
        from analysis import background
        parent = os.getpid()
        job = background.start(lambda: {"pid": os.getpid(), "sum": sum(range(1000))})
        assert job is not None, "a single-threaded process on two cores forks"
        got = job.result()
        assert got["sum"] == 499500 and got["pid"] != parent
        print("ok")
    """)
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr


def test_the_childs_exception_is_raised_in_the_parent_with_its_type_and_sentence():
    res = run_forking_case("""
        from analysis import background
        from analysis.errors import DataError

        def fails():
            raise DataError("Column 'x' is missing.")

        job = background.start(fails)
        try:
            job.result()
        except DataError as exc:
            print(type(exc).__name__, exc)
    """)
    assert res.returncode == 0 and res.stdout.strip() == "DataError Column 'x' is missing.", res.stderr


def test_cancel_stops_a_child_that_is_still_working():
    res = run_forking_case("""
        import time
        from analysis import background
        job = background.start(lambda: time.sleep(60))
        t0 = time.perf_counter()
        job.cancel()
        job.cancel()  # twice is harmless
        print(round(time.perf_counter() - t0))
    """)
    assert res.returncode == 0 and int(res.stdout) < 10, res.stderr


def test_jobs_1_and_a_second_thread_mean_no_fork():
    assert background.start(lambda: 1, jobs=1) is None
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert background.can_fork() is False
        assert background.start(lambda: 1) is None
    finally:
        stop.set()
        t.join()
