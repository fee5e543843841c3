"""Reading data files: CSV, SPSS (.sav), Stata (.dta), Parquet.

:func:`read_table` reads a whole file into a DataFrame (declared missing
values become NaN).  :func:`inspect_file` and :func:`read_columns` serve the
survey panel: header first, then only the columns a spec needs, keeping
which cells were SPSS user-missing or Stata ``.a``-``.z``.

Files are only ever opened for reading.  Problems are reported as
:class:`~analysis.errors.DataError` naming the file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import DataError

SUPPORTED = (".csv", ".sav", ".zsav", ".dta", ".parquet")


#: Text that spreadsheets and statistics packages write for "no value" (pandas' list).  CSV
#: files are read with these kept as text, so that the cells are counted as missing by their
#: spelling instead of disappearing into NaN without a word.
NA_TEXT = frozenset({"#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                     "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})


def na_text(values: np.ndarray) -> np.ndarray:
    """Mask of the cells of an object array that hold one of :data:`NA_TEXT` (spaces around ignored)."""
    return np.array([isinstance(v, str) and v.strip() in NA_TEXT for v in values], dtype=bool)


def read_table(path: str | os.PathLike[str], *, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a data file; empty CSV cells and declared missing values become NaN.

    CSV cells holding text for "no value" (``n/a``, ``NA``, ``NULL``, ... :data:`NA_TEXT`)
    become NaN too, and are counted: ``frame.attrs["na_text"]`` maps column -> {text: cells}
    and :func:`na_text_note` says it in a sentence.

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
            frame = _numbers_from_text(pd.read_csv(path, usecols=cols, keep_default_na=False, na_values=[""]))
        elif suffix == ".parquet":
            frame = pd.read_parquet(path, columns=cols)
        else:
            import pyreadstat

            if suffix == ".dta":
                from analysis.data import stata

                stata.read_layout(path)  # a corrupt header is one sentence, before any allocation
            reader = pyreadstat.read_sav if suffix in (".sav", ".zsav") else pyreadstat.read_dta
            frame, _ = reader(str(path), usecols=cols, user_missing=False)
    except DataError:
        raise
    except ValueError as exc:
        if cols is not None:
            raise DataError(f"{path}: {exc}") from None
        raise DataError(f"{path} could not be read as {suffix[1:]}: {exc}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{path} could not be read as CSV: {exc}") from None
    except (IndexError, OverflowError) as exc:  # a damaged file read by pyreadstat/pyarrow
        raise _unreadable(path, suffix[1:], exc) from None
    except Exception as exc:  # pyreadstat raises its own types for corrupt files
        if type(exc).__module__.split(".")[0] in ("pyreadstat", "pyarrow"):
            raise DataError(f"{path} is not a readable {suffix[1:]} file ({exc}).") from None
        raise
    if cols is not None:
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise DataError(f"{path} has no column {missing[0]!r}.")
    return frame


def _numbers_from_text(frame: pd.DataFrame) -> pd.DataFrame:
    """CSV columns read as text: :data:`NA_TEXT` cells to NaN (counted), then numbers where all are."""
    counts: dict[str, dict[str, int]] = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_numeric_dtype(s.dtype):
            continue
        cells = s.to_numpy(dtype=object)
        mask = na_text(cells)
        if mask.any():
            tokens = pd.Series(cells[mask]).map(lambda v: v.strip()).value_counts(sort=False)
            counts[str(col)] = {str(k): int(v) for k, v in tokens.items()}
            s = s.where(~mask, None)
        numbers = pd.to_numeric(s, errors="coerce")
        if numbers.notna().sum() == s.notna().sum():  # every cell left is a number
            s = numbers
        frame[col] = s
    frame.attrs["na_text"] = counts
    return frame


def na_text_note(frame: pd.DataFrame, source: str | os.PathLike[str]) -> str | None:
    """A sentence on the cells :func:`read_table` read as missing because of their text, or None."""
    counts = frame.attrs.get("na_text") or {}
    if not counts:
        return None
    total = sum(n for per in counts.values() for n in per.values())
    parts = [f"{col}: {', '.join(f'{n} {t!r}' for t, n in per.items())}" for col, per in counts.items()]
    return (f"{total} cells of {Path(source).name} hold text meaning 'no value' and are treated as missing "
            f"({'; '.join(parts)}).")


# -- selected columns with their missing-value markers and labels -------------

@dataclass(frozen=True)
class FileInfo:
    """What a data file holds, read from its header only.

    Attributes
    ----------
    path : Path
    format : {"dta", "sav", "csv", "parquet"}
    columns : tuple of str
        Column names in file order.
    n_rows : int or None
        Rows, when the header says (None for CSV).
    column_labels : dict
        Column -> variable label (SPSS/Stata only).
    value_labels : dict
        Column -> {code: label} (SPSS/Stata only).
    """

    path: Path
    format: str
    columns: tuple[str, ...]
    n_rows: int | None
    column_labels: Mapping[str, str]
    value_labels: Mapping[str, dict[float, str]]
    text_columns: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ColumnData:
    """Selected columns of one file, as released.

    ``values`` are float64 (text columns: object arrays); system-missing
    cells and Stata's ``.``, ``.a``-``.z`` are NaN.  ``tags`` marks Stata
    ``.a``-``.z`` (1-26) for columns that have any; ``user_missing`` lists
    each SPSS column's declared missing ranges ``(lo, hi)`` (values kept).
    """

    path: Path
    n_rows: int
    values: dict[str, np.ndarray]
    tags: dict[str, np.ndarray]
    user_missing: dict[str, tuple[tuple[float, float], ...]]


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DataError(
            f"{path}: unsupported file type {suffix or '(none)'!r}; use one of {', '.join(SUPPORTED)}."
        )
    return {".zsav": "sav"}.get(suffix, suffix[1:])


def _unreadable(path: Path, fmt: str, exc: BaseException) -> DataError:
    detail = str(exc).strip().rstrip(".") or type(exc).__name__
    return DataError(f"{path} is not a readable {fmt} file ({detail}).")


def inspect_file(path: str | os.PathLike[str]) -> FileInfo:
    """Read a data file's header: column names, row count and labels.

    Raises
    ------
    DataError
        If the file is missing, of an unsupported type or unreadable.
    """
    path = Path(path)
    fmt = _format_of(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file." if not path.exists() else f"{path} is not a file.")
    try:
        if fmt == "dta":
            from analysis.data import stata

            layout = stata.read_layout(path)
            if layout is not None:  # Stata 13+: read the header directly (fast for wide files)
                labels, value_labels = stata.read_labels(layout)
                return FileInfo(path, fmt, layout.names, layout.n_rows, labels, value_labels,
                                layout.text_columns)
        if fmt in ("dta", "sav"):
            import pyreadstat

            reader = pyreadstat.read_dta if fmt == "dta" else pyreadstat.read_sav
            _, meta = reader(str(path), metadataonly=True)
            labels = {c: l for c, l in meta.column_names_to_labels.items() if l}
            value_labels = {c: {float(k): str(v) for k, v in vl.items()
                                if isinstance(k, (int, float))}
                            for c, vl in meta.variable_value_labels.items()}
            text = frozenset(c for c, t in meta.readstat_variable_types.items() if t == "string")
            return FileInfo(path, fmt, tuple(meta.column_names), int(meta.number_rows or 0),
                            labels, value_labels, text)
        if fmt == "csv":
            header = pd.read_csv(path, nrows=0)
            return FileInfo(path, fmt, tuple(map(str, header.columns)), None, {}, {})
        import pyarrow.parquet as pq

        schema = pq.read_schema(path)
        rows = pq.ParquetFile(path).metadata.num_rows
        return FileInfo(path, fmt, tuple(schema.names), int(rows), {}, {})
    except DataError:
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError, IndexError,
            OverflowError) as exc:
        raise _unreadable(path, fmt, exc) from None
    except Exception as exc:  # pyreadstat/pyarrow raise their own types for corrupt files
        if type(exc).__module__.split(".")[0] in ("pyreadstat", "pyarrow"):
            raise _unreadable(path, fmt, exc) from None
        raise


def read_columns(info: FileInfo, columns: Sequence[str]) -> ColumnData:
    """Read ``columns`` (all present in ``info.columns``) keeping missing-value markers.

    Stata 13+ files take a fast path (:mod:`analysis.data.stata`) that cuts
    the columns out of the fixed-width rows; everything else goes through
    pyreadstat (SPSS, older Stata), pandas (CSV) or pyarrow (Parquet).
    """
    path, cols = info.path, list(dict.fromkeys(columns))
    try:
        if info.format == "dta":
            return _read_dta(info, cols)
        if info.format == "sav":
            import pyreadstat

            frame, meta = pyreadstat.read_sav(str(path), usecols=cols, user_missing=True)
            ranges = {c: tuple((float(r["lo"]), float(r["hi"])) for r in rs
                               if isinstance(r["lo"], (int, float)) and isinstance(r["hi"], (int, float)))
                      for c, rs in meta.missing_ranges.items() if c in cols}
            return ColumnData(path, len(frame), _arrays(frame, cols), {},
                              {c: r for c, r in ranges.items() if r})
        if info.format == "csv":
            # Text such as "n/a" stays text: the cleaning counts it as missing by its spelling.
            frame = pd.read_csv(path, usecols=cols, keep_default_na=False, na_values=[""])
        else:
            frame = pd.read_parquet(path, columns=cols)
        return ColumnData(path, len(frame), _arrays(frame, cols), {}, {})
    except DataError:
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError, IndexError,
            OverflowError) as exc:
        raise _unreadable(path, info.format, exc) from None
    except Exception as exc:
        if type(exc).__module__.split(".")[0] in ("pyreadstat", "pyarrow"):
            raise _unreadable(path, info.format, exc) from None
        raise


def _arrays(frame: pd.DataFrame, cols: list[str]) -> dict[str, np.ndarray]:
    """float64 arrays for numeric columns, object arrays (None for missing) for text."""
    out: dict[str, np.ndarray] = {}
    for c in cols:
        s = frame[c]
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            out[c] = s.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            out[c] = s.astype(object).where(s.notna(), None).to_numpy(dtype=object)
    return out


def _read_dta(info: FileInfo, cols: list[str]) -> ColumnData:
    from analysis.data import stata

    layout = stata.read_layout(info.path)
    numeric = [c for c in cols if c not in info.text_columns]
    fast = stata.read_numeric(layout, numeric) if layout is not None and numeric else None
    if fast is not None and len(numeric) == len(cols):
        values, tags = fast
        return ColumnData(info.path, layout.n_rows, values, tags, {})
    import pyreadstat

    frame, _ = pyreadstat.read_dta(str(info.path), usecols=cols, user_missing=True)
    values, tags = {}, {}
    for c in cols:
        if c in info.text_columns:
            values[c] = _arrays(frame, [c])[c]
            continue
        s = frame[c]
        if s.dtype != object:
            values[c] = s.to_numpy(dtype=np.float64, na_value=np.nan)
            continue
        # .a-.z come back as the letters
        cells = s.to_numpy(dtype=object)
        code = np.zeros(cells.shape[0], dtype=np.int8)
        out = np.full(cells.shape[0], np.nan)
        for i, v in enumerate(cells):
            if isinstance(v, str):
                if len(v) == 1 and "a" <= v <= "z":
                    code[i] = ord(v) - 96
            elif v is not None and not (isinstance(v, float) and np.isnan(v)):
                out[i] = float(v)
        values[c] = out
        if code.any():
            tags[c] = code
    return ColumnData(info.path, len(frame), values, tags, {})
