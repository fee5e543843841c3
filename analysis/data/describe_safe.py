"""The ``describe`` output as it may leave the machine: no count below the disclosure threshold.

:func:`protect_description` takes :func:`analysis.data.describe.describe_panel`'s
JSON and blanks (``null``) every count of persons, answers or person-waves of 1 to
``threshold - 1``, with the secondary suppression a run applies
(:mod:`analysis.runs.disclosure`), so that no blanked count can be had back from
the counts shown beside it:

* the attrition table exactly as a run publishes it (:func:`describe.protected_counts`);
* a wave's respondents blanked there are blanked in ``waves`` too, with the numbers of
  people answering each construct at that wave (they are mostly all the respondents);
* a construct's ``n`` below the threshold is blanked with its mean and sd;
* the groupings' counts at each wave and the people without a group there add up to the
  wave's respondents: suppressed together;
* answers treated as missing, per column and summed by reason (``missing`` and
  ``missing_by_reason``): suppressed together;
* counts in sentences (notes, warnings) are scrubbed as in ``results.json``.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable
from typing import Any

from analysis.data.panel import Panel


def protect_description(description: dict[str, Any], panel: Panel, *, threshold: int) -> dict[str, Any]:
    """A copy of ``description`` safe to publish at ``threshold``; adds ``disclosure`` (threshold, cells blanked).

    Parameters
    ----------
    description
        The output of :func:`~analysis.data.describe.describe_panel` for ``panel``.
    threshold
        The smallest count that may be shown (a run's ``disclosure_threshold``).
    """
    from analysis.data.describe import protected_counts
    from analysis.runs.disclosure import Sum, is_small, protect_results, secondary

    d = copy.deepcopy(description)
    counts = protected_counts(panel, threshold=threshold)
    blanked = counts.suppressed_cells
    d["attrition"] = [{k: _json(v) for k, v in r.items()} for r in counts.attrition.to_dict("records")]

    values: dict[Hashable, int] = {}
    sums: list[Sum] = []
    hidden: set[Hashable] = set()
    # Respondents per wave, and the constructs' n beside them.
    for wave, w in d["waves"].items():
        key = ("respondents", wave)
        values[key] = int(w["n_respondents"])
        if wave in counts.hidden_respondents or is_small(values[key], threshold):
            hidden.add(key)
        for c, s in w["constructs"].items():
            values[("construct", wave, c)] = int(s["n"])
            if is_small(s["n"], threshold) or (key in hidden and s["n"] > 0):
                hidden.add(("construct", wave, c))
    # Groupings: the groups at a wave plus the people without a group are the wave's respondents.
    for name, g in d["groupings"].items():
        for wave, by_label in g["counts"].items():
            parts = []
            for label, n in by_label.items():
                values[("group", name, wave, label)] = int(n)
                parts.append(("group", name, wave, label))
            if ("respondents", wave) in values:
                without = values[("respondents", wave)] - sum(by_label.values())
                if without > 0:
                    values[("group", name, wave, None)] = without
                    parts.append(("group", name, wave, None))
            sums.append(Sum(parts=tuple(parts), total=("respondents", wave) if ("respondents", wave) in values
                            else None))
    # Answers treated as missing: the columns' counts of a reason at a wave add up to its total.
    by_total: dict[tuple[str, str], list[Hashable]] = {}
    seen: set[tuple[str, str, str]] = set()
    for i, r in enumerate(d["missing"]):
        values[("missing", i)] = int(r["count"])
        ident = (r["wave"], r["column"], r["reason"])
        if ident not in seen:  # a column used by two constructs is counted once in the total
            seen.add(ident)
            by_total.setdefault((r["wave"], r["reason"]), []).append(("missing", i))
    for wave, reasons in d["missing_by_reason"].items():
        for reason, n in reasons.items():
            values[("reason", wave, reason)] = int(n)
            sums.append(Sum(parts=tuple(by_total.get((wave, reason), ())), total=("reason", wave, reason)))
    hidden |= {k for k, v in values.items() if is_small(v, threshold)}
    hidden |= secondary(values, sums, hidden, threshold=threshold)
    # Duplicate rows of one column (two constructs) share their count: hide them together.
    for i, r in enumerate(d["missing"]):
        if ("missing", i) in hidden:
            hidden |= {("missing", j) for j, q in enumerate(d["missing"])
                       if (q["wave"], q["column"], q["reason"]) == (r["wave"], r["column"], r["reason"])}

    for wave, w in d["waves"].items():
        if ("respondents", wave) in hidden:
            w["n_respondents"] = None
            blanked += 1
        for c, s in w["constructs"].items():
            if ("construct", wave, c) in hidden:
                s.update(n=None, mean=None, sd=None)
                blanked += 1
    for name, g in d["groupings"].items():
        for wave, by_label in g["counts"].items():
            for label in by_label:
                if ("group", name, wave, label) in hidden:
                    by_label[label] = None
                    blanked += 1
    for i, r in enumerate(d["missing"]):
        if ("missing", i) in hidden:
            r["count"] = None
            blanked += 1
    for wave, reasons in d["missing_by_reason"].items():
        for reason in reasons:
            if ("reason", wave, reason) in hidden:
                reasons[reason] = None
                blanked += 1
    d, nulled = protect_results(d, threshold)
    d["disclosure"] = {"threshold": int(threshold), "cells_suppressed": int(blanked + nulled)}
    return d


def _json(value: Any) -> Any:
    """A value of the protected attrition table as JSON: None for blanked cells, plain numbers."""
    import numpy as np
    import pandas as pd

    if value is None or (isinstance(value, float) and not np.isfinite(value)) or value is pd.NA:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value if isinstance(value, (int, float, str)) else str(value)
