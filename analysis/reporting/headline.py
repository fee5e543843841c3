"""The answer first: one or two everyday sentences from the results, by tested rules.

The headline says which way the links run, for whom they differ, and how sure
we are, in the words of an ONS bulletin's main points: no p-values, one rounded
effect per direction.  Caveats that change how far it can be trusted (misfit, a
fit that did not converge or is not identified, the model mixing people with
changes within people) follow it, each in one sentence.

The rules
---------
* A direction is **clear** when its 95% confidence interval excludes zero.
* Both clear, same sign: "go together in both directions", "about equally
  strongly" unless the test of equal standardized effects has p < .05, when the
  stronger direction is named.  Opposite signs: each direction is said on its own.
* One clear: that direction, then "the data do not show a clear link the other way".
* Neither clear: "the data do not show a clear link … in either direction".
* RI-CLPM and DPM compare each person with their own usual level ("than usual");
  the CLPM compares people with each other ("than others"), never "than usual".
* Groups: a grouping differs on a direction when the test of equal effects across
  its groups has p < .05; the group with the largest standardized effect is named
  ("stronger in people aged 16–29"), for at most two groupings (the smallest p-values;
  "and 1 more grouping" for the rest).  When the difference does not survive the Holm
  adjustment over groupings, the caveats say so.
* Crossed groupings (issue 20): the rules of
  :mod:`analysis.reporting.crossed_headline` (is the difference by one grouping the
  same in every group of the other?).  Their sentences follow the direction sentence
  and any single groupings' sentences; when the whole would pass ``MAX_WORDS``, single
  groupings name one group each, then give way to the crossed answer, which is the
  more specific one.  A run with only crossed groupings is headed by them alone
  (:func:`run_headline`).
* Caveats: not converged, not identified (negative degrees of freedom) or poor fit
  (Hu & Bentler 1999) are said first; association is not proof of cause always.

The :class:`Headline` object lives in :mod:`analysis.reporting.headline_core` and the
causal analysis's headline in :mod:`analysis.reporting.causal_headline` (both
importable from here, as before).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analysis.interpret import (ALPHA, effect_size_words, excludes_zero, fit_verdict, significant,
                                std_text)
from analysis.naming import group_phrase, grouping_plural, join_words, name_of
from analysis.reporting.causal_headline import causal_headline
from analysis.reporting.crossed_headline import crossed_caveats, crossed_headline, crossed_sentences, matching
from analysis.reporting.headline_core import MAX_WORDS, Headline

__all__ = ["MAX_WORDS", "GroupDifference", "Headline", "Link", "causal_headline", "crosslag_headline",
           "direction_sentence", "fit_caveats", "group_differences", "groups_headline", "groups_sentences", "headline",
           "run_headline"]

WITHIN_MODELS = ("riclpm", "dpm")


@dataclass(frozen=True)
class Link:
    """One cross-lagged direction as the headline needs it.

    Attributes
    ----------
    source, target : str
        Column names of the earlier and the later measure.
    est, ci_lower, ci_upper : float
        Estimate and 95% confidence interval in the measures' own points.
    std : float
        Standardized estimate (what the headline rounds and shows).
    """

    source: str
    target: str
    est: float
    ci_lower: float
    ci_upper: float
    std: float

    @property
    def clear(self) -> bool:
        """The 95% interval excludes zero."""
        return excludes_zero(self.ci_lower, self.ci_upper)

    @property
    def positive(self) -> bool:
        return self.est >= 0


@dataclass(frozen=True)
class GroupDifference:
    """The test of one direction being equal across the groups of one grouping.

    Attributes
    ----------
    grouping : str
        The grouping's column name (``life_stage``, ``stigma_group``, ...).
    path : {"x_to_y", "y_to_x"}
    pvalue : float
        Test of equal effects across the groups.
    pvalue_holm : float or None
        The same, Holm-adjusted over the groupings compared.
    std : mapping of str to float
        Standardized effect of each group.
    """

    grouping: str
    path: str
    pvalue: float
    pvalue_holm: float | None
    std: Mapping[str, float]

    @property
    def differs(self) -> bool:
        return significant(self.pvalue)

    @property
    def strongest(self) -> str:
        """The group with the largest standardized effect (ties: the first listed)."""
        return max(self.std, key=lambda g: abs(self.std[g]))


def _size(link: Link) -> str:
    """``"0.12 SD, medium"``: the one rounded number per direction, and its size in words (Orth et al. 2022)."""
    word = effect_size_words(link.std).replace(" (for a cross-lagged effect)", "").replace("-sized", "")
    return f"{std_text(abs(link.std))} SD, {word}"


def _change(link: Link, *, within: bool, tail: str = " at the next interview") -> str:
    """``"higher loneliness than usual was followed by higher GHQ-12 distress at the next interview"``."""
    src, dst = name_of(link.source), name_of(link.target)
    more = "higher" if link.positive else "lower"
    if within:
        return f"higher {src} than usual was followed by {more} {dst}{tail}"
    return f"people with higher {src} than others had {more} {dst}{tail}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def direction_sentence(x_to_y: Link, y_to_x: Link, *, model: str, direction_p: float | None) -> str:
    """Which way the links run, in one sentence (rules in the module docstring).

    Parameters
    ----------
    x_to_y, y_to_x : Link
    model : {"riclpm", "clpm", "dpm"}
    direction_p : float or None
        p-value of the test that the two standardized effects are equal.

    Returns
    -------
    str
    """
    within = model in WITHIN_MODELS
    x, y = name_of(x_to_y.source), name_of(x_to_y.target)
    clear = [link for link in (x_to_y, y_to_x) if link.clear]
    if not clear:
        scope = " within people" if within else ""
        return f"The data do not show a clear link between {x} and later {y}{scope}, in either direction."
    if len(clear) == 1:
        (c,) = clear
        other = y_to_x if c is x_to_y else x_to_y
        return (f"{_cap(_change(c, within=within))} ({_size(c)}); the data do not show a clear link from "
                f"{name_of(other.source)} to later {name_of(other.target)}.")
    if x_to_y.positive == y_to_x.positive:
        together = "go together" if x_to_y.positive else "go against each other"
        if direction_p is not None and significant(direction_p):
            strong = x_to_y if abs(x_to_y.std) > abs(y_to_x.std) else y_to_x
            how = f"both ways, more strongly from {name_of(strong.source)} to {name_of(strong.target)}"
        else:
            how = "both ways and about equally"
        first = _change(x_to_y, within=within, tail="" if within else " later")
        more = "higher" if y_to_x.positive else "lower"
        second = (f"higher {y} than usual by {more} {x}" if within
                  else f"people with higher {y} than others had {more} {x} later")
        return f"{_cap(x)} and {y} {together} over time, {how}: {first} ({_size(x_to_y)}), and {second} " \
               f"({_size(y_to_x)})."
    return (f"The two directions differ: {_change(x_to_y, within=within)} ({_size(x_to_y)}), while "
            f"{_change(y_to_x, within=within)} ({_size(y_to_x)}).")


def groups_sentences(differences: Sequence[GroupDifference], *, x: str, y: str,
                     max_named: int = 2) -> tuple[str, ...]:
    """For whom: one sentence per direction that differs between groups, or one saying none does.

    Parameters
    ----------
    differences : sequence of GroupDifference
        One per grouping and direction compared.
    x, y : str
        Column names of the two measures.
    max_named : int, default 2
        Groupings named per direction (the clearest differences); the rest are counted.

    Returns
    -------
    tuple of str
        Empty when nothing was compared.
    """
    if not differences:
        return ()
    out = []
    for path, a, b in (("x_to_y", x, y), ("y_to_x", y, x)):
        found = [d for d in differences if d.path == path and d.differs]
        if found:
            # At most two groups by name (the clearest differences), so the headline stays short.
            named = sorted(found, key=lambda d: d.pvalue)[:max_named]
            named = [d for d in found if d in named]
            rest = len(found) - len(named)
            whom = join_words([f"in {group_phrase(d.grouping, d.strongest)}" for d in named]
                              + ([f"{rest} more grouping{'s' if rest > 1 else ''}"] if rest else []))
            out.append(f"The link from {name_of(a)} to later {name_of(b)} is stronger {whom}.")
    if not out:
        names = list(dict.fromkeys(grouping_plural(d.grouping) for d in differences))
        out.append(f"The links do not clearly differ between {join_words(names).replace(' and ', ' or ')}.")
    return tuple(out)


def fit_caveats(*, fit: Mapping[str, Any] | None, converged: bool = True, admissible: bool = True) -> tuple[str, ...]:
    """Caveats from the model's fit: not converged, not identified, not admissible, poor fit.

    Parameters
    ----------
    fit : mapping or None
        Fit indices (``df``, ``cfi``, ``rmsea``, ...).
    converged : bool
    admissible : bool
        False when a variance is negative or a correlation beyond ±1 (a boundary or Heywood case).

    Returns
    -------
    tuple of str
    """
    out = []
    df = (fit or {}).get("df")
    if not converged:
        out.append("The model did not converge, so these estimates may be wrong.")
    if df is not None and df < 0:
        out.append(f"The model has more unknowns than the data can tell apart ({df} degrees of freedom), so its "
                   "numbers cannot be trusted.")
    if not admissible:
        out.append("Some estimated variances are negative or correlations beyond ±1 (an inadmissible solution), "
                   "so the model is wrong for these data in some way.")
    if fit and fit_verdict(fit) == "poor":
        out.append("The model does not fit the data well by common rules of thumb (Hu & Bentler 1999), so the "
                   "numbers should be treated with caution.")
    return tuple(out)


def headline(*, x_to_y: Link, y_to_x: Link, model: str, direction_p: float | None,
             differences: Sequence[GroupDifference] = (), fit: Mapping[str, Any] | None = None,
             converged: bool = True, admissible: bool = True,
             crossed: Mapping[str, Any] | None = None) -> Headline:
    """The headline of a cross-lagged analysis: which way, for whom, how sure, and the caveats.

    Parameters
    ----------
    x_to_y, y_to_x : Link
        The two directions.
    model : {"riclpm", "clpm", "dpm"}
    direction_p : float or None
        Test of equal standardized effects.
    differences : sequence of GroupDifference, optional
        Group comparisons (none: the headline says nothing about groups).
    fit, converged, admissible
        See :func:`fit_caveats`.
    crossed : mapping, optional
        A crossed comparison of the same measures (a run's ``crossed_groups`` item).

    Returns
    -------
    Headline
    """
    x, y = x_to_y.source, x_to_y.target
    first = direction_sentence(x_to_y, y_to_x, model=model, direction_p=direction_p)
    extra = list(crossed_sentences(crossed)) if crossed else []
    sentences = [first, *groups_sentences(differences, x=x, y=y), *extra]
    if len(" ".join(sentences).split()) > MAX_WORDS:  # many groupings differ: name one per direction
        sentences = [first, *groups_sentences(differences, x=x, y=y, max_named=1), *extra]
    if len(" ".join(sentences).split()) > MAX_WORDS and extra:  # the crossed answer is the more specific one
        sentences = [first, *extra]
    if len(" ".join(sentences).split()) > MAX_WORDS and extra:  # two crossed sentences: the first direction's
        sentences = [first, extra[0]]
    caveats = list(fit_caveats(fit=fit, converged=converged, admissible=admissible))
    caveats += _group_caveats(differences)
    caveats += list(crossed_caveats(crossed)) if crossed else []
    caveats.append(_cause_caveat(model))
    return Headline(sentences=tuple(sentences), caveats=tuple(caveats))


def _group_caveats(differences: Sequence[GroupDifference]) -> list[str]:
    weak = [d for d in differences if d.differs and d.pvalue_holm is not None and not significant(d.pvalue_holm)]
    if not weak:
        return []
    names = join_words(list(dict.fromkeys(grouping_plural(d.grouping) for d in weak)))
    return [f"The difference between {names} is less certain once the number of groupings compared is allowed "
            f"for (Holm adjustment, {ALPHA:g} level)."]


def _cause_caveat(model: str) -> str:
    if model in WITHIN_MODELS:
        return ("These are links over time within the same people, not proof that one causes the other: comparing "
                "each person with themselves rules out lasting differences between people, but not changes that "
                "drive both.")
    return ("These are links over time between people, not proof that one causes the other: this model (CLPM) "
            "mixes lasting differences between people with changes within a person.")


# -- from results -----------------------------------------------------------------------------------------------

def _link(source: str, target: str, p: Mapping[str, Any]) -> Link:
    return Link(source=source, target=target, est=float(p["est"]), ci_lower=float(p["ci_lower"]),
                ci_upper=float(p["ci_upper"]), std=float(p["std"]))


def group_differences(table: Sequence[Mapping[str, Any]], tests: Sequence[Mapping[str, Any]]) -> list[GroupDifference]:
    """Group differences from a run's group records (``table`` and ``tests`` of the groups section).

    Parameters
    ----------
    table : sequence of mapping
        One record per grouping, group and path with ``std_all`` (as ``AllGroupComparisons.to_frame``).
    tests : sequence of mapping
        One record per grouping and test with ``pvalue`` and ``pvalue_holm`` (as ``AllGroupComparisons.tests``).

    Returns
    -------
    list of GroupDifference
        Groups whose estimate was suppressed (a small group) are left out of the comparison of sizes.
    """
    out = []
    for t in tests:
        if t.get("test") not in ("x_to_y", "y_to_x") or t.get("pvalue") is None:
            continue
        std = {str(r["group"]): float(r["std_all"]) for r in table
               if r.get("grouping") == t["grouping"] and r.get("path") == t["test"] and r.get("std_all") is not None}
        if not std:
            continue
        out.append(GroupDifference(grouping=str(t["grouping"]), path=str(t["test"]), pvalue=float(t["pvalue"]),
                                   pvalue_holm=None if t.get("pvalue_holm") is None else float(t["pvalue_holm"]),
                                   std=std))
    return out


def _admissible(parameters: Sequence[Mapping[str, Any]]) -> bool:
    """No negative variance among the estimates (``op == "~~"`` with lhs == rhs)."""
    for r in parameters or ():
        if r.get("op") == "~~" and r.get("lhs") == r.get("rhs") and r.get("est") is not None and r["est"] < -1e-8:
            return False
    return True


def crosslag_headline(crosslag: Mapping[str, Any], groups: Mapping[str, Any] | None = None, *,
                      crossed: Mapping[str, Any] | None = None) -> Headline:
    """The headline of a run's (or a page's) cross-lagged results, as JSON records.

    Parameters
    ----------
    crosslag : mapping
        ``CrossLagResults.to_dict()`` (a run's ``crosslag`` item).
    groups : mapping, optional
        A run's ``groups`` item (``table`` and ``tests`` records) for the same two measures.
    crossed : mapping, optional
        A run's ``crossed_groups`` item for the same two measures.

    Returns
    -------
    Headline
    """
    x, y, c = crosslag["x"], crosslag["y"], crosslag["crosslag"]
    diffs = group_differences(groups["table"], groups["tests"]) if groups else []
    direction = (c.get("direction_test") or {}).get("pvalue")
    return headline(x_to_y=_link(x, y, c["x_to_y"]), y_to_x=_link(y, x, c["y_to_x"]), model=crosslag["model"],
                    direction_p=direction, differences=diffs, fit=crosslag.get("fit"), crossed=crossed,
                    converged=bool(crosslag.get("converged", True)),
                    admissible=_admissible(crosslag.get("parameters") or ()))


def groups_headline(groups: Mapping[str, Any]) -> Headline:
    """The headline of a group comparison alone (the groups page): for whom the links differ.

    Parameters
    ----------
    groups : mapping
        ``x``, ``y``, ``table`` and ``tests`` records (a run's ``groups`` item).

    Returns
    -------
    Headline
    """
    diffs = group_differences(groups["table"], groups["tests"])
    sentences = groups_sentences(diffs, x=groups["x"], y=groups["y"]) or (
        "No groups could be compared.",)
    caveats = [*_group_caveats(diffs), "Groups are compared on links over time; a difference between groups does "
               "not by itself show why it arises."]
    return Headline(sentences=tuple(sentences), caveats=tuple(caveats))


def run_headline(results: Mapping[str, Any]) -> Headline | None:
    """The headline of a run (``results.json``): its first cross-lagged model with the single and crossed
    group comparisons of the same measures; else its first group comparison (with a crossed one of the
    same measures); else its first crossed comparison alone.

    Parameters
    ----------
    results : mapping
        A run's results, with any of ``crosslag``, ``groups`` and ``crossed_groups``.

    Returns
    -------
    Headline or None
        None when the run has none of them.
    """
    crossed_all = results.get("crossed_groups") or []
    cls = results.get("crosslag") or []
    if cls:
        cl = cls[0]
        groups = next((g for g in results.get("groups") or () if (g["x"], g["y"]) == (cl["x"], cl["y"])), None)
        return crosslag_headline(cl, groups, crossed=matching(crossed_all, cl["x"], cl["y"]))
    if results.get("groups"):
        g = results["groups"][0]
        single = groups_headline(g)
        crossed = matching(crossed_all, g["x"], g["y"])
        if crossed is None:
            return single
        sentences = [*single.sentences, *crossed_sentences(crossed)]
        if len(" ".join(sentences).split()) > MAX_WORDS:
            sentences = list(crossed_sentences(crossed))
        return Headline(sentences=tuple(sentences), caveats=(*single.caveats[:-1], *crossed_caveats(crossed),
                                                             single.caveats[-1]))
    if crossed_all:
        return crossed_headline(crossed_all[0])
    return None
