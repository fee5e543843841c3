"""Do the cross-lagged effects differ between groups (life stages, stigma groups)?

``compare_groups`` fits one multigroup model in which every group has its own
lagged effects, then the same model with the x→y path, the y→x path, or both
held equal across groups; likelihood-ratio tests say whether the groups differ
(omnibus and per path), and Wald tests compare each pair of groups, with Holm
adjustment for the number of pairs.  A person's group is the one at the first
wave analysed, so each person belongs to one group.  Persons without a group
value are counted and reported, never dropped silently.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis import background
from analysis.errors import ConvergenceError, DataError, ModelSpecificationError, UsageError
from analysis.interpret import format_p, readable, significant
from analysis.models.builders import MODEL_TYPES, Groups, Innovations, Lags, ModelType, build_syntax, lag_paths
from analysis.models.crosslag import summarise_path, wide_design
from analysis.models.crosslag_results import PathSummary
from analysis.models.intervals import check_intervals
from analysis.models.panel_fit import fit_panel
from analysis.models.sem import SEMResults, TestResult, lrt
from analysis.models.survey_design import Design, Survey, WeightRule, resolve_design
from analysis.outputs import json_safe
from analysis.naming import name_of

MIN_GROUP_N = 20
WARN_GROUP_N = 200

#: The restricted models of a group comparison: which lags are held equal across groups.
EQUAL_SETS = {"x_to_y": ("x_to_y",), "y_to_x": ("y_to_x",), "omnibus": ("x_to_y", "y_to_x")}


class SmallGroupWarning(UserWarning):
    """A group is small: its estimates will be imprecise."""


@dataclass(frozen=True)
class GroupComparison:
    """Results of :func:`compare_groups` (read-only)."""

    grouping: str
    model: str
    x: str
    y: str
    waves: tuple[str, ...]
    lags: str
    syntax: str
    levels: tuple[str, ...]
    sizes: dict[str, int]
    not_grouped: int
    sem: SEMResults
    groups: dict[str, dict[str, PathSummary]]
    group_tests: dict[str, TestResult]
    pairwise: pd.DataFrame
    warnings: tuple[str, ...]
    notes: tuple[str, ...] = ()  # caveats that change the meaning: groups left out or empty, gaps, tests missing

    def to_frame(self) -> pd.DataFrame:
        """One row per group and path: estimate, CI, standardized value, group size."""
        rows = []
        for level in self.levels:
            for path, p in self.groups[level].items():
                rows.append({"grouping": self.grouping, "group": level, "n": self.sizes[level], "path": path,
                             "from": self.x if path == "x_to_y" else self.y,
                             "to": self.y if path == "x_to_y" else self.x,
                             "est": p.est, "se": p.se, "ci_lower": p.ci_lower, "ci_upper": p.ci_upper,
                             "pvalue": p.pvalue, "std_all": p.std, "std_all_ci_lower": p.std_ci_lower,
                             "std_all_ci_upper": p.std_ci_upper})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """The JSON blocks ``groups`` and ``group_tests`` (plus sizes and pairwise tests)."""
        return {
            "grouping": self.grouping,
            "groups": {lv: {path: p.to_dict() for path, p in paths.items()} for lv, paths in self.groups.items()},
            "group_tests": {k: t.to_dict() for k, t in self.group_tests.items()},
            "group_sizes": dict(self.sizes),
            "not_grouped": int(self.not_grouped),
            "pairwise": [{k: json_safe(v) for k, v in r.items()} for r in self.pairwise.to_dict("records")],
            "syntax": self.syntax,
            "fit": {k: json_safe(v) for k, v in self.sem.fit.items()},
            "design": json_safe(self.sem.design),
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }

    @property
    def grouping_words(self) -> str:
        """``life_stage`` -> "life stage groups", ``stigma_group`` -> "stigma groups"."""
        words = name_of(self.grouping)
        if words.endswith(" group"):
            return words + "s"
        return words if words.endswith("s") else words + " groups"

    def interpretation(self) -> str:
        t = self.group_tests
        words = []
        for path, a, b in (("x_to_y", name_of(self.x), name_of(self.y)), ("y_to_x", name_of(self.y), name_of(self.x))):
            test = t[path]
            per = ", ".join(f"{lv}: {readable(self.groups[lv][path].est)}" for lv in self.levels)
            if significant(test.pvalue):
                words.append(f"The link from {a} to later {b} differs between {self.grouping_words} "
                             f"({format_p(test.pvalue)}; estimates in points {per}).")
            else:
                words.append(f"The data do not show that the link from {a} to later {b} differs between "
                             f"{self.grouping_words} ({format_p(test.pvalue)}; estimates in points {per}).")
        words.append("Groups are compared on associations over time; a difference between groups does not by "
                     "itself show why it arises.")
        return " ".join(words)

    def __repr__(self) -> str:
        return (f"GroupComparison({self.grouping}: {', '.join(map(str, self.levels))}; {self.x} and {self.y}, "
                f"{self.model})")

    def summary(self) -> str:
        """One screen for reading: numbers by :func:`analysis.interpret.readable` (never exponent notation or
        "0.000"), p-values by :func:`~analysis.interpret.p_text`; ``to_frame()`` and ``pairwise`` keep full
        precision for analysts."""
        from analysis.reporting.tables import cell, for_people

        x, y = self.x, self.y
        lines = [f"Cross-lagged effects by {name_of(self.grouping)} ({self.model.upper()}, {name_of(x)} and "
                 f"{name_of(y)}, waves {', '.join(self.waves)})", ""]
        rows = [{"group": r["group"], "people": cell(r["n"]), "direction": cell(r["path"], "path", x=x, y=y),
                 "estimate": cell(r["est"]), "SE": cell(r["se"]),
                 "95% CI": f"{cell(r['ci_lower'])} to {cell(r['ci_upper'])}", "p": cell(r["pvalue"], "pvalue"),
                 "standardized (95% CI)": f"{cell(r['std_all'])} ({cell(r['std_all_ci_lower'])} to "
                                          f"{cell(r['std_all_ci_upper'])})"}
                for r in self.to_frame().to_dict("records")]
        lines += [pd.DataFrame(rows).to_string(index=False), ""]
        for k, tst in self.group_tests.items():
            what = "both directions" if k == "omnibus" else cell(k, "path", x=x, y=y)
            lines.append(f"Equal across groups, {what}: chi-square {cell(tst.chisq)}, df {tst.df}, "
                         f"{format_p(tst.pvalue)}")
        if len(self.pairwise):
            lines += ["", "Pairs of groups (Wald; Holm-adjusted p within each direction):",
                      for_people(self.pairwise, x=x, y=y).to_string(index=False)]
        if self.not_grouped:
            # A count below the disclosure threshold (10, the runs' default) is not written out.
            count = f"{self.not_grouped:,}" if self.not_grouped >= 10 else "Fewer than 10"
            lines.append(f"\n{count} persons have no {name_of(self.grouping)} value and are not in this comparison.")
        lines += [f"Note: {n}" for n in self.notes]
        lines += [f"Warning: {w}" for w in self.warnings if w not in self.notes]
        lines += ["", self.interpretation()]
        return "\n".join(lines) + "\n"


def group_levels(column: pd.Series, grouping: str, *,
                 exclude: Sequence[str] = ()) -> tuple[pd.Series, list[str], list[str]]:
    """A grouping column's labels, its groups with persons (in order) and its groups with nobody.

    Ordered groupings (life stages, low/medium/high) keep their order and their empty
    groups are known; other columns are sorted.  ``exclude`` values must be groups of
    the column (a misspelt one would otherwise leave everything in without a word).

    Returns
    -------
    labels : Series of string
    levels : list of str
        Groups with at least one person, excluded ones left out.
    empty : list of str
        Groups of an ordered grouping with nobody (not excluded).

    Raises
    ------
    DataError
        When an ``exclude`` value is not a group, listing the groups.
    """
    categories = [str(c) for c in column.cat.categories] if isinstance(column.dtype, pd.CategoricalDtype) else None
    labels = column.astype("string")
    present = set(labels.dropna())
    known = categories if categories is not None else sorted(present)
    excluded = [str(g) for g in exclude]
    unknown = [g for g in excluded if g not in known]
    if unknown:
        raise DataError(f"exclude_groups (--exclude-groups) names {unknown[0]!r}, which is not a {grouping} group; "
                        f"the groups are {', '.join(known) or '(none)'}.")
    levels = [c for c in known if c in present and c not in excluded]
    empty = [c for c in known if c not in present and c not in excluded]
    return labels, levels, empty


def empty_groups_sentence(grouping: str, empty: Sequence[str], waves: Sequence[str]) -> str:
    """The note for groups with nobody in them."""
    which = ", ".join(repr(g) for g in empty)
    return (f"The {grouping} group{'s' if len(empty) > 1 else ''} {which} ha{'ve' if len(empty) > 1 else 's'} "
            f"nobody with data in waves {', '.join(waves)} (a person's group is taken at their first wave "
            f"analysed), so {'they are' if len(empty) > 1 else 'it is'} not in the comparison.")


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values."""
    p = np.asarray(pvalues, float)
    order = np.argsort(p)
    m = p.size
    adj = np.empty(m)
    running = 0.0
    for rank, idx in enumerate(order):
        running = max(running, (m - rank) * p[idx])
        adj[idx] = min(1.0, running)
    return adj


