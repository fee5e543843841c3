"""Helpers for the dashboard tests (paths, element texts, small data files)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "app.py"
#: People in the built-in cohort for these tests (the app's default is 3,000).
DEMO_N = 600


def texts(at, kind: str) -> list[str]:
    """The values of every element of one kind (markdown, info, error, caption, ...)."""
    return [e.value for e in getattr(at, kind)]


def joined(at, *kinds: str) -> str:
    """All text of the given kinds, joined (for 'is this sentence somewhere on the page')."""
    return "\n".join(str(v) for kind in kinds for v in texts(at, kind))
