"""The sections of a run: each computes, writes its tables and figures, and returns JSON.

Tables are written as CSV with disclosure control applied; the dict returned
goes into ``results.json`` and the report.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.data.attrition import ATTRITION_DEPENDENT
from analysis.outputs import json_safe, write_atomic
from analysis.runs.config import AnalysisConfig, CausalItem, CrossLagItem, GroupsItem, ModerationItem
from analysis.naming import name_of
from analysis.runs.disclosure import panel_table_masks, scrub_text, suppress_counts


@dataclass
class Context:
    cfg: AnalysisConfig
    panel: Any
    folder: Path
    threshold: int
    figures: dict[str, dict[str, str]] = field(default_factory=dict)
    html_blocks: dict[str, str] = field(default_factory=dict)
    suppressed_cells: int = 0

    def table(self, name: str, frame: pd.DataFrame, *, counts: tuple[str, ...] = (),
              dependent: dict[str, tuple[str, ...]] | None = None,
              also: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
        """Apply disclosure control and write ``tables/<name>.csv``; return the safe table.

        ``also``: cells to blank besides the small counts (secondary suppression), per count column.
        Counts of persons in text cells (notes, messages) are reworded the same way.
        """
        safe, cells = suppress_counts(frame, counts, threshold=self.threshold, dependent=dependent, also=also)
        return self.protected_table(name, safe, cells=cells)

    def protected_table(self, name: str, safe: pd.DataFrame, *, cells: int) -> pd.DataFrame:
        """Write ``tables/<name>.csv`` from a table that has passed disclosure control already.

        For a table protected by the rule the report and the dashboard share (e.g.
        :func:`analysis.reporting.crossed_report.safe_cells`), ``cells`` being the cells it
        blanked; counts in text cells are reworded as :meth:`table` does.  Returns what was written.
        """
        safe = safe.copy()
        for col in safe.columns:
            if safe[col].dtype == object:
                safe[col] = safe[col].map(lambda v: scrub_text(v, self.threshold) if isinstance(v, str) else v)
        self.suppressed_cells += cells
        target = self.folder / "tables" / f"{name}.csv"
        write_atomic(target, lambda tmp: safe.to_csv(tmp, index=False, float_format="%.10g"))
        return safe

    def figure(self, name: str, fig, *, caption: str) -> None:
        from analysis.reporting.figures import save_figure

        paths = save_figure(fig, self.folder / "figures" / name, formats=tuple(self.cfg.output.figure_formats))
        self.figures[name] = {"caption": caption, **{Path(p).suffix[1:]: str(Path(p).relative_to(self.folder))
                                                     for p in paths}}


def records(frame: pd.DataFrame) -> list[dict]:
    """The rows of ``frame`` as JSON-safe dicts (missing values as None)."""
    return json_safe(frame.to_dict("records"))


def panel_hash(panel: Any) -> str:
    """sha256 of the scored long panel (stable across file formats and write times)."""
    frame = panel.long.sort_values(["id", "wave_index"]).reset_index(drop=True)
    return hashlib.sha256(frame.to_csv(index=False, float_format="%.12g").encode()).hexdigest()


# -- data -----------------------------------------------------------------------

def describe(ctx: Context) -> dict:
    """Respondents and construct summaries by wave and life stage; attrition."""
    panel = ctx.panel
    long = panel.long
    constructs = [c for c in panel.constructs]
    by = ["wave"] + (["life_stage"] if "life_stage" in long.columns else [])
    design = getattr(panel, "design", None)
    weighted = bool(getattr(design, "weighted", False)) and "weight" in long.columns
    rows = []
    for keys, sub in long.groupby(by, observed=True, sort=True):
        keys = keys if isinstance(keys, tuple) else (keys,)
        base = dict(zip(by, [str(k) for k in keys]))
        base["respondents"] = int(sub["id"].nunique())
        for c in constructs:
            vals = sub[c].dropna()
            row = {**base, "construct": c, "n": int(vals.size),
                   "mean": float(vals.mean()) if vals.size else np.nan,
                   "sd": float(vals.std(ddof=1)) if vals.size > 1 else np.nan}
            if weighted:
                row.update(weighted_summary(vals.to_numpy(float), sub.loc[vals.index, "weight"].to_numpy(float)))
            rows.append(row)
    table = pd.DataFrame(rows)
    stats_cols = ("mean", "sd", "weighted_mean", "weighted_sd") if weighted else ("mean", "sd")
    counts = ("n", "respondents", "n_weighted") if weighted else ("n", "respondents")
    dependent = {"n": stats_cols, "respondents": ()}
    if weighted:
        dependent["n_weighted"] = ("weighted_mean", "weighted_sd")
    attrition = panel.attrition.reset_index() if panel.attrition.index.name else panel.attrition
    count_cols = tuple(c for c in attrition.columns if pd.api.types.is_integer_dtype(attrition[c]))
    # Secondary suppression: a small life stage or attrition cell must not be recoverable by
    # subtraction from the totals shown beside it.
    also_desc, also_attr = panel_table_masks(table, attrition, threshold=ctx.threshold,
                                             persons=int(long["id"].nunique()), person_waves=int(len(long)))
    safe = ctx.table("descriptives", table, counts=counts, dependent=dependent, also=also_desc)
    # Retention percentages rest on the first-wave respondents counted beside them.
    safe_attr = ctx.table("attrition", attrition, counts=count_cols, dependent=ATTRITION_DEPENDENT,
                          also=also_attr)
    return {"waves": list(panel.waves), "constructs": constructs, "groupings": list(panel.groupings),
            "persons": int(long["id"].nunique()), "person_waves": int(len(long)),
            "descriptives": records(safe), "attrition": records(safe_attr), "weighted_descriptives": weighted,
            "audit": [w.to_dict() for w in getattr(panel, "audit", ())]}


def weighted_summary(values: np.ndarray, weights: np.ndarray) -> dict:
    """Weighted mean and SD of ``values`` with each person-wave's weight (zero or missing weights not used).

    The SD is the weighted population SD times sqrt(n / (n - 1)), so equal weights give the
    usual sample SD; ``n_weighted`` counts the values with a positive weight.
    """
    ok = np.isfinite(values) & np.isfinite(weights) & (weights > 0)
    v, w = values[ok], weights[ok]
    n = int(v.size)
    if n == 0:
        return {"n_weighted": 0, "weighted_mean": np.nan, "weighted_sd": np.nan}
    mean = float(np.sum(w * v) / np.sum(w))
    sd = float(np.sqrt(np.sum(w * (v - mean) ** 2) / np.sum(w) * n / (n - 1))) if n > 1 else np.nan
    return {"n_weighted": n, "weighted_mean": mean, "weighted_sd": sd}


# -- models ---------------------------------------------------------------------

def survey_options(ctx: Context) -> dict:
    """The run's survey settings as keyword arguments of the cross-lag functions."""
    survey = ctx.cfg.survey
    return {"survey": "spec" if survey.weighted else "none", "weight_rule": survey.weight_rule}


