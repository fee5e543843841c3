"""UKHLS-like layout: one ``{w}_indresp`` file per wave, variables prefixed ``{w}_``.

Wave 1 is ``a``, wave 2 ``b`` and so on.  Each file holds the wave's
respondents only (people who dropped out have no row), sorted by ``pidp``:

=========================  ==================================================
``pidp``                   person id (large integers, 68000000+)
``{w}_sex``                1 male, 2 female
``{w}_age_dv``             age at interview
``{w}_ivfio``              1 full interview, 2 proxy interview
``{w}_sclackcom`` …        UCLA-3 loneliness (1 hardly ever/never, 2 some of
``{w}_scisolate``          the time, 3 often)
``{w}_sclonely``           direct loneliness item, same codes
``{w}_scghqa`` … ``l``     GHQ-12 items, 1-4, higher = worse (as released)
``{w}_scghq1_dv``          GHQ Likert 0-36 = sum(item - 1); -9 any item missing; -7 proxy
``{w}_scghq2_dv``          GHQ caseness 0-12 = count of items coded 3 or 4
``{w}_sf12mcs_dv``         SF-12 mental component (mean ~50, SD ~10, lower = worse)
``{w}_synpdd1`` … ``6``    SYNTHETIC perceived stigma, 1-4 agree (2, 4, 6 reversed)
``{w}_syndisc1`` … ``5``   SYNTHETIC experienced discrimination, 0-3
``{w}_strata``             sampling stratum (1..H), constant per person
``{w}_psu``                primary sampling unit (100*stratum + k), constant per person
``{w}_hcond17``            clinical depression ever diagnosed (first interview;
                           waves a, c-i); ``{w}_hcondn17`` newly diagnosed (b-i)
``a_indinus_xw``           wave-1 weight; ``{w}_indinus_lw`` longitudinal weight later
=========================  ==================================================

The design columns are left out when the cohort is simulated without a
design (``design=False``).

Negative codes (labelled, not declared missing): -1 don't know, -2 refusal,
-7 proxy, -8 inapplicable, -9 missing.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from analysis.synth.conditions import HCOND_WAVES, HCONDN_WAVES
from analysis.synth.instruments import ITEMS
from analysis.synth.labels import (SEX_LABELS, VarSpec, WaveTable, build_table, item_spec,
                                   with_negative_codes)

COHORT = "ukhls"
ID = "pidp"
FIRST_ID = 68_000_000
MAX_WAVES = 26  # wave letters a-z


def wave_letter(wave: int) -> str:
    """Letter prefix of a wave (1 -> 'a')."""
    return chr(ord("a") + wave - 1)


def file_name(wave: int, fmt: Literal["dta", "sav"]) -> str:
    return f"{wave_letter(wave)}_indresp.{fmt}"


def weight_name(wave: int) -> str:
    # Wave a has only a cross-sectional weight; later waves a longitudinal one.
    return "a_indinus_xw" if wave == 1 else f"{wave_letter(wave)}_indinus_lw"


def design_names(wave: int) -> tuple[str, str]:
    """Names of the (PSU, strata) columns of wave ``wave``, e.g. ``a_psu``, ``a_strata``."""
    w = wave_letter(wave)
    return f"{w}_psu", f"{w}_strata"


def specs(wave: int, *, design: bool = True) -> list[VarSpec]:
    """Column specifications of wave ``wave`` in file order (design columns if ``design``)."""
    w = wave_letter(wave) + "_"
    neg = with_negative_codes(COHORT)
    out = [
        VarSpec(ID, "id", "cross-wave person identifier (public release)", None, "nominal", "int32"),
        VarSpec(f"{w}sex", "sex", "Sex", with_negative_codes(COHORT, SEX_LABELS), "nominal", "int8"),
        VarSpec(f"{w}age_dv", "age", "Age, derived from dob_dv and intdat_dv", neg, "scale", "int16"),
        VarSpec(f"{w}ivfio", "ivfio", "Individual interview outcome",
                with_negative_codes(COHORT, {1: "full interview", 2: "proxy interview"}),
                "nominal", "int8"),
    ]
    out += [item_spec(item, COHORT, w + item.name) for item in ITEMS[COHORT]]
    out += [
        VarSpec(f"{w}scghq1_dv", "scghq1_dv", "Subjective wellbeing (GHQ): Likert",
                with_negative_codes(COHORT, {0: "least distressed", 36: "most distressed"}),
                "scale", "int8"),
        VarSpec(f"{w}scghq2_dv", "scghq2_dv", "Subjective wellbeing (GHQ): Caseness",
                with_negative_codes(COHORT, {0: "least distressed", 12: "most distressed"}),
                "scale", "int8"),
        VarSpec(f"{w}sf12mcs_dv", "sf12mcs_dv", "SF-12 Mental Component Summary (MCS)",
                neg, "scale", "float64"),
    ]
    yes_no = with_negative_codes(COHORT, {0: "not mentioned", 1: "mentioned"})
    if wave in HCOND_WAVES:
        out.append(VarSpec(f"{w}hcond17", "hcond17", "Health conditions ever diagnosed: clinical depression",
                           yes_no, "nominal", "int8"))
    if wave in HCONDN_WAVES:
        out.append(VarSpec(f"{w}hcondn17", "hcondn17", "Newly diagnosed since last interview: clinical depression",
                           yes_no, "nominal", "int8"))
    if design:
        psu, strata = design_names(wave)
        out += [VarSpec(strata, "strata", "Sample design: stratum", None, "nominal", "int16"),
                VarSpec(psu, "psu", "Sample design: primary sampling unit", None, "nominal", "int16")]
    out += [
        VarSpec(weight_name(wave), "weight",
                "cross-sectional adult main interview weight" if wave == 1
                else "longitudinal adult main interview weight", None, "scale", "float64"),
    ]
    return out


def wave_table(observed: pd.DataFrame, wave: int, fmt: Literal["dta", "sav"], *,
               design: bool = True) -> WaveTable:
    """Released table of one wave from the respondents' observed rows."""
    return build_table(observed, specs(wave, design=design), wave=wave, file_name=file_name(wave, fmt))
