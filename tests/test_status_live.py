"""`status` against the real PyPI: facts that stay true when new releases appear."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from gilfree.commands.status import check_packages, parse_request
from gilfree.index.client import IndexClient
from gilfree.index.config import IndexConfig
from gilfree.verdicts.model import Verdict
from gilfree.verdicts.targets import parse_target

pytestmark = pytest.mark.live
LINUX_313 = parse_target("3.13t-manylinux_x86_64")
LINUX_314 = parse_target("3.14t-manylinux_x86_64")


@pytest.fixture(scope="module")
def statuses():
    with tempfile.TemporaryDirectory() as cache, IndexClient(IndexConfig(cache_dir=Path(cache))) as client:
        found = check_packages(client, [parse_request(n) for n in (
            "numpy", "requests", "ruff", "gilfree-no-such-project-3f9c2a", "numpy==2.0.2")],
            [LINUX_313, LINUX_314])
    return {s.requested: s for s in found}


def test_numpy_first_cp313t_release_is_2_1_0(statuses) -> None:
    numpy = statuses["numpy"]
    assert numpy.for_target(LINUX_313).first_ft_version == "2.1.0"
    assert numpy.for_target(LINUX_314).verdict is Verdict.FT_WHEEL  # numpy keeps shipping 3.14t
    assert numpy.pure is False and numpy.summary  # metadata was read


def test_old_numpy_pin_is_blocked_but_names_the_fix(statuses) -> None:
    old = statuses["numpy==2.0.2"].for_target(LINUX_313)
    assert old.verdict is Verdict.NO_FT_WHEEL and old.first_ft_version == "2.1.0"


def test_pure_binary_and_missing(statuses) -> None:
    assert statuses["requests"].for_target(LINUX_314).verdict is Verdict.PURE
    assert statuses["requests"].pure is True
    assert statuses["ruff"].for_target(LINUX_314).verdict is Verdict.BINARY
    assert statuses["gilfree-no-such-project-3f9c2a"].for_target(LINUX_314).verdict is Verdict.MISSING
