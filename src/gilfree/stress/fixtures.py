"""Per-thread fixtures: each (thread, iteration) sets up and tears down its own
function-scoped fixtures, so threads never share an instance by accident.

Wider-scoped fixtures (class, module, package, session) are set up once by pytest
and shared, as their scope says. Directly parametrized values are deep-copied per
thread (shared when they cannot be copied). pytest's own set-up of the item's
function-scoped fixtures is deferred (:func:`defer_setup`) so that nothing is set
up twice.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any, cast

import pytest
from _pytest.compat import NOTSET
from _pytest.fixtures import FixtureDef, call_fixture_func, resolve_fixture_function
from _pytest.python import get_direct_param_fixture_func
from _pytest.stash import Stash

#: Placeholder pytest caches for a deferred fixture; the test never sees it.
DEFERRED = type("Deferred", (), {"__repr__": lambda self: "<set up per thread by gilfree>"})()

_pytest_lock = threading.Lock()


def is_per_thread(fixturedef: FixtureDef[Any], item: pytest.Function) -> bool:
    """Function scope both by definition and by any parametrize(scope=...)."""
    if fixturedef.scope != "function":
        return False
    callspec = getattr(item, "callspec", None)
    scope = callspec._arg2scope.get(fixturedef.argname) if callspec is not None else None
    return scope is None or scope.value == "function"


def defer_setup(fixturedef: FixtureDef[Any], item: pytest.Function, request: Any) -> object | None:
    """pytest_fixture_setup helper: skip pytest's set-up of a per-thread fixture."""
    if not is_per_thread(fixturedef, item):
        return None
    fixturedef.cached_result = (DEFERRED, fixturedef.cache_key(request), None)
    return DEFERRED


def copy_param(value: object) -> object:
    """A private copy of a parametrize value; the shared one if it cannot be copied."""
    try:
        return copy.deepcopy(value)
    except Exception:  # noqa: BLE001 - uncopyable values (locks, modules...) stay shared
        return value


class ThreadFixtures:
    """The fixture values of one (thread, iteration) of one test item."""

    def __init__(self, item: pytest.Function) -> None:
        self.item = item
        self.instance = _fresh_instance(item)
        self.node = ThreadNode(item)
        self._values: dict[tuple[str, int], object] = {}
        self._finalizers: list[Callable[[], object]] = []

    def test_function(self) -> Callable[..., object]:
        """The test, bound to this thread's own class instance when it is a method."""
        function = self.item.obj
        if self.instance is not None and hasattr(function, "__func__"):
            return function.__func__.__get__(self.instance)
        return function

    def test_arguments(self) -> dict[str, object]:
        """Set up every fixture in the closure (autouse and usefixtures too, in pytest's
        order); return those the test function takes."""
        values = {name: self.value(name) for name in self.item.fixturenames}
        return {name: values[name] for name in self.item._fixtureinfo.argnames}

    def value(self, name: str, chain: tuple[str, ...] = ()) -> object:
        """The value of fixture ``name`` as requested from inside fixtures ``chain``."""
        if name == "request":
            return ThreadRequest(self, None, NOTSET, chain)
        fixturedefs = self.item._fixtureinfo.name2fixturedefs.get(name)
        if fixturedefs is None:
            fixturedefs = self.item.session._fixturemanager.getfixturedefs(name, self.item)
        index = -1 - chain.count(name)
        if not fixturedefs or -index > len(fixturedefs):
            with _pytest_lock:  # let pytest raise its own FixtureLookupError
                return self.item._request.getfixturevalue(name)
        key = (name, index)
        if key in self._values:
            return self._values[key]
        fixturedef = fixturedefs[index]
        if is_per_thread(fixturedef, self.item):
            result = self._set_up(fixturedef, chain)
        else:
            result = _shared_value(fixturedef, self.item, name)
        self._values[key] = result
        return result

    def _set_up(self, fixturedef: FixtureDef[Any], chain: tuple[str, ...]) -> object:
        name = fixturedef.argname
        callspec = getattr(self.item, "callspec", None)
        param = callspec.params[name] if callspec is not None and name in callspec.params else NOTSET
        if fixturedef.func is get_direct_param_fixture_func:
            return copy_param(param)
        request = ThreadRequest(self, name, param, chain)
        kwargs = {
            arg: request if arg == "request" else self.value(arg, (*chain, name)) for arg in fixturedef.argnames
        }
        duck = cast(Any, request)  # pytest only uses what ThreadRequest provides
        return call_fixture_func(resolve_fixture_function(fixturedef, duck), duck, kwargs)

    def add_finalizer(self, finalizer: Callable[[], object]) -> None:
        self._finalizers.append(finalizer)

    def teardown(self) -> None:
        """Run finalizers newest first; raise the first error after running them all."""
        errors: list[BaseException] = []
        while self._finalizers:
            try:
                self._finalizers.pop()()
            except BaseException as exc:  # noqa: BLE001 - run every finalizer
                errors.append(exc)
        self._values.clear()
        if errors:
            raise errors[0]


class ThreadRequest:
    """The ``request`` object a per-thread fixture (or the test) receives.

    Answers thread-specific questions itself (param, instance, getfixturevalue,
    addfinalizer) and everything else from the item's real request.
    """

    def __init__(
        self, fixtures: ThreadFixtures, fixturename: str | None, param: object, chain: tuple[str, ...]
    ) -> None:
        self._fixtures = fixtures
        self.fixturename = fixturename
        self._chain = chain if fixturename is None else (*chain, fixturename)
        if param is not NOTSET:
            self.param = param

    @property
    def instance(self) -> object:
        return self._fixtures.instance

    @property
    def node(self) -> object:
        return self._fixtures.node

    @property
    def scope(self) -> str:
        return "function"

    def getfixturevalue(self, argname: str) -> object:
        return self._fixtures.value(argname, self._chain)

    def addfinalizer(self, finalizer: Callable[[], object]) -> None:
        self._fixtures.add_finalizer(finalizer)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fixtures.item._request, name)

    def __repr__(self) -> str:
        return f"<ThreadRequest {self.fixturename or 'test'} for {self._fixtures.item.nodeid}>"


class ThreadNode:
    """The test item as a per-thread fixture sees it: the same, except for a private
    copy of ``stash`` (fixtures such as tmp_path keep per-call state there)."""

    def __init__(self, item: pytest.Item) -> None:
        self._item = item
        self.stash = Stash()
        self.stash._storage.update(item.stash._storage)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._item, name)

    def __repr__(self) -> str:
        return repr(self._item)


def _shared_value(fixturedef: FixtureDef[Any], item: pytest.Function, name: str) -> object:
    cached = fixturedef.cached_result
    if cached is not None and cached[0] is not DEFERRED:
        if cached[2] is not None:
            raise cached[2][0]
        return cached[0]
    with _pytest_lock:  # requested dynamically: pytest sets it up once, for everyone
        return item._request.getfixturevalue(name)


def _fresh_instance(item: pytest.Function) -> object | None:
    """A new instance of the test class for this thread (pytest makes one per item)."""
    instance = getattr(item, "instance", None)
    if instance is None:
        return None
    try:
        return type(instance)()
    except Exception:  # noqa: BLE001 - a class needing arguments: share pytest's instance
        return instance
