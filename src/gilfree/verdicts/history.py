"""Free-threaded wheel history of one package, worked out from its simple page alone.

Every file on a simple page says when it was uploaded, so the page a run fetches anyway
also tells what pip would have found on any earlier day: no extra request. Pure
functions; no I/O.

What "had a free-threaded wheel on target T on day D" means here, the same question the
verdict engine answers for today, asked of a page cut down to the files uploaded by the
end of D (UTC):

- the release judged is the one ``Releases.latest()`` would pick from those files: the
  newest stable release with an installable file, or the newest pre-release while no
  stable release exists yet. A release is ranked by its version, never its upload time:
  a 1.26.5 uploaded after 2.0.0 is never the latest;
- among that release's files uploaded by D, ``rules.choose`` must say ``ft-wheel`` for T
  (the wheel pip would pick has a free-threaded tag that ``packaging.tags`` accepts on T,
  and requires-python admits T's Python). A wheel uploaded days after its release's
  sdist counts from its own upload day.

So the state can begin, stop (a new release ships no wheel for T, or requires-python
drops T's Python) and begin again. The state changes only on the days files were
uploaded, so only those days are evaluated, from ``since`` on.

What this cannot know:

- Which packages mattered then. The caller picks the packages (a tracker: today's top
  list) and applies that choice to every past day: a package that was popular in 2024
  and is not tracked now never counts, a package that rose since counts from its first
  wheel. The counts answer "how many of today's packages", not "how many of that day's".
- Deleted files and releases. PyPI lets maintainers delete them; a deleted file is not on
  the page, so any day it would have decided looks as if it never existed.
- When a file was yanked. The page says a file is yanked now, not since when. Yanked
  files are treated as the engine treats them today, on every past day: they are left
  out (a release whose files are all yanked is never the latest; a partly yanked release
  is judged by its other files), as if they had never been uploaded. A yanked release
  that was the latest for a month counts for nobody that month; the release before it
  stands in.
- Files without an upload time (some non-PyPI indexes). They cannot be placed in time,
  so they are left out on every day and counted in ``PackageHistory.undated_files``. When
  that count is not zero, the last state can differ from today's verdict.
- Anything before ``since``: the first state is the one on ``since`` itself, made of
  every file uploaded by then. A span starting on ``since`` may have begun earlier.
- How pip behaved then: today's tag rules are applied to every day (a target counts from
  the first wheel it would accept, even before that Python had a final release).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from itertools import accumulate
from typing import Any

from packaging.tags import Tag
from packaging.version import Version

from .model import ProjectFiles, Target, Verdict
from .rules import FileList, ParsedFile, Releases, choose
from .targets import target_tags

#: The day before which history is not worked out: the first cp313t wheels came mid-2024.
DEFAULT_SINCE = date(2024, 6, 1)
#: Version of the ``to_data`` shape.
DATA_VERSION = 1

_FT = Verdict.FT_WHEEL
_UTC = timezone.utc


@dataclass(frozen=True)
class Span:
    """Days with a free-threaded wheel: ``start`` included, ``end`` excluded (None: still
    true today)."""

    start: date
    end: date | None = None

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class TargetHistory:
    """The spans of one target, oldest first, neither overlapping nor touching."""

    target: Target
    spans: tuple[Span, ...] = ()

    def has_ft_on(self, day: date) -> bool:
        """Whether the target had a free-threaded wheel on ``day`` (False before ``since``)."""
        for span in reversed(self.spans):
            if span.start <= day:
                return span.end is None or day < span.end
        return False

    @property
    def first(self) -> date | None:
        return self.spans[0].start if self.spans else None

    @property
    def current(self) -> bool:
        """True when the last span is still open (the state of today)."""
        return bool(self.spans) and self.spans[-1].end is None


@dataclass(frozen=True)
class PackageHistory:
    """One package's history on every target it was worked out for."""

    name: str
    targets: tuple[TargetHistory, ...] = ()
    undated_files: int = 0  # files of the releases examined that have no upload time
    since: date = DEFAULT_SINCE  # the first day worked out

    def for_target(self, target: Target) -> TargetHistory | None:
        for history in self.targets:
            if history.target == target:
                return history
        return None

    def python_spans(self, python: tuple[int, int]) -> tuple[Span, ...]:
        """The days on which some platform of ``python`` had a free-threaded wheel."""
        return union(s for h in self.targets if h.target.python == python for s in h.spans)

    def first_ft(self, python: tuple[int, int]) -> date | None:
        """The first day any platform of ``python`` had one (``since``: that day or earlier)."""
        spans = self.python_spans(python)
        return spans[0].start if spans else None

    def lost(self, python: tuple[int, int]) -> tuple[date, ...]:
        """The days ``python`` went from a free-threaded wheel on some platform to none."""
        return tuple(s.end for s in self.python_spans(python) if s.end is not None)

    def to_data(self) -> dict[str, Any]:
        """A compact JSON-able form: ISO days, one list of ``[start, end]`` per target."""
        return {
            "v": DATA_VERSION,
            "name": self.name,
            "since": self.since.isoformat(),
            "undated": self.undated_files,
            "targets": {h.target.name: [[s.start.isoformat(), s.end.isoformat() if s.end else None]
                                        for s in h.spans] for h in self.targets},
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> PackageHistory:
        if data.get("v") != DATA_VERSION:
            raise ValueError(f"unknown history data version {data.get('v')!r}")
        day = date.fromisoformat
        return cls(
            name=data["name"],
            targets=tuple(TargetHistory(_target(name), tuple(
                Span(day(start), day(end) if end else None) for start, end in spans))
                for name, spans in data["targets"].items()),
            undated_files=int(data.get("undated", 0)),
            since=day(data["since"]),
        )


def _target(name: str) -> Target:
    """``3.14t-manylinux_x86_64`` back to a Target (any platform name: stored data may
    outlive today's platform list)."""
    python, sep, platform = name.partition("t-")
    major, dot, minor = python.partition(".")
    if not (sep and dot and platform and major.isdigit() and minor.isdigit()):
        raise ValueError(f"bad target name {name!r}")
    return Target((int(major), int(minor)), platform)


def union(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Spans merged where they overlap or touch, oldest first."""
    out: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start):
        if out:
            last = out[-1]
            if last.end is None:
                break
            if span.start <= last.end:
                end = None if span.end is None else max(span.end, last.end)
                out[-1] = Span(last.start, end)
                continue
        out.append(span)
    return tuple(out)


def package_history(files: ProjectFiles, targets: Sequence[Target], *, since: date = DEFAULT_SINCE,
                    releases: Releases | None = None) -> PackageHistory:
    """Per target, the days on which ``files`` offered a free-threaded wheel, from ``since``.

    ``releases`` is ``Releases(files)`` when the caller has it already (a tracker run
    judges today's status from it: parsed files and today's choices are shared).
    """
    releases = releases or Releases(files)
    targets = tuple(targets)
    segments: list[tuple[date, tuple[bool, ...]]] = []  # (from day, state per target), newest first
    undated = 0
    cutoff: date | None = None  # the first day of a higher-ranked release
    accepting = _Accepting(targets)
    for version in _ranked(releases):
        release = releases.files(version)
        dated, missing = _dated(release)
        undated += missing
        if not dated or (cutoff is not None and dated[0][0] >= cutoff):
            continue  # never the latest on any day
        first = dated[0][0]
        segments.extend(reversed(_reign(releases, version, release, dated, max(first, since),
                                        cutoff, targets, accepting)))
        cutoff = first
        if first <= since:
            break  # the latest on ``since``: older releases never matter again
    segments.reverse()
    return PackageHistory(files.name, tuple(
        TargetHistory(target, spans) for target, spans in zip(targets, _spans(segments, len(targets)))),
        undated, since)


def _ranked(releases: Releases) -> Iterator[Version]:
    """Releases as ``latest()`` ranks them, best first: stable releases newest first, then
    pre-releases newest first. Unparsed: the walk parses only those it reaches."""
    ordered = releases.ordered  # sorted and unparsed (``versions`` would parse them all)
    yield from (v for v in reversed(ordered) if not v.is_prerelease)
    yield from (v for v in reversed(ordered) if v.is_prerelease)


def _day(when: datetime) -> date:
    """The UTC day of an upload time (a naive time is taken as UTC)."""
    if when.tzinfo is not None and when.tzinfo is not _UTC:
        when = when.astimezone(_UTC)
    return when.date()


def _dated(files: list[ParsedFile]) -> tuple[list[tuple[date, ParsedFile]], int]:
    """A release's files with their upload days, oldest first, and how many have none."""
    dated = [(_day(p.file.upload_time), p) for p in files if p.file.upload_time is not None]
    dated.sort(key=lambda item: item[0])
    return dated, len(files) - len(dated)


class _Accepting:
    """Which targets accept a tag (by position in ``targets``), looked up once per tag."""

    def __init__(self, targets: tuple[Target, ...]) -> None:
        self.rankings = [target_tags(t) for t in targets]
        self.found: dict[Tag, tuple[int, ...]] = {}

    def of(self, tag: Tag) -> tuple[int, ...]:
        found = self.found.get(tag)
        if found is None:
            found = self.found[tag] = tuple(k for k, r in enumerate(self.rankings) if tag in r)
        return found


def _reign(releases: Releases, version: Version, release: list[ParsedFile],
           dated: list[tuple[date, ParsedFile]], start: date, cutoff: date | None,
           targets: tuple[Target, ...], accepting: _Accepting) -> list[tuple[date, tuple[bool, ...]]]:
    """The states while ``version`` is the latest (``start`` to ``cutoff``), one per day
    some of its files were uploaded, each judged by ``choose`` on the files uploaded by then.

    A target is judged again only when the day's files bring a candidate tag (one of
    ``ParsedFile.ft_or_none``) that the target accepts: files without one cannot change
    which wheel ``choose`` picks, so they cannot make or unmake an ft-wheel.
    """
    possible = [releases.may_be_ft_wheel(version, t) for t in targets]
    if not any(possible):
        return [(start, (False,) * len(targets))]
    states = [False] * len(targets)  # no files yet: not an ft-wheel anywhere
    out: list[tuple[date, tuple[bool, ...]]] = []
    count = len(dated)
    i = 0
    while i < count:
        day = max(dated[i][0], start)
        if cutoff is not None and day >= cutoff:
            break
        first = i
        while i < count and dated[i][0] <= day:
            i += 1
        touched: set[int] = set()
        for tag in {tag for _, p in dated[first:i] for tag in p.ft_or_none}:
            touched.update(accepting.of(tag))
        subset: FileList | None = None
        for k in sorted(touched):
            if not possible[k]:
                continue
            if i == len(release):  # every file: today's judgement, cached for the status
                choice = releases.choose(version, targets[k])
            else:
                if subset is None:  # its spec groups are kept for all targets
                    subset = FileList(p for _, p in dated[:i])
                choice = choose(subset, targets[k])
            states[k] = choice.verdict is _FT
        out.append((day, tuple(states)))
    return out


def _spans(segments: list[tuple[date, tuple[bool, ...]]], width: int) -> list[tuple[Span, ...]]:
    """Chronological states turned into spans per target."""
    opened: list[date | None] = [None] * width
    found: list[list[Span]] = [[] for _ in range(width)]
    for day, states in segments:
        for i, state in enumerate(states):
            began = opened[i]
            if state and began is None:
                opened[i] = day
            elif not state and began is not None:
                found[i].append(Span(began, day))
                opened[i] = None
    for i, began in enumerate(opened):
        if began is not None:
            found[i].append(Span(began))
    return [tuple(spans) for spans in found]


def _sweep(spans_by_key: Iterable[tuple[str, Iterable[Span]]], keys: Sequence[str], start: date,
           end: date) -> dict[str, list[int]]:
    days = (end - start).days + 1
    if days <= 0:
        return {key: [] for key in keys}
    diffs = {key: [0] * (days + 1) for key in keys}
    for key, spans in spans_by_key:
        diff = diffs.get(key)
        if diff is None:
            continue
        for span in spans:
            a = max((span.start - start).days, 0)
            b = days if span.end is None else min((span.end - start).days, days)
            if a < b:
                diff[a] += 1
                diff[b] -= 1
    return {key: list(accumulate(diff[:days])) for key, diff in diffs.items()}


def daily_counts(histories: Iterable[PackageHistory], targets: Sequence[Target], start: date,
                 end: date) -> dict[str, list[int]]:
    """Per target name, how many packages had a free-threaded wheel on each day from
    ``start`` to ``end`` (both included): a sweep over span ends, not a loop over days."""
    return _sweep(((h.target.name, h.spans) for p in histories for h in p.targets),
                  [t.name for t in targets], start, end)


def daily_python_counts(histories: Iterable[PackageHistory], pythons: Sequence[tuple[int, int]],
                        start: date, end: date) -> dict[str, list[int]]:
    """Per Python (``"3.13t"``), how many packages had a free-threaded wheel for some
    platform on each day from ``start`` to ``end`` (both included)."""
    def key(python: tuple[int, int]) -> str:
        return f"{python[0]}.{python[1]}t"

    return _sweep(((key(py), p.python_spans(py)) for p in histories for py in pythons),
                  [key(py) for py in pythons], start, end)
