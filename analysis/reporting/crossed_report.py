"""The report's subsection on crossed groupings (issue 20): the answer in words, the figure, the tests, the notes.

Reads a run's ``crossed_groups`` block (:func:`analysis.runs.sections.crossed_groups`),
which has passed disclosure control already.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.interpret import p_text, plain_numbers, readable
from analysis.naming import grouping_plural, join_words, name_of

CELL_SEP = " × "
#: Columns of a crossed comparison's cells table computed from the cell's persons (blanked with a small count).
CELL_DEPENDENT = ("est", "se", "ci_lower", "ci_upper", "pvalue", "std_all", "std_all_ci_lower", "std_all_ci_upper")
#: compare_crossed's warning on a cell under 200 persons.
_SMALL = re.compile(r"^The cell '(.+)' has (?:only )?(\d[\d,]*|fewer than \d+) persons; its estimates will be "
                    "imprecise")


def test_label(kind: str, groupings: list[str], key: str = "") -> str:
    """What one test asks, in words.

    Parameters
    ----------
    kind : {"omnibus", "main", "interaction", "additive", "interactions"}
        The test family (``interactions``: one interaction of three groupings, ``key``
        joining its groupings with " × ").
    groupings : list of str
        The crossed groupings, in order.
    key : str
        The grouping of a main difference, or the groupings of one interaction.
    """
    if kind == "omnibus":
        return "The effect is the same in every cell"
    if kind == "main":
        others = join_words([grouping_plural(g) for g in groupings if g != key])
        return f"No difference between {grouping_plural(key)} (averaged over the {others})"
    if kind == "additive":
        return "No interaction: each grouping's differences are the same at every level of the others"
    parts = key.split(CELL_SEP) if key else list(groupings)
    if len(parts) == 2:
        return (f"No interaction: the differences between {grouping_plural(parts[1])} are the same in all "
                f"{grouping_plural(parts[0])}")
    return f"No three-way interaction of {join_words([name_of(g) for g in parts])}"


def test_rows(block: dict[str, Any]) -> list[dict[str, str]]:
    """One row per test with both directions' chi-square and Holm-adjusted p-value, for people."""
    tests = block.get("group_tests") or {}
    groupings = list(block.get("groupings") or [])
    found: list[tuple[str, dict]] = []
    if "omnibus" in tests:
        found.append((test_label("omnibus", groupings), tests["omnibus"]))
    for g, pair in (tests.get("main") or {}).items():
        found.append((test_label("main", groupings, g), pair))
    for key, pair in (tests.get("interactions") or {}).items():
        found.append((test_label("interactions", groupings, key), pair))
    if "interaction" in tests:
        kind = "interaction" if len(groupings) == 2 else "additive"
        found.append((test_label(kind, groupings), tests["interaction"]))
    rows = []
    for label, pair in found:
        xy, yx = pair.get("x_to_y") or {}, pair.get("y_to_x") or {}
        rows.append({"test": label, "df": readable(xy.get("df", yx.get("df"))),
                     "xy_chisq": readable(xy.get("chisq")), "xy_p": p_text(xy.get("pvalue_holm")),
                     "yx_chisq": readable(yx.get("chisq")), "yx_p": p_text(yx.get("pvalue_holm"))})
    return rows


def crossed_caption(x: str, y: str, groupings: list[str] | tuple[str, ...], *, threshold: int,
                    message: str = "") -> str:
    """The small-multiples figure's caption and alt text: what it shows, how to read it, and ``message``.

    Parameters
    ----------
    x, y : str
        Column names of the two measures.
    groupings : sequence of str
        The crossed groupings; the first makes the panels.
    threshold : int
        Disclosure threshold: cells of fewer persons are not drawn.
    message : str
        The figure's message (e.g. the crossed headline), appended.
    """
    xs, ys = name_of(x), name_of(y)
    text = (f"Cross-lagged effects of {xs} and {ys} in each cell of {' × '.join(name_of(g) for g in groupings)} "
            f"(standardized, 95% confidence intervals): one panel per {name_of(groupings[0])} group, so the pattern "
            f"can be compared across panels. Blue solid: {xs} → later {ys}; orange dashed: {ys} → later {xs}. "
            f"Cells of fewer than {threshold} persons are not drawn.")
    return f"{text} {message}".strip()


