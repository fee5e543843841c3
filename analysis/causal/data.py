"""The analysis frame: one row per person and pair of consecutive waves.

Each person-wave of the (chosen waves of the) long panel is a candidate row
"outcome at wave t"; it is used when the same person also answered at the
previous wave and every variable the design needs is present.  Every candidate
that is not used is counted under the first reason that rules it out, so the
report always adds up: rows used + rows not used = person-waves analysed.

Columns of the frame (all numeric, the names are the nodes of the causal graph):

* ``{exposure}_lag`` - the exposure at t-1 (``{exposure}_lag_high``, 0/1, when binary);
* ``{outcome}`` and ``{outcome}_lag`` - the outcome at t and at t-1;
* ``{mediator}`` (role "mediator": at t) and ``{mediator}_lag`` (at t-1);
* each confounder at t-1 (or at the person's first analysed wave); categorical
  ones become 0/1 columns ``{name}_{level}`` with the first level as reference;
* and, not in the graph, ``id``, ``wave_from``, ``wave_to``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from analysis.causal.design import CausalDesign
from analysis.causal.words import name_of
from analysis.errors import DataError

#: Columns of the frame that are bookkeeping, not graph nodes.
BOOKKEEPING = ("id", "wave_from", "wave_to")


@dataclass(frozen=True)
class CausalFrame:
    """The rows analysed and how they were chosen (read-only).

    Attributes
    ----------
    data : DataFrame
        ``id``, ``wave_from``, ``wave_to`` and the node columns (see the module docstring).
    exposure, outcome, outcome_lag : str
        Column names of the exposure at t-1, the outcome at t and the outcome at t-1.
    confounders : tuple of str
        Confounder columns (0/1 columns of categorical variables listed separately).
    sources : mapping
        Node column -> the variable it comes from (``loneliness_lag`` -> ``loneliness``,
        ``life_stage_65plus`` -> ``life_stage``).
    mediator, mediator_lag : str or None
        Mediator at t (role "mediator" only) and at t-1.
    labels : mapping
        Column -> plain words for the graph picture.
    n_candidates : int
        Person-waves of the chosen waves (each a possible "outcome at t" row).
    excluded : tuple of (reason, count)
        Candidates not used, by the first reason that rules them out.
    wave_pairs : tuple of (wave_from, wave_to, rows)
    notes : tuple of str
    """

    data: pd.DataFrame
    exposure: str
    outcome: str
    outcome_lag: str
    confounders: tuple[str, ...]
    sources: Mapping[str, str]
    mediator: str | None
    mediator_lag: str | None
    labels: Mapping[str, str]
    n_candidates: int
    excluded: tuple[tuple[str, int], ...] = ()
    wave_pairs: tuple[tuple[str, str, int], ...] = ()
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        needed = [*BOOKKEEPING, *self.nodes]
        absent = [c for c in needed if c not in self.data.columns]
        if absent:
            raise DataError(f"The analysis frame has no column {absent[0]!r}.")
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))
        object.__setattr__(self, "labels", MappingProxyType(dict(self.labels)))

    @property
    def nodes(self) -> tuple[str, ...]:
        """Columns that are nodes of the causal graph."""
        extra = tuple(c for c in (self.mediator, self.mediator_lag) if c)
        return (self.exposure, self.outcome, self.outcome_lag, *extra, *self.confounders)

    def source(self, column: str) -> str:
        """The variable a node column comes from (the column itself if not recorded)."""
        return self.sources.get(column, column)

    @property
    def n_rows(self) -> int:
        return int(len(self.data))

    @property
    def n_persons(self) -> int:
        return int(self.data["id"].nunique())

    def graph_data(self) -> pd.DataFrame:
        """A fresh copy of the node columns (DoWhy adds columns to the frames it is given)."""
        return self.data.loc[:, list(self.nodes)].reset_index(drop=True).copy()


def _suggest(name: str, known: Sequence[str]) -> str:
    hint = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean {hint[0]!r}?" if hint else "."


def wave_order(long: pd.DataFrame) -> list[str]:
    """Wave names in order: by ``wave_index`` if present, else the categories or sorted values of ``wave``."""
    if "wave" not in long.columns:
        raise DataError("The long panel has no 'wave' column (one row per person and wave is expected).")
    if "wave_index" in long.columns:
        pairs = long[["wave", "wave_index"]].drop_duplicates().sort_values("wave_index")
        return [str(w) for w in pairs["wave"]]
    wave = long["wave"]
    if isinstance(wave.dtype, pd.CategoricalDtype) and wave.cat.ordered:
        present = set(wave.dropna().astype(str))
        return [str(w) for w in wave.cat.categories if str(w) in present]
    values = pd.unique(wave.dropna())
    try:
        return [str(v) for v in sorted(values)]
    except TypeError:
        raise DataError("The waves cannot be put in order; add a 'wave_index' column or make 'wave' an "
                        "ordered categorical.") from None


GAP_REASON = "earlier wave not the previous wave of the study (a wave in between missing or skipped)"


def _safe(text: str) -> str:
    text = str(text).replace("+", "plus").replace("<", "lt").replace(">", "gt")
    return re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_") or "level"


def _is_categorical(series: pd.Series) -> bool:
    return (isinstance(series.dtype, pd.CategoricalDtype) or series.dtype == object
            or pd.api.types.is_string_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype))


def build_frame(long: pd.DataFrame, design: CausalDesign, *, source: str = "the panel",
                measured: Mapping[str, Sequence[str]] | None = None) -> CausalFrame:
    """Build the analysis frame of ``design`` from a long panel.

    Parameters
    ----------
    long : DataFrame
        One row per person x wave responded: ``id``, ``wave`` (and ``wave_index``),
        the constructs and the confounders (``Panel.long``).
    design : CausalDesign
    source : str
        How to name the data in error messages.
    measured : mapping, optional
        Construct -> waves in which it was measured (``Panel.construct_waves``); rows
        lacking a construct because its wave did not ask it are then reported as such.

    Raises
    ------
    DataError
        If a column is missing, a wave is unknown, a person has two rows for one wave,
        or no row (or only one exposure group) is left.
    """
    if "id" not in long.columns:
        raise DataError(f"{source} has no 'id' column (the person identifier).")
    order = wave_order(long)
    if design.waves is not None:
        for w in design.waves:
            if str(w) not in order:
                raise DataError(f"Wave {w!r} is not in {source}; the waves found are {', '.join(order)}.")
        chosen = [w for w in order if w in {str(v) for v in design.waves}]
        if len(chosen) < 2:
            raise DataError("At least two waves are needed: the exposure is taken one wave before the outcome.")
    else:
        chosen = order
    variables = [design.exposure, design.outcome, *([design.mediator] if design.mediator else []),
                 *design.confounders]
    for v in variables:
        if v not in long.columns:
            known = [c for c in long.columns if c not in ("id", "wave", "wave_index", "wave_number", "weight")]
            raise DataError(f"{source} has no column {v!r}{_suggest(v, known)}")
    for v in (design.exposure, design.outcome, *([design.mediator] if design.mediator else [])):
        if not pd.api.types.is_numeric_dtype(long[v]) or pd.api.types.is_bool_dtype(long[v]):
            raise DataError(f"Column {v!r} of {source} must be a numeric score to be an exposure, outcome or mediator.")

    position = {w: k for k, w in enumerate(chosen)}
    numbered = "wave_number" in long.columns and "wave_number" not in variables
    rows = long.loc[:, ["id", "wave", *(["wave_number"] if numbered else []), *dict.fromkeys(variables)]].copy()
    rows["wave"] = rows["wave"].astype(str)
    outside = int((~rows["wave"].isin(position)).sum())
    rows = rows[rows["wave"].isin(position)].copy()
    rows["pos"] = rows["wave"].map(position).astype(np.int64)
    dup = rows.duplicated(["id", "pos"])
    if dup.any():
        first = rows[dup].iloc[0]
        raise DataError(f"Person {first['id']} has more than one row in wave {first['wave']} of {source}.")
    rows = rows.sort_values(["id", "pos"]).reset_index(drop=True)
    n_candidates = int(len(rows))

    prev = rows.drop(columns=["wave"]).copy()
    prev["pos"] = prev["pos"] + 1
    merged = rows.merge(prev, on=["id", "pos"], how="left", suffixes=("", "__prev"), indicator=True)
    has_prev = (merged["_merge"] == "both").to_numpy()
    if design.confounder_timing == "baseline":
        base = rows.drop_duplicates("id", keep="first").set_index("id")
        conf_values = {c: merged["id"].map(base[c]) for c in design.confounders}
        when = "at the first wave analysed"
    else:
        conf_values = {c: merged[f"{c}__prev"] for c in design.confounders}
        when = "at the earlier wave"

    x, y, m = design.exposure, design.outcome, design.mediator
    wave_now = merged["wave"]
    wave_before = merged["pos"].map(lambda p: chosen[p - 1] if p > 0 else None)

    def absent(var: str, earlier: bool) -> list[tuple[str, pd.Series]]:
        """Missing values of ``var``, split into 'not asked in that wave' and 'missing'."""
        values = merged[f"{var}__prev" if earlier else var]
        when = " at the earlier wave" if earlier else ""
        out = []
        if measured is not None and var in measured:
            asked = set(measured[var])
            not_asked = ~(wave_before if earlier else wave_now).isin(asked)
            out.append((f"{var} not measured{when} (not asked in that wave)", values.isna() & not_asked))
        out.append((f"{var} missing{when}", values.isna()))
        return out

    # "One wave earlier" is the study's previous wave: a pair across a wave that is missing or
    # skipped spans two steps and is not pooled with one-step pairs as if it were one.
    if numbered:
        step = merged["wave_number"] - merged["wave_number__prev"]
        across_gap = pd.Series(has_prev, index=merged.index) & (step != 1)
    else:
        across_gap = pd.Series(False, index=merged.index)
    checks: list[tuple[str, pd.Series]] = [
        ("first wave analysed (no earlier wave)", merged["pos"] == 0),
        ("no interview at the previous wave", pd.Series(~has_prev, index=merged.index)),
        (GAP_REASON, across_gap),
        *absent(x, True), *absent(y, False), *absent(y, True),
    ]
    if m is not None:
        if design.mediator_role == "mediator":
            checks += absent(m, False)
        checks += absent(m, True)
    for c in design.confounders:
        checks.append((f"{c} missing {when}", conf_values[c].isna()))
    keep = np.ones(len(merged), dtype=bool)
    excluded = []
    for reason, bad in checks:
        hit = keep & bad.to_numpy(dtype=bool)
        if hit.any():
            excluded.append((reason, int(hit.sum())))
        keep &= ~hit
    if not keep.any():
        worst = max(excluded, key=lambda r: r[1])[0] if excluded else "no rows"
        raise DataError(f"No person-wave of {source} can be analysed (most often: {worst}); check the waves "
                        f"and that {x} and {y} were measured in consecutive waves.")

    used = merged[keep].reset_index(drop=True)
    data = pd.DataFrame({"id": used["id"].to_numpy(),
                         "wave_from": [chosen[p - 1] for p in used["pos"]],
                         "wave_to": used["wave"].to_numpy()})
    labels: dict[str, str] = {}
    notes: list[str] = []
    if design.binary:
        exposure_col = f"{x}_lag_high"
        high = (used[f"{x}__prev"].to_numpy(float) >= design.binary_threshold).astype(np.int64)
        if high.min() == high.max():
            side = "at or above" if high[0] == 1 else "below"
            raise DataError(f"Every person-wave analysed has {x} {side} {design.binary_threshold:g}; "
                            "choose a threshold that splits people into two groups.")
        data[exposure_col] = high
        labels[exposure_col] = f"{name_of(x)} at or above {design.binary_threshold:g}\n(earlier wave)"
    else:
        exposure_col = f"{x}_lag"
        data[exposure_col] = used[f"{x}__prev"].to_numpy(float)
        labels[exposure_col] = f"{name_of(x)}\n(earlier wave)"
    data[y] = used[y].to_numpy(float)
    labels[y] = f"{name_of(y)}\n(later wave)"
    data[f"{y}_lag"] = used[f"{y}__prev"].to_numpy(float)
    labels[f"{y}_lag"] = f"{name_of(y)}\n(earlier wave)"
    mediator_col = mediator_lag = None
    if m is not None:
        if design.mediator_role == "mediator":
            mediator_col = m
            data[m] = used[m].to_numpy(float)
            labels[m] = f"{name_of(m)}\n(later wave)"
        mediator_lag = f"{m}_lag"
        data[mediator_lag] = used[f"{m}__prev"].to_numpy(float)
        labels[mediator_lag] = f"{name_of(m)}\n(earlier wave)"

    confounders: list[str] = []
    sources: dict[str, str] = {exposure_col: x, y: y, f"{y}_lag": y}
    if mediator_col:
        sources[mediator_col] = m
    if mediator_lag:
        sources[mediator_lag] = m
    tag = "earlier wave" if design.confounder_timing == "previous" else "first wave"
    for c in design.confounders:
        values = conf_values[c][keep].reset_index(drop=True)
        if _is_categorical(values):
            levels = (list(values.cat.categories) if isinstance(values.dtype, pd.CategoricalDtype)
                      else sorted(pd.unique(values.dropna()), key=str))
            present = [lv for lv in levels if (values == lv).any()]
            if len(present) < 2:
                notes.append(f"{name_of(c)} takes one value among the rows analysed and is left out.")
                continue
            for lv in present[1:]:
                col = f"{c}_{_safe(lv)}"
                data[col] = (values == lv).to_numpy().astype(np.float64)
                labels[col] = f"{name_of(c)} {lv}\n(vs {present[0]})"
                confounders.append(col)
                sources[col] = c
        else:
            col_values = pd.to_numeric(values, errors="coerce").to_numpy(float)
            if np.nanstd(col_values) == 0:
                notes.append(f"{name_of(c)} is the same for every row analysed and is left out.")
                continue
            data[c] = col_values
            labels[c] = f"{name_of(c)}\n({tag})"
            confounders.append(c)
            sources[c] = c
    node_cols = [exposure_col, y, f"{y}_lag", *[c for c in (mediator_col, mediator_lag) if c], *confounders]
    if len(set(node_cols)) != len(node_cols):
        raise DataError("Two variables of the design would get the same column name in the analysis frame; "
                        "rename one of them.")
    if outside:
        notes.append(f"{outside} person-waves outside the chosen waves were not considered.")
    gap_rows = dict(excluded).get(GAP_REASON, 0)
    if gap_rows:
        spans = sorted({f"{chosen[p - 1]}→{w}" for p, w, g in zip(merged["pos"], merged["wave"], across_gap) if g})
        notes.append(f"{gap_rows} person-waves are not used because their earlier wave analysed is not the study's "
                     f"previous wave ({', '.join(spans)}: a wave in between is missing or not chosen); the effect is "
                     "one of the exposure one wave earlier.")
    pairs = data.groupby(["wave_from", "wave_to"], sort=False).size()
    wave_pairs = tuple((str(a), str(b), int(n)) for (a, b), n in pairs.items())
    return CausalFrame(
        data=data, exposure=exposure_col, outcome=y, outcome_lag=f"{y}_lag", confounders=tuple(confounders),
        sources=sources, mediator=mediator_col, mediator_lag=mediator_lag, labels=labels,
        n_candidates=n_candidates, excluded=tuple(excluded), wave_pairs=wave_pairs, notes=tuple(notes),
    )


def long_of(data: Any) -> tuple[pd.DataFrame, str, dict[str, tuple[str, ...]] | None]:
    """The long DataFrame of a Panel (or a long DataFrame as given), how to name it, and the waves
    each construct was measured in (``None`` for a DataFrame)."""
    if isinstance(data, pd.DataFrame):
        return data, "the data", None
    long = getattr(data, "long", None)
    if isinstance(long, pd.DataFrame):
        spec = getattr(data, "spec", None)
        cohort = getattr(spec, "cohort", None)
        measured = getattr(data, "construct_waves", None)
        measured = {k: tuple(str(w) for w in v) for k, v in measured.items()} if isinstance(measured, Mapping) else None
        return long, (f"the panel of {cohort}" if cohort else "the panel"), measured
    raise DataError("Expected a Panel from load_panel or a long DataFrame (one row per person and wave).")
