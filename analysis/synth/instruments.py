"""Questionnaire items: wording, released codes, target response shares and loadings.

Each :class:`Item` is answered through a graded-response (ordinal probit)
model on the latent scores (see :mod:`.measurement`).  ``proportions`` are the
target shares of each released code for the reference group (midlife men at
average latent levels); the thresholds are derived from them, which keeps the
items as skewed as in the real studies (most people "hardly ever" lonely,
most GHQ answers "same as usual").

Constructs: ``L`` loneliness, ``M`` mental-health problems, ``P`` perceived
stigma, ``D`` experienced discrimination.  A negative loading marks a
reverse-worded item (agreement means *less* of the construct).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from analysis.synth.params import Cohort

CONSTRUCTS: tuple[str, ...] = ("L", "M", "P", "D")

UCLA_CODES = ("hardly ever or never", "some of the time", "often")
AGREE_CODES = ("strongly disagree", "disagree", "agree", "strongly agree")
DISC_CODES = ("no", "a little", "moderately", "a lot")
YES_NO = ("yes", "no")
GHQ_NEG = ("not at all", "no more than usual", "rather more than usual", "much more than usual")
GHQ_POS = ("more so than usual", "same as usual", "less so than usual", "much less than usual")


@dataclass(frozen=True)
class Item:
    """One questionnaire item as released (name without any wave prefix)."""

    name: str
    instrument: str
    text: str
    loadings: tuple[tuple[str, float], ...]
    codes: tuple[int, ...]
    code_labels: tuple[str, ...]
    proportions: tuple[float, ...]
    # True when a higher released code means a higher latent response y*.
    ascending: bool = True
    synthetic: bool = False
    # "self": self-completion (not asked of proxies); "interview": asked in person.
    mode: Literal["self", "interview"] = "self"


def _ucla(name: str, text: str, props: tuple[float, ...], loading: float = 1.1) -> Item:
    return Item(name, "ucla3", text, (("L", loading),), (1, 2, 3), UCLA_CODES, props)


def _ghq(letter: str, text: str, props: tuple[float, ...], positive: bool) -> Item:
    # Released GHQ codes already run 1 (best) .. 4 (worst) for every item, so
    # positively worded items need no reversal here; they load a little less.
    labels = GHQ_POS if positive else GHQ_NEG
    loading = 0.8 if positive else 1.0
    return Item(f"scghq{letter}", "ghq12", text, (("M", loading),), (1, 2, 3, 4), labels, props)


def _cesd(letter: str, text: str, p_yes: float, loadings: tuple[tuple[str, float], ...]) -> Item:
    # Code 1 = yes, 2 = no; "yes" is the higher latent response, so codes descend.
    return Item(f"psced{letter}", "cesd8", text, loadings, (1, 2), YES_NO, (p_yes, 1 - p_yes),
                ascending=False, mode="interview")


def _pdd(k: int, text: str, reverse: bool) -> Item:
    props = (0.12, 0.38, 0.40, 0.10) if reverse else (0.08, 0.32, 0.45, 0.15)
    loading = -1.2 if reverse else 1.2
    return Item(f"synpdd{k}", "pdd", f"stigma PDD{k}{' (rev)' if reverse else ''}: {text}",
                (("P", loading),), (1, 2, 3, 4), AGREE_CODES, props, synthetic=True)


def _disc(k: int, text: str, props: tuple[float, ...]) -> Item:
    return Item(f"syndisc{k}", "disc", f"discrimination DISC{k}: unfair {text}",
                (("D", 1.3),), (0, 1, 2, 3), DISC_CODES, props, synthetic=True)


UCLA_UKHLS = (
    _ucla("sclackcom", "How often feel lack of companionship", (0.65, 0.27, 0.08)),
    _ucla("scleftout", "How often feel left out", (0.68, 0.25, 0.07)),
    _ucla("scisolate", "How often feel isolated from others", (0.70, 0.23, 0.07)),
)
SCLONELY = Item("sclonely", "lonely", "How often feel lonely", (("L", 1.3),), (1, 2, 3),
                UCLA_CODES, (0.62, 0.30, 0.08))
UCLA_ELSA = (
    _ucla("scfeela", "How often feels lack of companionship", (0.65, 0.27, 0.08)),
    _ucla("scfeelb", "How often feels left out", (0.68, 0.25, 0.07)),
    _ucla("scfeelc", "How often feels isolated from others", (0.70, 0.23, 0.07)),
)

GHQ12 = (
    _ghq("a", "GHQ: concentration", (0.08, 0.70, 0.17, 0.05), True),
    _ghq("b", "GHQ: loss of sleep", (0.45, 0.35, 0.15, 0.05), False),
    _ghq("c", "GHQ: playing a useful role", (0.08, 0.72, 0.15, 0.05), True),
    _ghq("d", "GHQ: capable of making decisions", (0.07, 0.76, 0.13, 0.04), True),
    _ghq("e", "GHQ: constantly under strain", (0.30, 0.45, 0.18, 0.07), False),
    _ghq("f", "GHQ: problem overcoming difficulties", (0.45, 0.35, 0.15, 0.05), False),
    _ghq("g", "GHQ: enjoy day-to-day activities", (0.08, 0.68, 0.18, 0.06), True),
    _ghq("h", "GHQ: ability to face problems", (0.07, 0.76, 0.13, 0.04), True),
    _ghq("i", "GHQ: unhappy or depressed", (0.45, 0.33, 0.15, 0.07), False),
    _ghq("j", "GHQ: losing confidence", (0.55, 0.30, 0.11, 0.04), False),
    _ghq("k", "GHQ: believe worthless", (0.70, 0.20, 0.07, 0.03), False),
    _ghq("l", "GHQ: general happiness", (0.08, 0.70, 0.17, 0.05), True),
)

CESD8 = (
    _cesd("a", "CES-D: felt depressed much of the time in past week", 0.15, (("M", 0.9),)),
    _cesd("b", "CES-D: felt everything was an effort in past week", 0.25, (("M", 0.8),)),
    _cesd("c", "CES-D: sleep was restless in past week", 0.33, (("M", 0.7),)),
    # d and f are positively worded: "yes" means fewer problems (negative loading).
    _cesd("d", "CES-D: was happy much of the time in past week", 0.88, (("M", -0.9),)),
    # "Felt lonely" sits inside the CES-D, so it also reflects loneliness.
    _cesd("e", "CES-D: felt lonely much of the time in past week", 0.13, (("M", 0.6), ("L", 0.7))),
    _cesd("f", "CES-D: enjoyed life much of the time in past week", 0.90, (("M", -0.9),)),
    _cesd("g", "CES-D: felt sad much of the time in past week", 0.18, (("M", 0.9),)),
    _cesd("h", "CES-D: could not get going much of the time in past week", 0.18, (("M", 0.8),)),
)

PDD6 = (
    _pdd(1, "most think less of ex-patients", False),
    _pdd(2, "most accept ex-patient as friend", True),
    _pdd(3, "most see MI as personal weakness", False),
    _pdd(4, "most employers hire ex-patients", True),
    _pdd(5, "most would not date ex-patients", False),
    _pdd(6, "most treat ex-patients like others", True),
)
PDD_WORDING = {
    1: "Most people think less of a person who has been in treatment for mental illness.",
    2: "Most people would accept a person who has had a mental illness as a close friend.",
    3: "Most people think of mental illness as a sign of personal weakness.",
    4: "Most employers will hire a person who has had a mental illness if qualified.",
    5: "Most people would not date someone who has been treated for a mental illness.",
    6: "Most people treat a person who has had a mental illness just as anyone else.",
}

DISC5 = (
    _disc(1, "making/keeping friends", (0.74, 0.15, 0.07, 0.04)),
    _disc(2, "treatment by family", (0.72, 0.16, 0.08, 0.04)),
    _disc(3, "finding/keeping a job", (0.80, 0.11, 0.06, 0.03)),
    _disc(4, "dating/intimate relations", (0.82, 0.10, 0.05, 0.03)),
    _disc(5, "treatment by health staff", (0.78, 0.13, 0.06, 0.03)),
)
DISC_WORDING = ("Have you been treated unfairly because of a mental health problem: "
                "1 in making or keeping friends, 2 by your family, 3 in finding or keeping "
                "a job, 4 in dating or intimate relationships, 5 by health staff?")

ITEMS: dict[Cohort, tuple[Item, ...]] = {
    "ukhls": (*UCLA_UKHLS, SCLONELY, *GHQ12, *PDD6, *DISC5),
    "elsa": (*UCLA_ELSA, *CESD8, *PDD6, *DISC5),
}

#: CES-D items whose "no" answer (code 2) counts as a symptom.
CESD_POSITIVE = ("pscedd", "pscedf")

#: SF-12 mental component summary: MCS = 50 - 10 (lambda z_M + sqrt(1-lambda^2) eps),
#: z_M the reference-standardized latent M, clipped to [5, 75], 2 decimals.
MCS_LOADING = 0.75
MCS_RANGE = (5.0, 75.0)
