"""Bad input, part 2: data specs and run configs (issue 17).

Each case writes a spec or config that differs from a shipped one in one way and runs
``validate-spec`` or ``run`` in-process: one sentence naming the file and the key (or
line), exit code 2.  Nothing here needs data, except the cases that point at data.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bad_input_support import SPECS, SYNTHETIC_SPEC

BASE = SYNTHETIC_SPEC.read_text()
LONELINESS = "items: [sclackcom, scleftout, scisolate]\n    valid: [1, 3]"


def spec_with(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def changed(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def validate(cli, path: Path, *extra: object):
    return cli("validate-spec", path, *extra)


# -- the spec file -------------------------------------------------------------

def test_spec_file_missing(cli, tmp_path):
    assert "nope.yaml" in validate(cli, tmp_path / "nope.yaml").error


def test_spec_is_a_folder(cli, tmp_path):
    assert str(tmp_path) in validate(cli, tmp_path).error


def test_spec_not_text(cli, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"\xff\xfe\x00\x81" * 40)
    assert "spec.yaml" in validate(cli, path).error


def test_spec_not_yaml_names_the_line(cli, tmp_path):
    err = validate(cli, spec_with(tmp_path, "cohort: x\nid: [pidp\nwaves: [a]\n")).error
    assert "spec.yaml" in err and re.search(r"line \d+", err)


def test_spec_holding_a_list(cli, tmp_path):
    assert "mapping" in validate(cli, spec_with(tmp_path, "- a\n- b\n")).error


def test_spec_empty(cli, tmp_path):
    assert "spec.yaml" in validate(cli, spec_with(tmp_path, "")).error


@pytest.mark.parametrize("nested", ["[" * 5000 + "]" * 5000, "{a: " * 3000 + "1" + "}" * 3000])
def test_spec_nested_too_deeply(cli, tmp_path, nested):
    err = validate(cli, spec_with(tmp_path, BASE + f"\nextra: {nested}\n")).error
    assert "spec.yaml" in err and "nested more than" in err and re.search(r"line \d+", err)


def test_spec_repeated_key(cli, tmp_path):
    err = validate(cli, spec_with(tmp_path, BASE + "\ncohort: again\n")).error
    assert "duplicate key 'cohort'" in err


def test_spec_misspelt_key_gets_a_suggestion(cli, tmp_path):
    err = validate(cli, spec_with(tmp_path, changed(LONELINESS, LONELINESS.replace("items:", "itmes:")))).error
    assert "constructs.loneliness" in err and "'items'" in err


@pytest.mark.parametrize("valid, bad", [("[0, .nan]", "nan"), ("[-.inf, .inf]", "inf"), ("[0, .inf]", "inf")])
def test_spec_valid_range_must_be_finite(cli, tmp_path, valid, bad):
    err = validate(cli, spec_with(tmp_path, changed(LONELINESS, LONELINESS.replace("[1, 3]", valid)))).error
    assert "constructs.loneliness.valid" in err and "finite" in err and bad in err


def test_spec_missing_code_nan(cli, tmp_path):
    err = validate(cli, spec_with(tmp_path, changed("-9: missing", "-9: missing\n    .nan: not a number"))).error
    assert "missing.codes" in err and "finite" in err


def test_spec_recode_to_nan(cli, tmp_path):
    err = validate(cli, spec_with(tmp_path, changed("recode: {1: 0, 2: 1, 3: 2, 4: 3}",
                                                    "recode: {1: .nan, 2: 1, 3: 2, 4: 3}"))).error
    assert "constructs.ghq_likert.recode" in err and "finite" in err


def test_spec_valid_range_reversed(cli, tmp_path):
    err = validate(cli, spec_with(tmp_path, changed(LONELINESS, LONELINESS.replace("[1, 3]", "[3, 1]")))).error
    assert "constructs.loneliness.valid" in err


def test_spec_unknown_wave_in_a_construct(cli, tmp_path):
    err = validate(cli, spec_with(tmp_path, changed("waves: [a, c, d, e, f, g, h, i]",
                                                    "waves: [a, c, dd, e, f, g, h, i]"))).error
    assert "constructs.depression_diagnosed.waves" in err and "'dd'" in err


def test_spec_grouping_of_an_unknown_measure(cli, tmp_path):
    err = validate(cli, spec_with(tmp_path, changed("of: age", "of: agee"))).error
    assert "groupings.life_stage.of" in err and "'age'" in err


def test_spec_overlapping_bands(cli, tmp_path):
    err = validate(cli, spec_with(tmp_path, changed('"30-64": [30, 64]', '"30-64": [25, 64]'))).error
    assert "groupings.life_stage.bands" in err and "overlaps" in err


def test_spec_wave_numbers_must_increase(cli, tmp_path):
    text = changed("waves: [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x, y, z]",
                   "waves: [{name: a, number: 1}, {name: b, number: 3}, {name: c, number: 2}]")
    text = text.replace("waves: [a, c, d, e, f, g, h, i]", "waves: [a, c]").replace(
        "waves: [b, c, d, e, f, g, h, i]", "waves: [b, c]")
    err = validate(cli, spec_with(tmp_path, text)).error
    assert "waves[2].number" in err and "'c'" in err and "'b'" in err


def test_spec_wave_number_used_twice_names_the_other_wave(cli, tmp_path):
    text = changed("waves: [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x, y, z]",
                   "waves: [{name: a, number: 1}, {name: b, number: 1}, {name: c, number: 3}]")
    text = text.replace("waves: [a, c, d, e, f, g, h, i]", "waves: [a, c]").replace(
        "waves: [b, c, d, e, f, g, h, i]", "waves: [b, c]")
    err = validate(cli, spec_with(tmp_path, text)).error
    assert "waves[1].number" in err and "used by wave 'a'" in err


def test_validate_spec_strict_needs_data(cli):
    assert "--strict" in validate(cli, SYNTHETIC_SPEC, "--strict").error


def test_validate_spec_against_an_empty_folder(cli, tmp_path):
    assert str(tmp_path) in validate(cli, SYNTHETIC_SPEC, "--data", tmp_path).error


# -- run configs ---------------------------------------------------------------

CONFIG = f"""
title: bad-input test
data:
  spec: {SYNTHETIC_SPEC}
  synthetic: {{cohort: ukhls, n: 300, waves: 3, seed: 1, format: dta}}
