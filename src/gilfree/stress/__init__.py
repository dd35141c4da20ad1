"""Thread-stress testing: a pytest plugin (``--ft-threads``) and :func:`run_threaded`.

Kept import-light: pytest imports ``gilfree.stress.plugin`` (and so this package) in
every run of every project that has gilfree installed.
"""

from __future__ import annotations

from .api import ThreadedFailure, run_threaded
from .context import current
from .outcome import DistinctError, Outcome

__all__ = ["DistinctError", "Outcome", "ThreadedFailure", "current", "run_threaded"]
