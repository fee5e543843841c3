"""The causal graph: built from the design's choices, written for DoWhy, drawn in plain words.

Arrows (each an assumption that one thing may directly cause another):

* every confounder -> exposure (t-1), outcome (t) and, as mediator, the mediator (t);
* earlier outcome (t-1) -> exposure (t-1), outcome (t) [and mediator (t)];
* exposure (t-1) -> outcome (t);
* stigma as mediator: exposure -> mediator (t) -> outcome, and mediator (t-1) ->
  exposure, mediator and outcome; stigma as confounder: mediator (t-1) -> exposure
  and outcome.

What the graph leaves out is as much an assumption as what it draws: there is
no unmeasured common cause of exposure and outcome.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")

import networkx as nx  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from analysis.causal.data import CausalFrame  # noqa: E402

ROLE_COLOURS = {
    "exposure": "#f4b183",
    "outcome": "#9dc3e6",
    "outcome_lag": "#deebf7",
    "mediator": "#c5e0b4",
    "mediator_lag": "#e2f0d9",
    "confounder": "#ededed",
}


def build_graph(frame: CausalFrame) -> nx.DiGraph:
    """The DAG of a frame; nodes carry ``role`` and ``label`` (plain words) attributes."""
    g = nx.DiGraph()
    x, y, ylag = frame.exposure, frame.outcome, frame.outcome_lag
    m, mlag = frame.mediator, frame.mediator_lag

    def node(name: str, role: str) -> None:
        g.add_node(name, role=role, label=frame.labels.get(name, name))

    node(x, "exposure")
    node(y, "outcome")
    node(ylag, "outcome_lag")
    if m:
        node(m, "mediator")
    if mlag:
        node(mlag, "mediator_lag")
    for c in frame.confounders:
        node(c, "confounder")
    for c in frame.confounders:
        g.add_edge(c, x)
        g.add_edge(c, y)
        if m:
            g.add_edge(c, m)
    g.add_edge(ylag, x)
    g.add_edge(ylag, y)
    g.add_edge(x, y)
    if m:
        g.add_edge(ylag, m)
        g.add_edge(x, m)
        g.add_edge(m, y)
    if mlag:
        g.add_edge(mlag, x)
        g.add_edge(mlag, y)
        if m:
            g.add_edge(mlag, m)
    return g


def to_gml(graph: nx.DiGraph) -> str:
    """GML text of the graph for DoWhy (node names only: labels may hold characters GML dislikes)."""
    plain = nx.DiGraph()
    plain.add_nodes_from(graph.nodes)
    plain.add_edges_from(graph.edges)
    return "".join(nx.generate_gml(plain))


def from_gml(text: str) -> nx.DiGraph:
    """Read back a graph written by :func:`to_gml`."""
    return nx.DiGraph(nx.parse_gml(text))


def _positions(graph: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Left to right in time: confounders, earlier wave, mediator, later outcome."""
    roles = nx.get_node_attributes(graph, "role")
    by_role = lambda r: [n for n in graph.nodes if roles.get(n) == r]  # noqa: E731
    pos: dict[str, tuple[float, float]] = {}
    conf = by_role("confounder")
    for k, n in enumerate(conf):
        pos[n] = (0.0, (len(conf) - 1) / 2 - k)
    span = max(len(conf), 3)
    for n in by_role("outcome_lag"):
        pos[n] = (1.0, span / 2)
    for n in by_role("mediator_lag"):
        pos[n] = (2.0, span / 2)
    for n in by_role("exposure"):
        pos[n] = (1.0, -span / 2 + 0.3)
    for n in by_role("mediator"):
        pos[n] = (2.0, -span / 2 - 0.6)
    for n in by_role("outcome"):
        pos[n] = (3.0, 0.0)
    return pos


def draw_graph(graph: nx.DiGraph, *, title: str | None = None,
               edge_labels: Mapping[tuple[str, str], str] | None = None) -> Figure:
    """Draw the causal graph with plain-word labels (a matplotlib Figure, no pyplot state).

    Parameters
    ----------
    graph
        From :func:`build_graph` (nodes need ``role`` and ``label``).
    title
        Figure title.
    edge_labels
        Text to write on chosen arrows, e.g. the estimated effect on exposure -> outcome.
    """
    pos = _positions(graph)
    roles = nx.get_node_attributes(graph, "role")
    labels = nx.get_node_attributes(graph, "label")
    n_conf = sum(1 for r in roles.values() if r == "confounder")
    fig = Figure(figsize=(11, max(4.5, 1.0 + 0.75 * max(n_conf, 4))), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_axis_off()
    boxes = {}
    for n, (px, py) in pos.items():
        boxes[n] = ax.text(px, py, labels.get(n, n), ha="center", va="center", fontsize=9, zorder=3,
                           bbox={"boxstyle": "round,pad=0.45", "fc": ROLE_COLOURS.get(roles.get(n), "#ffffff"),
                                 "ec": "#555555", "lw": 1.0})
    main = {(u, v) for u, v in graph.edges if roles.get(u) in ("exposure", "mediator")
            and roles.get(v) in ("outcome", "mediator")}
    for u, v in graph.edges:
        strong = (u, v) in main
        # Anchored on the two labels, so the arrow starts and ends at the edges of their boxes.
        ax.annotate("", xy=(0.5, 0.5), xycoords=boxes[v], xytext=(0.5, 0.5), textcoords=boxes[u], zorder=2,
                    arrowprops={"arrowstyle": "-|>", "mutation_scale": 12,
                                "color": "#c55a11" if strong else "#8c8c8c", "lw": 2.0 if strong else 0.8,
                                "connectionstyle": "arc3,rad=0.06", "patchA": boxes[u].get_bbox_patch(),
                                "patchB": boxes[v].get_bbox_patch(), "shrinkA": 2, "shrinkB": 2,
                                "alpha": 1.0 if strong else 0.7})
    for (u, v), text in (edge_labels or {}).items():
        if u in pos and v in pos:
            down = pos[v][1] < pos[u][1]
            share = 0.5 if down else 0.6
            mx, my = ((1 - share) * pos[u][0] + share * pos[v][0]), ((1 - share) * pos[u][1] + share * pos[v][1])
            # A falling arrow gets its label below and to the left, clear of the boxes it joins.
            ax.text(mx - (0.05 if down else 0.0), my + (-0.2 if down else 0.18), text,
                    ha="right" if down else "center", va="top" if down else "bottom", fontsize=9, color="#843c0c",
                    zorder=4,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85})
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.9, max(ys) + 0.9)
    fig.suptitle(title or "Assumed causal graph", fontsize=12)
    fig.text(0.01, 0.01, "Arrows: what may directly cause what (assumptions). Thick arrows: the effects estimated. "
             "Not drawn, and assumed absent: any unmeasured common cause of the exposure and the outcome.",
             fontsize=8, color="#555555")
    fig.tight_layout(rect=(0, 0.04, 1, 0.96))
    return fig
