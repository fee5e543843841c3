"""Wave files: layout, labels, codes, ids, attrition and derived scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from analysis.synth import elsa, simulate_latent, ukhls, write_cohort
from analysis.synth.instruments import ITEMS
from analysis.synth.labels import MAX_LABEL_CHARS, NEGATIVE_CODES

KEYS = [("ukhls", "dta"), ("ukhls", "sav"), ("elsa", "dta"), ("elsa", "sav")]
SMALL = {"n": 700, "waves": 4, "seed": 11}


def ukhls_columns(wave: int) -> list[str]:
    w = ukhls.wave_letter(wave) + "_"
    items = ["sclackcom", "scleftout", "scisolate", "sclonely",
             *[f"scghq{c}" for c in "abcdefghijkl"],
             *[f"synpdd{k}" for k in range(1, 7)], *[f"syndisc{k}" for k in range(1, 6)],
             "scghq1_dv", "scghq2_dv", "sf12mcs_dv", "age_dv", "sex"]
    weight = "a_indinus_xw" if wave == 1 else f"{w}indinus_lw"
    return ["pidp", *[w + v for v in items], weight]


def elsa_columns(wave: int) -> list[str]:
    return ["idauniq", "indsex", "indager", "scfeela", "scfeelb", "scfeelc",
            *[f"psced{c}" for c in "abcdefgh"],
            *[f"synpdd{k}" for k in range(1, 7)], *[f"syndisc{k}" for k in range(1, 6)],
            f"w{wave}wgt" if wave <= 2 else f"w{wave}lwgt"]


def prefix(cohort: str, wave: int) -> str:
    return ukhls.wave_letter(wave) + "_" if cohort == "ukhls" else ""


@pytest.mark.parametrize("key", KEYS)
def test_file_names_in_wave_order(written, key):
    files = written[key]
    cohort, fmt = key
    expected = ([f"{c}_indresp.{fmt}" for c in "abcd"] if cohort == "ukhls"
                else [f"wave_{w}_elsa_data.{fmt}" for w in range(1, 5)])
    assert [p.name for p in files.wave_files] == expected
    assert all(p.parent == files.out and p.exists() for p in files.wave_files)
    assert files.truth == files.out / "truth.json" and files.truth.exists()
    assert (files.cohort, files.format) == key
    leftovers = [p.name for p in files.out.iterdir() if p.name.startswith(".")]
    assert leftovers == []


@pytest.mark.parametrize("key", KEYS)
def test_columns_present_in_every_wave(waves_read, key):
    cohort, _ = key
    for wave, (df, _) in enumerate(waves_read[key], start=1):
        expected = ukhls_columns(wave) if cohort == "ukhls" else elsa_columns(wave)
        missing = set(expected) - set(df.columns)
        assert not missing, f"wave {wave} lacks {sorted(missing)}"


@pytest.mark.parametrize("key", KEYS)
def test_every_column_has_a_variable_label_and_coded_ones_value_labels(waves_read, key):
    cohort, _ = key
    negatives = NEGATIVE_CODES[cohort]
    for wave, (df, meta) in enumerate(waves_read[key], start=1):
        labels = meta.column_names_to_labels
        assert all(labels[c] for c in df.columns), "a column has no variable label"
        p = prefix(cohort, wave)
        for item in ITEMS[cohort]:
            value_labels = {int(k): v for k, v in meta.variable_value_labels[p + item.name].items()}
            for code, text in {**negatives, **dict(zip(item.codes, item.code_labels))}.items():
                assert value_labels[code] == text
            if item.synthetic:
                study = "UKHLS" if cohort == "ukhls" else "ELSA"
                assert labels[p + item.name].startswith(f"SYNTHETIC – not in {study}:")
            else:
                assert "SYNTHETIC" not in labels[p + item.name]
        sex = "_".join(filter(None, [p.rstrip("_"), "sex"])) if cohort == "ukhls" else "indsex"
        assert {int(k) for k in meta.variable_value_labels[sex]} >= {1, 2, *negatives}
        if cohort == "ukhls":
            for derived in ("scghq1_dv", "scghq2_dv", "sf12mcs_dv"):
                assert {int(k) for k in meta.variable_value_labels[p + derived]} >= {-9, -7}
        else:
            # People aged 90 or over are coded -7, labelled, as the real release codes them.
            assert meta.variable_value_labels["indager"][-7] == "Collapsed at 90 or over"


@pytest.mark.parametrize("key", KEYS)
def test_ids_unique_sorted_and_attrition_monotone(waves_read, key):
    cohort, _ = key
    id_col = "pidp" if cohort == "ukhls" else "idauniq"
    previous = None
    for df, _ in waves_read[key]:
        ids = df[id_col].to_numpy().astype(np.int64)
        assert len(np.unique(ids)) == len(ids)
        assert np.all(np.diff(ids) > 0)
        if cohort == "ukhls":
            assert ids.min() >= 68_000_000
        else:
            assert ids.min() >= 100_000 and ids.max() <= 999_999
        if previous is not None:
            assert set(ids) <= previous, "someone absent earlier reappeared"
            assert 0.04 < 1 - len(ids) / len(previous) < 0.18, "dropout far from ~10% per wave"
        previous = set(ids)
    assert len(waves_read[key][0][0]) == 700


@pytest.mark.parametrize("fmt", ["dta", "sav"])
def test_ghq_derived_scores_equal_what_items_imply(waves_read, fmt):
    for wave, (df, _) in enumerate(waves_read[("ukhls", fmt)], start=1):
        p = ukhls.wave_letter(wave) + "_"
        items = df[[f"{p}scghq{c}" for c in "abcdefghijkl"]].to_numpy().astype(int)
        proxy = df[f"{p}ivfio"].to_numpy() == 2
        missing = (items < 0).any(axis=1)
        likert = np.where(proxy, -7, np.where(missing, -9, (items - 1).sum(axis=1)))
        caseness = np.where(proxy, -7, np.where(missing, -9, (items >= 3).sum(axis=1)))
        np.testing.assert_array_equal(df[f"{p}scghq1_dv"].to_numpy().astype(int), likert)
        np.testing.assert_array_equal(df[f"{p}scghq2_dv"].to_numpy().astype(int), caseness)
        valid = likert >= 0
        assert valid.mean() > 0.9 and likert[valid].max() <= 36 and caseness[valid].max() <= 12


@pytest.mark.parametrize("fmt", ["dta", "sav"])
def test_ukhls_negative_codes_only_where_expected(waves_read, fmt):
    seen: set[int] = set()
    for wave, (df, _) in enumerate(waves_read[("ukhls", fmt)], start=1):
        p = ukhls.wave_letter(wave) + "_"
        proxy = df[f"{p}ivfio"].to_numpy() == 2
        assert 0 < proxy.sum() < 0.06 * len(df)
        assert not df.isna().any().any()
        for col in ("pidp", f"{p}sex", f"{p}age_dv", ukhls.weight_name(wave)):
            assert (df[col] > 0).all(), col
        assert df[ukhls.weight_name(wave)].mean() == pytest.approx(1.0, abs=1e-3)
        for item in ITEMS["ukhls"]:
            v = df[p + item.name].to_numpy().astype(int)
            assert set(np.unique(v[~proxy])) <= set(item.codes) | {-9, -2, -1}, item.name
            assert (v[proxy] == -7).all()
            seen |= set(np.unique(v[v < 0]).tolist())
        for derived in ("scghq1_dv", "scghq2_dv", "sf12mcs_dv"):
            v = df[p + derived].to_numpy()
            assert (v[proxy] == -7).all()
            assert set(np.unique(v[~proxy & (v < 0)])) <= {-9}
        mcs = df[f"{p}sf12mcs_dv"].to_numpy()
        ok = mcs >= 0
        assert 45 < mcs[ok].mean() < 55 and 7 < mcs[ok].std() < 13
        np.testing.assert_allclose(mcs, np.round(mcs, 2))
    assert seen == {-9, -7, -2, -1}  # -8 (inapplicable) is labelled but never used


@pytest.mark.parametrize("fmt", ["dta", "sav"])
def test_elsa_negative_codes_only_where_expected(waves_read, fmt):
    seen: set[int] = set()
    for wave, (df, _) in enumerate(waves_read[("elsa", fmt)], start=1):
        assert not df.isna().any().any()
        for col in ("idauniq", "indsex", elsa.weight_name(wave)):
            assert (df[col] > 0).all(), col
        assert (df["indager"].between(50, 89) | (df["indager"] == elsa.AGE_CODE_90_PLUS)).all()
        cesd = df[[f"psced{c}" for c in "abcdefgh"]].to_numpy().astype(int)
        proxy = (cesd == -1).all(axis=1)
        assert not ((cesd == -1).any(axis=1) & ~proxy).any(), "-1 outside a proxy interview"
        for item in ITEMS["elsa"]:
            v = df[item.name].to_numpy().astype(int)
            allowed = set(item.codes) | {-9, -8, -3} | ({-1} if item.mode == "interview" else {-2})
            assert set(np.unique(v)) <= allowed, item.name
            if item.mode == "self":
                assert (v[proxy] == -2).all()
            seen |= set(np.unique(v[v < 0]).tolist())
    assert seen == {-9, -8, -3, -2, -1}


@pytest.mark.parametrize("cohort", ["ukhls", "elsa"])
def test_files_hold_the_observed_panel(waves_read, cohort):
    panel = simulate_latent(cohort=cohort, **SMALL)
    layout = ukhls if cohort == "ukhls" else elsa
    for wave, (df, _) in enumerate(waves_read[(cohort, "dta")], start=1):
        obs = panel.observed[panel.observed.wave == wave]
        for spec in layout.specs(wave):
            expected = obs[spec.source].to_numpy(dtype=float)
            if cohort == "elsa" and spec.name == "indager":  # 90+ released as -7
                expected = np.where(expected >= elsa.AGE_TOP_CODE, elsa.AGE_CODE_90_PLUS, expected)
            np.testing.assert_allclose(df[spec.name].to_numpy(dtype=float), expected, err_msg=spec.name)
        long = panel.long[(panel.long.wave == wave) & panel.long.responded]
        np.testing.assert_array_equal(long.id.to_numpy(), df[layout.ID].to_numpy())


@pytest.mark.parametrize("cohort", ["ukhls", "elsa"])
def test_in_memory_tables_use_compact_integer_dtypes(cohort):
    panel = simulate_latent(cohort=cohort, n=50, waves=2, seed=3)
    layout = ukhls if cohort == "ukhls" else elsa
    table = layout.wave_table(panel.observed[panel.observed.wave == 1], 1, "dta")
    for item in ITEMS[cohort]:
        assert table.frame[item.name if cohort == "elsa" else "a_" + item.name].dtype == np.int8
    assert all(len(label) <= MAX_LABEL_CHARS for label in table.column_labels.values())
    assert isinstance(table.frame, pd.DataFrame)


def test_tiny_cohort_writes_empty_files_once_everyone_has_left(tmp_path):
    files = write_cohort(cohort="elsa", n=1, waves=26, seed=3, fmt="dta", out=tmp_path / "c")
    sizes = [len(pyreadstat.read_dta(p)[0]) for p in files.wave_files]
    assert sizes[0] == 1 and sizes[-1] == 0
    assert sizes == sorted(sizes, reverse=True)
