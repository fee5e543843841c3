"""Rules of thumb and their wording: the one place the report, the CLI and the dashboard read them from.

Three kinds of rule live here, each with its published source:

* **Model fit** (Hu & Bentler, 1999): CFI and TLI of at least .95, RMSEA of at
  most .06 and SRMR of at most .08 suggest good fit; CFI of at least .90 with
  RMSEA of at most .08 is taken as acceptable, and RMSEA above .10 as poor.
* **Size of a standardized cross-lagged effect** (Orth et al., 2022): about
  .03 is small, .07 medium and .12 large.  These are lower than the usual
  benchmarks for correlations because a cross-lagged effect is what remains
  after each measure's own past is held fixed.
* **p-values**: below :data:`ALPHA` (.05) is conventionally called
  statistically significant; stars mark p below .05, .01 and .001.

References
----------
Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in covariance
structure analysis: Conventional criteria versus new alternatives. *Structural
Equation Modeling, 6*(1), 1-55.

Orth, U., Meier, L. L., Bühler, J. L., Dapp, L. C., Krauss, S., Messerli, D., &
Robins, R. W. (2022). Effect size guidelines for cross-lagged effects.
*Psychological Methods*. https://doi.org/10.1037/met0000499
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

__all__ = [
    "ALPHA", "EFFECT_SIZE_SOURCE", "EFFECT_SIZES", "FIT_ACCEPTABLE", "FIT_GOOD", "FIT_MISSING", "FIT_SOURCE",
    "RMSEA_POOR", "STAR_LEVELS", "FitVerdict", "effect_size_meaning", "effect_size_scale", "effect_size_words",
    "excludes_zero", "fit_problems", "fit_rule", "fit_verdict", "fit_words", "format_p", "number", "p_stars", "p_text", "p_words", "plain_numbers",
    "readable", "significant", "star_levels", "std_text",
]

#: Conventional significance level.
ALPHA = 0.05
#: Levels marked by one, two and three stars.
STAR_LEVELS = (0.05, 0.01, 0.001)

FIT_SOURCE = "Hu & Bentler 1999"
#: Good fit: CFI and TLI at least these, RMSEA and SRMR at most these (Hu & Bentler 1999).
FIT_GOOD: Mapping[str, float] = {"cfi": 0.95, "tli": 0.95, "rmsea": 0.06, "srmr": 0.08}
#: Acceptable fit: CFI at least, RMSEA at most.
FIT_ACCEPTABLE: Mapping[str, float] = {"cfi": 0.90, "rmsea": 0.08}
#: RMSEA above this is usually taken as poor fit.
RMSEA_POOR = 0.10
FIT_MISSING = "Fit indices could not be computed for this model."

EFFECT_SIZE_SOURCE = "Orth et al. 2022"
#: Small, medium and large standardized cross-lagged effects (Orth et al. 2022).
EFFECT_SIZES: Mapping[str, float] = {"small": 0.03, "medium": 0.07, "large": 0.12}

FitVerdict = Literal["good", "acceptable", "poor"]
_HIGHER_IS_BETTER = ("cfi", "tli")


def number(value: float, *, leading_zero: bool = True) -> str:
    """A cut-off as people write it: ``0.95``, or ``.95`` without the leading zero (APA style).

    Parameters
    ----------
    value : float
        The number; written with as few decimals as it needs.
    leading_zero : bool, default True
        False writes ``.95`` for numbers between -1 and 1, as journals do for
        quantities that cannot exceed one.

    Returns
    -------
    str
    """
    text = f"{value:g}"
    if not leading_zero and -1 < value < 1:
        text = text.replace("0.", ".", 1)
    return text


def readable(value: Any, *, digits: int = 2) -> str:
    """A number as shown to people: two significant digits, never exponent notation, never "-0.00".

    Parameters
    ----------
    value : float or int or None
        The number; None or NaN is shown as ``"—"``.
    digits : int, default 2
        Significant digits of numbers below 1 (and decimals of numbers from 1 to 100).

    Returns
    -------
    str
        ``0.444`` -> ``"0.44"``, ``0.0253`` -> ``"0.025"``, ``13.548`` -> ``"13.55"``,
        ``149299.6`` -> ``"149,300"``, ``-0.0000698`` -> ``"about 0"`` (below 0.0001 either side),
        integers as ``"5,000"``.  Analysts' tables (CSV) keep full precision; this is for reading.
    """
    if value is None or isinstance(value, bool):
        return "—" if value is None else ("yes" if value else "no")
    if isinstance(value, int):
        return f"{value:,}"
    x = _finite(value)
    if x is None:
        return "—"
    a = abs(x)
    if a == 0:
        return "0"
    if a < 1e-4:
        return "about 0"
    if a >= 100:
        return f"{x:,.0f}"
    if a >= 1:
        return f"{x:.{digits}f}"
    decimals = max(digits, digits - 1 - math.floor(math.log10(a)))
    text = f"{x:.{decimals}f}"
    if float(text) == 0:
        return "about 0"
    if abs(float(text)) >= 1:  # 0.996 rounds up to 1.0
        return f"{x:.{digits}f}"
    return text


def p_text(p: Any) -> str:
    """A p-value for a table cell or sentence: ``"less than 0.001"`` or two significant digits (``"0.039"``)."""
    x = _finite(p)
    if x is None:
        return "—"
    if x < 0.001:
        return "less than 0.001"
    return readable(x) if x < 0.995 else "1.00"


_EXPONENT = re.compile(r"(\bp\s*[=<]?\s*)?(-?\d+(?:\.\d+)?[eE][-+]?\d+)")


def plain_numbers(text: str) -> str:
    """Numbers in exponent notation inside a sentence, rewritten for people (``p 8.27e-223`` -> ``p less than 0.001``)."""
    def repl(m: re.Match) -> str:
        value = float(m.group(2))
        if m.group(1):
            return f"{m.group(1).rstrip(' =<')} {p_text(value)}" if value >= 0.001 else \
                f"{m.group(1).rstrip(' =<')} less than 0.001"
        return readable(value)
    return _EXPONENT.sub(repl, text)


# -- model fit ------------------------------------------------------------------------------------------

def _finite(value: Any) -> float | None:
    if value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def fit_verdict(fit: Mapping[str, Any]) -> FitVerdict | None:
    """Judge model fit by the rules of thumb of Hu & Bentler (1999).

    Parameters
    ----------
    fit : mapping
        Fit indices with keys ``cfi``, ``rmsea`` and, optionally, ``srmr``
        (as in ``SEMResults.fit``).  A missing SRMR does not count against the model.

    Returns
    -------
    {"good", "acceptable", "poor"} or None
        ``"good"`` if CFI ≥ .95, RMSEA ≤ .06 and SRMR ≤ .08; ``"acceptable"`` if
        CFI ≥ .90 and RMSEA ≤ .08; ``"poor"`` otherwise; None if CFI or RMSEA is
        missing.  Under MLR (and so under a survey design) the robust CFI and RMSEA
        (``cfi_robust``, ``rmsea_robust``) are judged when present, as lavaan advises.
    """
    cfi, rmsea, srmr = _fit_index(fit, "cfi"), _fit_index(fit, "rmsea"), _finite(fit.get("srmr"))
    if cfi is None or rmsea is None:
        return None
    if cfi >= FIT_GOOD["cfi"] and rmsea <= FIT_GOOD["rmsea"] and (srmr is None or srmr <= FIT_GOOD["srmr"]):
        return "good"
    if cfi >= FIT_ACCEPTABLE["cfi"] and rmsea <= FIT_ACCEPTABLE["rmsea"]:
        return "acceptable"
    return "poor"


def _fit_index(fit: Mapping[str, Any], key: str) -> float | None:
    """The robust version of an index when the fit has one, else the normal-theory one."""
    robust = _finite(fit.get(f"{key}_robust"))
    return robust if robust is not None else _finite(fit.get(key))


_VERDICT_WORDS = {"good": "fits the data well", "acceptable": "fits the data acceptably",
                  "poor": "does not fit the data well"}


def fit_words(fit: Mapping[str, Any]) -> str:
    """Model fit in one plain sentence, naming the rules of thumb used.

    Parameters
    ----------
    fit : mapping
        Fit indices (see :func:`fit_verdict`).

    Returns
    -------
    str
        E.g. "By common rules of thumb (CFI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08; Hu &
        Bentler 1999) the model fits the data well. …"; empty if CFI or RMSEA is
        missing (show :data:`FIT_MISSING` instead where a sentence is needed).
    """
    verdict = fit_verdict(fit)
    if verdict is None:
        return ""
    rules = ", ".join(f"{k.upper()} {'≥' if k in _HIGHER_IS_BETTER else '≤'} "
                      f"{number(FIT_GOOD[k], leading_zero=False)}" for k in ("cfi", "rmsea", "srmr"))
    robust = _finite(fit.get("cfi_robust")) is not None and _finite(fit.get("rmsea_robust")) is not None
    which = (" Judged on the robust CFI and RMSEA, which allow for non-normal data and the survey design."
             if robust else "")
    return (f"By common rules of thumb ({rules}; {FIT_SOURCE}) the model {_VERDICT_WORDS[verdict]}."
            f"{which} With thousands of people the chi-square test rejects even small misfit.")


def fit_problems(fit: Mapping[str, Any] | None, *, converged: bool,
              parameters: Sequence[Mapping[str, Any]] = ()) -> tuple[str, ...]:
    """Reasons not to trust a fit, whatever its indices say: not converged, negative df, negative variances.

    A fit with any of these is never shown as fine (no green tick, not "usable"), even when the
    optimiser stopped normally: negative degrees of freedom mean the model has more unknowns than
    the data can tell apart, and a negative variance is an inadmissible (Heywood) solution.

    Parameters
    ----------
    fit : mapping or None
        Fit indices with ``df``.
    converged : bool
    parameters : sequence of mapping
        Parameter records (``lhs op rhs est``), to find negative variances.

    Returns
    -------
    tuple of str
    """
    out = []
    if not converged:
        out.append("did not converge")
    df = (fit or {}).get("df")
    if df is not None and df < 0:
        out.append(f"not identified ({df} degrees of freedom)")
    negative = [p["lhs"] for p in parameters or () if p.get("op") == "~~" and p.get("lhs") == p.get("rhs")
                and p.get("est") is not None and p["est"] < -1e-8]
    if negative:
        out.append("inadmissible (a negative variance)")
    return tuple(out)


def fit_rule(index: Literal["cfi", "tli", "rmsea", "srmr"]) -> str:
    """The good-fit cut-off of one index in words: ``"0.95 or more"`` or ``"0.06 or less"``.

    Parameters
    ----------
    index : {"cfi", "tli", "rmsea", "srmr"}

    Returns
    -------
    str
    """
    if index not in FIT_GOOD:
        raise ValueError(f"index must be one of {', '.join(FIT_GOOD)}, not {index!r}.")
    return f"{number(FIT_GOOD[index])} or {'more' if index in _HIGHER_IS_BETTER else 'less'}"


# -- effect sizes -----------------------------------------------------------------------------------------

def effect_size_words(std: float) -> str:
    """The size of a standardized cross-lagged effect in words (Orth et al. 2022).

    Parameters
    ----------
    std : float
        Standardized cross-lagged effect; its sign is ignored.

    Returns
    -------
    str
        ``"very small"`` below .03, ``"small"`` below .07, ``"medium-sized"`` below
        .12, else ``"large (for a cross-lagged effect)"``.
    """
    a = abs(std)
    if a < EFFECT_SIZES["small"]:
        return "very small"
    if a < EFFECT_SIZES["medium"]:
        return "small"
    if a < EFFECT_SIZES["large"]:
        return "medium-sized"
    return "large (for a cross-lagged effect)"


def std_text(std: float) -> str:
    """A standardized effect as shown beside its size word: two decimals, or three when two would cross a benchmark.

    ``0.118`` is medium by :data:`EFFECT_SIZES` but would read "0.12", the large benchmark; it is shown
    as ``"0.118"`` so the number and the word agree.  The sign is kept.
    """
    digits = 2 if effect_size_words(round(std, 2)) == effect_size_words(std) else 3
    return f"{std:.{digits}f}"


def effect_size_meaning(std: float, *, source: str, target: str) -> str:
    """What a standardized cross-lagged effect's size means, with the benchmarks' source.

    Parameters
    ----------
    std : float
        The standardized effect.
    source, target : str
        Plain names of the earlier and the later measure.

    Returns
    -------
    str
        E.g. "A standardized effect of 0.12 is large for a cross-lagged effect (Orth et al. 2022: 0.03 small,
        0.07 medium, 0.12 large): one standard deviation more loneliness goes with 0.12 standard deviations
        more distress at the next wave, over and above earlier distress."
    """
    word = effect_size_words(std)
    more = "more" if std >= 0 else "less"
    return (f"A standardized effect of {readable(std, digits=3)} is {word.replace(' (for a cross-lagged effect)', '')} for a "
            f"cross-lagged effect ({EFFECT_SIZE_SOURCE}: {effect_size_scale()}): one standard deviation more "
            f"{source} goes with {readable(abs(std))} standard deviations {more} {target} at the next wave, over and "
            f"above the earlier {target}. Cross-lagged effects are small by nature, because each measure's own past "
            "is held fixed.")


def effect_size_scale(*, leading_zero: bool = True, verb: bool = False) -> str:
    """The benchmarks as a phrase: ``"0.03 small, 0.07 medium, 0.12 large"``.

    Parameters
    ----------
    leading_zero : bool, default True
        False writes ``.03`` (APA style).
    verb : bool, default False
        True writes ``"0.03 is small, …"``, for use as a sentence.

    Returns
    -------
    str
    """
    parts = [f"{number(v, leading_zero=leading_zero)} {name}" for name, v in EFFECT_SIZES.items()]
    if verb:
        parts[0] = parts[0].replace(" ", " is ", 1)
    return ", ".join(parts)


def excludes_zero(ci_lower: float, ci_upper: float) -> bool:
    """Whether a confidence interval lies wholly on one side of zero (a clear effect).

    Parameters
    ----------
    ci_lower, ci_upper : float
        The interval's ends; an interval touching zero does not exclude it.

    Returns
    -------
    bool
    """
    return ci_lower > 0 or ci_upper < 0


# -- p-values ------------------------------------------------------------------------------------------------

def significant(p: float, *, alpha: float = ALPHA) -> bool:
    """Whether ``p`` is below ``alpha`` (False for a missing p-value)."""
    return bool(p < alpha)  # NaN compares False


def format_p(p: float) -> str:
    """A p-value as shown to people: ``"p < 0.001"`` or ``"p = 0.042"`` (two significant digits)."""
    return "p < 0.001" if p < 0.001 else f"p = {p_text(p)}"


def p_words(p: float) -> str:
    """A p-value of a test of difference, in words.

    Parameters
    ----------
    p : float
        The p-value; NaN when it could not be computed.

    Returns
    -------
    str
        E.g. "p = 0.012: a difference this large would be unusual if there were
        none", or "p = 0.340: no clear evidence of a difference".
    """
    if p != p:
        return "could not be computed"
    shown = format_p(p)
    return (f"{shown}: a difference this large would be unusual if there were none" if significant(p)
            else f"{shown}: no clear evidence of a difference")


def star_levels() -> str:
    """The levels :func:`p_stars` marks, as written in a caption: ``".05, .01 and .001"``."""
    shown = [number(level, leading_zero=False) for level in STAR_LEVELS]
    return ", ".join(shown[:-1]) + f" and {shown[-1]}"


def p_stars(p: float | None) -> str:
    """``"***"``, ``"**"``, ``"*"`` or ``""`` for p below .001, .01, .05 or not (see :data:`STAR_LEVELS`)."""
    if p is None:
        return ""
    return "*" * sum(p < level for level in STAR_LEVELS)
