"""``python -m analysis causal``: if the exposure were lower, how much would the outcome change?"""

from __future__ import annotations

import argparse
import math

from analysis.cli._disclosure import add_threshold, shown, write_results
from analysis.cli._parser import add_spec_and_data, add_survey_options, comma_list, fraction, seed, whole_number
from analysis.limits import MAX_CAUSAL_RESAMPLES

HELP = "estimate a causal effect with DoWhy (graph, identification, estimate, refutations)"
REFUTATION_NAMES = ("placebo_treatment", "random_common_cause", "data_subset", "unobserved_common_cause")


def _threshold(text: str) -> float | dict[str, float]:
    """``6`` or ``loneliness=6,ghq_likert=12``."""
    def number(value: str) -> float:
        try:
            out = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {value!r}") from None
        if not math.isfinite(out):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {value!r}")
        return out

    if "=" not in text:
        return number(text.strip())
    out = {}
    for item in comma_list(text):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {item!r}")
        out[name.strip()] = number(value.strip())
    return out


def _refutations(text: str) -> list[str]:
    if text.strip().lower() == "none":
        return []
    items = comma_list(text)
    for item in items:
        if item not in REFUTATION_NAMES:
            raise argparse.ArgumentTypeError(f"unknown refutation {item!r}; choose from {', '.join(REFUTATION_NAMES)} "
                                             "or none")
    return items


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "causal",
        help=HELP,
        description=(
            "Ask the interventional question: if the exposure one wave earlier were one point lower, how much "
            "would the outcome change at the next wave, holding the outcome's own past and confounders fixed? "
            "Builds the causal graph (and can draw it), lets DoWhy identify the effect (backdoor; with "
            "--mediator, the natural direct and indirect effects), estimates it (linear regression, or "
            "propensity-score weighting for a high/low exposure), gives person-clustered bootstrap intervals "
            "and runs four refutations (placebo exposure, random common cause, data subsets, unobserved "
            "common cause), each with a verdict. The JSON holds estimate, ci, estimand (in words) and "
            "refutations (each with result and verdict). This is observational data, not an experiment: "
            "read the assumptions printed with the results."
        ),
    )
    add_spec_and_data(p)
    p.add_argument("--exposure", required=True, help="construct at the earlier wave, e.g. loneliness")
    p.add_argument("--outcome", required=True, help="construct at the later wave, e.g. ghq_likert")
    p.add_argument("--mediator", metavar="STIGMA", help="a stigma construct, e.g. perceived_stigma")
    p.add_argument("--mediator-role", choices=("mediator", "confounder"), default="mediator",
                   help="with --mediator: on the path from exposure to outcome (default: natural direct and "
                        "indirect effects) or a common cause held fixed")
    p.add_argument("--confounders", type=comma_list, metavar="LIST",
                   help="comma-separated variables to hold fixed besides the outcome's earlier value "
                        "(default: the spec's covariates and life_stage)")
    p.add_argument("--confounders-at", choices=("previous", "baseline"), default="previous",
                   help="take the confounders at the earlier wave (default) or at each person's first wave")
    p.add_argument("--binary-threshold", type=_threshold, metavar="VALUE",
                   help="compare high (at or above VALUE) with low exposure by propensity-score weighting, "
                        "e.g. 6 for UCLA-3 loneliness (3-9); with --both-directions give NAME=VALUE pairs, "
                        "e.g. loneliness=6,ghq_likert=12")
    p.add_argument("--both-directions", action="store_true",
                   help="also estimate the reverse effect (outcome at t-1 on exposure at t)")
    p.add_argument("--waves", type=comma_list, metavar="LIST", help="comma-separated waves to use (default: all)")
    p.add_argument("--bootstrap", type=whole_number(2, MAX_CAUSAL_RESAMPLES), default=200, metavar="N",
                   help=f"person-clustered bootstrap resamples, 2 to {MAX_CAUSAL_RESAMPLES} (default 200)")
    p.add_argument("--simulations", type=whole_number(2, MAX_CAUSAL_RESAMPLES), default=30, metavar="N",
                   help="simulations of each placebo, random-common-cause and subset refutation (default 30)")
    p.add_argument("--refutations", type=_refutations, metavar="LIST",
                   help=f"comma-separated refutations to run, or none (default all: {', '.join(REFUTATION_NAMES)})")
    p.add_argument("--level", type=fraction, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--seed", type=seed, default=0, help="random seed of the bootstrap and refutations (default 0)")
    p.add_argument("--graph", metavar="FILE", help="also draw the causal graph to FILE (.png, .svg or .pdf)")
    add_survey_options(p, unweighted="unweighted estimates, persons resampled")
    p.add_argument("--json", metavar="OUT", help="also write the results as JSON to this file")
    add_threshold(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from analysis.causal import fit_causal
    from analysis.data import load_panel
    from analysis.errors import UsageError
    from analysis.outputs import write_atomic

    if args.graph and Path(args.graph).suffix.lower() not in (".png", ".svg", ".pdf"):
        raise UsageError(f"--graph must end in .png, .svg or .pdf, not {args.graph!r}.")
    panel = load_panel(args.spec, data=args.data)
    res = fit_causal(
        panel, exposure=args.exposure, outcome=args.outcome, mediator=args.mediator,
        mediator_role=args.mediator_role, confounders=args.confounders, confounder_timing=args.confounders_at,
        binary_threshold=args.binary_threshold, waves=args.waves,
        direction="both" if args.both_directions else "forward", n_boot=args.bootstrap,
        n_simulations=args.simulations, refutations=args.refutations, level=args.level, seed=args.seed,
        survey="none" if args.unweighted else "spec", weight_rule=args.weight_rule,
    )
    print(shown(res.summary(), args), end="")
    if args.graph:
        fig = res.draw_graph()
        fmt = Path(args.graph).suffix.lower().lstrip(".")
        write_atomic(args.graph, lambda tmp: fig.savefig(tmp, format=fmt, bbox_inches="tight"))
        print(f"Causal graph drawn to {args.graph}")
    if args.json:
        out = res.to_dict()
        # The caveats of the sample (pairs left out, variables dropped) at the top, as every command's JSON has them.
        out["notes"] = [*out.get("notes", []), *out.get("sample", {}).get("notes", [])]
        write_results(out, args)
    return 0
