"""``python -m analysis invariance``: do the items measure a construct the same way over waves or groups?"""

from __future__ import annotations

import argparse

from analysis.cli._disclosure import add_threshold, protected, shown
from analysis.cli._parser import add_constructs, add_spec_and_data, comma_list

HELP = "test measurement invariance of two constructs' items over waves or across groups"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "invariance",
        help=HELP,
        description=(
            "Load the items of two constructs, fit the RI-CLPM with the items as indicators, and test "
            "whether they measure the constructs in the same way: over waves (configural, metric = equal "
            "loadings, scalar = also equal item intercepts) or, with --group, across the groups of a grouping "
            "(configural against metric). Lagged effects are comparable on one scale only if metric "
            "invariance holds. Missing waves are handled by full-information maximum likelihood."
        ),
    )
    add_spec_and_data(p)
    add_constructs(p, note=" (at least two items)")
    p.add_argument("--waves", type=comma_list, metavar="LIST",
                   help="comma-separated wave names, e.g. a,b,c (default: every wave with both constructs)")
    p.add_argument("--group", metavar="GROUPING",
                   help="test invariance across the groups of a grouping in the spec, e.g. life_stage "
                        "(a person's group is taken at the first wave analysed)")
    p.add_argument("--over-waves", choices=("configural", "metric", "scalar"), default="metric",
                   help="with --group: invariance over waves held in both group models (default metric)")
    p.add_argument("--lags", choices=("free", "invariant"), default="invariant",
                   help="lagged effects equal over waves (invariant, default) or wave-specific (free)")
    p.add_argument("--allow-unequal-intervals", action="store_true",
                   help="when a wave in between is missing or skipped, hold the lags equal over intervals of "
                        "unequal length anyway (refused without it; said in the output)")
    p.add_argument("--json", metavar="OUT", help="also write the results as JSON to this file")
    add_threshold(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from analysis.data import load_panel
    from analysis.models.invariance import fit_invariance
    from analysis.outputs import write_json_atomic

    panel = load_panel(args.spec, data=args.data, items=[args.x, args.y])
    res = fit_invariance(panel, x=args.x, y=args.y, waves=args.waves, group=args.group, lags=args.lags,
                         over_waves=args.over_waves, allow_unequal_intervals=args.allow_unequal_intervals)
    print(shown(res.summary(), args))
    if args.json:
        out = res.to_dict()
        out["spec"] = str(args.spec)
        out["data"] = str(args.data)
        write_json_atomic(args.json, protected(out, args))
        print(f"Results written to {args.json}")
    return 0
