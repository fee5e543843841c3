"""Same seed -> same data; different seed -> different data; shorter panels are prefixes."""

from __future__ import annotations

import json

import pandas as pd
import pyreadstat
import pytest

from analysis.synth import simulate_latent, write_cohort


def _read(path):
    return (pyreadstat.read_dta if path.suffix == ".dta" else pyreadstat.read_sav)(path)


@pytest.mark.parametrize("cohort", ["ukhls", "elsa"])
def test_simulate_latent_is_reproducible(cohort):
    a = simulate_latent(n=300, waves=3, seed=5, cohort=cohort)
    b = simulate_latent(n=300, waves=3, seed=5, cohort=cohort)
    pd.testing.assert_frame_equal(a.persons, b.persons)
    pd.testing.assert_frame_equal(a.long, b.long)
    pd.testing.assert_frame_equal(a.observed, b.observed)
    assert a.truth == b.truth


@pytest.mark.parametrize("cohort", ["ukhls", "elsa"])
def test_different_seed_gives_different_data(cohort):
    a = simulate_latent(n=300, waves=3, seed=5, cohort=cohort)
    b = simulate_latent(n=300, waves=3, seed=6, cohort=cohort)
    assert not a.persons.id.equals(b.persons.id)
    assert not a.long.L.equals(b.long.L)
    assert a.truth["seed"] != b.truth["seed"]


@pytest.mark.parametrize("fmt", ["dta", "sav"])
def test_written_files_are_reproducible(tmp_path, fmt):
    first = write_cohort(cohort="ukhls", n=200, waves=3, seed=9, fmt=fmt, out=tmp_path / "one")
    second = write_cohort(cohort="ukhls", n=200, waves=3, seed=9, fmt=fmt, out=tmp_path / "two")
    other = write_cohort(cohort="ukhls", n=200, waves=3, seed=10, fmt=fmt, out=tmp_path / "three")
    for p, q, r in zip(first.wave_files, second.wave_files, other.wave_files):
        (dp, mp), (dq, mq), (dr, _) = _read(p), _read(q), _read(r)
        pd.testing.assert_frame_equal(dp, dq)  # files embed timestamps, so compare contents
        assert mp.column_names_to_labels == mq.column_names_to_labels
        assert mp.variable_value_labels == mq.variable_value_labels
        assert not dp.equals(dr)
    assert json.loads(first.truth.read_text()) == json.loads(second.truth.read_text())


@pytest.mark.parametrize("cohort", ["ukhls", "elsa"])
def test_shorter_panel_is_prefix_of_longer(cohort):
    short = simulate_latent(n=400, waves=3, seed=2, cohort=cohort)
    long = simulate_latent(n=400, waves=5, seed=2, cohort=cohort)
    pd.testing.assert_frame_equal(short.persons, long.persons)
    head = long.long[long.long.wave <= 3].reset_index(drop=True)
    pd.testing.assert_frame_equal(short.long, head)
    obs = long.observed
    pd.testing.assert_frame_equal(short.observed.drop(columns="weight"),
                                  obs[obs.wave <= 3].drop(columns="weight").reset_index(drop=True))
