"""Figures: forest plots of cross-lagged effects by group.

Figures are matplotlib ``Figure`` objects built without pyplot's global state
(safe in scripts, tests and the dashboard), with plain-language titles and a
note on what the intervals mean.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from analysis.naming import name_of  # noqa: E402

PATH_TITLES = {"x_to_y": "{x} → later {y}", "y_to_x": "{y} → later {x}"}


def forest_plot(table: pd.DataFrame, *, x: str, y: str, value: str = "std_all",
                title: str | None = None, threshold: int = 10) -> Figure:
    """Forest plot of group-specific cross-lagged effects, one panel per direction.

    Parameters
    ----------
    table
        Rows with ``grouping``, ``group``, ``n``, ``path``, and ``est``/``ci_lower``/``ci_upper``
        and ``std_all``/``std_all_ci_lower``/``std_all_ci_upper`` (as :meth:`GroupComparison.to_frame`).
    value
        ``"std_all"`` (standardized, comparable across measures) or ``"est"`` (raw units).
    threshold
        Disclosure threshold: a group of fewer persons (or whose ``n`` is blanked, as in a
        run's suppressed table) is labelled "n<threshold" (or "n hidden") and its effects are
        not drawn, so the figure shows nothing a table would blank.
    """
    lo, hi = ("std_all_ci_lower", "std_all_ci_upper") if value == "std_all" else ("ci_lower", "ci_upper")
    x, y = name_of(x), name_of(y)
    n = pd.to_numeric(table["n"], errors="coerce")
    shown = n.notna() & ~((n > 0) & (n < threshold))
    table = table.assign(n=n, **{c: pd.to_numeric(table[c], errors="coerce").where(shown) for c in (value, lo, hi)})
    paths = [p for p in ("x_to_y", "y_to_x") if p in set(table["path"])]
    groupings = list(dict.fromkeys(table["grouping"]))
    labels = []
    for g in groupings:
        sub = table[(table["grouping"] == g) & (table["path"] == paths[0])]
        labels += [(g, str(lv), group_size(n, threshold)) for lv, n in zip(sub["group"], sub["n"])]
    height = 1.2 + 0.32 * (len(labels) + len(groupings))
    fig = Figure(figsize=(10, max(3.0, height)), dpi=110)
    axes = fig.subplots(1, len(paths), sharey=True, squeeze=False)[0]
    ypos, ticks, ticklabels = {}, [], []
    pos = 0.0
    for g in groupings:
        pos += 0.6  # gap and header per grouping
        ticks.append(pos)
        ticklabels.append(name_of(g))
        pos += 0.6
        for gg, lv, n in labels:
            if gg != g:
                continue
            ypos[(g, lv)] = pos
            ticks.append(pos)
            ticklabels.append(f"   {lv}  ({n})")
            pos += 1.0
    for ax, path in zip(axes, paths):
        sub = table[table["path"] == path]
        for row in sub.itertuples(index=False):
            yy = ypos[(row.grouping, str(row.group))]
            ax.plot([getattr(row, lo), getattr(row, hi)], [yy, yy], color="#1f4e79", lw=2)
            ax.plot([getattr(row, value)], [yy], "o", color="#1f4e79", ms=6)
        ax.axvline(0, color="#888888", lw=1, ls="--")
        ax.set_title(PATH_TITLES[path].format(x=x, y=y), fontsize=11)
        ax.set_xlabel("standardized effect (95% CI)" if value == "std_all" else "effect in score points (95% CI)")
        ax.grid(axis="x", color="#eeeeee")
    axes[0].set_yticks(ticks)
    axes[0].set_yticklabels(ticklabels, fontsize=9)
    for t, lab in zip(axes[0].get_yticklabels(), ticklabels):
        if not lab.startswith("   "):
            t.set_fontweight("bold")
    axes[0].invert_yaxis()
    fig.suptitle(title or f"Cross-lagged effects of {x} and {y} by group", fontsize=12)
    fig.text(0.01, 0.005, "Dots: estimates; lines: 95% confidence intervals. Associations over time, not proof of cause.",
             fontsize=8, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    return fig


def group_size(n, threshold: int = 10) -> str:
    """A group's size for a figure label: "n=1,234"; "n<10" below the threshold; "n hidden" when blanked."""
    if n is None or pd.isna(n):
        return "n hidden"
    return f"n<{threshold}" if 0 < n < threshold else f"n={int(n):,}"


def save_figure(fig: Figure, path_stem, *, formats: tuple[str, ...] = ("png", "svg")) -> list:
    """Save a figure atomically in each format; returns the paths."""
    from analysis.outputs import write_atomic

    import matplotlib as mpl

    out = []
    for fmt in formats:
        target = f"{path_stem}.{fmt}"
        # The same figure gives the same bytes: no write date, and SVG element ids from a fixed salt
        # instead of random ones.
        metadata = {"Date": None} if fmt in ("svg", "pdf") else None

        def write(tmp, fmt=fmt, metadata=metadata):
            with mpl.rc_context({"svg.hashsalt": "loneliness-workbench"}):
                fig.savefig(tmp, format=fmt, bbox_inches="tight", metadata=metadata)

        write_atomic(target, write)
        out.append(target)
    return out
