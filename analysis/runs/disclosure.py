"""Statistical disclosure control for exports of survey microdata.

Three layers, applied to every output of a run (tables, ``results.json``, report):

* **Primary suppression** (:func:`suppress_counts`): any table cell that counts, or
  is computed from, fewer than ``threshold`` persons (default 10) is blanked
  (empty in CSV, null in JSON) and its row flagged.  Zero counts disclose nobody
  and are kept.
* **Secondary suppression** (:func:`secondary`): where counts add up to a total
  that is shown (respondents = retained + new + returning; life stages add up to
  a wave's respondents; the reasons rows were not used add up to the rows
  considered), a suppressed cell could be recovered by subtraction.  Further
  cells are blanked until every such sum has either no hidden cell or at least
  two, and the hidden cells of a sum with a shown total add up to at least
  ``threshold`` (so even their total is not a small group).  The smallest
  non-zero cells are chosen, to lose as little as possible.
* **Counts in words and JSON** (:func:`protect_results`): a count of persons
  below the threshold in any sentence ("3 persons have no life stage") or any
  count field of ``results.json`` is replaced by "fewer than <threshold>" or null.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

SUPPRESSED = "suppressed (fewer than {k} persons)"


def is_small(value: Any, threshold: int) -> bool:
    """A count of 1 to ``threshold - 1`` persons (disclosive); zero and missing are not."""
    if isinstance(value, bool) or value is None:
        return False
    try:
        v = float(value)
    except (TypeError, ValueError):
        return False
    return bool(np.isfinite(v) and 0 < v < threshold)


# -- primary suppression in tables --------------------------------------------------

def suppress_counts(table: pd.DataFrame, count_columns: Sequence[str], *, threshold: int,
                    dependent: Mapping[str, Sequence[str]] | None = None,
                    also: Mapping[str, Sequence[bool] | np.ndarray] | None = None) -> tuple[pd.DataFrame, int]:
    """Blank counts in ``1..threshold-1`` and the statistics that depend on them.

    Parameters
    ----------
    count_columns
        Columns holding person counts.
    dependent
        For a count column, the columns computed from those persons (means, SDs,
        estimates), blanked with it.
    also
        For a count column, a boolean mask (one per row) of further cells to blank with
        their dependents: the secondary suppression of :func:`secondary`.

    Returns
    -------
    (table, cells)
        The suppressed copy (with a ``suppressed`` column, True where anything was
        blanked) and the number of blanked cells.
    """
    out = table.copy()
    flag = np.zeros(len(out), dtype=bool)
    cells = 0
    for col in dict.fromkeys([*count_columns, *(also or {})]):
        if col not in out.columns:
            continue
        vals = pd.to_numeric(out[col], errors="coerce")
        small = ((vals > 0) & (vals < threshold)).to_numpy() if col in count_columns else np.zeros(len(out), bool)
        if also is not None and col in also:
            small = small | np.asarray(also[col], dtype=bool)
        if small.any():
            targets = [col, *((dependent or {}).get(col, ()))]
            for t in targets:
                if t in out.columns:
                    cells += int(small.sum())
                    out[t] = out[t].astype(object).where(~small, None)
            flag |= small
    out["suppressed"] = flag
    return out, cells


# -- secondary suppression ----------------------------------------------------------

@dataclass(frozen=True)
class Sum:
    """One published identity ``total = sum(parts)`` between counts.

    ``parts`` and ``total`` are keys of cells (any hashable names); with ``total=None``,
    ``shown_total`` says whether the total is published elsewhere as a number (e.g.
    the persons in ``results.json``), which makes the hidden parts' sum known.
    """

    parts: tuple[Hashable, ...]
    total: Hashable | None = None
    shown_total: bool = True


def secondary(values: Mapping[Hashable, int], sums: Sequence[Sum], hidden: set[Hashable], *,
              threshold: int) -> set[Hashable]:
    """The cells to hide besides ``hidden`` so no hidden count can be recovered from a sum.

    A sum with hidden cells needs at least two of them, and when its total is shown, the
    hidden parts must add up to ``threshold`` or more.  Cells are added smallest first
    (non-zero parts, then the total), repeating over every sum until nothing changes.
    """
    hidden = set(hidden)
    extra: set[Hashable] = set()
    changed = True
    while changed:
        changed = False
        for s in sums:
            hidden_parts = [k for k in s.parts if k in hidden]
            total_hidden = s.total is not None and s.total in hidden
            n_hidden = len(hidden_parts) + int(total_hidden)
            if n_hidden == 0:
                continue
            total_shown = (s.total is not None and not total_hidden) or (s.total is None and s.shown_total)
            hidden_sum = sum(int(values.get(k) or 0) for k in hidden_parts)
            if not (n_hidden == 1 or (total_shown and 0 < hidden_sum < threshold)):
                continue
            order = sorted((i for i, k in enumerate(s.parts) if k not in hidden and (values.get(k) or 0) > 0),
                           key=lambda i: (int(values[s.parts[i]]), i))
            if order:
                pick = s.parts[order[0]]
            elif s.total is not None and not total_hidden and (values.get(s.total) or 0) > 0:
                pick = s.total
            else:
                continue  # only zeros are left: nothing more can be hidden here
            hidden.add(pick)
            extra.add(pick)
            changed = True
    return extra


def panel_table_masks(descriptives: pd.DataFrame, attrition: pd.DataFrame, *, threshold: int,
                      persons: int | None = None, person_waves: int | None = None
                      ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Secondary suppression of a run's descriptives and attrition tables.

    The identities (see :func:`analysis.data.attrition.attrition_table`): per wave,
    ``respondents = retained + new + returning``, ``from_first_wave = n_weighted +
    zero_weight + missing_weight`` and the previous wave's ``respondents = retained +
    lost``; summed over waves, ``respondents`` gives the person-waves and ``new`` the
    persons; with life stages, the descriptives' ``respondents`` of a wave and the
    persons without a life stage there (shown nowhere, and protected as a cell when
    fewer than ``threshold``) add up to the attrition table's.

    Returns
    -------
    (descriptives_masks, attrition_masks)
        For each count column, a boolean mask of the rows to blank besides the
        primary suppression (pass as ``also`` to :func:`suppress_counts`).
    """
    values: dict[Hashable, int] = {}
    rows_of: dict[Hashable, tuple[str, list[int]]] = {}

    def cell(key: Hashable, table: str, row: int, value: Any) -> Hashable:
        v = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
        values[key] = int(v) if pd.notna(v) else 0
        rows_of.setdefault(key, (table, []))[1].append(row)
        return key

    attr = attrition.reset_index(drop=True)
    sums: list[Sum] = []
    cols = set(attr.columns)
    prev = None
    wave_total: dict[str, Hashable] = {}
    for i, r in attr.iterrows():
        key = {c: cell(("a", i, c), "attrition", i, r[c]) for c in attr.columns
               if c in ("respondents", "retained", "new", "returning", "lost", "from_first_wave", "n_weighted",
                        "zero_weight", "missing_weight")}
        if "wave" in cols and "respondents" in key:
            wave_total[str(r["wave"])] = key["respondents"]
        if {"respondents", "retained", "new", "returning"} <= set(key):
            sums.append(Sum(parts=(key["retained"], key["new"], key["returning"]), total=key["respondents"]))
        if {"from_first_wave", "n_weighted", "zero_weight", "missing_weight"} <= set(key):
            sums.append(Sum(parts=(key["n_weighted"], key["zero_weight"], key["missing_weight"]),
                            total=key["from_first_wave"]))
        if prev is not None and {"retained", "lost"} <= set(key) and "respondents" in prev:
            sums.append(Sum(parts=(key["retained"], key["lost"]), total=prev["respondents"]))
        if prev is None and {"from_first_wave", "respondents"} <= set(key):
            # At the first wave everyone is from the first wave: the two columns are equal.
            sums.append(Sum(parts=(key["from_first_wave"],), total=key["respondents"]))
        elif {"from_first_wave", "respondents"} <= set(key):
            # Later, the respondents are those from the first wave plus people who joined since (shown
            # nowhere, often none): a cell of its own, or from_first_wave would give back hidden respondents.
            joiners = ("a", i, "joined_since")
            values[joiners] = max(values[key["respondents"]] - values[key["from_first_wave"]], 0)
            sums.append(Sum(parts=(key["from_first_wave"], joiners), total=key["respondents"]))
        prev = key
    if "respondents" in cols:
        sums.append(Sum(parts=tuple(("a", i, "respondents") for i in range(len(attr))),
                        shown_total=person_waves is not None))
    if "new" in cols:
        sums.append(Sum(parts=tuple(("a", i, "new") for i in range(len(attr))), shown_total=persons is not None))
    desc = descriptives.reset_index(drop=True)
    if {"wave", "life_stage", "respondents"} <= set(desc.columns):
        by_wave: dict[str, list[Hashable]] = {}
        for i, r in desc.iterrows():
            key = cell(("d", str(r["wave"]), str(r["life_stage"])), "descriptives", i, r["respondents"])
            if key not in by_wave.setdefault(str(r["wave"]), []):
                by_wave[str(r["wave"])].append(key)
        for wave, parts in by_wave.items():
            # Persons without a life stage are in the wave's total but in no part: never shown,
            # they are one more part, which the total less the stages shown would give back.
            if wave in wave_total:
                without = values[wave_total[wave]] - sum(values[k] for k in parts)
                if without > 0:
                    values[("d", wave, None)] = without
                    parts.append(("d", wave, None))
            sums.append(Sum(parts=tuple(parts), total=wave_total.get(wave), shown_total=wave in wave_total))
    hidden = {k for k, v in values.items() if is_small(v, threshold)}
    extra = secondary(values, sums, hidden, threshold=threshold)
    masks: dict[str, dict[str, np.ndarray]] = {"descriptives": {}, "attrition": {}}
    sizes = {"descriptives": len(desc), "attrition": len(attr)}
    for key in extra:
        if key not in rows_of:
            continue  # the persons without a life stage: in no table
        table, rows = rows_of[key]
        col = key[2] if key[0] == "a" else "respondents"
        mask = masks[table].setdefault(col, np.zeros(sizes[table], dtype=bool))
        mask[rows] = True
    hidden_resp = masks["descriptives"].get("respondents")
    if hidden_resp is not None:
        # The persons with a score are mostly all the respondents: shown, they would give them back.
        for col in ("n", "n_weighted"):
            if col in desc.columns:
                counted = pd.to_numeric(desc[col], errors="coerce").fillna(0).to_numpy() > 0
                masks["descriptives"][col] = masks["descriptives"].get(col, np.zeros(len(desc), bool)) | (
                    hidden_resp & counted)
    first = masks["attrition"].get("respondents")
    if first is not None and len(first) and first[0]:
        # Retention percentages are shares of the first wave's respondents: with them shown, and the
        # persons from the first wave beside them, the first wave's respondents would be known again.
        for col in ("retention_pct",):
            if col in attr.columns:
                masks["attrition"][col] = np.ones(len(attr), dtype=bool)
    return masks["descriptives"], masks["attrition"]


