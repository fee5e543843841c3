"""Lag matrices on a common time scale: identities, round trips and delta-method SEs against Monte Carlo."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import linalg

from analysis.errors import DataError
from analysis.pooling.timescale import convert, drift, lags_at

# Rows: later x, later y; columns: earlier x, earlier y.  [[ar_x, y_to_x], [x_to_y, ar_y]]
PHI_2Y = np.array([[0.45, 0.06], [0.15, 0.40]])


def test_exp_of_log_is_the_identity_and_two_years_go_to_one_and_back():
    A = drift(PHI_2Y, 2.0)
    np.testing.assert_allclose(linalg.expm(2.0 * A), PHI_2Y, atol=1e-12)
    one = lags_at(PHI_2Y, 2.0, 1.0)
    np.testing.assert_allclose(one @ one, PHI_2Y, atol=1e-12)  # two one-year steps make the two-year lag
    np.testing.assert_allclose(lags_at(one, 1.0, 2.0), PHI_2Y, atol=1e-12)
    # Shorter intervals: weaker cross-lags, autoregression closer to 1.
    assert one[1, 0] < PHI_2Y[1, 0] and one[0, 0] > PHI_2Y[0, 0]


def test_delta_method_standard_errors_agree_with_monte_carlo():
    vcov = np.diag([0.03, 0.02, 0.025, 0.03]) ** 2
    vcov[1, 2] = vcov[2, 1] = 0.3 * 0.02 * 0.025
    conv = convert(PHI_2Y, vcov, interval=2.0, target=1.0)
    rng = np.random.default_rng(1)
    draws = rng.multivariate_normal(PHI_2Y.ravel(), vcov, size=4000)
    moved = np.array([lags_at(d.reshape(2, 2), 2.0, 1.0).ravel() for d in draws])
    mc = moved.std(axis=0, ddof=1)
    np.testing.assert_allclose(conv.se.ravel(), mc, rtol=0.05)


def test_no_real_logarithm_is_refused_in_a_sentence():
    with pytest.raises(DataError, match="no real matrix logarithm"):
        drift(np.array([[-0.3, 0.1], [0.05, 0.4]]), 1.0)
    with pytest.raises(DataError, match="positive number of years"):
        drift(PHI_2Y, 0.0)
    with pytest.raises(DataError, match="common interval"):
        lags_at(PHI_2Y, 2.0, -1.0)


def test_the_same_interval_changes_nothing():
    vcov = np.eye(4) * 1e-3
    conv = convert(PHI_2Y, vcov, interval=1.0, target=1.0)
    np.testing.assert_array_equal(conv.phi, PHI_2Y)
    np.testing.assert_array_equal(conv.vcov, vcov)


# Complex eigenvalues (a damped oscillation between the two): the real logarithm exists.
PHI_SPIRAL = np.array([[0.55, -0.25], [0.30, 0.50]])


def test_standard_errors_go_to_one_year_and_back_unchanged():
    vcov = np.diag([0.03, 0.02, 0.025, 0.03]) ** 2
    vcov[0, 3] = vcov[3, 0] = 0.4 * 0.03 * 0.03
    one = convert(PHI_2Y, vcov, interval=2.0, target=1.0)
    back = convert(one.phi, one.vcov, interval=1.0, target=2.0)
    np.testing.assert_allclose(back.phi, PHI_2Y, atol=1e-12)
    np.testing.assert_allclose(back.vcov, vcov, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(one.drift, back.drift, atol=1e-12)


@pytest.mark.parametrize("phi, interval, target", [(PHI_2Y, 2.0, 0.5), (PHI_SPIRAL, 1.0, 2.0), (PHI_SPIRAL, 2.0, 1.0)])
def test_delta_method_agrees_with_monte_carlo_for_other_intervals_and_oscillating_lags(phi, interval, target):
    assert np.iscomplexobj(np.linalg.eigvals(phi)) or phi is PHI_2Y
    np.testing.assert_allclose(linalg.expm(interval * drift(phi, interval)), phi, atol=1e-12)
    vcov = np.diag([0.02, 0.015, 0.02, 0.025]) ** 2
    conv = convert(phi, vcov, interval=interval, target=target)
    rng = np.random.default_rng(7)
    draws = rng.multivariate_normal(phi.ravel(), vcov, size=4000)
    moved = np.array([lags_at(d.reshape(2, 2), interval, target).ravel() for d in draws])
    np.testing.assert_allclose(conv.se.ravel(), moved.std(axis=0, ddof=1), rtol=0.05)


def test_a_singular_lag_matrix_or_a_negative_eigenvalue_pair_is_refused():
    with pytest.raises(DataError, match="no real matrix logarithm"):
        drift(np.array([[0.4, 0.2], [0.2, 0.1]]), 1.0)
    with pytest.raises(DataError, match="no real matrix logarithm"):
        convert(np.array([[-0.5, 0.0], [0.0, -0.5]]), np.eye(4) * 1e-4, interval=2.0, target=1.0)


# -- against R (tests/reference/make_timescale_fixtures.R: eigen logarithm, Matrix::expm, numDeriv) -----------------

REF = Path(__file__).resolve().parents[1] / "reference" / "timescale"


@pytest.mark.parametrize("case", sorted(p.stem for p in REF.glob("*.json")))
def test_conversion_and_delta_method_covariance_match_r(case):
    fx = json.loads((REF / f"{case}.json").read_text())
    conv = convert(np.array(fx["phi"]), np.array(fx["vcov"]), interval=fx["interval"], target=fx["target"])
    np.testing.assert_allclose(conv.drift, fx["drift"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(conv.phi, fx["converted"], rtol=1e-10, atol=1e-12)
    # Central differences (step 1e-6) against Richardson extrapolation: covariances agree to ~4e-10 of their largest.
    np.testing.assert_allclose(conv.vcov, fx["converted_vcov"], rtol=1e-7, atol=1e-14)
