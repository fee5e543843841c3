"""``python -m analysis pool``: cross-lags of several studies on one time scale, pooled."""

from __future__ import annotations

import argparse

from analysis.cli._parser import comma_list, number

HELP = "pool cross-lags across studies on a common time scale (random-effects meta-analysis)"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "pool",
        help=HELP,
        description=(
            "Put the cross-lagged effects of several studies (crosslag --json files or run folders) on one "
            "interval between waves through the continuous-time drift matrix (Voelkle et al. 2012; Kuiper & Ryan "
            "2018), and pool each direction across the studies by a REML random-effects meta-analysis (as "
            "metafor's rma): pooled effect, 95% CI, tau², I², Q test and prediction interval, in plain words."
        ),
    )
    p.add_argument("--results", nargs="+", required=True, metavar="PATH",
                   help="crosslag JSON files (--json) or run folders, one per study (at least two)")
    p.add_argument("--interval", type=number(0, 100, low_open=True, what="a number of years"), default=1.0,
                   metavar="YEARS", help="the common interval between waves in years (default 1)")
    p.add_argument("--names", type=comma_list, metavar="LIST",
                   help="comma-separated names of the studies, in the order of --results (default: the cohort "
                        "names in the results)")
    p.add_argument("--x", help="with run folders holding several cross-lag results: the first construct")
    p.add_argument("--y", help="with run folders holding several cross-lag results: the second construct")
    p.add_argument("--model", choices=("clpm", "riclpm", "dpm"),
                   help="with run folders holding several cross-lag results: the model")
    p.add_argument("--groups", action="store_true",
                   help="with crosslag --group results (e.g. --group life_stage): pool each group of each study as "
                        "a study of its own, and each group across the studies")
    p.add_argument("--json", required=True, metavar="OUT", help="write the pooled results as JSON to this file")
    p.add_argument("--plot", metavar="OUT.png", help="also write the forest plot (PNG or SVG by extension)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace
    from pathlib import Path

    from analysis.errors import UsageError
    from analysis.outputs import write_json_atomic
    from analysis.pooling import pool_cohorts, read_cohorts

    if len(args.results) < 2:
        raise UsageError(f"--results needs at least two studies to pool; got {len(args.results)}.")
    if args.names is not None and len(args.names) != len(args.results):
        raise UsageError(f"--names gives {len(args.names)} names for {len(args.results)} results; give one name "
                         "per result, in the same order.")
    if args.plot and Path(args.plot).suffix.lower() not in (".png", ".svg"):
        raise UsageError(f"--plot {args.plot}: the file name must end in .png or .svg.")
    notes: list[str] = []
    if args.groups:
        from analysis.pooling.cohorts import read_group_studies

        cohorts, notes = read_group_studies(args.results, names=args.names)
    else:
        cohorts = read_cohorts(args.results, x=args.x, y=args.y, model=args.model)
        if args.names:
            cohorts = [replace(c, name=name) for c, name in zip(cohorts, args.names)]
    res = pool_cohorts(cohorts, interval=args.interval, notes=notes)
    print(res.summary())
    write_json_atomic(args.json, res.to_dict())
    print(f"Results written to {args.json}")
    if args.plot:
        from analysis.reporting.figures import save_figure

        stem, fmt = str(Path(args.plot).with_suffix("")), Path(args.plot).suffix.lower()[1:]
        (written,) = save_figure(res.forest_plot(), stem, formats=(fmt,))
        print(f"Forest plot written to {written}")
    return 0
