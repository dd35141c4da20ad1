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

from ..errors import BadInput, first_line
from .direct import VCS_SCHEMES, direct_reason
from .model import InputRequirement, ProjectInput, Unchecked

_COMMENT = re.compile(r"(^|\s+)#.*$")
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


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield (first line number, line) as pip joins them: ``\\`` continues a line unless
    the line is a comment; `` #`` comments are dropped; ``${VAR}`` is expanded."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.endswith("\\") and not _COMMENT.match(raw):
            if not pending:
                start = number
            pending.append(raw[:-1])
            continue
        if pending:
            pending.append(" " + raw if _COMMENT.match(raw) else raw)
            yield from _clean(start, "".join(pending))
            pending = []
        else:
            yield from _clean(number, raw)
    if pending:
        yield from _clean(start, "".join(pending))


def _clean(number: int, line: str) -> Iterator[tuple[int, str]]:
    line = _COMMENT.sub("", line).strip()
    if line:
        yield number, _ENV_VAR.sub(lambda m: os.environ.get(m[1], m[0]), line)


def _split_options(line: str) -> str:
    """pip's break_args_options: the requirement part, before per-line options (--hash)."""
    tokens = line.split(" ")
    for i, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(tokens[:i]).strip()
    return line


_NESTED_RE = re.compile(r"^(--requirement|--constraint|--editable|-r|-c|-e)(?:\s*=\s*|\s+|(?=\S)|$)(.*)$")


_PEP508_URL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@")


def _looks_direct(text: str) -> bool:
    """A bare URL, VCS reference, archive or path (PEP 508 ``name @ url`` is parsed instead)."""
    head = text.split(";", 1)[0].strip()
    if _PEP508_URL.match(head):
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
        self._stack: list[Path] = []

    def read(self, path: Path, kind: str = "requirement", origin: tuple[Path, int] | None = None) -> None:
        resolved = path.resolve()
        if resolved in self._stack or (str(resolved), kind) in self._seen:
            return  # a cycle or a file included twice: pip reads it once
        self._seen.add((str(resolved), kind))
        try:
            data = path.read_bytes()
        except OSError as exc:
            where, line = origin if origin else (path, None)
            raise BadInput(f"cannot read {path}: {exc.strerror or exc}", path=str(where), line=line) from None
        self._stack.append(resolved)
        try:
            for number, line in logical_lines(_decode(path, data)):
                self._line(path, number, line, kind)
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
            raise BadInput(f"invalid requirement {text!r}: {message}", path=str(path), line=number) from None
        if req.url:
            self.unchecked.append(Unchecked(text, direct_reason(req.url), origin))
            return
        target = self.requirements if kind == "requirement" else self.constraints
        if all(str(e.requirement) != str(req) for e in target):
            target.append(InputRequirement(req, origin))


def read_requirements(path: Path) -> ProjectInput:
    """Read a requirements file (and what it includes) into requirements to resolve."""
    reader = _Reader()
    reader.read(path)
    return ProjectInput(path=str(path), kind="requirements", name=path.name,
                        requirements=tuple(reader.requirements),
                        constraints=tuple(reader.constraints),
                        unchecked=tuple(reader.unchecked))
