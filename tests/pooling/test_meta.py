"""The REML random-effects meta-analysis against metafor::rma (fixtures: tests/reference/metafor/)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analysis.errors import DataError
from analysis.pooling import random_effects

REF = Path(__file__).resolve().parents[1] / "reference" / "metafor"
CASES = sorted(p.stem for p in REF.glob("*.json"))
KEYS = ("estimate", "se", "ci_lower", "ci_upper", "zval", "pvalue", "tau2", "se_tau2", "i2", "h2", "q",
        "q_pvalue", "pi_lower", "pi_upper")


@pytest.mark.parametrize("case", CASES)
def test_random_effects_match_metafor_rma_reml(case):
    fx = json.loads((REF / f"{case}.json").read_text())
    res = random_effects(fx["yi"], fx["sei"])
    assert res.q_df == fx["q_df"]
    for key in KEYS:
        assert getattr(res, key) == pytest.approx(fx[key], abs=1e-8, rel=1e-7), key


def test_a_study_alone_or_a_bad_standard_error_is_one_sentence():
    with pytest.raises(DataError, match="at least two estimates"):
        random_effects([0.1], [0.02])
    with pytest.raises(DataError, match="positive standard error"):
        random_effects([0.1, 0.2], [0.02, 0.0])
    with pytest.raises(DataError, match="positive standard error"):
        random_effects([0.1, np.nan], [0.02, 0.03])


def test_identical_studies_have_no_heterogeneity():
    res = random_effects([0.2, 0.2, 0.2], [0.05, 0.05, 0.05])
    assert res.tau2 == 0 and res.i2 == 0 and res.q == pytest.approx(0)


def test_summary_and_repr_are_short():
    res = random_effects([0.05, 0.20, 0.32, 0.11, -0.02], [0.03, 0.04, 0.05, 0.02, 0.06])
    assert repr(res).startswith("MetaResult(k=5, estimate=") and len(repr(res)) < 100
    text = res.summary()
    assert "Random effects (REML), k = 5" in text and "Q(4) =" in text and len(text.splitlines()) == 3
