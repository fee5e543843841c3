"""describe: per-wave respondents and construct summaries, missing values by reason, attrition.

:func:`describe_panel` gives the JSON written by ``python -m analysis describe
--json``; :func:`render_text` the tables it prints.  The JSON contract is
``{"waves": {"<wave>": {"n_respondents": int, "constructs": {"<name>":
{"n": int, "mean": float, "sd": float}}}}}`` plus the other keys below.
:func:`score_distribution` gives the spread of one construct's scores by wave
and group (the dashboard's Data page); with a ``threshold`` under the same
primary and secondary suppression as a run's tables
(:mod:`analysis.runs.disclosure`), as :func:`protected_counts` gives the
headline counts and the attrition table and :func:`missing_reasons` the
answers treated as missing.  Whatever the dashboard shows goes through these.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.data.attrition import ATTRITION_DEPENDENT, WEIGHTED_RETENTION_NOTE
from analysis.data.panel import Panel, known_names

#: The ``group`` of :func:`score_distribution` when scores are not grouped.
EVERYONE = "everyone"
#: Percentiles of :func:`score_distribution`, column name -> share of people below.
PERCENTILES = {"p10": 0.10, "p25": 0.25, "median": 0.50, "p75": 0.75, "p90": 0.90}
DISTRIBUTION_COLUMNS = ("wave", "group", "n", "mean", "sd", *PERCENTILES)


def _number(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def describe_panel(panel: Panel) -> dict[str, Any]:
    """JSON-ready description of ``panel``.

    Keys: ``spec`` (path, sha256, cohort), ``data``, ``waves`` (per wave
    ``n_respondents``, ``file``, ``weight_column``, ``psu_column`` and
    ``strata_column`` when the spec declares a design, and per construct scored
    there ``n``, ``mean``, ``sd``; mean/sd are null when n is 0 or 1),
    ``absent_waves``, ``construct_waves``, ``missing`` (records ``wave,
    column, measure, reason, count``), ``missing_by_reason`` (wave -> reason
    -> count, each column counted once), ``attrition`` (records of
    :func:`~analysis.data.attrition.attrition_table`: counts as int,
    ``*_pct`` as float or null; the weighted columns only for a weighted panel), ``groupings`` (labels, cut-offs and
    counts per wave), ``design`` (:meth:`SurveyDesign.to_dict` and a ``summary`` sentence), ``sources`` (path, waves, bytes, sha256) and ``notes``.
    """
    long = panel.long
    files = {w: s.path.name for s in panel.sources for w in s.waves}
    waves: dict[str, Any] = {}
    for wave in panel.waves:
        rows = long[long["wave"] == wave]
        constructs = {}
        for c in panel.constructs:
            if wave not in panel.construct_waves[c]:
                continue
            x = rows[c].dropna()
            constructs[c] = {"n": int(x.size), "mean": _number(x.mean()) if x.size else None,
                             "sd": _number(x.std(ddof=1)) if x.size > 1 else None}
        design = panel.design
        waves[wave] = {"n_respondents": int(len(rows)), "file": files.get(wave),
                       "weight_column": panel.weight_columns.get(wave),
                       **{f"{role}_column": getattr(design, role).get(wave)
                          for role in panel.spec.design_roles},
                       "constructs": constructs}
    missing = panel.missing
    # A column used by two constructs (GHQ items) is counted once per reason here.
    by_reason = missing_by_reason(panel)
    groupings = {}
    for name in panel.groupings:
        g = panel.spec.groupings[name]
        counts = long.groupby("wave", observed=False)[name].value_counts(sort=False)
        groupings[name] = {
            "of": g.of,
            "labels": [str(x) for x in long[name].cat.categories],
            "cutoffs": None if panel.grouping_cutoffs[name] is None else list(panel.grouping_cutoffs[name]),
            "counts": {str(w): {str(k): int(counts.get((w, k), 0)) for k in long[name].cat.categories}
                       for w in panel.waves},
        }
    return {
        "spec": {"path": panel.spec.path, "sha256": panel.spec.sha256, "cohort": panel.spec.cohort},
        "data": panel.data,
        "waves": waves,
        "absent_waves": list(panel.absent_waves),
        "construct_waves": {c: list(w) for c, w in panel.construct_waves.items()},
        "missing": [{k: (int(v) if k == "count" else str(v)) for k, v in r.items()}
                    for r in missing.to_dict("records")],
        "missing_by_reason": by_reason,
        "attrition": [{k: _attrition_value(k, v) for k, v in r.items()}
                      for r in panel.attrition.to_dict("records")],
        "groupings": groupings,
        "design": {**panel.design.to_dict(), "summary": panel.design.summary()},
        "sources": [s.to_dict() for s in panel.sources],
        "notes": list(panel.notes),
        "audit": [w.to_dict() for w in panel.audit],
    }


def _attrition_value(key: str, value: Any) -> str | int | float | None:
    """A JSON value of the attrition table: the wave name, counts as int, percentages as float."""
    if key == "wave":
        return str(value)
    return _number(float(value)) if key.endswith("_pct") else int(value)


def score_distribution(panel: Panel, construct: str, *, by: str | None = None,
                       threshold: int | None = None) -> pd.DataFrame:
    """The spread of one construct's scores at each wave, for everyone or by a grouping.

    Parameters
    ----------
    panel : Panel
        A loaded panel.
    construct : str
        One of ``panel.constructs``.
    by : str, optional
        One of ``panel.groupings`` (a person's group at each wave); people without a
        group at a wave are left out there.  None: everyone together.

    Returns
    -------
    DataFrame
        One row per wave (and group), in wave and group order, with columns
        ``wave``, ``group`` (:data:`EVERYONE` when ``by`` is None), ``n`` (people
        with a score), ``mean``, ``sd`` (NaN for one person) and the percentiles
        ``p10``, ``p25``, ``median``, ``p75``, ``p90`` (linear interpolation).
        Empty, with these columns, when no one has a score.

        With ``threshold`` (the disclosure threshold, e.g. 10), a ``suppressed``
        column follows and a row's ``n`` and statistics are None where fewer than
        ``threshold`` people are in it, or where more must be hidden so that no
        such row can be had by subtraction (see :func:`protect_distributions`).

    Raises
    ------
    DataError
        If ``construct`` or ``by`` is not part of the panel.
    """
    known_names(construct, panel.constructs, what="construct")
    if by is not None:
        known_names(by, panel.groupings, what="grouping")
    if threshold is not None:
        return protect_distributions(panel, construct, threshold=threshold)[by]
    return _distribution(panel, construct, by)


def _distribution(panel: Panel, construct: str, by: str | None) -> pd.DataFrame:
    keys = ["wave"] + ([by] if by else [])
    frame = panel.long[keys + [construct]].dropna()
    rows = []
    for k, sub in frame.groupby(keys, observed=True, sort=True):
        k = k if isinstance(k, tuple) else (k,)
        v = sub[construct].to_numpy(float)
        q = np.quantile(v, list(PERCENTILES.values()))
        rows.append({"wave": str(k[0]), "group": str(k[1]) if by else EVERYONE, "n": int(v.size),
                     "mean": float(v.mean()), "sd": float(v.std(ddof=1)) if v.size > 1 else np.nan,
                     **{name: float(x) for name, x in zip(PERCENTILES, q)}})
    return pd.DataFrame(rows, columns=list(DISTRIBUTION_COLUMNS))


# -- disclosure control of what the dashboard shows -------------------------------------

#: Columns of :func:`score_distribution` computed from its ``n`` people (blanked with it).
DISTRIBUTION_STATISTICS = ("mean", "sd", *PERCENTILES)


@dataclass(frozen=True)
class ProtectedCounts:
    """The counts of a panel that may be shown, under primary and secondary suppression.

    ``persons`` and ``person_waves`` are None when fewer than ``threshold``;
    ``attrition`` is the panel's attrition table with blanked cells as None and a
    ``suppressed`` column, exactly as a run writes ``tables/attrition.csv``;
    ``hidden_respondents`` the waves whose respondents are blanked there.
    """

    threshold: int
    persons: int | None
    person_waves: int | None
    attrition: pd.DataFrame
    hidden_respondents: frozenset[str]
    suppressed_cells: int


def protected_counts(panel: Panel, *, threshold: int) -> ProtectedCounts:
    """Headline counts and the attrition table of ``panel`` as a run would publish them.

    The attrition table gets the run's primary and secondary suppression
    (:func:`analysis.runs.disclosure.panel_table_masks`: respondents = retained + new
    + returning, the previous wave's respondents = retained + lost, the weighted
    columns, and the totals over waves against the persons and person-waves shown).
    """
    from analysis.runs.disclosure import is_small, panel_table_masks, suppress_counts

    long = panel.long
    persons, person_waves = int(long["id"].nunique()), int(len(long))
    persons_shown = None if is_small(persons, threshold) else persons
    person_waves_shown = None if is_small(person_waves, threshold) else person_waves
    attrition = panel.attrition
    attrition = (attrition.reset_index() if attrition.index.name else attrition).reset_index(drop=True)
    counts = tuple(c for c in attrition.columns if pd.api.types.is_integer_dtype(attrition[c]))
    _, also = panel_table_masks(pd.DataFrame(), attrition, threshold=threshold, persons=persons_shown,
                                person_waves=person_waves_shown)
    safe, cells = suppress_counts(attrition, counts, threshold=threshold, dependent=ATTRITION_DEPENDENT, also=also)
    hidden = frozenset(str(w) for w, r, v in zip(attrition["wave"], attrition["respondents"], safe["respondents"])
                       if r > 0 and v is None) if "respondents" in attrition.columns else frozenset()
    return ProtectedCounts(threshold=threshold, persons=persons_shown, person_waves=person_waves_shown,
                           attrition=safe, hidden_respondents=hidden,
                           suppressed_cells=cells + (persons_shown is None) + (person_waves_shown is None))


def protect_distributions(panel: Panel, construct: str, *, threshold: int) -> dict[str | None, pd.DataFrame]:
    """:func:`score_distribution` of ``construct`` for everyone (key None) and by every grouping, safe together.

    The views share their totals: at each wave the people with a score in a
    grouping's groups, plus those without a group there, are the people with a score
    in the everyone view.  So one view's small group could be had by subtracting the
    others' shown counts from that total, or a group without a label (never shown)
    from the groups shown beside the total.  Every view is suppressed at once
    (:func:`analysis.runs.disclosure.secondary`, its rules as in a run's tables):
    counts of 1 to ``threshold - 1`` people, and anyone without a group when they
    are that few, are hidden; a total hidden with the run's attrition table (the
    wave's respondents, which the people with a score would give back) stays hidden;
    and more counts are hidden until every sum has none or at least two hidden
    cells, and the hidden parts beside a shown total add up to ``threshold`` or more.
    """
    from analysis.runs.disclosure import Sum, is_small, secondary, suppress_counts

    views: dict[str | None, pd.DataFrame] = {None: _distribution(panel, construct, None)}
    for g in panel.groupings:
        views[g] = _distribution(panel, construct, g)
    values: dict[Hashable, int] = {}
    everyone = {w: int(n) for w, n in zip(views[None]["wave"], views[None]["n"])}
    for w, n in everyone.items():
        values[(None, w, EVERYONE)] = n
    sums: list[Sum] = []
    hidden: set[Hashable] = set()
    for g in panel.groupings:
        table = views[g]
        for w, total in everyone.items():
            rows = table[table["wave"] == w]
            parts = [(g, w, str(label)) for label in rows["group"]]
            values.update(zip(parts, (int(n) for n in rows["n"])))
            without = total - int(rows["n"].sum())  # people with a score but no group at this wave
            if without > 0:
                values[(g, w, None)] = without
                parts.append((g, w, None))
                if is_small(without, threshold):
                    hidden.add((g, w, None))  # never shown, but the others would give it back
            sums.append(Sum(parts=tuple(parts), total=(None, w, EVERYONE)))
    hidden |= {k for k, v in values.items() if k[2] is not None and is_small(v, threshold)}
    respondents_hidden = protected_counts(panel, threshold=threshold).hidden_respondents
    hidden |= {(None, w, EVERYONE) for w in everyone if w in respondents_hidden and everyone[w] > 0}
    hidden |= secondary(values, sums, hidden, threshold=threshold)
    out = {}
    for g, table in views.items():
        mask = np.array([(g, str(w), str(label) if g is not None else EVERYONE) in hidden
                         for w, label in zip(table["wave"], table["group"])], dtype=bool)
        safe, _ = suppress_counts(table, ("n",), threshold=threshold, dependent={"n": DISTRIBUTION_STATISTICS},
                                  also={"n": mask})
        out[g] = safe
    return out


def missing_reasons(panel: Panel, *, threshold: int) -> pd.DataFrame:
    """Answers treated as missing, one row per reason and a column per wave, small counts blanked.

    The counts are of answers (a question at a wave), each at most one person's; a
    count of 1 to ``threshold - 1`` is blanked (None) as a count of persons would be,
    with a ``suppressed`` column.  No total of them is shown, so no secondary cells.
    Empty (no rows) when nothing was treated as missing.
    """
    from analysis.runs.disclosure import suppress_counts

    by_reason = missing_by_reason(panel)
    table = pd.DataFrame(by_reason).fillna(0).astype(int)
    table.index.name = "reason"
    table = table.reset_index()
    safe, _ = suppress_counts(table, [c for c in table.columns if c != "reason"], threshold=threshold)
    return safe


def missing_by_reason(panel: Panel) -> dict[str, dict[str, int]]:
    """Wave -> reason -> answers treated as missing (each column counted once per reason)."""
    once = panel.missing.drop_duplicates(["wave", "column", "reason"])
    by_reason: dict[str, dict[str, int]] = {}
    for (w, reason), n in once.groupby(["wave", "reason"], sort=False)["count"].sum().items():
        by_reason.setdefault(str(w), {})[str(reason)] = int(n)
    return by_reason


def _table(frame: pd.DataFrame) -> str:
    return frame.to_string(index=False) if len(frame) else "(none)"


def render_text(description: dict[str, Any]) -> str:
    """The description as plain-text tables for the terminal."""
    lines = [f"Cohort {description['spec']['cohort']} from {description['data']}", ""]
    rows = []
    for wave, d in description["waves"].items():
        row: dict[str, Any] = {"wave": wave, "respondents": d["n_respondents"]}
        for c, s in d["constructs"].items():
            mean = "" if s["mean"] is None else f"{s['mean']:.2f}"
            sd = "" if s["sd"] is None else f"{s['sd']:.2f}"
            row[c] = "hidden" if s["n"] is None else f"{s['n']} / {mean} / {sd}"
        if d["n_respondents"] is None:
            row["respondents"] = "hidden"
        rows.append(row)
    lines += ["Respondents and constructs per wave (n / mean / sd; blank = not asked):",
              _table(pd.DataFrame(rows).fillna("")), ""]
    by_reason = description["missing_by_reason"]
    reasons = pd.DataFrame({w: {r: ("hidden" if n is None else int(n)) for r, n in v.items()}
                            for w, v in by_reason.items()}).fillna(0)
    lines += ["Values made missing, by reason (summed over columns):",
              reasons.to_string() if len(reasons) else "(none)", ""]
    attrition = pd.DataFrame(description["attrition"])
    attrition = attrition.round({c: 1 for c in attrition.columns
                                 if c.endswith("_pct") and pd.api.types.is_numeric_dtype(attrition[c])})
    lines += ["Attrition:", _table(attrition.astype(object).where(attrition.notna(), "hidden")), ""]
    if "weighted_retention_pct" in attrition.columns:
        lines += [WEIGHTED_RETENTION_NOTE, ""]
    if "design" in description:
        lines += [description["design"]["summary"], ""]
    if description["absent_waves"] or description["notes"]:
        lines += ["Notes:", *[f"- {n}" for n in description["notes"]]]
    if "disclosure" in description:
        t = description["disclosure"]["threshold"]
        lines += [f"Counts of fewer than {t} people (and counts that would give them back) are shown as "
                  f"'hidden' ({description['disclosure']['cells_suppressed']} cells); the threshold is "
                  "--threshold.", ""]
    if description.get("audit"):
        lines += ["Warnings (the spec against the files' own labels):",
                  *[f"- {w['message']}" for w in description["audit"]]]
    return "\n".join(lines).rstrip() + "\n"
