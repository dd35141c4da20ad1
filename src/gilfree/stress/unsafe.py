"""Which tests must not run in threads, decided before they run, and why.

Three sources: markers (ours and pytest-run-parallel's, so projects can switch),
fixtures known to patch process-wide state (ini ``ft_unsafe_fixtures`` adds more),
and calls to known thread-unsafe functions found in the test's bytecode (ini
``ft_unsafe_functions`` adds more; names are resolved to objects, so aliases count).
"""

from __future__ import annotations

import builtins
import importlib
import sys
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pytest

DEFAULT_UNSAFE_FIXTURES = (
    "monkeypatch",
    "capsys",
    "capsysbinary",
    "capteesys",
    "capfd",
    "capfdbinary",
    "caplog",
    "recwarn",
    "tmpdir_factory",
    "pytester",
    "testdir",
)

#: Warnings state is process-wide before 3.14's context-aware warnings.
_CONTEXT_WARNINGS = bool(getattr(sys.flags, "context_aware_warnings", 0))

DEFAULT_UNSAFE_FUNCTIONS = (
    *(() if _CONTEXT_WARNINGS else ("pytest.warns", "pytest.deprecated_call", "warnings.catch_warnings")),
    "unittest.mock.patch",
    "unittest.mock.patch.object",
    "unittest.mock.patch.dict",
    "unittest.mock.patch.multiple",
    "sys.settrace",
    "sys.setprofile",
    "os.chdir",
    "gc.collect",
)

#: How deep to follow calls into plain Python functions of the test's module.
_CALL_DEPTH = 2


@dataclass(frozen=True)
class Decision:
    """How a test runs: ``threads`` > 1 in parallel, or 1 with the reason."""

    threads: int
    reason: str | None = None

    @property
    def parallel(self) -> bool:
        return self.threads > 1


class UnsafeRules:
    def __init__(self, fixtures: Iterable[str], functions: Iterable[str]) -> None:
        self.fixtures = frozenset(fixtures)
        self.functions = _resolve_functions(functions)

    @classmethod
    def from_config(cls, config: pytest.Config) -> UnsafeRules:
        return cls(
            (*DEFAULT_UNSAFE_FIXTURES, *config.getini("ft_unsafe_fixtures")),
            (*DEFAULT_UNSAFE_FUNCTIONS, *config.getini("ft_unsafe_functions")),
        )

    def decide(self, item: pytest.Item, threads: int) -> Decision:
        """The static decision for ``item`` when the run asks for ``threads`` threads."""
        if not isinstance(item, pytest.Function) or type(item) is not pytest.Function:
            return Decision(1, f"not a plain test function ({type(item).__name__})")
        for name in ("ft_thread_unsafe", "thread_unsafe"):
            marker = item.get_closest_marker(name)
            if marker is not None:
                detail = marker.kwargs.get("reason") or (marker.args[0] if marker.args else None)
                return Decision(1, f"marked {name}" + (f": {detail}" if detail else ""))
        marker = item.get_closest_marker("parallel_threads")
        if marker is not None and marker.args:
            wanted = marker.args[0]
            threads = threads if wanted == "auto" else int(wanted)
            if threads <= 1:
                return Decision(1, "marked parallel_threads(1)")
        used = sorted(self.fixtures.intersection(item.fixturenames))
        if used:
            return Decision(1, f"uses thread-unsafe fixture(s): {', '.join(used)}")
        if getattr(item.obj, "patchings", None):
            return Decision(1, "decorated with unittest.mock.patch")
        if hasattr(item.obj, "hypothesis"):
            return Decision(1, "a hypothesis test (its engine keeps per-test global state)")
        called = self._unsafe_call(item.obj)
        if called:
            return Decision(1, f"calls thread-unsafe function {called}")
        return Decision(threads)

    def _unsafe_call(self, function: object) -> str | None:
        if not self.functions:
            return None
        for obj in _called_objects(function, _CALL_DEPTH, set()):
            name = self.functions.get(id(obj))
            if name is not None:
                return name
        return None


def _resolve_functions(names: Iterable[str]) -> dict[int, str]:
    """``{id(object): dotted name}`` for each importable name; unknown names are ignored."""
    resolved: dict[int, str] = {}
    for name in names:
        obj = _import_dotted(name)
        if obj is not None:
            resolved[id(obj)] = name
    return resolved


def _import_dotted(name: str) -> object | None:
    parts = name.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        try:
            for attr in parts[split:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def _called_objects(function: object, depth: int, seen: set[int]) -> Iterator[object]:
    """Objects that ``function``'s code (and its same-module callees' code) can reach
    as ``name``, ``name.attr`` or ``name.attr.attr`` from the names it uses.

    Works on ``co_names`` rather than disassembly: a superset of the real attribute
    chains, but cheap enough to run on every collected test.
    """
    function = getattr(function, "__func__", function)
    code = getattr(function, "__code__", None)
    if code is None or id(code) in seen:
        return
    seen.add(id(code))
    namespace = getattr(function, "__globals__", {})
    names = _code_names(code)
    for name in names:
        obj = namespace.get(name, getattr(builtins, name, None))
        if obj is None:
            continue
        yield obj
        if isinstance(obj, (types.ModuleType, type)):
            for attr in names:
                inner = _safe_getattr(obj, attr)
                if inner is not None:
                    yield inner
                    if isinstance(inner, (types.ModuleType, type, types.FunctionType)):
                        for attr2 in names:
                            deeper = _safe_getattr(inner, attr2)
                            if deeper is not None:
                                yield deeper
        same_module = getattr(obj, "__module__", None) == getattr(function, "__module__", None)
        if depth > 0 and isinstance(obj, types.FunctionType) and same_module:
            yield from _called_objects(obj, depth - 1, seen)


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names) | set(code.co_freevars)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _safe_getattr(obj: object, name: str) -> object | None:
    try:
        return getattr(obj, name, None)
    except Exception:  # noqa: BLE001 - lazy module attributes may raise anything
        return None
