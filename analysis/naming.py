"""Plain names of the measures, for every sentence, title and label a reader sees.

One table so that the results, the report, the figures and the dashboard say
the same thing in the same words.  Names not listed are shown as their column
name with spaces.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Short plain names of the measures the workbench knows.
KNOWN_NAMES = {
    "loneliness": "loneliness",
    "loneliness_single": "feeling lonely (single question)",
    "ghq_likert": "GHQ-12 distress",
    "ghq_caseness": "GHQ-12 caseness score",
    "mcs": "SF-12 mental health (MCS)",
    "cesd": "CES-D depressive symptoms",
    "perceived_stigma": "perceived stigma",
    "discrimination": "experienced discrimination",
    "age": "age",
    "sex": "sex",
    "life_stage": "life stage",
}


def name_of(column: str) -> str:
    """Plain name of a measure, e.g. ``ghq_likert`` -> ``GHQ-12 distress``."""
    return KNOWN_NAMES.get(column, column.replace("_", " "))


def join_words(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = [i for i in items if i]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]

#: Lowest and highest possible score of the measures the workbench knows (from the data specs:
#: items times their valid range for a sum, the item range for a mean).
SCALE_RANGES: dict[str, tuple[float, float]] = {
    "loneliness": (3, 9),            # UCLA-3: three items scored 1-3, summed
    "loneliness_single": (1, 3),
    "ghq_likert": (0, 36),           # GHQ-12: twelve items scored 0-3, summed
    "ghq_caseness": (0, 12),
    "mcs": (0, 100),
    "cesd": (0, 8),                  # CES-D 8 (ELSA): eight yes/no items
    "perceived_stigma": (1, 4),      # mean of six items scored 1-4
    "discrimination": (0, 15),       # five items scored 0-3, summed
}

#: Scale names shown beside a range ("UCLA-3 scored 3-9").
SCALE_NAMES = {"loneliness": "UCLA-3", "ghq_likert": "GHQ-12", "ghq_caseness": "GHQ-12 caseness",
               "mcs": "SF-12 MCS", "cesd": "CES-D 8"}


def scale_range(column: str) -> str:
    """The possible scores of a measure in words, e.g. ``"scored 3–9"``; empty when unknown.

    Parameters
    ----------
    column : str
        The measure's column name (``loneliness``, ``ghq_likert``, ...).

    Returns
    -------
    str
    """
    if column not in SCALE_RANGES:
        return ""
    lo, hi = SCALE_RANGES[column]
    return f"scored {lo:g}–{hi:g}"


def scale_of(column: str) -> str:
    """``"UCLA-3, scored 3–9"``: the scale and its range, for brackets after "one point"; empty when unknown."""
    rng = scale_range(column)
    scale = SCALE_NAMES.get(column)
    return f"{scale}, {rng}" if scale and rng else rng


def grouping_plural(grouping: str) -> str:
    """The groups of a grouping in a sentence: ``life_stage`` -> "life stages", ``stigma_group`` -> "stigma groups"."""
    if grouping in ("life_stage", "age_group"):
        return "life stages" if grouping == "life_stage" else "age groups"
    words = name_of(grouping)
    return words + "s" if words.endswith("group") else words + " groups"


def points_of(column: str) -> str:
    """``"points (UCLA-3, scored 3–9)"``: what "one point" means for a measure, for every sentence using one."""
    rng = scale_range(column)
    if not rng:
        return "points"
    scale = SCALE_NAMES.get(column)
    return f"points ({scale}, {rng})" if scale else f"points ({rng})"


#: How the people in a group are described in a sentence ("stronger in people aged 16–29").
GROUP_PHRASES = {
    "life_stage": "people aged {level}",
    "age_group": "people aged {level}",
    "stigma_group": "people with {level} perceived stigma",
    "discrimination_group": "people with {level} experience of discrimination",
    "diagnosed_condition": "people with {level}",
    "sex": "{level}s",
}
_LEVEL_WORDS = {"none": "no", "diagnosed_condition:none": "no diagnosed condition"}


def group_phrase(grouping: str, level: str) -> str:
    """People in one group in everyday words, e.g. ``("life_stage", "16-29")`` -> ``"people aged 16–29"``.

    Parameters
    ----------
    grouping : str
        The grouping's column name.
    level : str
        The group's label.

    Returns
    -------
    str
    """
    level = str(level)
    shown = _LEVEL_WORDS.get(f"{grouping}:{level}", _LEVEL_WORDS.get(level, level))
    if grouping in ("life_stage", "age_group"):
        shown = shown.replace("-", "–")
    template = GROUP_PHRASES.get(grouping)
    if template is None:
        return f"the {level} group ({name_of(grouping)})"
    return template.format(level=shown)


#: Column headings for people: every table a reader sees uses these instead of the data's names.
COLUMN_LABELS = {
    "est": "estimate", "se": "standard error", "z": "z", "pvalue": "p", "ci_lower": "95% CI from",
    "ci_upper": "95% CI to", "std": "standardized", "std_all": "standardized", "std_se": "standardized SE",
    "std_all_ci_lower": "standardized 95% CI from", "std_all_ci_upper": "standardized 95% CI to",
    "std_ci_lower": "standardized 95% CI from", "std_ci_upper": "standardized 95% CI to",
    "std_estimate": "standardized", "npar": "parameters", "chisq": "chi-square", "df": "df",
    "chisq_scaled": "chi-square (scaled)", "pvalue_scaled": "p (scaled)", "chisq_diff": "χ² difference",
    "df_diff": "df difference", "cfi": "CFI", "tli": "TLI", "rmsea": "RMSEA", "rmsea_ci_lower": "RMSEA 90% CI from",
    "rmsea_ci_upper": "RMSEA 90% CI to", "cfi_robust": "CFI (robust)", "rmsea_robust": "RMSEA (robust)",
    "srmr": "SRMR", "aic": "AIC", "bic": "BIC", "logl": "log-likelihood", "n": "people", "n_obs": "observations",
    "nobs": "people", "path": "direction", "grouping": "grouping", "group": "group", "from": "from", "to": "to",
    "model": "model", "lags": "lags", "note": "note", "method": "method", "suppressed": "suppressed",
    "pvalue_holm": "p (Holm-adjusted)", "test": "test", "level": "level", "moderator_value": "moderator value",
    "refutation": "check", "new_effect": "estimate after the check", "verdict": "verdict",
    "estimate": "estimate", "effect": "effect", "converged": "converged", "life_stage": "life stage",
    "status": "fit usable?", "from_wave": "from wave", "to_wave": "to wave", "respondents": "respondents",
}

#: Values that are names in the data (paths, models, effects, checks) in words.
VALUE_WORDS = {
    "x_to_y": "x → later y", "y_to_x": "y → later x", "omnibus": "both directions",
    "riclpm": "RI-CLPM", "clpm": "CLPM", "dpm": "DPM", "invariant": "equal over waves", "free": "free",
    "total": "total", "natural_direct": "direct (not through the mediator)",
    "natural_indirect": "indirect (through the mediator)", "placebo_treatment": "placebo exposure",
    "random_common_cause": "random common cause", "data_subset": "random subsets of the data",
    "unobserved_common_cause": "unobserved common cause", "pass": "passed", "fail": "failed",
    "caution": "caution",
}


def column_label(column: str) -> str:
    """Heading of a column for people, e.g. ``ci_lower`` -> ``95% CI from`` (unknown names with spaces)."""
    return COLUMN_LABELS.get(column, name_of(column))


def value_words(value: str, *, x: str | None = None, y: str | None = None) -> str:
    """A coded value in words: ``x_to_y`` -> ``loneliness → later GHQ-12 distress`` (given x and y)."""
    if value in ("x_to_y", "y_to_x") and x and y:
        a, b = (x, y) if value == "x_to_y" else (y, x)
        return f"{name_of(a)} → later {name_of(b)}"
    if value in VALUE_WORDS:
        return VALUE_WORDS[value]
    return name_of(value) if value in KNOWN_NAMES or "_" in value else value
