"""Tables for people and for analysts: one cell format for reading, full precision for downloading.

People see numbers by :func:`analysis.interpret.readable` (two significant digits,
never exponent notation), p-values as "less than 0.001", fit indices to three
decimals, plain headings (:func:`analysis.naming.column_label`) and coded values
in words.  Analysts download the same table at full precision (CSV).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.interpret import p_text, plain_numbers, readable
from analysis.naming import column_label, value_words

__all__ = ["INDEX_COLUMNS", "P_COLUMNS", "WORD_COLUMNS", "cell", "for_people"]

#: Columns shown as p-values ("less than 0.001") and as fit indices (three decimals, compared with .95 or .06).
P_COLUMNS = frozenset({"pvalue", "pvalue_holm", "pvalue_scaled", "p_value", "p"})
INDEX_COLUMNS = frozenset({"cfi", "tli", "rmsea", "srmr", "rmsea_ci_lower", "rmsea_ci_upper", "cfi_robust",
                           "rmsea_robust"})
#: Columns whose values are names in the data (paths, models, measures), shown in words.
WORD_COLUMNS = frozenset({"path", "grouping", "model", "lags", "refutation", "verdict", "effect", "test", "from",
                          "to", "construct", "variable"})


def cell(v: Any, column: str = "", *, x: str | None = None, y: str | None = None) -> str:
    """One table cell for people (plain text; escape it for HTML).

    Parameters
    ----------
    v : Any
        The value (JSON-safe: number, string, bool or None).
    column : str
        Its column name, which decides the format (p-value, fit index, coded name).
    x, y : str, optional
        The two measures, to write ``x_to_y`` as "loneliness → later GHQ-12 distress".

    Returns
    -------
    str
    """
    if column in P_COLUMNS and isinstance(v, (int, float)) and not isinstance(v, bool):
        return p_text(v)
    if column in INDEX_COLUMNS and isinstance(v, float):
        return "0" if round(v, 3) == 0 else f"{v:.3f}" if v == v else "—"
    if isinstance(v, str):
        return plain_numbers(value_words(v, x=x, y=y) if column in WORD_COLUMNS else v)
    if v is None or isinstance(v, (bool, int, float)):
        return readable(v)
    if hasattr(v, "item"):  # numpy scalars
        return cell(v.item(), column, x=x, y=y)
    return str(v)


def for_people(frame: pd.DataFrame, *, x: str | None = None, y: str | None = None,
               labels: dict[str, str] | None = None) -> pd.DataFrame:
    """A copy of ``frame`` to show to people: every cell as text by :func:`cell`, headings in words.

    Parameters
    ----------
    frame : DataFrame
        The analysts' table (full precision, data names).
    x, y : str, optional
        The two measures, for the direction names.
    labels : dict, optional
        Headings to use instead of :func:`analysis.naming.column_label`.

    Returns
    -------
    DataFrame
        Same rows; string cells; columns renamed.
    """
    labels = labels or {}
    out = pd.DataFrame({c: [cell(None if _missing(v) else v, c, x=x, y=y) for v in frame[c]] for c in frame.columns})
    return out.rename(columns={c: labels.get(c, column_label(c)) for c in frame.columns})


def _missing(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False
