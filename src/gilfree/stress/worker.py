"""Worker side of ``--ft-isolate``: run the given tests in order and stream each
report to the controller, one JSON line per event, over an inherited pipe."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

#: Environment variable naming the file of node ids to run (a path on the command line
#: would take part in pytest's rootdir guess).
ITEMS_ENV = "GILFREE_WORKER_ITEMS"


class WorkerPlugin:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self._channel = os.fdopen(config.option.ft_worker_channel, "w", buffering=1, encoding="utf-8")
        items_file = os.environ.get(ITEMS_ENV)
        self._wanted = Path(items_file).read_text(encoding="utf-8").splitlines() if items_file else None

    def _send(self, message: dict[str, Any]) -> None:
        self._channel.write(json.dumps(message) + "\n")
        self._channel.flush()

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        if self._wanted is None:
            return
        by_id = {item.nodeid: item for item in items}
        selected = [by_id[nodeid] for nodeid in self._wanted if nodeid in by_id]
        keep = {id(item) for item in selected}
        config.hook.pytest_deselected(items=[item for item in items if id(item) not in keep])
        items[:] = selected

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        # where this test's stderr (faulthandler's crash report) will start: told by the
        # worker, because the controller may read this message only after a crash
        sys.stderr.flush()
        try:
            offset: int | None = os.lseek(2, 0, os.SEEK_CUR)
        except OSError:
            offset = None
        self._send({"kind": "start", "nodeid": nodeid, "stderr_offset": offset})

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = self.config.hook.pytest_report_to_serializable(config=self.config, report=report)
        self._send({"kind": "report", "report": data})

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        self._send({"kind": "finish", "nodeid": nodeid})

    def pytest_unconfigure(self) -> None:
        self._send({"kind": "done"})
        self._channel.close()
