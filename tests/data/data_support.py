"""Helpers shared by the data-layer tests (importable: conftest puts this folder on sys.path)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "data_specs"
SMALL = {"n": 300, "waves": 4, "seed": 5}
SPEC_OF = {"ukhls": SPECS / "synthetic.yaml", "elsa": SPECS / "synthetic_elsa.yaml"}
UKHLS_WAVES = "abcdefghijklmnopqrstuvwxyz"


def wave_name(cohort: str, wave: int) -> str:
    """Name the shipped synthetic specs give generator wave ``wave`` (1-based)."""
    return UKHLS_WAVES[wave - 1] if cohort == "ukhls" else f"w{wave}"


def fingerprint(folder: Path) -> dict[str, tuple[str, int]]:
    """sha256 and mtime of every file in ``folder`` (to prove nothing was written)."""
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.iterdir()) if p.is_file()}


def nan_equal(a, b, atol: float = 1e-9) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.array_equal(np.isnan(a), np.isnan(b))) and \
        bool(np.allclose(a[~np.isnan(a)], b[~np.isnan(b)], atol=atol, rtol=0))


def expected_scores(cohort: str, obs):
    """Construct scores the shipped synthetic specs should give, from released responses.

    Computed directly from the generator's item codes (negative codes = missing) and,
    where the generator releases them, its own derived scores (scghq1_dv, scghq2_dv,
    sf12mcs_dv) and CES-D count.
    """
    import pandas as pd

    from analysis.synth.conditions import HCOND_WAVES, HCONDN_WAVES, HEPSY_WAVES
    from analysis.synth.measurement import cesd_count

    def items(names):
        x = np.array(obs[list(names)].to_numpy(dtype=float), copy=True)
        x[x < 0] = np.nan
        return x

    def complete_sum(names):
        x = items(names)
        return np.where(np.isnan(x).any(axis=1), np.nan, np.nansum(x, axis=1))

    out = pd.DataFrame({"id": obs["id"].to_numpy(np.int64), "wave": obs["wave"].to_numpy(int)})
    pdd = items([f"synpdd{k}" for k in range(1, 7)])
    pdd[:, [1, 3, 5]] = 5 - pdd[:, [1, 3, 5]]
    n_pdd = (~np.isnan(pdd)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["perceived_stigma"] = np.where(n_pdd >= 4, np.nansum(pdd, axis=1) / n_pdd, np.nan)
        disc = items([f"syndisc{k}" for k in range(1, 6)])
        n_disc = (~np.isnan(disc)).sum(axis=1)
        out["discrimination"] = np.where(n_disc >= 4, np.nansum(disc, axis=1) * 5 / n_disc, np.nan)
    def asked(values, waves):  # a construct listed for some waves only is NaN elsewhere
        return np.where(np.isin(obs["wave"].to_numpy(int), list(waves)), values, np.nan)

    if cohort == "ukhls":
        out["depression_diagnosed"] = asked(items(["hcond17"])[:, 0], HCOND_WAVES)
        out["depression_new"] = asked(items(["hcondn17"])[:, 0], HCONDN_WAVES)
        out["loneliness"] = complete_sum(["sclackcom", "scleftout", "scisolate"])
        out["loneliness_single"] = items(["sclonely"])[:, 0]
        for name, col in (("ghq_likert", "scghq1_dv"), ("ghq_caseness", "scghq2_dv"), ("mcs", "sf12mcs_dv")):
            v = obs[col].to_numpy(dtype=float)
            out[name] = np.where(v < 0, np.nan, v)
    else:
        out["loneliness"] = complete_sum(["scfeela", "scfeelb", "scfeelc"])
        e = obs["pscede"].to_numpy(dtype=float)
        out["loneliness_single"] = np.where(e == 1, 1.0, np.where(e == 2, 0.0, np.nan))
        out["cesd"] = cesd_count({c: obs[c].to_numpy() for c in obs.columns if c.startswith("psced")})
        for name, cols in (("smi_diagnosed", ["hepsysc", "hepsyps", "hepsyha"]),
                           ("cmd_diagnosed", ["hepsyan", "hepsyde"])):
            x = obs[cols].to_numpy(dtype=float)
            x = np.where(x == -1, 0.0, np.where(x < 0, np.nan, x))  # -1: no problem reported = no
            with np.errstate(invalid="ignore"):
                out[name] = asked(np.nanmax(np.where(np.isnan(x), -np.inf, x), axis=1), HEPSY_WAVES)
            out.loc[np.isinf(out[name]), name] = np.nan
    return out


def rewrite(path: Path, change) -> None:
    """Rewrite a *test copy* of a wave file with ``change(frame) -> frame`` applied."""
    import pyreadstat

    reader, writer = ((pyreadstat.read_dta, pyreadstat.write_dta) if path.suffix == ".dta"
                      else (pyreadstat.read_sav, pyreadstat.write_sav))
    frame, meta = reader(str(path))
    frame = change(frame)
    labels = {c: meta.column_names_to_labels.get(c) for c in frame.columns}
    value_labels = {c: v for c, v in meta.variable_value_labels.items() if c in frame.columns}
    path.unlink()
    writer(frame, str(path), column_labels=labels, variable_value_labels=value_labels)


def by_wave_name(cohort: str, frame):
    """Replace the generator's integer wave by the shipped spec's wave name."""
    out = frame.copy()
    out["wave"] = [wave_name(cohort, int(w)) for w in out["wave"]]
    return out
