"""Data specs: the shipped specs load, and every mistake names the spec file and key path."""

from __future__ import annotations

import copy

import pytest
import yaml
from data_support import SPECS

from analysis.data import Spec, load_spec, parse_spec
from analysis.errors import SpecError

SYNTH = SPECS / "synthetic.yaml"
SHIPPED = ["ukhls.yaml", "elsa.yaml", "synthetic.yaml", "synthetic_elsa.yaml"]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_specs_load(name):
    spec = load_spec(SPECS / name)
    assert isinstance(spec, Spec)
    assert spec.path == str(SPECS / name) and len(spec.sha256) == 64
    assert "life_stage" in spec.groupings


def test_ukhls_spec_is_true_to_the_study():
    spec = load_spec(SPECS / "ukhls.yaml")
    assert spec.wave_names == tuple("abcdefghijklmno")
    assert spec.id == "pidp" and spec.files == ("{wave}_indresp",)
    assert spec.column_names == "{wave}_{name}"
    assert {-1, -2, -7, -8, -9, -10, -11, -20, -21} <= set(spec.missing.codes)
    assert spec.missing.codes[-7] == "proxy" and spec.missing.codes[-8] == "inapplicable"
    c = spec.constructs
    assert c["loneliness"].item_names == ("sclackcom", "scleftout", "scisolate")
    assert c["loneliness"].valid == (1, 3) and c["loneliness"].score == "sum"
    assert c["loneliness_single"].item_names == ("sclonely",)
    # The loneliness module is asked from wave i (2017-19) on.
    assert c["loneliness"].waves == tuple("ijklmn") and c["loneliness_single"].waves == tuple("ijklmn")
    assert c["depression_diagnosed"].item_names == ("hcond17",) and "b" not in c["depression_diagnosed"].waves
    assert spec.groupings["diagnosed_condition"].ever
    assert "inding2_lw" in spec.weight.name
    ghq = tuple(f"scghq{x}" for x in "abcdefghijkl")
    assert c["ghq_likert"].item_names == ghq and c["ghq_caseness"].item_names == ghq
    assert c["mcs"].item_names == ("sf12mcs_dv",)
    assert spec.covariates["age"].name == ("age_dv",)
    assert dict(spec.groupings["life_stage"].bands) == {"16-29": (16, 29), "30-64": (30, 64), "65+": (65, None)}


def test_elsa_spec_uses_real_names():
    spec = load_spec(SPECS / "elsa.yaml")
    assert spec.id == "idauniq"
    assert spec.covariates["age"].name == ("indager", "dhager") and spec.covariates["sex"].name == ("indsex",)
    # 90+ is coded 99 (waves 2-4) and -7 (waves 5-11): both are 90, before the missing codes.
    assert dict(spec.covariates["age"].recode) == {-7: 90, 99: 90}
    assert spec.wave_names[-1] == "w11" and "*_sl_*" in spec.exclude_files
    assert spec.constructs["loneliness"].waves[0] == "w2"
    assert spec.constructs["discrimination"].waves == ("w5",) and spec.constructs["discrimination"].stigma
    assert list(spec.groupings["diagnosed_condition"].levels) == ["severe mental illness", "common mental disorder"]
    assert spec.weight.by_wave["w2"] == ("scw2wgt", "w2wgt")
    assert spec.constructs["loneliness"].item_names == ("scfeela", "scfeelb", "scfeelc")
    assert spec.constructs["cesd"].item_names == tuple(f"psced{x}" for x in "abcdefgh")
    assert spec.constructs["cesd"].reverse == ("pscedd", "pscedf")


def test_spec_is_frozen():
    spec = load_spec(SYNTH)
    with pytest.raises(Exception):
        spec.id = "other"  # type: ignore[misc]
    assert spec.stigma_measures == ("perceived_stigma", "discrimination")
    assert spec.wave("c").number == 3


