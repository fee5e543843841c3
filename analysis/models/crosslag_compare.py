"""crosslag's comparison models: the other model types and the other lag setting, as one table.

The other model types (CLPM, RI-CLPM, DPM) are fitted to the same data independently of the
model asked for; :func:`other_models` returns their table rows and the CLPM-vs-RI-CLPM note.
``fit_crosslag`` summarises the main fit and fits the other lag setting in a second process
meanwhile (:mod:`analysis.background`), which returns only the summaries, the row and the test.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from analysis.errors import UsageError
from analysis.models.builders import MODEL_TYPES, build_syntax
from analysis.models.panel_fit import fit_panel
from analysis.models.sem import SEMResults, lrt


def comparison_row(name: str, r: Any) -> dict:
    """One row of the comparison table: a fit's indices, or why the model could not be fitted."""
    model, lag = name.split("/")
    if isinstance(r, Exception):
        return {"model": model, "lags": lag, "converged": False, "note": str(r)}
    f = r.fit
    return {"model": model, "lags": lag, "converged": r.converged, "npar": f["npar"], "chisq": f["chisq"],
            "df": f["df"], "pvalue": f["pvalue"], "cfi": f["cfi"], "tli": f["tli"], "rmsea": f["rmsea"],
            "srmr": f["srmr"], "logl": f["logl"], "aic": f["aic"], "bic": f["bic"], "note": ""}


def clpm_note(fits: dict[str, Any], *, lags: str) -> str | None:
    """The CLPM-vs-RI-CLPM likelihood-ratio test in words, when both were fitted to the same persons."""
    clpm, riclpm = fits.get(f"clpm/{lags}"), fits.get(f"riclpm/{lags}")
    if isinstance(clpm, SEMResults) and isinstance(riclpm, SEMResults) and clpm.fit["nobs"] == riclpm.fit["nobs"]:
        try:
            t = lrt(clpm, riclpm)
        except UsageError:
            return None
        if not math.isfinite(t.chisq):  # said, never a bare 'nan'
            return f"LRT against RI-CLPM: not available, {t.description}"
        return f"LRT against RI-CLPM: chisq {t.chisq:.2f}, df {t.df}, p {t.pvalue:.3g} (boundary: conservative)"
    return None


def comparison_table(rows: list[dict], *, lags: str, note: str | None) -> pd.DataFrame:
    """The rows as a table, the CLPM row carrying ``note``.

    The CLPM is nested in the RI-CLPM (random-intercept variances fixed at zero); as that puts
    parameters on the boundary, the LRT p-value in the note is conservative (a chi-bar-square
    mixture would give a smaller one).
    """
    table = pd.DataFrame(rows)
    if note is not None:
        table.loc[(table.model == "clpm") & (table.lags == lags), "note"] = note
    return table


def other_models(main: SEMResults, wide: pd.DataFrame, design, *, model: str, lags: str, innovations: str,
                 fit_kw: dict) -> dict:
    """Fit the model types other than ``model`` (a failure is kept as its row's note, never raised).

    Returns ``rows`` (their comparison rows, in :data:`MODEL_TYPES` order) and ``clpm_note`` (the
    CLPM-vs-RI-CLPM test when ``model`` is one of the two, using ``main``, its fit).
    """
    fits: dict[str, Any] = {f"{model}/{lags}": main}
    for m in MODEL_TYPES:
        if m == model:
            continue
        try:
            fits[f"{m}/{lags}"] = fit_panel(build_syntax(m, design, lags=lags, innovations=innovations), wide,
                                            se="none", **fit_kw)
        except Exception as exc:  # noqa: BLE001 - a comparison model that fails must not hide the main result
            fits[f"{m}/{lags}"] = exc
    return {"rows": [comparison_row(n, r) for n, r in fits.items() if n != f"{model}/{lags}"],
            "clpm_note": clpm_note(fits, lags=lags)}
