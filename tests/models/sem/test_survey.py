"""Sampling weights, clusters and strata in the engine, against lavaan 0.6-14 and R's survey 4.1-1.

Fixtures: ``tests/reference/survey/*.json`` made by ``tests/reference/make_survey_fixtures.R``
from the committed simulated survey panel (strata, PSUs, informative weights).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.errors import DataError, UsageError
from analysis.models.sem import SEM

REF = Path(__file__).resolve().parents[2] / "reference"
LAVAAN_CASES = [
    "weighted_riclpm_cluster_mlr", "weighted_riclpm_mlr_nocluster", "unweighted_riclpm_mlr",
    "weighted_multigroup_clpm", "weighted_multigroup_clpm_cluster", "weighted_cfa_complete",
    "weighted_cfa_complete_cluster", "weighted_regression_cluster_mlr",
]


def _fixture(case: str) -> tuple[dict, pd.DataFrame]:
    fx = json.loads((REF / "survey" / f"{case}.json").read_text())
    return fx, pd.read_csv(REF / fx["data"]["file"])


def _fit_like_lavaan(fx: dict, data: pd.DataFrame):
    o = fx["options"]
    kw = {"weights": o.get("sampling.weights"), "cluster": o.get("cluster")}
    if o.get("group"):
        kw["group"] = o["group"]
        kw["group_levels"] = list(pd.unique(data[o["group"]].dropna()))  # lavaan: order of first appearance
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SEM(fx["model"], defaults="lavaan" if o["function"] == "lavaan" else "sem",
                    fixed_x=bool(o.get("fixed.x", False)), meanstructure=True if o.get("meanstructure") else None)
        return model.fit(data, missing="fiml" if o["missing"] == "ml" else "listwise", estimator="mlr", **kw)


@pytest.mark.parametrize("case", LAVAAN_CASES)
def test_weighted_and_clustered_fits_match_lavaan(case):
    fx, data = _fixture(case)
    res = _fit_like_lavaan(fx, data)
    table = res.to_frame()
    levels = list(res.group_labels)
    compared = 0
    for row in fx["parameters"]:
        if row["op"] in ("==", ":="):
            continue
        m = table[(table.lhs == row["lhs"]) & (table.op == row["op"]) & (table.rhs == (row["rhs"] or ""))]
        if levels:
            m = m[m.group == levels[int(row["group"]) - 1]]
        assert len(m) == 1, (row["lhs"], row["op"], row["rhs"])
        m = m.iloc[0]
        assert m.est == pytest.approx(row["est"], abs=1e-5)
        if row["se"]:
            assert m.se == pytest.approx(row["se"], rel=1e-4)
            compared += 1
    assert compared >= 4
    fit = fx["fit"]
    assert res.fit["npar"] == fit["npar"]
    assert res.fit["chisq"] == pytest.approx(fit["chisq"], rel=1e-6, abs=1e-8)
    assert res.fit["logl"] == pytest.approx(fit["logl"], rel=1e-9)
    if fit["df"] == 0:  # saturated: lavaan reports scaled chi-square 0 and CFI 1
        assert res.fit["chisq_scaled"] == pytest.approx(fit["chisq.scaled"], abs=1e-8)
        assert res.fit["cfi_scaled"] == fit["cfi.scaled"] == 1
    if fit["df"] > 0:
        assert res.fit["chisq_scaled"] == pytest.approx(fit["chisq.scaled"], rel=1e-5)
        assert res.fit["chisq_scaling_factor"] == pytest.approx(fit["chisq.scaling.factor"], rel=1e-5)
        # Robust indices (FIML-corrected with missing data, Zhang & Savalei 2022): the 1e-4.
        for key in ("cfi.robust", "tli.robust", "rmsea.robust"):
            assert res.fit[key.replace(".", "_")] == pytest.approx(fit[key], abs=1e-4), key


def test_weights_change_the_answer_and_are_rescaled_to_the_sample_size():
    fx, data = _fixture("weighted_riclpm_mlr_nocluster")
    weighted = _fit_like_lavaan(fx, data)
    doubled = _fit_like_lavaan(fx, data.assign(w=2.5 * data["w"]))
    # Only relative weights matter (rescaled to sum to N, as lavaan's default "total").
    assert np.allclose(weighted.params, doubled.params, atol=1e-9)
    unweighted, _ = _fixture("unweighted_riclpm_mlr")
    plain = weighted.to_frame().set_index(["lhs", "op", "rhs"])["est"]
    ref = {(r["lhs"], r["op"], r["rhs"] or ""): r["est"] for r in unweighted["parameters"] if r["op"] == "~1"}
    assert abs(plain[("y1", "~1", "")] - ref[("y1", "~1", "")]) > 0.2  # informative selection shifts the mean
    assert weighted.design == {"weight": "w", "cluster": None, "strata": None, "n_psu": None, "n_strata": None,
                               "zero_weight": 0, "missing_weight": 0}


def _svyglm_case(case: str, *, strata: bool):
    fx, data = _fixture(case)
    cc = data.dropna(subset=["y4", "x3", "y3"])
    psu = "psu" if strata else "psu_uid"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = SEM("y4 ~ x3 + y3", meanstructure=True).fit(
            cc, missing="listwise", weights="w", cluster=psu, strata="stratum" if strata else None)
    coef = {c["term"]: c for c in fx["coefficients"]}
    return fx, res, coef


@pytest.mark.parametrize("case, strata", [("svyglm_strata", True), ("svyglm_nostrata", False)])
def test_regression_as_sem_matches_survey_svyglm(case, strata):
    fx, res, coef = _svyglm_case(case, strata=strata)
    ours = {"(Intercept)": res.estimate("y4", "~1"), "x3": res.estimate("y4", "~", "x3"),
            "y3": res.estimate("y4", "~", "y3")}
    for term, row in ours.items():
        assert row["est"] == pytest.approx(coef[term]["est"], abs=1e-8)
        # The linearisation estimator: PSU totals, centred within strata, n_h/(n_h-1).
        assert row["se"] == pytest.approx(coef[term]["se"], rel=1e-6)
    assert res.design["n_psu"] == fx["n_psu"]
    assert res.design["n_strata"] == (fx["n_strata"] if strata else None)


def test_strata_change_the_standard_errors():
    _, with_strata, _ = _svyglm_case("svyglm_strata", strata=True)
    _, without, _ = _svyglm_case("svyglm_nostrata", strata=False)
    assert with_strata.estimate("y4", "~", "x3")["est"] == pytest.approx(without.estimate("y4", "~", "x3")["est"])
    assert with_strata.estimate("y4", "~", "x3")["se"] != pytest.approx(without.estimate("y4", "~", "x3")["se"],
                                                                        rel=1e-3)


def test_zero_and_missing_weights_are_counted_not_silently_dropped():
    _, data = _fixture("svyglm_strata")
    data = data.copy()
    data.loc[:4, "w"] = 0.0
    data.loc[5:7, "w"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = SEM("y4 ~ x3 + y3").fit(data.dropna(subset=["y4", "x3", "y3"]), missing="listwise", weights="w")
    assert res.design["zero_weight"] >= 1 and res.design["missing_weight"] >= 1
    dropped = res.rows_dropped["all"]
    assert dropped == res.design["zero_weight"] + res.design["missing_weight"]
    assert any("zero or missing weight" in w for w in res.warnings)


@pytest.mark.parametrize("change, kw, needle", [
    (lambda d: d.assign(w=-d["w"]), {"weights": "w"}, "negative"),
    (lambda d: d, {"weights": "weight_lw"}, "weight_lw"),
    (lambda d: d.assign(psu=d["psu"].where(d.index > 3)), {"cluster": "psu"}, "'psu' is empty"),
    (lambda d: d, {"strata": "stratum"}, "cluster"),
    (lambda d: d.assign(psu=np.where(d["stratum"] == 1, 1, d["psu"])), {"cluster": "psu", "strata": "stratum"},
     "only one PSU"),
])
def test_bad_design_input_gets_one_clear_sentence(change, kw, needle):
    _, data = _fixture("svyglm_strata")
    data = change(data.dropna(subset=["y4", "x3", "y3"]))
    with pytest.raises((DataError, UsageError), match=needle):
        SEM("y4 ~ x3 + y3").fit(data, missing="listwise", **kw)


def test_weighted_refit_of_the_compiled_model_gives_the_weighted_estimates():
    fx, data = _fixture("weighted_riclpm_mlr_nocluster")
    res = _fit_like_lavaan(fx, data)
    compiled = res.compiled
    y = data[list(compiled.ov_names)].to_numpy()
    out = compiled.refit(compiled.sample(y, weights=data["w"].to_numpy()), se=True, estimator="mlr")
    assert np.allclose(out.theta, res.params.to_numpy(), atol=1e-6)
    assert np.allclose(np.sqrt(np.diag(out.vcov)), res.std_errors.to_numpy(), rtol=1e-5)


def test_groups_are_domains_of_one_stratified_design():
    """With strata, a group need not have persons in every PSU: PSU totals add over the groups."""
    fx, data = _fixture("weighted_multigroup_clpm")
    data = data.copy()
    # Leave group 1 with no one in one PSU of a two-PSU stratum.
    two = data.groupby("stratum")["psu"].nunique()
    h = int(two[two == 2].index[0])
    data = data[~((data["stratum"] == h) & (data["psu"] == 1) & (data["group"] == data["group"].iloc[0]))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = SEM(fx["model"], defaults="lavaan", fixed_x=False).fit(
            data, group="group", missing="fiml", weights="w", cluster="psu", strata="stratum")
    assert res.identified and np.isfinite(res.std_errors).all()
    assert res.design["n_strata"] == 20 and res.design["n_psu"] == 60


@pytest.mark.parametrize("column", [
    pd.Series([12, 9, 100, 9, 1, 12]),  # as text: "1" < "100" < "12" < "9"
    pd.Series([2.5, 10.0, 2.5, 1.0]),
    pd.Series(["b", "B", "10", "9", "b"]),
    pd.Series([1, "1", 2, "x"], dtype=object),  # 1 and "1" read the same, so they are one PSU
    pd.Series([3, 1, 3, 2]).astype("Int64"),
    pd.Series(["u", "v", "u"]).astype("category"),
])
def test_psu_and_stratum_codes_follow_the_order_of_their_text(column):
    from analysis.models.sem.data import design_columns

    frame = pd.DataFrame({"psu": column})
    _, codes, _ = design_columns(frame, weights=None, cluster="psu", strata=None)
    assert np.array_equal(codes, pd.factorize(column.astype(str), sort=True)[0])


@pytest.mark.parametrize("design", ["none", "weights", "psu", "psu_unweighted", "strata"])
def test_the_meat_added_up_block_by_block_equals_the_meat_of_all_scores(design, monkeypatch):
    """design_meat never holds the N x parameters scores; it must give what score_meat gives from them."""
    from analysis.models.sem import scores
    from analysis.models.sem.objectives import casewise_scores
    from analysis.models.sem.survey import design_meat, score_meat

    fx, data = _fixture("weighted_multigroup_clpm")
    kw = {"none": {}, "weights": {"weights": "w"}, "psu": {"weights": "w", "cluster": "psu"},
          "psu_unweighted": {"cluster": "psu"},
          "strata": {"weights": "w", "cluster": "psu", "strata": "stratum"}}[design]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = SEM(fx["model"], defaults="lavaan", fixed_x=False).fit(data, group="group", missing="fiml",
                                                                     estimator="mlr", **kw)
    fitted = res._internal
    whole = score_meat(casewise_scores(fitted.theta, fitted.problem), fitted.problem.data)
    monkeypatch.setattr(scores, "CHUNK", 2_000)  # many blocks, PSUs split across them
    blocks = design_meat(fitted.theta, fitted.problem)
    assert np.abs(blocks - whole).max() <= 1e-12 * np.abs(whole).max()
