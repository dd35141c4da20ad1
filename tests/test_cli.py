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


# --- signals: one line, never a traceback (real runs at random moments: test_signals.py) ---


def test_the_entry_module_imports_nothing_before_main() -> None:
    """The console script imports gilfree.cli before main() can set any handler."""
    probe = ("import sys; before = set(sys.modules); import gilfree.cli; "
             "print(sorted(set(sys.modules) - before))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['gilfree', 'gilfree.cli']"


def test_main_in_process_puts_the_handlers_back() -> None:
    import signal

    before = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM), sys.unraisablehook)
    with pytest.raises(SystemExit):
        main(["status", "--help"])
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM), sys.unraisablehook) == before


def _fake_command(monkeypatch: pytest.MonkeyPatch, func) -> None:
    """A `boom` subcommand that runs ``func`` (registered like the real ones)."""
    import types

    import gilfree.cli as cli

    module = types.ModuleType("gilfree.cli.boom")
    module.register = lambda sub: sub.add_parser("boom").set_defaults(func=func)
    monkeypatch.setitem(sys.modules, "gilfree.cli.boom", module)
    monkeypatch.setattr(cli, "COMMANDS", (*cli.COMMANDS, "boom"))


def _interrupt_self(signum: int = 2) -> None:
    import os
    import time

    os.kill(os.getpid(), signum)
    time.sleep(5)  # the handler raises before this ends


def test_an_error_the_interrupt_caused_is_reported_as_the_interrupt(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from gilfree.errors import BadInput

    def converted(args):  # what 3.11 does to a KeyboardInterrupt raised in __set_name__
        try:
            _interrupt_self()
        except KeyboardInterrupt as exc:
            raise RuntimeError("Error calling __set_name__") from exc

    def misreported(args):  # a rollback cut short, reported as a bad database
        try:
            _interrupt_self()
        except KeyboardInterrupt:
            raise BadInput("not a track database: cannot rollback") from None

    for func in (converted, misreported):
        _fake_command(monkeypatch, func)
        assert main(["boom"]) == 130
        assert capsys.readouterr().err == "gilfree: interrupted\n"


def test_sigterm_is_terminated_and_a_second_signal_does_not_cut_the_cleanup_short(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import os
    import signal

    cleaned = []

    def run(args):
        try:
            _interrupt_self(signal.SIGTERM)
        finally:  # the cleanup
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C meanwhile
            for _ in range(100_000):  # the interpreter runs handlers in loops like this one
                pass
            cleaned.append(True)

    _fake_command(monkeypatch, run)
    assert main(["boom"]) == 143
    assert cleaned and capsys.readouterr().err == "gilfree: terminated\n"


KI_THROUGH_EXEC = """
import sys
import types

import gilfree.cli as cli

module = types.ModuleType("gilfree.cli.boom")
module.register = lambda sub: sub.add_parser("boom").set_defaults(
    func=lambda args: exec("raise KeyboardInterrupt"))  # dataclasses build methods this way
sys.modules["gilfree.cli.boom"] = module
cli.COMMANDS = (*cli.COMMANDS, "boom")
sys.argv = ["gilfree", "boom"]
sys.exit(cli.main())
"""


def test_python_m_exits_130_after_an_interrupt_inside_exec(tmp_path) -> None:
    """CPython flags a KeyboardInterrupt that left exec() of a string as unhandled even
    when it was caught, and `python -m` then dies of SIGINT at exit instead of exiting 130."""
    package = tmp_path / "boomrun"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(KI_THROUGH_EXEC)
    done = subprocess.run([sys.executable, "-m", "boomrun"], cwd=tmp_path, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (130, "gilfree: interrupted\n")
