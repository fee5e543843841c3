"""Forest plots: built without global state, saved atomically in PNG and SVG."""

from __future__ import annotations

import pandas as pd

from analysis.reporting.figures import forest_plot, save_figure


def table() -> pd.DataFrame:
    rows = []
    for grouping, groups in (("life_stage", ["16-29", "30-64", "65+"]), ("stigma", ["low", "high"])):
        for k, g in enumerate(groups):
            for path in ("x_to_y", "y_to_x"):
                est = 0.1 * (k + 1)
                rows.append({"grouping": grouping, "group": g, "n": 100 * (k + 1), "path": path, "est": est,
                             "ci_lower": est - 0.05, "ci_upper": est + 0.05, "std_all": est, "std_all_ci_lower": est - 0.05,
                             "std_all_ci_upper": est + 0.05})
    return pd.DataFrame(rows)


def test_forest_plot_has_a_row_per_group_and_a_panel_per_direction(tmp_path):
    fig = forest_plot(table(), x="loneliness", y="ghq")
    axes = fig.get_axes()
    assert len(axes) == 2
    assert "loneliness" in axes[0].get_title()
    labels = [t.get_text() for t in axes[0].get_yticklabels()]
    assert any("16-29" in lab for lab in labels) and any("high" in lab for lab in labels)
    assert sum(1 for lab in labels if lab.startswith("   ")) == 5
    paths = save_figure(fig, tmp_path / "forest")
    assert [p.endswith(".png") or p.endswith(".svg") for p in paths] == [True, True]
    assert (tmp_path / "forest.png").read_bytes()[:4] == b"\x89PNG"
    assert "<svg" in (tmp_path / "forest.svg").read_text()[:500]
    assert not list(tmp_path.glob(".*.tmp"))
