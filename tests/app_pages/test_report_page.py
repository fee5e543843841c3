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


def refreshed(at, page: str):
    """A new session opened at ``at``'s address, as a browser refresh (or a bookmark) does."""
    from app_support import APP
    from streamlit.testing.v1 import AppTest

    new = AppTest.from_file(str(APP), default_timeout=120)
    new.query_params = dict(at.query_params)
    new.switch_page(f"app_pages/{page}.py")
    return new.run()


def test_a_refresh_shows_the_built_report_from_the_cache(app, runs):
    at = app("crosslag")
    at.button[0].click().run()
    at.switch_page("app_pages/report.py").run()
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert len(runs) == 1
    ready = joined(at, "success")
    headline = joined(at, "markdown")

    at = refreshed(at, "report")  # a new session with the same address: no button pressed
    assert not at.exception and not at.error
    assert "Report ready" in joined(at, "success") and joined(at, "success") == ready
    assert "Press **Build the report**" not in joined(at, "info")
    assert "Shown from the cache" in joined(at, "caption")
    assert [d.proto.label for d in at.get("download_button")] == [
        "Report (HTML)", "Tables (CSV, zip)", "Results (JSON)", "Manifest (JSON)"]
    assert joined(at, "markdown") == headline, "the same plan and headline as before the refresh"
    assert len(runs) == 1, "nothing rebuilt"


def test_a_report_no_longer_kept_is_rebuilt_only_when_asked(app, runs):
    from app_pages import _store

    at = app("report")
    at.button[0].click().run()
    assert "Built in" in joined(at, "caption") and len(runs) == 1
    _store.store()._values.pop("report")  # dropped from the server's cache (as the oldest of many is)

    at = refreshed(at, "report")
    assert not at.exception and not at.error
    assert "no longer kept on the server" in joined(at, "info") and not at.success
    assert len(runs) == 1, "opening the page builds nothing"
    at.button[0].click().run()
    assert "Report ready" in joined(at, "success") and len(runs) == 2
