"""Run configs consent to unequal intervals per analysis (allow_unequal_intervals), as the CLI flag does."""

from __future__ import annotations

import pytest

from analysis.errors import SpecError
from analysis.runs import sections
from analysis.runs.config import parse_config

DATA = {"spec": "spec.yaml", "path": "data"}


class Captured(Exception):
    pass


def test_the_consent_key_reaches_the_lag_model(monkeypatch):
    cfg = parse_config({"data": DATA, "crosslag": [{"x": "a", "y": "b", "allow_unequal_intervals": True}],
                        "groups": [{"x": "a", "y": "b"}]})
    assert cfg.crosslag[0].allow_unequal_intervals is True and cfg.groups[0].allow_unequal_intervals is False

    def fake(*args, **kwargs):
        raise Captured(kwargs)

    monkeypatch.setattr("analysis.models.crosslag.fit_crosslag", fake)
    ctx = sections.Context(cfg=cfg, panel=None, folder=None, threshold=10)
    with pytest.raises(Captured) as info:
        sections.crosslag(ctx, cfg.crosslag[0])
    assert info.value.args[0]["allow_unequal_intervals"] is True


def test_a_misspelt_consent_key_is_one_sentence():
    with pytest.raises(SpecError, match="did you mean 'allow_unequal_intervals'"):
        parse_config({"data": DATA, "crosslag": [{"x": "a", "y": "b", "allow_unequal_interval": True}]})
