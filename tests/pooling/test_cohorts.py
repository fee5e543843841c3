"""Studies to pool: what a lag matrix's covariance must be, and lining up reversed constructs."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.errors import DataError
from analysis.pooling.cohorts import CohortLags, check_lags

PHI = np.array([[0.6, 0.05], [0.2, 0.5]])


def test_a_singular_covariance_rounded_to_ten_digits_is_accepted_and_an_indefinite_one_is_not():
    g = np.array([[0.03, 0.01, 0.0, 0.02], [0.0, 0.02, 0.01, 0.0], [0.0, 0.0, 0.03, 0.01]])
    singular = g.T @ g  # rank 3: two estimates perfectly correlated in combination
    rounded = np.vectorize(lambda v: float(f"{v:.10g}"))(singular)
    check_lags(PHI, rounded, where="rounded.json")
    bad = singular - 1e-6 * np.eye(4)
    with pytest.raises(DataError, match="bad.json: the covariance of the lag estimates is not a covariance matrix"):
        check_lags(PHI, bad, where="bad.json")
    skew = singular + 1e-4 * np.eye(4)
    skew[0, 1] += 1e-6
    with pytest.raises(DataError, match="not a covariance matrix"):
        check_lags(PHI, skew, where="skew.json")


def test_swapping_x_and_y_reverses_the_lag_matrix_and_its_covariance():
    vcov = np.diag([1.0, 2.0, 3.0, 4.0]) * 1e-4
    vcov[1, 2] = vcov[2, 1] = 0.5e-4
    c = CohortLags(name="a", x="x", y="y", interval_years=1.0, n=100, phi=PHI, vcov=vcov)
    s = c.swapped()
    assert (s.x, s.y) == ("y", "x")
    np.testing.assert_array_equal(s.phi, [[0.5, 0.2], [0.05, 0.6]])  # ar_y, x_to_y / y_to_x, ar_x
    np.testing.assert_allclose(np.diag(s.vcov), [4e-4, 3e-4, 2e-4, 1e-4], rtol=1e-15)
    assert s.vcov[1, 2] == 0.5e-4 and s.swapped().phi.tolist() == PHI.tolist()
