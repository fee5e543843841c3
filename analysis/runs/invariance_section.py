"""The measurement-invariance section of a run: the table of levels, for results and report."""

from __future__ import annotations

import warnings

from analysis.runs.config import InvarianceItem
from analysis.runs.sections import Context, records


def run_invariance(ctx: Context, item: InvarianceItem) -> dict:
    """Fit the invariance levels of ``item``, write ``tables/invariance_<x>_<y>[_<group>].csv``, return JSON."""
    from analysis.models.invariance import fit_invariance

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_invariance(ctx.panel, x=item.x, y=item.y, waves=item.waves, group=item.group, lags=item.lags,
                             over_waves=item.over_waves, allow_unequal_intervals=item.allow_unequal_intervals)
    tag = "_".join([item.x, item.y, *([item.group] if item.group else [])])
    table = ctx.table(f"invariance_{tag}", res.table)
    return {**res.to_dict(), "x": item.x, "y": item.y, "table": records(table),
            "interpretation": res.interpretation(), "summary_text": res.summary()}
