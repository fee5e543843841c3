"""The headline of crossed groupings (issue 20): for whom, exactly, in one or two everyday sentences.

Reads a crossed comparison as JSON: a run's ``crossed_groups`` item
(:func:`analysis.runs.sections.crossed_groups`) or
:meth:`analysis.models.crossed_results.CrossedComparison.headline_record`, so the
report, the dashboard and a script say the same thing.

The rules
---------
All p-values are the Holm-adjusted ones (over each direction's tests), as the
comparison's own interpretation uses them.

* The **interaction** of a direction is **clear** when its p-value is below .05.
  With two groupings A × B (A the first, e.g. life stage), the level of A in which
  the effects of B's groups are furthest apart (largest minus smallest standardized
  effect, cells with a hidden estimate left out) is named: "The link from loneliness
  to later GHQ-12 distress differs between stigma groups more in people aged 16–29
  than in other life stages" ("than in people aged 65+" when A has two groups).
  With three groupings the test of every interaction at once is used and the
  sentence says the differences by one grouping are not the same in every group of
  the others.
* Interaction not clear, some **main difference** clear: the group with the largest
  mean standardized effect over the other grouping's cells is named, and the
  sentence says the data do not show that this depends on the other grouping(s).
* Nothing clear: one sentence for both directions, "The links do not clearly differ
  between life stages or stigma groups, alone or in combination."  When only the
  interaction was fitted (``compare_crossed(tests=("interaction",))``), only that is
  said: "How the links differ between stigma groups does not clearly change across
  life stages."
* A test that could not be computed (incomplete table of cells, a restricted model
  that did not converge, a scaled difference that is not positive) is never said
  to find nothing: "alone or in combination" is dropped and the caveats say which
  tests are missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from analysis.interpret import significant
from analysis.naming import group_phrase, grouping_plural, join_words, name_of
from analysis.reporting.headline_core import Headline

__all__ = ["CROSSED_CAVEAT", "crossed_caveats", "crossed_headline", "crossed_sentences", "interaction_state"]

CELL_SEP = " × "
PATHS = ("x_to_y", "y_to_x")
CROSSED_CAVEAT = ("Groups are compared on links over time within the same people; a difference between groups "
                  "does not by itself show why it arises, and association is not proof of cause.")


def _p(test: Mapping[str, Any] | None) -> float:
    """A test's Holm-adjusted p-value (NaN when missing)."""
    value = (test or {}).get("pvalue_holm")
    try:
        return float(value) if value is not None else float("nan")
    except (TypeError, ValueError):
        return float("nan")


def _std(block: Mapping[str, Any], cell: str, path: str) -> float | None:
    """A cell's standardized effect, None when the cell or its estimate is hidden."""
    est = ((block.get("groups") or {}).get(cell) or {}).get(path)
    if not isinstance(est, Mapping) or est.get("std") is None:
        return None
    value = float(est["std"])
    return value if np.isfinite(value) else None


def interaction_state(block: Mapping[str, Any], path: str) -> str:
    """``"clear"``, ``"unclear"`` or ``"untested"``: the interaction of one direction by the rules above."""
    p = _p(((block.get("group_tests") or {}).get("interaction") or {}).get(path))
    if not np.isfinite(p):
        return "untested"
    return "clear" if significant(p) else "unclear"


def _link(block: Mapping[str, Any], path: str) -> str:
    a, b = (block["x"], block["y"]) if path == "x_to_y" else (block["y"], block["x"])
    return f"the link from {name_of(a)} to later {name_of(b)}"


def _where_differs_most(block: Mapping[str, Any], path: str) -> str | None:
    """The level of the first grouping where the effects of the second's groups are furthest apart."""
    first, second = block["groupings"][0], block["groupings"][1]
    spreads = {}
    for a in block["levels"][first]:
        values = [v for b in block["levels"][second] if (v := _std(block, CELL_SEP.join((a, b)), path)) is not None]
        if len(values) >= 2:
            spreads[a] = max(values) - min(values)
    return max(spreads, key=spreads.get) if len(spreads) >= 2 else None


def _interaction_sentence(block: Mapping[str, Any], path: str) -> str:
    groupings = list(block["groupings"])
    link = _link(block, path)
    if len(groupings) == 2:
        first, second = groupings
        most = _where_differs_most(block, path)
        if most is None:  # the cells' estimates are hidden: the answer without naming a group
            return f"How {link} differs between {grouping_plural(second)} is not the same in every {name_of(first)}."
        others = [lv for lv in block["levels"][first] if lv != most]
        than = group_phrase(first, others[0]) if len(others) == 1 else f"other {grouping_plural(first)}"
        return (f"{link[0].upper()}{link[1:]} differs between {grouping_plural(second)} more in "
                f"{group_phrase(first, most)} than in {than}.")
    return (f"{link[0].upper()}{link[1:]} differs by {join_words([name_of(g) for g in groupings])} in combination: "
            "the differences by one are not the same in every group of the others.")


