"""analysis.background: a forked child computes beside this process, with the same outcome as in turn."""

from __future__ import annotations

import os
import threading
import time

import pytest

from analysis import background
from analysis.errors import DataError

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or background.available_cores() < 2,
                                reason="needs fork and two cores")


def _only_thread() -> bool:
    return threading.active_count() == 1


def test_the_child_computes_in_another_process_and_returns_its_value():
    if not _only_thread():
        pytest.skip("other threads are running in this test process, so nothing is forked here")
    parent = os.getpid()
    job = background.start(lambda: {"pid": os.getpid(), "sum": sum(range(1000))})
    assert job is not None
    got = job.result()
    assert got["sum"] == 499500 and got["pid"] != parent


def test_the_childs_exception_is_raised_in_the_parent_with_its_type_and_sentence():
    if not _only_thread():
        pytest.skip("other threads are running in this test process, so nothing is forked here")

    def fails():
        raise DataError("Column 'x' is missing.")

    job = background.start(fails)
    with pytest.raises(DataError, match="Column 'x' is missing."):
        job.result()


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


def test_cancel_stops_a_child_that_is_still_working():
    if not _only_thread():
        pytest.skip("other threads are running in this test process, so nothing is forked here")
    job = background.start(lambda: time.sleep(60))
    t0 = time.perf_counter()
    job.cancel()
    assert time.perf_counter() - t0 < 10
    job.cancel()  # twice is harmless