def crosslag(ctx: Context, item: CrossLagItem) -> dict:
    from analysis.models.crosslag import fit_crosslag
    from analysis.models.crosslag_results import MODEL_NAMES
    from analysis.reporting.between import between
    from analysis.reporting.path_diagram import path_diagram

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_crosslag(ctx.panel, x=item.x, y=item.y, model=item.model, waves=item.waves, lags=item.lags,
                           innovations=item.innovations, covariates=item.covariates, estimator=item.estimator,
                           compare=item.compare_models, sensitivity=item.sensitivity,
                           allow_unequal_intervals=item.allow_unequal_intervals, **survey_options(ctx))
    tag = f"{item.model}_{item.x}_{item.y}"
    out = res.to_dict()
    ctx.table(f"crosslag_{tag}", res.to_frame())
    ctx.table(f"parameters_{tag}", res.sem.to_frame())
    if res.comparison is not None:
        ctx.table(f"model_comparison_{tag}", res.comparison)
    if res.sensitivity is not None:
        ctx.table(f"sensitivity_{tag}", res.sensitivity)
    ri = between(out)
    fig = path_diagram(x=item.x, y=item.y, waves=list(res.waves), ar_x=list(res.ar_x.by_wave),
                       ar_y=list(res.ar_y.by_wave), x_to_y=list(res.x_to_y.by_wave), y_to_x=list(res.y_to_x.by_wave),
                       within=res.within_person, between=None if ri is None else ri.correlation)
    x, y = name_of(item.x), name_of(item.y)
    ctx.figure(f"path_diagram_{tag}", fig, caption=(
        f"Lagged effects between {x} and {y} ({MODEL_NAMES[item.model]}, standardized). Blue solid arrows: {x} → "
        f"later {y} ({res.x_to_y.std:.2f} on average); orange dashed arrows: {y} → later {x} "
        f"({res.y_to_x.std:.2f}); grey: how much each measure carries over to the next wave."
        + ("" if ri is None else f" Lasting differences between people: correlation {ri.correlation:.2f}.")))
    out["figure"] = f"path_diagram_{tag}"
    out["summary_text"] = res.summary()
    return out


