"""Cross-lagged models: agreement with lavaan and recovery of known truth."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from analysis.errors import UsageError
from analysis.models.crosslag import fit_crosslag
from analysis.synth import DEFAULT_PARAMS, simulate_latent
from tests_support_lavaan import RICLPM_SOURCES, SUFFIX, load_fixture, riclpm_data

WAVES = ["1", "2", "3", "4", "5"]
_FITS: dict[str, object] = {}


def wide(source: str) -> pd.DataFrame:
    """The RI-CLPM data (committed stand-in, or the tutorial's in ../shared) with columns x_1..x_5, y_1..y_5."""
    return riclpm_data(source, "xy").rename(columns=lambda c: f"{c[0]}_{c[1:]}")


def invariant_fit(source: str):
    if source not in _FITS:
        _FITS[source] = fit_crosslag(wide(source), x="x", y="y", waves=WAVES, model="riclpm", lags="invariant")
    return _FITS[source]


# lavaan agreement: on the stand-in always, on the tutorial data as an extra when ../shared is there
@pytest.fixture(scope="module", params=RICLPM_SOURCES)
def source(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def standin_wide() -> pd.DataFrame:
    return wide("standin")


@pytest.fixture(scope="module")
def riclpm_fit():
    return invariant_fit("standin")


def test_invariant_riclpm_matches_lavaan(source):
    riclpm_fit = invariant_fit(source)
    fx = load_fixture("riclpm_invariant" + SUFFIX[source])
    rows = [r for r in fx["parameters"] if r["op"] == "~"]
    xy = [r for r in rows if r["lhs"].startswith("wy") and r["rhs"].startswith("wx")]
    yx = [r for r in rows if r["lhs"].startswith("wx") and r["rhs"].startswith("wy")]
    for path, ref in ((riclpm_fit.x_to_y, xy), (riclpm_fit.y_to_x, yx)):
        assert path.time_invariant
        assert abs(path.est - ref[0]["est"]) <= 1e-4
        assert abs(path.se / ref[0]["se"] - 1) <= 0.005
        assert abs(path.std - np.mean([r["std.all"] for r in ref])) <= 1e-4
        for wave, r in zip(path.by_wave, ref):
            assert abs(wave["std"] - r["std.all"]) <= 1e-4
    lrt = fx["lrt"]
    t = riclpm_fit.time_invariance_test
    assert t.df == lrt["df_diff"] and abs(t.chisq - lrt["chisq_diff"]) <= 1e-4


def test_free_lags_average_matches_lavaan_rows(source):
    res = fit_crosslag(wide(source), x="x", y="y", waves=WAVES, lags="free", compare=False)
    fx = load_fixture("riclpm" + SUFFIX[source])
    xy = [r["est"] for r in fx["parameters"] if r["op"] == "~" and r["lhs"].startswith("wy") and r["rhs"].startswith("wx")]
    assert not res.x_to_y.time_invariant
    assert abs(res.x_to_y.est - np.mean(xy)) <= 1e-4
    assert [w["est"] for w in res.x_to_y.by_wave] == pytest.approx(xy, abs=1e-4)


def test_results_json_contract(riclpm_fit):
    d = riclpm_fit.to_dict()
    json.dumps(d, allow_nan=False)
    assert {"model", "syntax", "parameters", "fit", "crosslag"} <= set(d)
    for key in ("x_to_y", "y_to_x"):
        assert {"est", "se", "ci_lower", "ci_upper", "pvalue", "std"} <= set(d["crosslag"][key])
    assert d["model"] == "riclpm" and "RIx =~" in d["syntax"]


def test_comparison_and_plain_language(riclpm_fit):
    table = riclpm_fit.comparison
    assert set(zip(table.model, table.lags)) == {("riclpm", "invariant"), ("riclpm", "free"), ("clpm", "invariant"),
                                                  ("dpm", "invariant")}
    assert table.aic.notna().all() and table.bic.notna().all()
    text = riclpm_fit.interpretation()
    assert "not proof of cause" in text and "within persons" in text
    assert "x ->" in riclpm_fit.summary() or "x -> y" in riclpm_fit.summary()


def test_bad_arguments(standin_wide):
    with pytest.raises(UsageError):
        fit_crosslag(standin_wide, x="x", y="x", waves=WAVES)
    with pytest.raises(UsageError):
        fit_crosslag(standin_wide, x="x", y="y", waves=WAVES, model="gclm")
    with pytest.raises(UsageError):
        fit_crosslag(standin_wide, x="x", y="y", waves=["1", "2"], model="riclpm")


def latent_wide(n: int, seed: int, stage: str, waves: int = 5) -> pd.DataFrame:
    """Latent loneliness (L) and mental-health problems (M) of one life stage, as observed (after dropout)."""
    params = dataclasses.replace(DEFAULT_PARAMS, gamma_p=0.0, gamma_d=0.0)
    panel = simulate_latent(n=n, waves=waves, seed=seed, params=params)
    ids = panel.persons.loc[panel.persons.life_stage.astype(str) == stage, "id"]
    long = panel.long[panel.long.id.isin(ids)].copy()
    long.loc[~long.responded, ["L", "M"]] = np.nan
    wide = long.pivot(index="id", columns="wave", values=["L", "M"])
    wide.columns = [f"{v}_{w}" for v, w in wide.columns]
    return wide.reset_index(drop=True), panel.truth


@pytest.mark.parametrize("stage", ["16-29", "30-64", "65+"])
def test_single_fit_recovers_true_cross_lags_within_3_se(stage):
    wide, truth = latent_wide(12000, 5, stage)
    res = fit_crosslag(wide, x="L", y="M", waves=WAVES, lags="invariant", compare=False)
    params = truth["model"]["parameters"]
    assert params["gamma_p"] == 0 and params["gamma_d"] == 0
    beta, delta = params["beta"][stage], params["delta"][stage]
    assert abs(res.x_to_y.est - beta) <= 3 * res.x_to_y.se, (res.x_to_y.est, beta, res.x_to_y.se)
    assert abs(res.y_to_x.est - delta) <= 3 * res.y_to_x.se, (res.y_to_x.est, delta, res.y_to_x.se)


@pytest.mark.slow
def test_confidence_intervals_cover_truth_at_nominal_rate():
    stage = "30-64"
    hits, total = 0, 0
    for seed in range(60):
        wide, truth = latent_wide(2500, 1000 + seed, stage)
        res = fit_crosslag(wide, x="L", y="M", waves=WAVES, lags="invariant", compare=False)
        for path, true in ((res.x_to_y, 0.12), (res.y_to_x, 0.06)):
            hits += path.ci_lower <= true <= path.ci_upper
            total += 1
    rate = hits / total
    # 120 intervals at 95%: the binomial standard error is 0.02; allow 3 of them.
    assert 0.89 <= rate <= 1.0, rate


def test_repr_is_one_short_line_and_summary_answers_first(riclpm_fit):
    text = repr(riclpm_fit)
    assert text.startswith("CrossLagResults(RI-CLPM of x and y") and "\n" not in text and len(text) < 160
    first = riclpm_fit.summary().splitlines()[0]
    assert "x" in first and ("both ways" in first or "clear link" in first or "directions differ" in first)


def test_comparison_models_in_a_second_process_give_the_same_table():
    """jobs=2 summarises the main fit and fits the other lag setting (testing time-invariance) in a
    forked process meanwhile: the same table, tests and estimates.

    In a fresh interpreter (one thread, so it may fork); this test process may hold other tests' threads."""
    from fresh_python import run_forking_case

    res = run_forking_case("""
        import pandas as pd
        from test_crosslag import WAVES, wide
        from analysis import background
        from analysis.models.crosslag import fit_crosslag
        data = wide("standin")
        one = fit_crosslag(data, x="x", y="y", waves=WAVES, model="riclpm", lags="invariant", jobs=1)
        assert background.can_fork()
        two = fit_crosslag(data, x="x", y="y", waves=WAVES, model="riclpm", lags="invariant", jobs=2)
        pd.testing.assert_frame_equal(two.comparison, one.comparison)
        assert two.time_invariance_test == one.time_invariance_test
        assert two.x_to_y == one.x_to_y and two.y_to_x == one.y_to_x
        assert two.ar_x == one.ar_x and two.ar_y == one.ar_y and two.direction_test == one.direction_test
        assert "LRT against RI-CLPM" in two.comparison.set_index("model").loc["clpm", "note"]
        print("same")
    """)
    assert res.returncode == 0 and res.stdout.strip() == "same", res.stderr


def test_a_clpm_test_that_cannot_be_scaled_says_why_instead_of_nan(riclpm_fit, monkeypatch):
    """On the 40,000 x 14 cohort neither scaled difference exists; the table said 'chisq nan, p nan'."""
    from analysis.models import crosslag_compare
    from analysis.models.sem import TestResult

    why = "no scaled difference: the Satorra-Bentler (2001) scaling factor is not positive"
    monkeypatch.setattr(crosslag_compare, "lrt", lambda a, b: TestResult(float("nan"), 3, float("nan"), why))
    fits = {"clpm/invariant": riclpm_fit.sem, "riclpm/invariant": riclpm_fit.sem}
    note = crosslag_compare.clpm_note(fits, lags="invariant")
    assert note == f"LRT against RI-CLPM: not available, {why}" and "nan" not in note
