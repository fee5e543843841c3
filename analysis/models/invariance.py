"""Measurement invariance for multiple-indicator cross-lagged models.

Over waves: the RI-CLPM with items as indicators is fitted with configural (free
loadings per wave), metric (equal loadings over waves) and scalar (also equal
item intercepts) measurement; likelihood-ratio tests compare each step with the
one before.  Across groups: configural (loadings free per group) against metric
(equal loadings across groups), with the over-wave invariance held fixed.  Only
if metric invariance holds are the lagged effects comparable across waves or
groups on the same scale.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from analysis.errors import UsageError
from analysis.interpret import format_p, p_text, significant
from analysis.models.builders import Groups, Invariance, PanelDesign, build_syntax
from analysis.models.intervals import check_intervals
from analysis.models.panel_fit import fit_panel
from analysis.models.sem import SEMResults, lrt
from analysis.outputs import json_safe


@dataclass(frozen=True)
class InvarianceResults:
    """Fits of each invariance level and the tests between them.

    Attributes
    ----------
    kind : {"waves", "groups"}
    fits : dict of str to SEMResults
        One fit per level (configural, metric, scalar).
    table : DataFrame
        Per level: ``level npar chisq df cfi rmsea aic bic`` and the test against the
        level before (``chisq_diff df_diff pvalue``).
    constructs, waves : tuple of str
        What was tested (empty when fitted from a prepared DataFrame).
    group : str, optional
        The grouping compared (``kind == "groups"``).
    """

    kind: str  # "waves" or "groups"
    fits: dict[str, SEMResults]
    table: pd.DataFrame
    constructs: tuple[str, ...] = ()
    waves: tuple[str, ...] = ()
    group: str | None = None
    notes: tuple[str, ...] = ()  # caveats that change the meaning (unequally spaced waves, empty groups)

    def to_frame(self) -> pd.DataFrame:
        """The fit of each level and the tests between them (a copy of ``table``)."""
        return self.table.copy()

    def __repr__(self) -> str:
        levels = ", ".join(self.table["level"])
        what = f" of {' and '.join(self.constructs)}" if self.constructs else ""
        return f"InvarianceResults({self.kind}{what}: {levels})"

    def summary(self) -> str:
        """The fit of each level and the tests between them, as text, with the interpretation."""
        fmt = lambda v, spec=".3f": "" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)  # noqa: E731
        across = f"across the groups of {self.group}" if self.kind == "groups" else "over waves"
        lines = [f"Measurement invariance {across}"
                 + (f": {' and '.join(self.constructs)}" if self.constructs else "")
                 + (f", waves {', '.join(self.waves)}" if self.waves else ""), ""]
        lines.append(f"{'level':<12}{'npar':>6}{'chisq':>11}{'df':>6}{'cfi':>7}{'rmsea':>7}"
                     f"{'chisq diff':>12}{'df diff':>9}{'p':>16}")
        for r in self.table.to_dict("records"):
            lines.append(f"{r['level']:<12}{r['npar']:>6}{fmt(r['chisq']):>11}{r['df']:>6}{fmt(r['cfi']):>7}"
                         f"{fmt(r['rmsea']):>7}{fmt(r['chisq_diff']):>12}{fmt(r['df_diff'], '.0f'):>9}"
                         f"{p_text(r['pvalue']) if r['pvalue'] is not None else '':>16}")
        return "\n".join([*lines, *[f"Note: {n}" for n in self.notes], "", self.interpretation()])

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: kind, what was tested, and the table of levels."""
        return {"kind": self.kind, "constructs": list(self.constructs), "waves": list(self.waves),
                "group": self.group, "notes": list(self.notes),
                "table": [{k: json_safe(v) for k, v in r.items()} for r in self.table.to_dict("records")]}

    def interpretation(self) -> str:
        rejected = self.table[self.table["pvalue"].map(lambda p: p is not None and significant(p))]
        if rejected.empty:
            return (f"The items measure the constructs in the same way across {self.kind} (no step of "
                    "invariance worsens the fit clearly), so effects can be compared on one scale.")
        first = rejected.iloc[0]
        return (f"Measurement differs across {self.kind} at the {first['level']} step ({format_p(first['pvalue'])}); "
                "compare effects across them with caution.")


def _table(fits: dict[str, SEMResults], levels: list[str]) -> pd.DataFrame:
    rows = []
    for k, level in enumerate(levels):
        f = fits[level].fit
        row = {"level": level, "npar": f["npar"], "chisq": f["chisq"], "df": f["df"], "cfi": f["cfi"],
               "rmsea": f["rmsea"], "aic": f["aic"], "bic": f["bic"], "chisq_diff": None, "df_diff": None,
               "pvalue": None}
        if k:
            t = lrt(fits[level], fits[levels[k - 1]])
            row.update(chisq_diff=t.chisq, df_diff=t.df, pvalue=t.pvalue)
        rows.append(row)
    return pd.DataFrame(rows)


def invariance_over_waves(data: pd.DataFrame, design: PanelDesign, *, lags: str = "invariant") -> InvarianceResults:
    """Configural, metric and scalar invariance of the items over waves (RI-CLPM)."""
    if not design.multi_indicator:
        raise UsageError("Measurement invariance needs several items per construct and wave (x_items, y_items).")
    levels = ["configural", "metric", "scalar"]
    fits = {lv: fit_panel(build_syntax("riclpm", design, lags=lags, invariance=lv), data, se="none")
            for lv in levels}
    return InvarianceResults(kind="waves", fits=fits, table=_table(fits, levels))


