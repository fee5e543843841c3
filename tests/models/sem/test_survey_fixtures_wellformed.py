"""The survey-design reference fixtures (issue 14) are well-formed and their data are present.

The engine does not fit weighted / design-based models yet, so nothing here compares estimates.
These checks only keep tests/reference/survey/*.json, the CSVs they name and the builder models
they were fitted to from rotting silently.  Regenerate with tests/reference/make_survey_fixtures.R.
"""

from __future__ import annotations

import csv
import json
import math
from functools import lru_cache
from pathlib import Path

import pytest

REFERENCE = Path(__file__).resolve().parents[2] / "reference"
SURVEY = REFERENCE / "survey"

LAVAAN_CASES = (
    "weighted_riclpm_cluster_mlr",
    "weighted_riclpm_mlr_nocluster",
    "unweighted_riclpm_mlr",
    "weighted_multigroup_clpm",
    "weighted_multigroup_clpm_cluster",
    "weighted_cfa_complete",
    "weighted_cfa_complete_cluster",
    "weighted_regression_cluster_mlr",
)
SVYGLM_CASES = ("svyglm_strata", "svyglm_nostrata")


def load(case: str) -> dict:
    return json.loads((SURVEY / f"{case}.json").read_text())


@lru_cache(maxsize=None)
def read_csv(rel: str) -> tuple[list[str], list[dict[str, str]]]:
    with (REFERENCE / rel).open(newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def test_every_fixture_file_is_listed():
    assert sorted(p.stem for p in SURVEY.glob("*.json")) == sorted(LAVAAN_CASES + SVYGLM_CASES)


def check_design_columns(data: dict) -> list[dict[str, str]]:
    assert data["source"] == "reference"
    header, rows = read_csv(data["file"])
    assert header == data["columns"]
    for key in ("weight", "strata", "psu", "psu_unique"):
        assert data[key] in header, key
    weights = [float(r[data["weight"]]) for r in rows]
    assert all(math.isfinite(v) and 0.2 < v < 6 for v in weights)
    # PSU ids are unique only within strata; psu_unique identifies a PSU on its own
    pairs = {(r[data["strata"]], r[data["psu"]]) for r in rows}
    assert len({r[data["psu_unique"]] for r in rows}) == len(pairs)
    per_stratum: dict[str, set[str]] = {}
    for s, p in pairs:
        per_stratum.setdefault(s, set()).add(p)
    assert all(len(v) >= 2 for v in per_stratum.values())
    return rows


@pytest.mark.parametrize("case", LAVAAN_CASES)
def test_lavaan_fixture_is_well_formed(case):
    fx = load(case)
    assert fx["case"] == case and fx["converged"] is True and fx["warnings"] == []
    assert fx["lavaan_version"].startswith("0.6") and fx["call"].startswith(fx["options"]["function"] + "(")
    rows = check_design_columns(fx["data"])
    assert fx["ntotal"] == sum(fx["nobs"]) <= len(rows)
    weighted = "sampling.weights" in fx["call"]
    assert weighted == (fx["sampling_weights"] is not None)
    if weighted:
        sw = fx["sampling_weights"]
        assert sw["column"] == fx["data"]["weight"] and sw["normalization"] == "total"
        assert math.isclose(sum(sw["sum_rescaled_per_group"]), fx["ntotal"], rel_tol=1e-12)
        assert sw["max_abs_dev_from_rule"] < 1e-12
    clustered = "cluster = " in fx["call"]
    assert clustered == (fx.get("nclusters") is not None)
    if clustered:
        assert fx["options"]["cluster"] == fx["data"]["psu_unique"]
        assert fx["options"]["se"] == "robust.cluster"
    if fx["ngroups"] > 1:
        assert fx["data"]["group_column"] in fx["data"]["columns"] and len(fx["data"]["group_levels"]) == fx["ngroups"]
    # the parameter table carries what the engine will be compared on
    for row in fx["parameters"]:
        for key in ("lhs", "op", "rhs", "est", "se", "std.all"):
            assert key in row
        if fx["ngroups"] > 1:
            assert "group" in row
    free = [r for r in fx["parameters"] if r["op"] not in ("==", ":=") and r["se"] not in (0, None)]
    assert len(free) >= fx["npar"] and all(r["se"] > 0 for r in free)
    fit = fx["fit"]
    for key in ("chisq", "df", "npar", "logl"):
        assert isinstance(fit[key], (int, float))
    if fit["df"] > 0:
        for key in ("chisq.scaled", "chisq.scaling.factor", "cfi.robust", "tli.robust", "rmsea.robust", "srmr"):
            assert isinstance(fit[key], (int, float)), key
        assert "yuan.bentler.mplus" in fx["test"]
    names = fx["vcov"]["rownames"]
    assert len(names) == len(fx["vcov"]["values"]) == fx["npar"] + sum(r["op"] == "==" for r in fx["parameters"])
    # every variable of the model is a column of the data
    model_vars = {r["rhs"] for r in fx["parameters"] if r["op"] == "=~"} | {
        r["lhs"] for r in fx["parameters"] if r["op"] == "~1"}
    latent = {r["lhs"] for r in fx["parameters"] if r["op"] == "=~"}
    assert (model_vars - latent) <= set(fx["data"]["columns"])


@pytest.mark.parametrize("case", SVYGLM_CASES)
def test_svyglm_fixture_is_well_formed(case):
    fx = load(case)
    assert fx["case"] == case and fx["warnings"] == [] and fx["survey_version"]
    rows = check_design_columns(fx["data"])
    for var in ("y4", "x3", "y3"):
        assert var in fx["data"]["columns"]
    complete = sum(all(r[v] != "" for v in ("y4", "x3", "y3")) for r in rows)
    assert fx["n_used"] == fx["n_complete_cases"] == complete
    terms = [c["term"] for c in fx["coefficients"]]
    assert terms == ["(Intercept)", "x3", "y3"] == fx["vcov"]["rownames"]
    for c, vrow, i in zip(fx["coefficients"], fx["vcov"]["values"], range(3)):
        assert math.isclose(math.sqrt(vrow[i]), c["se"], rel_tol=1e-12)
    n_psu = len({r[fx["data"]["psu_unique"]] for r in rows})
    n_strata = len({r[fx["data"]["strata"]] for r in rows})
    expected_degf = n_psu - n_strata if "strata" in fx["design_call"] else n_psu - 1
    assert fx["degf"] == expected_degf
    assert fx["complete_case_design_max_abs_diff"] < 1e-10


def test_regression_as_sem_matches_svyglm_without_strata():
    # lavaan's weighted sem() with cluster = is the survey linearisation estimator without strata
    # (scores sum to zero at the optimum, so centring does not matter; both use G/(G-1)).
    sem = {r["rhs"] or "(Intercept)": r for r in load("weighted_regression_cluster_mlr")["parameters"]
           if r["lhs"] == "y4" and r["op"] in ("~", "~1")}
    for c in load("svyglm_nostrata")["coefficients"]:
        assert math.isclose(sem[c["term"]]["est"], c["est"], rel_tol=1e-6)
        assert math.isclose(sem[c["term"]]["se"], c["se"], rel_tol=1e-6)


def test_builder_models_are_what_lavaan_was_run_on():
    import sys

    sys.path.insert(0, str(REFERENCE))
    try:
        from make_survey_models import MODELS, SURVEY_MODELS
    finally:
        sys.path.remove(str(REFERENCE))
    from analysis.models.builders import build_syntax

    for stem, (model, design, kw) in SURVEY_MODELS.items():
        assert build_syntax(model, design, **kw) == (MODELS / f"{stem}.lav").read_text()
    for case in ("weighted_riclpm_cluster_mlr", "weighted_riclpm_mlr_nocluster", "unweighted_riclpm_mlr"):
        assert load(case)["model"] == (MODELS / "survey_riclpm_invariant.lav").read_text().rstrip("\n")
    for case in ("weighted_multigroup_clpm", "weighted_multigroup_clpm_cluster"):
        assert load(case)["model"] == (MODELS / "survey_clpm_mg_equal_cl.lav").read_text().rstrip("\n")
