"""Variable labels, value labels and the study-specific negative codes.

Both studies release missing-data reasons as negative integers that carry
value labels but are *not* declared missing: an analyst must recode them.
The synthetic stigma scales are marked in every variable label with
``SYNTHETIC – not in UKHLS:`` (or ``ELSA``) so nobody mistakes them for
released study variables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from analysis.synth.instruments import Item
from analysis.synth.params import Cohort

#: Stata's limit on variable labels (characters); checked for every label.
MAX_LABEL_CHARS = 80

STUDY: dict[Cohort, str] = {"ukhls": "UKHLS", "elsa": "ELSA"}

NEGATIVE_CODES: dict[Cohort, dict[int, str]] = {
    "ukhls": {-9: "missing", -8: "inapplicable", -7: "proxy", -2: "refusal", -1: "don't know"},
    "elsa": {-9: "Refused", -8: "Don't know", -3: "Incomplete/missing",
             -2: "Schedule not applicable", -1: "Item not applicable"},
}

SEX_LABELS = {1: "male", 2: "female"}

Measure = Literal["nominal", "ordinal", "scale"]


@dataclass(frozen=True)
class VarSpec:
    """One released column: where it comes from and how it is labelled."""

    name: str
    source: str
    label: str
    value_labels: dict[int, str] | None
    measure: Measure
    dtype: str

    def __post_init__(self) -> None:
        if len(self.label) > MAX_LABEL_CHARS:
            raise ValueError(f"label of {self.name} exceeds {MAX_LABEL_CHARS} characters: {self.label!r}")


@dataclass(frozen=True)
class WaveTable:
    """A wave file's contents with the metadata pyreadstat writes."""

    wave: int
    file_name: str
    frame: pd.DataFrame
    column_labels: dict[str, str]
    value_labels: dict[str, dict[int | float, str]]
    measures: dict[str, Measure]


def with_negative_codes(cohort: Cohort, labels: dict[int, str] | None = None) -> dict[int, str]:
    """The cohort's negative-code labels followed by ``labels``."""
    return {**NEGATIVE_CODES[cohort], **(labels or {})}


def item_label(item: Item, cohort: Cohort) -> str:
    """Variable label of an item; synthetic items carry the SYNTHETIC marker."""
    if item.synthetic:
        return f"SYNTHETIC – not in {STUDY[cohort]}: {item.text}"
    return item.text


def item_value_labels(item: Item, cohort: Cohort) -> dict[int, str]:
    """Value labels of an item: negative codes plus its substantive codes."""
    return with_negative_codes(cohort, dict(zip(item.codes, item.code_labels)))


def item_spec(item: Item, cohort: Cohort, name: str) -> VarSpec:
    return VarSpec(name=name, source=item.name, label=item_label(item, cohort),
                   value_labels=item_value_labels(item, cohort), measure="ordinal", dtype="int8")


def build_table(observed: pd.DataFrame, specs: list[VarSpec], *, wave: int, file_name: str) -> WaveTable:
    """Select, rename and type the columns of one wave as released.

    Parameters
    ----------
    observed : DataFrame
        Rows of the respondents at this wave, columns named as ``VarSpec.source``.
    specs : list of VarSpec
    wave : int
    file_name : str

    Returns
    -------
    WaveTable
    """
    frame = pd.DataFrame({s.name: observed[s.source].to_numpy().astype(s.dtype) for s in specs})
    value_labels: dict[str, dict[int | float, str]] = {}
    for s in specs:
        if s.value_labels is None:
            continue
        # pyreadstat wants label keys of the column's own type.
        cast = float if s.dtype.startswith("float") else int
        value_labels[s.name] = {cast(k): v for k, v in s.value_labels.items()}
    return WaveTable(wave=wave, file_name=file_name, frame=frame,
                     column_labels={s.name: s.label for s in specs},
                     value_labels=value_labels, measures={s.name: s.measure for s in specs})


def describe(specs: list[VarSpec]) -> dict[str, dict[str, object]]:
    """JSON-ready description of variables (label and value codes) for truth.json."""
    return {s.name: {"label": s.label, "measure": s.measure,
                     "values": {str(k): v for k, v in (s.value_labels or {}).items()}}
            for s in specs}
