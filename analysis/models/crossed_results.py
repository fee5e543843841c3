"""Results of :func:`analysis.models.crossed.compare_crossed` (read-only)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.interpret import format_p, significant
from analysis.models.crosslag_results import PathSummary
from analysis.models.sem import SEMResults
from analysis.naming import name_of
from analysis.outputs import json_safe

#: Joins the levels of a cell's groupings in its label: "16-29 × high".
CELL_SEP = " × "
PATHS = ("x_to_y", "y_to_x")


def grouping_words(grouping: str) -> str:
    """``life_stage`` -> "life stage groups", ``stigma_group`` -> "stigma groups"."""
    words = name_of(grouping)
    if words.endswith(" group"):
        return words + "s"
    return words if words.endswith("s") else words + " groups"


@dataclass(frozen=True)
class CrossedTest:
    """One likelihood-ratio test of equal cell effects for one direction (read-only).

    ``kind`` is ``"omnibus"`` (all cells equal), ``"main"`` (the marginal means of
    ``groupings[0]``'s groups, over the other groupings, equal), ``"interaction"`` (the
    differences by one of ``groupings`` the same at every level of the others) or
    ``"additive"`` (three groupings: no interaction of any order).
    """

    kind: str
    groupings: tuple[str, ...]
    path: str
    chisq: float
    df: int
    pvalue: float
    pvalue_holm: float
    description: str = ""

    @property
    def name(self) -> str:
        if self.kind == "omnibus":
            return "all cells equal"
        if self.kind == "additive":
            return "no interaction"
        return f"{self.kind} {CELL_SEP.join(self.groupings)}"

    def with_holm(self, p: float) -> CrossedTest:
        return dataclasses.replace(self, pvalue_holm=p)

    def to_dict(self) -> dict[str, Any]:
        return {"chisq": json_safe(self.chisq), "df": int(self.df), "pvalue": json_safe(self.pvalue),
                "pvalue_holm": json_safe(self.pvalue_holm)}


@dataclass(frozen=True)
class CrossedComparison:
    """Cross-lagged effects in the cells of crossed groupings, with factorial tests (read-only)."""

    groupings: tuple[str, ...]
    model: str
    x: str
    y: str
    waves: tuple[str, ...]
    lags: str
    syntax: str
    levels: dict[str, tuple[str, ...]]
    cells: tuple[str, ...]
    sizes: dict[str, int]
    not_grouped: int
    sem: SEMResults
    groups: dict[str, dict[str, PathSummary]]
    tests: tuple[CrossedTest, ...]
    warnings: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (f"CrossedComparison({CELL_SEP.join(self.groupings)}: {len(self.cells)} cells, "
                f"{self.model.upper()}, {self.x} and {self.y})")

    # -- tests ---------------------------------------------------------------
    def test(self, kind: str, path: str, groupings: tuple[str, ...] = ()) -> CrossedTest:
        """The test of ``kind`` for ``path`` (``groupings`` for main differences and interactions)."""
        for t in self.tests:
            if t.kind == kind and t.path == path and (not groupings or t.groupings == tuple(groupings)):
                return t
        raise KeyError(f"no {kind} test {groupings} for {path}")

    @property
    def interaction_groupings(self) -> tuple[str, ...]:
        """The groupings of the test reported as ``interaction``: both of two, or all three (additivity)."""
        return self.groupings

    def interaction(self, path: str) -> CrossedTest:
        """The interaction test of ``path``: for three groupings, every interaction at once."""
        if len(self.groupings) == 2:
            return self.test("interaction", path, self.groupings)
        return self.test("additive", path)

    def tests_frame(self) -> pd.DataFrame:
        """One row per test and direction: ``test, path, chisq, df, pvalue, pvalue_holm``."""
        return pd.DataFrame([{"test": t.name, "path": t.path, "chisq": t.chisq, "df": t.df, "pvalue": t.pvalue,
                              "pvalue_holm": t.pvalue_holm} for t in self.tests])

    @property
    def multiple_testing(self) -> str:
        m = {p: sum(1 for t in self.tests if t.path == p and np.isfinite(t.pvalue)) for p in PATHS}
        return (f"Holm-adjusted p-values (pvalue_holm) over the {m['x_to_y']} tests of each direction "
                "(all cells equal, each grouping's main difference, the interaction"
                + ("s" if len(self.groupings) == 3 else "") + ").")

    def forest_plot(self, *, value: str = "std_all", ax=None, save=None):
        """Small multiples: one panel per level of the first grouping (see
        :func:`analysis.reporting.crossed_plot.crossed_forest_plot`)."""
        from analysis.reporting.crossed_plot import crossed_forest_plot

        return crossed_forest_plot(self.to_frame(), x=self.x, y=self.y, groupings=self.groupings, value=value,
                                   ax=ax, save=save)

    # -- tables and JSON -------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per cell and path: each grouping's level, estimate, CI, standardized value, cell size."""
        rows = []
        for cell in self.cells:
            parts = dict(zip(self.groupings, cell.split(CELL_SEP)))
            for path, p in self.groups[cell].items():
                rows.append({"cell": cell, **parts, "n": self.sizes[cell], "path": path,
                             "from": self.x if path == "x_to_y" else self.y,
                             "to": self.y if path == "x_to_y" else self.x,
                             "est": p.est, "se": p.se, "ci_lower": p.ci_lower, "ci_upper": p.ci_upper,
                             "pvalue": p.pvalue, "std_all": p.std, "std_all_ci_lower": p.std_ci_lower,
                             "std_all_ci_upper": p.std_ci_upper})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON blocks: ``groups`` keyed by cell label, ``group_tests`` and the comparison's details."""
        both = lambda tests: {t.path: t.to_dict() for t in tests}  # noqa: E731
        kinds = {t.kind for t in self.tests}
        tests: dict[str, Any] = {}
        if "omnibus" in kinds:
            tests["omnibus"] = both(t for t in self.tests if t.kind == "omnibus")
        if "main" in kinds:
            tests["main"] = {g: both(t for t in self.tests if t.kind == "main" and t.groupings == (g,))
                             for g in self.groupings}
        if "interaction" in kinds:
            tests["interaction"] = {p: self.interaction(p).to_dict() for p in PATHS}
        if len(self.groupings) == 3 and "interaction" in kinds:
            tests["interactions"] = {CELL_SEP.join(t.groupings): both(u for u in self.tests if u.kind == "interaction"
                                                                      and u.groupings == t.groupings)
                                     for t in self.tests if t.kind == "interaction" and t.path == "x_to_y"}
        return {
            "groupings": list(self.groupings),
            "levels": {g: list(v) for g, v in self.levels.items()},
            "groups": {c: {"n": int(self.sizes[c]), **{p: s.to_dict() for p, s in self.groups[c].items()}}
                       for c in self.cells},
            "group_tests": tests,
            "multiple_testing": self.multiple_testing,
            "group_sizes": {c: int(n) for c, n in self.sizes.items()},
            "not_grouped": int(self.not_grouped),
            "syntax": self.syntax,
            "fit": {k: json_safe(v) for k, v in self.sem.fit.items()},
            "design": json_safe(self.sem.design),
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }

    # -- words -------------------------------------------------------------------
    def _differences(self, path: str) -> str:
        """Last minus first group of the second grouping, at each level of the first (two groupings)."""
        a, b = self.groupings[0], self.groupings[1]
        lo, hi = self.levels[b][0], self.levels[b][-1]
        parts = []
        for lv in self.levels[a]:
            cells = [CELL_SEP.join((lv, lo)), CELL_SEP.join((lv, hi))]
            if all(c in self.groups for c in cells):
                d = self.groups[cells[1]][path].est - self.groups[cells[0]][path].est
                parts.append(f"{d:+.2f} for {lv}")
        return f"{hi} minus {lo}: " + ", ".join(parts) if parts else ""

    def _interaction_words(self, path: str, link: str) -> str:
        inter = self.interaction(path)
        p = inter.pvalue_holm
        if len(self.groupings) == 2:
            between = f"the difference in {link} between {grouping_words(self.groupings[1])}"
            level = name_of(self.groupings[0])
            if not np.isfinite(p):
                return f"Whether {between} depends on {level} could not be tested (see the notes)."
            if significant(p):
                return (f"{between[0].upper()}{between[1:]} is not the same in every {level} group "
                        f"({format_p(p)}; {self._differences(path)}).")
            return f"The data do not show that {between} depends on {level} ({format_p(p)})."
        if not np.isfinite(p):
            return f"Whether the groupings combine in {link} beyond their separate differences could not be tested."
        if significant(p):
            return (f"The groupings combine in {link}: the differences by one grouping are not the same at every "
                    f"level of the others ({format_p(p)}).")
        return (f"The data do not show that the groupings combine in {link} beyond their separate differences "
                f"({format_p(p)}).")

    def interpretation(self) -> str:
        """The crossed question answered in words, per direction (Holm-adjusted p-values)."""
        words = []
        for path, a, b in (("x_to_y", name_of(self.x), name_of(self.y)), ("y_to_x", name_of(self.y), name_of(self.x))):
            link = f"the link from {a} to later {b}"
            if any(t.path == path and t.kind in ("interaction", "additive") for t in self.tests):
                words.append(self._interaction_words(path, link))
            mains = []
            for t in (u for u in self.tests if u.kind == "main" and u.path == path):
                g = t.groupings[0]
                if np.isfinite(t.pvalue_holm):
                    mains.append(f"{'differs' if significant(t.pvalue_holm) else 'does not clearly differ'} "
                                 f"between {grouping_words(g)} ({format_p(t.pvalue_holm)})")
            if mains:
                words.append(f"Averaged over the other grouping{'s' if len(self.groupings) == 3 else ''}, {link} "
                             + "; it ".join(mains) + ".")
        words.append("p-values are Holm-adjusted within each direction. Groups are compared on associations over "
                     "time; a difference between groups does not by itself show why it arises.")
        return " ".join(words)

    def headline(self):
        """The crossed answer first, in one or two everyday sentences with its caveats (see
        :func:`analysis.reporting.crossed_headline.crossed_headline`, the rules the report uses)."""
        from analysis.reporting.crossed_headline import crossed_headline

        return crossed_headline({"x": self.x, "y": self.y, "model": self.model, **self.to_dict()})

    def summary(self) -> str:
        """Cell estimates, tests and notes on one screen."""
        lines = [f"Cross-lagged effects by {CELL_SEP.join(self.groupings)} ({self.model.upper()}, {self.x} and "
                 f"{self.y}, waves {', '.join(self.waves)})", ""]
        rows = []
        for c in self.cells:
            xy, yx = self.groups[c]["x_to_y"], self.groups[c]["y_to_x"]
            rows.append({"cell": c, "n": self.sizes[c],
                         f"{self.x} -> {self.y}": f"{xy.est:.3f} [{xy.ci_lower:.3f}, {xy.ci_upper:.3f}]",
                         f"{self.y} -> {self.x}": f"{yx.est:.3f} [{yx.ci_lower:.3f}, {yx.ci_upper:.3f}]"})
        lines.append(pd.DataFrame(rows).to_string(index=False))
        lines += ["", "Tests of equal effects (likelihood ratio; " + self.multiple_testing.split(" (")[0] + "):"]
        table = []
        for t in self.tests:
            if t.path == "x_to_y":
                u = self.test(t.kind, "y_to_x", t.groupings)
                table.append({"test": t.name, "df": t.df, "x->y chisq": t.chisq, "p_holm": t.pvalue_holm,
                              "y->x chisq": u.chisq, "p_holm ": u.pvalue_holm})
        lines.append(pd.DataFrame(table).to_string(index=False, float_format=lambda v: f"{v:.3g}"))
        lines += [f"Note: {n}" for n in self.notes]
        small = [w.split("'")[1] for w in self.warnings if w.startswith("The cell '") and "has only" in w]
        if small:
            lines.append(f"Warning: {len(small)} cell{'s have' if len(small) > 1 else ' has'} fewer than 200 persons "
                         f"(imprecise estimates): {', '.join(small)}.")
        lines += [f"Warning: {w}" for w in self.warnings
                  if w not in self.notes and not (w.startswith("The cell '") and "has only" in w)][:5]
        lines += ["", self.interpretation()]
        return "\n".join(lines) + "\n"
