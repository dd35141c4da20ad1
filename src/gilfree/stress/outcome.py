"""Turn a raw threaded run into an honest outcome: counts over every thread and
iteration, and each distinct traceback once with how often and where it happened."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .runner import Raised, RawRun

_OWN_DIR = str(Path(__file__).resolve().parent)

#: Exceptions that are not failures of the code under test (pytest skip / xfail /
#: exit): the caller says which by name, so this module does not import pytest.
Classifier = Callable[[BaseException], str]


def default_classifier(error: BaseException) -> str:
    """'failed' for everything except KeyboardInterrupt / SystemExit ('interrupt')."""
    if isinstance(error, (KeyboardInterrupt, SystemExit)):
        return "interrupt"
    return "failed"


@dataclass(frozen=True)
class DistinctError:
    """One kind of failure: same exception type raised from the same code path."""

    type_name: str
    message: str
    traceback: str
    count: int
    threads: tuple[int, ...]
    messages_differ: bool

    def to_json(self) -> dict[str, object]:
        return {
            "type": self.type_name,
            "message": self.message,
            "traceback": self.traceback,
            "count": self.count,
            "threads": list(self.threads),
            "messages_differ": self.messages_differ,
        }


@dataclass(frozen=True)
class Outcome:
    """What N threads × M iterations of one piece of work did, counted honestly."""

    threads: int
    iterations: int
    completed: int
    failed_runs: int
    failed_threads: tuple[int, ...]
    errors: tuple[DistinctError, ...]
    special: dict[str, list[Raised]]
    hung_threads: tuple[int, ...]
    stacks: str | None
    duration: float

    @property
    def planned(self) -> int:
        return self.threads * self.iterations

    @property
    def hung(self) -> bool:
        return bool(self.hung_threads)

    @property
    def ok(self) -> bool:
        return not self.failed_runs and not self.hung

    def headline(self) -> str:
        """One line, e.g. 'failed in 7 of 8 threads × 50 iterations (93 of 400 runs)'."""
        shape = f"{self.threads} threads × {self.iterations} iterations"
        parts = []
        if self.failed_runs:
            parts.append(
                f"failed in {len(self.failed_threads)} of {shape} "
                f"({self.failed_runs} of {self.planned} runs failed)"
            )
        if self.hung:
            parts.append(
                f"hung: {len(self.hung_threads)} of {self.threads} threads still running "
                f"after {self.duration:.1f}s ({self.completed} of {self.planned} runs finished)"
            )
        if not parts:
            parts.append(f"passed in all {shape} ({self.completed} runs)")
        return "; ".join(parts)

    def render(self) -> str:
        """Headline, each distinct error once with its count, then stuck stacks."""
        lines = [self.headline()]
        for number, error in enumerate(self.errors, 1):
            where = _thread_list(error.threads)
            varied = " (messages varied; first shown)" if error.messages_differ else ""
            lines.append("")
            lines.append(
                f"--- distinct error {number} of {len(self.errors)}: {error.type_name}, "
                f"{error.count}× in {where}{varied} ---"
            )
            lines.append(error.traceback.rstrip())
        if self.stacks:
            lines.append("")
            lines.append("--- stacks of the threads still running at the timeout ---")
            lines.append(self.stacks.rstrip())
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        return {
            "threads": self.threads,
            "iterations": self.iterations,
            "planned_runs": self.planned,
            "completed_runs": self.completed,
            "failed_runs": self.failed_runs,
            "failed_threads": list(self.failed_threads),
            "hung_threads": list(self.hung_threads),
            "duration_s": round(self.duration, 4),
            "errors": [error.to_json() for error in self.errors],
            "stacks": self.stacks,
        }


def summarize(raw: RawRun, classify: Classifier = default_classifier) -> Outcome:
    """Count and group what ``raw`` recorded; non-failure outcomes go to ``special``."""
    failures: list[Raised] = []
    special: dict[str, list[Raised]] = {}
    for raised in raw.raised:
        kind = classify(raised.error)
        if kind == "failed":
            failures.append(raised)
        else:
            special.setdefault(kind, []).append(raised)
    return Outcome(
        threads=raw.threads,
        iterations=raw.iterations,
        completed=raw.completed,
        failed_runs=len(failures),
        failed_threads=tuple(sorted({raised.thread for raised in failures})),
        errors=tuple(group_errors(failures)),
        special=special,
        hung_threads=tuple(raw.hung_threads),
        stacks=raw.stacks,
        duration=raw.duration,
    )


def group_errors(failures: Iterable[Raised]) -> list[DistinctError]:
    """Group by exception type and code path (messages may differ: counts vary)."""
    groups: dict[tuple[object, ...], list[tuple[Raised, traceback.TracebackException]]] = {}
    for raised in failures:
        exc = traceback.TracebackException.from_exception(raised.error)
        exc.stack = traceback.StackSummary.from_list(
            [frame for frame in exc.stack if not frame.filename.startswith(_OWN_DIR)]
        )
        key = (
            _type_name(raised.error),
            tuple((frame.filename, frame.lineno, frame.name) for frame in exc.stack),
        )
        groups.setdefault(key, []).append((raised, exc))
    result = []
    for members in sorted(groups.values(), key=len, reverse=True):
        first, exc = members[0]
        messages = {str(raised.error) for raised, _ in members}
        result.append(
            DistinctError(
                type_name=_type_name(first.error),
                message=str(first.error),
                traceback="".join(exc.format()),
                count=len(members),
                threads=tuple(sorted({raised.thread for raised, _ in members})),
                messages_differ=len(messages) > 1,
            )
        )
    return result


def _type_name(error: BaseException) -> str:
    cls = type(error)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _thread_list(threads: tuple[int, ...]) -> str:
    shown = ", ".join(str(index) for index in threads[:12])
    more = f", … ({len(threads)} in all)" if len(threads) > 12 else ""
    return f"thread{'s' if len(threads) != 1 else ''} {shown}{more}"
