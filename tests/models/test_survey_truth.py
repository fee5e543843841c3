"""Known truth: with informative selection, the weighted RI-CLPM recovers the population cross-lag.

The synthetic cohort's sample over-represents people whose loneliness matters less for later
distress (selection depends on stigma, stable loneliness and life stage, which also shape the
cross-lag).  ``truth.json`` holds the population value; the design-weighted fit (weights, PSUs,
strata) must be within 3 standard errors of it, and the unweighted fit must not.
"""

from __future__ import annotations

import warnings

import pytest

from analysis.models.crosslag import fit_crosslag
from analysis.models.survey_design import Design
from analysis.synth import simulate_latent


@pytest.fixture(scope="module")
def latent_panel():
    lp = simulate_latent(n=6000, waves=5, seed=1)
    long = lp.long[lp.long["responded"]]
    wide = long.pivot(index="id", columns="wave", values=["L", "M"])
    wide.columns = [f"{v}_{w}" for v, w in wide.columns]
    last = long[long["wave"] == 5].set_index("id")["weight"]
    wide["weight"] = last.reindex(wide.index).fillna(0.0)  # the longitudinal weight of the last wave
    wide = wide.join(lp.persons.set_index("id")[["psu", "strata"]]).reset_index()
    return wide, lp.truth["population"]["cross_lags"]


def test_weighted_riclpm_recovers_the_population_cross_lag_where_unweighted_is_biased(latent_panel):
    wide, truth = latent_panel
    waves = ["1", "2", "3", "4", "5"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weighted = fit_crosslag(wide, x="L", y="M", waves=waves, compare=False,
                                survey=Design(weights="weight", cluster="psu", strata="strata"))
        unweighted = fit_crosslag(wide, x="L", y="M", waves=waves, compare=False, survey="none")
    population = truth["population_average"]["coefficients"]["beta"]
    sample = truth["sample_average"]["coefficients"]["beta"]
    assert population - sample > 0.03  # selection is informative for this effect
    assert abs(weighted.x_to_y.est - population) < 3 * weighted.x_to_y.se
    assert abs(unweighted.x_to_y.est - population) > 3 * unweighted.x_to_y.se
    assert weighted.sem.design["n_strata"] >= 10 and weighted.sem.design["zero_weight"] > 0
    # Design-based SEs are larger than the simple-random-sample ones (weights and clustering).
    assert weighted.x_to_y.se > unweighted.x_to_y.se


@pytest.mark.slow
def test_design_based_intervals_cover_the_population_cross_lag_at_the_nominal_rate():
    """40 cohorts (n = 3,000, 4 waves, fixed seeds): the weighted 95% CIs cover the population value."""
    hits = 0
    reps = 40
    for s in range(reps):
        lp = simulate_latent(n=3000, waves=4, seed=100 + s)
        long = lp.long[lp.long["responded"]]
        wide = long.pivot(index="id", columns="wave", values=["L", "M"])
        wide.columns = [f"{v}_{w}" for v, w in wide.columns]
        wide["weight"] = long[long["wave"] == 4].set_index("id")["weight"].reindex(wide.index).fillna(0.0)
        wide = wide.join(lp.persons.set_index("id")[["psu", "strata"]]).reset_index()
        population = lp.truth["population"]["cross_lags"]["population_average"]["coefficients"]["beta"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = fit_crosslag(wide, x="L", y="M", waves=["1", "2", "3", "4"], compare=False,
                               survey=Design(weights="weight", cluster="psu", strata="strata"))
        hits += fit.x_to_y.ci_lower <= population <= fit.x_to_y.ci_upper
    # Nominal 0.95; with 40 replicates a coverage of 0.85 or more is expected (measured: 0.925).
    assert hits / reps >= 0.85
