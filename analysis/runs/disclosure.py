"""Statistical disclosure control for exports of survey microdata.

Any table cell that counts, or is computed from, fewer than ``threshold``
persons (default 10) is suppressed (empty in CSV, null in JSON) and flagged, in
every export.  Zero counts are not disclosive and are kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

SUPPRESSED = "suppressed (fewer than {k} persons)"


def suppress_counts(table: pd.DataFrame, count_columns: Sequence[str], *, threshold: int,
                    dependent: dict[str, Sequence[str]] | None = None) -> tuple[pd.DataFrame, int]:
    """Blank counts in ``1..threshold-1`` and the statistics that depend on them.

    Parameters
    ----------
    count_columns
        Columns holding person counts.
    dependent
        For a count column, the columns computed from those persons (means, SDs,
        estimates), blanked with it.

    Returns
    -------
    (table, cells)
        The suppressed copy (with a ``suppressed`` column, True where anything was
        blanked) and the number of blanked cells.
    """
    out = table.copy()
    flag = np.zeros(len(out), dtype=bool)
    cells = 0
    for col in count_columns:
        if col not in out.columns:
            continue
        vals = pd.to_numeric(out[col], errors="coerce")
        small = (vals > 0) & (vals < threshold)
        if small.any():
            targets = [col, *((dependent or {}).get(col, ()))]
            for t in targets:
                if t in out.columns:
                    cells += int(small.sum())
                    out[t] = out[t].astype(object).where(~small, None)
            flag |= small.to_numpy()
    out["suppressed"] = flag
    return out, cells

