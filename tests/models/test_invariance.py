"""Measurement invariance over waves and across groups (multiple-indicator RI-CLPM)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.errors import UsageError
from analysis.models.builders import PanelDesign
from analysis.models.invariance import invariance_across_groups, invariance_over_waves
from tests_support_lavaan import RICLPM_SOURCES, SUFFIX, load_fixture, riclpm_data

ITEMS = PanelDesign(x_items=tuple(tuple(f"x{t}{k}" for k in range(1, 4)) for t in range(1, 6)),
                    y_items=tuple(tuple(f"y{t}{k}" for k in range(1, 4)) for t in range(1, 6)))


@pytest.fixture(scope="module")
def mi_data() -> pd.DataFrame:
    return riclpm_data("standin", "items")


# lavaan agreement: on the stand-in always, on the tutorial data as an extra when ../shared is there
@pytest.mark.parametrize("source", RICLPM_SOURCES)
def test_over_waves_matches_lavaan_fits(source):
    res = invariance_over_waves(riclpm_data(source, "items"), ITEMS)
    table = res.table.set_index("level")
    for level in ("metric", "scalar"):
        ref = load_fixture(f"builder_riclpm_items_{level}{SUFFIX[source]}")["fit"]
        assert abs(table.loc[level, "chisq"] - ref["chisq"]) <= 1e-4
        assert table.loc[level, "df"] == ref["df"]
    # Metric holds in these data (the stand-in is simulated so), scalar does not.
    assert table.loc["metric", "pvalue"] > 0.05 and table.loc["scalar", "pvalue"] < 0.001
    assert "scalar" in res.interpretation()


def test_across_groups_nests_metric_in_configural(mi_data):
    data = mi_data.assign(G=(mi_data.index % 2).astype(str))
    res = invariance_across_groups(data, ITEMS, group="G")
    t = res.table.set_index("level")
    assert t.loc["metric", "df"] > t.loc["configural", "df"]
    assert t.loc["metric", "chisq"] >= t.loc["configural", "chisq"] - 1e-8
    assert t.loc["metric", "df_diff"] == 4  # two free loadings per construct, equal across two groups


def test_single_indicator_designs_are_refused():
    with pytest.raises(UsageError):
        invariance_over_waves(pd.DataFrame(), PanelDesign(x=("a", "b", "c"), y=("d", "e", "f")))


def test_summary_and_repr_are_short_and_say_p_for_people():
    import pandas as pd

    from analysis.models.invariance import InvarianceResults

    table = pd.DataFrame([
        {"level": "configural", "npar": 30, "chisq": 50.1, "df": 20, "cfi": 0.99, "rmsea": 0.02, "chisq_diff": None,
         "df_diff": None, "pvalue": None},
        {"level": "metric", "npar": 26, "chisq": 90.1, "df": 24, "cfi": 0.98, "rmsea": 0.03, "chisq_diff": 40.0,
         "df_diff": 4, "pvalue": 4e-8}])
    res = InvarianceResults(kind="waves", fits={}, table=table, constructs=("loneliness", "ghq_likert"))
    assert repr(res) == "InvarianceResults(waves of loneliness and ghq_likert: configural, metric)"
    text = res.summary()
    assert len(text.splitlines()) < 15 and "less than 0.001" in text and "e-08" not in text
    assert "(p < 0.001)" in res.interpretation()
