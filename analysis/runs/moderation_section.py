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
    from analysis.runs.sections import records, survey_options

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = moderate_within(ctx.panel, x=item.x, y=item.y, moderator=item.moderator, waves=item.waves, by=item.by,
                              estimator=item.estimator, allow_unequal_intervals=item.allow_unequal_intervals,
                              **survey_options(ctx))
        comparison = res.compare_fixed_effects()
    tag = f"{item.x}_{item.y}_{item.moderator}" + (f"_by_{item.by}" if item.by else "")
    sizes = res.group_sizes
    hidden = _hidden_groups(sizes, ctx.threshold) if item.by else set()
    key = lambda frame: frame["group"].fillna("all").astype(str)  # noqa: E731

    def safe(name: str, frame: pd.DataFrame) -> pd.DataFrame:
        # Each row carries its group's size, so a small group loses its estimates with its size.
        keys = key(frame)
        frame = frame.assign(n=keys.map(sizes).astype("Int64"))
        return ctx.table(name, frame, counts=("n",), dependent={"n": ESTIMATES},
                         also={"n": keys.isin(hidden).to_numpy(dtype=bool)})

    interaction = safe(f"sem_moderation_{tag}", res.interaction)
    slopes = safe(f"sem_simple_slopes_{tag}", res.simple_slopes)
    equality = ctx.table(f"sem_moderation_equality_{tag}", res.equality) if item.by else res.equality
    ctx.table(f"sem_moderation_vs_fixed_effects_{tag}", comparison)
    ctx.suppressed_cells += len(hidden)
    shown_sizes = {g: (None if g in hidden else n) for g, n in sizes.items()}
    if hidden:  # the answer and interpretation name groups; their estimates are hidden, so are the sentences
        answer = interpretation = (f"Some {item.by} groups are too small to show (fewer than {ctx.threshold} "
                                   f"persons); see the table for the others.")
    else:
        answer, interpretation = res.answer(), res.interpretation()
    design = json_safe(res.design)
    return {
        "model": "riclpm", "by": item.by, "waves": list(res.waves),
        "estimation": {"estimator": "mlr" if res.survey.used else item.estimator, "missing": "fiml"},
        "answer": answer,
        "interaction": records(interaction), "simple_slopes": records(slopes),
        "equality": records(equality.drop(columns="suppressed", errors="ignore")),
        "comparison_with_fixed_effects": {"table": records(comparison), "sentence": comparison.attrs["sentence"]},
        "moderator_mean": res.moderator_mean, "moderator_sd": res.moderator_sd,
        "group_sizes": shown_sizes,
        "fit": {k: json_safe(res.sem.fit.get(k)) for k in FIT_KEYS if k in res.sem.fit},
        "design": design, "design_sentence": design_sentence(design),
        "interpretation": interpretation, "caveat": CAUSE,
        "notes": list(res.notes),
        "tables": {"interaction": f"tables/sem_moderation_{tag}.csv",
                   "simple_slopes": f"tables/sem_simple_slopes_{tag}.csv",
                   "comparison": f"tables/sem_moderation_vs_fixed_effects_{tag}.csv"},
    }
