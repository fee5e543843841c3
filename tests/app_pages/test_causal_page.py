"""The Causal page: the assumed graph, the estimate and the refutations in words."""

from __future__ import annotations

import pytest
from app_support import joined

pytest.importorskip("analysis.causal")


def test_causal_estimate_graph_and_refutations(app):
    at = app("causal")
    assert not at.exception
    assert "press **Estimate**" in joined(at, "info")
    at.number_input(key="ca_boot").set_value(20)
    at.number_input(key="ca_sims").set_value(5)
    at.selectbox(key="ca_mediator").set_value("perceived_stigma")
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert "GHQ-12 distress at the next wave" in joined(at, "info")
    assert {"Average effect", "Direct part", "Through stigma"} <= {m.label for m in at.metric}
    assert at.get("imgs") or at.get("image"), "the causal graph"
    checks = joined(at, "success", "warning")
    for title in ("Placebo exposure", "Random common cause", "Random subsets of the data", "Unobserved common cause"):
        assert title in checks
    assert "Arrows say what may directly cause what" in joined(at, "caption")
