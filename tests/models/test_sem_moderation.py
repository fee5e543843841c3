"""Stigma moderating the within-person cross-lags in the RI-CLPM (analysis.models.sem_moderation).

(a) lavaan agreement: the same syntax (committed under tests/reference/sem_moderation/) fitted by lavaan
to the committed data, with the product terms computed independently in R
(tests/reference/make_sem_moderation_fixtures.R).  (b) Known truth: simulated RI-CLPMs whose
within-person cross-lag is beta + gamma * S.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.errors import DataError
from analysis.models.panel_fit import fit_panel
from analysis.models.sem_moderation import MODERATOR, moderate_within, moderated_riclpm_syntax

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
sys.path.insert(0, str(REFERENCE))
from make_sem_moderation_data import WAVES, moderated_panel  # noqa: E402

X_COLS = [f"lonely_{w}" for w in WAVES]
Y_COLS = [f"mh_{w}" for w in WAVES]
LAG = {"x_to_y": ("wy2", "wx1"), "y_to_x": ("wx2", "wy1")}


def fixture(case: str) -> dict:
    return json.loads((REFERENCE / "sem_moderation" / f"{case}.json").read_text())


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data" / "sem_moderation.csv")


@pytest.fixture(scope="module")
def single(data):
    return moderate_within(data, x="lonely", y="mh", moderator="stigma", waves=WAVES)


@pytest.fixture(scope="module")
def by_stage(data):
    return moderate_within(data, x="lonely", y="mh", moderator="stigma", waves=WAVES, by="life_stage")


@pytest.mark.parametrize("name,groups", [("riclpm_moderated", 1), ("riclpm_moderated_2groups", 2)])
def test_committed_syntax_is_what_the_builder_writes(name, groups):
    text = (REFERENCE / "sem_moderation" / f"{name}.lav").read_text()
    assert moderated_riclpm_syntax(4, x_cols=X_COLS, y_cols=Y_COLS, n_groups=groups).strip() == text.strip()


@pytest.fixture(scope="module")
def single_mlr(data):
    return moderate_within(data, x="lonely", y="mh", moderator="stigma", waves=WAVES, estimator="mlr")


@pytest.mark.parametrize("case", ["single", "by_life_stage", "single_mlr"])
def test_agrees_with_lavaan(case, single, by_stage, single_mlr):
    res = {"single": single, "by_life_stage": by_stage, "single_mlr": single_mlr}[case]
    ref = fixture(case)
    assert ref["converged"] and res.sem.converged
    assert res.sem.fit["chisq"] == pytest.approx(ref["fit"]["chisq"], abs=1e-3)
    assert res.sem.fit["df"] == ref["fit"]["df"]
    assert res.sem.fit["logl"] == pytest.approx(ref["fit"]["logl"], abs=1e-3)
    for label, paths in ref["groups"].items():
        group = None if case != "by_life_stage" else label
        for path, want in paths.items():
            row = res.interaction[(res.interaction.path == path)
                                  & ((res.interaction.group.isna()) if group is None else (res.interaction.group == group))]
            assert len(row) == 1
            row = row.iloc[0]
            assert row.est == pytest.approx(want["interaction"]["est"], abs=1e-4)
            assert row.se == pytest.approx(want["interaction"]["se"], rel=5e-3)
            lhs, rhs = LAG[path]
            cl = res.sem.estimate(lhs, "~", rhs, group=group)
            assert cl.est == pytest.approx(want["cross_lag"]["est"], abs=1e-4)
            assert cl.se == pytest.approx(want["cross_lag"]["se"], rel=5e-3)
            # Simple slope at the median from lavaan's estimates and covariance.
            sl = res.simple_slopes
            med = sl[(sl.path == path) & (sl.level == "medium (median)")
                     & ((sl.group.isna()) if group is None else (sl.group == group))].iloc[0]
            d = med.moderator_value - res.moderator_mean
            est = want["cross_lag"]["est"] + d * want["interaction"]["est"]
            var = (want["cross_lag"]["se"] ** 2 + d * d * want["interaction"]["se"] ** 2
                   + 2 * d * want["cov_lag_interaction"])
            assert med.est == pytest.approx(est, abs=1e-4)
            assert med.se == pytest.approx(np.sqrt(var), rel=5e-3)


def test_equality_test_and_results_object(by_stage, single):
    eq = by_stage.equality
    assert list(eq.path) == ["x_to_y", "y_to_x"] and (eq.df == 1).all() and eq.pvalue.between(0, 1).all()
    assert len(repr(single)) < 200
    text = single.summary()
    assert "not proof of cause" in text and "Interaction" in text
    json.dumps(by_stage.to_dict())
    with pytest.raises(AttributeError):
        single.x = "other"  # frozen


def test_compare_fixed_effects(single):
    cmp = single.compare_fixed_effects()
    assert list(cmp.path) == ["x_to_y", "y_to_x"]
    assert {"sem_est", "fe_est", "agree"} <= set(cmp.columns)
    assert cmp.attrs["sentence"].startswith("The RI-CLPM interaction and the fixed-effects interaction")


def test_missing_moderator_is_refused(data):
    with pytest.raises(DataError, match="moderator"):
        moderate_within(data, x="lonely", y="mh", moderator="nope", waves=WAVES)


def _oracle_fit(gamma_xy, gamma_yx, seed):
    """The model with the true within-person components in the products: recovers gamma exactly."""
    df = moderated_panel(5000, gamma_xy=gamma_xy, gamma_yx=gamma_yx, seed=seed, within=True)
    sc = df["stigma"] - df["stigma"].mean()
    df[MODERATOR] = sc
    for c in "xy":
        for t in range(1, 4):
            w = df[f"w{c}_{t}"]
            df[f"p{c}{t}"] = (w - w.mean()) * sc
    return fit_panel(moderated_riclpm_syntax(4, x_cols=X_COLS, y_cols=Y_COLS), df)


@pytest.mark.parametrize("seed", [1, 2])
def test_known_truth_with_the_within_components(seed):
    res = _oracle_fit(0.1, -0.05, seed)
    for (lhs, rhs), gamma in ((("wy2", "px1"), 0.1), (("wx2", "py1"), -0.05)):
        row = res.estimate(lhs, "~", rhs)
        assert abs(row.est - gamma) < 3 * row.se, (row.est, row.se)


@pytest.mark.parametrize("seed", [3, 4])
def test_no_moderation_gives_about_zero(seed):
    df = moderated_panel(5000, gamma_xy=0.0, gamma_yx=0.0, seed=seed)
    res = moderate_within(df, x="lonely", y="mh", moderator="stigma", waves=WAVES)
    for row in res.interaction.itertuples():
        assert abs(row.est) < 3 * row.se, (row.path, row.est, row.se)


def test_person_mean_product_finds_the_moderation_with_the_documented_bias():
    # The observed person-mean-centred product overstates gamma with four waves (module docstring):
    # right sign, clearly significant, within [0.8, 2] x the truth.
    df = moderated_panel(5000, gamma_xy=0.1, gamma_yx=-0.05, seed=5)
    res = moderate_within(df, x="lonely", y="mh", moderator="stigma", waves=WAVES).interaction.set_index("path")
    for path, gamma in (("x_to_y", 0.1), ("y_to_x", -0.05)):
        est = res.loc[path, "est"]
        assert res.loc[path, "pvalue"] < 0.001
        assert 0.8 <= est / gamma <= 2.0, (path, est)


def test_a_panel_takes_the_moderator_at_the_first_wave(tmp_path):
    from analysis.data import load_panel
    from analysis.synth import write_cohort

    write_cohort(cohort="ukhls", n=800, waves=4, seed=3, fmt="dta", out=tmp_path)
    panel = load_panel(REFERENCE.parents[1] / "data_specs" / "synthetic.yaml", data=tmp_path)
    res = moderate_within(panel, x="loneliness", y="ghq_likert", moderator="perceived_stigma", by="life_stage")
    assert res.sem.converged and len(res.waves) == 4
    assert set(res.interaction.group) == set(res.wide["life_stage"].dropna().unique())
    assert res.moderator_sd > 0 and np.isfinite(res.interaction.est).all()
    assert "life_stage" in res.summary()


@pytest.mark.slow
def test_no_moderation_keeps_the_nominal_error_rate():
    # 100 cohorts of 1,000 without moderation: the 5% test rejects about 5% of the time (at most 10%).
    rejections = 0
    for seed in range(100):
        df = moderated_panel(1000, gamma_xy=0.0, gamma_yx=0.0, seed=1000 + seed)
        res = moderate_within(df, x="lonely", y="mh", moderator="stigma", waves=WAVES)
        rejections += int(res.interaction.set_index("path").loc["x_to_y", "pvalue"] < 0.05)
    assert rejections <= 10, rejections


# -- the survey design: weights and PSUs, against lavaan's sampling.weights + cluster ---------------

@pytest.fixture(scope="module")
def weighted_data(data) -> pd.DataFrame:
    design = pd.read_csv(REFERENCE / "sem_moderation" / "design.csv")
    return data.merge(design, on="id", how="left", validate="one_to_one")


@pytest.fixture(scope="module")
def weighted_fits(weighted_data):
    kw = {"x": "lonely", "y": "mh", "moderator": "stigma", "waves": WAVES, "weights": "w", "cluster": "psu_uid"}
    return {"single_weighted_cluster": moderate_within(weighted_data, **kw),
            "by_life_stage_weighted_cluster": moderate_within(weighted_data, by="life_stage", **kw)}


@pytest.mark.parametrize("case", ["single_weighted_cluster", "by_life_stage_weighted_cluster"])
def test_weighted_and_clustered_agrees_with_lavaan(case, weighted_fits):
    res, ref = weighted_fits[case], fixture(case)
    assert ref["converged"] and res.sem.converged
    fit = res.sem.fit
    assert fit["npar"] == ref["fit"]["npar"] and fit["df"] == ref["fit"]["df"]
    assert fit["chisq"] == pytest.approx(ref["fit"]["chisq"], rel=1e-6)
    assert fit["logl"] == pytest.approx(ref["fit"]["logl"], rel=1e-9)
    assert fit["chisq_scaled"] == pytest.approx(ref["fit"]["chisq.scaled"], rel=1e-5)
    assert fit["chisq_scaling_factor"] == pytest.approx(ref["fit"]["chisq.scaling.factor"], rel=1e-5)
    for label, paths in ref["groups"].items():
        group = None if case.startswith("single") else label
        same = (lambda col: col.isna()) if group is None else (lambda col: col == group)  # noqa: E731
        for path, want in paths.items():
            row = res.interaction[(res.interaction.path == path) & same(res.interaction.group)].iloc[0]
            assert row.est == pytest.approx(want["interaction"]["est"], abs=1e-5)
            assert row.se == pytest.approx(want["interaction"]["se"], rel=1e-4)
            cl = res.sem.estimate(*LAG[path][:1], "~", LAG[path][1], group=group)
            assert cl.est == pytest.approx(want["cross_lag"]["est"], abs=1e-5)
            assert cl.se == pytest.approx(want["cross_lag"]["se"], rel=1e-4)
            sl = res.simple_slopes
            med = sl[(sl.path == path) & (sl.level == "medium (median)") & same(sl.group)].iloc[0]
            d = med.moderator_value - res.moderator_mean
            var = (want["cross_lag"]["se"] ** 2 + d * d * want["interaction"]["se"] ** 2
                   + 2 * d * want["cov_lag_interaction"])
            assert med.est == pytest.approx(want["cross_lag"]["est"] + d * want["interaction"]["est"], abs=1e-5)
            assert med.se == pytest.approx(np.sqrt(var), rel=1e-4)


def test_the_design_is_recorded_and_changes_the_estimates(weighted_fits, single):
    res = weighted_fits["single_weighted_cluster"]
    d = res.to_dict()["design"]
    assert d["weight"] == "w" and d["cluster"] == "psu_uid" and d["n_psu"] == 100 and d["zero_weight"] == 1
    assert res.sem.fit["nobs"] == 399
    # Weighted centring: the moderator's mean is the weighted mean of the persons with a positive weight.
    data = res.wide
    w = data["w"].where(data["w"] > 0, 0)
    assert res.moderator_mean == pytest.approx(float((data.stigma * w).sum() / w.sum()), rel=1e-12)
    assert res.moderator_mean != pytest.approx(single.moderator_mean, abs=1e-3)
    assert "sampling areas (PSUs)" in res.summary()
    assert any("overstates the size" in n for n in res.notes)


def test_design_columns_and_survey_are_one_or_the_other(weighted_data):
    from analysis.errors import UsageError
    from analysis.models.survey_design import Design

    with pytest.raises(UsageError, match="not both"):
        moderate_within(weighted_data, x="lonely", y="mh", moderator="stigma", waves=WAVES, weights="w",
                        survey=Design(weights="w"))
    with pytest.raises(UsageError, match="no survey-design column 'nope'"):
        moderate_within(weighted_data, x="lonely", y="mh", moderator="stigma", waves=WAVES, cluster="nope")


def test_compare_fixed_effects_uses_the_same_design(weighted_fits):
    res = weighted_fits["single_weighted_cluster"]
    from analysis.models.builders import PanelDesign
    from analysis.models.moderation import moderation
    from analysis.models.survey_design import Design

    cmp = res.compare_fixed_effects().set_index("path")
    design = PanelDesign(x=tuple(f"lonely_{w}" for w in WAVES), y=tuple(f"mh_{w}" for w in WAVES))
    fe = moderation(res.wide, design, x="lonely", y="mh", moderator="stigma", waves=list(WAVES),
                    survey=Design(weights="w", cluster="psu_uid")).interaction.set_index("path")
    assert cmp.loc["x_to_y", "fe_est"] == fe.loc["x_to_y", "est"]
    unweighted = moderation(res.wide, design, x="lonely", y="mh", moderator="stigma", waves=list(WAVES),
                            survey="none").interaction.set_index("path")
    assert cmp.loc["x_to_y", "fe_est"] != unweighted.loc["x_to_y", "est"]


def test_a_panel_uses_its_spec_design_unless_told_not_to(tmp_path):
    from analysis.data import load_panel
    from analysis.synth import write_cohort

    write_cohort(cohort="ukhls", n=600, waves=3, seed=4, fmt="dta", out=tmp_path)
    panel = load_panel(REFERENCE.parents[1] / "data_specs" / "synthetic.yaml", data=tmp_path)
    kw = {"x": "loneliness", "y": "ghq_likert", "moderator": "perceived_stigma"}
    spec = moderate_within(panel, **kw)
    none = moderate_within(panel, survey="none", **kw)
    assert spec.design["weight"] == "weight" and spec.design["cluster"] == "psu" and spec.design["strata"] == "strata"
    assert none.design["weight"] is None and none.design["cluster"] is None
    assert spec.interaction.est.iloc[0] != pytest.approx(none.interaction.est.iloc[0], abs=1e-8)
    with pytest.raises(DataError, match="life_stages"):
        moderate_within(panel, by="life_stages", **kw)


def test_a_group_under_20_persons_is_refused_by_name(data):
    small = data.assign(life_stage=np.where(data.index < 12, "65+", data.life_stage))
    with pytest.raises(DataError, match=r"life_stage group '65\+' has fewer than 20 persons"):
        moderate_within(small, x="lonely", y="mh", moderator="stigma", waves=WAVES, by="life_stage")


def test_answer_in_words(single, by_stage):
    # single: both interactions significant (p .027, .031), opposite signs.
    text = single.answer()
    assert "link from lonely to later mh is stronger" in text and "link from mh to later lonely is weaker" in text
    groups = by_stage.answer()
    assert "differs between life stage groups" in groups
    assert by_stage.group_sizes == {"16-29": 188, "30+": 212} and single.group_sizes == {"all": 400}
    assert by_stage.to_dict()["answer"] == groups


def test_strata_change_the_standard_errors_not_the_estimates(weighted_data, weighted_fits):
    # lavaan has no strata; the engine's strata (PSU totals centred within strata) are checked against R's
    # survey in tests/models/sem/test_survey.py. Here: they reach the fit, estimates stay, SEs move.
    plain = weighted_fits["single_weighted_cluster"]
    strat = moderate_within(weighted_data, x="lonely", y="mh", moderator="stigma", waves=WAVES, weights="w",
                            cluster="psu", strata="stratum")
    assert strat.design["strata"] == "stratum" and strat.design["n_strata"] == 50 and strat.design["n_psu"] == 100
    assert np.allclose(strat.interaction.est, plain.interaction.est, atol=1e-8)
    assert not np.allclose(strat.interaction.se, plain.interaction.se, rtol=1e-6)
