"""ELSA-like layout: one ``wave_{N}_elsa_data`` file per wave, names without a wave prefix.

Each file holds the wave's respondents only, sorted by ``idauniq``.  Waves
are annual here, as in the UKHLS layout (real ELSA waves are two years apart),
so ``indager`` rises by one per wave:

=========================  ==================================================
``idauniq``                person id (6-digit integer)
``indsex``                 1 male, 2 female
``indager``                age at interview, collapsed at 90 (90 = 90 or over)
``scfeela`` … ``scfeelc``  UCLA-3 loneliness (1 hardly ever/never, 2 some of
                           the time, 3 often); self-completion
``psceda`` … ``pscedh``    CES-D 8 items, 1 yes, 2 no; ``pscedd`` (was happy)
                           and ``pscedf`` (enjoyed life) are positively
                           worded and reverse-scored
``synpdd1`` … ``6``        SYNTHETIC perceived stigma, 1-4 agree (2, 4, 6 reversed)
``syndisc1`` … ``5``       SYNTHETIC experienced discrimination, 0-3
``strata``                 sampling stratum (1..H), constant per person
``psu``                    primary sampling unit (100*stratum + k), constant per person
``w1wgt`` / ``w{N}lwgt``   wave-1 weight / longitudinal weight from wave 2
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

import pandas as pd

from analysis.synth.instruments import ITEMS
from analysis.synth.labels import VarSpec, WaveTable, build_table, item_spec, with_negative_codes

COHORT = "elsa"
ID = "idauniq"
FIRST_ID = 100_000
LAST_ID = 999_999
AGE_TOP_CODE = 90
MAX_WAVES = 26


def file_name(wave: int, fmt: Literal["dta", "sav"]) -> str:
    return f"wave_{wave}_elsa_data.{fmt}"


def weight_name(wave: int) -> str:
    return "w1wgt" if wave == 1 else f"w{wave}lwgt"


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
        VarSpec("indager", "age", "Definitive age variable collapsed at 90 plus",
                with_negative_codes(COHORT, {AGE_TOP_CODE: "90 or over"}), "scale", "int16"),
    ]
    out += [item_spec(item, COHORT, item.name) for item in ITEMS[COHORT]]
    if design:
        psu, strata = design_names(wave)
        out += [VarSpec(strata, "strata", "Sample design: stratum", None, "nominal", "int16"),
                VarSpec(psu, "psu", "Sample design: primary sampling unit", None, "nominal", "int16")]
    out.append(VarSpec(weight_name(wave), "weight",
                       "Cross-sectional core weight, wave 1" if wave == 1
                       else f"Longitudinal core weight, waves 1-{wave}", None, "scale", "float64"))
    return out


def wave_table(observed: pd.DataFrame, wave: int, fmt: Literal["dta", "sav"], *,
               design: bool = True) -> WaveTable:
    """Released table of one wave from the respondents' observed rows."""
    return build_table(observed, specs(wave, design=design), wave=wave, file_name=file_name(wave, fmt))
