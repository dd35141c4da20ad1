"""A reusable barrier that releases its parties as close together as possible, so
their work truly overlaps.

While there are at least as many CPUs as parties, waiters spin on a generation
counter: the last arrival releases everyone within microseconds, where
``threading.Barrier`` wakes waiters one by one through a condition variable. With
more parties than CPUs spinning would starve the threads still on their way, so
waiters spin only briefly before they block.
"""

from __future__ import annotations

import threading

from .config import available_cpus

_SPINS = 20_000
_SPINS_OVERSUBSCRIBED = 50


class BarrierAborted(Exception):
    """The barrier was aborted (deadline passed or a party cannot come)."""


class SpinBarrier:
    def __init__(self, parties: int) -> None:
        if parties < 1:
            raise ValueError("a barrier needs at least one party")
        self._parties = parties
        self._cond = threading.Condition(threading.Lock())
        self._waiting = 0
        self._generation = 0
        self._aborted = False
        self._spins = _SPINS if parties <= available_cpus() else _SPINS_OVERSUBSCRIBED

    def wait(self) -> None:
        with self._cond:
            if self._aborted:
                raise BarrierAborted
            generation = self._generation
            self._waiting += 1
            if self._waiting == self._parties:
                self._waiting = 0
                self._generation += 1
                self._cond.notify_all()
                return
        for _ in range(self._spins):
            if self._generation != generation:
                return
        with self._cond:
            while self._generation == generation:
                if self._aborted:
                    raise BarrierAborted
                self._cond.wait(0.05)

    def abort(self) -> None:
        with self._cond:
            self._aborted = True
            self._cond.notify_all()
