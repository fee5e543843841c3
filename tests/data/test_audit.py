"""The spec audit against the files' own value labels, on real .dta and .sav files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml

from analysis.cli import main
from analysis.data import load_panel
from analysis.data.audit import reads_as_value

SPEC = {
    "cohort": "audit-test", "layout": "waves", "id": "idauniq", "files": "wave_{number}_core",
    "column_names": "{name}", "waves": ["w1", "w2"],
    "missing": {"codes": {-1: "item not applicable", -7: "self-completion not completed", -9: "refused"}},
    "constructs": {"loneliness": {"items": ["scfeela", "scfeelb", "scfeelc"], "valid": [1, 3]}},
    "covariates": {"age": {"name": "indager", "valid": [0, 120]}},
    "weight": {"name": "w{number}wgt", "required": False},
    "groupings": {"life_stage": {"of": "age", "bands": {"50-64": [50, 64], "65-74": [65, 74], "75+": [75, None]}}},
}
ITEM_LABELS = {1.0: "Hardly ever or never", 2.0: "Some of the time", 3.0: "Often", -9.0: "Refused"}
AGE_LABELS = {-7.0: "90+", -9.0: "Refused"}


def _write(folder: Path, ext: str) -> None:
    rng = np.random.default_rng(3)
    n = 60
    age = rng.integers(50, 90, n).astype(float)
    age[:7] = -7  # aged 90 or over, coded as the real release codes them
    for number in (1, 2):
        frame = pd.DataFrame({"idauniq": np.arange(1, n + 1), "indager": age + (number - 1) * (age > 0)})
        labels = {"indager": AGE_LABELS}
        if number == 1:  # wave 2 has no loneliness items and no weight
            for item in ("scfeela", "scfeelb", "scfeelc"):
                frame[item] = rng.integers(1, 4, n).astype(float)
                labels[item] = ITEM_LABELS
            frame["w1wgt"] = rng.uniform(0.5, 2.0, n)
        path = folder / f"wave_{number}_core.{ext}"
        if ext == "dta":
            pyreadstat.write_dta(frame, str(path), variable_value_labels=labels)
        else:
            pyreadstat.write_sav(frame, str(path), variable_value_labels=labels)


@pytest.fixture(params=["dta", "sav"])
def release(request, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    _write(folder, request.param)
    return folder


def _spec(tmp_path: Path, **changes) -> Path:
    spec = yaml.safe_load(yaml.safe_dump(SPEC))
    for path, value in changes.items():
        node = spec
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    out = tmp_path / f"spec_{len(list(tmp_path.glob('spec_*')))}.yaml"
    out.write_text(yaml.safe_dump(spec))
    return out


def test_a_missing_code_the_file_labels_as_a_value_is_flagged_with_file_column_code_and_label(release, tmp_path):
    panel = load_panel(_spec(tmp_path), release)
    kinds = [(w.kind, w.wave, w.column, w.code, w.label) for w in panel.audit]
    assert ("missing_code_labelled_as_value", "w1", "indager", -7.0, "90+") in kinds
    assert ("missing_code_labelled_as_value", "w2", "indager", -7.0, "90+") in kinds
    first = next(w for w in panel.audit if w.kind == "missing_code_labelled_as_value")
    assert "wave_1_core" in first.message and "code -7" in first.message and "'90+'" in first.message
    # The construct absent from wave 2 without a waves: list, and the absent weight, are said too.
    assert ("construct_absent", "w2", None, None, None) in kinds
    assert ("weight_absent", "w2", None, None, None) in kinds
    # The people aged 90+ lose their age (the bug the audit points at).
    assert panel.long.loc[panel.long["age"].isna(), "id"].nunique() == 7


def test_the_corrected_spec_keeps_everyone_aged_90_plus_in_the_oldest_stage_and_is_quiet(release, tmp_path):
    spec = _spec(tmp_path, covariates__age__recode={-7: 90}, constructs__loneliness__waves=["w1"],
                 weight__by_wave={"w2": None})
    panel = load_panel(spec, release)
    assert panel.audit == ()
    old = panel.long[panel.long["id"] <= 7]
    assert (old["age"] == 90).all() and (old["life_stage"] == "75+").all()
    assert len(old) == 14


def test_a_valid_code_without_a_label_is_flagged(release, tmp_path):
    spec = _spec(tmp_path, constructs__loneliness__valid=[1, 4], covariates__age__recode={-7: 90})
    panel = load_panel(spec, release)
    found = [w for w in panel.audit if w.kind == "valid_code_unlabelled"]
    assert {w.column for w in found} == {"scfeela", "scfeelb", "scfeelc"}
    assert all(w.code == 4.0 and "valid code 4" in w.message for w in found)


def test_validate_spec_prints_the_warnings_and_strict_makes_them_exit_2(release, tmp_path, capsys):
    spec = _spec(tmp_path)
    assert main(["validate-spec", str(spec), "--data", str(release)]) == 0
    out = capsys.readouterr().out
    assert "Warning: wave_1_core" in out and "code -7" in out
    assert main(["describe", "--spec", str(spec), "--data", str(release)]) == 0
    assert "Warnings (the spec against the files' own labels):" in capsys.readouterr().out
    assert main(["validate-spec", str(spec), "--data", str(release), "--strict"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "audit warning(s) with --strict" in err[0]
    quiet = _spec(tmp_path, covariates__age__recode={-7: 90}, constructs__loneliness__waves=["w1"],
                  weight__by_wave={"w2": None})
    assert main(["validate-spec", str(quiet), "--data", str(release), "--strict"]) == 0
    assert "value labels agree with the spec" in capsys.readouterr().out


@pytest.mark.parametrize("label, value", [
    ("90+", True), ("Aged 90 or over", True), ("None", True), ("Never", True), ("99 or more", True),
    ("Refused", False), ("Don't know", False), ("Not applicable", False), ("Self completion not completed", False),
    ("Missing", False), ("Proxy respondent", False), ("inapplicable", False), ("schedule not applicable", False),
])
def test_what_reads_as_a_value(label, value):
    assert reads_as_value(label) is value
