"""Reproducible runs: an analysis config in, a run folder with a manifest, results and a report out.

The names below are loaded on first use, so a command that needs only, say, the disclosure
rules (:mod:`analysis.runs.disclosure`) does not import the run machinery and its report writers.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {"AnalysisConfig": "config", "load_config": "config", "RunResult": "runner", "run_analysis": "runner",
          "verify_run": "verify"}

__all__ = ["AnalysisConfig", "RunResult", "load_config", "run_analysis", "verify_run"]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        value = getattr(importlib.import_module(f"analysis.runs.{_HOMES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'analysis.runs' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
