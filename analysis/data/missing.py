"""From released values to clean numbers, counting every value made missing and why.

For one column in one wave, in this order:

1. values are numeric: text meaning "no value" (``n/a``, ``NA``, ``NULL``, ...:
   :data:`~analysis.data.files.NA_TEXT`) is missing, counted by its spelling
   ("text 'n/a'"); other text is a :class:`~analysis.errors.DataError`;
2. the ``recode`` map is applied to the released values (a value recoded
   to ``null`` is missing: "recoded to missing");
3. values not recoded that are one of the spec's missing codes become
   missing with that code's reason ("-9 missing", "-7 proxy");
4. other SPSS user-missing values ("SPSS user-missing"), Stata ``.a``-``.z``
   ("Stata .a") and empty cells / Stata ``.`` ("system missing") are missing;
5. values outside the ``valid`` range are an error naming the file, wave,
   column, count and examples, or missing ("out of valid range") when the
   spec says ``out_of_range: missing``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from analysis.data.files import NA_TEXT, na_text
from analysis.data.spec_checks import format_number
from analysis.errors import DataError

SYSTEM = "system missing"
SPSS = "SPSS user-missing"
RECODED = "recoded to missing"
OUT_OF_RANGE = "out of valid range"


@dataclass(frozen=True)
class Rules:
    """How to clean one variable (taken from the spec)."""

    codes: Mapping[float, str]
    recode: Mapping[float, float | None] | None
    valid: tuple[float, float] | None
    out_of_range: str
    key: str  # spec key path, for messages


def code_reason(code: float, label: str) -> str:
    """The reason shown for a declared missing code: ``-9 missing``."""
    return f"{format_number(code)} {label}"


def text_reason(text: str) -> str:
    """The reason shown for a cell whose text means "no value": ``text 'n/a'``."""
    return f"text {text.strip()!r}"


def as_numbers(values: np.ndarray, *, where: str) -> np.ndarray:
    """float64 copy of ``values``; "no value" text is NaN, other text cells are an error naming ``where``."""
    if values.dtype != object:
        return values.astype(np.float64, copy=True)
    out = np.full(values.shape[0], np.nan)
    bad = []
    for i, v in enumerate(values):
        if v is None or (isinstance(v, str) and v.strip() in NA_TEXT):
            continue
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            out[i] = float(v)
            continue
        try:
            out[i] = float(str(v).strip()) if str(v).strip() else np.nan
        except ValueError:
            bad.append(v)
    if bad:
        shown = ", ".join(repr(b) for b in list(dict.fromkeys(bad))[:3])
        raise DataError(f"{where}: {len(bad)} values are text ({shown}) where numeric codes are "
                        "expected; recode them in the file or choose the numeric column.")
    return out


def _recode(raw: np.ndarray, recode: Mapping[float, float | None]) -> tuple[np.ndarray, np.ndarray]:
    """(values after recoding, mask of recoded cells); ``None`` targets become NaN."""
    keys = np.fromiter(recode, dtype=np.float64)
    targets = np.array([np.nan if recode[k] is None else recode[k] for k in recode], dtype=np.float64)
    k0, span = keys.min(), keys.max() - keys.min()
    if np.all(keys == np.round(keys)) and span <= 4096:
        # Lookup table on integer codes: slot 0 = below/NaN, span + 2 = above.
        table = np.full(int(span) + 3, np.nan)
        has = np.zeros(int(span) + 3, dtype=bool)
        slots = (keys - k0 + 1).astype(np.intp)
        table[slots], has[slots] = targets, True
        pos = np.fmin(np.fmax(raw - (k0 - 1), 0.0), span + 2)  # fmax maps NaN to 0
        slot = pos.astype(np.intp)
        hit = has[slot] & (slot == pos)
        return np.where(hit, table[slot], raw), hit
    hit = np.zeros(raw.shape[0], dtype=bool)
    out = raw.copy()
    for key, target in zip(keys, targets):
        mask = raw == key
        out[mask] = target
        hit |= mask
    return out, hit


def clean(values: np.ndarray, rules: Rules, *, tags: np.ndarray | None = None,
          user_missing: tuple[tuple[float, float], ...] = (), where: str) -> tuple[np.ndarray, dict[str, int]]:
    """Apply ``rules`` to one column.

    Parameters
    ----------
    values : ndarray
        Released values (float64, NaN for empty cells and Stata missing).
    rules : Rules
    tags : ndarray of int8, optional
        Stata ``.a``-``.z`` markers (1-26) from :func:`~analysis.data.files.read_columns`.
    user_missing : tuple of (lo, hi)
        SPSS user-missing ranges of the column.
    where : str
        File, wave and column, for messages.

    Returns
    -------
    clean : ndarray of float64
    counts : dict
        Reason -> number of values made missing (only reasons that occur).
    """
    raw = as_numbers(values, where=where) if values.dtype != np.float64 else values
    texts = na_text(values) if values.dtype == object else None
    if rules.recode:
        value, recoded = _recode(raw, rules.recode)
    else:
        value, recoded = raw, None
    # Cells that are a value in the valid range are kept; every other cell (usually a few
    # per cent) is classified below, on that subset only.
    if rules.valid is not None:
        lo, hi = rules.valid
        keep = (value >= lo) & (value <= hi)
    else:
        lo = hi = None
        keep = ~np.isnan(value)
    inside_codes = [c for c in rules.codes if lo is None or lo <= c <= hi]
    inside_ranges = [(a, b) for a, b in user_missing if lo is None or (a <= hi and b >= lo)]
    if inside_codes or inside_ranges:  # missing codes that look like valid values
        special = np.isin(raw, inside_codes)
        for a, b in inside_ranges:
            special |= (raw >= a) & (raw <= b)
        if recoded is not None:
            special &= ~recoded
        keep &= ~special
    rows = np.flatnonzero(~keep)
    out = np.where(keep, value, np.nan)
    counts: dict[str, int] = {}
    if rows.size == 0:
        return out, counts

    def count(reason: str, mask: np.ndarray) -> None:
        n = int(np.count_nonzero(mask))
        if n:
            counts[reason] = counts.get(reason, 0) + n

    r = raw[rows]
    left = np.ones(rows.size, dtype=bool)  # cells of the subset not yet explained
    blank = np.isnan(r)
    if tags is not None:
        t = tags[rows]
        for code in np.unique(t[blank & (t > 0)]).tolist():
            count(f"Stata .{chr(96 + code)}", blank & (t == code))
        blank_system = blank & (t == 0)
    else:
        blank_system = blank
    if texts is not None:  # "n/a", "NA", ... counted by spelling, not as empty cells
        said = blank_system & texts[rows]
        if said.any():
            spelled = np.array([text_reason(v) if ok else "" for v, ok in zip(values[rows], said)], dtype=object)
            for reason in dict.fromkeys(spelled[said].tolist()):
                count(reason, said & (spelled == reason))
            blank_system = blank_system & ~said
    count(SYSTEM, blank_system)
    left &= ~blank
    if recoded is not None:
        rec = recoded[rows]
        to_missing = rec & np.isnan(value[rows])
        count(RECODED, to_missing)
        left &= ~to_missing
        not_recoded = ~rec
    else:
        not_recoded = np.ones(rows.size, dtype=bool)
    for code, label in rules.codes.items():
        mask = left & not_recoded & (r == code)
        if mask.any():
            count(code_reason(code, label), mask)
            left &= ~mask
    for a, b in user_missing:
        mask = left & not_recoded & (r >= a) & (r <= b)
        if mask.any():
            count(SPSS, mask)
            left &= ~mask
    if left.any():  # real values outside the valid range
        if rules.out_of_range == "error":
            shown = ", ".join(format_number(v) for v in np.unique(r[left])[:4])
            raise DataError(
                f"{where}: {int(left.sum())} values outside the valid range "
                f"{format_number(lo)} to {format_number(hi)} of {rules.key} (e.g. {shown}); "
                "declare them under missing.codes, recode them, or set out_of_range: missing.")
        count(OUT_OF_RANGE, left)
    return out, counts
