"""Fixtures of the pooling tests: the CLI in-process, and cross-lag results built from a known drift matrix."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

for folder in (Path(__file__).resolve().parent, Path(__file__).resolve().parents[1] / "cli"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from bad_input_support import make_cli  # noqa: E402


@pytest.fixture
def cli(capsys):
    """``cli(*args)`` runs ``python -m analysis *args`` in this process (exit code, stdout, stderr)."""
    return make_cli(capsys)
