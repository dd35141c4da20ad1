"""pip's reason for a failure, on one line, from the shapes of stderr pip really prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gilfree.runtime.pipfailure import pip_failure_reason

# pip 24-25 when the build backend fails (captured from `pip install .` on a flat layout)
BUILD_FAILED = """\
  error: subprocess-exited-with-error

  × Getting requirements to build wheel did not run successfully.
  │ exit code: 1
  ╰─> [14 lines of output]
      error: Multiple top-level modules discovered in a flat-layout: ['a', 'b'].
      To avoid accidental inclusion of unwanted files or directories,
      setuptools will not proceed with this build.
      [end of output]

  note: This error originates from a subprocess, and is likely not a problem with pip.
error: subprocess-exited-with-error

× Getting requirements to build wheel did not run successfully.
│ exit code: 1
╰─> See above for output.

note: This error originates from a subprocess, and is likely not a problem with pip.
"""


def test_pips_own_error_lines_deduplicated() -> None:
    stderr = ("Looking in links: /x\nERROR: Could not find a version that satisfies the requirement nope "
              "(from versions: 1.0, 2.0)\nERROR: No matching distribution found for nope\n")
    assert pip_failure_reason(stderr) == "No matching distribution found for nope (versions seen: 1.0, 2.0)"


def test_a_failed_build_step_names_the_step_and_the_backends_error() -> None:
    assert pip_failure_reason(BUILD_FAILED) == (
        "Getting requirements to build wheel did not run successfully: "
        "Multiple top-level modules discovered in a flat-layout: ['a', 'b'].")


def test_never_the_generic_note() -> None:
    assert pip_failure_reason("boom: disk full\n\nnote: This error originates from a subprocess\n") == \
        "boom: disk full"
    assert pip_failure_reason("") == "pip failed without a message"


def test_a_real_pip_failing_to_get_build_dependencies(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "broken"\nversion = "0.1"\n'
                                             '[build-system]\nrequires = ["gilfree-no-such-backend-3f9c2a"]\n'
                                             'build-backend = "nothing"\n')
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--no-input", "--disable-pip-version-check",
                             "--no-index", "--find-links", str(tmp_path), str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    reason = pip_failure_reason(result.stderr)
    assert "gilfree-no-such-backend-3f9c2a" in reason and "\n" not in reason
    assert "originates from a subprocess" not in reason
