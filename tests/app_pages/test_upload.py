"""Uploading SPSS/Stata files on the Data page: a shipped spec or a variable mapping; friendly refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from app_support import REPO, joined

SPECS = REPO / "data_specs"


@pytest.fixture(scope="module")
def ukhls_files(tmp_path_factory) -> list[tuple[str, bytes, str]]:
    from analysis.synth import write_cohort

    out = tmp_path_factory.mktemp("upload") / "ukhls"
    files = write_cohort(cohort="ukhls", n=300, waves=3, seed=7, fmt="dta", out=out)
    return [(p.name, p.read_bytes(), "application/octet-stream") for p in files.wave_files]


def _upload(at, files, spec: str):
    at.file_uploader(key="upload_files").set_value(files)
    at.radio(key="upload_spec").set_value(spec)
    return at.run()


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_shipped_spec_upload_replaces_the_built_in_cohort(app, ukhls_files):
    at = _upload(app("data"), ukhls_files, str(SPECS / "synthetic.yaml"))
    assert not at.exception and not at.error
    _button(at, "Use these files").click().run()
    assert not at.exception and not at.error
    assert "Using your files (a_indresp.dta, b_indresp.dta, c_indresp.dta) read with synthetic.yaml" in joined(
        at, "success")
    assert next(m for m in at.metric if m.label == "People").value == "300"
    assert "built-in synthetic cohort" not in joined(at, "info")
    at.switch_page("app_pages/crosslag.py").run()
    assert "your files" in joined(at, "caption")
    at.radio(key="cl_model").set_value("clpm")
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert "waves a, b, c" in at.caption[0].value
    at.switch_page("app_pages/data.py").run()
    _button(at, "Go back to the built-in synthetic cohort").click().run()
    assert not at.exception
    assert "built-in synthetic cohort" in joined(at, "info")


def test_files_that_do_not_fit_the_spec_get_one_sentence(app, ukhls_files):
    at = _upload(app("data"), ukhls_files, str(SPECS / "elsa.yaml"))
    _button(at, "Use these files").click().run()
    assert not at.exception
    (error,) = texts = [e.value for e in at.error]
    assert "no wave files found for data_specs/elsa.yaml" in error, texts
    assert "/tmp" not in error and "Traceback" not in error
    assert next(m for m in at.metric if m.label == "People").value == "600", "the page goes on with the built-in data"


def test_a_file_that_is_not_survey_data(app):
    junk = [("a_indresp.dta", b"name,age\nanna,41\n", "application/octet-stream")]
    at = _upload(app("data"), junk, str(SPECS / "ukhls.yaml"))
    assert not at.exception
    assert [e.value for e in at.error] == [
        "a_indresp.dta could not be read as DTA data; it may be damaged or another kind of file. Upload SPSS or "
        "Stata files as released by the data service."]


def test_a_file_that_is_too_large(app, ukhls_files, monkeypatch):
    monkeypatch.setenv("WORKBENCH_MAX_UPLOAD_MB", "0.01")
    at = _upload(app("data"), ukhls_files[:1], str(SPECS / "ukhls.yaml"))
    assert not at.exception
    (error,) = [e.value for e in at.error]
    assert error.startswith("a_indresp.dta is ") and "more than the 0.01 MB allowed per file" in error


def _long_file(path) -> None:
    rng = np.random.default_rng(3)
    persons, waves = 400, 3
    ids = np.repeat(np.arange(1001, 1001 + persons), waves)
    wave = np.tile(np.arange(1, waves + 1), persons)
    trait = np.repeat(rng.normal(size=persons), waves)
    frame = pd.DataFrame({"pid": ids, "wave": wave, "age": np.repeat(rng.integers(18, 90, persons), waves)})
    for k in range(3):
        frame[f"lon{k + 1}"] = np.clip(np.round(2 + 0.6 * trait + rng.normal(0, 0.7, len(ids))), 1, 3)
    for k in range(4):
        frame[f"ghq{k + 1}"] = np.clip(np.round(1.2 + 0.5 * trait + rng.normal(0, 0.8, len(ids))), 0, 3)
    for k in range(2):
        frame[f"stig{k + 1}"] = np.clip(np.round(2.5 + rng.normal(0, 0.9, len(ids))), 1, 4)
    frame.loc[rng.random(len(ids)) < 0.05, "ghq2"] = -9
    pyreadstat.write_dta(frame, str(path), column_labels={"lon1": "How often lack companionship"})


def test_map_items_to_constructs(app, tmp_path):
    _long_file(tmp_path / "mystudy.dta")
    files = [("mystudy.dta", (tmp_path / "mystudy.dta").read_bytes(), "application/octet-stream")]
    at = _upload(app("data"), files, "__mapping__")
    assert not at.exception and not at.error
    at.selectbox(key="map_id").set_value("pid")
    at.selectbox(key="map_wave").set_value("wave")
    at.multiselect(key="map_loneliness_items").set_value(["lon1", "lon2", "lon3"])
    at.multiselect(key="map_mental_health_items").set_value(["ghq1", "ghq2", "ghq3", "ghq4"])
    at.multiselect(key="map_stigma_items").set_value(["stig1", "stig2"])
    at.radio(key="map_stigma_score").set_value("mean")
    at.selectbox(key="map_age").set_value("age")
    _button(at, "Use these files with this mapping").click().run()
    assert not at.exception and not at.error
    assert "with your variable mapping" in joined(at, "success")
    assert next(m for m in at.metric if m.label == "People").value == "400"
    assert at.selectbox(key="data_construct").options == ["loneliness", "mental health", "stigma"]
    at.radio(key="data_grouping").set_value("stigma_group").run()
    assert set(at.dataframe[1].value["Group"]) == {"low", "medium", "high"}
    at.switch_page("app_pages/crosslag.py").run()
    at.radio(key="cl_model").set_value("clpm")
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert "mental health" in joined(at, "info")


def test_a_mapping_without_items_is_refused_in_words(app, tmp_path):
    _long_file(tmp_path / "mystudy.dta")
    files = [("mystudy.dta", (tmp_path / "mystudy.dta").read_bytes(), "application/octet-stream")]
    at = _upload(app("data"), files, "__mapping__")
    _button(at, "Use these files with this mapping").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Choose the questions that measure loneliness."]
