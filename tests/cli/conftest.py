"""Fixtures of the CLI tests: ``cli`` runs a command in-process (see ``bad_input_support``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from bad_input_support import make_cli  # noqa: E402


@pytest.fixture
def cli(capsys):
    """``cli(*args)`` runs ``python -m analysis *args`` in this process and returns its exit code, stdout
    and stderr (an ``Outcome``)."""
    return make_cli(capsys)