# -- counts in sentences and in results.json ----------------------------------------

#: Keys of results.json whose whole-number values count persons or person-waves.
COUNT_KEYS = frozenset({
    "n", "n_obs", "nobs", "n_weighted", "n_persons", "n_rows", "respondents", "persons", "person_waves",
    "person_waves_used", "person_waves_considered", "count", "rows", "zero_weight", "missing_weight", "retained",
    "new", "returning", "lost", "from_first_wave", "not_grouped", "group_size", "size"})
#: Keys whose values map names (groups, "all") to such counts.
COUNT_MAPS = frozenset({"nobs", "rows_dropped", "sizes", "group_sizes", "n_by_group"})

_UNITS = (r"(?:persons?|people|person-waves?|respondents?|participants?|individuals?|interviews?|rows?|cases?"
          r"|answers?|observations?)")
# "3 persons", "3 people", "1 row": a number right before a word for persons, not after "fewer than" or "at least".
_COUNT_WORD = re.compile(r"(?<![\w.,-])(?<!than )(?<!least )(?<!most )(?:only )?(\d[\d,]*)(\s+(?:more\s+|other\s+)?"
                         + _UNITS + r")\b")
# "... missing (3); ...": a bare count in brackets closing an item of a list of what was not used
# (not "(1) checking ...", an enumeration, nor "20(1)", a journal issue).
_COUNT_BRACKET = re.compile(r"(?<=\s)\((\d[\d,]*)\)(?=[;,.]|$)")
# "(3 zero, 2 missing)", "3 zero": counts of persons with a zero or missing weight.
_COUNT_WEIGHT = re.compile(r"(?<![\w.,-])(\d[\d,]*)(\s+(?:zero|missing)\b)")


