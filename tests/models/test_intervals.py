"""Spacing of the waves of a lag model: wave numbers, and the spec's years between waves (issue 19)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from analysis.data import parse_spec
from analysis.errors import DataError
from analysis.models.intervals import check_intervals, interval_years, wave_years

SPEC = {"cohort": "c", "id": "pid", "files": "{wave}", "waves": ["a", "b", "c", "d", "e"],
        "constructs": {"x": {"items": ["i1"], "valid": [1, 3]}}}


def panel(interval=None, waves=("a", "b", "c", "d", "e")):
    spec = parse_spec({**SPEC, **({} if interval is None else {"interval": interval})})
    return SimpleNamespace(spec=spec, waves=list(waves))


def test_years_between_waves_come_from_the_spec():
    assert wave_years(panel(), ["a", "b"]) is None and interval_years(panel(), ["a", "b"]) is None
    assert wave_years(panel(2), ["a", "b", "d"]) == [2.0, 4.0]
    assert interval_years(panel(2), ["a", "b", "c"]) == 2.0
    assert interval_years(panel(2), ["a", "b", "d"]) is None
    per_wave = panel({"b": 1, "c": 1, "d": 2, "e": 2})
    assert wave_years(per_wave, ["a", "b", "c", "d", "e"]) == [1.0, 1.0, 2.0, 2.0]
    assert interval_years(per_wave, ["c", "d", "e"]) == 2.0


def test_per_wave_years_that_differ_are_refused_with_equal_lags_unless_allowed():
    p = panel({"b": 1, "c": 1, "d": 2, "e": 2})
    with pytest.raises(DataError) as info:
        check_intervals(p, ["a", "b", "c", "d"], lags="invariant")
    message = str(info.value)
    assert "c→d is 2 years" in message and "b→c is 1 year;" in message
    assert "--allow-unequal-intervals" in message and "allow_unequal_intervals: true" in message
    (note,) = check_intervals(p, ["a", "b", "c", "d"], lags="invariant", allow_unequal=True)
    assert "on request" in note and "c→d is 2 years" in note
    (note,) = check_intervals(p, ["a", "b", "c", "d"], lags="free")
    assert "unequal length" in note


def test_equal_years_are_equally_spaced_even_across_a_skipped_wave():
    p = panel({"b": 2, "c": 1, "d": 1, "e": 2})
    assert check_intervals(p, ["c", "d"], lags="invariant") == ()
    (note,) = check_intervals(p, ["a", "b", "d"], lags="invariant")  # 2 years, then 2 years across c
    assert "every interval is 2 years long" in note.lower() and "b→d spans 2 waves" in note


def test_a_constant_interval_keeps_the_wave_number_rules():
    with pytest.raises(DataError, match="b→d spans 2 waves"):
        check_intervals(panel(2), ["a", "b", "d"], lags="invariant")
    assert check_intervals(panel(2), ["a", "b", "c"], lags="invariant") == ()
