"""Fixtures for the data-layer tests: small synthetic cohorts in both formats and layouts.

Expected values come from the generator's released responses
(``simulate_latent(...).observed``, the same rows the wave files hold), never
from the code under test.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from analysis.synth import simulate_latent, write_cohort  # noqa: E402
from data_support import SMALL  # noqa: E402


@pytest.fixture(scope="session")
def observed() -> dict[str, pd.DataFrame]:
    """Released responses of the small cohorts, long form with unprefixed names."""
    return {c: simulate_latent(cohort=c, **SMALL).observed for c in ("ukhls", "elsa")}


@pytest.fixture(scope="session")
def latent():
    return {c: simulate_latent(cohort=c, **SMALL) for c in ("ukhls", "elsa")}


@pytest.fixture(scope="session")
def cohort_dirs(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Wave files of each (cohort, format), written once per session (read-only in tests)."""
    out = {}
    for cohort in ("ukhls", "elsa"):
        for fmt in ("dta", "sav"):
            folder = tmp_path_factory.mktemp(f"{cohort}_{fmt}") / "cohort"
            write_cohort(cohort=cohort, fmt=fmt, out=folder, **SMALL)
            out[(cohort, fmt)] = folder
    return out


@pytest.fixture
def copy_cohort(cohort_dirs, tmp_path):
    """Copy a session cohort into tmp_path (for tests that alter files)."""
    def copy(cohort: str = "ukhls", fmt: str = "dta", *, skip: tuple[str, ...] = ()) -> Path:
        dest = tmp_path / f"{cohort}_{fmt}"
        dest.mkdir()
        for p in cohort_dirs[(cohort, fmt)].iterdir():
            if p.name not in skip:
                shutil.copy2(p, dest / p.name)
        return dest
    return copy
