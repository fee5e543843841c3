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


def test_forest_plot_saves_where_a_script_asks_and_returns_the_figure(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing may be written anywhere else
    fig = forest_plot(table(), x="loneliness", y="ghq", save=tmp_path / "out" / "forest")
    assert fig.get_axes() and (tmp_path / "out" / "forest.png").is_file() and (tmp_path / "out" / "forest.svg").is_file()
    forest_plot(table(), x="loneliness", y="ghq", save=tmp_path / "only.svg")
    assert (tmp_path / "only.svg").is_file() and not (tmp_path / "only.png").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["only.svg", "out"]
    forest_plot(table(), x="loneliness", y="ghq")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["only.svg", "out"]


def test_directions_differ_by_colour_and_by_line_style_and_marker():
    from analysis.reporting.figures import DIRECTION_STYLES

    a, b = DIRECTION_STYLES["x_to_y"], DIRECTION_STYLES["y_to_x"]
    assert a["color"] != b["color"] and a["ls"] != b["ls"] and a["marker"] != b["marker"]
    # Okabe-Ito blue and vermillion: told apart by the common colour-vision deficiencies
    assert {a["color"], b["color"]} == {"#0072B2", "#D55E00"}
    fig = forest_plot(table(), x="loneliness", y="ghq")
    styles = {ax.get_title(): {line.get_linestyle() for line in ax.get_lines() if len(line.get_xdata()) == 2}
              for ax in fig.get_axes()}
    assert len({frozenset(s) for s in styles.values()}) == 2


def test_path_diagram_draws_into_a_given_axes_and_saves_where_asked(tmp_path):
    from matplotlib.figure import Figure

    from analysis.reporting.path_diagram import path_diagram

    d = lambda v: [{"est": v, "std": v, "pvalue": 0.001}] * 2  # noqa: E731
    fig = Figure()
    ax = fig.add_subplot()
    out = path_diagram(x="loneliness", y="ghq_likert", waves=["a", "b", "c"], ar_x=d(0.2), ar_y=d(0.3),
                       x_to_y=d(0.12), y_to_x=d(0.1), between=0.39, ax=ax, save=tmp_path / "pd.svg")
    assert out is fig and ax.patches and (tmp_path / "pd.svg").is_file() and not (tmp_path / "pd.png").exists()
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "orange, dashed" in texts and "correlate 0.39" in texts


def test_forest_plot_draws_into_a_given_axes_and_saves_where_asked(tmp_path):
    import pytest
    from matplotlib.figure import Figure

    from analysis.errors import UsageError

    fig = Figure()
    fig.add_subplot(2, 1, 1)  # the script's own layout: another panel above
    ax = fig.add_subplot(2, 1, 2)
    out = forest_plot(table(), x="loneliness", y="ghq_likert", ax=ax, save=tmp_path / "forest.svg")
    assert out is fig and len(fig.get_axes()) == 2 and not fig.texts, "nothing drawn outside the given axes"
    assert (tmp_path / "forest.svg").is_file() and not (tmp_path / "forest.png").exists()
    assert ax.get_title() == "Cross-lagged effects of loneliness and GHQ-12 distress by group"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["loneliness → later GHQ-12 distress", "GHQ-12 distress → later loneliness"]
    intervals = [line for line in ax.get_lines() if len(line.get_xdata()) == 2 and line.get_xdata()[0] != 0]
    assert len(intervals) == 10 and {line.get_linestyle() for line in intervals} == {"-", "--"}
    rows = sorted({line.get_ydata()[0] for line in intervals})
    assert len(rows) == 10, "the two directions of a group side by side, not on top of each other"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert any("16-29" in lab for lab in labels) and ax.get_ylim()[0] > ax.get_ylim()[1], "first group on top"

    fig2 = Figure()
    pair = fig2.subplots(1, 2)  # one axes per direction, as plt.subplots gives them
    assert forest_plot(table(), x="loneliness", y="ghq", ax=pair) is fig2
    assert [a.get_title() for a in pair] == ["loneliness → later ghq", "ghq → later loneliness"]
    with pytest.raises(UsageError, match="one per direction"):
        forest_plot(table(), x="loneliness", y="ghq", ax=Figure().subplots(1, 3))
