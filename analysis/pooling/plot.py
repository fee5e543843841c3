"""Forest plot of pooled cross-lags: one panel per direction, studies and the pooled diamond."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Polygon  # noqa: E402

from analysis.naming import name_of  # noqa: E402

if TYPE_CHECKING:
    from analysis.pooling.pooled import PooledResults

Z95 = 1.959963984540054
TITLES = {"x_to_y": "{x} → {y} {later}", "y_to_x": "{y} → {x} {later}"}


def forest_plot(res: PooledResults, *, threshold: int = 10, ax=None, save=None) -> Figure:
    """Studies' converted effects (dot, 95% CI), the pooled estimate (diamond) and its prediction interval.

    A study's size below the disclosure ``threshold`` is shown as ``n<threshold``; ``ax``: two matplotlib
    axes (one per direction) to draw into, whose figure is returned; ``save``: also save the figure there
    (PNG and SVG without a suffix, else the suffix's format).
    """
    from analysis.pooling.pooled import CELLS, DIRECTIONS, later_words

    x, y = name_of(res.x), name_of(res.y)
    k = len(res.cohorts)
    from analysis.reporting.figures import given_axes, save_plot

    given = given_axes(ax, 2, what="forest_plot")
    if given is None:
        fig = Figure(figsize=(10, 1.8 + 0.45 * (k + 2)), dpi=110)
        axes = fig.subplots(1, 2, sharey=True)
    else:
        axes, fig = given, given[0].figure
    labels = [f"{c.name}  ({c.interval_years:g} y, {f'n={c.n:,}' if c.n >= threshold else f'n<{threshold}'})"
              for c in res.cohorts] + ["Pooled (random effects)"]
    for ax, path in zip(axes, DIRECTIONS):
        for i, conv in enumerate(res.converted):
            est, se = float(conv.phi[CELLS[path]]), float(conv.se[CELLS[path]])
            ax.plot([est - Z95 * se, est + Z95 * se], [i, i], color="#1f4e79", lw=2)
            ax.plot([est], [i], "s", color="#1f4e79", ms=6)
        m = res.pooled[path]
        yy = k + 0.3
        ax.add_patch(Polygon([(m.ci_lower, yy), (m.estimate, yy - 0.3), (m.ci_upper, yy), (m.estimate, yy + 0.3)],
                             closed=True, color="#b03a2e"))
        ax.plot([m.pi_lower, m.pi_upper], [yy, yy], color="#b03a2e", lw=1, ls=":")
        ax.axvline(0, color="#888888", lw=1, ls="--")
        ax.set_title(TITLES[path].format(x=x, y=y, later=later_words(res.interval_years)), fontsize=11)
        ax.set_xlabel("effect in score points (95% CI)")
        ax.grid(axis="x", color="#eeeeee")
    axes[0].set_yticks([*range(k), k + 0.3])
    axes[0].set_yticklabels(labels, fontsize=9)
    for a in axes:
        a.set_ylim(k + 1, -0.8)
    if given is not None:
        save_plot(fig, save)
        return fig
    title = f"{x} and {y} across studies, on a {res.interval_years:g}-year scale"
    fig.suptitle(title[:1].upper() + title[1:], fontsize=12)
    fig.text(0.01, 0.005, "Squares: each study's effect moved to the common interval; diamond: pooled estimate "
             "and 95% CI; dotted: 95% prediction interval. Associations over time, not proof of cause.",
             fontsize=8, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    save_plot(fig, save)
    return fig
