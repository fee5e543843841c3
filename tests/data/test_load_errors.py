"""Bad data gives one sentence naming the file, wave and column; inputs are never written."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from data_support import SPEC_OF, SPECS, fingerprint, rewrite

from analysis.data import load_panel, parse_spec
from analysis.errors import DataError


def _error(folder, spec=SPEC_OF["ukhls"]) -> str:
    before = fingerprint(folder)
    with pytest.raises(DataError) as info:
        load_panel(spec, data=folder)
    assert fingerprint(folder) == before, "input files must never be written"
    message = str(info.value)
    assert "\n" not in message and message.endswith(".")
    return message


def _set(frame, col, row, value):
    frame = frame.copy()
    frame.loc[row, col] = value
    return frame


@pytest.mark.parametrize("fmt", ["dta", "sav"])
def test_value_outside_the_valid_range(copy_cohort, fmt):
    folder = copy_cohort("ukhls", fmt)
    rewrite(folder / f"b_indresp.{fmt}",
            lambda f: _set(_set(f, "b_scleftout", 3, 7), "b_scleftout", 5, 4))
    msg = _error(folder)
    assert msg.startswith(f"{folder / f'b_indresp.{fmt}'} (wave b), column 'b_scleftout': 2 values "
                          "outside the valid range 1 to 3 of constructs.loneliness.items[1] (e.g. 4, 7)")


def test_out_of_range_counted_when_the_spec_says_so(copy_cohort):
    folder = copy_cohort("ukhls", "dta")
    rewrite(folder / "b_indresp.dta", lambda f: _set(f, "b_scleftout", 3, 7))
    data = yaml.safe_load((SPECS / "synthetic.yaml").read_text())
    data["constructs"]["loneliness"]["out_of_range"] = "missing"
    panel = load_panel(parse_spec(data), data=folder)
    m = panel.missing
    row = m[(m["column"] == "b_scleftout") & (m["reason"] == "out of valid range")]
    assert row["count"].tolist() == [1]


def test_missing_covariate_column(copy_cohort):
    folder = copy_cohort("ukhls", "dta")
    rewrite(folder / "c_indresp.dta", lambda f: f.drop(columns=["c_age_dv"]))
    msg = _error(folder)
    assert msg.startswith(f"{folder / 'c_indresp.dta'} (wave c): no column 'c_age_dv' for covariates.age")


def test_missing_id_column(copy_cohort):
    folder = copy_cohort("elsa", "sav")
    rewrite(folder / "wave_2_elsa_data.sav", lambda f: f.rename(columns={"idauniq": "id"}))
    msg = _error(folder, SPEC_OF["elsa"])
    assert "wave_2_elsa_data.sav (wave w2): no column 'idauniq' (the person id given as id)." in msg


def test_missing_weight_column(copy_cohort):
    folder = copy_cohort("ukhls", "dta")
    rewrite(folder / "d_indresp.dta", lambda f: f.drop(columns=["d_indinus_lw"]))
    assert "(wave d): no weight column ('d_indinus_lw'); name it under weight.by_wave.d" in _error(folder)
    data = yaml.safe_load((SPECS / "synthetic.yaml").read_text())
    data["weight"]["required"] = False
    panel = load_panel(parse_spec(data), data=folder)
    assert panel.weight_columns["d"] is None
    assert panel.long.loc[panel.long["wave"] == "d", "weight"].isna().all()
    assert any("no weight column in wave(s) d" in n for n in panel.notes)


def test_duplicate_ids(copy_cohort):
    folder = copy_cohort("ukhls", "sav")
    rewrite(folder / "b_indresp.sav", lambda f: _set(f, "pidp", 1, f.loc[0, "pidp"]))
    msg = _error(folder)
    assert "b_indresp.sav (wave b): 2 rows share a person id in column 'pidp' (e.g. " in msg


def test_rows_without_an_id(copy_cohort):
    folder = copy_cohort("ukhls", "sav")
    rewrite(folder / "a_indresp.sav", lambda f: _set(f, "pidp", 4, np.nan))
    assert "a_indresp.sav (wave a), column 'pidp': 1 rows have no person id" in _error(folder)


def test_text_in_an_item_column(tmp_path):
    frame = pd.DataFrame({"id": [1, 2], "a_i1": ["often", "1"], "a_i2": [1, 2]})
    frame.to_csv(tmp_path / "a_f.csv", index=False)
    spec = parse_spec({"cohort": "t", "id": "id", "files": "{wave}_f", "column_names": "{wave}_{name}",
                       "waves": ["a"], "constructs": {"x": {"items": ["i1", "i2"], "valid": [1, 3]}}})
    msg = _error(tmp_path, spec)
    assert "a_f.csv (wave a), column 'a_i1': 1 values are text ('often')" in msg


def test_ids_numeric_in_one_wave_and_text_in_another(tmp_path):
    pd.DataFrame({"id": [1, 2], "a_i1": [1, 2]}).to_csv(tmp_path / "a_f.csv", index=False)
    pd.DataFrame({"id": ["p1", "p2"], "b_i1": [1, 2]}).to_csv(tmp_path / "b_f.csv", index=False)
    spec = parse_spec({"cohort": "t", "id": "id", "files": "{wave}_f", "column_names": "{wave}_{name}",
                       "waves": ["a", "b"], "constructs": {"x": {"items": ["i1"], "valid": [1, 3]}}})
    assert "the person id 'id' is numeric in some files and text in others" in _error(tmp_path, spec)


def test_unreadable_wave_file(copy_cohort):
    folder = copy_cohort("ukhls", "dta")
    (folder / "c_indresp.dta").write_text("this is not a Stata file")
    assert f"{folder / 'c_indresp.dta'} is not a readable dta file" in _error(folder)


def test_folders_and_files_not_found(tmp_path, copy_cohort):
    with pytest.raises(DataError, match=r"nowhere: no such data folder\."):
        load_panel(SPEC_OF["ukhls"], data=tmp_path / "nowhere")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(DataError, match=r"file\.txt is a file; give the folder"):
        load_panel(SPEC_OF["ukhls"], data=tmp_path / "file.txt")
    folder = copy_cohort("elsa", "dta")
    msg = _error(folder, SPEC_OF["ukhls"])
    assert "no wave files found for" in msg and "synthetic.yaml" in msg and "'a_indresp'" in msg


def test_the_first_broken_wave_is_reported_whatever_the_threads_do(copy_cohort):
    folder = copy_cohort("ukhls", "dta")
    rewrite(folder / "b_indresp.dta", lambda f: f.drop(columns=["b_sex"]))
    rewrite(folder / "d_indresp.dta", lambda f: f.drop(columns=["d_age_dv"]))
    for _ in range(3):
        assert "(wave b): no column 'b_sex' for covariates.sex" in _error(folder)


def test_a_missing_weight_stays_missing_in_the_wide_panel(copy_cohort):
    folder = copy_cohort("ukhls", "dta")
    rewrite(folder / "d_indresp.dta", lambda f: f.drop(columns=["d_indinus_lw"]))
    data = yaml.safe_load((SPECS / "synthetic.yaml").read_text())
    data["weight"]["required"] = False
    panel = load_panel(parse_spec(data), data=folder)
    wide = panel.wide(["loneliness"], waves=["c", "d"])
    in_d = wide["id"].isin(panel.long.loc[panel.long["wave"] == "d", "id"])
    assert wide.loc[in_d, "weight"].isna().all() and (wide.loc[~in_d, "weight"] == 0).all()
