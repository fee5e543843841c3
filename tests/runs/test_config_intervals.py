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


def _moderation_config(tmp_path, **item):
    import yaml
    from pathlib import Path

    spec = Path(__file__).resolve().parents[2] / "data_specs" / "synthetic.yaml"
    cfg = {"title": "Moderation over a gap",
           "data": {"spec": str(spec), "synthetic": {"cohort": "ukhls", "n": 600, "waves": 4, "seed": 3}},
           "moderation": [{"x": "loneliness", "y": "ghq_likert", "moderator": "perceived_stigma",
                           "waves": ["a", "c", "d"], **item}], "seed": 1}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_moderation_over_unequal_intervals_needs_the_consent_key(tmp_path):
    """Waves a, c, d: refused in one sentence naming the gap; with allow_unequal_intervals fitted, with a note."""
    import json

    from analysis.errors import WorkbenchError
    from analysis.runs import run_analysis

    with pytest.raises(WorkbenchError, match=r"a→c"):
        run_analysis(_moderation_config(tmp_path), out=tmp_path / "refused", quiet=True)
    run = run_analysis(_moderation_config(tmp_path, allow_unequal_intervals=True), out=tmp_path / "runs",
                          quiet=True)
    results = json.loads((run.folder / "results.json").read_text())
    (item,) = results["moderation"]
    assert any("a→c" in n or "unequal" in n.lower() for n in item["notes"]), item["notes"]
