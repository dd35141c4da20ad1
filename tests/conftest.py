"""Shared fixtures. Each layer keeps its fixtures in its own delimited section."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# --- free-threaded interpreter (lead) ---------------------------------------------------


@pytest.fixture(scope="session")
def ft_python() -> Path:
    """A free-threaded interpreter; missing is a failure when FTREADY_REQUIRE_FT=1 (CI)."""
    from ftready.errors import InterpreterError
    from ftready.runtime.bootstrap import find_ft_python

    try:
        return find_ft_python(build=False)
    except InterpreterError as exc:
        if os.environ.get("FTREADY_REQUIRE_FT") == "1":
            pytest.fail(f"free-threaded Python required: {exc}")
        pytest.skip(f"no free-threaded Python here: {exc}")
