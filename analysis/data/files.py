"""Reading one data file into a DataFrame: CSV, SPSS (.sav), Stata (.dta), Parquet.

Files are only ever opened for reading.  Problems are reported as
:class:`~analysis.errors.DataError` naming the file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from analysis.errors import DataError

SUPPORTED = (".csv", ".sav", ".zsav", ".dta", ".parquet")


def read_table(path: str | os.PathLike[str], *, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a data file; empty CSV cells and declared missing values become NaN.

    Parameters
    ----------
    path
        ``.csv``, ``.sav``/``.zsav``, ``.dta`` or ``.parquet``.
    columns
        Read only these columns (faster for wide survey files).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DataError(
            f"{path}: unsupported file type {suffix or '(none)'!r}; use one of {', '.join(SUPPORTED)}."
        )
    if not path.exists():
        raise DataError(f"{path}: no such file.")
    if path.is_dir():
        raise DataError(f"{path} is a folder, not a data file.")
    cols = list(columns) if columns is not None else None
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, usecols=cols)
        elif suffix == ".parquet":
            frame = pd.read_parquet(path, columns=cols)
        else:
            import pyreadstat

            reader = pyreadstat.read_sav if suffix in (".sav", ".zsav") else pyreadstat.read_dta
            frame, _ = reader(str(path), usecols=cols, user_missing=False)
    except ValueError as exc:
        if cols is not None:
            raise DataError(f"{path}: {exc}") from None
        raise DataError(f"{path} could not be read as {suffix[1:]}: {exc}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{path} could not be read as CSV: {exc}") from None
    except Exception as exc:  # pyreadstat raises its own types for corrupt files
        if type(exc).__module__.startswith("pyreadstat"):
            raise DataError(f"{path} is not a readable {suffix[1:]} file ({exc}).") from None
        raise
    if cols is not None:
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise DataError(f"{path} has no column {missing[0]!r}.")
    return frame
