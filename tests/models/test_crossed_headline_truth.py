"""The crossed headline on a real fit: a cohort simulated with a known life stage × stigma interaction."""

from __future__ import annotations

import warnings

from analysis.models.crossed import compare_crossed

#: Perceived stigma strengthens loneliness -> later distress by 0.15 per SD in 16-29, not at all in 30-64
#: (test_crossed's cohort with a known interaction, built by its latent_cells).
from test_crossed import INTERACTION, latent_cells  # noqa: E402


def test_the_headline_names_the_life_stage_where_stigma_matters_most():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = compare_crossed(latent_cells(5000, 3, params=INTERACTION), x="L", y="M",
                              groupings=("life_stage", "stigma_group"), waves=["1", "2", "3", "4", "5"],
                              tests=("interaction",))
    h = res.headline()
    assert h.sentences[0] == ("The link from L to later M differs between stigma groups more in people aged 16–29 "
                              "than in other life stages.")
    assert h.words <= 60 and any("not proof of cause" in c for c in h.caveats)
    assert res.headline().text == h.text, "the same words every time"