def compare_groups(
    panel: Any,
    *,
    x: str,
    y: str,
    grouping: str,
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
    jobs: int | None = 1,
) -> GroupComparison:
    """Multigroup cross-lagged model by ``grouping`` with tests of equal effects across groups.

    Parameters
    ----------
    panel
        A Panel, or a wide DataFrame with ``{construct}_{wave}`` columns and a ``grouping`` column.
    grouping
        A derived grouping of the spec (``life_stage``, a stigma grouping) or any column.
    exclude_groups
        Group values to leave out on purpose (reported in the results); nothing is left
        out otherwise.  A value that is not a group of ``grouping`` is an error.  Groups
        with nobody in them are named in ``notes``.
    survey, weight_rule
        The survey design, as :func:`analysis.models.crosslag.fit_crosslag`: the spec's
        weights, PSUs and strata by default (the likelihood-ratio tests are then scaled
        difference tests, Satorra-Bentler 2001), or ``"none"``.
    allow_unequal_intervals
        As :func:`analysis.models.crosslag.fit_crosslag`.
    jobs
        1 (default): everything in this process; 2 or None: two of the three restricted fits
        in a second process meanwhile where that is safe (:mod:`analysis.background`; same results).
    """
    if model not in MODEL_TYPES:
        raise UsageError(f"model must be one of {', '.join(MODEL_TYPES)}, not {model!r}.")
    if isinstance(panel, pd.DataFrame):
        wide, design, wave_list = wide_design(panel, x=x, y=y, waves=waves)
    else:
        if grouping not in panel.groupings:
            raise DataError(f"{grouping!r} is not a grouping of this panel; the groupings are "
                            f"{', '.join(panel.groupings) or '(none)'}.")
        wide, design, wave_list = wide_design(panel, x=x, y=y, waves=waves, group=grouping,
                                              weight_rule=weight_rule)
    if grouping not in wide.columns:
        raise DataError(f"The data have no grouping column {grouping!r}.")
    notes = list(check_intervals(panel, wave_list, lags=lags, allow_unequal=allow_unequal_intervals))
    wide = wide.copy()
    column = wide[grouping]
    labels, levels, empty = group_levels(column, grouping, exclude=exclude_groups)
    not_grouped = int(labels.isna().sum())
    messages: list[str] = []
    if not_grouped:
        messages.append(f"{not_grouped} persons have no {grouping} value at their first wave and are not compared.")
        notes.append(messages[-1])
    keep = labels.notna() & ~labels.isin([str(g) for g in exclude_groups])
    wide = wide[keep.to_numpy()]
    wide[grouping] = labels[keep].to_numpy()
    if exclude_groups:
        messages.append(f"Left out on request: {', '.join(map(str, exclude_groups))}.")
        notes.append(messages[-1])
    if empty:
        messages.append(empty_groups_sentence(grouping, empty, wave_list))
        notes.append(messages[-1])
    sizes = {lv: int((wide[grouping] == lv).sum()) for lv in levels}
    if len(levels) < 2:
        raise DataError(f"{grouping!r} has fewer than two groups with data ({', '.join(levels) or 'none'}); "
                        "there is nothing to compare.")
    too_small = [lv for lv in levels if sizes[lv] < MIN_GROUP_N]
    if too_small:
        raise ModelSpecificationError(
            f"The {grouping} group(s) {', '.join(repr(g) for g in too_small)} have fewer than {MIN_GROUP_N} persons "
            f"({', '.join(str(sizes[g]) for g in too_small)}), too few to estimate their own cross-lags; "
            "merge them with a neighbouring group in the spec or leave them out explicitly (exclude_groups).")
    for lv in levels:
        if sizes[lv] < WARN_GROUP_N:
            msg = (f"The {grouping} group {lv!r} has only {sizes[lv]} persons; its estimates will be imprecise "
                   f"(fewer than {WARN_GROUP_N}).")
            messages.append(msg)
            warnings.warn(msg, SmallGroupWarning, stacklevel=2)
    G = len(levels)
    kw = {"estimator": estimator, "missing": "fiml", **resolve_design(panel, wide, survey).fit_options()}

    def syntax_for(equal: frozenset[str]) -> str:
        return build_syntax(model, design, lags=lags, innovations=innovations, groups=Groups(n=G, equal=equal))

    free_syntax = syntax_for(frozenset())
    try:
        free = fit_panel(free_syntax, wide, group=grouping, group_levels=levels, **kw)
    except ConvergenceError as exc:
        smallest = min(levels, key=lambda g: sizes[g])
        raise ConvergenceError(
            f"The multigroup model by {grouping} did not converge; the smallest group is {smallest!r} "
            f"({sizes[smallest]} persons). {exc}") from None
    if not free.identified:
        raise ModelSpecificationError(f"The multigroup model by {grouping} is not identified in every group; "
                                      "check that each group has persons observed at several waves.")
    messages += [w for w in free.warnings if w not in messages]

    def equal_tests(names: Sequence[str]) -> dict[str, TestResult]:
        """The restricted fits with the named lags equal across groups, tested against ``free``."""
        out = {}
        for name in names:
            equal = frozenset(EQUAL_SETS[name])
            restricted = fit_panel(syntax_for(equal), wide, group=grouping, group_levels=levels, se="none",
                                   start=free, **kw)
            t = lrt(restricted, free)
            out[name] = TestResult(t.chisq, t.df, t.pvalue, f"equal {name} across {grouping} groups ({t.description})")
        return out

    # Two of the three restricted fits in a second process where allowed (jobs; same results).
    there = ("y_to_x", "omnibus")
    job = background.start(lambda: equal_tests(there), jobs=jobs)
    try:
        tests = equal_tests(("x_to_y",))
        per_group = {}
        rows = {}
        paths = lag_paths(model, design)
        for lv in levels:
            rows[lv] = {key: [free.free_index(lhs, "~", rhs, group=lv) for lhs, rhs in paths[key]]
                        for key in ("x_to_y", "y_to_x")}
            per_group[lv] = {key: summarise_path(free, paths[key], wave_list, group=lv, level=level)
                             for key in ("x_to_y", "y_to_x")}
        tests.update(job.result() if job is not None else equal_tests(there))
        job = None
    finally:
        if job is not None:
            job.cancel()
    for sentence in scaled_test_notes(tests, f"across {grouping} groups"):
        messages.append(sentence)
        notes.append(sentence)
    pairwise = _pairwise(free, rows, levels)
    return GroupComparison(
        grouping=grouping, model=model, x=x, y=y, waves=wave_list, lags=lags, syntax=free_syntax,
        levels=tuple(levels), sizes=sizes, not_grouped=not_grouped, sem=free, groups=per_group,
        group_tests=tests, pairwise=pairwise, warnings=tuple(messages), notes=tuple(notes),
    )


