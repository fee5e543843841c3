"""``load_panel(..., items=[...])`` keeps the cleaned items beside the score."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analysis.data import load_panel
from analysis.errors import DataError
from analysis.synth import write_cohort

SPEC = str(Path(__file__).resolve().parents[2] / "data_specs" / "synthetic.yaml")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cohort") / "data"
    write_cohort(cohort="ukhls", n=200, waves=3, seed=4, fmt="dta", out=out)
    return out


def test_items_sum_to_the_score_and_leave_the_rest_unchanged(cohort):
    plain = load_panel(SPEC, data=cohort)
    panel = load_panel(SPEC, data=cohort, items=["loneliness", "perceived_stigma"])
    items = panel.long[["loneliness_i1", "loneliness_i2", "loneliness_i3"]]
    scored = panel.long["loneliness"].notna()
    assert np.allclose(items[scored].sum(axis=1), panel.long.loc[scored, "loneliness"])
    # Reverse-worded items are reversed, as in the score (a mean of six items).
    stigma = panel.long[[f"perceived_stigma_i{k}" for k in range(1, 7)]]
    full = stigma.notna().all(axis=1)
    assert np.allclose(stigma[full].mean(axis=1), panel.long.loc[full, "perceived_stigma"])
    assert panel.long[list(plain.long.columns)].equals(plain.long)


def test_unknown_item_construct_is_named(cohort):
    with pytest.raises(DataError, match="did you mean 'loneliness'"):
        load_panel(SPEC, data=cohort, items=["lonelyness"])
