"""``python -m analysis power``: how many persons does a panel study need?"""

from __future__ import annotations

import argparse
import sys

from collections.abc import Callable
from typing import Any

from analysis.cli._parser import add_parallel_options, check_parallel_options, fraction, number, seed, whole_number
from analysis.interpret import ALPHA
from analysis.limits import MAX_PERSONS as MAX_N
from analysis.limits import MAX_POWER_WAVES as MAX_WAVES
from analysis.limits import MAX_REPLICATES
from analysis.limits import MIN_POWER_PERSONS as MIN_N

HELP = "Monte Carlo power for the CLPM / RI-CLPM over a grid of designs (sample size, waves, ...)"


def _list(kind: type, name: str, check: Callable[[str], Any] | None = None):
    """A comma-separated list of ``kind``, each item checked by ``check`` (an argparse type) when given."""
    def parse(text: str) -> list:
        items = [t.strip() for t in text.split(",") if t.strip()]
        if not items:
            raise argparse.ArgumentTypeError(f"expected a comma-separated list of {name}")
        try:
            values = [kind(t) for t in items]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a comma-separated list of {name}, got {text!r}") from None
        if check is not None:
            for t in items:
                check(t)
        return values
    return parse


def _sizes(text: str) -> int:
    value = int(text)
    if not MIN_N <= value <= MAX_N:
        raise argparse.ArgumentTypeError(f"sample sizes must be at least {MIN_N} persons and at most {MAX_N} "
                                         f"(as synth), got {text!r}")
    return value


def _effect(text: str) -> float:
    # A lag of 1 or more makes the process explode; the design checks the whole lag matrix too.
    return number(-1.0, 1.0, low_open=True, high_open=True, what="an effect")(text)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "power",
        help=HELP,
        description=(
            "Simulate many studies from a population random-intercept cross-lagged panel model for every "
            "combination of the design values given, fit the chosen model to each, and report per lagged effect "
            "the average estimate, bias, standard errors, MSE, coverage and power (each with its Monte Carlo "
            "SE), power curves, and the sample size that reaches the target power. Power is the chance that a "
            "study of this design finds the effect (p < alpha) if it is real. Lists are comma-separated. "
            "Finished replicates are kept in the run folder: rerun the same command with --out FOLDER to resume."
        ),
    )
    p.add_argument("--model", choices=("clpm", "riclpm"), default="riclpm",
                   help="model fitted to each simulated study (default riclpm)")
    p.add_argument("--n", type=_list(int, "sample sizes", _sizes), default=[200, 500, 1000], metavar="LIST",
                   help="persons at wave 1 (default 200,500,1000)")
    p.add_argument("--waves", type=_list(int, "numbers of waves", whole_number(2, MAX_WAVES)), default=[4], metavar="LIST",
                   help="number of waves (default 4)")
    p.add_argument("--icc", type=_list(float, "shares", number(0, 1, high_open=True, what="a share")), default=[0.5], metavar="LIST",
                   help="share of the variance that is stable between persons (random intercepts; default 0.5)")
    p.add_argument("--cross-lag", type=_list(float, "effects", _effect), default=[0.1], metavar="LIST",
                   help="standardized within-person effect of x on later y (default 0.1)")
    p.add_argument("--cross-lag-yx", type=_list(float, "effects", _effect), default=None, metavar="LIST",
                   help="effect of y on later x (default: the same as --cross-lag)")
    p.add_argument("--autoregression", type=_list(float, "effects", _effect), default=[0.4], metavar="LIST",
                   help="autoregressive effect of x (and of y unless --autoregression-y; default 0.4)")
    p.add_argument("--autoregression-y", type=_list(float, "effects", _effect), default=None, metavar="LIST",
                   help="autoregressive effect of y (default: the same as --autoregression)")
    p.add_argument("--within-cor", type=number(-1, 1, low_open=True, high_open=True, what="a correlation"), default=0.3,
                   help="correlation of x and y within persons at each wave (default 0.3)")
    p.add_argument("--ri-cor", type=number(-1, 1, low_open=True, high_open=True, what="a correlation"), default=0.3, help="correlation of the random intercepts (default 0.3)")
    p.add_argument("--reliability", type=_list(float, "reliabilities", number(0, 1, low_open=True, what="a reliability")), default=[1.0], metavar="LIST",
                   help="reliability of the observed scores (default 1.0: no measurement error)")
    p.add_argument("--attrition", type=_list(float, "shares", number(0, 1, high_open=True, what="a share")), default=[0.0], metavar="LIST",
                   help="share of participants dropping out at each wave after the first (default 0)")
    p.add_argument("--attrition-mechanism", choices=("mcar", "mar"), default="mcar",
                   help="dropout at random (mcar, default) or more likely with a higher previous y (mar)")
    p.add_argument("--lags", choices=("invariant", "free"), default="invariant",
                   help="fitted lagged effects equal over waves (default) or one per interval (averaged)")
    p.add_argument("--replicates", type=whole_number(1, MAX_REPLICATES), default=500,
                   help=f"simulated studies per design, 1 to {MAX_REPLICATES} (default 500)")
    p.add_argument("--alpha", type=fraction, default=ALPHA, help=f"significance level (default {ALPHA:g})")
    p.add_argument("--target-power", type=fraction, default=0.8, help="power to reach (default 0.8)")
    p.add_argument("--seed", type=seed, default=1, help="random seed; the same seed gives the same results (default 1)")
    add_parallel_options(p, what="settings")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    check_parallel_options(args)  # before loading the numerical packages: a mistake is said at once
    from analysis.outputs import new_run_folder, write_json_atomic, write_text_atomic
    from analysis.power import PowerDesign, effects_grid, run_power
    from analysis.progress import progress_bar

    effects = effects_grid(cross_lag=args.cross_lag, autoregression=args.autoregression,
                           cross_lag_yx=args.cross_lag_yx, autoregression_y=args.autoregression_y)
    design = PowerDesign(model=args.model, n=args.n, waves=args.waves, icc=args.icc, effects=effects,
                         reliability=args.reliability, attrition=args.attrition,
                         attrition_mechanism=args.attrition_mechanism, within_cor=args.within_cor,
                         ri_cor=args.ri_cor, lags=args.lags)
    folder = args.out if args.out else new_run_folder("runs", prefix="power")
    cells = len(design.cells())
    if not args.quiet:
        print(f"Run folder: {folder} ({cells} designs x {args.replicates} replicates)", file=sys.stderr)
    try:
        with progress_bar("Simulating studies", quiet=args.quiet) as progress:
            res = run_power(design, replicates=args.replicates, seed=args.seed, backend=args.backend,
                            n_jobs=args.jobs, scheduler=args.scheduler, out=folder, alpha=args.alpha,
                            target_power=args.target_power, progress=progress)
    except KeyboardInterrupt:
        print(f"interrupted: the finished replicates are kept in {folder}; run the same command with "
              f"--out {folder} to resume.", file=sys.stderr)
        return 130
    print(res.summary())
    out = res.to_dict()
    write_json_atomic(res.folder / "results.json", out)
    write_text_atomic(res.folder / "power.csv", res.table.to_csv(index=False))
    write_text_atomic(res.folder / "sample_size.csv", res.sample_size.to_csv(index=False))
    fig = res.plot()
    from analysis.outputs import write_atomic

    write_atomic(res.folder / "power_curves.png", lambda tmp: fig.savefig(tmp, format="png"))
    print(f"Tables, power curves and results.json are in {res.folder}")
    if args.json:
        write_json_atomic(args.json, out)
        print(f"Results written to {args.json}")
    return 0