def invariance_across_groups(data: pd.DataFrame, design: PanelDesign, *, group: str, over_waves: Invariance = "metric",
                             lags: str = "invariant", group_levels: list[str] | None = None) -> InvarianceResults:
    """Configural against metric invariance of the items across groups (RI-CLPM)."""
    if not design.multi_indicator:
        raise UsageError("Measurement invariance needs several items per construct and wave (x_items, y_items).")
    levels = group_levels or sorted(data[group].dropna().astype(str).unique())
    data = data.assign(**{group: data[group].astype("string")})
    fits = {}
    for lv in ("configural", "metric"):
        syntax = build_syntax("riclpm", design, lags=lags, invariance=over_waves,
                              groups=Groups(n=len(levels), measurement=lv))
        fits[lv] = fit_panel(syntax, data, group=group, group_levels=levels, se="none")
    return InvarianceResults(kind="groups", fits=fits, table=_table(fits, ["configural", "metric"]))


def item_design(panel: Any, *, x: str, y: str, waves: Sequence[str] | None = None,
                group: str | None = None) -> tuple[pd.DataFrame, PanelDesign, tuple[str, ...]]:
    """One row per person with every item at every wave, and the multiple-indicator design.

    Parameters
    ----------
    panel : Panel
        Loaded with the items of both constructs: ``load_panel(spec, data, items=[x, y])``.
    x, y : str
        Constructs with at least two items each.
    waves : sequence of str, optional
        Default: every wave in which both were scored.
    group : str, optional
        A grouping added as a column (each person's group at the first wave analysed).

    Returns
    -------
    wide : DataFrame
        ``id``, the scores, the group, ``weight`` and ``{construct}_i{k}_{wave}`` item columns.
    design : PanelDesign
        ``x_items``/``y_items``: the item columns of each wave.
    waves : tuple of str
    """
    from analysis.data.wave_rows import item_column
    from analysis.models.crosslag import wide_design

    wide, _, wave_list = wide_design(panel, x=x, y=y, waves=waves, group=group)
    long = panel.long
    long = long[long["wave"].isin(wave_list)]
    items: dict[str, list[str]] = {}
    for c in (x, y):
        n_items = len(panel.spec.constructs[c].items)
        if n_items < 2:
            raise UsageError(f"{c!r} has {n_items} item (constructs.{c}.items in the spec); measurement "
                             "invariance needs constructs with at least 2 items.")
        items[c] = [item_column(c, k) for k in range(1, n_items + 1)]
        if items[c][0] not in long.columns:
            raise UsageError(f"The panel holds no items of {c!r}; load it with "
                             f"load_panel(spec, data, items=[{x!r}, {y!r}]).")
    columns = [*items[x], *items[y]]
    table = long.pivot(index="id", columns="wave", values=columns)
    table.columns = [f"{item}_{w}" for item, w in table.columns]
    wide = wide.join(table[[f"{i}_{w}" for i in columns for w in wave_list]], on="id")
    per_wave = lambda c: tuple(tuple(f"{i}_{w}" for i in items[c]) for w in wave_list)  # noqa: E731
    return wide, PanelDesign(x_items=per_wave(x), y_items=per_wave(y)), tuple(wave_list)


def fit_invariance(panel: Any, *, x: str, y: str, waves: Sequence[str] | None = None, group: str | None = None,
                   lags: Literal["free", "invariant"] = "invariant",
                   over_waves: Invariance = "metric", allow_unequal_intervals: bool = False) -> InvarianceResults:
    """Measurement invariance of two constructs' items, over waves or across groups (RI-CLPM).

    Parameters
    ----------
    panel : Panel
        Loaded with the items of both constructs (``load_panel(..., items=[x, y])``).
    x, y : str
        Constructs with at least two items each.
    waves : sequence of str, optional
        Default: every wave in which both were scored (at least three).
    group : str, optional
        A grouping of the spec: test configural against metric invariance across its
        groups (holding ``over_waves`` invariance over waves); without it, test
        configural, metric and scalar invariance over waves.
    lags : {"invariant", "free"}
        Lagged effects equal over waves, or wave-specific.
    over_waves : {"configural", "metric", "scalar"}
        With ``group``: the invariance over waves held in both group models.
    allow_unequal_intervals : bool
        As :func:`analysis.models.crosslag.fit_crosslag`.

    Returns
    -------
    InvarianceResults

    Raises
    ------
    DataError
        When a construct, wave or grouping is not in the panel.
    UsageError
        When a construct has fewer than two items or the panel was loaded without them.
    """
    wide, design, wave_list = item_design(panel, x=x, y=y, waves=waves, group=group)
    notes = list(check_intervals(panel, wave_list, lags=lags, allow_unequal=allow_unequal_intervals))
    if group is None:
        res = invariance_over_waves(wide, design, lags=lags)
    else:
        from analysis.models.groups import empty_groups_sentence, group_levels

        _, levels, empty = group_levels(wide[group], group)
        if empty:
            notes.append(empty_groups_sentence(group, empty, wave_list))
        missing = int(wide[group].isna().sum())
        if missing:
            notes.append(f"{missing} persons have no {group} value at their first wave and are not compared.")
        wide = wide[wide[group].notna()]
        res = invariance_across_groups(wide, design, group=group, over_waves=over_waves, lags=lags,
                                       group_levels=sorted(levels))
    return InvarianceResults(kind=res.kind, fits=res.fits, table=res.table, constructs=(x, y), waves=wave_list,
                             group=group, notes=tuple(notes))