def scaled_test_notes(tests: dict[str, TestResult], what: str) -> list[str]:
    """Sentences for the output and JSON ``notes`` on scaled difference tests that needed the 2010 form or failed.

    Under MLR the Satorra-Bentler (2001) scaled difference can have a scaling factor that
    is not positive in small samples; :func:`analysis.models.sem.lrt` then uses the
    Satorra-Bentler (2010) difference, and says so in the test's description.
    """
    out = []
    sb2010 = [name for name, t in tests.items() if np.isfinite(t.chisq) and "(2010)" in t.description]
    if sb2010:
        out.append(f"The test(s) of equal {', '.join(sb2010)} {what} use the Satorra-Bentler (2010) scaled "
                   "difference, because the simpler 2001 scaling factor was not positive (as happens in small "
                   "samples); the 2010 form answers the same question and is positive in most such cases.")
    undefined = [name for name, t in tests.items() if not np.isfinite(t.chisq)]
    if undefined:
        out.append(f"The test(s) of equal {', '.join(undefined)} {what} could not be computed (the scaled "
                   "chi-square difference has no positive scaling factor, in the 2001 or the 2010 form, as can "
                   "happen in small samples) and are reported as missing; compare the groups by their pairwise "
                   "tests.")
    return out


def _pairwise(res: SEMResults, rows: dict[str, dict[str, list[int]]], levels: list[str]) -> pd.DataFrame:
    """Wald tests of each pair of groups' effects; ``rows`` holds free-parameter positions."""
    theta = res.params.to_numpy()
    out = []
    for path in ("x_to_y", "y_to_x"):
        block = []
        for a, b in itertools.combinations(levels, 2):
            ia, ib = np.array(rows[a][path]), np.array(rows[b][path])

            def h(th: np.ndarray, ia=ia, ib=ib) -> np.ndarray:
                return np.array([th[ia].mean() - th[ib].mean()])

            t = res.wald(h)
            diff = float(h(theta)[0])
            block.append({"path": path, "group_a": a, "group_b": b, "difference": diff, "chisq": t.chisq,
                          "df": t.df, "pvalue": t.pvalue})
        adj = holm([r["pvalue"] for r in block])
        for r, p in zip(block, adj):
            r["pvalue_holm"] = float(p)
        out += block
    return pd.DataFrame(out)


