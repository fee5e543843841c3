"""Plain-language definitions used by the Glossary page and as tooltips on the other pages."""

from __future__ import annotations

from analysis.interpret import ALPHA, EFFECT_SIZE_SOURCE, RMSEA_POOR, effect_size_scale, fit_rule, number
from analysis.runs.config import OutputSection

_THRESHOLD = OutputSection().disclosure_threshold

GLOSSARY: dict[str, str] = {
    "CLPM": (
        "Cross-lagged panel model. For two measures asked at several waves (say loneliness and mental "
        "health), it estimates how much each one at a wave goes with a change in the other at the next "
        "wave, after allowing for each measure's own past. It compares *people with each other*, so stable "
        "differences between people (some are lonelier than others year after year) are mixed into the "
        "cross-lagged effects."),
    "RI-CLPM": (
        "Random-intercept cross-lagged panel model (Hamaker et al. 2015). Like the CLPM, but each person "
        "first gets their own usual level of each measure (the random intercept); the cross-lagged effects "
        "then describe how a person's departures from their *own* usual level go with later departures in "
        "the other measure. This is the recommended model for the question \"if someone becomes lonelier "
        "than usual, does their mental health get worse afterwards?\""),
    "DPM": (
        "Dynamic panel model with fixed effects. Another way to take out each person's stable level; close "
        "to the RI-CLPM in spirit, with different assumptions about the first wave."),
    "Within-person": (
        "About changes inside the same person over time, compared with that person's own usual level. "
        "RI-CLPM and DPM effects are within-person."),
    "Between-person": (
        "About differences between people, e.g. lonelier people tend to have worse mental health. The CLPM "
        "mixes between-person differences with within-person changes."),
    "Cross-lagged effect": (
        "How much a measure at one wave goes with the *other* measure at the next wave, holding that other "
        "measure's own earlier value fixed. There are two: loneliness → later mental health, and mental "
        "health → later loneliness."),
    "Stability (autoregressive) effect": (
        "How much a measure carries over from one wave to the next within the same measure."),
    "Standardized": (
        "An estimate expressed in standard deviations instead of the measure's own points, so that effects "
        "on scales of different lengths can be compared. For cross-lagged effects about "
        f"{effect_size_scale(verb=True)} ({EFFECT_SIZE_SOURCE})."),
    "Unstandardized estimate": (
        "The change in the later score, in its own points, for one point more on the earlier score."),
    "95% confidence interval": (
        "The range of values compatible with the data: if the study were repeated many times, 95% of such "
        "intervals would contain the true value. An interval that includes 0 means the data cannot rule "
        "out no effect."),
    "p-value": (
        f"How surprising the data would be if there were really no effect (or no difference). Below {number(ALPHA)} "
        "is conventionally called statistically significant; it does not say how large or important an effect is."),
    "Chi-square test of fit": (
        "Tests whether the model reproduces the data exactly. With thousands of people it rejects even "
        "tiny misfit, so the indices below are usually more useful."),
    "CFI / TLI": (
        "Comparative fit indices: how much better the model does than a model with no relations at all. "
        f"{fit_rule('cfi')} is usually taken as good fit."),
    "RMSEA": (
        f"Root mean square error of approximation: misfit per degree of freedom. {fit_rule('rmsea')} is usually "
        f"taken as good fit, above {RMSEA_POOR:.2f} as poor."),
    "SRMR": (
        "Standardized root mean square residual: the average difference between the observed and the "
        f"model's correlations. {fit_rule('srmr')} is usually taken as good fit."),
    "AIC / BIC": (
        "Information criteria for comparing models fitted to the same data: lower is better. BIC favours "
        "simpler models more strongly than AIC."),
    "FIML": (
        "Full-information maximum likelihood: the models use every wave each person answered, so people "
        "who left the study still count for the waves they took part in."),
    "Attrition": (
        "People leaving a panel study over time. Those who leave often differ from those who stay."),
    "Life stage": (
        "Age group at the first wave analysed: 16-29 (young adults), 30-64 (midlife) and 65+ (older people) "
        "in the UKHLS specs."),
    "Stigma group": (
        "People grouped by a stigma measure (perceived stigma about mental illness, or experienced "
        "discrimination) at the first wave analysed, e.g. low, medium and high thirds."),
    "Holm adjustment": (
        "A correction of p-values when several tests are made at once, so that the chance of at least one "
        f"false alarm stays at {ALPHA:.0%}."),
    "Disclosure control": (
        f"Cells and groups with fewer than {_THRESHOLD} persons are blanked (suppressed) in tables and downloads, so "
        "that no individual can be recognised."),
    "Causal effect": (
        "What would happen to the outcome if the exposure were changed, e.g. if loneliness were one point "
        "lower. Estimating it from survey data needs assumptions (no unmeasured common causes) that the "
        "Causal page lists and checks as far as data can."),
    "Refutation": (
        "A check of a causal estimate: replace the exposure with random noise (the effect should vanish), "
        "add a made-up confounder or use random subsets (the estimate should barely move), and ask how "
        "strong an unmeasured confounder would have to be to explain the effect away. A check passes only "
        "when its result supports the estimate; *caution* means the check's own bounds question it."),
    "Mediator": (
        "A measure that may carry part of an effect, e.g. loneliness raising perceived stigma, which then "
        "raises distress. The effect splits into a direct part and an indirect part through the mediator."),
    "Bootstrap": (
        "Re-running the analysis on many resamples of the people (drawn with replacement) to see how much "
        "the estimate varies; the middle 95% of the resampled estimates is a 95% confidence interval."),
    "Random intercept (between-person differences)": (
        "Each person's lasting usual level of a measure. Its variance says how much people differ lastingly; "
        "the correlation of the two random intercepts says whether people who are lonelier than others in "
        "general also have more distress in general."),
    "ICC": (
        "Intraclass correlation: the share of a measure's variance that lies in lasting differences between "
        "people (the rest is change within a person from wave to wave)."),
    "Standard deviation (SD)": (
        "The typical distance of a score from the average. Effects in SD units can be compared across "
        "measures with different scales (UCLA-3 loneliness is scored 3–9, GHQ-12 distress 0–36)."),
    "Effect size": (
        f"How large a standardized cross-lagged effect is, by the benchmarks of {EFFECT_SIZE_SOURCE}: "
        f"{effect_size_scale()}. Cross-lagged effects are small by nature, because each measure's own past "
        "is held fixed."),
    "df (degrees of freedom)": (
        "How many separate pieces of information a test or model has left over. A model with negative df has "
        "more unknowns than the data can tell apart: its numbers cannot be trusted."),
    "Power": (
        "The chance that a study of a given size finds a real effect of a given size (p below the chosen "
        "level). 80% power means a real effect is missed one time in five."),
    "Coverage": (
        "How often a 95% confidence interval contains the true value in simulated studies; it should be "
        "close to 95%."),
    "MCSE": (
        "Monte Carlo standard error: how much a simulated result (such as power) would vary if the "
        "simulation were run again. More simulated studies make it smaller."),
    "Survey weights and design": (
        "Weights make the answers describe the population the survey samples; the sampling areas (PSUs) and "
        "strata make the uncertainty honest. People with a zero weight (e.g. they left before the last wave "
        "analysed) are not used."),
    "MLR": (
        "Maximum likelihood with robust standard errors and scaled tests, which allow for non-normal scores "
        "and the survey design."),
}


def tip(term: str) -> str:
    """The definition of ``term`` (for ``help=`` tooltips)."""
    return GLOSSARY[term]
