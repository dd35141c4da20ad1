"""The command line: one subcommand's modules per run, every command in --help."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gilfree.cli import COMMANDS, main

PROBE = """
import sys
from gilfree.cli import main
try:
    main(["status", "--help"])
except SystemExit:
    pass
print(sorted(m for m in sys.modules if m.startswith("gilfree.cli.")))
"""


def test_a_run_imports_only_its_own_command() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "['gilfree.cli.common', 'gilfree.cli.render', 'gilfree.cli.status']"


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)
    with pytest.raises(SystemExit) as bad:
        main(["no-such-command"])
    assert bad.value.code == 2 and "invalid choice" in capsys.readouterr().err
