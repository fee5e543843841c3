"""The built-in continuous-time studies and uploaded results, as the dashboard's pooling page uses them."""

from __future__ import annotations

import json

import pytest
from pooling_support import crosslag_result

from analysis.errors import DataError
from analysis.pooling import pool_cohorts
from analysis.pooling.builtin import BUILTIN, builtin_study, study_from_json
from analysis.synth.continuous import DRIFT, lags


def test_the_built_in_studies_pool_to_the_truth():
    studies = [builtin_study(name, n=4000) for name in BUILTIN]
    assert [s.interval_years for s in studies] == [1.0, 2.0] and [s.name for s in studies] == list(BUILTIN)
    res = pool_cohorts(studies)
    truth = lags(DRIFT, 1.0)
    for path, cell in (("x_to_y", (1, 0)), ("y_to_x", (0, 1))):
        assert abs(res.pooled[path].estimate - truth[cell]) < 3 * res.pooled[path].se


def test_an_uploaded_result_is_read_or_refused_in_a_sentence():
    study = study_from_json(json.dumps(crosslag_result(2, cohort="mine")).encode(), source="mine.json")
    assert study.name == "mine" and study.interval_years == 2
    with pytest.raises(DataError, match="mine.json is not valid JSON"):
        study_from_json(b"{oops", source="mine.json")
    with pytest.raises(DataError, match="mine.json is not a text file"):
        study_from_json(b"\xff\xfe\x00", source="mine.json")
    with pytest.raises(DataError, match="mine.json is not a cross-lag result"):
        study_from_json(b"{}", source="mine.json")
    with pytest.raises(DataError, match="not a built-in study"):
        builtin_study("HRS-like")
