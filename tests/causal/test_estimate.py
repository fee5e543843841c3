"""Estimation: known effects recovered within their intervals; the bootstrap repeats DoWhy's estimator exactly."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from analysis.causal import fit_causal
from analysis.causal.data import build_frame
from analysis.causal.design import CausalDesign
from analysis.causal.estimate import LINEAR, MEDIATION, WEIGHTING, fit_dowhy
from analysis.causal.graph import build_graph, to_gml
from analysis.causal.numeric import Logit, ipw_effect, mediation_effects, ols_coefficient

B, A, THETA, D = 0.3, 0.5, 0.4, 0.2      # truth of the simulated panel (see conftest)
TAU, CUT = 0.6, 0.5


@pytest.fixture(scope="module")
def both(simulate):
    long = simulate(n=3000, waves=3, seed=21, b=B, a=A, theta=THETA, d=D)
    return fit_causal(long, exposure="x", outcome="y", mediator="m", direction="both", n_boot=150,
                      refutations=(), seed=5)


def within(effect, truth):
    return effect.ci_lower <= truth <= effect.ci_upper and abs(effect.estimate - truth) <= 3 * effect.se


def test_total_direct_and_indirect_effects_are_recovered(both):
    assert within(both.effect, B + A * THETA), both.to_frame()
    assert within(both.direct, B), both.to_frame()
    assert within(both.indirect, A * THETA), both.to_frame()
    assert both.effect.identified.method == LINEAR and both.direct.identified.method == MEDIATION
    assert both.effect.n_boot_failed == 0


def test_the_reverse_direction_is_recovered_and_has_no_path_through_the_mediator(both):
    rev = both.reverse
    assert rev.exposure == "y" and rev.outcome == "x"
    assert within(rev.effect, D), rev.to_frame()
    assert rev.indirect.ci_lower <= 0 <= rev.indirect.ci_upper


def test_binary_exposure_by_propensity_weighting_recovers_the_effect(simulate):
    long = simulate(n=3000, waves=3, seed=22, a=0.0, cut=CUT, tau=TAU)
    res = fit_causal(long, exposure="x", outcome="y", binary_threshold=CUT, n_boot=150, refutations=(), seed=2)
    assert res.effect.identified.method == WEIGHTING
    assert within(res.effect, TAU), res.to_frame()
    assert "propensity-score weighting" in res.effect.estimand


def test_stigma_as_confounder_gives_one_effect_adjusted_for_earlier_stigma(simulate):
    long = simulate(n=800, waves=3, seed=23)
    res = fit_causal(long, exposure="x", outcome="y", mediator="m", mediator_role="confounder", n_boot=20,
                     refutations=())
    assert res.direct is None and res.indirect is None
    assert "m_lag" in res.effect.identified.adjustment_set
    assert "earlier m" in res.effect.estimand


@pytest.fixture(scope="module")
def frames(simulate):
    long = simulate(n=1000, waves=3, seed=24, cut=CUT, tau=TAU)
    design = CausalDesign(exposure="x", outcome="y", confounders=("age", "sex", "life_stage"), mediator="m")
    cont = build_frame(long, design)
    binary = build_frame(long, CausalDesign(exposure="x", outcome="y", confounders=("age", "sex", "life_stage"),
                                            binary_threshold=CUT))
    return cont, binary


def test_array_estimators_equal_dowhy_on_the_data(frames):
    cont, binary = frames
    fit = fit_dowhy(cont, to_gml(build_graph(cont)), binary=False)
    d = cont.data
    cols = lambda names: d[list(names)].to_numpy(float)  # noqa: E731
    y, t, m = d["y"].to_numpy(), d["x_lag"].to_numpy(), d["m"].to_numpy()
    total, nde, nie = mediation_effects(y, t, m, cols(fit.direct.first_stage_set), cols(fit.direct.second_stage_set),
                                        cols(fit.direct.adjustment_set))
    assert total == pytest.approx(fit.total.value, abs=1e-10)
    assert nde == pytest.approx(fit.direct.value, abs=1e-10)
    assert nie == pytest.approx(fit.indirect.value, abs=1e-10)
    assert ols_coefficient(y, t, cols(fit.total.adjustment_set)) == pytest.approx(fit.total.value, abs=1e-10)
    bfit = fit_dowhy(binary, to_gml(build_graph(binary)), binary=True, clip=0.05)
    b = binary.data
    value = ipw_effect(b["y"].to_numpy(), b["x_lag_high"].to_numpy(), b[list(bfit.total.adjustment_set)].to_numpy(),
                       clip=0.05)
    assert value == pytest.approx(bfit.total.value, abs=1e-8)


def test_logit_is_the_maximum_likelihood_fit(frames):
    _, binary = frames
    X = binary.data[["y_lag", "age", "sex"]].to_numpy()
    t = binary.data["x_lag_high"].to_numpy()
    ours = Logit().fit(X, t).predict_proba(X)[:, 1]
    ref = sm.Logit(t, sm.add_constant(X)).fit(disp=0).predict(sm.add_constant(X))
    assert np.max(np.abs(ours - ref)) < 1e-8


_HASH_SCRIPT = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("causal_conftest", sys.argv[1])
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
from analysis.causal import fit_causal
long = mod.simulate_panel(n=400, waves=3, seed=3)
res = fit_causal(long, exposure="x", outcome="y", mediator="m", direction="forward", n_boot=5,
                 refutations=(), seed=1)
print(json.dumps([e.identified.to_dict() | {"value": e.identified.value}
                  for e in (res.effect, res.direct, res.indirect)], sort_keys=True))
"""


def test_dowhy_sets_and_expressions_do_not_follow_string_hashing():
    """DoWhy builds its adjustment sets from Python sets: two processes once wrote them in different orders."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    conftest = Path(__file__).with_name("conftest.py")
    outs = []
    for seed in ("1", "2", "3"):
        out = subprocess.run([sys.executable, "-c", _HASH_SCRIPT, str(conftest)], capture_output=True, text=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}, timeout=600)
        assert out.returncode == 0, out.stderr
        outs.append(out.stdout)
    assert outs[0] == outs[1] == outs[2]
    total = json.loads(outs[0])[0]
    assert total["adjustment_set"] == sorted(total["adjustment_set"])
    assert f"|{','.join(total['adjustment_set'])})" in total["expression"]
    assert total["realized"].endswith("+".join(["x_lag", *total["adjustment_set"]]))
