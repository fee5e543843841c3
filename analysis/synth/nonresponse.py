"""Interview mode and item non-response, written with each study's negative codes.

Per person-wave (all draws independent of the latent scores, so missing
completely at random given the interview):

* **Proxy interview** with probability ``proxy_rate``.  UKHLS: every
  self-completion item and derived score is -7 ("proxy").  ELSA: CES-D items
  are -1 ("item not applicable", not asked of proxies) and self-completion
  items -2 ("schedule not applicable").
* **ELSA self-completion questionnaire not returned** (non-proxies) with
  probability ``scq_nonreturn_rate``: its items are -2.
* **Item non-response**: a person-wave is a "partial responder" with
  probability ``partial_rate`` and then skips each item with probability
  ``partial_item_rate``; anyone else skips an item with probability
  ``item_rate``.  A skipped item gets a code drawn from ``item_codes``
  (UKHLS -9 missing / -1 don't know / -2 refusal; ELSA -8 don't know /
  -9 refused / -3 incomplete).  For partial responders the UKHLS SF-12 MCS
  is -9 with probability ``mcs_missing_if_partial``.

Codes -8 (UKHLS inapplicable) are labelled in the files but never occur.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from analysis.synth.instruments import Item
from analysis.synth.params import Cohort

PROXY_CODE_UKHLS = -7
ELSA_NOT_APPLICABLE = -1
ELSA_SCHEDULE_NA = -2


@dataclass(frozen=True)
class ResponseParams:
    """Rates of proxy interviews, questionnaire non-return and item non-response."""

    proxy_rate: float = 0.02
    scq_nonreturn_rate: float = 0.04
    partial_rate: float = 0.02
    partial_item_rate: float = 0.25
    item_rate: float = 0.002
    mcs_missing_if_partial: float = 0.5
    item_codes: dict[Cohort, tuple[tuple[int, float], ...]] = field(default_factory=lambda: {
        "ukhls": ((-9, 0.5), (-1, 0.3), (-2, 0.2)),
        "elsa": ((-8, 0.4), (-9, 0.3), (-3, 0.3)),
    })

    def to_dict(self) -> dict[str, object]:
        return {
            "proxy_rate": self.proxy_rate,
            "scq_nonreturn_rate_elsa": self.scq_nonreturn_rate,
            "partial_rate": self.partial_rate,
            "partial_item_rate": self.partial_item_rate,
            "item_rate": self.item_rate,
            "mcs_missing_if_partial_ukhls": self.mcs_missing_if_partial,
            "item_nonresponse_codes": {c: [{"code": k, "share": p} for k, p in v]
                                       for c, v in self.item_codes.items()},
        }


DEFAULT_RESPONSE = ResponseParams()


@dataclass(frozen=True)
class Mode:
    """Interview mode flags for one wave (bool arrays of length n)."""

    proxy: np.ndarray
    scq_missing: np.ndarray   # ELSA self-completion not returned (non-proxies)
    partial: np.ndarray
    mcs_missing: np.ndarray


def draw_mode(rng: np.random.Generator, *, n: int, cohort: Cohort,
              response: ResponseParams) -> Mode:
    """Draw proxy, questionnaire non-return and partial-response flags."""
    u = rng.random((n, 4))
    proxy = u[:, 0] < response.proxy_rate
    scq_missing = ~proxy & (u[:, 1] < response.scq_nonreturn_rate) if cohort == "elsa" \
        else np.zeros(n, dtype=bool)
    partial = ~proxy & ~scq_missing & (u[:, 2] < response.partial_rate)
    mcs_missing = partial & (u[:, 3] < response.mcs_missing_if_partial)
    return Mode(proxy=proxy, scq_missing=scq_missing, partial=partial, mcs_missing=mcs_missing)


def apply_nonresponse(rng: np.random.Generator, *, codes: dict[str, np.ndarray],
                      items: tuple[Item, ...], mode: Mode, cohort: Cohort,
                      response: ResponseParams) -> dict[str, np.ndarray]:
    """Overwrite substantive codes with the study's negative codes.

    Parameters
    ----------
    rng : numpy.random.Generator
    codes : dict
        Item name -> substantive codes (int8), as from
        :func:`~analysis.synth.measurement.draw_items`.
    items : tuple of Item
    mode : Mode
    cohort : {"ukhls", "elsa"}
    response : ResponseParams

    Returns
    -------
    dict
        New arrays; the inputs are not modified.
    """
    n = mode.proxy.shape[0]
    u = rng.random((n, len(items)))
    pick = rng.random((n, len(items)))
    nr_codes = np.array([c for c, _ in response.item_codes[cohort]], dtype=np.int8)
    nr_cum = np.cumsum([p for _, p in response.item_codes[cohort]])
    nr_cum /= nr_cum[-1]
    item_rate = np.where(mode.partial, response.partial_item_rate, response.item_rate)
    out: dict[str, np.ndarray] = {}
    for j, item in enumerate(items):
        value = codes[item.name].copy()
        skipped = u[:, j] < item_rate
        value[skipped] = nr_codes[np.searchsorted(nr_cum, pick[skipped, j], side="right")]
        if cohort == "ukhls":
            value[mode.proxy] = PROXY_CODE_UKHLS  # all these items are self-completion
        elif item.mode == "interview":
            value[mode.proxy] = ELSA_NOT_APPLICABLE
        else:
            value[mode.proxy | mode.scq_missing] = ELSA_SCHEDULE_NA
        out[item.name] = value
    return out
