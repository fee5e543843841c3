"""A run's moderation inside the SEM (``moderation: [{..., method: sem|both, by: ...}]``, issue 20).

The moderator on the within-person cross-lags of the RI-CLPM
(:func:`analysis.models.sem_moderation.moderate_within`), under the run's survey settings,
set beside the fixed-effects moderation of the same persons.  Writes its tables and
returns the ``sem`` block of the item in ``results.json``: the answer in words, the
interaction per direction (and group) with est/SE/p/CI and per SD, the simple slopes at the
10th/50th/90th percentiles, the test that the groups' interactions are equal, the comparison
with fixed effects, the design, fit and notes.  Group sizes under the disclosure threshold
(and any that would give one back from the total) are hidden with the estimates they carry.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd

from analysis.models.survey_design import design_sentence
from analysis.outputs import json_safe
from analysis.runs.config import ModerationItem

#: Columns of the interaction and simple-slopes tables computed from a group's persons.
ESTIMATES = ("est", "se", "z", "pvalue", "ci_lower", "ci_upper", "per_sd", "moderator_value")

#: The caveat every moderation result carries, in the report and results.json.
CAUSE = "These are associations within persons, not proof of cause."

#: Fit measures kept in the block (the syntax and the rest are in the tables and the module).
FIT_KEYS = ("npar", "nobs", "chisq", "df", "pvalue", "chisq_scaled", "df_scaled", "pvalue_scaled",
            "chisq_scaling_factor", "cfi", "tli", "rmsea", "srmr", "logl", "aic", "bic")


def _hidden_groups(sizes: dict[str, int], threshold: int) -> set[str]:
    """Groups whose size must not be shown: under the threshold, or giving one back from the total."""
    from analysis.runs.disclosure import suppress_listed

    names = list(sizes)
    return {names[i] for i in suppress_listed([sizes[g] for g in names], threshold=threshold)}


def sem_moderation(ctx: Any, item: ModerationItem) -> dict:
    """Fit the moderation inside the RI-CLPM for one config item; write its tables; return its block."""
    from analysis.models.sem_moderation import moderate_within
    from analysis.runs.sections import survey_options

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = moderate_within(ctx.panel, x=item.x, y=item.y, moderator=item.moderator, waves=item.waves, by=item.by,
                              estimator=item.estimator, allow_unequal_intervals=item.allow_unequal_intervals,
                              **survey_options(ctx))
    block, hidden = sem_block(res, threshold=ctx.threshold, table=ctx.table)
    ctx.suppressed_cells += hidden
    return block


def table_names(res: Any) -> dict[str, str]:
    """The run's table of each part (``tables/<name>.csv``)."""
    tag = f"{res.x}_{res.y}_{res.moderator}" + (f"_by_{res.by}" if res.by else "")
    return {"interaction": f"sem_moderation_{tag}", "simple_slopes": f"sem_simple_slopes_{tag}",
            "equality": f"sem_moderation_equality_{tag}", "comparison": f"sem_moderation_vs_fixed_effects_{tag}"}


def plain_table(name: str, frame: pd.DataFrame, *, counts: tuple[str, ...] = (), threshold: int = 10,
                dependent: dict | None = None, also: dict | None = None) -> pd.DataFrame:
    """Disclosure control of a table that is not written (the CLI): the same rules as a run's tables."""
    from analysis.runs.disclosure import suppress_counts

    return suppress_counts(frame, counts, threshold=threshold, dependent=dependent, also=also)[0]


def sem_block(res: Any, *, threshold: int, table: Callable[..., pd.DataFrame] | None = None) -> tuple[dict, int]:
    """The JSON block of a :class:`WithinModerationResults` under disclosure control, and the groups hidden.

    ``table(name, frame, counts=, dependent=, also=)`` protects (and a run writes) each table;
    by default the tables are only protected (:func:`plain_table`).
    """
    from analysis.runs.sections import records

    if table is None:
        table = lambda name, frame, **kw: plain_table(name, frame, threshold=threshold, **kw)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        comparison = res.compare_fixed_effects()
    names = table_names(res)
    sizes = res.group_sizes
    hidden = _hidden_groups(sizes, threshold) if res.by else set()
    key = lambda frame: frame["group"].fillna("all").astype(str)  # noqa: E731

    def safe(name: str, frame: pd.DataFrame) -> pd.DataFrame:
        # Each row carries its group's size, so a small group loses its estimates with its size.
        keys = key(frame)
        frame = frame.assign(n=keys.map(sizes).astype("Int64"))
        return table(name, frame, counts=("n",), dependent={"n": ESTIMATES},
                     also={"n": keys.isin(hidden).to_numpy(dtype=bool)})

    interaction = safe(names["interaction"], res.interaction)
    slopes = safe(names["simple_slopes"], res.simple_slopes)
    equality = table(names["equality"], res.equality) if res.by else res.equality
    table(names["comparison"], comparison)
    if hidden:  # the answer and interpretation name groups whose estimates are hidden
        answer = interpretation = (f"Some {res.by} groups are too small to show (fewer than {threshold} "
                                   f"persons); see the table for the others.")
    else:
        answer, interpretation = res.answer(), res.interpretation()
    design = json_safe(res.design)
    block = {
        "model": "riclpm", "by": res.by, "waves": list(res.waves),
        "estimation": {"estimator": "mlr" if res.survey.used else res.sem.options.get("estimator"),
                       "missing": "fiml"},
        "answer": answer,
        "interaction": records(interaction), "simple_slopes": records(slopes),
        "equality": records(equality.drop(columns="suppressed", errors="ignore")),
        "comparison_with_fixed_effects": {"table": records(comparison), "sentence": comparison.attrs["sentence"]},
        "moderator_mean": res.moderator_mean, "moderator_sd": res.moderator_sd,
        "group_sizes": {g: (None if g in hidden else n) for g, n in sizes.items()},
        "fit": {k: json_safe(res.sem.fit.get(k)) for k in FIT_KEYS if k in res.sem.fit},
        "design": design, "design_sentence": design_sentence(design),
        "interpretation": interpretation, "caveat": CAUSE,
        "notes": list(res.notes),
        "tables": {part: f"tables/{names[part]}.csv" for part in ("interaction", "simple_slopes", "comparison")},
    }
    return block, len(hidden)
