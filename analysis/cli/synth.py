"""``python -m analysis synth``: write a synthetic UKHLS- or ELSA-like cohort."""

from __future__ import annotations

import argparse

from analysis.cli._parser import seed, whole_number
from analysis.limits import MAX_PERSONS

HELP = "write a synthetic cohort laid out like UKHLS or ELSA, with its true parameters"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "synth",
        help=HELP,
        description=(
            "Write a synthetic cohort laid out like the real studies (one SPSS or Stata file per "
            "wave, real variable names and missing-value codes), generated from a documented "
            "random-intercept cross-lagged model. The true parameters are written to truth.json "
            "beside the files. The data are artificial: use them to learn and test the workbench, "
            "never to draw conclusions about people."
        ),
    )
    p.add_argument("--cohort", choices=("ukhls", "elsa"), default="ukhls", help="layout to mimic (default ukhls)")
    p.add_argument("--n", type=whole_number(1, MAX_PERSONS), default=5000,
                   help=f"persons at wave 1, 1 to {MAX_PERSONS} (default 5000)")
    p.add_argument("--waves", type=whole_number(2, 26), default=5, help="number of waves, 2 to 26 (default 5)")
    p.add_argument("--seed", type=seed, default=1, help="random seed; the same seed gives the same data (default 1)")
    p.add_argument("--format", dest="fmt", choices=("dta", "sav"), default="dta", help="Stata .dta or SPSS .sav (default dta)")
    p.add_argument("--no-design", dest="design", action="store_false",
                   help="simple random sample: no strata/PSU columns and no informative selection "
                        "(default: a complex sample design whose weights matter, see truth.json)")
    p.add_argument("--continuous", action="store_true",
                   help="generate from one continuous-time model instead (documented drift matrix in truth.json): "
                        "ukhls yearly, elsa two-yearly waves, continuous loneliness and distress scores; read with "
                        "data_specs/synthetic_ct_<cohort>.yaml and pool them with 'pool'")
    p.add_argument("--out", required=True, help="folder to write into (created if missing; existing files are never overwritten)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from analysis.synth import write_cohort

    if args.continuous:
        from analysis.synth.continuous import write_continuous_cohort

        ct = write_continuous_cohort(cohort=args.cohort, n=args.n, waves=args.waves, seed=args.seed, fmt=args.fmt,
                                     out=args.out)
        print(f"Wrote {len(ct.wave_files)} wave files and truth.json to {ct.out}")
        return 0

    files = write_cohort(
        cohort=args.cohort, n=args.n, waves=args.waves, seed=args.seed, fmt=args.fmt, out=args.out,
        design=args.design,
    )
    print(f"Wrote {len(files.wave_files)} wave files and truth.json to {files.out}")
    return 0
