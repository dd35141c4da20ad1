"""Why pip failed, in pip's own words, on one line (for audit and test reports).

pip reports in two shapes: its own ``ERROR:`` lines (resolution, downloads), and, when a
build step fails, a boxed ``× <step> did not run successfully`` headline over the
backend's output, followed by a generic "note: This error originates from a subprocess"
that says nothing about the cause. The reason is the step and the backend's first
``error:`` line; the last line of stderr would be that note.
"""

from __future__ import annotations

import re

_VERSIONS_SEEN = re.compile(r"\(from versions: ([^)]*)\)")
_BOX = "│╰─>×╭┃ \t"  # the frame pip draws around a subprocess's output
_WRAPPER = re.compile(r"^ERROR: Failed to build .* when ")


def pip_failure_reason(stderr: str) -> str:
    """pip's own ERROR lines (deduplicated), a failed build step with its cause, or pip's
    last meaningful words; never a guess."""
    # pip 26 closes a failed build step with "ERROR: Failed to build '…' when <step>":
    # a wrapper that names no cause; the boxed step below it has one
    errors = [line[len("ERROR:"):].strip() for line in stderr.splitlines()
              if line.startswith("ERROR:") and not _WRAPPER.match(line)]
    if any(e.startswith("No matching distribution found") for e in errors):
        # pip says it twice; keep the short form and the versions it saw
        seen = [m.group(1) for e in errors if (m := _VERSIONS_SEEN.search(e))]
        errors = [e + (f" (versions seen: {seen[0]})" if seen else "") for e in errors
                  if not e.startswith("Could not find a version that satisfies")]
    reason = "; ".join(dict.fromkeys(e for e in errors if e))
    if reason:
        return reason
    return _failed_step(stderr) or _last_words(stderr)


def _failed_step(stderr: str) -> str | None:
    """``<step>: <the backend's first error line>`` from pip's boxed subprocess report."""
    lines = [line.strip(_BOX) for line in stderr.splitlines()]
    step = next((line for line in lines if line.endswith("did not run successfully.")), None)
    if step is None:
        return None
    causes = [line for line in lines[lines.index(step):] if line.lower().startswith("error:")
              and "subprocess-exited-with-error" not in line and not _WRAPPER.match(line)]
    # a nested pip (build dependencies) says "Could not find…" then "No matching…": keep the latter
    cause = next((c for c in causes if "No matching distribution found" in c), causes[0] if causes else None)
    step = step.removesuffix(".")
    return f"{step}: {cause[len('error:'):].strip()}" if cause else step


def _last_words(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    meaningful = [line for line in lines if not line.startswith(("note:", "hint:", "╰─>"))]
    return (meaningful or lines or ["pip failed without a message"])[-1]
