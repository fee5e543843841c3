"""Stigma as a continuous moderator: recovery of a known interaction, marginal effects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.errors import DataError
from analysis.models.builders import PanelDesign
from analysis.models.moderation import first_wave_values, moderation
from analysis.synth import simulate_latent


@pytest.fixture(scope="module")
def stigma_panel():
    p = simulate_latent(n=6000, waves=5, seed=2)
    long = p.long.copy()
    long.loc[~long.responded, ["L", "M"]] = np.nan
    wide = long.pivot(index="id", columns="wave", values=["L", "M"])
    wide.columns = [f"{v}_{w}" for v, w in wide.columns]
    wide = wide.join(p.persons.set_index("id")[["perceived_stigma", "discrimination"]]).reset_index(drop=True)
    design = PanelDesign(x=tuple(f"L_{t}" for t in range(1, 6)), y=tuple(f"M_{t}" for t in range(1, 6)))
    return wide, design, p.truth["model"]["parameters"]


def test_interaction_recovers_the_stigma_slope(stigma_panel):
    wide, design, truth = stigma_panel
    res = moderation(wide, design, x="L", y="M", moderator="perceived_stigma")
    row = res.interaction.set_index("path").loc["x_to_y"]
    # The true slope per SD of perceived stigma is gamma_p plus what discrimination (r = 0.4)
    # contributes through its correlation: gamma_p + 0.4 * gamma_d.
    expected = truth["gamma_p"] + truth["corr_stigma"] * truth["gamma_d"]
    assert abs(row.est - expected) < 3 * row.se, (row.est, expected, row.se)
    me = res.marginal_effects[res.marginal_effects.path == "x_to_y"]
    assert list(me.est) == sorted(me.est)  # effect grows from low to high stigma
    assert "stronger" in res.interpretation()


def test_marginal_effects_are_linear_combinations(stigma_panel):
    wide, design, _ = stigma_panel
    res = moderation(wide, design, x="L", y="M", moderator="discrimination")
    me = res.marginal_effects[res.marginal_effects.path == "x_to_y"].reset_index(drop=True)
    slope = (me.est[2] - me.est[0]) / (me.moderator_value[2] - me.moderator_value[0])
    assert slope == pytest.approx(res.interaction.set_index("path").loc["x_to_y", "est"], rel=1e-9)


def test_missing_moderator_column_is_named(stigma_panel):
    wide, design, _ = stigma_panel
    with pytest.raises(DataError, match="nope"):
        moderation(wide, design, x="L", y="M", moderator="nope")


def test_first_wave_values():
    long = pd.DataFrame({"id": [1, 1, 2, 2], "wave": ["a", "b", "a", "b"], "s": [np.nan, 2.0, 1.0, 3.0]})
    out = first_wave_values(long, "s", ["a", "b"])
    assert out.to_dict() == {1: 2.0, 2: 1.0}


# -- survey design (issue 14) ---------------------------------------------------

def test_weights_and_psu_clustered_ses(stigma_panel):
    from linearmodels.panel import PanelOLS

    from analysis.models.sensitivity import lagged_long
    from analysis.models.survey_design import Design

    wide, design, _ = stigma_panel
    rng = np.random.default_rng(5)
    n = len(wide)
    psu = rng.integers(0, 60, n)
    w = np.exp(0.5 * np.tanh(np.nan_to_num(wide["M_1"].to_numpy())) + 0.3 * rng.standard_normal(n))
    data = wide.assign(w_equal=3.0, w=w, psu=psu)
    plain = moderation(data, design, x="L", y="M", moderator="perceived_stigma")
    equal = moderation(data, design, x="L", y="M", moderator="perceived_stigma", survey=Design(weights="w_equal"))
    np.testing.assert_allclose(equal.interaction["est"], plain.interaction["est"], rtol=1e-8)
    np.testing.assert_allclose(equal.interaction["se"], plain.interaction["se"], rtol=1e-6)
    np.testing.assert_allclose(equal.marginal_effects["est"], plain.marginal_effects["est"], rtol=1e-8)
    assert plain.design["weight"] is None and "unweighted" in plain.design["note"]

    res = moderation(data, design, x="L", y="M", moderator="perceived_stigma",
                     survey=Design(weights="w", cluster="psu"))
    assert (np.abs(res.interaction["est"] - plain.interaction["est"]) > 1e-5).all()
    # The same regression with linearmodels called directly.
    s = data["perceived_stigma"].to_numpy(float)
    long = lagged_long(data, design)
    long["s"] = s[long["pid"].to_numpy()]
    long = long.dropna(subset=["s"]).assign(inter=lambda d: d["x_lag"] * d["s"]).set_index(["pid", "t"])
    pids = long.index.get_level_values("pid").to_numpy()
    fit = PanelOLS(long["y"], long[["y_lag", "x_lag", "inter"]], entity_effects=True, time_effects=True,
                   weights=pd.Series(w[pids], index=long.index)).fit(
        cov_type="clustered", clusters=pd.DataFrame({"psu": psu[pids]}, index=long.index))
    row = res.interaction.set_index("path").loc["x_to_y"]
    assert row.est == pytest.approx(fit.params["inter"], rel=1e-6)
    assert row.se == pytest.approx(fit.std_errors["inter"], rel=1e-6)
    assert res.design["cluster"] == "psu" and res.design["n_psu"] == 60
    assert "SEs clustered by PSU (60 PSUs)" in res.design["note"]


def test_weighted_percentiles_equal_numpy_with_equal_weights_and_recover_the_population_under_selection():
    from analysis.models.moderation import weighted_quantile

    rng = np.random.default_rng(4)
    v = rng.normal(size=501)
    for p in (0.1, 0.5, 0.9):
        assert weighted_quantile(v, np.full(v.size, 2.7), p) == pytest.approx(np.quantile(v, p), abs=1e-12)
    # Missing values and zero weights are left out.
    assert weighted_quantile(np.array([1.0, np.nan, 3.0, 100.0]), np.array([1.0, 1.0, 1.0, 0.0]), 0.5) == 2.0
    # A population whose upper half is sampled 4 times as often: weights 1/p undo it.
    pop = rng.normal(size=200_000)
    keep = rng.random(pop.size) < np.where(pop > 0, 0.4, 0.1)
    sample, w = pop[keep], np.where(pop[keep] > 0, 1 / 0.4, 1 / 0.1)
    for p in (0.1, 0.5, 0.9):
        assert weighted_quantile(sample, w, p) == pytest.approx(np.quantile(pop, p), abs=0.02)
        assert abs(np.quantile(sample, p) - np.quantile(pop, p)) > 0.1


# -- wave spacing (issue 17) ------------------------------------------------------

def spaced_panel(names: str):
    """A stand-in Panel: the synthetic spec's wave numbers (a=1, b=2, ...), with waves ``names`` loaded."""
    from types import SimpleNamespace

    from analysis.data.spec_load import load_spec

    spec = load_spec(Path(__file__).resolve().parents[2] / "data_specs" / "synthetic.yaml")
    return SimpleNamespace(spec=spec, waves=tuple(names))


