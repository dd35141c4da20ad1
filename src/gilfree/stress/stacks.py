"""Stack dumps of live threads, identical stacks shown once with a count."""

from __future__ import annotations

import sys
import threading
import traceback
from collections import Counter
from pathlib import Path

#: Frames of the thread machinery (threading.py, this package) say nothing about the hang.
_HIDDEN = (threading.__file__, str(Path(__file__).resolve().parent))


def _format(frame: object) -> str:
    summary = traceback.extract_stack(frame)  # type: ignore[arg-type]
    shown = [entry for entry in summary if not entry.filename.startswith(_HIDDEN)]
    return "".join(traceback.format_list(shown or summary))


def dump_threads(threads: list[threading.Thread]) -> str:
    """Where each of ``threads`` is stuck right now, grouped by identical stack."""
    frames = sys._current_frames()
    stacks: Counter[str] = Counter()
    names: dict[str, list[str]] = {}
    for thread in threads:
        frame = frames.get(thread.ident) if thread.ident is not None else None
        text = _format(frame) if frame is not None else "  (no frame: thread is in native code or exiting)\n"
        stacks[text] += 1
        names.setdefault(text, []).append(thread.name)
    parts = []
    for text, count in stacks.most_common():
        who = ", ".join(names[text][:8]) + (" ..." if len(names[text]) > 8 else "")
        parts.append(f"{count} thread(s) [{who}] stuck at (most recent call last):\n{text}")
    return "\n".join(parts)
