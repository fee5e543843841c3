"""ELSA-like layout: one ``wave_{N}_elsa_data`` file per wave, names without a wave prefix.

Each file holds the wave's respondents only, sorted by ``idauniq``.  Waves
are annual here, as in the UKHLS layout (real ELSA waves are two years apart),
so ``indager`` rises by one per wave:

=========================  ==================================================
``idauniq``                person id (6-digit integer)
``indsex``                 1 male, 2 female
``indager``                age at interview; -7 = aged 90 or over (collapsed, as released)
``scfeela`` … ``scfeelc``  UCLA-3 loneliness (1 hardly ever/never, 2 some of
                           the time, 3 often); self-completion
``psceda`` … ``pscedh``    CES-D 8 items, 1 yes, 2 no; ``pscedd`` (was happy)
                           and ``pscedf`` (enjoyed life) are positively
                           worded and reverse-scored
``hepsyan`` … ``hepsyha``  types of psychiatric problem (waves 3-9): anxiety, depression,
                           schizophrenia, psychosis, hallucinations; 1 mentioned, 0 not,
                           -1 no problem reported
``scdtdre`` … ``scdtddr``  everyday discrimination (wave 5), 1 almost every day ... 6 never
``synpdd1`` … ``6``        SYNTHETIC perceived stigma, 1-4 agree (2, 4, 6 reversed)
``syndisc1`` … ``5``       SYNTHETIC experienced discrimination, 0-3
``strata``                 sampling stratum (1..H), constant per person
``psu``                    primary sampling unit (100*stratum + k), constant per person
``w1wgt``, ``w2wgt``       weights of waves 1 and 2; ``w{N}lwgt`` longitudinal weight from wave 3
=========================  ==================================================

The design columns follow the layout's unprefixed naming (only the weights
carry the wave number, as in ELSA) and are left out when the cohort is
simulated without a design (``design=False``).

Negative codes (labelled, not declared missing): -1 item not applicable
(CES-D for proxy interviews), -2 schedule not applicable (self-completion
not returned, or proxy), -3 incomplete/missing, -8 don't know, -9 refused.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from analysis.synth.conditions import DISCRIMINATION_ITEMS, DISCRIMINATION_WAVE, HEPSY_WAVES
from analysis.synth.instruments import ITEMS
from analysis.synth.labels import VarSpec, WaveTable, build_table, item_spec, with_negative_codes

COHORT = "elsa"
ID = "idauniq"
FIRST_ID = 100_000
LAST_ID = 999_999
AGE_TOP_CODE = 90
#: How the release codes people aged 90 or over (waves 5-11 of the real study; 99 in waves 2-4).
AGE_CODE_90_PLUS = -7
DISCRIMINATION_CODES = ("Almost every day", "At least once a week", "A few times a month", "A few times a year",
                        "Less than once a year", "Never")
DISCRIMINATION_TEXT = ("treated with less courtesy or respect", "poorer service in restaurants or stores",
                       "people act as if you are not clever", "threatened or harassed",
                       "poorer service from doctors or hospitals")
MAX_WAVES = 26


def file_name(wave: int, fmt: Literal["dta", "sav"]) -> str:
    return f"wave_{wave}_elsa_data.{fmt}"


def weight_name(wave: int) -> str:
    # As released: w1wgt and w2wgt in waves 1-2 (ELSA has no wave-2 longitudinal weight), then w{N}lwgt.
    return f"w{wave}wgt" if wave <= 2 else f"w{wave}lwgt"


def design_names(wave: int) -> tuple[str, str]:
    """Names of the (PSU, strata) columns: ``psu`` and ``strata`` in every wave file."""
    return "psu", "strata"


def specs(wave: int, *, design: bool = True) -> list[VarSpec]:
    """Column specifications of wave ``wave`` in file order (design columns if ``design``)."""
    out = [
        VarSpec(ID, "id", "Unique identifier", None, "nominal", "int32"),
        VarSpec("indsex", "sex", "Definitive sex variable: priority disex, dhsex",
                with_negative_codes(COHORT, {1: "Male", 2: "Female"}),
                "nominal", "int8"),
        VarSpec("indager", "age", "Definitive age variable collapsed at 90+ to avoid disclosure",
                with_negative_codes(COHORT, {AGE_CODE_90_PLUS: "Collapsed at 90 or over"}), "scale", "int16"),
    ]
    out += [item_spec(item, COHORT, item.name) for item in ITEMS[COHORT]]
    if wave in HEPSY_WAVES:
        mention = with_negative_codes(COHORT, {0: "Not mentioned", 1: "Mentioned"})
        for name, what in (("hepsyan", "anxiety"), ("hepsyde", "depression"), ("hepsysc", "schizophrenia"),
                           ("hepsyps", "psychosis"), ("hepsyha", "hallucinations")):
            out.append(VarSpec(name, name, f"Type of emotional, nervous or psychiatric problem: {what}",
                               mention, "nominal", "int8"))
    if wave == DISCRIMINATION_WAVE:
        freq = with_negative_codes(COHORT, dict(zip(range(1, 7), DISCRIMINATION_CODES)))
        for name, what in zip(DISCRIMINATION_ITEMS, DISCRIMINATION_TEXT):
            out.append(VarSpec(name, name, f"Day to day discrimination: {what}", freq, "ordinal", "int8"))
    if design:
        psu, strata = design_names(wave)
        out += [VarSpec(strata, "strata", "Sample design: stratum", None, "nominal", "int16"),
                VarSpec(psu, "psu", "Sample design: primary sampling unit", None, "nominal", "int16")]
    out.append(VarSpec(weight_name(wave), "weight",
                       f"Core weight, wave {wave}" if wave <= 2
                       else f"Longitudinal core weight, waves 1-{wave}", None, "scale", "float64"))
    return out


def wave_table(observed: pd.DataFrame, wave: int, fmt: Literal["dta", "sav"], *,
               design: bool = True) -> WaveTable:
    """Released table of one wave from the respondents' observed rows (ages 90+ coded -7, as released)."""
    released = observed.assign(age=np.where(observed["age"] >= AGE_TOP_CODE, AGE_CODE_90_PLUS, observed["age"]))
    return build_table(released, specs(wave, design=design), wave=wave, file_name=file_name(wave, fmt))
