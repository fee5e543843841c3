"""One wave's rows: clean every column the spec needs and score the constructs.

Used by :mod:`.loader` for each wave of each layout.  Values made missing are
recorded as ``(wave, column, measure, reason, count)``; duplicate or missing
person ids are a :class:`~analysis.errors.DataError` naming the file, wave and
column.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.data import layouts
from analysis.data.files import NA_TEXT, ColumnData, FileInfo
from analysis.data.missing import Rules, clean
from analysis.data.scoring import oriented, score
from analysis.data.spec import Spec, Wave
from analysis.errors import DataError


@dataclass
class WaveRows:
    """One wave's respondents, cleaned and scored."""

    wave: Wave
    frame: pd.DataFrame
    scored: list[str]
    weight: str | None
    missing: list[tuple] = field(default_factory=list)
    design_columns: dict[str, str | None] = field(default_factory=dict)


def item_column(construct: str, k: int) -> str:
    """Name of a construct's ``k``-th item (1-based) in a panel loaded with ``items``: ``{construct}_i{k}``."""
    return f"{construct}_i{k}"


def build(spec: Spec, plan: layouts.WavePlan, data: ColumnData, rows: np.ndarray, id_col: str, *,
          items: Collection[str] = ()) -> WaveRows:
    """Clean and score the rows ``rows`` of ``data`` as wave ``plan.wave``.

    Parameters
    ----------
    spec : Spec
    plan : WavePlan
        The columns of each construct, covariate, the weight and the design in this wave.
    data : ColumnData
        The columns read from the wave's file (or the one long/wide file).
    rows : ndarray of int
        The rows of ``data`` that belong to this wave.
    id_col : str
    items : collection of str
        Constructs whose cleaned items are kept as well, as columns
        :func:`item_column` (reverse-worded items reversed, as in the score).

    Returns
    -------
    WaveRows
        ``frame`` has ``id``, the constructs scored, their kept items, covariates,
        ``weight`` (1.0 when the spec has no weight, NaN when this wave has
        no weight column) and the design columns the spec declares (``psu``,
        ``strata``; NaN when this wave has none).
    """
    wave, info = plan.wave, plan.info
    ids = _ids(data.values[id_col][rows], info, wave, id_col)
    frame = {"id": ids}
    chunk = WaveRows(wave=wave, frame=pd.DataFrame(), scored=[], weight=plan.weight,
                     design_columns=dict(plan.design))
    default_oor = spec.missing.out_of_range

    def cleaned(col: str, rules: Rules, measure: str) -> np.ndarray:
        tags = data.tags.get(col)
        values, counts = clean(data.values[col][rows], rules,
                               tags=None if tags is None else tags[rows],
                               user_missing=data.user_missing.get(col, ()),
                               where=f"{layouts.where(info, wave)}, column {col!r}")
        chunk.missing.extend((wave.name, col, measure, reason, n) for reason, n in counts.items())
        return values

    for name, columns in plan.constructs.items():
        c = spec.constructs[name]
        values = np.column_stack([
            cleaned(col, Rules(spec.missing.codes, item.recode if item.recode is not None else c.recode,
                               c.valid, c.out_of_range or default_oor,
                               f"constructs.{name}.items[{i}]"), name)
            for i, (item, col) in enumerate(zip(c.items, columns))])
        frame[name], counts = score(values, c)
        if name in items:
            for k, column in enumerate(oriented(values, c).T, start=1):
                frame[item_column(name, k)] = column
        chunk.missing.extend((wave.name, name, name, reason, n) for reason, n in counts.items())
        chunk.scored.append(name)
    for name, col in plan.covariates.items():
        cov = spec.covariates[name]
        frame[name] = cleaned(col, Rules(spec.missing.codes, cov.recode, cov.valid,
                                         cov.out_of_range or default_oor, f"covariates.{name}"), name)
    if plan.weight is not None:
        w = spec.weight
        frame["weight"] = cleaned(plan.weight, Rules(spec.missing.codes, w.recode, None, "error",
                                                     "weight"), "weight")
    else:
        frame["weight"] = np.full(rows.shape[0], np.nan if spec.weight is not None else 1.0)
    for role in spec.design_roles:
        col = plan.design.get(role)
        if col is None:
            frame[role] = np.full(rows.shape[0], np.nan)
            continue
        var = getattr(spec.design, role)
        frame[role] = cleaned(col, Rules(spec.missing.codes, var.recode, None, "error",
                                         f"design.{role}"), role)
    chunk.frame = pd.DataFrame(frame)
    dup = chunk.frame["id"].duplicated(keep=False)
    if dup.any():
        shown = ", ".join(map(str, pd.unique(chunk.frame.loc[dup, "id"])[:3]))
        raise DataError(f"{layouts.where(info, wave)}: {int(dup.sum())} rows share a person id in "
                        f"column {id_col!r} (e.g. {shown}); each person may appear once per wave.")
    return chunk


def _ids(values: np.ndarray, info: FileInfo, wave: Wave, id_col: str) -> np.ndarray:
    where = f"{layouts.where(info, wave)}, column {id_col!r}"
    if values.dtype == object:
        blank = np.array([v is None or str(v).strip() in ("", *NA_TEXT) for v in values], dtype=bool)
        if blank.any():
            raise DataError(f"{where}: {int(blank.sum())} rows have no person id; every row needs one.")
        if all(isinstance(v, (int, float, np.integer, np.floating)) for v in values):
            values = values.astype(np.float64)
        else:
            return np.array([str(v).strip() for v in values], dtype=object)
    if np.isnan(values).any():
        raise DataError(f"{where}: {int(np.isnan(values).sum())} rows have no person id; every "
                        "row needs one.")
    if np.all(np.mod(values, 1) == 0) and (values.size == 0 or np.abs(values).max() < 2**53):
        return values.astype(np.int64)
    raise DataError(f"{where}: person ids must be whole numbers or text (e.g. {values[np.mod(values, 1) != 0][0]!r}).")
