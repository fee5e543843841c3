"""Attrition: who is retained, new, returning and lost from one loaded wave to the next.

With survey weights the table also says how much of the first wave's (weighted)
population is still responding at each wave, beside the unweighted share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ATTRITION_COLUMNS = ("wave", "respondents", "retained", "new", "returning", "lost")
#: Columns added by :func:`attrition_table` when the panel is weighted, in order.
WEIGHTED_ATTRITION_COLUMNS = ("from_first_wave", "retention_pct", "weighted_retention_pct", "n_weighted",
                              "zero_weight", "missing_weight")
#: For disclosure control (:func:`analysis.runs.disclosure.suppress_counts`): the figures
#: computed from the persons each count column counts, blanked with a small count.
ATTRITION_DEPENDENT: dict[str, tuple[str, ...]] = {
    "from_first_wave": ("retention_pct", "weighted_retention_pct"),
    "n_weighted": ("weighted_retention_pct",),
}

#: What the weighted retention means, in plain language (report, CLI and dashboard).
WEIGHTED_RETENTION_NOTE = (
    "Weighted retention: of the population the first wave represents (its respondents weighted by their "
    "first-wave survey weight), the percentage still answering at each wave; beside it the unweighted "
    "percentage of the first wave's respondents. People with a zero or missing first-wave weight are not "
    "in the weighted figure and are counted in their own columns; people who joined after the first wave "
    "are in neither.")


def attrition_table(long: pd.DataFrame, waves: tuple[str, ...], *, weighted: bool | None = None) -> pd.DataFrame:
    r"""Per wave: who responded, stayed, joined, came back and left; weighted retention with weights.

    Parameters
    ----------
    long : DataFrame
        One row per person x wave responded, with ``id``, ``wave`` and (for the
        weighted columns) ``weight``, each wave's own survey weight.
    waves : tuple of str
        The loaded waves, in order; the first is the baseline of the retention columns.
    weighted : bool, optional
        Add the weighted columns.  None (default): when ``long`` has a
        ``weight`` column with any value other than 1.0 (a missing weight counts
        as other than 1.0); the loader passes whether the spec's weight was found.

    Returns
    -------
    DataFrame
        One row per wave with :data:`ATTRITION_COLUMNS`: ``respondents``,
        ``retained`` (also in the previous loaded wave), ``new`` (never seen
        before), ``returning`` (seen before but not in the previous wave) and
        ``lost`` (in the previous wave, not in this one); ``respondents =
        retained + new + returning``.  When weighted, followed by
        :data:`WEIGHTED_ATTRITION_COLUMNS`, all about the first wave's
        respondents (people who joined later are not part of it):

        - ``from_first_wave``: of them, how many responded at this wave (not
          necessarily at every wave in between);
        - ``retention_pct``: that as a percentage of the first wave's respondents;
        - ``weighted_retention_pct``: the same weighted by each person's
          **first-wave** weight (the long table's ``weight`` at the first wave,
          not this wave's own weight), i.e. the share of the first wave's
          weighted population still responding (NaN when no first-wave
          respondent has a usable weight);
        - ``n_weighted``: the persons in ``from_first_wave`` with a positive
          first-wave weight, on whom the weighted figure rests;
        - ``zero_weight`` and ``missing_weight``: the rest of ``from_first_wave``,
          whose first-wave weight is zero, or missing (or negative or infinite,
          not a usable sampling weight); they are left out of the numerator and
          the denominator of the weighted figure, so
          ``from_first_wave = n_weighted + zero_weight + missing_weight``.

    Notes
    -----
    With :math:`B` the first wave's respondents, :math:`R_t \subseteq B` those
    responding at wave :math:`t` and :math:`w_i` person :math:`i`'s first-wave
    weight (persons with a zero or missing weight left out),

    .. math::

        \text{weighted\_retention\_pct}_t = 100 \, \frac{\sum_{i \in R_t} w_i}{\sum_{i \in B} w_i}.
    """
    person, _ = pd.factorize(long["id"])
    wave = long["wave"].cat.codes.to_numpy() if isinstance(long["wave"].dtype, pd.CategoricalDtype) \
        else pd.Index(waves).get_indexer(long["wave"])
    n_persons = int(person.max()) + 1 if len(person) else 0
    present = np.zeros((len(waves), n_persons), dtype=bool)
    present[wave, person] = True
    if weighted is None:
        weighted = "weight" in long.columns and not bool((long["weight"] == 1.0).all())
    weights = _first_wave_weights(long, person, wave, n_persons) if weighted else None
    rows = []
    previous = np.zeros(present.shape[1], dtype=bool)
    ever = previous.copy()
    for i, name in enumerate(waves):
        now = present[i]
        row = {"wave": name, "respondents": int(now.sum()),
               "retained": int((now & previous).sum()), "new": int((now & ~ever).sum()),
               "returning": int((now & ~previous & ever).sum()),
               "lost": int((previous & ~now).sum())}
        if weights is not None:
            row.update(_retention(present[0], now, weights))
        rows.append(row)
        previous, ever = now, ever | now
    columns = [*ATTRITION_COLUMNS, *(WEIGHTED_ATTRITION_COLUMNS if weighted else ())]
    return pd.DataFrame(rows, columns=columns)


def _first_wave_weights(long: pd.DataFrame, person: np.ndarray, wave: np.ndarray, n_persons: int) -> np.ndarray:
    """Each person's weight at the first wave (NaN when missing, unusable or not at the first wave)."""
    out = np.full(n_persons, np.nan)
    at_first = wave == 0
    w = pd.to_numeric(long["weight"], errors="coerce").to_numpy(np.float64)[at_first]
    # A negative or infinite weight is not a sampling weight: counted with the missing ones.
    out[person[at_first]] = np.where(np.isfinite(w) & (w >= 0), w, np.nan)
    return out


def _retention(base: np.ndarray, now: np.ndarray, weights: np.ndarray) -> dict:
    """The weighted columns of one wave: first-wave respondents ``base`` still here (``now``)."""
    kept = base & now
    usable = np.isfinite(weights) & (weights > 0)
    total = float(weights[base & usable].sum())
    n_base = int(base.sum())
    return {"from_first_wave": int(kept.sum()),
            "retention_pct": 100.0 * kept.sum() / n_base if n_base else np.nan,
            "weighted_retention_pct": 100.0 * float(weights[kept & usable].sum()) / total if total > 0 else np.nan,
            "n_weighted": int((kept & usable).sum()),
            "zero_weight": int((kept & (weights == 0)).sum()),
            "missing_weight": int((kept & np.isnan(weights)).sum())}
