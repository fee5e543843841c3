"""``python -m analysis validate-spec``: check a data spec, and optionally that it reads a data folder."""

from __future__ import annotations

import argparse

HELP = "check a data spec (YAML), and with --data that it reads the files in a folder"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate-spec",
        help=HELP,
        description=(
            "Check a data spec (data_specs/*.yaml): its keys, types and cross-references. With "
            "--data, also load the cohort's files through it (only the columns it needs) and report "
            "which waves were found and where each construct was scored, and audit the spec against "
            "the files' own value labels (a code declared missing that the file labels as a value, "
            "valid codes without labels, constructs absent from a wave, weight/PSU/strata columns "
            "absent). Problems are reported as one sentence naming the spec key, or the file, wave, "
            "column, code and label."
        ),
    )
    p.add_argument("spec", metavar="SPEC", help="the data spec, e.g. data_specs/ukhls.yaml")
    p.add_argument("--data", metavar="DIR", help="folder with the data files to check the spec against")
    p.add_argument("--strict", action="store_true",
                   help="with --data: treat audit warnings as errors (exit 2), e.g. in a pipeline")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from analysis.data import load_panel, load_spec
    from analysis.errors import DataError, UsageError

    spec = load_spec(args.spec)
    waves = spec.wave_names
    span = waves[0] if len(waves) == 1 else f"{waves[0]}-{waves[-1]}"
    print(f"{args.spec} is a valid data spec: cohort {spec.cohort}, layout {spec.layout}, "
          f"{len(waves)} waves ({span}), constructs {', '.join(spec.constructs)}; "
          f"covariates {', '.join(spec.covariates) or 'none'}; "
          f"groupings {', '.join(spec.groupings) or 'none'}.")
    if args.data is None:
        if args.strict:
            raise UsageError("--strict audits the files, so it needs --data DIR.")
        return 0
    panel = load_panel(spec, data=args.data)
    print(f"Read {len(panel.waves)} of {len(waves)} waves from {args.data}: "
          f"{len(panel.long)} person-waves, {panel.long['id'].nunique()} persons.")
    for name, found in panel.construct_waves.items():
        print(f"  {name}: scored in {', '.join(found)}")
    print(panel.design.summary())
    for note in panel.notes:
        print(f"Note: {note}")
    for warning in panel.audit:
        print(f"Warning: {warning.message}")
    if not panel.audit:
        print("Audit: the files' value labels agree with the spec.")
    elif args.strict:
        raise DataError(f"{len(panel.audit)} audit warning(s) with --strict (listed above); the first: "
                        f"{panel.audit[0].message}")
    return 0
