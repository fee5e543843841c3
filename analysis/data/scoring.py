r"""Scoring a construct from its cleaned items.

For a person with :math:`m` of the :math:`k` items answered (after reversal
:math:`x \mapsto lo + hi - x` of reverse-worded items), the score is

.. math::
    \text{sum} = \sum_j x_j, \qquad
    \text{prorated sum} = \frac{k}{m} \sum_j x_j, \qquad
    \text{mean} = \frac{1}{m} \sum_j x_j ,

and missing when :math:`m` is below the construct's ``min_items`` (default
:math:`k`).  People not scored are counted: "no items answered" or "fewer
than r of k items answered".
"""

from __future__ import annotations

import numpy as np

from analysis.data.spec import Construct


def reason_too_few(construct: Construct) -> str:
    return f"fewer than {construct.required_items} of {len(construct.items)} items answered"


NO_ITEMS = "no items answered"


def oriented(items: np.ndarray, construct: Construct) -> np.ndarray:
    """A float copy of the cleaned items with the reverse-worded ones reversed (``lo + hi - x``).

    Parameters
    ----------
    items : ndarray, shape (n, k)
        Cleaned item values in the construct's item order (NaN = missing).
    construct : Construct

    Returns
    -------
    ndarray of float64, shape (n, k)
        Every item pointing the same way as the score.
    """
    x = np.array(items, dtype=np.float64, copy=True)
    if construct.reverse:
        lo, hi = construct.valid
        cols = [construct.item_names.index(name) for name in construct.reverse]
        x[:, cols] = lo + hi - x[:, cols]
    return x


def score(items: np.ndarray, construct: Construct) -> tuple[np.ndarray, dict[str, int]]:
    """Score one construct.

    Parameters
    ----------
    items : ndarray, shape (n, k)
        Cleaned item values in the construct's item order (NaN = missing).
    construct : Construct

    Returns
    -------
    scores : ndarray of float64, shape (n,)
    counts : dict
        Reason -> number of people not scored.
    """
    x = oriented(items, construct)
    answered = (~np.isnan(x)).sum(axis=1)
    total = np.nansum(x, axis=1)
    k = x.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        if construct.score == "mean":
            out = total / answered
        elif construct.score == "max":  # e.g. any of several 0/1 items reported
            out = np.where(answered > 0, np.nanmax(np.where(np.isnan(x), -np.inf, x), axis=1), np.nan)
        elif construct.prorate:
            out = total * k / answered
        else:
            out = total
    enough = answered >= construct.required_items
    out = np.where(enough & (answered > 0), out, np.nan)
    counts: dict[str, int] = {}
    none = int((answered == 0).sum())
    few = int(((answered > 0) & ~enough).sum())
    if none:
        counts[NO_ITEMS] = none
    if few:
        counts[reason_too_few(construct)] = few
    return out, counts
