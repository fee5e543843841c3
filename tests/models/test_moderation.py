"""Stigma as a continuous moderator: recovery of a known interaction, marginal effects."""

from __future__ import annotations

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
