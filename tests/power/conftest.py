"""Shared fixtures: one real Dask LocalCluster (2 worker processes) for the backend tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def dask_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        yield cluster
