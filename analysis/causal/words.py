"""Plain words: names of measures, the estimands and the assumptions behind them.

Everything a reader sees about *what* is estimated is written here, so the
results, the graph picture and the CLI say the same thing in the same words.
"""

from __future__ import annotations

from collections.abc import Sequence

from analysis.naming import KNOWN_NAMES, join_words, name_of, scale_of  # noqa: F401 (re-exported)


def one_point_more(exposure: str) -> str:
    """``"one point more loneliness (UCLA-3, scored 3–9)"``: a point always comes with its scale's range."""
    scale = scale_of(exposure)
    return f"one point more {name_of(exposure)}" + (f" ({scale})" if scale else "")


def exposure_phrase(exposure: str, threshold: float | None) -> str:
    """How the exposure is described: continuous or 'often' (at or above a cut-off)."""
    if threshold is None:
        return name_of(exposure)
    return f"high {name_of(exposure)} ({name_of(exposure)} at or above {threshold:g})"


def held_fixed(confounders: Sequence[str], outcome: str, mediator_confounder: str | None) -> str:
    """The list of things held fixed, in words (confounders are source variable names)."""
    names = [name_of(c) for c in confounders]
    if mediator_confounder:
        names.append(f"earlier {name_of(mediator_confounder)}")
    names.append(f"earlier {name_of(outcome)}")
    return join_words(list(dict.fromkeys(names)))


def total_effect_words(*, exposure: str, outcome: str, threshold: float | None, fixed: str) -> str:
    """The average (total) effect in words."""
    if threshold is None:
        return (f"The average change in {name_of(outcome)} at a wave per {one_point_more(exposure)} "
                f"one wave earlier (so also how much {name_of(outcome)} would fall if {name_of(exposure)} "
                f"were one point lower), holding {fixed} fixed.")
    return (f"The average difference in {name_of(outcome)} at a wave between everyone having "
            f"{exposure_phrase(exposure, threshold)} one wave earlier and no one having it, with the two groups "
            f"made alike in {fixed} by propensity-score weighting.")


def direct_effect_words(*, exposure: str, outcome: str, mediator: str, threshold: float | None) -> str:
    """The natural direct effect in words."""
    change = one_point_more(exposure) if threshold is None else exposure_phrase(exposure, threshold)
    return (f"The part of the effect of {change} one wave earlier on {name_of(outcome)} that does not run "
            f"through {name_of(mediator)}: the change in {name_of(outcome)} if {name_of(exposure)} changed but "
            f"{name_of(mediator)} stayed where it would have been without the change.")


def indirect_effect_words(*, exposure: str, outcome: str, mediator: str, threshold: float | None) -> str:
    """The natural indirect effect in words."""
    change = one_point_more(exposure) if threshold is None else exposure_phrase(exposure, threshold)
    return (f"The part of the effect of {change} one wave earlier on {name_of(outcome)} that runs through "
            f"{name_of(mediator)}: the change in {name_of(outcome)} if {name_of(exposure)} stayed the same but "
            f"{name_of(mediator)} shifted as much as that change in {name_of(exposure)} would shift it.")


def assumptions(*, exposure: str, outcome: str, confounders: Sequence[str], binary: bool,
                mediator: str | None, mediator_role: str, clip: float) -> tuple[str, ...]:
    """The assumptions an estimate rests on, each one sentence."""
    x, y = name_of(exposure), name_of(outcome)
    out = [
        f"No unmeasured common cause: apart from {held_fixed(confounders, outcome, mediator)}, nothing drives "
        f"both {x} and later {y}; stable personal traits not captured by earlier {y} are the main worry "
        "(see the unobserved-common-cause check).",
        f"Correct time order: {x} at one wave comes before {y} at the next, and the variables held fixed "
        f"were measured before (or at the same wave as) {x}, so none of them is a consequence of it.",
        f"A well-defined change: lowering {x} by some means would act on {y} as natural differences in "
        f"{x} between otherwise similar people do (no interference between people).",
        "Missing person-waves are left out (complete cases); this is unbiased only if being missing does "
        "not depend on the outcome once the adjusted variables are known.",
    ]
    if binary:
        out.append(f"Positivity: people with every combination of the adjusted variables can be both high and low "
                   f"in {x}; propensity scores are clipped to [{clip:g}, {1 - clip:g}], and the propensity model "
                   "(a logistic regression) is correctly specified.")
    else:
        out.append(f"The effect of {x} on {y} is linear and the same for everyone (a linear regression).")
    if mediator and mediator_role == "mediator":
        m = name_of(mediator)
        out.append(f"Mediation: {m} at the outcome wave is taken to come after {x} and before {y}; nothing "
                   f"unmeasured drives both {m} and {y}; nothing that {x} changes also drives both {m} and {y}; "
                   f"and {x} and {m} act on {y} additively (no interaction), as the two-stage regression assumes.")
    out.append("This is a lagged observational design, not an experiment: the estimate is what would follow "
               "from changing the exposure only if all of the above hold.")
    return tuple(out)
