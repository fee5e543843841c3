"""Command-line interface: ``python -m analysis <command>``.

Each command lives in its own module with two functions: ``add_parser``
(declares the options) and ``run`` (calls the library).  The CLI holds no
statistics.  User mistakes (``WorkbenchError`` and file-system errors) are
printed as one sentence with exit code 2; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from analysis import __version__
from analysis.cli import (
    bootstrap,
    causal,
    crosslag,
    describe,
    fit_sem,
    invariance,
    moderate,
    pool,
    power,
    run,
    synth,
    validate_spec,
)
from analysis.cli._parser import Parser
from analysis.errors import WorkbenchError
from analysis.interrupts import Terminated, handle_stop_signals

COMMANDS = (synth, validate_spec, describe, fit_sem, crosslag, invariance, moderate, run, power, bootstrap,
            causal, pool)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with one subparser per command."""
    parser = Parser(
        prog="python -m analysis",
        description="Loneliness–mental health cohort analysis workbench.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback when something goes wrong"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the process exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help()
        return 2
    # SIGTERM is handled like Ctrl-C (clean-up, finished work kept; exit code 143), and no Ctrl-C is lost.
    with handle_stop_signals() as received:
        code = _run(args)
    return 143 if received.sigterm else code


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.run(args) or 0)
    except WorkbenchError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # unreadable/unwritable paths given by the user
        if args.debug:
            raise
        where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"error: {exc.strerror or exc}{where}.", file=sys.stderr)
        return 2
    except Terminated:
        print("terminated.", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("interrupted.", file=sys.stderr)
        return 130
