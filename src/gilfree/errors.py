"""One exception hierarchy; the CLI maps each class to a one-line message and exit code."""

from __future__ import annotations


def first_line(exc: BaseException, empty: str | None = None) -> str:
    """An exception's message cut to one line (messages of one line are the rule here);
    ``empty`` (else the exception's type) when it has none."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else empty or type(exc).__name__


class GilfreeError(Exception):
    """Base of every error gilfree reports to a user (never shown as a traceback)."""

    exit_code = 3


class BadInput(GilfreeError):
    """The user gave us something we cannot read: a file, a line, a value (exit 2)."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")


class IncompleteError(GilfreeError):
    """The work could not be completed (network, interpreter, resolver...) (exit 3)."""

    exit_code = 3


class IndexUnavailable(IncompleteError):
    """The package index could not be read; a status built on it is `error`, never a guess."""


class ProjectNotFound(GilfreeError):
    """The index answered 404 for this project: the verdict is `missing`."""

    exit_code = 1


class InterpreterError(IncompleteError):
    """No free-threaded interpreter could be found or built."""
