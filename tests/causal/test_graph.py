"""The causal graph: arrows from the design's choices, read by DoWhy, drawn in plain words."""

from __future__ import annotations

import networkx as nx
import pytest
from matplotlib.figure import Figure

from analysis.causal.data import build_frame
from analysis.causal.design import CausalDesign
from analysis.causal.estimate import fit_dowhy
from analysis.causal.graph import build_graph, draw_graph, from_gml, to_gml


@pytest.fixture(scope="module")
def long(simulate):
    return simulate(n=400, seed=11)


def frame_of(long, **kw):
    return build_frame(long, CausalDesign(exposure="x", outcome="y", confounders=("age", "sex", "life_stage"), **kw))


def test_arrows_of_the_plain_design(long):
    f = frame_of(long)
    g = build_graph(f)
    assert nx.is_directed_acyclic_graph(g)
    assert set(g.predecessors("x_lag")) == {"y_lag", *f.confounders}
    assert set(g.predecessors("y")) == {"x_lag", "y_lag", *f.confounders}
    assert g.nodes["x_lag"]["role"] == "exposure" and g.nodes["y"]["role"] == "outcome"


def test_stigma_as_mediator_or_as_confounder(long):
    g = build_graph(frame_of(long, mediator="m"))
    assert g.has_edge("x_lag", "m") and g.has_edge("m", "y") and g.has_edge("m_lag", "x_lag")
    assert set(g.predecessors("m")) >= {"x_lag", "y_lag", "m_lag"}
    c = build_graph(frame_of(long, mediator="m", mediator_role="confounder"))
    assert "m" not in c and c.has_edge("m_lag", "x_lag") and c.has_edge("m_lag", "y")
    assert not any(c.nodes[n]["role"] == "mediator" for n in c)


def test_gml_round_trip_and_dowhy_adjusts_for_the_parents_of_the_exposure(long):
    f = frame_of(long, mediator="m")
    g = build_graph(f)
    back = from_gml(to_gml(g))
    assert set(back.edges) == set(g.edges)
    fit = fit_dowhy(f, to_gml(g), binary=False)
    assert set(fit.total.adjustment_set) == set(g.predecessors("x_lag"))
    assert set(fit.direct.second_stage_set) == {*g.predecessors("x_lag"), "x_lag"}
    assert "Unconfoundedness" in " ".join(fit.total.assumptions)


def test_drawing_uses_plain_words_and_no_pyplot_state(long):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    f = frame_of(long, mediator="m")
    fig = draw_graph(build_graph(f), title="Test graph", edge_labels={("x_lag", "y"): "0.31 (0.2 to 0.4)"})
    assert isinstance(fig, Figure) and plt.get_fignums() == before
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("(earlier wave)" in t for t in texts) and any("(later wave)" in t for t in texts)
    assert "0.31 (0.2 to 0.4)" in texts
    assert any("life stage 65+" in t for t in texts)
