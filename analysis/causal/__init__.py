"""Causal questions with DoWhy: if loneliness were lower, how much would mental health improve?

Cross-lagged models say which way two constructs push each other; this package
asks the interventional question, with its assumptions written down and tested:
the average effect of an exposure at wave t-1 (e.g. loneliness) on an outcome at
wave t (e.g. GHQ-12 distress), holding the outcome's own past and confounders
fixed, and how much of it runs through a mediator such as stigma.

Public API
----------
fit_causal(data, *, exposure, outcome, mediator=None, ...) -> CausalResults
    DoWhy's model, identify, estimate and refute steps, person-clustered
    bootstrap intervals, one or both directions.
CausalDesign
    The question as a frozen record.
build_frame(long, design) -> CausalFrame
    The analysis frame (exposure at t-1, outcome at t and t-1, confounders, mediator).
build_graph(frame), draw_graph(graph), to_gml(graph)
    The causal graph, as DoWhy reads it and as a picture in plain words.

Modules: :mod:`.design`, :mod:`.data`, :mod:`.graph`, :mod:`.estimate`,
:mod:`.numeric`, :mod:`.refute`, :mod:`.results`, :mod:`.words`, :mod:`.fit`.
The bootstrap (resample persons, not rows) is :mod:`analysis.resampling`.
"""

from analysis.causal.data import CausalFrame, build_frame
from analysis.causal.design import CausalDesign
from analysis.causal.fit import fit_causal
from analysis.causal.graph import build_graph, draw_graph, to_gml
from analysis.causal.refute import REFUTATIONS, Refutation
from analysis.causal.results import CausalResults, EffectEstimate, SampleReport

__all__ = ["CausalDesign", "CausalFrame", "CausalResults", "EffectEstimate", "REFUTATIONS", "Refutation",
           "SampleReport", "build_frame", "build_graph", "draw_graph", "fit_causal", "to_gml"]
