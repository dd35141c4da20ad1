"""One exception hierarchy; the CLI maps each class to a one-line message and exit code."""

from __future__ import annotations


def first_line(exc: BaseException, empty: str | None = None) -> str:
    """An exception's message cut to one line (messages of one line are the rule here);
    ``empty`` (else the exception's type) when it has none.

    packaging's parse errors are three lines (the message, the text, a caret under the
    place): only the message is kept."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else empty or type(exc).__name__


def clip(text: str, limit: int = 200) -> str:
    """A user's value shortened for a message (a 100,000-character line is not shown whole)."""
    return text if len(text) <= limit else f"{text[: limit - 20]}…{text[-19:]}"


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped (``\\n``, ``\\x1b``):
    what a user's file name or value becomes inside a one-line message."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class GilfreeError(Exception):
    """Base of every error gilfree reports to a user (never shown as a traceback)."""

    exit_code = 3


class BadInput(GilfreeError):
    """The user gave us something we cannot read: a file, a line, a value (exit 2).

    The message is one line naming the file (and line) or the value: ``PATH:LINE: what``."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.problem = one_line(message)  # the message without the path and line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        # one line, always: a file name or value may hold a newline or a terminal escape
        super().__init__(one_line(f"{where}{message}"))


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
