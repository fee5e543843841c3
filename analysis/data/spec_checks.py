"""Rules that span several keys of a data spec, checked after the schema.

Each failure is a :class:`~analysis.errors.SpecError` naming the spec file
and the key path, with a "did you mean" suggestion for misspelt names.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Iterable, Sequence

from analysis.data.spec import RESERVED, Construct, Grouping, Spec, Variable
from analysis.errors import SpecError

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def key_path(loc: Sequence[object]) -> str:
    """``("constructs", "x", "items", 2)`` -> ``constructs.x.items[2]``."""
    out = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        elif isinstance(part, str) and _IDENT.fullmatch(part):
            out += ("." if out else "") + part
        elif isinstance(part, float):
            out += f"[{format_number(part)}]"
        else:
            out += f"[{part!r}]"
    return out


def format_number(value: float) -> str:
    """-9.0 -> '-9'; 2.5 -> '2.5'."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def suggest(name: str, choices: Iterable[str]) -> str:
    """"; did you mean 'x'?" or a list of the choices."""
    choices = list(choices)
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    shown = ", ".join(choices[:12]) + (", ..." if len(choices) > 12 else "")
    return f"; choose from {shown}" if choices else ""


class _Checker:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.waves = spec.wave_names

    def fail(self, loc: Sequence[object], message: str) -> None:
        text = f"{self.spec.source}: {key_path(loc)}: {message}"
        raise SpecError(text if text.endswith(("?", ".")) else text + ".")

    # -- pieces -------------------------------------------------------------
    def template(self, loc: Sequence[object], text: str, allowed: tuple[str, ...]) -> None:
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
        except ValueError as exc:
            self.fail(loc, f"{text!r} is not a valid name template ({exc})")
            return
        for field in fields:
            if field not in allowed:
                placeholders = ", ".join("{" + a + "}" for a in allowed)
                self.fail(loc, f"unknown placeholder {{{field}}} in {text!r}; use {placeholders}")

    def wave_ref(self, loc: Sequence[object], name: str) -> None:
        if name not in self.waves:
            self.fail(loc, f"unknown wave {name!r}{suggest(name, self.waves)}")

    def variable(self, loc: tuple, var: Variable) -> None:
        for i, name in enumerate(var.name):
            self.template((*loc, "name", i) if len(var.name) > 1 else (*loc, "name"), name,
                          ("wave", "number"))
        for wave, names in var.by_wave.items():
            self.wave_ref((*loc, "by_wave", wave), wave)
            for name in names or ():
                self.template((*loc, "by_wave", wave), name, ("wave", "number"))

    # -- sections -----------------------------------------------------------
    def waves_and_layout(self) -> None:
        spec = self.spec
        seen: dict[str, int] = {}
        numbers: dict[int, int] = {}
        for i, wave in enumerate(spec.waves):
            if wave.name in seen:
                self.fail(("waves", i, "name"), f"wave {wave.name!r} is listed twice")
            if wave.number in numbers:
                self.fail(("waves", i, "number"), f"wave number {wave.number} is also used by wave "
                          f"{spec.waves[numbers[wave.number]].name!r}")
            if i and wave.number < spec.waves[i - 1].number:
                # The numbers measure the steps between waves (lag models check them): they follow the list.
                self.fail(("waves", i, "number"), f"wave {wave.name!r} is numbered {wave.number}, below wave "
                          f"{spec.waves[i - 1].name!r} before it ({spec.waves[i - 1].number}); list the waves in "
                          "the order they were fielded, numbers increasing")
            seen[wave.name], numbers[wave.number] = i, i
            for pattern in wave.file or ():
                self.template(("waves", i, "file"), pattern, ("wave", "number"))
            if wave.value is not None and spec.layout != "long":
                self.fail(("waves", i, "value"), "is only used with layout: long")
            if wave.file is not None and spec.layout != "waves":
                self.fail(("waves", i, "file"), f"is only used with layout: waves; with layout: "
                          f"{spec.layout} the one file is given by 'file'")
        self.template(("column_names",), spec.column_names, ("wave", "number", "name"))
        if "{name}" not in spec.column_names:
            self.fail(("column_names",), f"{spec.column_names!r} must contain {{name}}")
        if spec.layout == "waves":
            for key in ("file", "wave_column"):
                if getattr(spec, key) is not None:
                    self.fail((key,), "is only used with layout: long or wide; with one file per "
                              "wave give 'files' (a name pattern such as '{wave}_indresp')")
            if spec.files is None:
                lacking = [w.name for w in spec.waves if w.file is None]
                if lacking:
                    self.fail(("files",), f"missing: layout 'waves' needs a file name pattern "
                              f"such as '{{wave}}_indresp' (wave {lacking[0]!r} has no file)")
            for pattern in spec.files or ():
                self.template(("files",), pattern, ("wave", "number"))
        else:
            if spec.files is not None:
                self.fail(("files",), f"is only used with layout: waves; with layout: "
                          f"{spec.layout} give the one file as 'file'")
            if spec.file is None:
                self.fail(("file",), f"missing: layout '{spec.layout}' needs the data file's name")
            if spec.layout == "long" and spec.wave_column is None:
                self.fail(("wave_column",), "missing: layout 'long' needs the column that says "
                          "which wave a row belongs to")
            if spec.layout == "wide":
                if spec.wave_column is not None:
                    self.fail(("wave_column",), "is only used with layout: long")
                if "{wave}" not in spec.column_names and "{number}" not in spec.column_names:
                    self.fail(("column_names",), "layout 'wide' needs {wave} or {number} in "
                              "column_names (e.g. '{wave}_{name}') to tell the waves' columns apart")

    def names(self) -> None:
        spec = self.spec
        owner: dict[str, str] = {}
        for section in ("constructs", "covariates", "groupings"):
            for name in getattr(spec, section):
                if name in RESERVED:
                    self.fail((section, name), f"{name!r} is reserved for a panel column; "
                              "choose another name")
                if name in owner:
                    self.fail((section, name), f"{name!r} is also defined under {owner[name]}; "
                              "names must be unique")
                owner[name] = section

    def construct(self, name: str, c: Construct) -> None:
        loc = ("constructs", name)
        lo, hi = c.valid
        if lo > hi:
            self.fail((*loc, "valid"), f"the lower end {format_number(lo)} is above the upper "
                      f"end {format_number(hi)}")
        keys = c.item_names
        for i, item in enumerate(c.items):
            if item.key in keys[:i]:
                self.fail((*loc, "items", i), f"item {item.key!r} is listed twice")
            self.variable((*loc, "items", i), item)
        for i, rev in enumerate(c.reverse):
            if rev not in keys:
                self.fail((*loc, "reverse", i), f"{rev!r} is not one of the construct's "
                          f"items{suggest(rev, keys)}")
        if c.min_items is not None and c.min_items > len(c.items):
            self.fail((*loc, "min_items"), f"is {c.min_items} but the construct has only "
                      f"{len(c.items)} items")
        if c.prorate and c.score != "sum":
            self.fail((*loc, "prorate"), "only applies to score: sum (a mean needs no prorating)")
        for i, wave in enumerate(c.waves or ()):
            self.wave_ref((*loc, "waves", i), wave)

    def grouping(self, name: str, g: Grouping) -> None:
        loc = ("groupings", name)
        measures = [*self.spec.constructs, *self.spec.covariates]
        if g.levels is not None:
            self.levels(loc, g, measures)
            return
        if g.otherwise is not None or g.ever:
            self.fail(loc, "otherwise and ever go with levels; drop them or give levels instead of of")
        if g.of is None:
            self.fail(loc, "give of (a construct or covariate to cut into groups) or levels")
        if g.of not in measures:
            self.fail((*loc, "of"), f"{g.of!r} is not a construct or covariate{suggest(g.of, measures)}")
        given = [k for k in ("bands", "cutoffs", "quantiles") if getattr(g, k) is not None]
        if len(given) != 1:
            self.fail(loc, "give exactly one of bands, cutoffs or quantiles" +
                      (f" (found {', '.join(given)})" if given else ""))
        kind = given[0]
        if kind == "bands":
            self.bands((*loc, "bands"), g)
            if g.labels is not None:
                self.fail((*loc, "labels"), "bands are labelled by their keys; drop labels")
            return
        cuts = getattr(g, kind)
        if not cuts:
            self.fail((*loc, kind), "give at least one value")
        if any(b <= a for a, b in zip(cuts, cuts[1:])):
            self.fail((*loc, kind), "values must increase")
        if kind == "quantiles" and not all(0 < q < 1 for q in cuts):
            self.fail((*loc, kind), "quantiles must lie strictly between 0 and 1")
        if g.labels is not None:
            if len(g.labels) != len(cuts) + 1:
                self.fail((*loc, "labels"), f"{len(cuts)} {kind} make {len(cuts) + 1} groups, "
                          f"but {len(g.labels)} labels are given")
            if len(set(g.labels)) != len(g.labels):
                self.fail((*loc, "labels"), "labels must be different from each other")

    def levels(self, loc: tuple, g: Grouping, measures: list[str]) -> None:
        if g.of is not None:
            self.fail((*loc, "of"), "a grouping by levels takes its measures from levels; drop of")
        given = [k for k in ("bands", "cutoffs", "quantiles", "labels") if getattr(g, k) is not None]
        if given:
            self.fail((*loc, given[0]), "levels name their own groups; drop " + given[0])
        if not g.levels:
            self.fail((*loc, "levels"), "give at least one level: label: measure")
        for label, names in (g.levels or {}).items():
            for measure in names:
                if measure not in measures:
                    self.fail((*loc, "levels", label), f"{measure!r} is not a construct or covariate"
                              f"{suggest(measure, measures)}")
        if g.otherwise is None:
            self.fail((*loc, "otherwise"), "name the group of people with none of the levels, e.g. otherwise: none")
        if g.otherwise in (g.levels or {}):
            self.fail((*loc, "otherwise"), f"{g.otherwise!r} is also a level; give it another name")

    def bands(self, loc: tuple, g: Grouping) -> None:
        bands = g.bands or {}
        if not bands:
            self.fail(loc, "give at least one band")
        spans = []
        for label, (lo, hi) in bands.items():
            if lo is not None and hi is not None and lo > hi:
                self.fail((*loc, label), f"from {format_number(lo)} is above to {format_number(hi)}")
            spans.append((float("-inf") if lo is None else lo, float("inf") if hi is None else hi, label))
        spans.sort()
        for (_, hi1, l1), (lo2, _, l2) in zip(spans, spans[1:]):
            if lo2 <= hi1:
                self.fail((*loc, l2), f"overlaps band {l1!r}")

    def design(self) -> None:
        design = self.spec.design
        if not design.roles:
            self.fail(("design",), "give psu (the primary sampling unit column), strata, or both")
        if design.strata is not None and design.psu is None:
            self.fail(("design", "strata"), "strata need design.psu as well (PSU totals are "
                      "centred within strata); give the PSU column")
        for role in design.roles:
            self.variable(("design", role), getattr(design, role))

    def stigma(self) -> None:
        grouped = {g.of for g in self.spec.groupings.values() if g.of is not None}
        for name in self.spec.stigma_measures:
            if name not in grouped:
                self.fail(("constructs", name, "stigma"), "a stigma measure needs a grouping "
                          "(cutoffs or quantiles) under groupings")

    def interval(self) -> None:
        interval = self.spec.interval
        if not isinstance(interval, dict):
            return
        for wave in interval:
            self.wave_ref(("interval", wave), wave)
        first = self.waves[0]
        if first in interval:
            self.fail(("interval", first), f"wave {first!r} is the first wave, so no time has passed since a wave "
                      "before it; give the years for the waves after it")
        lacking = [w for w in self.waves[1:] if w not in interval]
        if lacking:
            self.fail(("interval",), f"missing the years since the wave before for wave {lacking[0]!r}; give every "
                      "wave after the first, or one number for all")

    def run(self) -> None:
        spec = self.spec
        self.waves_and_layout()
        self.interval()
        self.names()
        for name, c in spec.constructs.items():
            self.construct(name, c)
        for name, cov in spec.covariates.items():
            self.variable(("covariates", name), cov)
            if cov.valid is not None and cov.valid[0] > cov.valid[1]:
                self.fail(("covariates", name, "valid"), "the lower end is above the upper end")
        if spec.weight is not None:
            self.variable(("weight",), spec.weight)
        if spec.design is not None:
            self.design()
        for name, g in spec.groupings.items():
            self.grouping(name, g)
        self.stigma()


def check_spec(spec: Spec) -> None:
    """Raise :class:`SpecError` on the first cross-key problem of ``spec``."""
    _Checker(spec).run()