def five_wave_design():
    return PanelDesign(x=tuple(f"L_{t}" for t in range(1, 6)), y=tuple(f"M_{t}" for t in range(1, 6)))


def test_a_missing_middle_wave_is_refused_naming_the_gap(stigma_panel):
    """Waves a, c, d, e: a→c would be pooled with the one-wave intervals as if it were one step."""
    wide, _, _ = stigma_panel
    design = PanelDesign(x=("L_1", "L_2", "L_3", "L_4"), y=("M_1", "M_2", "M_3", "M_4"))
    with pytest.raises(DataError) as info:
        moderation(wide, design, x="L", y="M", moderator="perceived_stigma", panel=spaced_panel("acde"),
                   waves=list("acde"))
    msg = str(info.value)
    assert "a→c spans 2 waves: b is not in the data" in msg and "a, c, d, e" in msg
    assert "perceived_stigma" in msg and "(here c, d, e)" in msg
    assert msg.count(". ") == 0 and msg.endswith(".")  # one sentence


def test_a_wave_skipped_on_request_is_refused_and_no_run_of_three_is_said(stigma_panel):
    wide, _, _ = stigma_panel
    design = PanelDesign(x=("L_1", "L_2", "L_3"), y=("M_1", "M_2", "M_3"))
    with pytest.raises(DataError, match="b→d spans 2 waves: c is not analysed.*no three consecutive waves"):
        moderation(wide, design, x="L", y="M", moderator="perceived_stigma", panel=spaced_panel("abcd"),
                   waves=list("abd"))


