"""inputs layer: read what a project depends on from the files users already have.

One module per format (``requirements``, ``pyproject``, ``uvlock``, ``poetrylock``,
``pylock``, ``environment``); ``detect.load_input`` picks one from a path. Every reader
returns a ``ProjectInput``: requirements still to resolve, or a locked dependency graph,
plus the entries we cannot check (URLs, VCS, local paths) with the reason.
"""

from .detect import INPUT_KINDS, detect_kind, load_input
from .model import InputRequirement, LockEdge, LockedPackage, LockGraph, ProjectInput, Unchecked

__all__ = [
    "INPUT_KINDS", "InputRequirement", "LockEdge", "LockGraph", "LockedPackage",
    "ProjectInput", "Unchecked", "detect_kind", "load_input",
]
