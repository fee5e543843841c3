"""Diagnosed mental-health conditions and everyday discrimination, laid out as the real studies ask them.

Diagnoses accumulate: at each wave a person not yet diagnosed is diagnosed with
a probability that rises with their latent mental-health problems ``M`` (logistic
in the reference-standardised ``M``), so the prevalence depends on the latent
distress and once diagnosed a person stays diagnosed.  Severe mental illness
(SMI) is rarer than a common mental disorder (CMD) and follows the stable part
of ``M`` (the random intercept) more than its wave-to-wave changes.

Released as in the studies (see ``data_specs/README.md``):

* UKHLS-like: ``hcond17`` (clinical depression ever diagnosed, asked at the
  first interview; waves a and c-i, not b) and ``hcondn17`` (newly diagnosed
  since the last interview; waves b-i), 1 mentioned, 0 not mentioned, -8
  inapplicable, -7 proxy.
* ELSA-like: the types of emotional, nervous or psychiatric problem, waves 3-9:
  ``hepsyan`` anxiety, ``hepsyde`` depression (CMD), ``hepsysc`` schizophrenia,
  ``hepsyps`` psychosis, ``hepsyha`` hallucinations (SMI); 1 mentioned, 0 not
  mentioned among people with such a problem, -1 not applicable (no problem
  reported).
* ELSA-like perceived everyday discrimination, wave 5 only: ``scdtdre``,
  ``scdtdst``, ``scdtdcl``, ``scdtdha``, ``scdtddr``, 1 almost every day ... 6
  never, driven by the latent experienced discrimination.

The draws use their own random stream, so adding them changed no other column.
"""

from __future__ import annotations

import numpy as np

#: Logistic hazard per wave: intercept and slope on standardised M.
CMD_HAZARD = (-3.6, 0.9)
SMI_HAZARD = (-6.8, 1.0)
#: UKHLS: waves (1-based) whose files carry hcond17 and hcondn17.
HCOND_WAVES = frozenset({1, 3, 4, 5, 6, 7, 8, 9})
HCONDN_WAVES = frozenset(range(2, 10))
#: ELSA: waves with the psychiatric-problem types, and the wave with the discrimination module.
HEPSY_WAVES = frozenset(range(3, 10))
DISCRIMINATION_WAVE = 5
DISCRIMINATION_ITEMS = ("scdtdre", "scdtdst", "scdtdcl", "scdtdha", "scdtddr")
#: Cumulative shares of codes 1..5 (the rest is 6, never) at average discrimination.
DISCRIMINATION_SHARES = (0.01, 0.04, 0.09, 0.25, 0.40)
CMD_TYPES = ("hepsyan", "hepsyde")
SMI_TYPES = ("hepsysc", "hepsyps", "hepsyha")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _streams(seed: np.random.SeedSequence, waves: int) -> tuple[np.random.Generator, list[np.random.Generator]]:
    """A person-level generator and one per wave: a shorter panel draws the same values as a longer one."""
    person, per_wave = seed.spawn(2)
    return np.random.default_rng(person), [np.random.default_rng(s) for s in per_wave.spawn(waves)]


def diagnoses(seed: np.random.SeedSequence, *, M: np.ndarray, ri_M: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """Ever diagnosed by each wave: (CMD, SMI), boolean arrays of shape (n, waves).

    ``M`` is standardised by its first-wave mean and SD, so the draws do not depend on
    how many waves are simulated.
    """
    _, per_wave = _streams(seed, M.shape[1])
    z = (M - M[:, 0].mean()) / (M[:, 0].std() or 1.0)
    stable = (ri_M - ri_M.mean()) / (ri_M.std() or 1.0)
    cmd = np.zeros(M.shape, dtype=bool)
    smi = np.zeros(M.shape, dtype=bool)
    for t, rng in enumerate(per_wave):
        u_cmd, u_smi = rng.random(M.shape[0]), rng.random(M.shape[0])
        cmd[:, t] = u_cmd < _sigmoid(CMD_HAZARD[0] + CMD_HAZARD[1] * z[:, t])
        smi[:, t] = u_smi < _sigmoid(SMI_HAZARD[0] + SMI_HAZARD[1] * (0.7 * stable + 0.3 * z[:, t]))
    return np.logical_or.accumulate(cmd, axis=1), np.logical_or.accumulate(smi, axis=1)


def ukhls_columns(cmd: np.ndarray, proxy: list[np.ndarray]) -> list[dict[str, np.ndarray]]:
    """Per wave: ``hcond17`` and ``hcondn17`` codes for every person."""
    n, waves = cmd.shape
    out = []
    for t in range(waves):
        wave = t + 1
        first = np.full(n, -8, dtype=np.int8)
        new = np.full(n, -8, dtype=np.int8)
        if wave == 1:
            first = cmd[:, 0].astype(np.int8)
        else:
            new = (cmd[:, t] & ~cmd[:, t - 1]).astype(np.int8)
        first = np.where(proxy[t], -7, first).astype(np.int8)
        new = np.where(proxy[t], -7, new).astype(np.int8)
        out.append({"hcond17": first, "hcondn17": new})
    return out


def elsa_columns(seed: np.random.SeedSequence, cmd: np.ndarray, smi: np.ndarray,
                 discrimination: np.ndarray) -> list[dict[str, np.ndarray]]:
    """Per wave: the psychiatric-problem types and the discrimination items for every person."""
    n, waves = cmd.shape
    person, per_wave = _streams(seed, waves)
    anxious = person.random(n) < 0.5  # which CMD a person reports: depression, and anxiety for half
    smi_type = person.integers(0, len(SMI_TYPES), n)
    d = (discrimination - discrimination.mean()) / (discrimination.std() or 1.0)
    shares = np.array(DISCRIMINATION_SHARES)
    # Code k (1..5) when the latent frequency exceeds the k-th threshold, 6 (never) below all.
    thresholds = -np.log(shares / (1 - shares))  # decreasing
    out = []
    for t, rng in enumerate(per_wave):
        problem = cmd[:, t] | smi[:, t]
        cols: dict[str, np.ndarray] = {}
        for name in CMD_TYPES:
            has = cmd[:, t] & (anxious if name == "hepsyan" else True)
            cols[name] = np.where(problem, has.astype(np.int8), -1).astype(np.int8)
        for k, name in enumerate(SMI_TYPES):
            cols[name] = np.where(problem, (smi[:, t] & (smi_type == k)).astype(np.int8), -1).astype(np.int8)
        for name in DISCRIMINATION_ITEMS:
            latent = 1.1 * d + rng.logistic(size=n)  # higher = more often
            cols[name] = (1 + (latent[:, None] <= thresholds[None, :]).sum(axis=1)).astype(np.int8)
        out.append(cols)
    return out