crosslag:
  - {{x: loneliness, y: ghq_likert, model: clpm, compare_models: false, sensitivity: false}}
output: {{disclosure_threshold: 10, figure_formats: [png], report: false}}
seed: 1
"""


def run_config(cli, tmp_path: Path, text: str):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return cli("run", path, "--out", tmp_path / "runs", "--quiet")


def config_with(old: str, new: str) -> str:
    assert old in CONFIG, old
    return CONFIG.replace(old, new, 1)


def test_config_missing(cli, tmp_path):
    assert "nope.yaml" in cli("run", tmp_path / "nope.yaml", "--out", tmp_path).error


def test_config_not_a_mapping(cli, tmp_path):
    assert "config.yaml" in run_config(cli, tmp_path, "- crosslag\n").error


def test_config_nested_too_deeply(cli, tmp_path):
    err = run_config(cli, tmp_path, CONFIG + "extra: " + "[" * 5000 + "]" * 5000 + "\n").error
    assert "config.yaml" in err and "nested more than" in err


def test_config_repeated_key(cli, tmp_path):
    err = run_config(cli, tmp_path, CONFIG + "seed: 2\n").error
    assert "config.yaml" in err and "duplicate key 'seed'" in err


def test_config_unknown_key(cli, tmp_path):
    err = run_config(cli, tmp_path, config_with("seed: 1", "sead: 1")).error
    assert "config.yaml" in err and "'sead'" in err


@pytest.mark.parametrize("old, new, key", [
    ("n: 300", "n: 50000000", "data.synthetic.n"),
    ("seed: 1\n", "seed: -4\n", "seed"),
    ("disclosure_threshold: 10", "disclosure_threshold: 0", "output.disclosure_threshold"),
    ("model: clpm", "model: ri-clpm", "crosslag[0].model"),
    ("figure_formats: [png]", "figure_formats: [gif]", "output.figure_formats"),
])
def test_config_bad_value_names_the_key(cli, tmp_path, old, new, key):
    err = run_config(cli, tmp_path, config_with(old, new)).error
    assert "config.yaml" in err and key in err


def test_config_with_two_data_sources(cli, tmp_path):
    err = run_config(cli, tmp_path, config_with("  synthetic:", f"  path: {tmp_path}\n  synthetic:")).error
    assert "path" in err and "synthetic" in err


def test_config_spec_missing(cli, tmp_path):
    err = run_config(cli, tmp_path, config_with(f"spec: {SYNTHETIC_SPEC}", f"spec: {tmp_path / 'nope.yaml'}")).error
    assert "nope.yaml" in err


def test_config_data_folder_missing(cli, tmp_path):
    text = config_with("  synthetic: {cohort: ukhls, n: 300, waves: 3, seed: 1, format: dta}",
                       f"  path: {tmp_path / 'nowhere'}")
    assert "nowhere" in run_config(cli, tmp_path, text).error


def test_shipped_specs_still_pass(cli):
    for name in ("ukhls.yaml", "elsa.yaml", "synthetic.yaml", "synthetic_elsa.yaml"):
        assert validate(cli, SPECS / name).code == 0
