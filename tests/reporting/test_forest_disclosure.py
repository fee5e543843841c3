"""Forest plots never show a group size below the disclosure threshold, nor the effects of such a group (issue 17)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.reporting.figures import forest_plot, group_size


def table(sizes: dict[str, object]) -> pd.DataFrame:
    rows = []
    for k, (g, n) in enumerate(sizes.items()):
        for path in ("x_to_y", "y_to_x"):
            est = 0.1 * (k + 1)
            rows.append({"grouping": "life_stage", "group": g, "n": n, "path": path, "est": est,
                         "ci_lower": est - 0.05, "ci_upper": est + 0.05, "std_all": est,
                         "std_all_ci_lower": est - 0.05, "std_all_ci_upper": est + 0.05})
    return pd.DataFrame(rows)


def drawn_rows(ax) -> set[float]:
    """The y positions at which an estimate or interval is drawn (the zero line left out)."""
    ys = set()
    for line in ax.get_lines():
        x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        if np.isfinite(x).any() and not np.allclose(x, 0):
            ys |= set(y[np.isfinite(x)].tolist())
    return ys


def test_small_and_blanked_groups_are_labelled_without_their_size_and_not_drawn():
    # 7 persons (below 10), a group blanked by the run's suppression (None), and two shown groups.
    t = table({"16-29": 1234, "30-64": 7, "65+": None, "80+": 10})
    t.loc[t["group"] == "65+", ["est", "std_all", "std_all_ci_lower", "std_all_ci_upper"]] = None
    fig = forest_plot(t, x="loneliness", y="ghq", threshold=10)
    labels = [lab.get_text() for lab in fig.get_axes()[0].get_yticklabels()]
    assert "   16-29  (n=1,234)" in labels and "   80+  (n=10)" in labels
    assert "   30-64  (n<10)" in labels and "   65+  (n hidden)" in labels
    assert not any("n=7" in lab for lab in labels)
    positions = dict(zip(labels, fig.get_axes()[0].get_yticks()))
    for ax in fig.get_axes():
        assert drawn_rows(ax) == {positions["   16-29  (n=1,234)"], positions["   80+  (n=10)"]}


def test_the_threshold_is_the_runs():
    t = table({"a": 40, "b": 60})
    labels = [lab.get_text() for lab in forest_plot(t, x="x", y="y", threshold=50).get_axes()[0].get_yticklabels()]
    assert "   a  (n<50)" in labels and "   b  (n=60)" in labels
    assert group_size(0) == "n=0" and group_size(np.nan) == "n hidden" and group_size(9) == "n<10"
