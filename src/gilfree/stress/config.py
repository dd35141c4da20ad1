"""Stress parameters from the command line, and everything derived from the seed.

One seed fixes every random choice (per-test switch intervals), so ``--ft-seed S``
repeats a run's parameters; the header prints it.
"""

from __future__ import annotations

import math
import os
import random
import secrets
from dataclasses import dataclass

#: sys.setswitchinterval is drawn log-uniformly from this range for each test.
SWITCH_INTERVAL_RANGE = (1e-6, 1e-3)


def parse_threads(value: str) -> int | str:
    """argparse type for --ft-threads: a positive int or 'auto'."""
    if value == "auto":
        return value
    number = int(value)
    if number < 1:
        raise ValueError("must be at least 1")
    return number


def available_cpus() -> int:
    counter = getattr(os, "process_cpu_count", None)
    count = counter() if counter is not None else None
    if count is None and hasattr(os, "sched_getaffinity"):
        count = len(os.sched_getaffinity(0))
    return count or os.cpu_count() or 1


def resolve_threads(value: int | str) -> int:
    """'auto' is the usable CPUs, but at least 2: one thread cannot race."""
    if value == "auto":
        return max(2, available_cpus())
    return int(value)


@dataclass(frozen=True)
class StressConfig:
    threads: int
    iterations: int
    seed: int
    timeout: float | None
    duration: float | None  # None: one round; math.inf: --ft-forever
    report: str | None
    isolate: bool
    report_kept: bool = True  # False: `gilfree test` reads the report, then deletes it

    @classmethod
    def from_options(cls, option: object) -> StressConfig:
        """Build from pytest's ``config.option`` namespace."""
        seed = getattr(option, "ft_seed", None)
        duration = math.inf if getattr(option, "ft_forever", False) else getattr(option, "ft_duration", None)
        timeout = getattr(option, "ft_timeout", 60.0)
        return cls(
            threads=resolve_threads(getattr(option, "ft_threads", None) or "auto"),
            iterations=getattr(option, "ft_iterations", None) or 10,
            seed=seed if seed is not None else secrets.randbelow(2**31),
            timeout=timeout if timeout and timeout > 0 else None,
            duration=duration,
            report=getattr(option, "ft_report", None),
            isolate=bool(getattr(option, "ft_isolate", False)),
            report_kept=not getattr(option, "ft_report_temporary", False),
        )

    def rng(self, nodeid: str, round_index: int = 0) -> random.Random:
        """The random stream of one test in one round: independent of test order."""
        return random.Random(f"{self.seed}:{round_index}:{nodeid}")

    def switch_interval(self, nodeid: str, round_index: int = 0) -> float:
        low, high = SWITCH_INTERVAL_RANGE
        draw = self.rng(nodeid, round_index).uniform(math.log(low), math.log(high))
        return math.exp(draw)

    def describe(self) -> str:
        timeout = f"{self.timeout:g}s" if self.timeout else "none"
        low, high = SWITCH_INTERVAL_RANGE
        text = (
            f"threads={self.threads} iterations={self.iterations} seed={self.seed} "
            f"timeout={timeout} switchinterval∈[{low:g}, {high:g}]s"
        )
        if self.duration == math.inf:
            text += " rounds=until a failure"
        elif self.duration:
            text += f" rounds=for {self.duration:g}s"
        if self.isolate:
            text += " isolate=yes"
        return text
