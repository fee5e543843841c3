"""Shared fixtures: small written cohorts in both formats and both layouts."""

from __future__ import annotations

from pathlib import Path

import pyreadstat
import pytest

from analysis.synth import CohortFiles, write_cohort

SMALL = {"n": 700, "waves": 4, "seed": 11}


def read(path: Path):
    """Read a wave file with pyreadstat, whatever its format."""
    reader = pyreadstat.read_dta if path.suffix == ".dta" else pyreadstat.read_sav
    return reader(path)


@pytest.fixture(scope="session")
def written(tmp_path_factory) -> dict[tuple[str, str], CohortFiles]:
    """One small cohort per (cohort, format), written once per test session."""
    out = {}
    for cohort in ("ukhls", "elsa"):
        for fmt in ("dta", "sav"):
            folder = tmp_path_factory.mktemp(f"{cohort}_{fmt}")
            out[(cohort, fmt)] = write_cohort(cohort=cohort, fmt=fmt, out=folder / "cohort", **SMALL)
    return out


@pytest.fixture(scope="session")
def waves_read(written):
    """(frame, meta) of every wave file, keyed like ``written``."""
    return {key: [read(p) for p in files.wave_files] for key, files in written.items()}