def scrub_text(text: str, threshold: int) -> str:
    """``text`` with every count of 1 to ``threshold - 1`` persons replaced by "fewer than <threshold>"."""
    def sub(match: re.Match) -> str:
        n = int(match.group(1).replace(",", ""))
        if not 0 < n < threshold:
            return match.group(0)
        rest = match.group(2)
        if re.search(r"(?:person|respondent|participant|individual|interview|row|case|answer|observation|"
                     r"person-wave)$", rest):
            rest += "s"  # "1 row" becomes "fewer than 10 rows"
        return f"fewer than {threshold}{rest}"

    def bracket(match: re.Match) -> str:
        n = int(match.group(1).replace(",", ""))
        return f"(fewer than {threshold})" if 0 < n < threshold else match.group(0)

    text = _COUNT_WORD.sub(sub, text)
    text = _COUNT_WEIGHT.sub(sub, text)
    return _COUNT_BRACKET.sub(bracket, text)


def protect_results(obj: Any, threshold: int) -> tuple[Any, int]:
    """``results.json`` content with small person counts nulled and scrubbed from every string.

    Returns the protected copy and the number of count fields nulled (sentences are
    rewritten without being counted).
    """
    nulled = 0

    def walk(value: Any, key: str | None, in_map: bool) -> Any:
        nonlocal nulled
        if isinstance(value, dict):
            return {k: walk(v, k, key in COUNT_MAPS) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key, False) for v in value]
        if isinstance(value, str):
            return scrub_text(value, threshold)
        counted = in_map or key in COUNT_KEYS
        if counted and isinstance(value, (int, np.integer)) and not isinstance(value, bool) \
                and is_small(value, threshold):
            nulled += 1
            return None
        return value

    return walk(obj, None, False), nulled


