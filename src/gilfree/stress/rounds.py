"""Repeat the selected tests in rounds (``--ft-duration`` / ``--ft-forever``) until one
fails or the time is up; each round draws new switch intervals from the same seed."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .session import StressPlugin


def run_rounds(session: pytest.Session, plugin: StressPlugin) -> int:
    """Run rounds; return how many ran."""
    settings = plugin.settings
    deadline = time.monotonic() + settings.duration if settings.duration else None
    terminal = session.config.pluginmanager.get_plugin("terminalreporter")
    round_index = 0
    while True:
        plugin.round = round_index
        if round_index and terminal is not None:
            terminal.write_sep("-", f"gilfree round {round_index + 1} (seed {settings.seed})")
        if settings.isolate:
            from .isolate import run_isolated

            run_isolated(session, session.items, round_index, settings.timeout)
        else:
            run_in_process(session, session.items)
        round_index += 1
        if session.testsfailed or deadline is None or time.monotonic() >= deadline:
            return round_index


def run_in_process(session: pytest.Session, items: list[pytest.Item]) -> None:
    """pytest's own loop, with the same stop rules."""
    for index, item in enumerate(items):
        nextitem = items[index + 1] if index + 1 < len(items) else None
        item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
        if session.shouldfail:
            raise session.Failed(session.shouldfail)
        if session.shouldstop:
            raise session.Interrupted(session.shouldstop)
