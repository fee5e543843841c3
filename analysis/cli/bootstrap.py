"""``python -m analysis bootstrap``: bootstrap intervals for the cross-lagged effects."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.cli._disclosure import add_threshold, protected, shown
from analysis.cli._parser import (
    add_constructs,
    add_parallel_options,
    add_survey_options,
    check_parallel_options,
    comma_list,
    fraction,
    seed,
    whole_number,
)
from analysis.limits import MAX_REPLICATES

HELP = "percentile and BCa bootstrap intervals for the cross-lags (and group differences), resampling persons"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bootstrap",
        help=HELP,
        description=(
            "Fit a cross-lagged panel model of two constructs, then refit it to many resamples of persons "
            "(each person keeps all their waves) and report percentile and BCa confidence intervals for the "
            "x->y and y->x effects; with --group, for each group's effects and the differences between groups "
            "(persons are resampled within their group). Missing waves are handled by full-information ML. "
            "Finished resamples are kept in the run folder: rerun with --out FOLDER to resume."
        ),
    )
    p.add_argument("--spec", help="data spec (YAML), e.g. data_specs/ukhls.yaml; leave out for a wide data file")
    p.add_argument("--data", required=True, metavar="DIR|FILE",
                   help="folder with the files the spec names, or (without --spec) one wide file with columns "
                        "{construct}_{wave}, e.g. loneliness_1 (.csv, .sav, .dta or .parquet)")
    add_constructs(p)
    p.add_argument("--waves", type=comma_list, metavar="LIST",
                   help="comma-separated waves (default with --spec: every wave with both constructs; "
                        "required for a wide file)")
    p.add_argument("--model", choices=("clpm", "riclpm", "dpm"), default="riclpm", help="model type (default riclpm)")
    p.add_argument("--lags", choices=("invariant", "free"), default="invariant",
                   help="lagged effects equal over waves (default) or per interval (then averaged)")
    p.add_argument("--allow-unequal-intervals", action="store_true",
                   help="when a wave in between is missing or skipped, hold the lags equal over intervals of "
                        "unequal length anyway (refused without it; said in the output)")
    p.add_argument("--group", metavar="GROUPING",
                   help="bootstrap each group's cross-lags and the differences between groups, e.g. life_stage")
    p.add_argument("--replicates", type=whole_number(1, MAX_REPLICATES), default=500,
                   help=f"bootstrap resamples, 2 to {MAX_REPLICATES} (default 500)")
    p.add_argument("--level", type=fraction, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--jackknife", type=whole_number(2, MAX_REPLICATES), default=None, metavar="BLOCKS",
                   help="jackknife blocks for the BCa acceleration (default: leave-one-out up to 200 persons, "
                        "else 200 blocks of persons)")
    p.add_argument("--seed", type=seed, default=1, help="random seed (default 1)")
    add_survey_options(p, unweighted="persons resampled, unweighted fits")
    add_parallel_options(p, what="data and settings")
    add_threshold(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    check_parallel_options(args)  # before loading the numerical packages: a mistake is said at once
    from analysis.errors import DataError, UsageError
    from analysis.outputs import new_run_folder, write_json_atomic, write_text_atomic
    from analysis.models.crosslag_bootstrap import bootstrap_crosslag
    from analysis.progress import progress_bar

    data_path = Path(args.data)
    read_notes: list[str] = []
    if args.spec:
        from analysis.data import load_panel

        data = load_panel(args.spec, data=args.data)
    else:
        if not data_path.is_file():
            raise DataError(f"{data_path}: without --spec, --data must be one wide data file "
                            "(or give --spec for a folder of wave files).")
        if not args.waves:
            raise UsageError("A wide data file needs --waves, the wave suffixes of its columns (e.g. 1,2,3).")
        from analysis.data.files import na_text_note, read_table

        data = read_table(data_path)
        read_notes = [n for n in (na_text_note(data, data_path),) if n]
    folder = args.out if args.out else new_run_folder("runs", prefix="bootstrap")
    if not args.quiet:
        print(f"Run folder: {folder}", file=sys.stderr)
    try:
        with progress_bar("Bootstrap fits", quiet=args.quiet) as progress:
            res = bootstrap_crosslag(data, x=args.x, y=args.y, waves=args.waves, model=args.model, lags=args.lags,
                                     group=args.group, replicates=args.replicates, seed=args.seed, level=args.level,
                                     jackknife=args.jackknife, backend=args.backend, n_jobs=args.jobs,
                                     scheduler=args.scheduler, out=folder, progress=progress,
                                     survey="none" if args.unweighted else "spec", weight_rule=args.weight_rule,
                                     allow_unequal_intervals=args.allow_unequal_intervals)
    except KeyboardInterrupt:
        print(f"interrupted: the finished resamples are kept in {folder}; run the same command with "
              f"--out {folder} to resume.", file=sys.stderr)
        return 130
    if read_notes:
        from dataclasses import replace

        res = replace(res, notes=(*read_notes, *res.notes))
    print(shown(res.summary(), args))
    out = res.to_dict()
    out["spec"] = args.spec
    out["data"] = str(args.data)
    out = protected(out, args)
    write_json_atomic(res.folder / "results.json", out)
    write_text_atomic(res.folder / "bootstrap.csv", res.by_statistic().to_csv(index=False))
    write_text_atomic(res.folder / "intervals.csv", res.to_frame().to_csv(index=False))
    write_text_atomic(res.folder / "draws.csv", res.draws.to_csv(index_label="resample"))
    print(f"Intervals, resampled estimates and results.json are in {res.folder}")
    if args.json:
        write_json_atomic(args.json, out)
        print(f"Results written to {args.json}")
    return 0
