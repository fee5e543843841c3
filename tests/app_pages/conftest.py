"""Dashboard tests: AppTest drives ``app.py`` (the router) on a small built-in cohort."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from app_support import APP, DEMO_N  # noqa: E402


@pytest.fixture
def small_demo(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("WORKBENCH_DEMO_N", str(DEMO_N))
    return DEMO_N


@pytest.fixture
def app(small_demo):
    """A function opening a page of the dashboard through its router."""
    from streamlit.testing.v1 import AppTest

    def open_page(page: str | None = None, *, timeout: float = 120) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=timeout).run()
        if page is not None:
            at.switch_page(f"app_pages/{page}.py").run()
        return at

    return open_page
