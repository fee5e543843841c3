"""``python -m analysis run`` and ``python -m analysis verify``: reproducible runs."""

from __future__ import annotations

import argparse

HELP = "run an analysis config (analyses/*.yaml) into a new run folder with a report"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run", help=HELP,
        description=("Run every analysis in a config into a new folder under --out: manifest.json (what was run, "
                     "on what, with which versions), results.json, tables as CSV, figures and report.html. "
                     "Nothing is overwritten; an interrupted run leaves nothing behind."),
    )
    p.add_argument("config", help="analysis config, e.g. analyses/demo.yaml")
    p.add_argument("--out", default="runs", help="folder for run folders (default runs)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run)
    v = sub.add_parser(
        "verify", help="rerun a run folder from its manifest and report any difference",
        description="Rerun a run from its manifest.json and compare the new results.json with the old one.",
    )
    v.add_argument("folder", metavar="RUN_FOLDER", help="a run folder made by 'run'")
    v.add_argument("--quiet", action="store_true", help="no progress bar")
    v.set_defaults(run=verify)


def run(args: argparse.Namespace) -> int:
    import sys

    from analysis.runs import run_analysis

    res = run_analysis(args.config, out=args.out, quiet=args.quiet, command_line=["python", "-m", "analysis", *sys.argv[1:]])
    print(f"Run folder: {res.folder}")
    if res.report is not None:
        print(f"Report: {res.report}")
    return 0


def verify(args: argparse.Namespace) -> int:
    from analysis.runs import verify_run

    result = verify_run(args.folder, quiet=args.quiet)
    print(result.summary())
    return 0 if result.identical else 1
