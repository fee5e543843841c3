"""Test configuration: make the support modules beside the tests importable; shared fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for sub in ("models/sem", "models"):
    path = str(HERE / sub)
    if path not in sys.path:
        sys.path.insert(0, path)


def pytest_report_header(config):
    """Say whether the tutorial-data extras of the lavaan agreement checks are collected."""
    from tests_support_lavaan import TUTORIAL_PRESENT

    if TUTORIAL_PRESENT:
        return "lavaan agreement: committed stand-in and Mulder & Hamaker's tutorial data (../shared)"
    return ("lavaan agreement: committed stand-in only (../shared absent: the tutorial-data extras are not "
            "collected; every agreement check runs on the stand-in)")


@pytest.fixture(scope="session")
def dask_cluster():
    """One real Dask LocalCluster (2 worker processes) for the backend tests of power and bootstrap."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        yield cluster
