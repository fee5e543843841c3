"""Between and within: the random intercepts of an RI-CLPM in words, and the flags of a fit's trustworthiness.

The RI-CLPM splits each score into a person's lasting level (the random
intercept) and their departures from it.  The random-intercept variances say how
much people differ lastingly; their correlation says whether people who are
lonelier than others in general also have more distress in general.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analysis.interpret import fit_problems as fit_flags, readable
from analysis.naming import name_of, points_of

__all__ = ["Between", "analysed_sentence", "between", "between_html", "between_words", "fit_flags", "fit_flags_html"]


@dataclass(frozen=True)
class Between:
    """The random intercepts of a bivariate RI-CLPM (read-only).

    Attributes
    ----------
    x, y : str
        Column names of the two measures.
    var_x, var_y : float
        Random-intercept variances (squared points).
    cov : float
        Their covariance.
    """

    x: str
    y: str
    var_x: float
    var_y: float
    cov: float

    @property
    def sd_x(self) -> float:
        return math.sqrt(self.var_x) if self.var_x > 0 else float("nan")

    @property
    def sd_y(self) -> float:
        return math.sqrt(self.var_y) if self.var_y > 0 else float("nan")

    @property
    def correlation(self) -> float:
        """Correlation of the random intercepts (NaN when a variance is not positive)."""
        if self.var_x <= 0 or self.var_y <= 0:
            return float("nan")
        return self.cov / math.sqrt(self.var_x * self.var_y)

    def words(self) -> str:
        """The between-person part in one or two sentences."""
        x, y = name_of(self.x), name_of(self.y)
        r = self.correlation
        if not math.isfinite(r):
            return (f"A random-intercept variance is zero or negative, so lasting differences between people in "
                    f"{x} and {y} could not be estimated (the model may not suit these data).")
        spread = (f"People differ lastingly: the typical person's usual {x} is {readable(self.sd_x)} "
                  f"{points_of(self.x)} from the average, and their usual {y} {readable(self.sd_y)} "
                  f"{points_of(self.y)} from it.")
        if abs(r) < 0.1:
            link = f"People's usual levels of {x} and {y} are hardly related (correlation {readable(r)})."
        elif r > 0:
            link = (f"People who are lonelier than others in general also tend to have more {y} in general "
                    f"(correlation {readable(r)} between their usual levels)." if self.x == "loneliness" else
                    f"People with higher {x} than others in general also tend to have higher {y} in general "
                    f"(correlation {readable(r)} between their usual levels).")
        else:
            link = (f"People with higher {x} than others in general tend to have lower {y} in general "
                    f"(correlation {readable(r)} between their usual levels).")
        return f"{link} {spread}"


def _param(parameters: Sequence[Mapping[str, Any]], lhs: str, rhs: str) -> float | None:
    for p in parameters:
        if p.get("op") == "~~" and {p.get("lhs"), p.get("rhs")} == {lhs, rhs} and p.get("group") in (None, ""):
            return None if p.get("est") is None else float(p["est"])
    return None


def between(crosslag: Mapping[str, Any]) -> Between | None:
    """The random intercepts of a cross-lagged result (``CrossLagResults.to_dict()``); None without them."""
    params = crosslag.get("parameters") or ()
    vx, vy, c = _param(params, "RIx", "RIx"), _param(params, "RIy", "RIy"), _param(params, "RIx", "RIy")
    if vx is None or vy is None or c is None:
        return None
    return Between(x=crosslag["x"], y=crosslag["y"], var_x=vx, var_y=vy, cov=c)


def between_words(crosslag: Mapping[str, Any]) -> str:
    """:meth:`Between.words` of a result, or an empty string for models without random intercepts."""
    b = between(crosslag)
    return b.words() if b is not None else ""


def between_html(crosslag: Mapping[str, Any]) -> str:
    """The report's paragraph on lasting differences between people, with the variances and correlation."""
    b = between(crosslag)
    if b is None:
        return ""
    return ("<h3 id='between'>Lasting differences between people (random intercepts)</h3>"
            f"<p>{html.escape(b.words())}</p><p class='note'>Random-intercept variances: "
            f"{html.escape(name_of(b.x))} {readable(b.var_x)}, {html.escape(name_of(b.y))} {readable(b.var_y)} "
            f"(squared points); covariance {readable(b.cov)}, correlation {readable(b.correlation)}. The lagged "
            "effects above are about departures from these usual levels.</p>")


def fit_flags_html(crosslag: Mapping[str, Any]) -> str:
    """A warning paragraph when the main fit should not be trusted, else nothing."""
    flags = fit_flags(crosslag.get("fit"), converged=bool(crosslag.get("converged", True)),
                      parameters=crosslag.get("parameters") or ())
    if not flags:
        return ""
    return (f"<p class='warn'>This fit should not be trusted: it {html.escape(' and '.join(flags))}. "
            "Its estimates are shown for checking only.</p>")


def analysed_sentence(crosslag: Mapping[str, Any], *, persons: int | None = None,
                      weight_rule: str | None = None) -> str:
    """How many people the model used, why the others were left out, and how it was estimated, in one line.

    Parameters
    ----------
    crosslag : mapping
        ``CrossLagResults.to_dict()``.
    persons : int, optional
        Persons in the data (to say "of N").
    weight_rule : {"last", "first"}, optional
        Which wave's longitudinal weight was used (explains zero weights).

    Returns
    -------
    str
    """
    nobs = crosslag.get("nobs")
    n = sum(nobs.values()) if isinstance(nobs, Mapping) else nobs
    design = crosslag.get("design") or {}
    est = (crosslag.get("estimation") or {})
    estimator = str(est.get("estimator", "ml")).upper()
    missing = est.get("missing", "fiml")
    how = (f"Estimated by maximum likelihood ({estimator}"
           + (", with standard errors for the survey's clustering and strata" if design.get("cluster") else "")
           + (", weighted" if design.get("weight") else ", unweighted") + "); "
           + ("missing waves by full-information maximum likelihood (everyone with at least one answer counts)."
              if missing == "fiml" else "people with any missing wave left out (complete cases)."))
    if n is None:
        return how
    of = f" of {persons:,}" if persons else ""
    zero, miss = design.get("zero_weight") or 0, design.get("missing_weight") or 0
    why = []
    if zero:
        rule = {"last": " (the last wave's longitudinal weight, zero for people who left before it)",
                "first": " (the first wave's weight)"}.get(weight_rule or "", "")
        why.append(f"{zero:,} had a survey weight of zero{rule}")
    if miss:
        why.append(f"{miss:,} had no survey weight")
    left = f"; left out: {' and '.join(why)}" if why else ""
    return f"Analysed: {n:,}{of} people{left}. {how}"
