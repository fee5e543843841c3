"""Loading synthetic cohorts through the shipped specs gives the scores the responses imply."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
import yaml
from data_support import SPEC_OF, SPECS, by_wave_name, expected_scores, fingerprint, nan_equal, wave_name

from analysis.data import Panel, load_panel, parse_spec
from analysis.data.describe import describe_panel
from analysis.data.files import inspect_file
from analysis.errors import DataError

CASES = [(c, f) for c in ("ukhls", "elsa") for f in ("dta", "sav")]
CONSTRUCTS = {
    "ukhls": ["loneliness", "loneliness_single", "ghq_likert", "ghq_caseness", "mcs",
              "perceived_stigma", "discrimination", "depression_diagnosed", "depression_new"],
    "elsa": ["loneliness", "loneliness_single", "cesd", "perceived_stigma", "discrimination",
             "smi_diagnosed", "cmd_diagnosed"],
}
#: Constructs the studies ask in some waves only (the 4-wave test cohorts: a-d, w1-w4).
ASKED = {"depression_diagnosed": ("a", "c", "d"), "depression_new": ("b", "c", "d")}


@pytest.fixture(scope="module")
def panels(cohort_dirs) -> dict[tuple[str, str], Panel]:
    return {key: load_panel(SPEC_OF[key[0]], data=folder) for key, folder in cohort_dirs.items()}


@pytest.mark.parametrize("cohort, fmt", CASES)
def test_scores_match_the_generators_responses(panels, observed, cohort, fmt):
    panel = panels[(cohort, fmt)]
    obs = observed[cohort]
    expected = by_wave_name(cohort, expected_scores(cohort, obs))
    got = panel.long.assign(wave=lambda d: d["wave"].astype(str))
    assert len(got) == len(obs), "one row per person-wave released"
    merged = expected.merge(got, on=["id", "wave"], how="outer", suffixes=("_exp", ""), indicator=True)
    assert (merged["_merge"] == "both").all()
    assert panel.constructs == tuple(CONSTRUCTS[cohort])
    for name in CONSTRUCTS[cohort]:
        assert nan_equal(merged[name], merged[f"{name}_exp"]), name
    obs = by_wave_name(cohort, obs).merge(got, on=["id", "wave"], suffixes=("_obs", ""))
    assert nan_equal(obs["age"], obs["age_obs"].where(obs["age_obs"] >= 0))
    assert nan_equal(obs["sex"], obs["sex_obs"]) and nan_equal(obs["weight"], obs["weight_obs"], atol=1e-6)


def test_long_panel_columns_and_types(panels):
    panel = panels[("ukhls", "dta")]
    long = panel.long
    assert list(long.columns) == ["id", "wave", "wave_index", "wave_number", *CONSTRUCTS["ukhls"],
                                  "age", "sex", "weight", "psu", "strata", "life_stage",
                                  "stigma_group", "discrimination_group", "diagnosed_condition"]
    assert panel.waves == ("a", "b", "c", "d") and panel.groupings == ("life_stage", "stigma_group",
                                                                       "discrimination_group",
                                                                       "diagnosed_condition")
    assert long["wave"].dtype == pd.CategoricalDtype(["a", "b", "c", "d"], ordered=True)
    assert long["id"].dtype == np.int64 and long["wave_index"].tolist() == \
        long["wave"].cat.codes.tolist()
    assert (long["wave_number"] == long["wave_index"] + 1).all()
    assert long["life_stage"].dtype == pd.CategoricalDtype(["16-29", "30-64", "65+"], ordered=True)
    assert list(long["stigma_group"].cat.categories) == ["low", "medium", "high"]
    assert panel.construct_waves == {c: ASKED.get(c, ("a", "b", "c", "d")) for c in CONSTRUCTS["ukhls"]}
    assert not long.duplicated(["id", "wave"]).any()
    long.loc[0, "loneliness"] = -100.0  # a copy: the panel is not changed
    assert panel.long.loc[0, "loneliness"] != -100.0


@pytest.mark.parametrize("cohort", ["ukhls", "elsa"])
def test_life_stage_at_the_first_wave_matches_the_truth(panels, latent, cohort):
    panel = panels[(cohort, "dta")]
    wide = panel.wide(["loneliness"], groupings=["life_stage"], covariates=["age"])
    truth = latent[cohort].persons.set_index("id")["life_stage"].astype(str)
    got = wide.set_index("id")["life_stage"].astype(str)
    assert got.equals(truth.loc[got.index])


def test_stigma_groupings(panels):
    panel = panels[("ukhls", "sav")]
    long = panel.long
    cuts = np.quantile(long["perceived_stigma"].dropna(), [0.3333333333, 0.6666666667])
    assert panel.grouping_cutoffs["stigma_group"] == pytest.approx(tuple(cuts))
    x = long["perceived_stigma"]
    expected = np.where(x.isna(), None, np.where(x <= cuts[0], "low", np.where(x <= cuts[1], "medium", "high")))
    assert long["stigma_group"].astype(object).where(x.notna(), None).tolist() == expected.tolist()
    d = long["discrimination"]
    expected = np.where(d.isna(), None, np.where(d <= 0, "none", np.where(d <= 3, "some", "frequent")))
    assert long["discrimination_group"].astype(object).where(d.notna(), None).tolist() == expected.tolist()


def test_wide_panel(panels, observed):
    panel = panels[("ukhls", "dta")]
    wide = panel.wide(["loneliness", "ghq_likert"], waves=["c", "a"], groupings=["life_stage"],
                      covariates=["age", "sex"])
    assert list(wide.columns) == ["id", "loneliness_a", "loneliness_c", "ghq_likert_a", "ghq_likert_c",
                                  "life_stage", "age", "sex", "weight", "psu", "strata"]
    obs = observed["ukhls"]
    in_a_or_c = set(obs.loc[obs["wave"].isin([1, 3]), "id"])
    assert set(wide["id"]) == in_a_or_c and wide["id"].is_unique
    long = panel.long.set_index(["id", "wave"])
    sample = wide.set_index("id")
    for pid in list(sample.index[:25]):
        if (pid, "c") in long.index:
            assert nan_equal([sample.loc[pid, "loneliness_c"]], [long.loc[(pid, "c"), "loneliness"]])
        else:
            assert np.isnan(sample.loc[pid, "loneliness_c"])
    w3 = obs[obs["wave"] == 3].set_index("id")["weight"]
    expected = w3.reindex(wide["id"]).fillna(0.0).to_numpy()
    assert np.allclose(wide["weight"], expected, atol=1e-6)
    # the default waves are those where every construct was scored
    assert list(panel.wide(["loneliness"]).columns) == ["id", "loneliness_a", "loneliness_b",
                                                         "loneliness_c", "loneliness_d", "weight",
                                                         "psu", "strata"]


def test_wide_rejects_unknown_names(panels):
    panel = panels[("ukhls", "dta")]
    with pytest.raises(DataError, match=r"unknown construct 'lonelines'; did you mean 'loneliness'\?"):
        panel.wide(["lonelines"])
    with pytest.raises(DataError, match=r"unknown wave 'e'"):
        panel.wide(["loneliness"], waves=["a", "e"])
    with pytest.raises(DataError, match="unknown grouping 'stage'"):
        panel.wide(["loneliness"], groupings=["stage"])


def test_missing_counts_match_the_released_codes(panels, observed):
    panel = panels[("ukhls", "dta")]
    miss = panel.missing
    assert list(miss.columns) == ["wave", "column", "measure", "reason", "count"]
    obs = observed["ukhls"]
    labels = {-1: "don't know", -2: "refusal", -7: "proxy", -9: "missing"}
    for w in (1, 2, 3, 4):
        name = wave_name("ukhls", w)
        for item in ("sclackcom", "scghqc", "synpdd2"):
            codes = obs.loc[obs["wave"] == w, item].value_counts()
            got = miss[(miss["wave"] == name) & (miss["column"] == f"{name}_{item}")]
            got = dict(zip(got["reason"], got["count"]))
            expected = {f"{k} {labels[k]}": int(v) for k, v in codes.items() if k < 0}
            assert got == expected, (name, item)
        lon = obs.loc[obs["wave"] == w, ["sclackcom", "scleftout", "scisolate"]]
        none = int((lon < 0).all(axis=1).sum())
        few = int(((lon < 0).any(axis=1) & ~(lon < 0).all(axis=1)).sum())
        rows = miss[(miss["wave"] == name) & (miss["column"] == "loneliness")]
        assert dict(zip(rows["reason"], rows["count"])) == {
            k: v for k, v in {"no items answered": none, "fewer than 3 of 3 items answered": few}.items() if v}


@pytest.mark.parametrize("cohort", ["ukhls", "elsa"])
def test_attrition_matches_the_generator(panels, latent, cohort):
    panel = panels[(cohort, "sav")]
    realised = latent[cohort].truth["attrition"]["realised"]
    table = panel.attrition
    assert table["respondents"].tolist() == [r["responded"] for r in realised]
    assert table["lost"].tolist()[1:] == [r["dropped"] for r in realised[1:]]
    assert (table["respondents"] == table["retained"] + table["new"] + table["returning"]).all()


def test_labels_and_sources(panels, cohort_dirs):
    panel = panels[("ukhls", "sav")]
    lab = panel.labels["b_sclonely"]
    assert lab.label == "How often feel lonely" and lab.waves == ("b",)
    assert lab.value_labels[1.0] == "hardly ever or never" and lab.value_labels[-7.0] == "proxy"
    assert panel.labels["pidp"].waves == ("a", "b", "c", "d")
    sources = panel.sources
    assert [s.path.name for s in sources] == [f"{w}_indresp.sav" for w in "abcd"]
    for s in sources:
        assert s.sha256 == hashlib.sha256(s.path.read_bytes()).hexdigest()
        assert s.to_dict()["waves"] == [s.path.name[0]]
    assert panel.weight_columns == {"a": "a_indinus_xw", "b": "b_indinus_lw", "c": "c_indinus_lw",
                                    "d": "d_indinus_lw"}


def test_describe_follows_the_json_contract(panels):
    panel = panels[("elsa", "dta")]
    d = json.loads(json.dumps(describe_panel(panel), allow_nan=False))
    assert list(d["waves"]) == ["w1", "w2", "w3", "w4"]
    long = panel.long
    for wave, info in d["waves"].items():
        rows = long[long["wave"] == wave]
        assert info["n_respondents"] == len(rows)
        # Per wave, the constructs asked in that wave (the psychiatric-problem types from wave 3).
        asked = set(CONSTRUCTS["elsa"]) - ({"smi_diagnosed", "cmd_diagnosed"} if wave in ("w1", "w2") else set())
        assert set(info["constructs"]) == asked
        for name, s in info["constructs"].items():
            assert set(s) == {"n", "mean", "sd"} and isinstance(s["n"], int)
            assert s["n"] == rows[name].notna().sum()
            assert s["mean"] == pytest.approx(rows[name].mean()) and s["sd"] == pytest.approx(rows[name].std())
    assert {"missing", "missing_by_reason", "attrition", "sources", "notes", "groupings"} <= set(d)
    assert d["groupings"]["life_stage"]["labels"] == ["30-64", "65+"]
    assert all(len(s["sha256"]) == 64 for s in d["sources"])


@pytest.mark.parametrize("cohort, fmt", CASES)
def test_real_study_specs_read_the_synthetic_release(panels, cohort_dirs, cohort, fmt):
    spec = SPECS / ("ukhls.yaml" if cohort == "ukhls" else "elsa.yaml")
    folder = cohort_dirs[(cohort, fmt)]
    released = cohort == "elsa" or "a_psu" in inspect_file(next(folder.glob("a_indresp.*"))).columns
    if not released:
        # Releases written before the generator wrote {w}_psu / {w}_strata: the real
        # spec requires them, so read those with the design made optional.
        data = yaml.safe_load(spec.read_text())
        data["design"]["required"] = False
        spec = parse_spec(data, source=str(spec))
    real = load_panel(spec, data=folder)
    synthetic = panels[(cohort, fmt)].long
    got = real.long
    shared = (["ghq_likert", "ghq_caseness", "mcs", "depression_diagnosed", "depression_new"]
              if cohort == "ukhls" else ["loneliness_single", "cesd", "smi_diagnosed", "cmd_diagnosed"])
    assert got["id"].tolist() == synthetic["id"].tolist()
    for name in shared:
        assert nan_equal(got[name], synthetic[name]), name
    assert got["diagnosed_condition"].astype(str).tolist() == synthetic["diagnosed_condition"].astype(str).tolist()
    if cohort == "elsa":
        # UCLA loneliness is asked from wave 2 in ELSA: the real spec leaves wave 1 out.
        assert real.construct_waves["loneliness"] == ("w2", "w3", "w4")
        later = got["wave"] != "w1"
        assert nan_equal(got.loc[later, "loneliness"], synthetic.loc[later, "loneliness"])
        assert got["cesd7"].max() <= 7 and "w5" in real.absent_waves
    else:
        # The loneliness module starts at wave i in UKHLS: none of waves a-d has it, and asking
        # for it there is one clear sentence.
        assert real.absent_waves == tuple("efghijklmno") and "loneliness" not in real.construct_waves
        assert real.design.clustered == released


def test_inputs_are_never_written(cohort_dirs):
    for key, folder in cohort_dirs.items():
        before = fingerprint(folder)
        panel = load_panel(SPEC_OF[key[0]], data=folder)
        describe_panel(panel)
        assert fingerprint(folder) == before
        assert sorted(p.name for p in folder.iterdir()) == sorted(before)


def test_sources_refuse_a_file_changed_after_loading(copy_cohort):
    folder = copy_cohort("ukhls", "dta")
    panel = load_panel(SPEC_OF["ukhls"], data=folder)
    with open(folder / "b_indresp.dta", "ab") as f:  # a test copy
        f.write(b"\0")
    with pytest.raises(DataError, match=r"b_indresp\.dta changed after it was loaded"):
        [s.sha256 for s in panel.sources]


def test_values_outside_all_bands_are_counted(cohort_dirs, observed):
    data = yaml.safe_load((SPECS / "synthetic.yaml").read_text())
    data["groupings"]["life_stage"]["bands"] = {"20-64": [20, 64], "65+": [65, None]}
    panel = load_panel(parse_spec(data), data=cohort_dirs[("ukhls", "dta")])
    obs = observed["ukhls"]
    m = panel.missing
    rows = m[(m["column"] == "life_stage") & (m["reason"] == "outside all bands")]
    expected = {wave_name("ukhls", w): int(n) for w, n in
                obs[obs["age"] < 20].groupby("wave").size().items()}
    assert dict(zip(rows["wave"], rows["count"])) == expected and sum(expected.values()) > 0
    assert panel.long.loc[panel.long["age"] < 20, "life_stage"].isna().all()


@pytest.mark.parametrize("cohort, constructs, groupings", [
    ("ukhls", ["loneliness", "ghq_likert"], []),
    ("ukhls", ["mcs"], ["stigma_group", "diagnosed_condition", "life_stage"]),
    ("elsa", ["cesd", "loneliness"], None),
])
def test_loading_some_constructs_gives_what_the_full_load_has(panels, cohort_dirs, cohort, constructs, groupings):
    full = panels[(cohort, "dta")]
    some = load_panel(SPEC_OF[cohort], data=cohort_dirs[(cohort, "dta")], constructs=constructs, groupings=groupings)
    kept = list(full.groupings) if groupings is None else groupings
    # the constructs asked for, and those the groupings are made of; nothing else
    assert set(constructs) <= set(some.constructs) < set(full.constructs)
    assert list(some.groupings) == kept
    assert some.waves == full.waves
    pd.testing.assert_frame_equal(some.long, full.long[list(some.long.columns)])
    pd.testing.assert_frame_equal(some.wide(constructs, groupings=kept), full.wide(constructs, groupings=kept))


def test_loading_an_unknown_construct_or_grouping_is_refused_by_name(cohort_dirs):
    folder = cohort_dirs[("ukhls", "dta")]
    with pytest.raises(DataError, match="'lonelyness' is not a construct of the spec; did you mean 'loneliness'"):
        load_panel(SPEC_OF["ukhls"], data=folder, constructs=["lonelyness"])
    with pytest.raises(DataError, match="'age_group' is not a grouping of the spec"):
        load_panel(SPEC_OF["ukhls"], data=folder, constructs=["mcs"], groupings=["age_group"])
