"""Typed errors for mistakes a user can act on.

Every error here is a user mistake or a property of the user's data and is
reported by the CLI as one sentence with exit code 2 (no traceback unless
``--debug``).  Programming errors are ordinary Python exceptions.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base class: a problem the user can fix, described in one sentence."""

    exit_code = 2


class UsageError(WorkbenchError):
    """A command-line option or function argument has an invalid value."""


class DataError(WorkbenchError):
    """A data file is missing, unreadable or does not contain what is needed.

    Messages name the file and, where known, the wave and column.
    """


class SpecError(WorkbenchError):
    """A data spec (YAML) is invalid; messages name the spec file and key path."""


class ModelSyntaxError(WorkbenchError):
    """lavaan model syntax could not be parsed; names the line and token."""

    def __init__(self, message: str, *, line: int | None = None, token: str | None = None):
        self.line = line
        self.token = token
        if line is not None:
            where = f"line {line}"
            if token:
                where += f", at {token!r}"
            message = f"Model syntax error ({where}): {message}"
        super().__init__(message)


class ModelSpecificationError(WorkbenchError):
    """A model is syntactically valid but cannot be estimated as specified."""


class ConvergenceError(WorkbenchError):
    """The optimiser did not converge; the message lists what to try.

    ``results``: where the estimates at the last iteration could be tabulated, the
    results object (``converged`` False), so a caller can report them as lavaan does.
    """

    def __init__(self, message: str, *, results=None):
        super().__init__(message)
        self.results = results
