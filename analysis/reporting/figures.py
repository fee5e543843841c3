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
from matplotlib.ticker import MaxNLocator  # noqa: E402

from analysis.naming import grouping_plural, join_words, name_of  # noqa: E402

PATH_TITLES = {"x_to_y": "{x} → later {y}", "y_to_x": "{y} → later {x}"}


#: Okabe-Ito colours, line styles and markers of the two directions (colour is never the only cue).
DIRECTION_STYLES = {"x_to_y": {"color": "#0072B2", "ls": "-", "marker": "o"},
                    "y_to_x": {"color": "#D55E00", "ls": "--", "marker": "s"}}


def forest_plot(table: pd.DataFrame, *, x: str, y: str, value: str = "std_all",
                title: str | None = None, threshold: int = 10, ax=None, save=None) -> Figure:
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
    ax : matplotlib Axes or a sequence of them, optional
        Draw into this axes (both directions in it, side by side in each group's row, told apart by
        colour, line style, marker and a legend), or into one axes per direction, instead of a new
        figure; the title goes on the axes and the figure's layout is left to the caller.  The axes'
        figure is returned.
    save : str or Path, optional
        Also save the figure there (PNG and SVG beside each other when no suffix is given;
        else the suffix's format), so a script gets a file without knowing matplotlib.

    Returns
    -------
    Figure
        Shown inline by Jupyter; ``fig.savefig(...)`` saves it elsewhere.
    """
    save_to = save
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
    if ax is None:
        given = None
    elif hasattr(ax, "plot"):  # one Axes
        given = [ax]
    else:  # a list, tuple or array of Axes (as plt.subplots returns)
        given = list(getattr(ax, "flat", ax))
    if given is None:
        fig = Figure(figsize=(10, max(3.0, height)), dpi=110)
        axes = fig.subplots(1, len(paths), sharey=True, squeeze=False)[0]
    elif len(given) in (1, len(paths)):
        axes = given * len(paths) if len(given) == 1 else given
        fig = axes[0].figure
    else:
        from analysis.errors import UsageError

        raise UsageError(f"forest_plot(ax=...) takes one matplotlib axes or one per direction ({len(paths)}), "
                         f"not {len(given)}.")
    together = given is not None and len(given) == 1 and len(paths) > 1
    dodge = {"x_to_y": -0.15, "y_to_x": 0.15} if together else {}
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
            yy = ypos[(row.grouping, str(row.group))] + dodge.get(path, 0.0)
            style = DIRECTION_STYLES[path]
            ax.plot([getattr(row, lo), getattr(row, hi)], [yy, yy], color=style["color"], ls=style["ls"], lw=2)
            ax.plot([getattr(row, value)], [yy], style["marker"], color=style["color"], ms=7)
        ax.axvline(0, color="#888888", lw=1, ls="--")
        if not together:
            ax.set_title(PATH_TITLES[path].format(x=x, y=y), fontsize=12, color=DIRECTION_STYLES[path]["color"])
        ax.tick_params(axis="x", labelsize=10)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        ax.set_xlabel("standardized effect (95% CI)" if value == "std_all" else "effect in score points (95% CI)")
        ax.grid(axis="x", color="#eeeeee")
    axes[0].set_yticks(ticks)
    axes[0].set_yticklabels(ticklabels, fontsize=10)
    for t, lab in zip(axes[0].get_yticklabels(), ticklabels):
        if not lab.startswith("   "):
            t.set_fontweight("bold")
    heading = title or f"Cross-lagged effects of {x} and {y} by group"
    if given is not None:  # the caller's figure: title and legend on the axes, the layout left to the caller
        for a in dict.fromkeys(axes):
            a.set_ylim(pos, 0)  # first grouping at the top
        for a in axes[1:]:
            if a is not axes[0]:
                a.set_yticks(ticks)
                a.tick_params(axis="y", labelleft=False)
        if together:
            from matplotlib.lines import Line2D

            axes[0].set_title(heading, fontsize=12)
            axes[0].legend(handles=[Line2D([], [], color=DIRECTION_STYLES[p]["color"], ls=DIRECTION_STYLES[p]["ls"],
                                           marker=DIRECTION_STYLES[p]["marker"], label=PATH_TITLES[p].format(x=x, y=y))
                                    for p in paths], fontsize=9, loc="best")
        save_plot(fig, save_to)
        return fig
    axes[0].invert_yaxis()
    fig.suptitle(heading, fontsize=12)
    fig.text(0.01, 0.005, "Markers: estimates; lines: 95% confidence intervals (blue solid and orange dashed: the two "
             "directions). Associations over time, not proof of cause.", fontsize=9, color="#333333")
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    save_plot(fig, save_to)
    return fig


def given_axes(ax, n: int, *, what: str) -> list | None:
    """The ``ax=`` of a plot with ``n`` panels: None (the plot makes its own figure) or ``n`` matplotlib axes.

    ``ax`` may be one Axes (when ``n`` is 1) or a list, tuple or array of them, as
    ``plt.subplots`` returns; anything else is a :class:`~analysis.errors.UsageError` naming ``what``.
    """
    if ax is None:
        return None
    given = [ax] if hasattr(ax, "plot") else list(getattr(ax, "flat", ax))
    if len(given) != n:
        from analysis.errors import UsageError

        raise UsageError(f"{what}(ax=...) takes {n} matplotlib axes (one per panel), not {len(given)}.")
    return given


def save_plot(fig: Figure, save) -> None:
    """The ``save=`` of every plot: save ``fig`` there if given (PNG and SVG without a suffix, else its format)."""
    if save is None:
        return
    from pathlib import Path

    target = Path(save)
    formats = (target.suffix[1:],) if target.suffix else ("png", "svg")
    save_figure(fig, target.with_suffix("") if target.suffix else target, formats=formats)


def group_size(n, threshold: int = 10) -> str:
    """A group's size for a figure label: "n=1,234"; "n<10" below the threshold; "n hidden" when blanked."""
    if n is None or pd.isna(n):
        return "n hidden"
    return f"n<{threshold}" if 0 < n < threshold else f"n={int(n):,}"


def forest_caption(x: str, y: str, tests: pd.DataFrame) -> str:
    """The forest plot's caption and alt text: what it shows and its message (which groupings differ)."""
    rows = (tests["test"] == "x_to_y") & (tests["pvalue"] < 0.05) if len(tests) else []
    differ = [grouping_plural(g) for g in dict.fromkeys(tests.loc[rows, "grouping"])] if len(tests) else []
    message = (f" The link from {name_of(x)} to later {name_of(y)} differs between "
               f"{join_words(differ)}." if differ else " No grouping clearly differs in that direction.")
    return (f"Cross-lagged effects of {name_of(x)} and {name_of(y)} in each group (standardized, with 95% "
            f"confidence intervals; left: {name_of(x)} → later {name_of(y)}, right: the other direction).{message}")


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
