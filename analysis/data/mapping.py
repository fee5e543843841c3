"""A data spec from a variable mapping: which columns of the user's own files measure what.

The dashboard asks which questions measure loneliness, mental health and (optionally)
stigma, which column identifies the person, the wave (for one long file) and the age;
:func:`mapping_spec` turns those answers into a data spec, checked as any spec file is.
The result is a plain mapping, ready to be written as YAML and read by
:func:`~analysis.data.load_panel`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from analysis.data.files import read_table
from analysis.data.spec_load import parse_spec
from analysis.errors import DataError, UsageError

#: Constructs a mapping can fill; the first two are needed for a cross-lagged model.
MAPPED_CONSTRUCTS = ("loneliness", "mental_health", "stigma")
REQUIRED_CONSTRUCTS = ("loneliness", "mental_health")
#: Codes most UK surveys use for "don't know", "refused", "not applicable", ...
DEFAULT_MISSING_CODES = "-9, -8, -7, -2, -1"
#: Life stages by age at the first wave analysed.
LIFE_STAGES: Mapping[str, list[float | None]] = {"16-29": [16.0, 29.0], "30-64": [30.0, 64.0], "65+": [65.0, None]}
#: A long file's wave column with more values than this is probably not the wave.
MAX_WAVES = 50
SOURCE = "your variable mapping"


@dataclass(frozen=True)
class MeasureMapping:
    """The questions (columns) measuring one construct, their valid range and how they are scored.

    Parameters
    ----------
    items : sequence of str
        Column names of the questions; empty means not mapped.
    low, high : float
        Lowest and highest valid answer.
    score : {"sum", "mean"}
        Sum or mean of the items.
    """

    items: Sequence[str]
    low: float
    high: float
    score: Literal["sum", "mean"] = "sum"


def missing_codes(text: str) -> dict[float, str]:
    """Parse comma- (or semicolon-) separated missing-value codes: ``"-9, -8"`` -> ``{-9.0: "missing", ...}``.

    Raises
    ------
    DataError
        If a code is not a number.
    """
    try:
        return {float(c): "missing" for c in text.replace(";", ",").split(",") if c.strip()}
    except ValueError:
        raise DataError("Missing-value codes must be numbers separated by commas, e.g. -9, -8, -1.") from None


def wave_name(value: Any) -> tuple[str, int | str]:
    """A wave's name in the spec and the value that marks it in a long file's wave column.

    ``3.0`` -> ``("3", 3)``; ``2.5`` -> ``("2_5", "2.5")``; ``"Wave 1"`` -> ``("Wave_1", "Wave 1")``.
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (int, float)):
        return str(value).replace(".", "_").replace("-", "m"), value if isinstance(value, int) else str(value)
    text = str(value).strip()
    return re.sub(r"\W", "_", text) or "blank", text


def _constructs(measures: Mapping[str, MeasureMapping]) -> dict[str, dict]:
    unknown = [k for k in measures if k not in MAPPED_CONSTRUCTS]
    if unknown:
        raise UsageError(f"measures can be {', '.join(MAPPED_CONSTRUCTS)}, not {', '.join(map(repr, unknown))}.")
    out = {}
    for key in MAPPED_CONSTRUCTS:
        m = measures.get(key)
        if m is None or not m.items:
            if key in REQUIRED_CONSTRUCTS:
                raise DataError(f"Choose the questions that measure {key.replace('_', ' ')}.")
            continue
        out[key] = {"label": f"{key.replace('_', ' ')} ({m.score} of {len(m.items)} items)",
                    "items": list(m.items), "valid": [float(m.low), float(m.high)], "score": m.score,
                    **({"stigma": True} if key == "stigma" else {})}
    return out


def _long_waves(path: Path, wave_column: str) -> list[dict]:
    values = read_table(path, columns=[wave_column])[wave_column].dropna().unique().tolist()
    try:
        values = sorted(values)
    except TypeError:
        values = sorted(values, key=str)
    if len(values) > MAX_WAVES:
        raise DataError(f"The wave column {wave_column!r} has {len(values)} different values; choose the "
                        "column that says which wave a row belongs to.")
    waves = []
    for i, v in enumerate(values):
        name, value = wave_name(v)
        waves.append({"name": name, "number": i + 1, "value": value})
    return waves


def mapping_spec(
    folder: str | Path,
    files: Sequence[str],
    *,
    id_column: str,
    measures: Mapping[str, MeasureMapping],
    wave_column: str | None = None,
    missing: str = DEFAULT_MISSING_CODES,
    out_of_range: Literal["missing", "error"] = "missing",
    age: str | None = None,
) -> dict[str, Any]:
    """A checked data spec for the user's files, from which columns measure what.

    Parameters
    ----------
    folder : str or Path
        The folder holding ``files``.
    files : sequence of str
        File names: one long file (with ``wave_column``) or one file per wave, in wave order.
    id_column : str
        The person identifier.
    measures : mapping of str to MeasureMapping
        ``loneliness`` and ``mental_health`` (needed) and ``stigma`` (optional); a
        stigma measure also gives a ``stigma_group`` grouping (low, medium, high thirds).
    wave_column : str, optional
        The column saying which wave a row belongs to, for one long file; its values,
        sorted, are the waves.
    missing : str
        Answers that mean missing, comma-separated (default :data:`DEFAULT_MISSING_CODES`).
    out_of_range : {"missing", "error"}
        What to do with any other answer outside an item's valid range.
    age : str, optional
        Age column; gives a ``life_stage`` grouping (:data:`LIFE_STAGES`).

    Returns
    -------
    dict
        The spec as plain data, valid for :func:`~analysis.data.parse_spec`.

    Raises
    ------
    DataError
        If a needed measure has no questions, a missing code is not a number, or the
        wave column has too many values.
    UsageError
        If the files and ``wave_column`` do not fit together, or a measure is unknown.
    SpecError
        If the resulting spec is not valid (e.g. a question chosen twice).
    """
    files = list(files)
    if not files:
        raise UsageError("Give at least one data file.")
    if wave_column is not None and len(files) != 1:
        raise UsageError(f"A wave column is for one long file, but {len(files)} files were given; "
                         "leave out the wave column for one file per wave.")
    spec: dict[str, Any] = {
        "cohort": "uploaded", "description": "Your files, mapped in the dashboard.", "id": id_column,
        "missing": {"codes": missing_codes(missing), "out_of_range": out_of_range},
        "constructs": _constructs(measures),
    }
    if wave_column is not None:
        spec.update(layout="long", file=files[0], wave_column=wave_column,
                    waves=_long_waves(Path(folder) / files[0], wave_column))
    else:
        spec.update(layout="waves", waves=[{"name": f"w{i + 1}", "number": i + 1, "file": n}
                                           for i, n in enumerate(files)])
    if age:
        spec["covariates"] = {"age": {"name": age, "valid": [0.0, 120.0], "label": "Age"}}
        spec["groupings"] = {"life_stage": {"of": "age", "bands": {k: list(v) for k, v in LIFE_STAGES.items()}}}
    if "stigma" in spec["constructs"]:
        spec.setdefault("groupings", {})["stigma_group"] = {
            "of": "stigma", "quantiles": [1 / 3, 2 / 3], "labels": ["low", "medium", "high"]}
    parse_spec(spec, source=SOURCE)
    return spec
