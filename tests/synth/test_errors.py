"""Bad arguments raise UsageError; existing cohort files are never overwritten."""

from __future__ import annotations

import pytest

from analysis.errors import DataError, UsageError
from analysis.synth import ModelParams, simulate_latent, write_cohort

GOOD = {"cohort": "ukhls", "n": 50, "waves": 2, "seed": 1, "fmt": "dta"}


@pytest.mark.parametrize("change", [
    {"n": 0}, {"n": -5}, {"n": 2.5}, {"n": True}, {"n": "100"}, {"n": 10**7},
    {"waves": 1}, {"waves": 27}, {"waves": 3.0},
    {"seed": -1}, {"seed": None},
    {"cohort": "bhps"}, {"cohort": "UKHLS"},
    {"fmt": "csv"}, {"fmt": "DTA"},
])
def test_bad_arguments_raise_usage_error(tmp_path, change):
    kwargs = {**GOOD, **change, "out": tmp_path / "out"}
    with pytest.raises(UsageError) as info:
        write_cohort(**kwargs)
    name = next(iter(change))
    assert (name if name != "fmt" else "fmt") in str(info.value)
    assert not (tmp_path / "out").exists(), "nothing is created for a bad argument"


@pytest.mark.parametrize("change", [{"n": 0}, {"waves": 0}, {"seed": -3}, {"cohort": "hrs"}])
def test_simulate_latent_rejects_bad_arguments(change):
    kwargs = {"n": 10, "waves": 2, "seed": 0, "cohort": "elsa", **change}
    with pytest.raises(UsageError):
        simulate_latent(**kwargs)


def test_out_must_be_a_path(tmp_path):
    with pytest.raises(UsageError, match="out"):
        write_cohort(**GOOD, out=None)


def test_explosive_params_are_refused():
    with pytest.raises(UsageError, match="explosive"):
        simulate_latent(n=10, waves=2, seed=0, params=ModelParams(phi_L=0.95, phi_M=0.95,
                                                                    beta=(0.5, 0.5, 0.5)))
    with pytest.raises(UsageError, match="life stage"):
        ModelParams(beta=(0.1, 0.2))


@pytest.mark.parametrize("fmt", ["dta", "sav"])
def test_refuses_to_overwrite_a_cohort(tmp_path, fmt):
    out = tmp_path / "cohort"
    files = write_cohort(**{**GOOD, "fmt": fmt}, out=out)
    before = {p: p.read_bytes() for p in out.iterdir()}
    for cohort in ("ukhls", "elsa"):
        with pytest.raises(DataError, match="already holds cohort files"):
            write_cohort(**{**GOOD, "cohort": cohort, "fmt": "sav", "seed": 2}, out=out)
    assert {p: p.read_bytes() for p in out.iterdir()} == before
    assert files.truth.exists()


def test_refuses_when_any_target_exists(tmp_path):
    out = tmp_path / "cohort"
    out.mkdir()
    (out / "b_indresp.dta").write_bytes(b"not mine")
    (out / "notes.txt").write_text("unrelated")
    with pytest.raises(DataError, match="b_indresp.dta"):
        write_cohort(**GOOD, out=out)
    assert (out / "b_indresp.dta").read_bytes() == b"not mine"
    assert sorted(p.name for p in out.iterdir()) == ["b_indresp.dta", "notes.txt"]


def test_unrelated_files_do_not_block(tmp_path):
    out = tmp_path / "cohort"
    out.mkdir()
    (out / "notes.txt").write_text("unrelated")
    files = write_cohort(**GOOD, out=out)
    assert len(files.wave_files) == 2


def test_out_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(DataError, match="not a folder"):
        write_cohort(**GOOD, out=target)


def test_creates_missing_parent_folders(tmp_path):
    files = write_cohort(**GOOD, out=str(tmp_path / "a" / "b"))
    assert files.out.is_dir() and all(p.exists() for p in files.wave_files)


def test_failed_simulation_creates_no_folder(tmp_path):
    with pytest.raises(UsageError):
        write_cohort(**GOOD, out=tmp_path / "never",
                     params=ModelParams(phi_L=0.99, phi_M=0.99, beta=(0.6, 0.6, 0.6)))
    assert not (tmp_path / "never").exists()