def _raw():
    return yaml.safe_load(SYNTH.read_text())


def _error(mutate) -> str:
    data = _raw()
    mutate(data)
    with pytest.raises(SpecError) as info:
        parse_spec(data, source="data_specs/synthetic.yaml")
    message = str(info.value)
    assert message.startswith("data_specs/synthetic.yaml: ")
    assert "\n" not in message and message.endswith((".", "?"))
    return message


def _set(path, value):
    def mutate(d):
        node = d
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return mutate


def _pop(path):
    def mutate(d):
        node = d
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return mutate


LON = ["constructs", "loneliness"]


@pytest.mark.parametrize("mutate, expected", [
    # unknown keys, with "did you mean"
    (_set([*LON, "iterms"], []), "constructs.loneliness: unknown key 'iterms'; did you mean 'items'?"),
    (_set(["constrcts"], {}), "unknown key 'constrcts'; did you mean 'constructs'?"),
    (_set([*LON, "items", 2], {"nme": "x"}), "constructs.loneliness.items[2]: unknown key 'nme'; did you mean 'name'?"),
    (_set(["covariates", "age", "bywave"], {}), "covariates.age: unknown key 'bywave'; did you mean 'by_wave'?"),
    (_set(["groupings", "life_stage", "cutof"], [1]), "groupings.life_stage: unknown key 'cutof'"),
    # missing keys
    (_pop([*LON, "items"]), "constructs.loneliness: missing required key 'items'"),
    (_pop([*LON, "valid"]), "constructs.loneliness: missing required key 'valid'"),
    (_pop(["id"]), "missing required key 'id'"),
    # wrong types
    (_set([*LON, "min_items"], "three"), "constructs.loneliness.min_items: should be a valid integer, not 'three'"),
    (_set([*LON, "prorate"], "yes please"), "constructs.loneliness.prorate"),
    (_set([*LON, "score"], "total"), "constructs.loneliness.score: should be 'sum', 'mean' or 'max', not 'total'"),
    (_set([*LON, "valid"], [1, "x"]), "constructs.loneliness.valid[1]: should be a valid number"),
    (_set([*LON, "items", 2], 5), "constructs.loneliness.items[2]"),
    (_set(["missing", "codes"], [1, 2]), "missing.codes: should be a valid dictionary"),
    (_set(["layout"], "longg"), "layout: should be 'waves', 'long' or 'wide', not 'longg'"),
    (_set(["waves"], ["a b"]), "waves[0]: 'a b' is not a usable name"),
    (_set(["constructs", "my scale"], {"items": ["x"], "valid": [1, 2]}), "constructs['my scale']"),
    # cross-key rules
    (_set([*LON, "reverse"], ["sclakcom"]), "constructs.loneliness.reverse[0]: 'sclakcom' is not one of the construct's items; did you mean 'sclackcom'?"),
    (_set([*LON, "min_items"], 4), "constructs.loneliness.min_items: is 4 but the construct has only 3 items"),
    (_set([*LON, "valid"], [3, 1]), "constructs.loneliness.valid: the lower end 3 is above the upper end 1"),
    (_set([*LON, "waves"], ["a", "zz"]), "constructs.loneliness.waves[1]: unknown wave 'zz'; did you mean 'z'?"),
    (_set([*LON, "items", 0], {"name": "sclackcom", "by_wave": {"bb": None}}), "constructs.loneliness.items[0].by_wave.bb: unknown wave 'bb'"),
    (_set(["constructs", "perceived_stigma", "prorate"], True), "constructs.perceived_stigma.prorate: only applies to score: sum"),
    (_set(["constructs", "weight"], {"items": ["x"], "valid": [0, 1]}), "constructs.weight: 'weight' is reserved"),
    (_set(["covariates", "loneliness"], "x"), "covariates.loneliness: 'loneliness' is also defined under constructs"),
    (_set(["groupings", "life_stage", "of"], "agee"), "groupings.life_stage.of: 'agee' is not a construct or covariate; did you mean 'age'?"),
    (_set(["groupings", "stigma_group", "labels"], ["a", "b"]), "groupings.stigma_group.labels: 2 quantiles make 3 groups, but 2 labels are given"),
    (_set(["groupings", "stigma_group", "quantiles"], [0.5, 1.5]), "groupings.stigma_group.quantiles: quantiles must lie strictly between 0 and 1"),
    (_set(["groupings", "discrimination_group", "cutoffs"], [3, 0]), "groupings.discrimination_group.cutoffs: values must increase"),
    (_set(["groupings", "life_stage", "bands", "60+"], [60, None]), "groupings.life_stage.bands['60+']: overlaps band '30-64'"),
    (_set(["groupings", "life_stage", "cutoffs"], [30]), "groupings.life_stage: give exactly one of bands, cutoffs or quantiles"),
    (_pop(["groupings", "stigma_group"]), "constructs.perceived_stigma.stigma: a stigma measure needs a grouping"),
    (_set(["files"], "{wav}_indresp"), "files: unknown placeholder {wav} in '{wav}_indresp'; use {wave}, {number}"),
    (_set(["column_names"], "{wave}_x"), "column_names: '{wave}_x' must contain {name}"),
    (_set(["waves"], ["a", "a"]), "waves[1].name: wave 'a' is listed twice"),
    (_set(["layout"], "long"), "files: is only used with layout: waves"),
    (_pop(["files"]), "files: missing: layout 'waves' needs a file name pattern"),
])
def test_bad_spec_names_file_and_key(mutate, expected):
    assert expected in _error(mutate)


