"""The Satorra–Bentler (2010) scaled chi-square difference, as lavaan's ``lavTestLRT(method = "satorra.bentler.2010")``.

Under MLR the difference of two nested models' chi-squares is scaled by

.. math::

    c_d = \\frac{r_0 c_0 - r_1 c_1}{r_0 - r_1}, \\qquad T_d = \\frac{T_0 - T_1}{c_d}

(``r`` the degrees of freedom, ``c`` the Yuan–Bentler scaling factors; 0 the restricted
model, 1 the less restricted one).  In the Satorra–Bentler (2001) difference each
``c`` is taken at its own model's estimates, and in small samples ``c_d`` can come out
zero or negative, leaving no test.  Satorra and Bentler (2010) take ``c_1`` instead
from the less restricted model evaluated at the restricted model's estimates (the
model "M10": no fitting, the parameters of M1 set to M0's values), so both traces
belong to one point of the parameter space and their difference is that of two
nested projections, positive in theory.  With the observed information (lavaan's
MLR default, used here as well) at a point that is not M1's optimum it can still fail
in practice; lavaan then warns that "the information matrix of the M10 model is not
positive definite" and reports the value anyway.  Here a ``c_d`` that is not positive
gives no test (NaN), with the reason.

lavaan 0.6-14 (``lav_test_diff_SatorraBentler2010`` and ``lav_test_diff_m10``), and
the newest lavaan alike:

* ``c_0`` is M0's scaling factor (1 when ``r_0 = 0``); ``c_10`` is M10's, computed as
  for a fitted model (saturated trace less the model's trace, over ``r_1``; missing
  when negative, and when ``r_1 = 0``);
* M10 takes every parameter of M1 from the row of M0's parameter table with the same
  ``lhs op rhs`` and group (a parameter M0 does not have is 0).

Models that are not nested at the parameter level this way (CLPM within RI-CLPM:
different parameterizations) give no test: M1 at M0's values must reproduce M0's
model-implied moments (the nesting check of Bentler and Satorra 2010), or the
difference is not computed.

References: Satorra, A. & Bentler, P. M. (2001). A scaled difference chi-square test
statistic for moment structure analysis. Psychometrika 66, 507-514.  Satorra, A. &
Bentler, P. M. (2010). Ensuring positiveness of the scaled difference chi-square test
statistic. Psychometrika 75, 243-248.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from analysis.models.sem.robust import model_trace, saturated_side, trace_ratio
from analysis.models.sem.structure import implied

#: How closely M1 at M0's values must reproduce M0's implied moments (relative to their size).
NESTING_TOLERANCE = 1e-6


@dataclass(frozen=True)
class ScaledDifference:
    """A scaled difference: ``scaling_factor`` is ``c_d`` (NaN with ``reason`` when there is none)."""

    scaling_factor: float
    df: int
    unscaled: float
    reason: str = ""

    @property
    def chisq(self) -> float:
        return self.unscaled / self.scaling_factor if self.scaling_factor > 0 else float("nan")


def satorra_bentler_2010(restricted, full) -> ScaledDifference:
    """The Satorra–Bentler (2010) scaled difference of two MLR fits on the same data.

    Parameters
    ----------
    restricted, full : SEMResults
        The restricted model M0 and the model M1 it is nested in, both MLR fits to the
        same data (:func:`analysis.models.sem.lrt` checks that).

    Returns
    -------
    ScaledDifference
        ``scaling_factor`` (``c_d``), ``df`` (``r_0 - r_1``), ``unscaled`` (``T_0 - T_1``)
        and ``chisq`` (``T_d``); NaN with ``reason`` when ``c_d`` cannot be had.
    """
    f0, f1 = restricted.fit, full.fit
    r0, r1 = int(f0["df"]), int(f1["df"])
    m = r0 - r1
    unscaled = float(f0["chisq"] - f1["chisq"])
    theta10, why = _restricted_values(restricted, full)
    if theta10 is None:
        return ScaledDifference(float("nan"), m, unscaled, why)
    fit0, fit1 = restricted._internal, full._internal
    t1 = _saturated_trace(fit1)
    r0c0 = (t1 - trace_ratio(fit0.bread(), fit0.meat)) if r0 > 0 else 0.0
    if r0 > 0 and r0c0 < 0:
        return ScaledDifference(float("nan"), m, unscaled, "the restricted model's own scaling factor is negative")
    if r0 == 0:
        r0c0 = 0.0  # c0 = 1 (lavaan), times r0 = 0
    if r1 == 0:
        return ScaledDifference(float("nan"), m, unscaled,
                                "the less restricted model has no degrees of freedom, so M10 has no scaling factor")
    at10 = dataclasses.replace(fit1, theta=theta10)
    r1c10 = t1 - model_trace(fit1.problem, theta10, at10.bread())
    if r1c10 < 0:
        return ScaledDifference(float("nan"), m, unscaled,
                                "the less restricted model's scaling factor at the restricted estimates is negative")
    cd = (r0c0 - r1c10) / m
    if not (math.isfinite(cd) and cd > 0):
        return ScaledDifference(float("nan"), m, unscaled,
                                f"its scaling factor is not positive either ({cd:.3g}; the observed information of "
                                "the less restricted model at the restricted estimates is not positive definite)")
    return ScaledDifference(float(cd), m, unscaled)


def _saturated_trace(fitted) -> float:
    """``tr(A_1^-1 B_1)`` of the saturated model at its estimates, as :mod:`.robust` computes (and remembers) it."""
    return saturated_side(fitted).t1


def _restricted_values(restricted, full) -> tuple[np.ndarray | None, str]:
    """M1's free parameters set to M0's estimates (M10), or None and why not.

    Each free parameter of M1 takes the estimate of the row of M0's table with the same
    ``lhs op rhs`` and group (0 if M0 has no such row, as lavaan's full parameter table
    has it); M1 there must reproduce M0's implied covariances and means.
    """
    pt0, pt1 = restricted._internal.pt, full._internal.pt
    est0 = restricted.parameters["est"].to_numpy(float)[:len(pt0)]
    values = {key: est0[k] for k, key in enumerate(zip(pt0["lhs"], pt0["op"], pt0["rhs"], pt0["group"].astype(int)))}
    theta = np.zeros(len(full._internal.theta))
    seen = np.zeros(theta.size, dtype=bool)
    for key, free in zip(zip(pt1["lhs"], pt1["op"], pt1["rhs"], pt1["group"].astype(int)), pt1["free"].astype(int)):
        if free > 0 and not seen[free - 1]:
            theta[free - 1] = values.get(key, 0.0)
            seen[free - 1] = True
    s0, s1 = restricted._internal.problem.structure, full._internal.problem.structure
    if len(s0.groups) != len(s1.groups):
        return None, "the two models have different numbers of groups"
    for g0, g1 in zip(s0.groups, s1.groups):
        if sorted(g0.ov_names) != sorted(g1.ov_names):
            return None, "the two models have different observed variables"
        order = [list(g0.ov_names).index(v) for v in g1.ov_names]
        a, b = implied(restricted._internal.theta, g0), implied(theta, g1)
        sigma0, mu0 = a.sigma[np.ix_(order, order)], a.mu[order]
        scale = max(1.0, float(np.abs(sigma0).max()), float(np.abs(mu0).max()) if mu0.size else 0.0)
        gap = max(float(np.abs(sigma0 - b.sigma).max()), float(np.abs(mu0 - b.mu).max()) if mu0.size else 0.0)
        if not gap <= NESTING_TOLERANCE * scale:
            return None, ("the models are not nested parameter by parameter (the less restricted model with the "
                          "restricted one's estimates does not reproduce its covariances and means)")
    return theta, ""