def suppress_listed(counts: Sequence[int], *, threshold: int, total_shown: bool = True) -> set[int]:
    """Positions of ``counts`` (parts of a shown total) to suppress: the small ones and enough others."""
    values = dict(enumerate(int(c) for c in counts))
    hidden = {i for i, v in values.items() if is_small(v, threshold)}
    return hidden | secondary(values, [Sum(parts=tuple(values), shown_total=total_shown)], hidden,
                              threshold=threshold)


def hide_group_sizes(table: pd.DataFrame, not_grouped: Mapping[str, int], *, threshold: int,
                     grouping: str = "grouping", group: str = "group", n: str = "n") -> tuple[pd.DataFrame, int]:
    """Blank group sizes that would give back the persons without a group (secondary suppression).

    A grouping's group sizes plus the persons without a group value add up to the
    persons analysed, which another output (the cross-lagged model's N) shows.  When
    1 to ``threshold - 1`` persons have no group, the smallest group's size (or more,
    until the hidden parts reach ``threshold``) is blanked as well.  Only the sizes are
    blanked: the group's estimates are about at least 20 persons and stay.

    Parameters
    ----------
    table
        One row per grouping, group (and path): ``grouping``, ``group`` and ``n`` columns.
    not_grouped
        Per grouping, the persons analysed without a value of it.

    Returns
    -------
    (table, cells)
        A copy with the hidden sizes as missing, and the number of sizes hidden (rows).
    """
    out = table.copy()
    cells = 0
    for name, missing in not_grouped.items():
        if not is_small(missing, threshold):
            continue
        rows = out[grouping] == name
        sizes = out.loc[rows].drop_duplicates(group).set_index(group)[n]
        sizes = sizes[pd.notna(sizes)]
        labels = list(sizes.index)
        counts = [int(v) for v in sizes] + [int(missing)]
        hidden = suppress_listed(counts, threshold=threshold) - {len(labels)}
        for i in sorted(hidden):
            mask = rows & (out[group] == labels[i])
            out[n] = out[n].astype(object)
            out.loc[mask, n] = None
            cells += int(mask.sum())
    return out, cells
