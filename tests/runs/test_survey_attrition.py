"""The report's attrition table: weighted retention beside the unweighted counts (issue 14)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from analysis.data.attrition import ATTRITION_COLUMNS, WEIGHTED_RETENTION_NOTE, attrition_table
from analysis.reporting.html import _attrition, table_html
from analysis.runs.sections import Context, describe

WAVES = ("a", "b", "c")


def fake_panel(*, weighted: bool, last_wave: int = 150) -> SimpleNamespace:
    """200 people at wave a, 150 at b, ``last_wave`` at c; first-wave weights unequal when weighted."""
    rng = np.random.default_rng(7)
    ids = {"a": np.arange(200), "b": np.arange(150), "c": np.arange(last_wave)}
    long = pd.concat([pd.DataFrame({"id": v, "wave": w}) for w, v in ids.items()], ignore_index=True)
    long["wave"] = pd.Categorical(long["wave"], categories=list(WAVES), ordered=True)
    long["wave_index"] = long["wave"].cat.codes
    long["lon"] = rng.normal(2, 1, len(long))
    long["weight"] = rng.uniform(0.3, 3.0, len(long)) if weighted else 1.0
    return SimpleNamespace(long=long, constructs=["lon"], waves=list(WAVES), groupings=[],
                           attrition=attrition_table(long, WAVES), design=SimpleNamespace(weighted=weighted))


def ctx_for(panel, tmp_path) -> Context:
    (tmp_path / "tables").mkdir(exist_ok=True)
    return Context(cfg=None, panel=panel, folder=tmp_path, threshold=10)


def test_weighted_attrition_in_csv_json_and_report(tmp_path):
    data = describe(ctx_for(fake_panel(weighted=True), tmp_path))
    rows = data["attrition"]
    assert [r["from_first_wave"] for r in rows] == [200, 150, 150]
    assert rows[1]["retention_pct"] == 75.0 and rows[1]["weighted_retention_pct"] != 75.0
    csv = pd.read_csv(tmp_path / "tables" / "attrition.csv")
    assert list(csv.columns[:len(ATTRITION_COLUMNS)]) == list(ATTRITION_COLUMNS)
    assert {"retention_pct", "weighted_retention_pct", "n_weighted", "missing_weight"} <= set(csv.columns)
    html = _attrition(rows)
    assert "% of first wave (weighted)" in html and "75.0" in html
    assert "first-wave survey weight" in html and WEIGHTED_RETENTION_NOTE[:40] in html


def test_small_attrition_cells_are_suppressed_with_their_weighted_figure(tmp_path):
    ctx = ctx_for(fake_panel(weighted=True, last_wave=6), tmp_path)
    data = describe(ctx)
    c = data["attrition"][2]
    assert c["respondents"] is None and c["from_first_wave"] is None and c["n_weighted"] is None
    assert c["retention_pct"] is None and c["weighted_retention_pct"] is None and c["suppressed"] is True
    # Wave b's 150 respondents are hidden too, or the person-waves shown (356) less waves a and b would give
    # back wave c's 6; and with nobody joining after wave a, b's persons from the first wave are its
    # respondents, so they go with them (shown, they gave the 6 back: 356 - 200 - 150).
    b = data["attrition"][1]
    assert b["respondents"] is None and b["from_first_wave"] is None and b["weighted_retention_pct"] is None
    assert data["person_waves"] == 356 and data["attrition"][0]["respondents"] == 200
    assert data["attrition"][0]["weighted_retention_pct"] == 100.0  # the first wave's figures stay
    assert "<td>—</td>" in _attrition(data["attrition"])


def test_unweighted_attrition_is_unchanged(tmp_path):
    data = describe(ctx_for(fake_panel(weighted=False), tmp_path))
    assert set(data["attrition"][0]) == {*ATTRITION_COLUMNS, "suppressed"}
    assert _attrition(data["attrition"]) == table_html(data["attrition"])
    assert "first-wave survey weight" not in _attrition(data["attrition"])
