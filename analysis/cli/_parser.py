"""An ``ArgumentParser`` whose errors are one sentence and exit code 2."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import NoReturn

from analysis.limits import MAX_JOBS, MAX_SEED


class Parser(argparse.ArgumentParser):
    """Argument parser that reports a bad option as one sentence, no usage dump."""

    def error(self, message: str) -> NoReturn:
        message = message[:1].upper() + message[1:]
        print(
            f"error: {message.rstrip('.')}. Run '{self.prog} --help' to see the options.",
            file=sys.stderr,
        )
        raise SystemExit(2)




def _whole_number(text: str, minimum: int, maximum: int | None = None) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        span = f"of at least {minimum}" + ("" if maximum is None else f" and at most {maximum}")
        raise argparse.ArgumentTypeError(f"expected a whole number {span}, got {text!r}")
    return value


def whole_number(minimum: int, maximum: int | None = None, *, also: tuple[int, ...] = ()) -> Callable[[str], int]:
    """argparse type: a whole number in ``[minimum, maximum]`` (or one of ``also``, e.g. -1 for "every core")."""

    def parse(text: str) -> int:
        try:
            if int(text) in also:
                return int(text)
        except ValueError:
            pass
        try:
            return _whole_number(text, minimum, maximum)
        except argparse.ArgumentTypeError as exc:
            if also:
                raise argparse.ArgumentTypeError(
                    str(exc).replace("expected ", f"expected {' or '.join(map(str, also))} or ", 1)) from None
            raise

    parse.__name__ = "whole_number"
    return parse


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1."""
    return _whole_number(text, 1)


def nonnegative_int(text: str) -> int:
    """argparse type: an integer of at least 0 (e.g. a seed)."""
    return _whole_number(text, 0)


def seed(text: str) -> int:
    """argparse type: a random seed, a whole number from 0 to 4294967295 (2**32 - 1)."""
    return _whole_number(text, 0, MAX_SEED)


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def number(low: float, high: float, *, low_open: bool = False, high_open: bool = False,
           what: str = "a number") -> Callable[[str], float]:
    """argparse type: a finite number between ``low`` and ``high`` (ends open or closed)."""
    span = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"

    def check(value: float, text: str) -> float:
        if value < low or value > high or (low_open and value == low) or (high_open and value == high):
            raise argparse.ArgumentTypeError(f"expected {what} in {span}, got {text!r}")
        return value

    def parse(text: str) -> float:
        return check(_finite(text), text)

    parse.__name__ = "number"
    parse.check = check  # type: ignore[attr-defined]
    return parse


def fraction(text: str) -> float:
    """argparse type: a number strictly between 0 and 1 (a confidence level, a share)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}")
    return value


def comma_list(text: str) -> list[str]:
    """argparse type: a non-empty comma-separated list of names."""
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise argparse.ArgumentTypeError("expected a comma-separated list")
    twice = [t for k, t in enumerate(items) if t in items[:k]]
    if twice:  # a repeated name is a slip: say it rather than use it once or twice
        raise argparse.ArgumentTypeError(f"{twice[0]!r} is listed twice in {text!r}")
    return items


def add_spec_and_data(p: argparse.ArgumentParser) -> None:
    """The ``--spec SPEC --data DIR`` pair every command that reads a study takes."""
    p.add_argument("--spec", required=True, help="data spec (YAML), e.g. data_specs/ukhls.yaml")
    p.add_argument("--data", required=True, metavar="DIR", help="folder with the data files the spec names")


def add_constructs(p: argparse.ArgumentParser, *, note: str = "") -> None:
    """The ``--x X --y Y`` pair of commands that model two constructs (``note``: e.g. what they need)."""
    p.add_argument("--x", required=True, help=f"first construct{note}, e.g. loneliness")
    p.add_argument("--y", required=True, help=f"second construct{note}, e.g. ghq_likert")


def add_survey_options(p: argparse.ArgumentParser, *, unweighted: str = "unweighted, simple-random-sample SEs") -> None:
    """``--unweighted`` and ``--weight-rule``: the spec's survey design, or a sensitivity check without it.

    ``unweighted``: what the command does without the design (e.g. "persons resampled, unweighted fits").
    """
    p.add_argument("--unweighted", action="store_true",
                   help=f"ignore the spec's weights, PSUs and strata ({unweighted}): a sensitivity check; the "
                        "output says so")
    p.add_argument("--weight-rule", choices=("last", "first"), default="last",
                   help="which weight each person carries: the longitudinal weight of the last wave analysed "
                        "(default, as the data producers advise) or the first wave's weight")


def add_parallel_options(p: argparse.ArgumentParser, *, what: str) -> None:
    """Options shared by commands that run many replicates: backend, scheduler, jobs, out, json, quiet."""
    p.add_argument("--backend", choices=("joblib", "dask", "serial"), default="joblib",
                   help="joblib: local cores (default); dask: an existing Dask cluster (--scheduler); serial")
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--jobs", type=whole_number(1, MAX_JOBS, also=(-1,)), default=None, metavar="N",
                   help=f"local worker processes for joblib, 1 to {MAX_JOBS} or -1 (default: every core)")
    p.add_argument("--out", metavar="DIR",
                   help=f"run folder (default: a new folder under runs/); an earlier run's folder with the same "
                        f"{what} is resumed")
    p.add_argument("--json", metavar="OUT", help="also write the results as JSON to this file")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def check_parallel_options(args: argparse.Namespace) -> None:
    """One-sentence errors for inconsistent backend options."""
    from analysis.errors import UsageError

    if args.backend == "dask" and not args.scheduler:
        raise UsageError("--backend dask needs --scheduler ADDRESS (the scheduler of a running Dask cluster).")
    if args.scheduler and args.backend != "dask":
        raise UsageError("--scheduler is only used with --backend dask.")
