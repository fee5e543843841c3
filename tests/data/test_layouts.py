"""Layouts: partial downloads, items absent or renamed in some waves, long and wide files,
SPSS user-missing ranges and Stata .a-.z end to end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml
from data_support import SPEC_OF, SPECS, fingerprint, nan_equal, rewrite

from analysis.data import load_panel, parse_spec
from analysis.data.describe import describe_panel
from analysis.errors import DataError

LONELINESS = ["sclackcom", "scleftout", "scisolate"]


def synthetic_spec(**changes):
    data = yaml.safe_load((SPECS / "synthetic.yaml").read_text())
    data.update(changes)
    return data


def test_partial_download_skips_absent_wave_files(copy_cohort):
    folder = copy_cohort("ukhls", "sav", skip=("c_indresp.sav",))
    panel = load_panel(SPEC_OF["ukhls"], data=folder)
    assert panel.waves == ("a", "b", "d") and "c" in panel.absent_waves
    assert panel.long.groupby("wave", observed=True)["wave_index"].first().tolist() == [0, 1, 2]
    assert panel.long.groupby("wave", observed=True)["wave_number"].first().tolist() == [1, 2, 4]
    assert any("have no data" in n and "c, e" in n for n in panel.notes)
    row = panel.attrition.set_index("wave").loc["d"]
    assert row["respondents"] == row["retained"] + row["new"] + row["returning"]


def test_construct_absent_in_a_wave_is_scored_elsewhere(copy_cohort):
    folder = copy_cohort("ukhls", "dta")
    rewrite(folder / "b_indresp.dta", lambda f: f.drop(columns=[f"b_{i}" for i in LONELINESS]))
    panel = load_panel(SPEC_OF["ukhls"], data=folder)
    assert panel.construct_waves["loneliness"] == ("a", "c", "d")
    assert panel.construct_waves["ghq_likert"] == ("a", "b", "c", "d")
    long = panel.long
    assert long.loc[long["wave"] == "b", "loneliness"].isna().all()
    assert long.loc[long["wave"] == "c", "loneliness"].notna().any()
    with pytest.raises(DataError, match=r"wave b: loneliness was not scored .* scored in a, c, d\."):
        panel.wide(["loneliness"], waves=["a", "b"])
    assert [c for c in panel.wide(["loneliness", "ghq_likert"]).columns if c.startswith("lon")] == \
        ["loneliness_a", "loneliness_c", "loneliness_d"]
    assert "loneliness" not in describe_panel(panel)["waves"]["b"]["constructs"]


def test_some_items_missing_from_a_file_is_an_error(copy_cohort):
    folder = copy_cohort("ukhls", "dta")
    rewrite(folder / "c_indresp.dta", lambda f: f.drop(columns=["c_scleftout"]))
    with pytest.raises(DataError) as info:
        load_panel(SPEC_OF["ukhls"], data=folder)
    msg = str(info.value)
    assert "c_indresp.dta (wave c): no column 'c_scleftout' for constructs.loneliness.items[1]" in msg
    assert "its other items (c_sclackcom, c_scisolate) are there" in msg


def test_waves_listed_for_a_construct_must_have_it(copy_cohort):
    folder = copy_cohort("ukhls", "dta")
    rewrite(folder / "b_indresp.dta", lambda f: f.drop(columns=[f"b_{i}" for i in LONELINESS]))
    data = synthetic_spec()
    data["constructs"]["loneliness"]["waves"] = ["a", "b"]
    with pytest.raises(DataError, match=r"\(wave b\): no column 'b_sclackcom' for constructs\.loneliness"
                                        r"\.items\[0\], but the construct's waves list b\."):
        load_panel(parse_spec(data), data=folder)


def test_items_renamed_in_a_wave(copy_cohort, cohort_dirs):
    folder = copy_cohort("ukhls", "dta")
    rewrite(folder / "c_indresp.dta", lambda f: f.rename(columns={"c_sclonely": "c_lonely_new"}))
    data = synthetic_spec()
    data["constructs"]["loneliness_single"]["items"] = [{"name": "sclonely", "by_wave": {"c": "lonely_new"}}]
    renamed = load_panel(parse_spec(data), data=folder)
    original = load_panel(SPEC_OF["ukhls"], data=cohort_dirs[("ukhls", "dta")])
    assert nan_equal(renamed.long["loneliness_single"], original.long["loneliness_single"])
    assert "c_lonely_new" in renamed.labels


def _long_file(observed, folder):
    obs = observed["ukhls"].drop(columns=["proxy"]).rename(columns={"age": "age_dv"})
    obs = obs.rename(columns={"weight": "indinus_lw"})
    path = folder / "panel.csv"
    obs.to_csv(path, index=False)
    return obs, path


def long_spec(**changes):
    data = synthetic_spec(layout="long", file="panel.csv", wave_column="wave", id="id",
                          column_names="{name}", waves=["a", "b", "c", "d"],
                          weight={"name": "indinus_lw"})
    del data["files"]
    data.update(changes)
    for c in data["constructs"].values():  # constructs asked in some waves only: those loaded here
        if "waves" in c:
            c["waves"] = [w for w in c["waves"] if w in data["waves"]]
    return parse_spec(data)


def test_long_layout_gives_the_same_panel(observed, cohort_dirs, tmp_path):
    _long_file(observed, tmp_path)
    long_panel = load_panel(long_spec(), data=tmp_path)
    per_wave = load_panel(SPEC_OF["ukhls"], data=cohort_dirs[("ukhls", "dta")])
    a, b = long_panel.long, per_wave.long
    assert a["id"].tolist() == b["id"].tolist() and a["wave"].tolist() == b["wave"].tolist()
    for col in ("loneliness", "ghq_likert", "perceived_stigma", "discrimination", "age", "weight"):
        assert nan_equal(a[col], b[col]), col
    assert a["stigma_group"].tolist() == b["stigma_group"].tolist()
    assert [s.path.name for s in long_panel.sources] == ["panel.csv"]


def test_long_layout_reads_which_waves_asked_from_the_data(observed, tmp_path):
    obs, path = _long_file(observed, tmp_path)
    obs.loc[obs["wave"] == 2, "sclonely"] = -8          # not asked in wave 2
    extra = obs[obs["wave"] == 1].head(5).assign(wave=9)  # rows of a wave not in the spec
    pd.concat([obs, extra]).to_csv(path, index=False)
    panel = load_panel(long_spec(), data=tmp_path)
    assert panel.construct_waves["loneliness_single"] == ("a", "c", "d")
    assert any("loneliness_single: no one has a score in wave b" in n for n in panel.notes)
    assert any(n.startswith("5 rows of panel.csv have a wave value not listed") for n in panel.notes)


def test_wide_layout_gives_the_same_panel(observed, cohort_dirs, tmp_path):
    obs = observed["ukhls"].drop(columns=["proxy"]).rename(columns={"age": "age_dv", "weight": "indinus_lw"})
    parts = []
    for w, letter in zip((1, 2, 3, 4), "abcd"):
        part = obs[obs["wave"] == w].drop(columns="wave").set_index("id")
        parts.append(part.add_prefix(f"{letter}_"))
    wide = pd.concat(parts, axis=1).reset_index().rename(columns={"id": "pidp"})
    wide = wide.rename(columns={"a_indinus_lw": "a_indinus_xw"})
    wide.to_parquet(tmp_path / "wide.parquet")
    data = synthetic_spec(layout="wide", file="wide.parquet")
    del data["files"]
    panel = load_panel(parse_spec(data), data=tmp_path)
    per_wave = load_panel(SPEC_OF["ukhls"], data=cohort_dirs[("ukhls", "dta")])
    a, b = panel.long, per_wave.long
    assert len(a) == len(b) and panel.waves == ("a", "b", "c", "d")
    assert a["id"].tolist() == b["id"].tolist() and a["wave"].tolist() == b["wave"].tolist()
    for col in ("loneliness", "mcs", "discrimination", "sex", "weight"):
        assert nan_equal(a[col], b[col]), col


def _tiny_spec(tmp_path, ext, frames, **writer_kw):
    data = {"cohort": "tiny", "id": "id", "files": "{wave}_f", "column_names": "{wave}_{name}",
            "waves": ["a", "b"], "missing": {"codes": {-9: "missing", -8: "inapplicable"}},
            "constructs": {"x": {"items": ["i1", "i2"], "valid": [1, 4], "min_items": 1}}}
    writer = pyreadstat.write_sav if ext == "sav" else pyreadstat.write_dta
    for wave, frame in frames.items():
        writer(frame, str(tmp_path / f"{wave}_f.{ext}"), **writer_kw.get(wave, {}))
    return parse_spec(data)


def test_spss_user_missing_ranges_end_to_end(tmp_path):
    frames = {"a": pd.DataFrame({"id": [1.0, 2, 3, 4], "a_i1": [1.0, -9, -5, 99], "a_i2": [2.0, 2, -8, 3]}),
              "b": pd.DataFrame({"id": [1.0, 2], "b_i1": [4.0, 3], "b_i2": [1.0, -9]})}
    ranges = {"a": {"missing_ranges": {"a_i1": [{"lo": -9, "hi": -1}, 99]}}}
    spec = _tiny_spec(tmp_path, "sav", frames, **ranges)
    before = fingerprint(tmp_path)
    panel = load_panel(spec, data=tmp_path)
    assert fingerprint(tmp_path) == before
    got = panel.long
    assert nan_equal(got["x"], [1 + 2, 4 + 1, 2, 3, np.nan, 3])
    m = panel.missing
    a_i1 = m[(m["wave"] == "a") & (m["column"] == "a_i1")]
    assert dict(zip(a_i1["reason"], a_i1["count"])) == {"-9 missing": 1, "SPSS user-missing": 2}
    x = m[(m["column"] == "x")]
    assert dict(zip(x["reason"], x["count"])) == {"no items answered": 1}


def test_stata_extended_missing_end_to_end(tmp_path):
    frames = {"a": pd.DataFrame({"id": [1, 2, 3, 4], "a_i1": pd.Series([1, "a", "z", 3], dtype=object),
                                 "a_i2": [2, 2, 2, -9]}),
              "b": pd.DataFrame({"id": [1, 2], "b_i1": [4, 3], "b_i2": [1, 1]})}
    kw = {"a": {"missing_user_values": {"a_i1": ["a", "z"]}}}
    panel = load_panel(_tiny_spec(tmp_path, "dta", frames, **kw), data=tmp_path)
    m = panel.missing
    a_i1 = m[(m["wave"] == "a") & (m["column"] == "a_i1")]
    assert dict(zip(a_i1["reason"], a_i1["count"])) == {"Stata .a": 1, "Stata .z": 1}
    assert nan_equal(panel.long["x"], [3, 5, 2, 4, 2, 3])


def test_file_patterns(copy_cohort):
    folder = copy_cohort("ukhls", "dta")
    data = synthetic_spec(files=["{wave}_indr*"])
    assert load_panel(parse_spec(data), data=folder).waves == ("a", "b", "c", "d")
    (folder / "b_indresp.sav").write_bytes((folder / "b_indresp.dta").read_bytes())
    with pytest.raises(DataError, match=r"2 files match wave b \(b_indresp\.dta, b_indresp\.sav\); "
                                        r"make files in the spec name one of them"):
        load_panel(SPEC_OF["ukhls"], data=folder)
    data = synthetic_spec(files="{wave}_indresp.dta")
    assert load_panel(parse_spec(data), data=folder).waves == ("a", "b", "c", "d")
