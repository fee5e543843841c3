"""Scaled chi-square difference tests against lavaan (issue 17): Satorra-Bentler 2001 and 2010.

Fixtures: ``tests/reference/lrt/<case>.json``, written by ``tests/reference/make_lrt_fixtures.R`` from
lavaan 0.6-14's ``lavTestLRT(m1, m0, method = "satorra.bentler.2001" / "satorra.bentler.2010")`` and the
scaling factors of ``lav_test_diff_SatorraBentler2001/2010``.  ``lrt`` uses the 2001 difference and falls
back on the 2010 one when the 2001 scaling factor is not positive.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.models.sem import SEM, lrt
from analysis.models.sem.difference import satorra_bentler_2010

REFERENCE = Path(__file__).resolve().parents[2] / "reference"
CASES = sorted(p.stem for p in (REFERENCE / "lrt").glob("*.json"))
#: As the lavaan reference tests' fit measures (FIT_TOL), relative to the size of the value.
TOL = 1e-4


def close(ours: float, lavaan: float) -> bool:
    return abs(ours - lavaan) <= TOL * max(1.0, abs(lavaan))


@pytest.fixture(scope="module", params=CASES)
def case(request):
    fx = json.loads((REFERENCE / "lrt" / f"{request.param}.json").read_text())
    data = pd.read_csv(REFERENCE / fx["data"]["file"])
    args = fx["args"]
    model_kw = {"defaults": "lavaan" if fx["fun"] == "lavaan" else "sem"}
    if fx["fun"] == "lavaan":
        model_kw.update(meanstructure=bool(args["meanstructure"]), fixed_x=bool(args["fixed.x"]))
    fit_kw = {"estimator": "mlr", "missing": "fiml" if args["missing"].lower() == "ml" else "listwise",
              "group": args.get("group")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m1 = SEM(fx["m1"]["model"], **model_kw).fit(data, **fit_kw)
        m0 = SEM(fx["m0"]["model"], **model_kw).fit(data, **fit_kw, se="none")
    return fx, m1, m0


def test_both_fits_are_lavaans(case):
    fx, m1, m0 = case
    for ours, ref in ((m1, fx["m1"]["fit"]), (m0, fx["m0"]["fit"])):
        assert ours.fit["df"] == ref["df"] and ours.fit["npar"] == ref["npar"]
        assert close(ours.fit["chisq"], ref["chisq"]), (ours.fit["chisq"], ref["chisq"])
        assert close(ours.fit["chisq_scaling_factor"], ref["scaling_factor"])


def test_satorra_bentler_2010_matches_lavaan(case):
    fx, m1, m0 = case
    ref = fx["sb2010"]
    got = satorra_bentler_2010(m0, m1)
    assert got.reason == "" and got.df == ref["df"]
    assert close(got.scaling_factor, ref["scaling_factor"]), (got.scaling_factor, ref["scaling_factor"])
    assert close(got.chisq, ref["stat"]), (got.chisq, ref["stat"])


def test_the_fixtures_tell_the_two_forms_apart():
    """A 2001 factor passed off as a 2010 one would fail the check above in some case."""
    gaps = []
    for name in CASES:
        fx = json.loads((REFERENCE / "lrt" / f"{name}.json").read_text())
        gaps.append(abs(fx["sb2010"]["scaling_factor"] - (fx["sb2001"]["scaling_factor"] or 0.0)))
    assert max(gaps) > 100 * TOL


def test_lrt_uses_2001_and_falls_back_on_2010_when_its_factor_is_not_positive(case):
    fx, m1, m0 = case
    t = lrt(m0, m1)
    c2001 = fx["sb2001"]["scaling_factor"]
    if c2001 is not None and c2001 > 0:
        assert "(2001)" in t.description
        assert close(t.chisq, fx["sb2001"]["stat"]) and close(t.pvalue, fx["sb2001"]["pvalue"])
    else:
        assert "(2010)" in t.description and "2001 scaling factor was not positive" in t.description
        assert close(t.chisq, fx["sb2010"]["stat"]) and close(t.pvalue, fx["sb2010"]["pvalue"])
        assert np.isfinite(t.chisq)


def test_models_not_nested_parameter_by_parameter_get_no_2010_difference():
    """CLPM within RI-CLPM: different parameterizations, so M1 at M0's values is not M0 (NaN, with the reason)."""
    from analysis.models.builders import PanelDesign, build_syntax
    from analysis.models.panel_fit import fit_panel

    data = pd.read_csv(REFERENCE / "data" / "riclpm_standin.csv")
    design = PanelDesign(x=tuple(f"x{t}" for t in range(1, 6)), y=tuple(f"y{t}" for t in range(1, 6)))
    clpm = fit_panel(build_syntax("clpm", design, lags="invariant"), data, estimator="mlr", se="none")
    riclpm = fit_panel(build_syntax("riclpm", design, lags="invariant"), data, estimator="mlr", se="none")
    got = satorra_bentler_2010(clpm, riclpm)
    assert np.isnan(got.scaling_factor) and np.isnan(got.chisq)
    assert "not nested parameter by parameter" in got.reason


def test_lrt_falls_back_on_lavaans_2010_value_when_the_2001_factor_is_not_positive(case):
    """The fallback path on every case: the models' own scaling factors made non-positive (as the engine stores a
    factor that is not positive: NaN), so the 2001 form has none; lrt must then give lavaan's 2010 test."""
    import dataclasses

    fx, m1, m0 = case
    broken = {k: dataclasses.replace(m, fit={**m.fit, "chisq_scaling_factor": float("nan")}) for k, m in
              (("m1", m1), ("m0", m0))}
    t = lrt(broken["m0"], broken["m1"])
    assert "(2010)" in t.description and "2001 scaling factor was not positive" in t.description
    assert close(t.chisq, fx["sb2010"]["stat"]) and close(t.pvalue, fx["sb2010"]["pvalue"]), (t, fx["sb2010"])
    assert t.df == fx["sb2010"]["df"]
