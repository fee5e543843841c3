"""The SEM engine against lavaan 0.6 reference fixtures (tests/reference/).

Agreement required by the project: estimates within 1e-4, standard errors within
0.5%, fit indices within 1e-4.  The fixtures and the R script that wrote them
are committed in tests/reference/.  Every RI-CLPM case is there twice: on the
project's own stand-in data (``<case>_standin``, committed, always run) and on
Mulder & Hamaker's tutorial data in ../shared (an extra that skips without it).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.models.sem import SEM, lrt
from tests_support_lavaan import (
    RICLPM_SOURCES,
    SUFFIX,
    fit_options,
    fixture_names,
    lavaan_rows,
    load_data,
    load_fixture,
)

EST_TOL = 1e-4
SE_REL_TOL = 0.005
FIT_TOL = 1e-4
FIT_KEYS = {
    "chisq": "chisq", "df": "df", "pvalue": "pvalue", "cfi": "cfi", "tli": "tli", "rmsea": "rmsea",
    "rmsea_ci_lower": "rmsea.ci.lower", "rmsea_ci_upper": "rmsea.ci.upper", "srmr": "srmr",
    "logl": "logl", "aic": "aic", "bic": "bic", "npar": "npar", "nobs": "ntotal",
    "baseline_chisq": "baseline.chisq", "baseline_df": "baseline.df",
    "chisq_scaled": "chisq.scaled", "pvalue_scaled": "pvalue.scaled",
    "chisq_scaling_factor": "chisq.scaling.factor", "baseline_chisq_scaled": "baseline.chisq.scaled",
    "cfi_scaled": "cfi.scaled", "tli_scaled": "tli.scaled", "rmsea_scaled": "rmsea.scaled",
    "cfi_robust": "cfi.robust", "tli_robust": "tli.robust", "rmsea_robust": "rmsea.robust",
}

_cache: dict[str, tuple] = {}


def fitted(name: str):
    if name not in _cache:
        fx = load_fixture(name)
        data = load_data(fx)
        model_kw, fit_kw = fit_options(fx)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = SEM(fx["model"], **model_kw).fit(data, **fit_kw)
        _cache[name] = (fx, res)
    return _cache[name]


def matched_rows(fx, res):
    """(lavaan row, our row) pairs: ours matched on lhs, op, rhs and group (":=" rows on lhs alone)."""
    ours = res.to_frame()
    where: dict[tuple, list[int]] = {}  # row positions by key, built once (not a pandas mask per lavaan row)
    for i, (lhs, op, rhs, group) in enumerate(zip(ours.lhs, ours.op, ours.rhs, ours.group)):
        key = (lhs, ":=") if op == ":=" else (lhs, op, rhs, None if pd.isna(group) else group)
        where.setdefault(key, []).append(i)
    levels = fx["data"].get("group_levels") or []
    for r in lavaan_rows(fx).itertuples(index=False):
        if r.op in ("==", "<", ">"):
            continue
        group = None if not levels or r.group == 0 else str(levels[int(r.group) - 1])
        rhs = "" if r.op == "~1" else r.rhs
        found = where.get((r.lhs, ":=") if r.op == ":=" else (r.lhs, r.op, rhs, group), [])
        assert len(found) == 1, f"row {r.lhs} {r.op} {rhs} (group {group}) not found once in our table"
        yield r, ours.iloc[found[0]]


@pytest.mark.parametrize("name", fixture_names())
def test_parameter_table_rows_match(name):
    fx, res = fitted(name)
    lav = [r for r in lavaan_rows(fx).itertuples(index=False) if r.op not in ("==", "<", ">")]
    assert len(res.to_frame()) == len(lav)


@pytest.mark.parametrize("name", fixture_names())
def test_estimates_match_lavaan(name):
    fx, res = fitted(name)
    assert res.converged
    for lav, ours in matched_rows(fx, res):
        assert abs(ours.est - lav.est) <= EST_TOL, f"{lav.lhs} {lav.op} {lav.rhs}: {ours.est} vs lavaan {lav.est}"


@pytest.mark.parametrize("name", fixture_names())
def test_standard_errors_match_lavaan(name):
    fx, res = fitted(name)
    n = 0
    for lav, ours in matched_rows(fx, res):
        if lav.se is None or not np.isfinite(lav.se) or lav.se == 0:
            assert ours.se == 0 or not np.isfinite(ours.se), f"{lav.lhs} {lav.op} {lav.rhs} should be fixed"
            continue
        n += 1
        assert abs(ours.se / lav.se - 1) <= SE_REL_TOL, f"{lav.lhs} {lav.op} {lav.rhs}: SE {ours.se} vs lavaan {lav.se}"
        assert abs(ours.pvalue - lav.pvalue) <= 1e-3
        assert abs(ours.ci_lower - lav.ci_lower) <= EST_TOL * 10
    assert n > 0


@pytest.mark.parametrize("name", fixture_names())
def test_standardized_solution_matches_lavaan(name):
    fx, res = fitted(name)
    for lav, ours in matched_rows(fx, res):
        ref = lav.std_all
        if ref is None or not np.isfinite(ref):
            continue
        assert abs(ours.std_all - ref) <= EST_TOL, f"{lav.lhs} {lav.op} {lav.rhs}: std.all {ours.std_all} vs {ref}"


@pytest.mark.parametrize("name", fixture_names())
def test_fit_indices_match_lavaan(name):
    fx, res = fitted(name)
    checked = 0
    for ours_key, lav_key in FIT_KEYS.items():
        ref = fx["fit"].get(lav_key)
        if ref is None or ours_key not in res.fit:
            continue
        ref = float(ref)
        got = float(res.fit[ours_key])
        if math.isnan(ref):
            assert math.isnan(got), ours_key
            continue
        checked += 1
        assert abs(got - ref) <= FIT_TOL, f"{ours_key}: {got} vs lavaan {ref}"
    assert checked >= 14


def test_wald_test_matches_lavaan():
    fx, res = fitted("poldem_defined")
    ref = fx["wald"]
    test = res.wald(ref["constraints"])
    assert test.df == ref["df"]
    assert abs(test.chisq - ref["stat"]) <= 1e-4
    assert abs(test.pvalue - ref["p.value"]) <= 1e-5


@pytest.mark.parametrize("restricted,full", [
    (f"{restricted}{SUFFIX[source]}", f"{full}{SUFFIX[source]}")
    for source in RICLPM_SOURCES for restricted, full in (("riclpm_invariant", "riclpm"), ("riclpm_mg", "riclpm_mg_free"))
])
def test_likelihood_ratio_test_matches_lavaan(restricted, full):
    fx, res0 = fitted(restricted)
    _, res1 = fitted(full)
    ref = fx["lrt"]
    test = lrt(res0, res1)
    assert test.df == ref["df_diff"]
    assert abs(test.chisq - ref["chisq_diff"]) <= 1e-4
    assert abs(test.pvalue - ref["pvalue"]) <= 1e-6