def _signed(v: float) -> str:
    """``+0.12`` / ``-0.05``; a value that rounds to zero is `` 0.00``, never ``-0.00``."""
    text = f"{v:+.2f}"
    return " 0.00" if text in ("+0.00", "-0.00") else text


@dataclass(frozen=True)
class AllGroupComparisons:
    """Cross-lagged effects across every grouping (life stages and each stigma measure)."""

    x: str
    y: str
    comparisons: dict[str, GroupComparison]
    failures: dict[str, str]

    def to_frame(self) -> pd.DataFrame:
        """Group-specific estimates for every grouping, one row per group and path."""
        frames = [c.to_frame() for c in self.comparisons.values()]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def tests(self) -> pd.DataFrame:
        """Tests of equal effects across the groups of each grouping, Holm-adjusted over groupings."""
        rows = [{"grouping": g, "test": k, "chisq": t.chisq, "df": t.df, "pvalue": t.pvalue}
                for g, c in self.comparisons.items() for k, t in c.group_tests.items()]
        table = pd.DataFrame(rows)
        if len(table):
            table["pvalue_holm"] = np.nan
            for k in table["test"].unique():
                m = table["test"] == k
                table.loc[m, "pvalue_holm"] = holm(table.loc[m, "pvalue"].to_numpy())
        return table

    def forest_plot(self, *, value: str = "std_all", ax=None, save=None):
        """Forest plot of every group's effects; ``ax`` draws into given matplotlib axes, ``save`` also saves
        it (PNG and SVG without a suffix)."""
        from analysis.reporting.figures import forest_plot

        return forest_plot(self.to_frame(), x=self.x, y=self.y, value=value, ax=ax, save=save)

    def summary(self) -> str:
        """One screen: per grouping, each group's standardized effects and the tests of equal effects."""
        from analysis.interpret import p_text
        from analysis.reporting.headline import group_differences, groups_sentences

        frame, tests = self.to_frame(), self.tests()
        x, y = name_of(self.x), name_of(self.y)
        a_b, b_a = f"{x} → {y}", f"{y} → {x}"
        w = max(len(a_b), len(b_a), 22)
        lines = [f"Cross-lagged effects by group: {x} and {y} ({len(self.comparisons)} groupings)", "",
                 f"{'grouping / group':<34}{'n':>7}  {a_b:>{w}}  {b_a:>{w}}"]
        for g, comp in self.comparisons.items():
            lines.append(name_of(g))
            for level in comp.levels:
                a, b = comp.groups[level]["x_to_y"], comp.groups[level]["y_to_x"]
                cell = lambda p: f"{_signed(p.std)} [{_signed(p.std_ci_lower)}, {_signed(p.std_ci_upper)}]"  # noqa: E731
                lines.append(f"  {str(level)[:32]:<32}{comp.sizes[level]:>7,}  {cell(a):>{w}}  {cell(b):>{w}}")
            t = tests[tests["grouping"] == g].set_index("test")
            lines.append("  equal across groups: " + "; ".join(
                f"{'x→y' if k == 'x_to_y' else 'y→x' if k == 'y_to_x' else 'both'} p {p_text(t.loc[k, 'pvalue'])}"
                f" (Holm {p_text(t.loc[k, 'pvalue_holm'])})" for k in ("x_to_y", "y_to_x", "omnibus") if k in t.index))
        for g, why in self.failures.items():
            lines.append(f"{name_of(g)}: not compared ({why})")
        words = groups_sentences(group_differences(frame.to_dict("records"), tests.to_dict("records")),
                                 x=self.x, y=self.y)
        lines += ["", "Standardized effects with 95% CIs; each grouping's own summary() has the details.", *words]
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return (f"AllGroupComparisons({self.x} and {self.y}: {', '.join(self.comparisons)}"
                + (f"; failed: {', '.join(self.failures)}" if self.failures else "") + ")")

    def __str__(self) -> str:
        return self.summary()