def test_equally_spaced_gaps_are_fitted_with_a_note(stigma_panel):
    wide, design, _ = stigma_panel
    plain = moderation(wide, design, x="L", y="M", moderator="perceived_stigma")
    assert plain.notes == ()
    res = moderation(wide, design, x="L", y="M", moderator="perceived_stigma", panel=spaced_panel("acegi"),
                     waves=list("acegi"))
    assert len(res.notes) == 1 and "Every interval spans 2 waves" in res.notes[0]
    assert "b is not in the data" in res.notes[0]
    # The same numbers: the note changes what they mean, not how they are computed.
    pd.testing.assert_frame_equal(res.interaction, plain.interaction)


def test_unequal_intervals_on_request_are_noted(stigma_panel):
    wide, design, _ = stigma_panel
    res = moderation(wide, design, x="L", y="M", moderator="perceived_stigma", panel=spaced_panel("acdef"),
                     waves=list("acdef"), allow_unequal_intervals=True)
    assert len(res.notes) == 1 and "--allow-unequal-intervals" in res.notes[0] and "a→c spans 2 waves" in res.notes[0]


def test_two_waves_are_one_sentence_not_a_linearmodels_error(stigma_panel):
    """With person effects, one interval leaves nothing to estimate (linearmodels raised AbsorbingEffectError)."""
    wide, _, _ = stigma_panel
    with pytest.raises(DataError, match="at least three waves.*the waves given are 1, 2"):
        moderation(wide, PanelDesign(x=("L_1", "L_2"), y=("M_1", "M_2")), x="L", y="M",
                   moderator="perceived_stigma")


@pytest.mark.parametrize("est, p, shown", [
    (3.72e-05, 2e-9, "interaction about 0, p < 0.001"),
    (0.1234, 0.04, "interaction 0.12, p = 0.040"),
    (-0.00046, 0.5, "interaction -0.00046, p = 0.50"),
])
def test_interpretation_writes_plain_numbers(est, p, shown):
    import re

    from analysis.models.moderation import ModerationResults

    interaction = pd.DataFrame({"path": ["x_to_y", "y_to_x"], "est": [est, 0.01], "se": [0.01, 0.01],
                                "pvalue": [p, 0.5], "n_obs": [5000, 5000]})
    effects = pd.DataFrame({"path": ["x_to_y"] * 3, "level": ["low", "medium", "high"],
                            "moderator_value": [-1.0, 0.0, 1.0], "est": [-0.00002, 0.05, 1.5e-7],
                            "se": [0.01] * 3, "ci_lower": [0.0] * 3, "ci_upper": [0.1] * 3, "pvalue": [0.5] * 3})
    text = ModerationResults(moderator="perceived_stigma", x="loneliness", y="ghq_likert",
                             interaction=interaction, marginal_effects=effects).interpretation()
    assert shown in text, text
    assert not re.search(r"\de[-+]?\d", text) and "ghq_likert" not in text
    assert not re.search(r"(?<![\d.])-?0\.000(?!\d*[1-9])", text), "no '0.000' or '-0.000'"
    if p < 0.05:
        assert "about 0 at low and about 0 at high" in text