def safe_cells(table: pd.DataFrame, not_grouped: int, *, threshold: int) -> tuple[pd.DataFrame, int]:
    """A crossed comparison's cells table as people may see it (the report's and the dashboard's rule).

    A cell of 1 to ``threshold - 1`` persons loses its size and its estimates; a cell size
    that would give back the persons without a cell (with them, the sizes add up to the
    persons analysed) is hidden as well (:func:`analysis.runs.disclosure.hide_group_sizes`).

    Parameters
    ----------
    table : DataFrame
        :meth:`analysis.models.crossed_results.CrossedComparison.to_frame` (``cell``, ``n``, estimates).
    not_grouped : int
        Persons analysed without a cell.
    threshold : int

    Returns
    -------
    (table, cells)
        The safe copy (with a ``suppressed`` column) and the number of cells blanked.
    """
    from analysis.runs.disclosure import hide_group_sizes, is_small, suppress_counts

    small = np.array([is_small(v, threshold) for v in table["n"]], dtype=bool)
    hidden, secondary = hide_group_sizes(table.assign(grouping="cells"), {"cells": int(not_grouped)},
                                         threshold=threshold, group="cell")
    safe, primary = suppress_counts(hidden.drop(columns="grouping"), ["n"], threshold=threshold,
                                    dependent={"n": CELL_DEPENDENT}, also={"n": small})
    return safe, secondary + primary


def note_lines(block: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """A crossed comparison's notes for people: (what was left out or could not be done, other warnings).

    The cells under 200 persons are said in one sentence naming each; a count scrubbed at the
    start of a sentence ("fewer than 10 persons miss ...") gets its capital back; with the
    block's ``x`` and ``y``, a direction's key (``x_to_y``) becomes its words.
    """
    def words(text: str) -> str:
        if block.get("x") and block.get("y"):
            x, y = name_of(block["x"]), name_of(block["y"])
            text = text.replace("x_to_y", f"{x} → later {y}").replace("y_to_x", f"{y} → later {x}")
        return text[:1].upper() + text[1:]

    notes = [words(n) for n in block.get("notes", [])]
    others = [words(w) for w in block.get("warnings", []) if w not in block.get("notes", [])]
    small = [m for m in (_SMALL.match(w) for w in others) if m]
    others = [w for w in others if not _SMALL.match(w)]
    if small:  # one sentence for the cells under 200 persons, as the summary gives them
        notes.append(f"{len(small)} cell{'s have' if len(small) > 1 else ' has'} fewer than 200 persons, so "
                     f"{'their' if len(small) > 1 else 'its'} estimates are imprecise: "
                     + ", ".join(f"{m.group(1)} ({m.group(2)} persons)" for m in small) + ".")
    return notes, others


def crossed_html(folder: Path, figures: dict, block: dict[str, Any], *, figure_on_top: bool = False) -> str:
    """The subsection: the interpretation first, the small-multiples figure, the tests, the notes.

    ``figure_on_top``: the figure is the report's key figure at its top (a run whose only
    comparison is this one), so the subsection points to it instead of repeating it.
    """
    from analysis.reporting.html import figure_html, table_html

    x, y = name_of(block["x"]), name_of(block["y"])
    groupings = list(block.get("groupings") or [])
    title = " × ".join(name_of(g) for g in groupings)
    tag = block["figure"].removeprefix("crossed_forest_")
    labels = {"test": "Test (likelihood ratio)", "df": "df",
              "xy_chisq": f"{x} → later {y}: χ²", "xy_p": "p (Holm)",
              "yx_chisq": f"{y} → later {x}: χ²", "yx_p": "p (Holm) "}
    notes, others = note_lines(block)
    return (f"<section id='crossed-{html.escape(tag)}' class='crossed'><h3>For whom, exactly? {html.escape(title)}"
            "</h3>"
            + f"<p class='crossed-interpretation'>{html.escape(plain_numbers(block['interpretation']))}</p>"
            + ("<p class='note'>The figure at the top of the report shows these estimates.</p>" if figure_on_top
               else figure_html(folder, figures, block["figure"]))
            + "<h4>Tests of equal effects across the cells</h4>"
            + table_html(test_rows(block), ["test", "df", "xy_chisq", "xy_p", "yx_chisq", "yx_p"], labels=labels,
                         csv=f"tables/crossed_tests_{tag}.csv")
            + (f"<p class='note'>{html.escape(block['multiple_testing'])} Each cell's estimates and size are in "
               f"<code>tables/crossed_{html.escape(tag)}.csv</code>.</p>" if block.get("multiple_testing") else "")
            + "".join(f"<p class='warn'>{html.escape(plain_numbers(n))}</p>" for n in notes)
            + "".join(f"<p class='note'>{html.escape(plain_numbers(w))}</p>" for w in others)
            + "</section>")
