"""Run a test's case in a fresh interpreter: one thread, so analysis.background may fork there.

The test process itself may hold threads left by earlier tests (Dask, Streamlit), where
``background.start`` rightly refuses to fork; a case that must exercise the fork runs here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def run_forking_case(code: str, *, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run ``code`` (dedented) with the test support modules importable; skip without fork or two cores."""
    from analysis import background

    if not hasattr(os, "fork") or background.available_cores() < 2:
        pytest.skip("needs fork and two cores (the CI machine has both)")
    setup = f"import sys\nsys.path[:0] = [{str(HERE)!r}, {str(HERE / 'sem')!r}]\n"
    return subprocess.run([sys.executable, "-c", setup + textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, cwd=HERE.parents[1])
