"""A data spec from a variable mapping (the dashboard's "I will say which questions measure what")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data import load_panel, parse_spec
from analysis.data.mapping import MeasureMapping, mapping_spec, missing_codes, wave_name
from analysis.errors import DataError, SpecError, UsageError

LONELINESS = MeasureMapping(items=("lon1", "lon2", "lon3"), low=1, high=3)
GHQ = MeasureMapping(items=("ghq1", "ghq2"), low=0, high=3)
STIGMA = MeasureMapping(items=("stig1", "stig2"), low=1, high=4, score="mean")


def _frame(persons: int = 80, waves=(1, 2, 3), seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = np.repeat(np.arange(101, 101 + persons), len(waves))
    frame = pd.DataFrame({"pid": ids, "wave": np.tile(waves, persons),
                          "age": np.repeat(rng.integers(18, 90, persons), len(waves))})
    for k in range(3):
        frame[f"lon{k + 1}"] = rng.integers(1, 4, len(ids))
    for k in range(2):
        frame[f"ghq{k + 1}"] = rng.integers(0, 4, len(ids))
        frame[f"stig{k + 1}"] = rng.integers(1, 5, len(ids))
    frame.loc[::7, "ghq2"] = -9
    frame.loc[::11, "lon1"] = 7  # out of range
    return frame


@pytest.fixture
def long_file(tmp_path):
    frame = _frame()
    frame.to_csv(tmp_path / "study.csv", index=False)
    return tmp_path, frame


def test_a_long_file_maps_to_a_spec_that_loads(long_file):
    folder, frame = long_file
    spec = mapping_spec(folder, ["study.csv"], id_column="pid", wave_column="wave",
                        measures={"loneliness": LONELINESS, "mental_health": GHQ, "stigma": STIGMA}, age="age")
    assert spec["layout"] == "long" and spec["file"] == "study.csv" and spec["wave_column"] == "wave"
    assert spec["waves"] == [{"name": str(w), "number": w, "value": w} for w in (1, 2, 3)]
    assert spec["missing"] == {"codes": {-9.0: "missing", -8.0: "missing", -7.0: "missing", -2.0: "missing",
                                         -1.0: "missing"}, "out_of_range": "missing"}
    assert spec["constructs"]["loneliness"] == {"label": "loneliness (sum of 3 items)",
                                                "items": ["lon1", "lon2", "lon3"], "valid": [1.0, 3.0], "score": "sum"}
    assert spec["constructs"]["stigma"]["stigma"] is True and spec["constructs"]["stigma"]["score"] == "mean"
    assert set(spec["groupings"]) == {"life_stage", "stigma_group"}
    assert spec["groupings"]["life_stage"]["bands"]["65+"] == [65.0, None]
    panel = load_panel(parse_spec(spec), data=folder)
    assert panel.waves == ("1", "2", "3")
    assert panel.constructs == ("loneliness", "mental_health", "stigma")
    long = panel.long.set_index(["id", "wave"]).sort_index()
    raw = frame.assign(wave=frame["wave"].astype(str)).set_index(["pid", "wave"]).sort_index()
    ghq = raw[["ghq1", "ghq2"]].where(raw[["ghq1", "ghq2"]] >= 0)
    expected = ghq.sum(axis=1).where(ghq.notna().all(axis=1))
    np.testing.assert_allclose(long["mental_health"].to_numpy(float), expected.to_numpy(float))
    assert long["loneliness"].isna().sum() == (raw["lon1"] == 7).sum(), "out-of-range answers become missing"


def test_one_file_per_wave_without_a_wave_column(tmp_path):
    frame = _frame(waves=(1,))
    for w in ("first", "second"):
        frame.drop(columns="wave").to_csv(tmp_path / f"{w}.csv", index=False)
    spec = mapping_spec(tmp_path, ["first.csv", "second.csv"], id_column="pid",
                        measures={"loneliness": LONELINESS, "mental_health": GHQ})
    assert spec["layout"] == "waves"
    assert spec["waves"] == [{"name": "w1", "number": 1, "file": "first.csv"},
                             {"name": "w2", "number": 2, "file": "second.csv"}]
    assert "groupings" not in spec and "covariates" not in spec and "stigma" not in spec["constructs"]
    assert load_panel(parse_spec(spec), data=tmp_path).waves == ("w1", "w2")


def test_refusals_in_words(long_file):
    folder, _ = long_file
    both = {"loneliness": LONELINESS, "mental_health": GHQ}
    with pytest.raises(DataError, match=r"^Choose the questions that measure loneliness\.$"):
        mapping_spec(folder, ["study.csv"], id_column="pid", wave_column="wave",
                     measures={"loneliness": MeasureMapping(items=(), low=1, high=3), "mental_health": GHQ})
    with pytest.raises(DataError, match=r"^Choose the questions that measure mental health\.$"):
        mapping_spec(folder, ["study.csv"], id_column="pid", wave_column="wave", measures={"loneliness": LONELINESS})
    with pytest.raises(DataError, match="Missing-value codes must be numbers"):
        mapping_spec(folder, ["study.csv"], id_column="pid", wave_column="wave", measures=both, missing="-9, dk")
    with pytest.raises(DataError, match=r"wave column 'pid' has 80 different values"):
        mapping_spec(folder, ["study.csv"], id_column="pid", wave_column="pid", measures=both)
    with pytest.raises(UsageError, match="one long file, but 2 files"):
        mapping_spec(folder, ["study.csv", "other.csv"], id_column="pid", wave_column="wave", measures=both)
    with pytest.raises(UsageError, match="not 'anxiety'"):
        mapping_spec(folder, ["study.csv"], id_column="pid", wave_column="wave", measures={**both, "anxiety": GHQ})
    with pytest.raises(SpecError, match="your variable mapping"):
        mapping_spec(folder, ["study.csv"], id_column="pid", wave_column="wave", measures=both,
                     out_of_range="ignore")  # type: ignore[arg-type]


def test_missing_codes_and_wave_names():
    assert missing_codes("-9; -8, ,-1") == {-9.0: "missing", -8.0: "missing", -1.0: "missing"}
    assert missing_codes("") == {}
    assert wave_name(3.0) == ("3", 3) and wave_name(2.5) == ("2_5", "2.5") and wave_name(-1) == ("m1", -1)
    assert wave_name(" Wave 1 ") == ("Wave_1", "Wave 1") and wave_name("  ") == ("blank", "")
