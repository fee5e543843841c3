"""The shipped UKHLS and ELSA specs on releases laid out and coded as the real ones, in .dta and .sav.

The synthetic generator writes the real layouts: ELSA ages 90+ as -7 (labelled), the
psychiatric-problem types from wave 3, UKHLS clinical depression at the first interview
(waves a, c-i) and new diagnoses (b-i).  The real specs must keep every 90+ respondent,
refuse loneliness before UKHLS wave i in one sentence, choose the End User Licence file
over a Special Licence one, and pass their own audit.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from analysis.cli import main
from analysis.data import load_panel
from analysis.errors import DataError
from analysis.synth import simulate_latent, write_cohort
from data_support import SPECS

FORMATS = ["dta", "sav"]


@pytest.fixture(scope="module")
def elsa_release(tmp_path_factory):
    out = {}
    for fmt in FORMATS:
        folder = tmp_path_factory.mktemp(f"elsa_{fmt}")
        write_cohort(cohort="elsa", n=1500, waves=5, seed=11, fmt=fmt, out=folder / "release")
        out[fmt] = folder / "release"
    return out


@pytest.fixture(scope="module", params=FORMATS)
def ukhls_release(tmp_path_factory, request):
    folder = tmp_path_factory.mktemp(f"ukhls_{request.param}") / "release"
    write_cohort(cohort="ukhls", n=600, waves=10, seed=12, fmt=request.param, out=folder)
    return folder


@pytest.mark.parametrize("fmt", FORMATS)
def test_elsa_keeps_everyone_aged_90_plus_in_the_oldest_life_stage(elsa_release, fmt):
    truth = simulate_latent(cohort="elsa", n=1500, waves=5, seed=11).observed
    panel = load_panel(SPECS / "elsa.yaml", data=elsa_release[fmt])
    long = panel.long.assign(wave_number=lambda d: d["wave_number"].astype(int))
    merged = long.merge(truth[["id", "wave", "age"]].rename(columns={"age": "true_age", "wave": "wave_number"}),
                        on=["id", "wave_number"])
    old = merged[merged["true_age"] >= 90]
    assert len(old) >= 20  # the release codes them -7
    assert (old["age"] == 90).all() and (old["life_stage"] == "75+").all()
    assert panel.audit == ()
    young = merged[merged["true_age"] < 90]
    assert (young["age"] == young["true_age"]).all()


def test_ukhls_loneliness_before_wave_i_is_one_clear_sentence(ukhls_release, capsys):
    panel = load_panel(SPECS / "ukhls.yaml", data=ukhls_release)
    assert panel.construct_waves["loneliness"] == ("i", "j")
    with pytest.raises(DataError, match=r"wave g: loneliness is not asked in that wave \(the study asks it in "
                                        r"waves i, j, k, l, m, n"):
        panel.wide(["loneliness", "ghq_likert"], waves=["g", "h", "i"])
    code = main(["crosslag", "--spec", str(SPECS / "ukhls.yaml"), "--data", str(ukhls_release), "--x", "loneliness",
                 "--y", "ghq_likert", "--waves", "g,h,i"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "loneliness is not asked in that wave" in err[0]


def test_ukhls_diagnosed_depression_groups_people_ever_diagnosed_up_to_the_wave(ukhls_release):
    panel = load_panel(SPECS / "ukhls.yaml", data=ukhls_release)
    long = panel.long
    assert panel.construct_waves["depression_diagnosed"] == tuple("acdefghi")
    assert panel.construct_waves["depression_new"] == tuple("bcdefghi")
    groups = long.pivot(index="id", columns="wave", values="diagnosed_condition")
    # Once in the group, always in it (ever reported), and j (no items) carries it forward.
    order = [w for w in "abcdefghij" if w in groups.columns]
    diagnosed = groups[order].eq("common mental disorder")
    for a, b in zip(order, order[1:]):
        both = groups[a].notna() & groups[b].notna()
        assert not (diagnosed[a] & ~diagnosed[b] & both).any()
    assert diagnosed["j"].sum() >= diagnosed["a"].sum() > 0


def test_diagnosed_condition_prevalence_follows_latent_distress():
    panel = simulate_latent(cohort="ukhls", n=4000, waves=4, seed=3)
    long = panel.long
    last = long[long["wave"] == 4]
    diagnosed = last["cmd_diagnosed"].to_numpy(bool)
    assert 0.03 < diagnosed.mean() < 0.3
    assert last.loc[diagnosed, "M"].mean() > last.loc[~diagnosed, "M"].mean() + 0.3 * last["M"].std()


@pytest.mark.parametrize("fmt", FORMATS)
def test_elsa_diagnosed_condition_and_discrimination_read_through_the_real_spec(elsa_release, fmt):
    panel = load_panel(SPECS / "elsa.yaml", data=elsa_release[fmt])
    assert panel.construct_waves["smi_diagnosed"] == ("w3", "w4", "w5")
    assert panel.construct_waves["discrimination"] == ("w5",)
    w5 = panel.long[panel.long["wave"] == "w5"]
    counts = w5["diagnosed_condition"].value_counts()
    assert counts["none"] > counts["common mental disorder"] > counts["severe mental illness"] > 0
    assert w5["discrimination"].between(0, 5).all() or w5["discrimination"].isna().any()
    assert set(w5["discrimination_group"].dropna()) == {"never", "any"}


def test_special_licence_files_are_left_out_and_two_editions_are_named(elsa_release, tmp_path):
    folder = tmp_path / "elsa"
    shutil.copytree(elsa_release["dta"], folder)
    # An EUL edition under its release name and a Special Licence file that the loose pattern matches.
    (folder / "wave_5_elsa_data.dta").rename(folder / "wave_5_elsa_data_eul_v1.dta")
    shutil.copy(folder / "wave_5_elsa_data_eul_v1.dta", folder / "wave_5_elsa_data_sl_primary_v2_protect.dta")
    panel = load_panel(SPECS / "elsa.yaml", data=folder)
    assert any(s.path.name == "wave_5_elsa_data_eul_v1.dta" for s in panel.sources)
    assert not any("_sl_" in s.path.name for s in panel.sources)
    shutil.copy(folder / "wave_5_elsa_data_eul_v1.dta", folder / "wave_5_elsa_data_eul_v2.dta")
    with pytest.raises(DataError, match=r"2 files match wave w5 \(wave_5_elsa_data_eul_v1\.dta, "
                                        r"wave_5_elsa_data_eul_v2\.dta\); make files in the spec name one"):
        load_panel(SPECS / "elsa.yaml", data=folder)


@pytest.mark.parametrize("spec, cohort", [("elsa.yaml", "elsa"), ("ukhls.yaml", "ukhls")])
def test_the_corrected_specs_pass_their_own_audit(spec, cohort, elsa_release, ukhls_release, capsys):
    folder = elsa_release["sav"] if cohort == "elsa" else ukhls_release
    assert main(["validate-spec", str(SPECS / spec), "--data", str(folder), "--strict"]) == 0
    assert "value labels agree with the spec" in capsys.readouterr().out


def test_the_old_elsa_age_rule_is_flagged_by_the_audit(elsa_release, tmp_path):
    import yaml

    data = yaml.safe_load((SPECS / "elsa.yaml").read_text())
    del data["covariates"]["age"]["recode"]  # the spec as it was: -7 declared missing everywhere
    spec = tmp_path / "old_elsa.yaml"
    spec.write_text(yaml.safe_dump(data))
    panel = load_panel(spec, data=elsa_release["dta"])
    flagged = [w for w in panel.audit if w.kind == "missing_code_labelled_as_value"]
    assert flagged and all(w.column == "indager" and w.code == -7 for w in flagged)
    assert "Collapsed at 90 or over" in flagged[0].message
    assert np.isnan(panel.long["age"]).sum() >= 20
