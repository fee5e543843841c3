"""The SEM model/results API: immutability, options, errors and warnings."""

from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.errors import ConvergenceError, DataError, ModelSpecificationError, ModelSyntaxError, UsageError
from analysis.models.sem import SEM, SEMWarning
from tests_support_lavaan import REFERENCE

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data" / "hs1939.csv")


def test_fit_returns_frozen_results_and_leaves_model_unchanged(hs):
    model = SEM(HS)
    before = dataclasses.asdict(model)
    res1 = model.fit(hs)
    res2 = model.fit(hs)
    assert dataclasses.asdict(model) == before
    with pytest.raises(dataclasses.FrozenInstanceError):
        res1.converged = False
    pd.testing.assert_frame_equal(res1.to_frame(), res2.to_frame())
    # The table handed out is a copy: changing it does not change the results.
    t = res1.to_frame()
    t.loc[0, "est"] = 99.0
    assert res1.to_frame().loc[0, "est"] != 99.0


def test_parameter_table_columns_and_json(hs):
    res = SEM(HS).fit(hs)
    assert list(res.to_frame().columns) == [
        "lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_all"]
    d = res.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text)["fit"]["npar"] == 21
    for key in ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper",
                "srmr", "logl", "aic", "bic", "npar", "nobs"]:
        assert key in d["fit"]
    assert "Chi-square" in res.summary() and "visual =~ x2" in res.summary()
    assert "<table" in res._repr_html_()


def test_intercepts_use_tilde_one_and_empty_rhs(hs):
    res = SEM(HS, meanstructure=True).fit(hs)
    rows = res.to_frame()
    ints = rows[rows.op == "~1"]
    assert len(ints) == 12 and (ints.rhs == "").all()


def test_listwise_counts_dropped_rows_and_fiml_keeps_them(hs):
    data = hs.copy()
    data.loc[:9, "x1"] = np.nan
    data.loc[10:14, [f"x{i}" for i in range(1, 10)]] = np.nan  # nothing observed: dropped by both
    lw = SEM(HS).fit(data, missing="listwise")
    assert lw.fit["nobs"] == len(data) - 15 and lw.rows_dropped["all"] == 15
    fiml = SEM(HS).fit(data, missing="fiml")
    assert fiml.fit["nobs"] == len(data) - 5 and fiml.rows_dropped["all"] == 5
    auto = SEM(HS).fit(data)
    assert auto.options["missing"] == "fiml"


def test_syntax_error_names_line_and_token():
    with pytest.raises(ModelSyntaxError) as err:
        SEM("f =~ x1 + x2\nf ~ ~ x3\n")
    assert "line 2" in str(err.value)


def test_unknown_variable_is_named(hs):
    with pytest.raises((ModelSpecificationError, DataError)) as err:
        SEM("f =~ x1 + x2 + x33").fit(hs)
    assert "x33" in str(err.value)


def test_constant_column_is_reported(hs):
    data = hs.assign(x3=1.0)
    with pytest.raises(ModelSpecificationError, match="x3"):
        SEM(HS).fit(data)


def test_non_numeric_column_is_reported(hs):
    data = hs.assign(x2=["a"] * len(hs))
    with pytest.raises(DataError, match="x2"):
        SEM(HS).fit(data)


def test_bad_options_raise_usage_errors(hs):
    with pytest.raises(UsageError):
        SEM(HS, defaults="mplus")
    with pytest.raises(UsageError):
        SEM(HS).fit(hs, estimator="wls")
    with pytest.raises(UsageError):
        SEM(HS).fit(hs, missing="pairwise")
    with pytest.raises(UsageError):
        SEM(HS).fit(hs, group="nope")


def test_negative_variance_warns():
    # Two indicators that correlate more than their variances allow force a Heywood case.
    rng = np.random.default_rng(1)
    f = rng.standard_normal(300)
    data = pd.DataFrame({"a": f + 0.01 * rng.standard_normal(300), "b": f + 0.6 * rng.standard_normal(300),
                         "c": 0.3 * f + rng.standard_normal(300)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = SEM("F =~ a + b + c").fit(data)
    messages = [str(w.message) for w in caught if issubclass(w.category, SEMWarning)]
    if (res.to_frame().query("op == '~~' and lhs == rhs").est < 0).any():
        assert any("negative" in m for m in messages)
    else:
        assert not any("negative" in m for m in messages)


def test_unidentified_model_warns_and_gives_nan_ses():
    rng = np.random.default_rng(2)
    data = pd.DataFrame(rng.standard_normal((200, 2)), columns=["a", "b"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = SEM("F =~ NA*a + b\nF ~~ F").fit(data)
        except ConvergenceError:
            return  # also acceptable: a clear convergence error
    assert any("identified" in str(w.message) for w in caught)
    assert res.to_frame().query("op == '=~'").se.isna().any()


def test_multigroup_results_carry_group_labels(hs):
    res = SEM(HS).fit(hs, group="school")
    groups = set(res.to_frame().group.dropna())
    assert groups == {"Pasteur", "Grant-White"}
    assert set(res.nobs) == {"Pasteur", "Grant-White"}


def test_wald_and_defined_parameters(hs):
    model = HS + "textual ~~ c1*speed\nvisual ~~ c2*speed\ndiff := c1 - c2\n"
    res = SEM(model).fit(hs)
    row = res.to_frame().query("op == ':='").iloc[0]
    c1 = res.estimate("textual", "~~", "speed").est
    c2 = res.estimate("visual", "~~", "speed").est
    assert row.est == pytest.approx(c1 - c2)
    test = res.wald("c1 == c2")
    assert test.df == 1
    assert test.chisq == pytest.approx((row.est / row.se) ** 2, rel=1e-6)


def test_repr_is_one_short_line(hs):
    res = SEM(HS).fit(hs)
    assert repr(res) == ("SEMResults(ML of 'visual =~ x1 + x2 + x3; textual…' (3 lines): N = 301, npar 21, "
                         "chisq 85.31 on 24 df, converged)")
    missing = hs.copy()
    missing.loc[:20, "x1"] = np.nan
    robust = SEM("visual =~ x1 + x2 + x3  # one factor\n").fit(missing, estimator="mlr", group="school")
    text = repr(robust)
    assert text.startswith("SEMResults(MLR/FIML of 'visual =~ x1 + x2 + x3': N = 301 in 2 groups, npar ")
    assert text.endswith(" df, converged)") and "\n" not in text and len(text) < 120
    not_converged = dataclasses.replace(res, converged=False, fit={**res.fit, "nobs": 7, "chisq": float("nan")})
    assert repr(not_converged).endswith(": N < 10, npar 21, chisq NA on 24 df, NOT converged)")
