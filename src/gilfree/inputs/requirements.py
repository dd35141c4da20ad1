"""``requirements*.txt`` in pip's format: nested ``-r``/``-c``, options, hashes, markers.

pip's own parser is not a public API, so the line grammar is read here the way pip reads
it (continuations, `` #`` comments, ``${VAR}``, per-line options) and each requirement is
parsed by ``packaging``. URL, VCS, editable and local-path lines are kept as "not checked".
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterator
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from ..errors import BadInput, clip, first_line
from ..fsutil import read_bytes, shown_path
from .direct import VCS_SCHEMES, direct_reason
from .model import InputRequirement, ProjectInput, Unchecked

#: How deep ``-r``/``-c`` files may include each other (pip has no bound; a chain this
#: long is a generated attack, not a project).
MAX_NESTING = 100
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_NESTED = {"-r": "requirement", "--requirement": "requirement",
           "-c": "constraint", "--constraint": "constraint"}
_EDITABLE = ("-e", "--editable")
_KNOWN_OPTIONS = {
    "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--no-index",
    "--no-binary", "--only-binary", "--prefer-binary", "--pre", "--trusted-host",
    "--require-hashes", "--use-feature", "--hash", "--config-settings", "--global-option",
    "--install-option", "--no-deps",
}
_ARCHIVE_SUFFIXES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")


def _decode(path: Path, data: bytes) -> str:
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), "utf-8")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise BadInput("not UTF-8 text", path=str(path), line=data[: exc.start].count(b"\n") + 1) from None


def is_comment(line: str) -> bool:
    """pip's ``(^|\\s+)#`` matched at the start: the line is only a comment."""
    return line.lstrip().startswith("#")


def strip_comment(line: str) -> str:
    """``line`` without its comment, as pip's ``re.sub(r"(^|\\s+)#.*$", "", line)`` (a ``#``
    at the start or after whitespace begins one), in linear time: that regular expression
    tries every whitespace run from every start, quadratic on a line of spaces."""
    at = line.find("#")
    while at > 0 and not line[at - 1].isspace():
        at = line.find("#", at + 1)
    return line if at < 0 else line[:at].rstrip()


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield (first line number, line) as pip joins them: ``\\`` continues a line unless
    the line is a comment; `` #`` comments are dropped; ``${VAR}`` is expanded."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.endswith("\\") and not is_comment(raw):
            if not pending:
                start = number
            pending.append(raw[:-1])
            continue
        if pending:
            pending.append(" " + raw if is_comment(raw) else raw)
            yield from _clean(start, "".join(pending))
            pending = []
        else:
            yield from _clean(number, raw)
    if pending:
        yield from _clean(start, "".join(pending))


def _clean(number: int, line: str) -> Iterator[tuple[int, str]]:
    line = strip_comment(line).strip()
    if line:
        yield number, _ENV_VAR.sub(lambda m: os.environ.get(m[1], m[0]), line) if "${" in line else line


def _split_options(line: str) -> str:
    """pip's break_args_options: the requirement part, before per-line options (--hash)."""
    tokens = line.split(" ")
    for i, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(tokens[:i]).strip()
    return line


_NESTED_RE = re.compile(r"^(--requirement|--constraint|--editable|-r|-c|-e)(?:\s*=\s*|\s+|(?=\S)|$)(.*)$")


_NAME_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def pep508_url(head: str) -> bool:
    """Whether ``head`` is ``name [extras] @ ...`` (a PEP 508 URL requirement): the
    regular expression ``name\\s*(\\[[^\\]]*\\])?\\s*@`` backtracks quadratically over a
    run of spaces (its two ``\\s*`` around an optional group), so it is matched by hand."""
    name = _NAME_PREFIX.match(head)
    if name is None:
        return False
    rest = head[name.end():].lstrip()
    if rest.startswith("["):
        close = rest.find("]")
        if close < 0:
            return False
        rest = rest[close + 1:].lstrip()
    return rest.startswith("@")


