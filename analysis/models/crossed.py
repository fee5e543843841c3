"""For whom, exactly: cross-lagged effects in the cells of two or three crossed groupings.

``compare_crossed`` fits one multigroup cross-lagged model over the cells of the
cross-classification (``16-29 × high``: life stage 16-29 and high perceived
stigma), each cell with its own lagged effects, and tests per direction whether
(1) the effect differs across cells at all, (2) it differs by each grouping (the
marginal means over the other groupings), and (3) the differences by one grouping
are the same at every level of the other (the interaction).  The tests are
likelihood-ratio tests of linear equality constraints on the cell effects
(:mod:`analysis.models.crossed_constraints`), scaled under MLR and the survey
design as :func:`analysis.models.groups.compare_groups` scales its tests, with Holm
adjustment over each direction's tests.

A person's cell is taken from their first wave analysed, as for single groupings;
persons without a value of some grouping are counted and noted, never dropped
silently.  Cells follow the small-group rules of single groupings (a warning under
``WARN_GROUP_N`` persons, a refusal under ``MIN_GROUP_N``); cells are left out only
on request, and every empty or excluded cell is named in ``notes``.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.data.panel import known_names
from analysis.errors import ConvergenceError, DataError, ModelSpecificationError, UsageError
from analysis.models.builders import MODEL_TYPES, Groups, Innovations, Lags, ModelType, build_syntax, lag_paths
from analysis.models.crossed_constraints import hypotheses, null_basis, restricted_syntax
from analysis.models.crossed_results import CELL_SEP, CrossedComparison, CrossedTest
from analysis.models.crosslag import summarise_path, wide_design
from analysis.models.groups import (MIN_GROUP_N, WARN_GROUP_N, SmallGroupWarning, empty_groups_sentence, group_levels,
                                   holm)
from analysis.models.intervals import check_intervals
from analysis.models.panel_fit import fit_panel
from analysis.models.sem import lrt
from analysis.models.survey_design import Design, Survey, WeightRule, resolve_design

__all__ = ["CELL_SEP", "TEST_FAMILIES", "CrossedComparison", "CrossedTest", "compare_crossed", "crossed_cells"]

TestFamily = Literal["omnibus", "main", "interaction"]
INCOMPLETE = "not computed: the table of cells is incomplete"
NOT_CONVERGED = "not computed: the restricted model did not converge"
TEST_FAMILIES: tuple[TestFamily, ...] = ("omnibus", "main", "interaction")


def check_groupings(groupings: Sequence[str] | str, known: Sequence[str] | None = None) -> tuple[str, ...]:
    """Two or three different groupings (each one of ``known`` when given), as a tuple.

    Raises
    ------
    UsageError
        For fewer than two or more than three groupings, or one named twice.
    DataError
        For a grouping that is not in ``known`` (with a "did you mean").
    """
    names = tuple(str(g).strip() for g in ([groupings] if isinstance(groupings, str) else groupings))
    if len(names) < 2 or len(names) > 3:
        raise UsageError(f"Crossed groupings need two or three groupings, not {len(names)} "
                         f"({', '.join(names) or 'none'}).")
    repeated = [g for g in dict.fromkeys(names) if names.count(g) > 1]
    if repeated:
        raise UsageError(f"The grouping {repeated[0]!r} is named twice; cross two or three different groupings.")
    if known is not None:
        known_names(list(names), known, what="grouping")
    return names


def crossed_cells(wide: pd.DataFrame, groupings: Sequence[str], *,
                  exclude: Sequence[str] = ()) -> dict[str, Any]:
    """Each person's cell, the levels of each grouping and the cells with nobody or left out.

    ``exclude`` holds cell labels (``"16-29 × high"``) or levels of one grouping
    (``"65+"``: every cell of that level, so the table stays complete).

    Returns
    -------
    dict
        ``labels`` (Series: cell label or missing), ``levels`` (grouping -> levels in
        order, after excluded levels), ``cells`` (cell labels with persons, in order),
        ``empty`` (cells of the table with nobody), ``excluded`` (cells left out on
        request), ``empty_levels`` (grouping -> its groups with nobody at all, not in the
        table), ``missing`` (grouping -> persons with no value),
        ``not_grouped`` (persons missing any grouping).

    Raises
    ------
    DataError
        When an ``exclude`` entry is neither a cell nor a level, or a level of two groupings.
    """
    columns, levels, missing, empty_levels = {}, {}, {}, {}
    for g in groupings:
        if g not in wide.columns:
            raise DataError(f"The data have no grouping column {g!r}.")
        labels, present, empty = group_levels(wide[g], g)
        columns[g] = labels
        levels[g] = list(present)  # in the grouping's order; its groups with nobody are noted by the caller
        empty_levels[g] = list(empty)
        missing[g] = int(labels.isna().sum())
    all_cells = [CELL_SEP.join(c) for c in itertools.product(*(levels[g] for g in groupings))]
    excluded_levels: dict[str, list[str]] = {g: [] for g in groupings}
    excluded_cells: list[str] = []
    for entry in map(str, exclude):
        if entry in all_cells:
            excluded_cells.append(entry)
            continue
        owners = [g for g in groupings if entry in levels[g]]
        if len(owners) == 1:
            excluded_levels[owners[0]].append(entry)
        elif owners:
            raise DataError(f"exclude_groups (--exclude-groups) names {entry!r}, a group of both "
                            f"{' and '.join(owners)}; name the cells to leave out instead (e.g. "
                            f"{CELL_SEP.join(levels[g][0] if g != owners[0] else entry for g in groupings)!r}).")
        else:
            raise DataError(f"exclude_groups (--exclude-groups) names {entry!r}, which is neither a cell nor a group "
                            f"of {', '.join(groupings)}; the cells are {', '.join(all_cells)}.")
    levels = {g: [lv for lv in levels[g] if lv not in excluded_levels[g]] for g in groupings}
    frame = pd.DataFrame(columns)
    complete = frame.notna().all(axis=1)
    first, *rest = groupings
    cell = frame[first].str.cat([frame[g] for g in rest], sep=CELL_SEP).astype(object).where(complete, None)
    excluded = list(excluded_cells) + [c for c in all_cells if any(
        part in excluded_levels[g] for part, g in zip(c.split(CELL_SEP), groupings)) and c not in excluded_cells]
    kept_cells = [CELL_SEP.join(c) for c in itertools.product(*(levels[g] for g in groupings))]
    kept_cells = [c for c in kept_cells if c not in excluded_cells]
    present = set(cell.dropna())
    return {"labels": cell.where(cell.isin(kept_cells), None), "levels": levels,
            "cells": [c for c in kept_cells if c in present], "empty": [c for c in kept_cells if c not in present],
            "excluded": excluded, "excluded_levels": {g: v for g, v in excluded_levels.items() if v},
            "empty_levels": {g: v for g, v in empty_levels.items() if v},
            "missing": missing, "not_grouped": int((~complete).sum())}


def compare_crossed(
    panel: Any,
    *,
    x: str,
    y: str,
    groupings: Sequence[str] = ("life_stage", "stigma_group"),
    model: ModelType = "riclpm",
    waves: Sequence[str] | None = None,
    lags: Lags = "invariant",
    innovations: Innovations = "free",
    estimator: Literal["ml", "mlr"] = "ml",
    exclude_groups: Sequence[str] = (),
    level: float = 0.95,
    survey: Survey | Design = "spec",
    weight_rule: WeightRule = "last",
    allow_unequal_intervals: bool = False,
    tests: Sequence[TestFamily] = TEST_FAMILIES,
    progress: Callable[[int, int, str], None] | None = None,
) -> CrossedComparison:
    """Multigroup cross-lagged model over the cells of crossed groupings, with factorial tests.

    Parameters
    ----------
    panel
        A Panel, or a wide DataFrame with ``{construct}_{wave}`` columns and the grouping columns.
    groupings
        Two or three groupings of the spec (``life_stage``, ``stigma_group``,
        ``diagnosed_condition``, ...) or columns.
    exclude_groups
        Cells (``"65+ × high"``) or levels of one grouping (``"65+"``) to leave out on
        purpose (named in ``notes``).  A left-out cell makes the table incomplete: the
        tests of main differences and interactions then cannot be formed and are
        reported as missing, with the reason.
    model, waves, lags, innovations, estimator, level, survey, weight_rule, allow_unequal_intervals
        As :func:`analysis.models.groups.compare_groups`.  With wave-specific lags
        (``lags="free"``) the tests are on each cell's mean effect over the intervals.

    tests
        Which tests to fit: ``"omnibus"`` (all cells equal), ``"main"`` (each grouping's
        difference) and ``"interaction"`` (default all three; the Holm adjustment is over
        the tests fitted).  Fewer tests are faster, e.g. in simulations.
    progress : callable, optional
        Called as ``progress(done, total, step)`` before the model over the cells is
        fitted and before each test's restricted model (``done`` fits of ``total``
        finished so far, ``step`` saying in words what is fitted next), and once more
        with ``done == total`` at the end, e.g. to move a progress bar.  ``total`` is
        one plus the number of restricted models (tests that cannot be formed fit
        nothing and are not counted); it is known before the first fit.

    Returns
    -------
    CrossedComparison

    Raises
    ------
    ModelSpecificationError
        When a cell has fewer than ``MIN_GROUP_N`` persons (naming it), or the model is
        not identified.
    """
    if model not in MODEL_TYPES:
        raise UsageError(f"model must be one of {', '.join(MODEL_TYPES)}, not {model!r}.")
    unknown = [t for t in tests if t not in TEST_FAMILIES]
    if unknown or not tests:
        raise UsageError(f"tests must list some of {', '.join(TEST_FAMILIES)}, not {list(tests)!r}.")
    if isinstance(panel, pd.DataFrame):
        names = check_groupings(groupings)
        wide, design, wave_list = wide_design(panel, x=x, y=y, waves=waves)
    else:
        names = check_groupings(groupings, panel.groupings)
        wide, design, wave_list = wide_design(panel, x=x, y=y, waves=waves, weight_rule=weight_rule)
        extra = panel.wide([], waves=wave_list, groupings=list(names), weight_rule=weight_rule)
        wide = wide.merge(extra[["id", *names]], on="id", how="left", validate="one_to_one")
    notes = list(check_intervals(panel, wave_list, lags=lags, allow_unequal=allow_unequal_intervals))
    found = crossed_cells(wide, names, exclude=exclude_groups)
    messages: list[str] = []

    def note(text: str) -> None:
        messages.append(text)
        notes.append(text)

    if found["not_grouped"]:
        which = "; ".join(f"{found['missing'][g]} persons have no {g}" for g in names if found["missing"][g])
        note(f"{found['not_grouped']} persons miss at least one of {', '.join(names)} at their first wave "
             f"({which}) and are not compared.")
    for g, empty in found["empty_levels"].items():
        note(empty_groups_sentence(g, empty, wave_list))
    if found["excluded"]:
        note(f"Left out on request: {', '.join(found['excluded'])}.")
    if found["empty"]:
        note(f"The cell{'s' if len(found['empty']) > 1 else ''} {', '.join(repr(c) for c in found['empty'])} "
             f"ha{'ve' if len(found['empty']) > 1 else 's'} nobody with data in waves {', '.join(wave_list)} "
             "(a person's cell is taken at their first wave analysed), so "
             f"{'they are' if len(found['empty']) > 1 else 'it is'} not in the comparison.")
    thin = [g for g in names if len(found["levels"][g]) < 2]
    if thin:
        raise DataError(f"{thin[0]!r} has fewer than two groups left in this crossing "
                        f"({', '.join(found['levels'][thin[0]]) or 'none'}); compare the other grouping on its own.")
    cells = found["cells"]
    keep = found["labels"].notna().to_numpy()
    column = CELL_SEP.join(names)
    wide = wide[keep].copy()
    wide[column] = found["labels"][keep].to_numpy()
    sizes = {c: int((wide[column] == c).sum()) for c in cells}
    too_small = [c for c in cells if sizes[c] < MIN_GROUP_N]
    if too_small:
        raise ModelSpecificationError(
            f"The cell{'s' if len(too_small) > 1 else ''} {', '.join(repr(c) for c in too_small)} of "
            f"{' × '.join(names)} ha{'ve' if len(too_small) > 1 else 's'} fewer than {MIN_GROUP_N} persons, too few "
            "to estimate their own cross-lags; leave them out explicitly (exclude_groups, --exclude-groups) or "
            "merge groups in the spec.")
    for c in cells:
        if sizes[c] < WARN_GROUP_N:
            msg = (f"The cell {c!r} has only {sizes[c]} persons; its estimates will be imprecise "
                   f"(fewer than {WARN_GROUP_N}).")
            messages.append(msg)
            warnings.warn(msg, SmallGroupWarning, stacklevel=2)
    complete = len(cells) == int(np.prod([len(found["levels"][g]) for g in names]))
    if not complete:
        note("With " + " and ".join(repr(c) for c in [*found["empty"], *(c for c in found["excluded"] if all(
            part in found["levels"][g] for part, g in zip(c.split(CELL_SEP), names)))]) + " missing, the table of "
             "cells is incomplete: the marginal means and the differences within each level cannot be formed from "
             "the same groups, so only the test of all cells equal is computed (the main differences and "
             "interactions are reported as missing). Leave out a whole group instead to compare a complete table.")
    G = len(cells)
    counts = [len(found["levels"][g]) for g in names]
    # Which restricted models will be fitted, known before the first fit so a progress bar has its total.
    planned = [(key, hyp) for key in ("x_to_y", "y_to_x") for hyp in hypotheses(names, counts)
               if {"additive": "interaction"}.get(hyp.kind, hyp.kind) in tests and (complete or hyp.kind == "omnibus")]
    total = 1 + len(planned)

    def report(done: int, step: str) -> None:
        if progress is not None:
            progress(done, total, step)

    kw = {"estimator": estimator, "missing": "fiml", **resolve_design(panel, wide, survey).fit_options()}
    free_syntax = build_syntax(model, design, lags=lags, innovations=innovations, groups=Groups(n=G))
    report(0, f"Fitting the model in each of the {G} cells of {' × '.join(names)}")
    try:
        free = fit_panel(free_syntax, wide, group=column, group_levels=cells, **kw)
    except ConvergenceError as exc:
        smallest = min(cells, key=lambda c: sizes[c])
        raise ConvergenceError(f"The multigroup model over the cells of {' × '.join(names)} did not converge; the "
                               f"smallest cell is {smallest!r} ({sizes[smallest]} persons). {exc}") from None
    if not free.identified:
        raise ModelSpecificationError(f"The multigroup model over the cells of {' × '.join(names)} is not identified "
                                      "in every cell; check that each cell has persons observed at several waves.")
    messages += [w for w in free.warnings if w not in messages]
    paths = lag_paths(model, design)
    per_cell = {c: {key: summarise_path(free, paths[key], wave_list, group=c, level=level)
                    for key in ("x_to_y", "y_to_x")} for c in cells}
    found_tests: list[CrossedTest] = []
    fitted = 0
    for key in ("x_to_y", "y_to_x"):
        intervals = [(lhs, rhs, str(t + 2)) for t, (lhs, rhs) in enumerate(paths[key])]
        for hyp in hypotheses(names, counts):
            if {"additive": "interaction"}.get(hyp.kind, hyp.kind) not in tests:
                continue
            if not complete and hyp.kind != "omnibus":
                found_tests.append(CrossedTest(hyp.kind, hyp.groupings, key, float("nan"), hyp.df, float("nan"),
                                         float("nan"), INCOMPLETE))
                continue
            contrast = hyp.contrast if complete else np.eye(G)[:-1] - np.eye(G)[1:]
            syntax = restricted_syntax(free_syntax, path=key, lags=lags, intervals=intervals, n_cells=G,
                                       basis=null_basis(contrast), anchor=design.x[0])
            fitted += 1
            report(fitted, f"Test {fitted} of {len(planned)}: {_test_words(hyp)}, "
                           f"{x if key == 'x_to_y' else y} → later {y if key == 'x_to_y' else x}")
            try:
                restricted = fit_panel(syntax, wide, group=column, group_levels=cells, se="none", **kw)
            except ConvergenceError:
                found_tests.append(CrossedTest(hyp.kind, hyp.groupings, key, float("nan"), hyp.df, float("nan"),
                                               float("nan"), NOT_CONVERGED))
                continue
            t = lrt(restricted, free)
            found_tests.append(CrossedTest(hyp.kind, hyp.groupings, key, t.chisq, t.df, t.pvalue, float("nan"),
                                           t.description))
    report(total, f"Fitted the model in every cell and {len(planned)} test{'s' if len(planned) != 1 else ''}")
    found_tests = _with_holm(found_tests)
    failed = [t for t in found_tests if t.description == NOT_CONVERGED]
    if failed:
        note("The restricted model of the test(s) " + ", ".join(f"{t.name} ({t.path})" for t in failed) + " did not "
             "converge, so they are reported as missing; the cells' own estimates are not affected. This happens when a cell's "
             "model is barely identified (see the warnings: e.g. three waves in a small cell); more waves or larger "
             "cells help.")
    undefined = [t for t in found_tests if not np.isfinite(t.chisq) and t.description not in (INCOMPLETE,
                                                                                              NOT_CONVERGED)]
    if undefined:
        note("The test(s) " + ", ".join(f"{t.name} ({t.path})" for t in undefined) + " could not be computed (the "
             "scaled chi-square difference has a scaling factor that is not positive, as happens in small samples) "
             "and are reported as missing.")
    return CrossedComparison(
        groupings=names, model=model, x=x, y=y, waves=wave_list, lags=lags, syntax=free_syntax,
        levels={g: tuple(found["levels"][g]) for g in names}, cells=tuple(cells), sizes=sizes,
        not_grouped=found["not_grouped"], sem=free, groups=per_cell, tests=tuple(found_tests),
        warnings=tuple(messages), notes=tuple(notes))


def _test_words(hyp: Any) -> str:
    """What a test's restricted model holds, in a few words for a progress bar (variable names as they are)."""
    if hyp.kind == "omnibus":
        return "all cells equal"
    if hyp.kind == "main":
        return f"no difference by {hyp.groupings[0]}"
    if hyp.kind == "additive":
        return "no interaction of any order"
    return f"no interaction {' × '.join(hyp.groupings)}"


def _with_holm(tests: list[CrossedTest]) -> list[CrossedTest]:
    """Holm-adjusted p-values over each direction's computed tests."""
    out = list(tests)
    for key in ("x_to_y", "y_to_x"):
        idx = [i for i, t in enumerate(out) if t.path == key and np.isfinite(t.pvalue)]
        if idx:
            adjusted = holm([out[i].pvalue for i in idx])
            for i, p in zip(idx, adjusted):
                out[i] = out[i].with_holm(float(p))
    return out
