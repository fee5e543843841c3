"""``python -m analysis crosslag``: which way do two constructs push each other?"""

from __future__ import annotations

import argparse

from analysis.cli._disclosure import add_threshold, shown, write_results
from analysis.cli._parser import add_constructs, add_spec_and_data, add_survey_options, comma_list, whole_number
from analysis.errors import UsageError

HELP = "fit a cross-lagged panel model (CLPM, RI-CLPM or DPM) of two constructs"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "crosslag",
        help=HELP,
        description=(
            "Load the panel described by a data spec, fit a cross-lagged panel model of two constructs "
            "and report both directions: does x predict later y, and does y predict later x? The RI-CLPM "
            "(default) and DPM separate stable differences between people from changes within people; "
            "the CLPM does not. Missing waves are handled by full-information maximum likelihood."
        ),
    )
    add_spec_and_data(p)
    add_constructs(p)
    p.add_argument("--model", choices=("clpm", "riclpm", "dpm"), default="riclpm", help="model type (default riclpm)")
    p.add_argument("--waves", type=comma_list, metavar="LIST",
                   help="comma-separated wave names, e.g. i,j,k,l,m (default: every wave with both constructs)")
    p.add_argument("--lags", choices=("free", "invariant"), default="invariant",
                   help="lagged effects equal over waves (invariant, default) or wave-specific (free)")
    p.add_argument("--allow-unequal-intervals", action="store_true",
                   help="when a wave in between is missing or skipped, hold the lags equal over intervals of "
                        "unequal length anyway (refused without it; said in the output)")
    p.add_argument("--innovations", choices=("free", "invariant"), default="free",
                   help="residual (co)variances from wave 2 free (default) or equal over waves")
    p.add_argument("--covariates", type=comma_list, default=[], metavar="LIST",
                   help="comma-separated time-invariant covariates from the spec, e.g. sex")
    p.add_argument("--estimator", choices=("ml", "mlr"), default="ml", help="ml (default) or mlr (robust SEs)")
    p.add_argument("--no-compare", action="store_true", help="skip the comparison with the other model types")
    p.add_argument("--sensitivity", action="store_true",
                   help="add fixed-effects, first-difference and mixed-model estimates for comparison")
    p.add_argument("--group", metavar="GROUPING",
                   help="compare the cross-lags across the groups of a grouping in the spec, e.g. life_stage "
                        "(a person's group is taken at the first wave analysed); two or three comma-separated "
                        "groupings, e.g. life_stage,stigma_group, compare the cells of their crossing "
                        "('16-29 × high') with tests of each grouping and of their interaction")
    p.add_argument("--exclude-groups", type=comma_list, default=[], metavar="LIST",
                   help="with --group: group values to leave out on purpose (reported); with crossed groupings "
                        "cells ('65+ × high') or groups of one grouping ('65+')")
    add_survey_options(p)
    p.add_argument("--jobs", type=whole_number(1, 2), default=None, metavar="N",
                   help="processes: 2 (default where two cores are free) fits the comparison models, or compares "
                        "the --group groups, in a second process meanwhile; 1 does everything in turn (same results)")
    p.add_argument("--json", metavar="OUT", help="also write the results as JSON to this file")
    add_threshold(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from analysis.data import load_panel, load_spec
    from analysis.errors import UsageError
    from analysis.models.crosslag import fit_crosslag

    if args.exclude_groups and not args.group:
        raise UsageError("--exclude-groups leaves groups out of a comparison, so it needs --group GROUPING.")
    spec = load_spec(args.spec)
    panel = load_panel(spec, data=args.data, **_needed(args, spec))
    crossed = _crossed_groupings(args.group, args.exclude_groups, panel) if args.group and "," in args.group else ()
    if args.group and not crossed:  # a misspelt grouping or group is said before the fits, not after
        from analysis.data.panel import known_names
        from analysis.models.groups import group_levels

        known_names(args.group, panel.groupings, what="grouping")
        group_levels(panel.long[args.group], args.group, exclude=args.exclude_groups)
    # The group comparison is independent of the single-group fits: with two cores it runs in a
    # second process meanwhile (analysis.background; the same output as in turn, --jobs 1).
    compare, waves = None, None
    if args.group and not crossed:
        from analysis import background
        from analysis.models.crosslag import default_waves

        waves = tuple(args.waves) if args.waves else default_waves(panel, (args.x, args.y))
        compare = background.start(lambda: _group_comparison(args, panel, waves), jobs=args.jobs)
    try:
        res = fit_crosslag(
            panel, x=args.x, y=args.y, model=args.model, waves=args.waves, lags=args.lags,
            innovations=args.innovations, covariates=args.covariates, estimator=args.estimator,
            compare=not args.no_compare, sensitivity=args.sensitivity,
            survey="none" if args.unweighted else "spec", weight_rule=args.weight_rule,
            allow_unequal_intervals=args.allow_unequal_intervals,
            jobs=1 if compare is not None else args.jobs,  # one second process at a time
        )
    except BaseException:
        if compare is not None:
            compare.cancel()
        raise
    print(shown(res.summary(), args))
    if crossed:
        return _run_crossed(args, panel, res, crossed)
    comparison = None
    if args.group:
        comparison = compare.result() if compare is not None else _group_comparison(args, panel, waves)
        print(shown(comparison["summary"], args))
    if args.json:
        out = res.to_dict()
        if comparison is not None:
            block = comparison["block"]
            out["groups"] = {lv: {"x_to_y": paths["x_to_y"], "y_to_x": paths["y_to_x"]}
                             for lv, paths in block["groups"].items()}
            out["group_tests"] = block["group_tests"]
            # Each group's lag matrix and its covariance, so 'pool --groups' can pool life stages (issue 19).
            out["group_lag_matrices"] = comparison["lag_matrices"]
            out["group_comparison"] = {k: block[k] for k in
                                       ("grouping", "group_sizes", "not_grouped", "pairwise", "syntax", "fit", "warnings",
                                        "design", "notes")}
            out["notes"] = [*out.get("notes", []), *(n for n in block["notes"] if n not in out.get("notes", []))]
        write_results(out, args)
    return 0


def _needed(args: argparse.Namespace, spec) -> dict:
    """Only the constructs and groupings the command uses are loaded (half the loading time of a
    spec with many constructs); a name the spec does not have loads everything, so that the
    message naming it lists what there is."""
    out = {}
    if args.x in spec.constructs and args.y in spec.constructs:
        out["constructs"] = [args.x, args.y]
    groups = [t.strip() for t in args.group.split(",")] if args.group else []
    if all(g in spec.groupings for g in groups):
        out["groupings"] = groups
    return out


def _group_comparison(args: argparse.Namespace, panel, waves) -> dict:
    """The multigroup comparison by ``--group``, as the text and JSON-ready blocks the command writes."""
    from analysis.models.crosslag_results import group_lag_matrices
    from analysis.models.groups import compare_groups

    comparison = compare_groups(
        panel, x=args.x, y=args.y, grouping=args.group, model=args.model, waves=waves,
        lags=args.lags, innovations=args.innovations, estimator=args.estimator,
        exclude_groups=args.exclude_groups, survey="none" if args.unweighted else "spec",
        weight_rule=args.weight_rule, allow_unequal_intervals=args.allow_unequal_intervals, jobs=args.jobs,
    )
    return {"summary": comparison.summary(), "block": comparison.to_dict(),
            "lag_matrices": group_lag_matrices(comparison)}


def _crossed_groupings(text: str, exclude: list[str], panel) -> tuple[str, ...]:
    """``--group a,b[,c]`` checked before any fit: two or three different known groupings, known exclusions."""
    from analysis.models.crossed import check_groupings, crossed_cells

    parts = [t.strip() for t in text.split(",")]
    if not all(parts):
        raise UsageError(f"--group {text!r} has an empty grouping name; list two or three groupings, "
                         "e.g. life_stage,stigma_group.")
    names = check_groupings(parts, panel.groupings)
    crossed_cells(panel.long, names, exclude=exclude)  # a misspelt cell or group is said before the fits
    return names


def _run_crossed(args: argparse.Namespace, panel, res, groupings: tuple[str, ...]) -> int:
    """Crossed groupings: the cells' cross-lags and factorial tests, with small counts not shown."""
    from analysis.models.crossed import compare_crossed
    from analysis.outputs import json_safe

    comparison = compare_crossed(
        panel, x=args.x, y=args.y, groupings=groupings, model=args.model, waves=args.waves or res.waves,
        lags=args.lags, innovations=args.innovations, estimator=args.estimator,
        exclude_groups=args.exclude_groups, survey="none" if args.unweighted else "spec",
        weight_rule=args.weight_rule, allow_unequal_intervals=args.allow_unequal_intervals,
    )
    print(shown(comparison.summary(), args))
    if args.json:
        out = res.to_dict()
        block = json_safe(comparison.to_dict())  # counts under the threshold: write_results below
        out["groups"] = block["groups"]
        out["group_tests"] = block["group_tests"]
        out["group_comparison"] = {k: block[k] for k in
                                   ("groupings", "levels", "group_sizes", "not_grouped", "multiple_testing", "syntax",
                                    "fit", "warnings", "design", "notes")}
        out["notes"] = [*out.get("notes", []), *(n for n in block["notes"] if n not in out.get("notes", []))]
        write_results(out, args)
    return 0
