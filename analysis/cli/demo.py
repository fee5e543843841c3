"""``python -m analysis demo``: the main job on the built-in synthetic cohort."""

from __future__ import annotations

import argparse

HELP = "run the demonstration analysis on the built-in synthetic cohort"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help=HELP,
        description=(
            "Generate the built-in synthetic UKHLS-like cohort into a new run folder and run the "
            "demonstration analysis on it. Every run gets its own folder; nothing is overwritten."
        ),
    )
    p.add_argument("--out", default="runs", help="folder under which the run folder is created (default runs)")
    p.add_argument("--n", type=int, default=5000, help="persons in the synthetic cohort (default 5000)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from analysis.demo import run_demo

    result = run_demo(out=args.out, n=args.n, seed=args.seed)
    print(result.summary_text)
    print(f"Output: {result.folder}")
    return 0
