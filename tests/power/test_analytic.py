"""The large-sample (Wald-test) power: closed forms, the power formula, and the Monte Carlo power it predicts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from analysis.errors import UsageError
from analysis.power import PowerDesign, effects_grid, run_power
from analysis.power.analytic import asymptotic_power, per_person_se, smallest_n, wald_power
from analysis.power.simulate import MAR_LOG_ODDS_PER_SD, mar_intercept

R = 0.3  # the designs' within-person correlation (PowerDesign's default)


def _two_wave(attrition: float = 0.0, mechanism: str = "mcar") -> PowerDesign:
    """The CLPM with two waves and no stable differences: y2 and x2 are regressions on (x1, y1)."""
    return PowerDesign(model="clpm", n=[500], waves=2, icc=0.0, within_cor=R, attrition=attrition,
                       attrition_mechanism=mechanism, effects=effects_grid(cross_lag=[0.15], autoregression=[0.4]))


def _regression_se1(design: PowerDesign, weight=None) -> dict[str, float]:
    """SE with one person of cl_xy and ar_y, the coefficients of x1 and y1 in the regression of y2 on (1, x1, y1).

    OLS = ML here: Var = psi_yy * E[w Z Z']^-1 with Z = (1, x1, y1) and w the probability that
    wave 2 is observed (1 without attrition), by Gauss-Hermite quadrature over (x1, y1).
    """
    cell = design.cells()[0]
    psi = cell.innovation_cov()
    nodes, weights = np.polynomial.hermite_e.hermegauss(60)
    weights = weights / weights.sum()
    u, v = np.meshgrid(nodes, nodes, indexing="ij")
    wq = np.outer(weights, weights)
    x1, y1 = u, R * u + math.sqrt(1 - R * R) * v  # (x1, y1) standard normal with correlation R
    stay = np.ones_like(x1) if weight is None else weight(y1)
    z = np.stack([np.ones_like(x1), x1, y1])
    inv = np.linalg.inv(np.einsum("ij,aij,bij->ab", wq * stay, z, z))
    return {"cl_xy": math.sqrt(psi[1, 1] * inv[1, 1]), "ar_y": math.sqrt(psi[1, 1] * inv[2, 2])}


def test_two_wave_clpm_matches_the_regression_standard_error_exactly():
    design = _two_wave()
    se1 = per_person_se("clpm", "invariant", design.cells()[0])
    cell = design.cells()[0]
    closed = math.sqrt(cell.innovation_cov()[1, 1] / (1 - R * R))
    assert se1["cl_xy"] == pytest.approx(closed, rel=1e-6)
    assert se1["cl_xy"] == pytest.approx(_regression_se1(design)["cl_xy"], rel=1e-6)


def test_mcar_dropout_before_wave_two_leaves_the_complete_cases_information():
    """Only those who stay inform the regression: SE_1^2 grows by 1 / (1 - attrition), exactly."""
    design = _two_wave(attrition=0.3)
    se1 = per_person_se("clpm", "invariant", design.cells()[0])
    full = per_person_se("clpm", "invariant", _two_wave().cells()[0])
    assert se1["cl_xy"] == pytest.approx(full["cl_xy"] / math.sqrt(0.7), rel=1e-6)


def test_mar_dropout_uses_the_moments_of_those_who_stay():
    """Dropout depending on y1: the information is E[stay(y1) Z Z'] (quadrature), not (1 - a) E[Z Z']."""
    design = _two_wave(attrition=0.3, mechanism="mar")
    c = mar_intercept(0.3)
    closed = _regression_se1(design, weight=lambda y1: 1 - special.expit(c + MAR_LOG_ODDS_PER_SD * y1))
    se1 = per_person_se("clpm", "invariant", design.cells()[0])
    mcar = per_person_se("clpm", "invariant", _two_wave(attrition=0.3).cells()[0])
    for p in ("cl_xy", "ar_y"):  # the MAR pattern moments are quasi-Monte Carlo integrals: within 0.1%
        assert se1[p] == pytest.approx(closed[p], rel=0.001)
    # Those who stay have less varied y1, so the coefficient of y1 is less precise than under MCAR.
    assert se1["ar_y"] / mcar["ar_y"] > 1.03


def test_the_wald_power_formula_and_the_smallest_sample_size():
    z = stats.norm.ppf(0.975)
    assert wald_power(0.0, 1.0, alpha=0.05) == pytest.approx(0.05)
    assert wald_power(z, 1.0, alpha=0.05) == pytest.approx(0.5 + stats.norm.cdf(-2 * z))
    assert wald_power(-0.3, 0.1, alpha=0.05) == wald_power(0.3, 0.1, alpha=0.05)
    theta, se1 = 0.1, 1.2
    n = smallest_n(theta, se1, alpha=0.05, target=0.8)
    assert wald_power(theta, se1 / math.sqrt(n), alpha=0.05) >= 0.8 > wald_power(theta, se1 / math.sqrt(n - 1),
                                                                                 alpha=0.05)
    assert n == pytest.approx(((z + stats.norm.ppf(0.8)) * se1 / theta) ** 2, abs=1)


def test_results_table_sample_sizes_and_words():
    design = PowerDesign(model="riclpm", n=[200, 1000], waves=4, icc=0.5, attrition=0.1,
                         effects=effects_grid(cross_lag=[0.1, 0.0], autoregression=[0.4]))
    res = asymptotic_power(design, alpha=0.05, target_power=0.8)
    t = res.table[res.table["parameter"] == "cl_xy"]
    assert len(t) == 4 and (t["se"] == t["se_1"] / np.sqrt(t["n"])).all()
    effect = t[t["true"] == 0.1]
    assert effect["power"].is_monotonic_increasing and effect["power"].iloc[0] < 0.8 < effect["power"].iloc[1]
    assert t[t["true"] == 0.0]["power"].to_numpy() == pytest.approx([0.05, 0.05], abs=1e-6)
    sizes = res.sample_size[res.sample_size["parameter"] == "cl_xy"]
    n_req = sizes[sizes["true"] == 0.1]["n_required"].iloc[0]
    assert 200 < n_req < 1000
    assert pd.isna(sizes[sizes["true"] == 0.0]["n_required"].iloc[0])
    words = " ".join(res.sentences())
    assert f"About **{int(n_req):,} people** give an 80% chance of detecting **x → y = 0.1** with 4 waves" in words
    assert "false-positive rate" in words
    assert "large-sample approximation" in res.summary() and res.to_dict()["method"] == "asymptotic Wald test"
    with pytest.raises(UsageError):
        asymptotic_power(design, alpha=1.5)


@pytest.mark.slow
@pytest.mark.parametrize("mechanism", ["mcar", "mar"])
def test_the_approximation_predicts_the_monte_carlo_power_at_n_1000(mechanism):
    """n = 1000, 4 waves, 15% dropout per wave: asymptotics hold, so the simulated power and mean SE agree."""
    design = PowerDesign(model="riclpm", n=[1000], waves=4, icc=0.5, attrition=0.15, attrition_mechanism=mechanism)
    simulated = run_power(design, replicates=300, seed=3, n_jobs=2)
    res = asymptotic_power(design)
    both = res.compare(simulated)
    cross = both[both["parameter"].isin(["cl_xy", "cl_yx"])]
    assert (cross["approximation"].between(0.7, 0.9)).all(), "a case where power is informative"
    assert (cross["difference"].abs() <= 2.58 * cross["mcse"]).all(), cross
    # The sharper check: the model SE the simulations report, on average, is the asymptotic SE.
    mean_se = simulated.table.set_index("parameter")["mean_se"]
    approx = res.table.set_index("parameter")["se"]
    assert (abs(mean_se / approx - 1) < 0.02).all(), (mean_se, approx)
    words = " ".join(res.check_sentences(simulated))
    assert "confirm" in words or "differ" in words


def test_the_verdict_says_confirm_differ_or_too_few_studies():
    """The check can fail: simulated power far from the approximation is said to differ; few studies are said to
    be too few to check closely."""
    from dataclasses import replace

    design = PowerDesign(model="clpm", n=[40, 2000], waves=3, icc=0.0, attrition=0.0,
                         effects=effects_grid(cross_lag=[0.1], autoregression=[0.4]))
    simulated = run_power(design, replicates=3, seed=1, backend="serial")
    res = asymptotic_power(design)
    approx = res.table.set_index(["n", "parameter"])["power"]
    assert approx[(2000, "cl_xy")] > 0.9 > 0.2 > approx[(40, "cl_xy")]

    def verdict(power_at_2000: float, studies: int) -> str:
        fake = simulated.table.copy()
        fake["power"] = [approx[(r.n, r.parameter)] for r in fake.itertuples()]
        fake.loc[fake["n"] == 2000, "power"] = power_at_2000
        fake["converged"] = studies
        return " ".join(res.check_sentences(replace(simulated, table=fake), parameters=("cl_xy",)))

    assert "differ from the approximation by more than their Monte Carlo error at 2,000 people" in verdict(0.2, 1000)
    assert "confirm the approximation (they agree within their Monte Carlo error, ±2 percentage points)" in \
        verdict(approx[(2000, "cl_xy")], 1000)
    few = verdict(approx[(2000, "cl_xy")], 20)
    assert "do not contradict the approximation, but with 20 simulated studies" in few and "confirm" not in few
    assert "no simulated study converged at 40, 2,000 people" in verdict(float("nan"), 0)


def test_a_biased_fitted_model_is_said_to_be_biased():
    """The CLPM with stable differences between persons: power is that of its (pseudo-true) estimate, said so."""
    design = PowerDesign(model="clpm", n=[500], waves=4, icc=0.5)
    res = asymptotic_power(design)
    row = res.sample_size[res.sample_size["parameter"] == "cl_xy"].iloc[0]
    assert abs(row["pseudo_true"] - 0.1) > 0.02
    t = res.table[res.table["parameter"] == "cl_xy"].iloc[0]
    assert t["power"] == pytest.approx(wald_power(row["pseudo_true"], t["se"], alpha=0.05))
    words = " ".join(res.sentences())
    assert f"tends to {row['pseudo_true']:.2f}, not 0.1 (it is biased here)" in words
    unbiased = asymptotic_power(PowerDesign(model="riclpm", n=[500], waves=4, icc=0.5))
    assert "biased" not in " ".join(unbiased.sentences())