def _strongest(block: Mapping[str, Any], grouping: str, path: str) -> str | None:
    """The group of ``grouping`` with the largest mean standardized effect over the other groupings' cells."""
    k = list(block["groupings"]).index(grouping)
    means = {}
    for level in block["levels"][grouping]:
        values = [v for cell in (block.get("groups") or {}) if cell.split(CELL_SEP)[k] == level
                  and (v := _std(block, cell, path)) is not None]
        if values:
            means[level] = float(np.mean(values))
    return max(means, key=lambda g: abs(means[g])) if len(means) >= 2 else None


def _main_sentence(block: Mapping[str, Any], path: str) -> str | None:
    """The clear main differences of one direction, with the interaction not shown (or not tested)."""
    groupings = list(block["groupings"])
    mains = (block.get("group_tests") or {}).get("main") or {}
    clear = [g for g in groupings if significant(_p((mains.get(g) or {}).get(path)))]
    named = [(g, lv) for g in clear if (lv := _strongest(block, g, path)) is not None]
    if not named:
        return None
    link = _link(block, path)
    text = f"{link[0].upper()}{link[1:]} is stronger " + join_words([f"in {group_phrase(g, lv)}" for g, lv in named])
    if interaction_state(block, path) == "unclear":
        if len(named) == 1:
            others = [g for g in groupings if g != named[0][0]]
            text += f", and the data do not show that this depends on {join_words([name_of(g) for g in others])}"
        else:
            text += ", and the data do not show that the groupings combine"
    return text + "."


def _untested_mains(block: Mapping[str, Any], path: str) -> list[str]:
    """The groupings whose main difference in ``path`` could not be computed."""
    mains = (block.get("group_tests") or {}).get("main") or {}
    return [g for g in block["groupings"] if g in mains and not np.isfinite(_p((mains.get(g) or {}).get(path)))]


def crossed_sentences(block: Mapping[str, Any]) -> tuple[str, ...]:
    """For whom, exactly: the crossed answer in one or two sentences (rules in the module docstring).

    Parameters
    ----------
    block : mapping
        ``x``, ``y``, ``groupings``, ``levels``, ``groups`` (cell -> ``x_to_y``/``y_to_x`` with
        ``std``; None when hidden) and ``group_tests`` (``main``, ``interaction`` with
        ``pvalue_holm``), as a run's ``crossed_groups`` item.

    Returns
    -------
    tuple of str
    """
    out, quiet = [], []
    for path in PATHS:
        if interaction_state(block, path) == "clear":
            out.append(_interaction_sentence(block, path))
            continue
        main = _main_sentence(block, path)
        if main:
            out.append(main)
        else:
            quiet.append(path)
    if quiet and not (block.get("group_tests") or {}).get("main"):  # only the interaction was fitted
        groupings = list(block["groupings"])
        links = "the links" if len(quiet) == 2 else _link(block, quiet[0])
        if all(interaction_state(block, p) == "unclear" for p in quiet):
            out.append(f"How {links} differ{'' if len(quiet) == 2 else 's'} between {grouping_plural(groupings[-1])} "
                       f"does not clearly change across {grouping_plural(groupings[0])}." if len(groupings) == 2 else
                       f"The groupings do not clearly combine in {links}.")
    elif quiet:
        names = join_words([grouping_plural(g) for g in block["groupings"]]).replace(" and ", " or ")
        tested = not any(_untested_mains(block, p) or interaction_state(block, p) == "untested" for p in quiet)
        tail = ", alone or in combination" if tested else ""
        if len(quiet) == 2:
            out.append(f"The links do not clearly differ between {names}{tail}.")
        else:
            link = _link(block, quiet[0])
            out.append(f"{link[0].upper()}{link[1:]} does not clearly differ between {names}{tail}.")
    return tuple(out)


def crossed_caveats(block: Mapping[str, Any]) -> tuple[str, ...]:
    """What limits the crossed answer: interactions that could not be tested, and the Holm adjustment."""
    out = []
    untested = [p for p in PATHS if interaction_state(block, p) == "untested"]
    if untested:
        links = join_words([_link(block, p) for p in untested])
        out.append(f"Whether the groupings combine in {links} could not be tested (an incomplete table of cells or a "
                   "model that did not converge; see the notes), so it is not said to be absent.")
    mains = [p for p in PATHS if p not in untested and _untested_mains(block, p)]
    if mains:
        out.append(f"Some tests of {join_words([_link(block, p) for p in mains])} could not be computed (see the "
                   "notes), so a difference there is not ruled out.")
    out.append("Each difference counts only if it is clear after the Holm adjustment over the tests of each "
               "direction.")
    return tuple(out)


def crossed_headline(block: Mapping[str, Any]) -> Headline:
    """The headline of crossed groupings alone (a run with only crossed groupings, or the dashboard).

    Parameters
    ----------
    block : mapping
        A run's ``crossed_groups`` item (see :func:`crossed_sentences`).

    Returns
    -------
    Headline
    """
    return Headline(sentences=crossed_sentences(block), caveats=(*crossed_caveats(block), CROSSED_CAVEAT))


def matching(blocks: Sequence[Mapping[str, Any]] | None, x: str, y: str) -> Mapping[str, Any] | None:
    """The first crossed comparison of the measures ``x`` and ``y`` (None if there is none)."""
    return next((b for b in blocks or () if (b.get("x"), b.get("y")) == (x, y)), None)