def groups(ctx: Context, item: GroupsItem) -> dict:
    from analysis.models.groups import compare_all_groupings
    from analysis.reporting.figures import forest_caption
    from analysis.runs.disclosure import hide_group_sizes
    from analysis.reporting.figures import forest_plot

    names = list(ctx.panel.groupings) if item.groupings == "all" else list(item.groupings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        allg = compare_all_groupings(ctx.panel, x=item.x, y=item.y, groupings=names, model=item.model,
                                     waves=item.waves, lags=item.lags,
                                     allow_unequal_intervals=item.allow_unequal_intervals, **survey_options(ctx))
    table = allg.to_frame()
    table, hidden = hide_group_sizes(table, {g: c.not_grouped for g, c in allg.comparisons.items()},
                                     threshold=ctx.threshold)
    ctx.suppressed_cells += hidden
    tag = f"{item.x}_{item.y}"
    safe = ctx.table(f"groups_{tag}", table, counts=("n",),
                     dependent={"n": ("est", "se", "ci_lower", "ci_upper", "pvalue", "std_all", "std_all_ci_lower",
                                      "std_all_ci_upper")})
    tests = allg.tests()
    ctx.table(f"group_tests_{tag}", tests)
    pairwise = pd.concat([c.pairwise.assign(grouping=g) for g, c in allg.comparisons.items()], ignore_index=True)
    ctx.table(f"group_pairs_{tag}", pairwise)
    ctx.figure(f"forest_{tag}", forest_plot(safe, x=allg.x, y=allg.y, threshold=ctx.threshold), caption=forest_caption(allg.x, allg.y, tests))
    return {"x": item.x, "y": item.y, "table": records(safe), "tests": records(tests),
            "pairwise": records(pairwise), "failures": allg.failures,
            "interpretations": {g: c.interpretation() for g, c in allg.comparisons.items()},
            "warnings": {g: list(c.warnings) for g, c in allg.comparisons.items()},
            "figure": f"forest_{tag}"}


def check_crossed(ctx: Context, item: GroupsItem, where: str) -> tuple[str, ...]:
    """A groups item's ``crossed`` groupings (and cells to exclude) checked against the panel before any fit.

    Raises
    ------
    SpecError
        One sentence naming the config file and the key (``groups[1].crossed``, ``groups[1].exclude_groups``).
    """
    from analysis.errors import DataError, SpecError, UsageError
    from analysis.models.crossed import check_groupings, crossed_cells

    def said(key: str, exc: Exception) -> SpecError:
        text = str(exc).replace("exclude_groups (--exclude-groups) names", "it names")
        return SpecError(f"{ctx.cfg.source or '<config>'}: {where}.{key}: {text[0].lower()}{text[1:]}")

    try:
        names = check_groupings(list(item.crossed or ()), ctx.panel.groupings)
    except (DataError, UsageError) as exc:
        raise said("crossed", exc) from None
    try:
        crossed_cells(ctx.panel.long, names, exclude=item.exclude_groups)
    except (DataError, UsageError) as exc:
        raise said("exclude_groups", exc) from None
    return names


def crossed_groups(ctx: Context, item: GroupsItem) -> dict:
    """Crossed groupings (issue 20): the cells' cross-lags, the factorial tests, the small-multiples figure.

    The JSON block has compare_crossed's ``groups`` (keyed by cell label, each with ``n``
    and both directions) and ``group_tests`` (``omnibus``, ``main``, ``interaction``), with
    ``interpretation`` and ``notes``; cell sizes hidden in the table are hidden here too.
    """
    from analysis.models.crossed import compare_crossed
    from analysis.reporting.crossed_plot import crossed_forest_plot
    from analysis.reporting.crossed_report import crossed_caption, safe_cells
    from analysis.runs.disclosure import is_small

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = compare_crossed(ctx.panel, x=item.x, y=item.y, groupings=tuple(item.crossed or ()), model=item.model,
                              waves=item.waves, lags=item.lags, exclude_groups=item.exclude_groups,
                              allow_unequal_intervals=item.allow_unequal_intervals, **survey_options(ctx))
    tag = f"{item.x}_{item.y}_{'_'.join(res.groupings)}"
    # The report's and the dashboard's rule: a cell under the threshold loses its size and estimates, and a
    # size that would give back the persons without a cell is hidden (issue 17).
    safe, cells = safe_cells(res.to_frame(), res.not_grouped, threshold=ctx.threshold)
    safe = ctx.protected_table(f"crossed_{tag}", safe, cells=cells)
    tests = res.tests_frame()
    ctx.table(f"crossed_tests_{tag}", tests)
    ctx.figure(f"crossed_forest_{tag}", crossed_forest_plot(safe, x=item.x, y=item.y, groupings=res.groupings,
                                                              threshold=ctx.threshold),
               caption=crossed_caption(item.x, item.y, res.groupings, threshold=ctx.threshold))
    block = res.to_dict()
    shown = safe.drop_duplicates("cell").set_index("cell")["n"]
    for c in list(block["groups"]):
        raw = res.sizes[c]
        if is_small(raw, ctx.threshold):  # a cell under the threshold: neither its size nor its estimates
            block["groups"][c] = {"n": None, "x_to_y": None, "y_to_x": None, "suppressed": True}
            block["group_sizes"][c] = None
        elif pd.isna(shown.get(c)):  # its size would give back the persons without a cell
            block["groups"][c]["n"] = None
            block["group_sizes"][c] = None
    return {"x": item.x, "y": item.y, "model": item.model, "groupings": block["groupings"],
            "levels": block["levels"], "groups": block["groups"], "group_tests": block["group_tests"],
            "multiple_testing": block["multiple_testing"], "group_sizes": block["group_sizes"],
            "not_grouped": block["not_grouped"], "fit": block["fit"], "design": block["design"],
            "interpretation": res.interpretation(), "notes": block["notes"], "warnings": block["warnings"],
            "table": records(safe), "tests": records(tests), "figure": f"crossed_forest_{tag}"}


def moderation(ctx: Context, item: ModerationItem) -> dict:
    """A moderation item: fixed effects (default), the moderation inside the RI-CLPM (``sem``), or ``both``.

    ``both`` is the fixed-effects block as before plus ``method`` and ``sem``; ``sem`` has
    ``x, y, moderator, method``, the SEM's ``interpretation``, ``design`` and ``notes`` and
    the ``sem`` block (:func:`analysis.runs.moderation_section.sem_moderation`).
    """
    if item.method == "fixed-effects":
        return fixed_effects_moderation(ctx, item)
    from analysis.runs.moderation_section import sem_moderation

    sem = sem_moderation(ctx, item)
    if item.method == "both":
        return {**fixed_effects_moderation(ctx, item), "method": "both", "sem": sem}
    return {"x": item.x, "y": item.y, "moderator": item.moderator, "method": "sem",
            "interpretation": sem["answer"], "design": sem["design"], "notes": sem["notes"], "sem": sem}


def fixed_effects_moderation(ctx: Context, item: ModerationItem) -> dict:
    from analysis.models.moderation import moderate_panel

    res = moderate_panel(ctx.panel, x=item.x, y=item.y, moderator=item.moderator, waves=item.waves,
                         allow_unequal_intervals=item.allow_unequal_intervals, **survey_options(ctx))
    tag = f"{item.x}_{item.y}_{item.moderator}"
    ctx.table(f"moderation_{tag}", res.interaction)
    ctx.table(f"marginal_effects_{tag}", res.marginal_effects)
    return {"x": item.x, "y": item.y, "moderator": item.moderator, "interaction": records(res.interaction),
            "marginal_effects": records(res.marginal_effects), "interpretation": res.interpretation(),
            "design": json_safe(res.design), "notes": list(res.notes)}


def causal(ctx: Context, item: CausalItem) -> dict:
    from analysis.runs.causal_section import run_causal

    return run_causal(ctx, item)
