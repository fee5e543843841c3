"""``python -m analysis describe``: what a cohort holds, wave by wave, through a data spec."""

from __future__ import annotations

import argparse

from analysis.cli._disclosure import add_threshold

HELP = "describe a cohort through a data spec: respondents, constructs, missing values, attrition"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "describe",
        help=HELP,
        description=(
            "Load a cohort's wave files through a data spec and print, per wave, the respondents "
            "and the n, mean and sd of each construct; values made missing by reason; and an "
            "attrition table (when the spec's weight is found, also the share of the first wave's "
            "respondents still answering, unweighted and weighted by their first-wave weight). "
            "--json writes the same as JSON: "
            '{"waves": {"<wave>": {"n_respondents": int, "constructs": {"<name>": {"n": int, '
            '"mean": float, "sd": float}}}}, ...}; counts under the disclosure threshold (--threshold) '
            'are null, and shown as "hidden" in the text.'
        ),
    )
    p.add_argument("--spec", required=True, metavar="SPEC", help="the data spec, e.g. data_specs/ukhls.yaml")
    p.add_argument("--data", required=True, metavar="DIR", help="folder with the data files")
    p.add_argument("--json", metavar="OUT", help="also write the description as JSON to this file")
    add_threshold(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from analysis.data import load_panel
    from analysis.data.describe import describe_panel, render_text
    from analysis.outputs import write_json_atomic

    from analysis.data.describe_safe import protect_description
    panel = load_panel(args.spec, data=args.data)
    description = protect_description(describe_panel(panel), panel, threshold=args.threshold)
    print(render_text(description), end="")
    if args.json:
        write_json_atomic(args.json, description)
        print(f"Description written to {args.json}")
    return 0