def test_wide_and_long_layout_requirements():
    data = _raw()
    del data["files"]
    data.update(layout="long", file="panel.csv")
    with pytest.raises(SpecError, match="wave_column: missing: layout 'long' needs the column"):
        parse_spec(data)
    data.update(layout="wide", column_names="{name}")
    with pytest.raises(SpecError, match=r"column_names: layout 'wide' needs \{wave\} or \{number\}"):
        parse_spec(data)
    data["column_names"] = "{name}_{number}"
    assert parse_spec(data).layout == "wide"


def test_shorthands_and_defaults():
    spec = parse_spec({
        "cohort": "x", "id": "pid", "files": "w{number}", "waves": [1, {"name": "late", "number": 5}],
        "constructs": {"s": {"items": ["i1", {"name": ["i2", "i2b"], "by_wave": {"late": None}}],
                             "valid": [0, 1]}},
        "covariates": {"age": "age"}, "weight": "wt"})
    assert spec.wave_names == ("1", "late") and [w.number for w in spec.waves] == [1, 5]
    item = spec.constructs["s"].items[1]
    assert item.name == ("i2", "i2b") and item.by_wave == {"late": None}
    assert spec.covariates["age"].name == ("age",) and spec.weight.name == ("wt",)
    assert spec.constructs["s"].required_items == 2 and spec.missing.out_of_range == "error"
    assert spec.path is None and spec.source == "<spec>"


