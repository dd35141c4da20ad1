"""A reusable barrier that releases its parties as close together as possible, so
their work truly overlaps.

Waiters spin on a generation counter instead of sleeping on a condition variable
(``threading.Barrier`` wakes sleepers one by one, staggering them by whole scheduler
slices). With at least as many CPUs as parties and no GIL they spin flat out; with
more parties than CPUs, or with a GIL, each spin yields the CPU so the threads still
on their way can arrive. A waiter that has spun long enough blocks, so a slow party
costs no CPU.
"""

from __future__ import annotations

import threading
import time

from .config import available_cpus
from .gil import gil_enabled

#: Spins before blocking: ~ms when spinning flat out, ~tens of µs–ms when yielding.
_SPINS = 20_000
_SPINS_YIELDING = 200


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
        self._yield = parties > available_cpus() or gil_enabled()
        self._spins = _SPINS_YIELDING if self._yield else _SPINS

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
            if self._yield:
                time.sleep(0)
        with self._cond:
            while self._generation == generation:
                if self._aborted:
                    raise BarrierAborted
                self._cond.wait(0.05)

    def abort(self) -> None:
        with self._cond:
            self._aborted = True
            self._cond.notify_all()