def _looks_direct(text: str) -> bool:
    """A bare URL, VCS reference, archive or path (PEP 508 ``name @ url`` is parsed instead)."""
    head = text.split(";", 1)[0].strip()
    if pep508_url(head):
        return False
    return (head.startswith(VCS_SCHEMES) or "://" in head or head.startswith((".", "/", "~", "file:"))
            or head.endswith(_ARCHIVE_SUFFIXES) or "/" in head or "\\" in head)


class _Reader:
    """Walks one requirements file and its nested ``-r``/``-c`` files."""

    def __init__(self) -> None:
        self.requirements: list[InputRequirement] = []
        self.constraints: list[InputRequirement] = []
        self.unchecked: list[Unchecked] = []
        self._seen: set[tuple[str, str]] = set()
        self._stack: list[str] = []
        self._known = {"requirement": set(), "constraint": set()}  # str(req) already kept

    def read(self, path: Path, kind: str = "requirement", origin: tuple[Path, int] | None = None) -> None:
        where, line = (str(origin[0]), origin[1]) if origin else (None, None)
        text = str(path)
        if "\0" in text:
            raise BadInput(f"requirements file name contains a NUL byte: {shown_path(text)}",
                           path=where or shown_path(text), line=line)
        if len(self._stack) >= MAX_NESTING:
            raise BadInput(f"-r/-c files nested more than {MAX_NESTING} deep (at {shown_path(text)})",
                           path=where, line=line)
        resolved = os.path.realpath(text)  # never raises: a symlink loop fails in read_bytes
        if resolved in self._stack or (resolved, kind) in self._seen:
            return  # a cycle or a file included twice: pip reads it once
        self._seen.add((resolved, kind))
        try:
            data = read_bytes(text)
        except BadInput as exc:
            if where is None:
                raise
            problem = exc.problem.removeprefix("cannot read: ")
            raise BadInput(f"cannot read {shown_path(text)}: {problem}", path=where, line=line) from None
        self._stack.append(resolved)
        try:
            for number, logical in logical_lines(_decode(path, data)):
                self._line(path, number, logical, kind)
        finally:
            self._stack.pop()

    def _line(self, path: Path, number: int, line: str, kind: str) -> None:
        origin = f"{path}:{number}"
        if line.startswith("-"):
            nested = _NESTED_RE.match(line)
            if nested is None:
                option = line.split()[0].split("=", 1)[0]
                if option not in _KNOWN_OPTIONS and option[:2] not in ("-i", "-f"):
                    raise BadInput(f"unknown option {option}", path=str(path), line=number)
                return  # index and build options: the resolver uses ours
            option, value = nested[1], nested[2].strip()
            if not value:
                raise BadInput(f"{option} needs a value", path=str(path), line=number)
            if option in _EDITABLE:
                self.unchecked.append(Unchecked(value, "editable install: your own code, not on the index", origin))
            elif "://" in value:
                self.unchecked.append(Unchecked(line, "remote requirements file: not read", origin))
            else:
                self.read(path.parent / value.split()[0], _NESTED[option], (path, number))
            return
        text = _split_options(line)
        if not text:
            return
        if _looks_direct(text):
            self.unchecked.append(Unchecked(text, direct_reason(text), origin))
            return
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            message = first_line(exc)
            raise BadInput(f"invalid requirement {clip(text)!r}: {message}", path=str(path), line=number) from None
        if req.url:
            self.unchecked.append(Unchecked(text, direct_reason(req.url), origin))
            return
        target = self.requirements if kind == "requirement" else self.constraints
        known = self._known[kind]
        if str(req) not in known:  # a set: a list scan made big files quadratic
            known.add(str(req))
            target.append(InputRequirement(req, origin))


def read_requirements(path: Path) -> ProjectInput:
    """Read a requirements file (and what it includes) into requirements to resolve."""
    reader = _Reader()
    reader.read(path)
    return ProjectInput(path=str(path), kind="requirements", name=path.name,
                        requirements=tuple(reader.requirements),
                        constraints=tuple(reader.constraints),
                        unchecked=tuple(reader.unchecked))
