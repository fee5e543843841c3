"""Small-multiples forest plot of crossed groupings: one panel per level of the first grouping.

Each panel lists the cells of one group of the first grouping (``16-29``: ``low``,
``medium``, ``high`` stigma) with both directions' effects and 95% intervals, on a
shared scale, so the eye compares the pattern across panels: the interaction.
Built without pyplot's global state, as :mod:`analysis.reporting.figures`.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from analysis.naming import name_of  # noqa: E402
from analysis.reporting.figures import DIRECTION_STYLES, PATH_TITLES, given_axes, group_size, save_plot  # noqa: E402

#: Vertical offset of each direction within a cell's row, so the two intervals do not overlap.
OFFSETS = {"x_to_y": -0.15, "y_to_x": 0.15}


def crossed_forest_plot(table: pd.DataFrame, *, x: str, y: str, groupings: Sequence[str], value: str = "std_all",
                        title: str | None = None, threshold: int = 10, ax=None, save=None) -> Figure:
    """Forest plot of cell-specific cross-lagged effects, one panel per level of ``groupings[0]``.

    Parameters
    ----------
    table
        Rows as :meth:`analysis.models.crossed.CrossedComparison.to_frame`: ``cell``, one column per
        grouping, ``n``, ``path``, ``est``/``ci_lower``/``ci_upper`` and
        ``std_all``/``std_all_ci_lower``/``std_all_ci_upper``.
    groupings
        The crossed groupings, the first one making the panels.
    value
        ``"std_all"`` (standardized) or ``"est"`` (raw units).
    threshold
        Disclosure threshold: a cell of fewer persons (or with ``n`` blanked) is labelled
        "n<threshold" (or "n hidden") and its effects are not drawn.
    ax : sequence of matplotlib Axes, optional
        One per panel, to draw into a script's figure (only the axes are drawn on; that figure is returned).
    save : str or Path, optional
        Also save the figure (PNG and SVG when no suffix is given).

    Returns
    -------
    Figure
    """
    lo, hi = ("std_all_ci_lower", "std_all_ci_upper") if value == "std_all" else ("ci_lower", "ci_upper")
    first, rest = groupings[0], list(groupings[1:])
    n = pd.to_numeric(table["n"], errors="coerce")
    shown = n.notna() & ~((n > 0) & (n < threshold))
    table = table.assign(n=n, **{c: pd.to_numeric(table[c], errors="coerce").where(shown) for c in (value, lo, hi)})
    panels = list(dict.fromkeys(table[first].astype(str)))
    rows = list(dict.fromkeys(" × ".join(map(str, r)) for r in table[rest].itertuples(index=False)))
    paths = [p for p in ("x_to_y", "y_to_x") if p in set(table["path"])]
    given = given_axes(ax, len(panels), what="crossed_forest_plot")
    if given is None:
        fig = Figure(figsize=(3.2 * len(panels) + 1.6, 1.6 + 0.55 * len(rows)), dpi=110)
        # Rows are aligned by hand: shared y axes would share their tick labels, and each panel names its own sizes.
        axes = fig.subplots(1, len(panels), sharex=True, squeeze=False)[0]
    else:
        axes, fig = given, given[0].figure
    finite = table[[lo, hi]].to_numpy(dtype=float)
    finite = finite[np.isfinite(finite)]
    for ax, level in zip(axes, panels):
        sub = table[table[first].astype(str) == level]
        labels = []
        for k, row_label in enumerate(rows):
            cell = sub[[" × ".join(map(str, r)) == row_label for r in sub[rest].itertuples(index=False)]]
            size = cell["n"].iloc[0] if len(cell) else None
            labels.append(f"{row_label}  ({group_size(size, threshold)})" if len(cell) else f"{row_label}  (none)")
            for p in paths:
                r = cell[cell["path"] == p]
                if not len(r) or not np.isfinite(r[value].iloc[0]):
                    continue
                style = DIRECTION_STYLES[p]
                yy = k + OFFSETS[p]
                ax.plot([r[lo].iloc[0], r[hi].iloc[0]], [yy, yy], color=style["color"], ls=style["ls"], lw=2)
                ax.plot([r[value].iloc[0]], [yy], style["marker"], color=style["color"], ms=6)
        ax.axvline(0, color="#888888", lw=1, ls="--")
        ax.set_title(f"{name_of(first)}: {level}", fontsize=11)
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(labels, fontsize=9)
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.set_xlabel("standardized effect (95% CI)" if value == "std_all" else "effect (95% CI)", fontsize=9)
        ax.grid(axis="x", color="#eeeeee")
    if finite.size:
        pad = 0.05 * (finite.max() - finite.min() or 1.0)
        for a in axes:
            a.set_xlim(min(finite.min(), 0.0) - pad, max(finite.max(), 0.0) + pad)
    if given is not None:
        save_plot(fig, save)
        return fig
    xs, ys = name_of(x), name_of(y)
    legend = "; ".join(f"{'blue solid' if p == 'x_to_y' else 'orange dashed'}: {PATH_TITLES[p].format(x=xs, y=ys)}"
                       for p in paths)
    fig.suptitle(title or f"Cross-lagged effects of {xs} and {ys} by {' and '.join(name_of(g) for g in groupings)}",
                 fontsize=12)
    fig.text(0.01, 0.005, f"Markers: estimates; lines: 95% confidence intervals ({legend}). Associations over "
             "time, not proof of cause.", fontsize=8, color="#333333", wrap=True)
    fig.tight_layout(rect=(0, 0.08, 1, 0.95))  # room for the note below, wrapped to the figure's width
    save_plot(fig, save)
    return fig
