"""The CLI raises the collector's first threshold (bulk JSON parsing) and keeps it on."""

from __future__ import annotations

import gc

from gilfree.gcpolicy import THRESHOLD, tune_for_bulk_parsing


def test_threshold_raised_and_collector_still_enabled() -> None:
    before = gc.get_threshold()
    try:
        tune_for_bulk_parsing()
        assert gc.get_threshold()[0] == THRESHOLD and gc.isenabled()
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
