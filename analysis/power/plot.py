"""Power curves: power against sample size, one line per other setting.

A matplotlib ``Figure`` built without pyplot's global state (safe in scripts,
tests and the dashboard).  Error bars are ±1.96 Monte Carlo SEs; the dashed
line is the target power (or alpha, for a parameter that is zero in the
population, where "power" is the false-positive rate).  Between simulated
sizes the curve is drawn as the sample-size table interpolates it (linear on
the probit–√N scale), so the marked N lies on the curve.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from analysis.power.design import PATHS  # noqa: E402
from analysis.power.sample_size import CURVE_COLUMNS, interpolated_curve  # noqa: E402

LABELS = {"waves": "{} waves", "icc": "icc {:g}", "reliability": "reliability {:g}", "attrition": "attrition {:g}",
          "ar_x": "ar_x {:g}", "ar_y": "ar_y {:g}", "cl_xy": "x→y {:g}", "cl_yx": "y→x {:g}"}


def _curve_label(setting: dict, varying: list[str]) -> str:
    return ", ".join(LABELS[k].format(setting[k]) for k in varying) or "simulated power"


def power_curves(table: pd.DataFrame, sample_size: pd.DataFrame, *, alpha: float, target_power: float,
                 parameters: tuple[str, ...] = ("cl_xy", "cl_yx"), title: str | None = None, ax=None) -> Figure:
    """One panel per parameter: power (±1.96 MCSE) against N, with the target and required N marked.

    Parameters
    ----------
    table : DataFrame
        The performance table (``PowerResults.table``): one row per design cell and
        parameter with ``n``, the settings, ``parameter``, ``true``, ``power`` and ``power_mcse``.
    sample_size : DataFrame
        The sample sizes reaching the target (``PowerResults.sample_size``).
    alpha, target_power : float
        Significance level and target power (the dashed lines).
    parameters : tuple of str
        One panel each.
    title : str, optional
        Title above the panels.
    ax : sequence of matplotlib Axes, optional
        One per parameter, to draw into a script's figure (only the axes are drawn on; that figure is returned).

    Returns
    -------
    Figure
    """
    varying = [c for c in CURVE_COLUMNS if table[c].nunique() > 1]
    from analysis.reporting.figures import given_axes

    given = given_axes(ax, len(parameters), what="plot")
    if given is None:
        fig = Figure(figsize=(5.2 * len(parameters), 4.2), dpi=110)
        axes = fig.subplots(1, len(parameters), squeeze=False)[0]
    else:
        axes, fig = given, given[0].figure
    for ax, param in zip(axes, parameters):
        sub = table[table["parameter"] == param]
        null = bool((sub["true"] == 0).all())
        for keys, curve in sub.groupby(CURVE_COLUMNS, sort=False):
            setting = dict(zip(CURVE_COLUMNS, keys))
            curve = curve.sort_values("n")
            bars = ax.errorbar(curve["n"], curve["power"], yerr=1.96 * curve["power_mcse"].fillna(0), marker="o",
                               linestyle="none", capsize=3, label=_curve_label(setting, varying))
            ok = curve["power"].notna().to_numpy()
            if ok.sum() > 1:
                xs, ys = interpolated_curve(curve["n"].to_numpy()[ok], curve["power"].to_numpy()[ok])
                ax.plot(xs, ys, color=bars[0].get_color(), linewidth=1.5)
            need = sample_size
            match = need[(need["parameter"] == param)]
            for k in CURVE_COLUMNS:
                match = match[match[k] == setting[k]]
            if len(match) and match["n_required"].notna().iloc[0]:
                n_req = float(match["n_required"].iloc[0])
                ax.axvline(n_req, color="grey", linestyle=":", linewidth=1)
                ax.annotate(f"N≈{math.ceil(n_req)}", (n_req, target_power), textcoords="offset points",
                            xytext=(4, -12), fontsize=8, color="grey")
        level = alpha if null else target_power
        ax.axhline(level, color="black", linestyle="--", linewidth=1,
                   label=f"alpha {alpha:g}" if null else f"target {target_power:g}")
        true = sub["true"].iloc[0] if len(sub) and sub["true"].nunique() == 1 else None
        what = f"{PATHS[param]} = {true:g}" if true is not None else PATHS[param]
        ax.set_title(("False-positive rate, " if null else "Power to detect ") + what, fontsize=10)
        ax.set_xlabel("Persons at wave 1 (N)")
        ax.set_ylabel("false-positive rate" if null else "power")
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    if given is not None:
        return fig
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
