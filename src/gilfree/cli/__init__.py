"""Command-line entry point: argument parsing, error mapping and signals, no logic.

Each subcommand lives in ``gilfree.cli.<name>`` with ``register(subparsers)`` that sets
``func`` on its parser; ``func(args)`` returns the exit code. A module may name, in
``PASSTHROUGH``, the attribute that receives every word after the first ``--`` unparsed
(``gilfree test PATH -- PYTEST ARGS``); its parser is then ``args.parser`` (for errors).

Ctrl-C (and SIGTERM) at any moment ends a run with one line, never a traceback: this
module imports nothing at its top but ``sys`` (the console script imports it before
``main`` runs), and ``main`` sets its handlers before it imports anything else.
"""

import sys  # and nothing else here, not even __future__ (annotations below are 3.10 syntax)

COMMANDS = ("status", "deps", "audit", "python", "track", "site", "serve", "test", "cache")

SIGINT, SIGTERM = 2, 15  # the same on every platform Python runs on
INTERRUPTED = {SIGINT: ("interrupted", 130), SIGTERM: ("terminated", 143)}


def build_parser(only: str | None = None):  # -> argparse.ArgumentParser
    """The whole command line; with ``only``, just that subcommand (so that a run imports
    its own modules, not every command's: jinja2 for ``site``, the stress plugin...)."""
    import argparse
    import importlib

    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="gilfree",
        description="Is this package - and is my project - ready for free-threaded CPython?",
    )
    parser.add_argument("--version", action="version", version=f"gilfree {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS if only is None else (only,):
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def parse_args(argv: list[str]):  # -> argparse.Namespace
    """``argv`` (without the program name) as the command line reads it: the subcommand
    is the first word that is not an option, and only its parser is built."""
    argv = list(argv)
    command = next((w for w in argv if not w.startswith("-")), None)
    parser = build_parser(command if command in COMMANDS else None)
    module = sys.modules.get(f"{__name__}.{command}")
    passthrough = getattr(module, "PASSTHROUGH", None)
    if passthrough is None:
        return parser.parse_args(argv)
    start = argv.index(command) + 1  # type: ignore[arg-type]
    rest: list[str] = []
    if "--" in argv[start:]:
        cut = argv.index("--", start)
        argv, rest = argv[:cut], argv[cut + 1 :]
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        hint = getattr(module, "PASSTHROUGH_HINT", "")
        args.parser.error(f"unrecognized arguments: {' '.join(unknown)}" + (f" ({hint})" if hint else ""))
    setattr(args, passthrough, rest)
    return args


class _Stop:
    """SIGINT/SIGTERM for one ``main``: the first one raises KeyboardInterrupt (SIGTERM:
    ``Terminated`` once the runtime is loaded), so every ``finally`` and cleanup runs;
    later ones are ignored, so that the cleanup they would interrupt finishes (it is
    bounded: children are SIGKILLed, removals are local). Handlers are replaced only
    where Python's defaults are set: a run started with SIGINT ignored (a background job)
    keeps ignoring it, and an embedding program keeps its own."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.previous: dict[int, object] = {}
        self.unraisablehook = sys.unraisablehook

    def install(self, *, exiting: bool) -> None:
        import _signal  # built in: no import time

        for signum, default in ((_signal.SIGINT, _signal.default_int_handler), (_signal.SIGTERM, _signal.SIG_DFL)):
            if _signal.getsignal(signum) == default:
                try:
                    _signal.signal(signum, self.handler)
                except ValueError:  # not the main thread: signals are not ours to handle
                    return
                self.previous[signum] = default
        if self.previous:
            sys.unraisablehook = self.lost
        if exiting and self.previous:
            import atexit  # built in

            # registered first, so it runs last: the interpreter's own teardown that
            # follows cannot be interrupted (after it Python resets our handlers to the
            # defaults, and a Ctrl-C there would kill the process silently, -SIGINT)
            atexit.register(_quiet_teardown, list(self.previous))

    def handler(self, signum: int, frame: object) -> None:
        if self.signum is not None:
            return
        self.signum = signum
        processes = sys.modules.get("gilfree.runtime.processes")
        terminated = getattr(processes, "Terminated", None)
        if signum != SIGINT and terminated is not None:
            raise terminated(signum)
        raise KeyboardInterrupt

    def lost(self, unraisable) -> None:  # noqa: ANN001 - sys.UnraisableHookArgs
        """Our KeyboardInterrupt raised where Python cannot propagate it (the handler ran
        inside a ``__del__`` or a callback, which print "Exception ignored" and drop it):
        send the signal again, so that it lands in the run's own code."""
        if self.signum is not None and isinstance(unraisable.exc_value, KeyboardInterrupt):
            import _thread

            signum, self.signum = self.signum, None
            # from another thread: raised here, in the hook, it would be lost again
            _thread.start_new_thread(_thread.interrupt_main, (signum,))
            return
        self.unraisablehook(unraisable)

    def finish(self, exc: BaseException) -> int:
        """After the run was interrupted: kill and remove what is left, say so in one line."""
        signum = getattr(exc, "signum", None) or self.signum or SIGINT
        self.signum = self.signum or signum  # from here on, signals are ignored
        registry = getattr(sys.modules.get("gilfree.runtime.processes"), "REGISTRY", None)
        if registry is not None:
            registry.cleanup()
            registry.reopen()
        what, code = INTERRUPTED.get(signum, INTERRUPTED[SIGINT])
        _say(f"gilfree: {what}")
        # A KeyboardInterrupt that left code run by exec() of a string (dataclasses and
        # namedtuple build their methods that way, so it happens during the imports) sets
        # CPython's "unhandled KeyboardInterrupt" flag even though it was caught here;
        # under `python -m` the interpreter then kills itself with SIGINT at exit instead
        # of exiting with our code. Each exec() of a string resets that flag.
        exec("pass")  # noqa: S102
        return code

    def exit_at_once(self, signum: int, frame: object) -> None:
        """A signal after ``main`` returned, while the interpreter shuts down (joining
        threads, exit handlers): the process ends now, with one line unless an earlier
        signal had its own."""
        import os

        what, code = INTERRUPTED.get(self.signum or signum, INTERRUPTED[SIGINT])
        if self.signum is None:
            self.signum = signum
            _say(f"gilfree: {what}")
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001, S110 - a closed pipe: nothing more to say
                pass
        os._exit(code)

    def uninstall(self, *, exiting: bool) -> None:
        """Put the handlers back; when the process is ``exiting`` (the console script or
        ``python -m``), a signal while the interpreter shuts down ends it at once instead."""
        import _signal

        for signum, previous in self.previous.items():
            _signal.signal(signum, self.exit_at_once if exiting else previous)
        if sys.unraisablehook == self.lost:
            sys.unraisablehook = self.unraisablehook


def _quiet_teardown(signals: list[int]) -> None:
    """The last exit handler: what is still buffered goes out (a signal meanwhile still
    exits at once), then SIGINT/SIGTERM are ignored for the rest of the teardown."""
    import _signal

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001, S110 - a closed pipe: nothing more to say
            pass
    for signum in signals:
        _signal.signal(signum, _signal.SIG_IGN)


def _say(line: str) -> None:
    try:
        print(line, file=sys.stderr, flush=True)
    except Exception:  # noqa: BLE001, S110 - stderr closed: the exit code says it
        pass


def main(argv: list[str] | None = None) -> int:
    """Run the command line; ``argv`` None: the process's own (and the process ends
    after this returns, so a signal while Python shuts down exits quietly too)."""
    stop = _Stop()
    stop.install(exiting=argv is None)
    try:
        try:
            return _run(sys.argv[1:] if argv is None else argv, stop)
        except BaseException as exc:
            # Ctrl-C or SIGTERM, even during the imports; and once one came, whatever ends
            # the run is its doing (3.11 wraps a KeyboardInterrupt raised in __set_name__
            # in a RuntimeError; a rollback cut short fails on its own...)
            if isinstance(exc, KeyboardInterrupt) or (stop.signum is not None and not isinstance(exc, SystemExit)):
                return stop.finish(exc)
            raise
    finally:
        stop.uninstall(exiting=argv is None)


def _run(argv: list[str], stop: _Stop) -> int:
    from ..errors import GilfreeError
    from ..gcpolicy import tune_for_bulk_parsing

    args = parse_args(argv)
    tune_for_bulk_parsing()
    try:
        return int(args.func(args) or 0)
    except GilfreeError as exc:
        if stop.signum is not None:  # an error the interrupt caused: report the interrupt
            raise
        print(f"gilfree: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