def test_file_problems(tmp_path):
    with pytest.raises(SpecError, match=r"nope\.yaml: no such spec file\."):
        load_spec(tmp_path / "nope.yaml")
    with pytest.raises(SpecError, match="is not a file"):
        load_spec(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("cohort: x\nwaves: [a, b\nid: p\n")
    with pytest.raises(SpecError, match=r"bad\.yaml: line \d+, column \d+: not valid YAML"):
        load_spec(bad)
    bad.write_text("- just\n- a list\n")
    with pytest.raises(SpecError, match=r"bad\.yaml: a data spec must be a mapping .* holds a list\."):
        load_spec(bad)
    bad.write_text("")
    with pytest.raises(SpecError, match="holds nothing"):
        load_spec(bad)
    bad.write_bytes(b"\xff\xfe\x00cohort")
    with pytest.raises(SpecError, match="not a UTF-8 text file"):
        load_spec(bad)


def test_duplicate_keys_are_rejected(tmp_path):
    text = SYNTH.read_text().replace("  mcs:\n", "  loneliness:\n", 1)
    path = tmp_path / "dup.yaml"
    path.write_text(text)
    with pytest.raises(SpecError, match=r"dup\.yaml: line \d+, column \d+: .*duplicate key 'loneliness'"):
        load_spec(path)


def test_spec_files_are_not_written(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(SYNTH.read_text())
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    load_spec(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_copy_of_raw_is_not_mutated():
    data = _raw()
    keep = copy.deepcopy(data)
    parse_spec(data)
    assert data == keep


# -- interval: years between waves (issue 19) ------------------------------------

def test_interval_is_a_number_or_years_wave_by_wave():
    assert load_spec(SPECS / "ukhls.yaml").interval == 1.0
    assert load_spec(SPECS / "elsa.yaml").interval == 2.0
    assert load_spec(SPECS / "synthetic_elsa.yaml").years_between("w1", "w3") == 4.0
    # The continuous-time cohorts (analysis.synth.continuous): the same constructs, yearly and two-yearly.
    ct_ukhls, ct_elsa = load_spec(SPECS / "synthetic_ct_ukhls.yaml"), load_spec(SPECS / "synthetic_ct_elsa.yaml")
    assert (ct_ukhls.interval, ct_elsa.interval) == (1.0, 2.0) and list(ct_ukhls.constructs) == list(ct_elsa.constructs)
    data = _raw()
    data["interval"] = 2
    assert parse_spec(data).years_between("a", "d") == 6.0
    data["interval"] = {w: 1 for w in "bcdefghijklmnopqrstuvwxyz"} | {"d": 2.5}
    spec = parse_spec(data)
    assert spec.years_between("a", "b") == 1.0 and spec.years_between("b", "d") == 3.5
    del data["interval"]
    assert parse_spec(data).interval is None and parse_spec(data).years_between("a", "b") is None


def _waves_abcd(interval):
    def mutate(d):
        d["interval"] = {w: 1 for w in "efghijklmnopqrstuvwxyz"} | interval
    return mutate


@pytest.mark.parametrize("mutate, expected", [
    (_set(["interval"], 0), "interval: should be the years between waves, a positive number"),
    (_set(["interval"], -1), "interval: should be the years between waves"),
    (_set(["interval"], "yearly"), "not 'yearly'"),
    (_set(["interval"], True), "not True"),
    (_set(["interval"], float("nan")), "not nan"),
    (_set(["interval"], [1, 2]), "interval: should be the years between waves"),
    (_waves_abcd({"b": 1, "c": 0, "d": 1}), "interval: the years since the wave before wave 'c' should be a positive number, not 0"),
    (_waves_abcd({"b": 1, "c": 1}), "interval: missing the years since the wave before for wave 'd'"),
    (_waves_abcd({"a": 1, "b": 1, "c": 1, "d": 1}), "interval.a: wave 'a' is the first wave"),
    (_waves_abcd({"b": 1, "cc": 1, "d": 1}), "interval.cc: unknown wave 'cc'; did you mean 'c'?"),
    (_set(["intervall"], 1), "unknown key 'intervall'; did you mean 'interval'?"),
])
def test_bad_interval_is_one_sentence_naming_the_key(mutate, expected):
    assert expected in _error(mutate)


def test_a_bad_interval_is_exit_2_and_one_sentence_at_the_command_line(tmp_path, capsys):
    from analysis.cli import main

    data = _raw()
    data["interval"] = {"b": 1, "c": "two"}
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    assert main(["validate-spec", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert err == (f"error: {bad}: interval: the years since the wave before wave 'c' should be a positive number, "
                   "not 'two'.")
