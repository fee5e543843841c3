"""An ``ArgumentParser`` whose errors are one sentence and exit code 2."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn


class Parser(argparse.ArgumentParser):
    """Argument parser that reports a bad option as one sentence, no usage dump."""

    def error(self, message: str) -> NoReturn:
        message = message[:1].upper() + message[1:]
        print(
            f"error: {message.rstrip('.')}. Run '{self.prog} --help' to see the options.",
            file=sys.stderr,
        )
        raise SystemExit(2)


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value}")
    return value


def nonnegative_int(text: str) -> int:
    """argparse type: an integer of at least 0 (e.g. a seed)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative whole number, got {value}")
    return value


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
    return items
