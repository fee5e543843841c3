"""describe: per-wave respondents and construct summaries, missing values by reason, attrition.

:func:`describe_panel` gives the JSON written by ``python -m analysis describe
--json``; :func:`render_text` the tables it prints.  The JSON contract is
``{"waves": {"<wave>": {"n_respondents": int, "constructs": {"<name>":
{"n": int, "mean": float, "sd": float}}}}}`` plus the other keys below.
:func:`score_distribution` gives the spread of one construct's scores by wave
and group (the dashboard's Data page).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.data.attrition import WEIGHTED_RETENTION_NOTE
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
    by_reason: dict[str, dict[str, int]] = {}
    # A column used by two constructs (GHQ items) is counted once per reason here.
    once = missing.drop_duplicates(["wave", "column", "reason"])
    for (w, reason), n in once.groupby(["wave", "reason"], sort=False)["count"].sum().items():
        by_reason.setdefault(str(w), {})[str(reason)] = int(n)
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


def score_distribution(panel: Panel, construct: str, *, by: str | None = None) -> pd.DataFrame:
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

    Raises
    ------
    DataError
        If ``construct`` or ``by`` is not part of the panel.
    """
    known_names(construct, panel.constructs, what="construct")
    if by is not None:
        known_names(by, panel.groupings, what="grouping")
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
            row[c] = f"{s['n']} / {mean} / {sd}"
        rows.append(row)
    lines += ["Respondents and constructs per wave (n / mean / sd; blank = not asked):",
              _table(pd.DataFrame(rows).fillna("")), ""]
    reasons = pd.DataFrame(description["missing_by_reason"]).fillna(0).astype(int)
    lines += ["Values made missing, by reason (summed over columns):",
              reasons.to_string() if len(reasons) else "(none)", ""]
    attrition = pd.DataFrame(description["attrition"])
    lines += ["Attrition:", _table(attrition.round({c: 1 for c in attrition.columns if c.endswith("_pct")})), ""]
    if "weighted_retention_pct" in attrition.columns:
        lines += [WEIGHTED_RETENTION_NOTE, ""]
    if "design" in description:
        lines += [description["design"]["summary"], ""]
    if description["absent_waves"] or description["notes"]:
        lines += ["Notes:", *[f"- {n}" for n in description["notes"]]]
    if description.get("audit"):
        lines += ["Warnings (the spec against the files' own labels):",
                  *[f"- {w['message']}" for w in description["audit"]]]
    return "\n".join(lines).rstrip() + "\n"
