"""The survey design: a ``design`` spec section, PSU and strata in the panel, and the weight rule.

Wave files are copies of the small synthetic cohort with PSU and stratum columns
written into them here (``{w}_psu``, ``{w}_strata``), so the expected values are
known without the code under test.  The PSU code carries the wave number, so which
wave a person's PSU was taken from is visible.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from data_support import SPEC_OF, SPECS, fingerprint, rewrite

from analysis.data import load_panel, parse_spec
from analysis.data.describe import describe_panel, render_text
from analysis.errors import DataError, SpecError

WAVES = "abcd"


def _psu(pidp, wave: str) -> np.ndarray:
    """A made-up PSU code: 40 areas, the wave number in the last digit (1-4)."""
    return 1000 + (np.asarray(pidp, dtype=np.int64) % 40) * 10 + WAVES.index(wave) + 1


def _stratum(pidp) -> np.ndarray:
    """5 strata of 8 areas each (PSUs nested in strata)."""
    return (np.asarray(pidp, dtype=np.int64) % 40) // 8 + 1


def _with_design(folder, fmt: str, *, skip: tuple[str, ...] = (), change=None) -> None:
    for w in WAVES:
        def add(frame, w=w):
            frame = frame.copy()
            if f"{w}_psu" not in skip:
                frame[f"{w}_psu"] = _psu(frame["pidp"], w).astype(float)
            if f"{w}_strata" not in skip:
                frame[f"{w}_strata"] = _stratum(frame["pidp"]).astype(float)
            frame = frame.drop(columns=[c for c in skip if c in frame.columns])
            return change(frame, w) if change is not None else frame
        rewrite(folder / f"{w}_indresp.{fmt}", add)


def _spec(**design):
    data = yaml.safe_load((SPECS / "synthetic.yaml").read_text())
    data["design"] = {"psu": "psu", "strata": "strata", **design}
    return parse_spec(data)


@pytest.fixture(scope="module")
def designed(cohort_dirs, tmp_path_factory):
    """ukhls cohorts (dta and sav) with design columns; b_psu is -9 (missing) for some people."""
    import shutil

    out = {}
    for fmt in ("dta", "sav"):
        folder = tmp_path_factory.mktemp(f"design_{fmt}") / "cohort"
        shutil.copytree(cohort_dirs[("ukhls", fmt)], folder)

        def unknown_in_b(frame, w):
            if w == "b":
                frame.loc[frame.index[:10], "b_psu"] = -9.0
            return frame
        _with_design(folder, fmt, change=unknown_in_b)
        out[fmt] = folder
    return out


# -- the spec ------------------------------------------------------------------

def _raw():
    return yaml.safe_load((SPECS / "synthetic.yaml").read_text())


@pytest.mark.parametrize("design, expected", [
    ({"psuu": "psu"}, "design: unknown key 'psuu'; did you mean 'psu'?"),
    ({}, "design: give psu (the primary sampling unit column), strata, or both"),
    ({"strata": "strata"}, "design.strata: strata need design.psu as well"),
    ({"psu": "{wav}_psu"}, "design.psu.name: unknown placeholder {wav} in '{wav}_psu'"),
    ({"psu": {"name": "psu", "by_wave": {"zz": "x"}}}, "design.psu.by_wave.zz: unknown wave 'zz'"),
    ({"psu": "psu", "required": "no"}, "design.required: should be a valid boolean"),
    ({"psu": {"name": "psu", "requird": False}}, "design.psu: unknown key 'requird'; did you mean 'required'?"),
    ("psu", "design: should be a valid dictionary"),
])
def test_bad_design_names_the_spec_key(design, expected):
    data = _raw()
    data["design"] = design
    with pytest.raises(SpecError) as info:
        parse_spec(data)
    message = str(info.value)
    assert message.startswith("<spec>: ") and expected in message
    assert "\n" not in message and message.endswith((".", "?"))


def test_psu_and_strata_are_reserved_names():
    data = _raw()
    data["covariates"]["psu"] = "psu"
    with pytest.raises(SpecError, match="covariates.psu: 'psu' is reserved"):
        parse_spec(data)


def test_design_shorthands_and_required():
    spec = _spec(strata={"name": ["strata", "strat"], "required": False})
    assert spec.design.psu.name == ("psu",) and spec.design.strata.name == ("strata", "strat")
    assert spec.design.is_required("psu") and not spec.design.is_required("strata")
    assert spec.design_roles == ("psu", "strata")
    assert not _spec(required=False).design.is_required("psu")
    assert parse_spec({k: v for k, v in _raw().items() if k != "design"}).design_roles == ()


def test_shipped_specs_declare_the_design():
    from analysis.data import load_spec

    ukhls = load_spec(SPECS / "ukhls.yaml")
    assert ukhls.design.psu.name == ("psu",) and ukhls.design.strata.name == ("strata",)
    assert ukhls.design.is_required("psu")  # every indresp file has {w}_psu, {w}_strata
    assert load_spec(SPECS / "elsa.yaml").design is None  # not confirmed in the EUL files
    assert load_spec(SPEC_OF["ukhls"]).design_roles == ("psu", "strata")
    assert load_spec(SPEC_OF["elsa"]).design.psu.name == ("psu", "{wave}_psu")


# -- loading -------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["dta", "sav"])
def test_psu_and_strata_are_loaded_per_wave(designed, fmt):
    panel = load_panel(_spec(), data=designed[fmt])
    long = panel.long
    assert list(long.columns[long.columns.get_loc("weight"):][:3]) == ["weight", "psu", "strata"]
    for w in WAVES:
        rows = long[long["wave"] == w]
        expected = pd.Series(_psu(rows["id"], w), index=rows.index, dtype=float)
        if w == "b":
            unknown = rows["psu"].isna()
            assert unknown.sum() == 10
            expected = expected.where(~unknown)
        assert np.array_equal(rows["psu"].to_numpy(), expected.to_numpy(), equal_nan=True), w
        assert np.array_equal(rows["strata"].to_numpy(), _stratum(rows["id"]).astype(float))
    # the -9 codes are counted like any missing value
    m = panel.missing
    assert m[(m["column"] == "b_psu") & (m["measure"] == "psu")]["count"].sum() == 10
    design = panel.design
    assert dict(design.psu) == {w: f"{w}_psu" for w in WAVES}
    assert dict(design.strata) == {w: f"{w}_strata" for w in WAVES}
    assert dict(design.weight) == panel.weight_columns
    assert design.weighted and design.clustered and design.stratified
    assert design.fit_keywords() == {"weights": "weight", "cluster": "psu", "strata": "strata"}
    assert design.fit_keywords(unweighted=True) == {"weights": None, "cluster": None, "strata": None}
    assert design.to_dict()["psu_columns"]["c"] == "c_psu"
    assert "a_psu (a)" in design.summary() and not any("design" in n for n in panel.notes)
    described = json.loads(json.dumps(describe_panel(panel), allow_nan=False))
    assert described["waves"]["b"]["psu_column"] == "b_psu"
    assert described["waves"]["b"]["strata_column"] == "b_strata"
    assert described["design"]["clustered"] and described["design"]["summary"] == design.summary()
    assert design.summary() in render_text(described)


def test_a_wave_without_a_design_column_is_an_error_naming_file_and_column(designed, tmp_path):
    import shutil

    folder = tmp_path / "cohort"
    shutil.copytree(designed["dta"], folder)
    rewrite(folder / "c_indresp.dta", lambda f: f.drop(columns=["c_strata"]))
    before = fingerprint(folder)
    with pytest.raises(DataError) as info:
        load_panel(_spec(), data=folder)
    assert fingerprint(folder) == before
    message = str(info.value)
    assert message == (f"{folder / 'c_indresp.dta'} (wave c): no column 'c_strata' for design.strata; "
                       "name it under design.strata.by_wave.c, or set design.required: false to "
                       "allow waves without it.")
    # required: false (for the design, or for strata alone): a note, and missing codes there
    for spec in (_spec(required=False), _spec(strata={"name": "strata", "required": False})):
        panel = load_panel(spec, data=folder)
        assert panel.design.strata["c"] is None and panel.design.psu["c"] == "c_psu"
        long = panel.long
        assert long.loc[long["wave"] == "c", "strata"].isna().all()
        assert long.loc[long["wave"] != "c", "strata"].notna().all()
        assert "no design.strata column in wave(s) c; their strata is missing there." in panel.notes


def test_by_wave_and_alternative_names(designed, tmp_path):
    import shutil

    folder = tmp_path / "cohort"
    shutil.copytree(designed["dta"], folder)
    rewrite(folder / "a_indresp.dta", lambda f: f.rename(columns={"a_psu": "a_psu_orig"}))
    rewrite(folder / "d_indresp.dta", lambda f: f.rename(columns={"d_strata": "d_strat"}))
    panel = load_panel(_spec(psu={"name": "psu", "by_wave": {"a": "psu_orig"}},
                             strata=["strata", "strat"]), data=folder)
    assert panel.design.psu["a"] == "a_psu_orig" and panel.design.strata["d"] == "d_strat"
    a = panel.long[panel.long["wave"] == "a"]
    assert np.array_equal(a["psu"].to_numpy(), _psu(a["id"], "a").astype(float))


def test_design_columns_in_the_shipped_synthetic_spec_are_optional(copy_cohort):
    # Files written before the generator wrote design columns still load; the panel says so.
    folder = copy_cohort("ukhls", "dta")
    _with_design(folder, "dta", skip=tuple(f"{w}_{r}" for w in WAVES for r in ("psu", "strata")))
    panel = load_panel(SPEC_OF["ukhls"], data=folder)
    assert not panel.design.clustered and panel.design.fit_keywords()["cluster"] is None
    assert panel.long["psu"].isna().all()
    assert any(n.startswith("no design.psu column in wave(s) a, b, c, d") for n in panel.notes)


def test_a_spec_without_design_has_no_design_columns(copy_cohort):
    folder = copy_cohort("ukhls", "dta")
    data = _raw()
    del data["design"]
    panel = load_panel(parse_spec(data), data=folder)
    assert "psu" not in panel.long.columns and "psu" not in panel.wide(["loneliness"]).columns
    assert panel.design.psu is None and panel.design.fit_keywords()["cluster"] is None
    assert panel.design.weighted


# -- the wide panel --------------------------------------------------------------

@pytest.fixture(scope="module")
def panel(designed):
    return load_panel(_spec(), data=designed["dta"])


def _weights_at(panel, wave: str, ids) -> np.ndarray:
    long = panel.long
    w = long[long["wave"] == wave].set_index("id")["weight"]
    return w.reindex(ids).fillna(0.0).to_numpy()


def test_weight_rule_last_is_the_default(panel, observed):
    wide = panel.wide(["loneliness"], waves=["b", "c", "d"])
    assert wide.equals(panel.wide(["loneliness"], waves=["b", "c", "d"], weight_rule="last"))
    obs = observed["ukhls"]
    in_d = obs[obs["wave"] == 4].set_index("id")["weight"]
    assert np.allclose(wide["weight"], in_d.reindex(wide["id"]).fillna(0.0), atol=1e-6)
    assert (wide.loc[~wide["id"].isin(in_d.index), "weight"] == 0).all()


def test_weight_rule_first(panel, observed):
    wide = panel.wide(["loneliness"], waves=["b", "c", "d"], weight_rule="first")
    obs = observed["ukhls"]
    in_b = obs[obs["wave"] == 2].set_index("id")["weight"]
    assert np.allclose(wide["weight"], in_b.reindex(wide["id"]).fillna(0.0), atol=1e-6)
    # people lost after b keep their weight under "first", and have none under "last"
    last = panel.wide(["loneliness"], waves=["b", "c", "d"])
    lost = wide["id"].isin(in_b.index) & ~wide["id"].isin(obs.loc[obs["wave"] == 4, "id"])
    assert lost.any() and (wide.loc[lost, "weight"] > 0).all() and (last.loc[lost, "weight"] == 0).all()
    assert np.allclose(wide["weight"], _weights_at(panel, "b", wide["id"]))
    with pytest.raises(DataError, match=r"weight_rule must be 'last' or 'first', not 'mean'\."):
        panel.wide(["loneliness"], weight_rule="mean")


def test_psu_and_strata_where_the_person_was_sampled(panel):
    wide = panel.wide(["loneliness"], waves=["b", "c", "d"]).set_index("id")
    long = panel.long
    for pid, row in wide.iterrows():
        seen = long[(long["id"] == pid) & long["wave"].isin(["b", "c", "d"])]
        known = seen.dropna(subset=["psu"])
        expected = known["psu"].iloc[0] if len(known) else \
            long[(long["id"] == pid)].dropna(subset=["psu"])["psu"].iloc[0]
        assert row["psu"] == expected, pid
        assert row["strata"] == _stratum([pid])[0]
    # people first seen in b have their b PSU; those with b unknown have the next wave's
    in_b = long[(long["wave"] == "b")]
    unknown_b = in_b.loc[in_b["psu"].isna(), "id"]
    known_b = in_b.loc[in_b["psu"].notna(), "id"]
    assert (wide.loc[known_b, "psu"] == _psu(known_b, "b")).all()
    later = wide.loc[unknown_b, "psu"].to_numpy() % 10
    assert len(later) == 10 and ((later == 1) | (later >= 3)).all()  # a's (outside the window) or later
    assert wide["psu"].notna().all() and wide["strata"].notna().all()


def test_the_wide_panel_fits_with_the_design(panel):
    from analysis.models.sem import SEM

    wide = panel.wide(["loneliness"], waves=["a", "b"])  # people who left after a: weight 0
    res = SEM("loneliness_b ~ loneliness_a").fit(wide, **panel.design.fit_keywords())
    assert res.design["cluster"] == "psu" and res.design["strata"] == "strata"
    assert res.design["n_strata"] == 5
    assert res.design["zero_weight"] == int((wide["weight"] == 0).sum()) > 0
