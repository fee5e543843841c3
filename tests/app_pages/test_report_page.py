"""The Report page: a reproducible run of what is on screen, offered as HTML, CSV, results and manifest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from app_support import joined


@pytest.fixture
def runs(monkeypatch, tmp_path):
    """Copies of the run folders the page makes (the page itself keeps them only in memory)."""
    import analysis.runs as runs_pkg

    original = runs_pkg.run_analysis
    made: list[Path] = []

    def recording(*args, **kwargs):
        result = original(*args, **kwargs)
        made.append(Path(shutil.copytree(result.folder, tmp_path / result.folder.name)))
        return result

    monkeypatch.setattr(runs_pkg, "run_analysis", recording)
    return made


def test_report_of_the_models_on_screen(app, runs):
    at = app("crosslag")
    at.button[0].click().run()
    at.switch_page("app_pages/groups.py").run()
    at.button[0].click().run()
    at.switch_page("app_pages/report.py").run()
    assert not at.exception
    plan = joined(at, "markdown")
    assert "RI-CLPM of loneliness and GHQ-12 distress" in plan and "comparison of life stage" in plan
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert "Report ready" in joined(at, "success")
    assert [d.proto.label for d in at.get("download_button")] == [
        "Report (HTML)", "Tables (CSV, zip)", "Results (JSON)", "Manifest (JSON)"]

    (folder,) = runs
    results = json.loads((folder / "results.json").read_text())
    assert results["crosslag"][0]["model"] == "riclpm" and results["crosslag"][0]["x"] == "loneliness"
    assert list(results["groups"][0]["interpretations"]) == ["life_stage"]
    assert results["disclosure"]["threshold"] == 10
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["config"]["crosslag"][0]["sensitivity"] is False
    assert manifest["config"]["data"]["synthetic"]["n"] == 600
    assert "Which way?" in (folder / "report.html").read_text()
    tables = {p.name for p in (folder / "tables").glob("*.csv")}
    assert {"descriptives.csv", "attrition.csv", "crosslag_riclpm_loneliness_ghq_likert.csv"} <= tables

    at.button[0].click().run()  # the same report again comes from the cache
    assert len(runs) == 1


def test_exports_follow_the_disclosure_threshold(app, runs, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DEMO_N", "60")
    at = app("report")
    assert "No model is on screen yet" in joined(at, "caption")
    at.button[0].click().run()
    assert not at.exception and not at.error
    (folder,) = runs
    results = json.loads((folder / "results.json").read_text())
    assert results["disclosure"]["suppressed_cells"] > 0
    table = pd.read_csv(folder / "tables" / "descriptives.csv")
    hidden = table[table["suppressed"]]
    # A zero count discloses nobody and stays (hcond17 is asked at the first interview only).
    assert len(hidden) and (hidden["n"].isna() | (hidden["n"] == 0)).all() and hidden["mean"].isna().all()
    assert (table.loc[~table["suppressed"], "n"].fillna(0).pipe(lambda n: (n == 0) | (n >= 10))).all()
