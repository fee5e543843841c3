"""The small-multiples forest plot of crossed groupings."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from analysis.reporting.crossed_plot import crossed_forest_plot


def cell_table(small: str | None = None) -> pd.DataFrame:
    rows = []
    for k, (stage, stigma) in enumerate(itertools.product(["16-29", "30-64", "65+"], ["low", "medium", "high"])):
        cell = f"{stage} × {stigma}"
        for path, est in (("x_to_y", 0.05 * k), ("y_to_x", -0.02 * k)):
            rows.append({"cell": cell, "life_stage": stage, "stigma_group": stigma,
                         "n": 5 if cell == small else 300, "path": path, "est": est, "ci_lower": est - 0.1,
                         "ci_upper": est + 0.1, "std_all": est, "std_all_ci_lower": est - 0.1,
                         "std_all_ci_upper": est + 0.1})
    return pd.DataFrame(rows)


def test_one_panel_per_life_stage_with_every_cell_and_both_directions():
    fig = crossed_forest_plot(cell_table(), x="loneliness", y="ghq_likert", groupings=("life_stage", "stigma_group"))
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == ["life stage: 16-29", "life stage: 30-64", "life stage: 65+"]
    for ax in axes:
        assert [t.get_text() for t in ax.get_yticklabels()] == ["low  (n=300)", "medium  (n=300)", "high  (n=300)"]
        assert len(ax.lines) == 3 * 2 * 2 + 1  # an interval and a marker per cell and direction, and the zero line
    # the last panel's markers sit at the cells' estimates (shared scale)
    markers = [ln for ln in axes[2].lines if len(ln.get_xdata()) == 1]
    got = sorted(float(ln.get_xdata()[0]) for ln in markers)
    assert np.allclose(got, sorted([0.05 * k for k in (6, 7, 8)] + [-0.02 * k for k in (6, 7, 8)]), atol=1e-12)


def test_a_cell_below_the_disclosure_threshold_is_not_drawn(tmp_path):
    fig = crossed_forest_plot(cell_table(small="65+ × high"), x="loneliness", y="ghq_likert",
                              groupings=("life_stage", "stigma_group"), save=tmp_path / "crossed")
    first, last = fig.get_axes()[0], fig.get_axes()[2]
    assert [t.get_text() for t in last.get_yticklabels()] == ["low  (n=300)", "medium  (n=300)", "high  (n<10)"]
    assert [t.get_text() for t in first.get_yticklabels()] == ["low  (n=300)", "medium  (n=300)", "high  (n=300)"]
    assert len(last.lines) == 2 * 2 * 2 + 1
    assert (tmp_path / "crossed.png").exists() and (tmp_path / "crossed.svg").exists()


def test_draws_into_a_scripts_axes_one_per_panel():
    import pytest
    from matplotlib.figure import Figure

    from analysis.errors import UsageError

    fig = Figure()
    axes = fig.subplots(1, 3)
    out = crossed_forest_plot(cell_table(), x="loneliness", y="ghq_likert", groupings=("life_stage", "stigma_group"),
                              ax=axes)
    assert out is fig and [a.get_title() for a in axes] == ["life stage: 16-29", "life stage: 30-64",
                                                            "life stage: 65+"]
    assert not fig.texts  # nothing drawn outside the given axes
    with pytest.raises(UsageError, match="takes 3 matplotlib axes"):
        crossed_forest_plot(cell_table(), x="loneliness", y="ghq_likert", groupings=("life_stage", "stigma_group"),
                            ax=axes[:2])