def compare_all_groupings(panel: Any, *, x: str, y: str, groupings: Sequence[str] | None = None,
                          progress: Callable[[int, int, str], None] | None = None,
                          **kwargs: Any) -> AllGroupComparisons:
    """Run :func:`compare_groups` for each grouping (default: every grouping of the panel).

    A grouping that cannot be estimated is reported in ``failures`` with the reason,
    never left out silently; the others are still compared.

    Parameters
    ----------
    progress : callable, optional
        Called as ``progress(done, total, grouping)`` before each grouping is
        compared (``done`` groupings of ``total`` finished so far), e.g. to move a
        progress bar.
    **kwargs
        Passed on to :func:`compare_groups` (``model``, ``waves``, ``lags``, ...).
    """
    names = list(groupings) if groupings is not None else list(panel.groupings)
    if not names:
        raise DataError("The panel defines no groupings (life_stage or stigma groupings) to compare.")
    done, failed = {}, {}
    for i, g in enumerate(names):
        if progress is not None:
            progress(i, len(names), g)
        try:
            done[g] = compare_groups(panel, x=x, y=y, grouping=g, **kwargs)
        except (DataError, ModelSpecificationError, ConvergenceError) as exc:
            failed[g] = str(exc)
    if not done:
        raise ModelSpecificationError("No grouping could be compared: " + "; ".join(f"{k}: {v}" for k, v in failed.items()))
    return AllGroupComparisons(x=x, y=y, comparisons=done, failures=failed)
