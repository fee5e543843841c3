"""``python -m analysis fit-sem``: fit a lavaan-syntax model to a data file."""

from __future__ import annotations

import argparse
from pathlib import Path

from analysis.cli._disclosure import add_threshold, protected, shown
from analysis.errors import DataError

HELP = "fit a structural equation model written in lavaan syntax"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fit-sem",
        help=HELP,
        description=(
            "Fit a structural equation model (lavaan syntax) by maximum likelihood and print "
            "the fit indices and estimates. Missing values are handled by full-information ML "
            "unless --missing listwise is given. Results match lavaan's."
        ),
    )
    p.add_argument("--model", required=True, metavar="MODEL.lav", help="file with the model in lavaan syntax")
    p.add_argument("--data", required=True, metavar="DATA", help="data file: .csv (empty cells are missing), .sav, .dta or .parquet")
    p.add_argument("--group", metavar="COL", help="column defining groups for a multigroup model")
    p.add_argument("--missing", choices=("fiml", "listwise"), default=None,
                   help="how to handle missing values (default: fiml when there are any)")
    p.add_argument("--estimator", choices=("ml", "mlr"), default="ml",
                   help="ml, or mlr for robust (sandwich) SEs and a scaled test (default ml)")
    p.add_argument("--defaults", choices=("lavaan", "sem"), default="sem",
                   help="sem: as lavaan's sem()/cfa(); lavaan: as lavaan() with meanstructure, nothing added (default sem)")
    p.add_argument("--weight", metavar="COL",
                   help="column of sampling weights: weighted likelihood, robust SEs (as lavaan's sampling.weights)")
    p.add_argument("--cluster", metavar="COL",
                   help="column of primary sampling units (PSUs): design-based SEs and scaled test")
    p.add_argument("--strata", metavar="COL",
                   help="column of strata (with --cluster): PSU totals centred within strata, as Stata svy")
    p.add_argument("--meanstructure", action=argparse.BooleanOptionalAction, default=None,
                   help="model the means (default: as lavaan, on with missing data, groups, intercepts in the "
                        "model or --defaults lavaan)")
    p.add_argument("--json", metavar="OUT", help="also write the results as JSON to this file")
    add_threshold(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from analysis.data.files import na_text_note, read_table
    from analysis.errors import ConvergenceError
    from analysis.models.sem import SEM

    model_path = Path(args.model)
    if not model_path.is_file():
        raise DataError(f"{model_path}: no such model file.")
    try:
        syntax = model_path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DataError(f"{model_path} is not a text file with lavaan syntax.") from None
    data = read_table(args.data)
    notes = [n for n in (na_text_note(data, args.data),) if n]
    model = SEM(syntax, defaults=args.defaults, meanstructure=args.meanstructure)
    try:
        results = model.fit(data, group=args.group, missing=args.missing or "auto", estimator=args.estimator,
                            weights=args.weight, cluster=args.cluster, strata=args.strata)
    except ConvergenceError as exc:
        if exc.results is None:
            raise
        # As lavaan: the estimates of the last iteration are reported, marked as not converged.
        _report(exc.results, syntax, args, notes)
        raise
    _report(results, syntax, args, notes)
    return 0


def _report(results, syntax: str, args: argparse.Namespace, notes: list[str]) -> None:
    from analysis.outputs import write_json_atomic

    print(shown(results.summary(), args))
    for note in notes:
        print(shown(f"Note: {note}", args))
    if args.json:
        out = results.to_dict()
        out["notes"] = [*out.get("notes", []), *notes]
        out["model"] = syntax
        out["data"] = str(args.data)
        write_json_atomic(args.json, protected(out, args))
        print(f"Results written to {args.json}" + ("" if results.converged else " (converged: false)"))
