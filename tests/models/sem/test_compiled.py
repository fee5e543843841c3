"""The compiled fitting path and the public results API agree with a full SEM.fit."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.errors import WorkbenchError
from analysis.models.sem import SEM, CompiledSEM
from analysis.models.sem.data import pattern_codes, prepare_data, sample_from_arrays

MODEL = """
f =~ x1 + a*x2 + b*x3 + x4
y ~ c*f
"""


def _data(n=600, seed=3, holes=0.15, groups=False):
    rng = np.random.default_rng(seed)
    f = rng.standard_normal(n)
    cols = {f"x{k}": lam * f + rng.standard_normal(n) * 0.7 for k, lam in zip(range(1, 5), (1, 0.8, 1.2, 0.9))}
    cols["y"] = 0.5 * f + rng.standard_normal(n)
    df = pd.DataFrame(cols)
    mask = rng.random(df.shape) < holes
    mask[:, 0] &= rng.random(n) < 0.5
    df = df.mask(mask)
    if groups:
        df["g"] = np.where(rng.random(n) < 0.5, "a", "b")
    return df


def _fit(df, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SEM(MODEL).fit(df, missing="fiml", **kw)


def test_array_and_frame_paths_give_the_same_pattern_statistics():
    df = _data()
    ov = tuple(df.columns)
    ours = sample_from_arrays(df.to_numpy(), ov).groups[0]
    frame = prepare_data(df, list(ov), group=None, missing="fiml").groups[0]
    assert ours.nobs == frame.nobs and len(ours.patterns) == len(frame.patterns) > 5
    for a, b in zip(ours.patterns, frame.patterns):
        assert np.array_equal(a.observed, b.observed) and a.n == b.n
        assert np.allclose(a.mean, b.mean, atol=1e-14) and np.allclose(a.cov, b.cov, atol=1e-13)


def test_pattern_order_does_not_depend_on_row_order():
    df = _data()
    y = df.to_numpy()
    a = sample_from_arrays(y, tuple(df.columns)).groups[0].patterns
    b = sample_from_arrays(y[::-1], tuple(df.columns)).groups[0].patterns
    assert [tuple(p.observed) for p in a] == [tuple(p.observed) for p in b]
    assert [p.n for p in a] == [p.n for p in b]


@pytest.mark.parametrize("p", [5, 62, 63, 130])
def test_pattern_codes_separate_patterns_at_any_width(p):
    rng = np.random.default_rng(p)
    base = rng.random((7, p)) < 0.5
    rows = base[rng.integers(0, 7, 200)]
    codes = pattern_codes(rows)
    # Same code exactly when same pattern.
    same_code = codes[:, None] == codes[None, :]
    same_row = (rows[:, None, :] == rows[None, :, :]).all(axis=2)
    assert np.array_equal(same_code, same_row)


def test_refit_matches_sem_fit_estimates_and_standard_errors():
    df = _data()
    res = _fit(df)
    compiled = SEM(MODEL).compile(df.columns)
    assert isinstance(compiled, CompiledSEM) and compiled.free_names == tuple(res.params.index)
    y = df[list(compiled.ov_names)].to_numpy()
    out = compiled.refit(compiled.sample(y))
    assert out.status == "ok"
    assert np.allclose(out.theta, res.params.to_numpy(), atol=1e-6)
    assert np.allclose(np.sqrt(np.diag(out.vcov)), res.std_errors.to_numpy(), rtol=1e-5)
    # The results carry their compiled model: refitting it to the same data changes nothing.
    again = res.compiled.refit(res.compiled.sample(y), start=res.params.to_numpy(), se=False)
    assert np.allclose(again.theta, res.params.to_numpy(), atol=1e-6) and again.vcov is None


def test_multigroup_refit_matches_sem_fit():
    df = _data(groups=True)
    res = _fit(df, group="g")
    compiled = SEM(MODEL).compile([c for c in df.columns if c != "g"], groups=["a", "b"])
    y = df[list(compiled.ov_names)].to_numpy()
    out = compiled.refit(compiled.sample(y, groups=df["g"].to_numpy()))
    assert np.allclose(out.theta, res.params.to_numpy(), atol=1e-6)
    assert np.allclose(np.sqrt(np.diag(out.vcov)), res.std_errors.to_numpy(), rtol=1e-5)
    # An unlabelled loading has a position per group; a labelled one (lavaan: equal) shares one.
    ia = res.free_index("f", "=~", "x4", group="a")
    ib = res.free_index("f", "=~", "x4", group="b")
    assert ia != ib
    assert res.params.iloc[ib] == pytest.approx(res.estimate("f", "=~", "x4", group="b")["est"])
    assert res.free_index("y", "~", "f", group="a") == res.free_index("y", "~", "f", group="b")


def test_refit_reports_failure_instead_of_raising():
    df = _data()
    compiled = SEM(MODEL).compile(df.columns)
    y = df[list(compiled.ov_names)].to_numpy()
    # Start values with zero variances give a singular implied covariance: counted, not raised.
    out = compiled.refit(compiled.sample(y), start=np.zeros(compiled.npar))
    assert out.status == "not_converged" and out.theta is None and "start values" in out.message
    constant = y.copy()
    constant[:, 0] = 1.0
    with pytest.raises(WorkbenchError, match="x1"):
        compiled.sample(constant)


def test_public_results_api():
    df = _data()
    res = _fit(df)
    table = res.to_frame()
    # free_index and params agree with the parameter table.
    k = res.free_index("f", "=~", "x2")
    assert res.params.index[k] == "a"
    assert res.params.iloc[k] == pytest.approx(res.estimate("f", "=~", "x2")["est"])
    # standardized values are the table's std_all, at the estimates and (by default) there.
    std = res.standardized([("y", "~", "f"), ("f", "=~", "x3")])
    row = table[(table.lhs == "y") & (table.op == "~")].iloc[0]
    assert std[0] == pytest.approx(row["std_all"], rel=1e-10)
    assert np.allclose(res.standardized([("y", "~", "f")], theta=res.params.to_numpy()), std[:1])
    # delta method of a parameter itself is its standard error.
    value, se = res.delta_method(lambda th: th[[k]])
    assert value[0] == pytest.approx(res.params.iloc[k]) and se[0] == pytest.approx(res.std_errors.iloc[k], rel=1e-5)
    # Wald tests by text and by function agree.
    by_text = res.wald("a == b")
    kb = res.free_index("f", "=~", "x3")
    by_fun = res.wald(lambda th: np.array([th[k] - th[kb]]))
    assert by_text.chisq == pytest.approx(by_fun.chisq, rel=1e-6) and by_text.df == by_fun.df == 1
    assert res.identified
    with pytest.raises(Exception, match="no parameter"):
        res.free_index("y", "~", "x1")


def test_compare_puts_fits_side_by_side():
    from analysis.models.sem import compare

    df = _data()
    one = _fit(df)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        two = SEM("f =~ x1 + x2 + x3 + x4\ny ~ f\ny ~ x1").fit(df, missing="fiml")
    cmp = compare({"one": one, "two": two})
    fit = cmp.fit_table()
    assert list(fit.columns) == ["one", "two"]
    assert fit.at["npar", "two"] == fit.at["npar", "one"] + 1 and fit.at["aic", "one"] == one.fit["aic"]
    est = cmp.params("est")
    assert est.loc[("y", "~", "f", ""), "one"] == pytest.approx(one.estimate("y", "~", "f")["est"])
    assert pd.isna(est.loc[("y", "~", "x1", ""), "one"]) and est.loc[("y", "~", "x1", ""), "two"] == pytest.approx(
        two.estimate("y", "~", "x1")["est"])
    assert set(cmp.to_frame()["model"]) == {"one", "two"}
    text = cmp.summary()
    assert "Model fit" in text and "y ~ x1" in text and repr(cmp) == "ModelComparison(one, two)"
    assert cmp.to_dict()["fit"]["df"]["one"] == one.fit["df"]
