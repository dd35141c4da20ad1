"""Thread speedups of the documentation's CPU-bound examples on every interpreter found.

For each example of docs/examples/ (mandelbrot, montecarlo, word_count) and each
interpreter, the same total work is timed on 1, 2 and 2 x cpu_count threads
(``ThreadPoolExecutor`` inside the example's ``run(threads, size)``), best of 3, in one
child process per example and interpreter (repetitions interleaved over the thread
counts). Every free-threaded interpreter is also run with ``PYTHON_GIL=1``: the same
binary with the GIL forced on, the fairest reference for what the GIL costs. The
figures are ratios against references measured in the same run:

* speedup: 1-thread time / N-thread time on the same interpreter;
* vs GIL build: best time of the GIL build nearest in version to the free-threaded one
  (e.g. 3.13.0 for 3.13.5t) / best time of this row, each at its best thread count;
* single-thread overhead: free-threaded 1-thread time / that GIL build's 1-thread time;
* sharing variants (a shared ``random`` generator, a shared list, a shared dict behind
  one lock): their time / the unshared example's time at the same thread count.

Interpreters: the default ``python3``; free-threaded builds from ``GILFREE_PYTHON``,
``python -m gilfree.runtime.bootstrap --no-build`` and the other places that module
looks (its build cache holds one build per version; src/ on PYTHONPATH), ``python3.1Xt``
on PATH or under pyenv/uv; for each free-threaded minor version the GIL build nearest in
version (PATH, pyenv, uv); ``--python PATH`` adds more. Wanted free-threaded versions
that are missing (3.13t-3.15t) are named in the output, never guessed. Standard library
only: children run this same file with ``--child``.

    python3 benchmarks/speedups.py [--quick] [--write docs/examples/speedups-figures.md]
                                   [--python PATH ...] [--repeats 3]

(The figures file lives beside the examples, not in docs/guide/: every .md there must be
a page listed in nav.toml. docs/guide/examples.md carries a pasted copy.)

With five interpreters a full run took 85 s on an idle 2-core machine and up to 270 s
while other jobs shared it; ``--quick`` (tiny sizes, one child per interpreter) takes
about 3 s. Exit codes:
0 done, 1 a measurement failed, 2 no interpreter found, 130 interrupted (no child is
left running).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import glob
import importlib
import json
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "docs" / "examples"
#: Versions whose free-threaded build the figures should cover; missing ones are named.
WANTED_FT = ("3.13", "3.14", "3.15")
CHILD_TIMEOUT = 600.0


@dataclass(frozen=True)
class Workload:
    name: str          # label in the tables
    module: str        # module in docs/examples/
    mode: str | None   # run(..., mode=) or None for the default
    size: int          # full run
    quick_size: int    # --quick
    deterministic: bool = True  # the result must not depend on the thread count


MAIN = (
    Workload("mandelbrot", "mandelbrot", None, 320, 40),
    Workload("montecarlo", "montecarlo", None, 3_500_000, 50_000),
    Workload("word_count", "word_count", None, 60_000, 1_000),
)
VARIANTS = (
    Workload("montecarlo shared-random", "montecarlo", "shared-random", 1_200_000, 30_000,
             deterministic=False),
    Workload("montecarlo shared-list", "montecarlo", "shared-list", 1_200_000, 30_000),
    Workload("word_count shared-dict", "word_count", "shared-dict", 6_000, 500),
)


# --- the child: times one workload on the interpreter it runs on ------------------------

def child(spec: dict[str, Any]) -> dict[str, Any]:
    import sysconfig

    sys.path.insert(0, str(EXAMPLES))
    module = importlib.import_module(spec["module"])
    size = spec["size"]
    if hasattr(module, "prepare"):
        module.prepare(size)
    modes = spec["modes"]  # None is the example's default (unshared) mode
    times: dict[str, dict[str, list[float]]] = {str(m): {str(n): [] for n in spec["threads"]}
                                                for m in modes}
    results: dict[str, dict[str, str]] = {str(m): {} for m in modes}
    for mode in modes:  # warm up: imports, thread start, caches
        module.run(1, max(1, size // 50), **({"mode": mode} if mode else {}))
    for _ in range(spec["repeats"]):
        for n in spec["threads"]:
            for mode in modes:
                gc.collect()
                start = time.perf_counter()
                result = module.run(n, size, **({"mode": mode} if mode else {}))
                times[str(mode)][str(n)].append(time.perf_counter() - start)
                results[str(mode)][str(n)] = repr(result)
    import resource

    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"times": times, "results": results, "max_rss_mib": rss_kib / 1024,
            "gil_enabled": getattr(sys, "_is_gil_enabled", lambda: True)(),
            "version": platform.python_version(),
            "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED"))}


PROBE = ("import json, os, platform, sys, sysconfig; print(json.dumps({"
         "'version': platform.python_version(), 'executable': os.path.realpath(sys.executable),"
         "'free_threaded': bool(sysconfig.get_config_var('Py_GIL_DISABLED')),"
         "'config_args': sysconfig.get_config_var('CONFIG_ARGS') or '',"
         "'cflags': sysconfig.get_config_var('PY_CFLAGS') or ''}))")


# --- the parent: finds interpreters, runs children, writes tables ------------------------

@dataclass
class Interpreter:
    path: str
    version: str
    free_threaded: bool
    build: str
    found_as: str

    @property
    def minor(self) -> str:
        return ".".join(self.version.split(".")[:2])

    @property
    def label(self) -> str:
        return f"{self.version}{'t' if self.free_threaded else ''}"

    def version_key(self) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", self.version)[:3])


@dataclass
class Config:
    """One interpreter run one way (the free-threaded ones twice: GIL off, GIL forced on)."""

    interp: Interpreter
    force_gil: bool = False
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        if not self.interp.free_threaded:
            return f"{self.interp.label} (GIL)"
        return f"{self.interp.label} PYTHON_GIL=1" if self.force_gil else f"{self.interp.label}"

    def env(self) -> dict[str, str]:
        env = _clean_env()
        if self.interp.free_threaded:
            env["PYTHON_GIL"] = "1" if self.force_gil else "0"
        return env


class Interrupted(Exception):
    pass


_CURRENT: list[subprocess.Popen[str]] = []


def _on_signal(signum: int, frame: object) -> None:
    raise Interrupted(signal.Signals(signum).name)


def _run_child(cmd: list[str], env: dict[str, str] | None, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a child in its own session; it is killed and reaped however this call ends."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)
    _CURRENT.append(proc)
    try:
        out, err = proc.communicate(timeout=timeout)
        return subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        _CURRENT.remove(proc)


def _build_flags(config_args: str, cflags: str) -> str:
    opt = re.search(r"(?<!\S)-O\d", cflags)
    parts = [opt.group(0) if opt else "-O?"]
    parts.append("PGO" if "--enable-optimizations" in config_args else "no PGO")
    parts.append("LTO" if "--with-lto" in config_args else "no LTO")
    if "--enable-shared" in config_args:
        parts.append("shared libpython")
    return ", ".join(parts)


def _clean_env() -> dict[str, str]:
    """The environment without PYTHON_GIL (0 is a fatal error on a GIL build) or PYTHONPATH."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHON_GIL", "PYTHONPATH")}


def probe(path: str, found_as: str) -> Interpreter | None:
    try:
        out = _run_child([path, "-c", PROBE], _clean_env(), 60)
        info = json.loads(out.stdout) if out.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError):
        return None
    if not info:
        return None
    return Interpreter(info["executable"], info["version"], info["free_threaded"],
                       _build_flags(info["config_args"], info["cflags"]), found_as)


def _bootstrap_ft() -> str | None:
    """What ``python -m gilfree.runtime.bootstrap --no-build`` finds, if anything."""
    env = _clean_env()
    env["PYTHONPATH"] = str(ROOT / "src")
    try:
        out = _run_child([sys.executable, "-m", "gilfree.runtime.bootstrap", "--no-build"], env, 120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = out.stdout.strip().splitlines()
    return lines[-1] if out.returncode == 0 and lines else None


LIST_CANDIDATES = ("from gilfree.runtime.bootstrap import candidates\n"
                   "for path in candidates(): print(path)")


def _bootstrap_candidates() -> list[str]:
    """Every place gilfree's bootstrap looks (its build cache holds one build per version)."""
    env = _clean_env()
    env["PYTHONPATH"] = str(ROOT / "src")
    try:
        out = _run_child([sys.executable, "-c", LIST_CANDIDATES], env, 60)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return out.stdout.split("\n") if out.returncode == 0 else []


def _pyenv_root() -> Path:
    return Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")


def _uv_root() -> Path:
    return Path(os.environ.get("UV_PYTHON_INSTALL_DIR") or Path.home() / ".local/share/uv/python")


def discover(extra: list[str]) -> list[Interpreter]:
    candidates: list[tuple[str, str]] = [(p, "--python") for p in extra]
    default = shutil.which("python3")
    if default:
        candidates.append((default, "python3 on PATH"))
    if os.environ.get("GILFREE_PYTHON"):
        candidates.append((os.environ["GILFREE_PYTHON"], "GILFREE_PYTHON"))
    boot = _bootstrap_ft()
    if boot:
        candidates.append((boot, "gilfree.runtime.bootstrap"))
    candidates += [(p, "gilfree's candidates") for p in _bootstrap_candidates() if p]
    for minor in range(13, 20):
        for suffix in ("t", ""):
            name = f"python3.{minor}{suffix}"
            if shutil.which(name):
                candidates.append((shutil.which(name) or name, f"{name} on PATH"))
            # which build a file is (GIL or not) is asked of the file itself, in probe()
            for exe in sorted(glob.glob(str(_pyenv_root() / "versions" / f"3.{minor}.*" / "bin" / name))):
                candidates.append((exe, "pyenv"))
            for exe in sorted(glob.glob(str(_uv_root() / f"cpython-3.{minor}.*" / "bin" / name))):
                candidates.append((exe, "uv"))
    found: dict[str, Interpreter] = {}
    for path, how in candidates:
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            continue
        interp = probe(path, how)
        if interp and interp.path not in found:
            found[interp.path] = interp
    interps = list(found.values())
    keep = {i.path for i in interps if i.found_as in ("--python", "python3 on PATH")}
    keep |= {i.path for i in interps if i.free_threaded}
    # per free-threaded minor version, the GIL build nearest in version (for the overhead)
    for ft in (i for i in interps if i.free_threaded):
        same = [i for i in interps if not i.free_threaded and i.minor == ft.minor]
        if same:
            keep.add(min(same, key=lambda i: abs(i.version_key()[2] - ft.version_key()[2])).path)
    return sorted((i for i in interps if i.path in keep),
                  key=lambda i: (i.version_key(), i.free_threaded))


def reference_gil(interps: list[Interpreter]) -> Interpreter | None:
    """The GIL build nearest in version to the newest free-threaded build (else the newest GIL)."""
    gil = [i for i in interps if not i.free_threaded]
    fts = [i for i in interps if i.free_threaded]
    if not gil:
        return None
    if not fts:
        return max(gil, key=Interpreter.version_key)
    ft = max(fts, key=Interpreter.version_key)
    return min(gil, key=lambda i: (tuple(abs(a - b) for a, b in zip(i.version_key(), ft.version_key()))))


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def cpu_ticks() -> tuple[float, float] | None:
    """(busy, steal) CPU seconds of the whole machine since boot, from /proc/stat."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    hz = os.sysconf("SC_CLK_TCK")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) / hz, steal / hz


def own_cpu() -> float:
    """CPU seconds used by this process and its (reaped) children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def load() -> str:
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _spec(work: Workload, threads: list[int], repeats: int, quick: bool) -> dict[str, Any]:
    return {"module": work.module, "modes": [None, work.mode] if work.mode else [None],
            "size": work.quick_size if quick else work.size, "threads": threads, "repeats": repeats}


def measure(config: Config, works: list[tuple[Workload, list[int]]], repeats: int,
            quick: bool) -> list[str]:
    """Time `works` (workload, thread counts) in one child process on `config`; the
    problems found, one line each. The full run gives each workload its own child (so
    that its peak memory is its own); --quick puts them all in one."""
    specs = [_spec(work, threads, repeats, quick) for work, threads in works]
    names = ", ".join(work.name for work, _ in works)
    cmd = [config.interp.path, str(Path(__file__).resolve()), "--child", json.dumps(specs)]
    try:
        out = _run_child(cmd, config.env(), CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        return [f"{names} on {config.label}: no answer in {CHILD_TIMEOUT:.0f} s"]
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["no output"])[-1]
        return [f"{names} on {config.label}: exit {out.returncode}: {last}"]
    problems = []
    for (work, _), data in zip(works, json.loads(out.stdout.strip().splitlines()[-1])):
        problem = _check(config, work, data)
        if problem:
            problems.append(problem)
            continue
        config.cells[work.name] = {"times": data["times"][str(work.mode)], "rss": data["max_rss_mib"]}
        if work.mode:
            config.cells[work.name + " (unshared)"] = {"times": data["times"]["None"]}
    return problems


def _check(config: Config, work: Workload, data: dict[str, Any]) -> str | None:
    if data["gil_enabled"] != (not config.interp.free_threaded or config.force_gil):
        return f"{work.name} on {config.label}: the GIL was {'on' if data['gil_enabled'] else 'off'}"
    for mode, results in data["results"].items():
        if (mode == "None" or work.deterministic) and len(set(results.values())) != 1:
            return f"{work.name} on {config.label}: results differ by thread count: {results}"
    if work.mode and work.deterministic and data["results"]["None"] != data["results"][work.mode]:
        return f"{work.name} on {config.label}: {work.mode} gives another result than the unshared run"
    return None


def best(config: Config, work: str, n: int) -> float | None:
    cell = config.cells.get(work)
    return min(cell["times"][str(n)]) if cell and str(n) in cell["times"] else None


def best_any(config: Config, work: str) -> float | None:
    cell = config.cells.get(work)
    return min(min(t) for t in cell["times"].values()) if cell else None


def fmt(x: float | None, unit: str = "") -> str:
    return "n/a" if x is None else f"{x:.3f}{unit}"


def ratio(a: float | None, b: float | None) -> str:
    return "n/a" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def report(configs: list[Config], interps: list[Interpreter], ref: Interpreter | None,
           threads: list[int], args: argparse.Namespace, started: dt.datetime, seconds: float,
           loads: tuple[str, str], others: str, failures: list[str]) -> str:
    ref_cfg = next((c for c in configs if ref and c.interp is ref and not c.force_gil), None)
    lines = [
        "Measured by `" + " ".join(["python3", "benchmarks/speedups.py", *args.argv]) + "` on "
        f"{started:%Y-%m-%d %H:%M} UTC ({seconds:.0f} s{', quick sizes: not for citing' if args.quick else ''}).",
        "",
        f"Machine: {os.cpu_count()} CPUs (`os.cpu_count()`), {cpu_model()}, {platform.system()} "
        f"{platform.release()}; load average (1/5/15 min) {loads[0]} before, {loads[1]} after. "
        f"{others}With {os.cpu_count()} cores no speedup can exceed about {os.cpu_count()}x.",
        "",
        "| interpreter | found as | build | path |",
        "|---|---|---|---|",
    ]
    for i in interps:
        kind = "free-threaded" if i.free_threaded else "GIL"
        lines.append(f"| {i.label} | {i.found_as} | {kind}; {i.build} | `{i.path}` |")
    have = {i.minor for i in interps if i.free_threaded}
    missing = [f"{v}t" for v in WANTED_FT if v not in have]
    if missing:
        lines += ["", f"Not measured: {', '.join(missing)} (no such interpreter found on this machine)."]
    ref_name = f"{ref.label} (GIL)" if ref else "a GIL build"
    for work in MAIN:
        lines += ["", f"**{work.name}** (size {work.quick_size if args.quick else work.size}), "
                  f"best of {args.repeats}, seconds:", "",
                  "| interpreter | " + " | ".join(f"{n} thr" for n in threads) + " | "
                  + " | ".join(f"speedup {n} thr" for n in threads[1:])
                  + f" | vs {ref_name}, best thread count |",
                  "|---|" + "---:|" * (2 * len(threads))]
        for c in configs:
            if work.name not in c.cells:
                continue
            t1 = best(c, work.name, threads[0])
            row = [c.label, *(fmt(best(c, work.name, n)) for n in threads),
                   *(ratio(t1, best(c, work.name, n)) for n in threads[1:]),
                   ratio(best_any(ref_cfg, work.name) if ref_cfg else None, best_any(c, work.name))]
            lines.append("| " + " | ".join(row) + " |")
    fts = [c for c in configs if c.interp.free_threaded and not c.force_gil]
    gil_cfgs = [c for c in configs if not c.interp.free_threaded]
    if fts and gil_cfgs:
        lines += ["", "**Single-thread overhead**: 1-thread seconds of each free-threaded build "
                  "against the GIL build nearest in version, and against itself with the GIL "
                  "forced on; a ratio > 1 means slower than that GIL build.", "",
                  "| example | free-threaded | GIL build | free-threaded, 1 thr | GIL build, 1 thr "
                  "| ratio | PYTHON_GIL=1, 1 thr | ratio |",
                  "|---|---|---|---:|---:|---:|---:|---:|"]
        notes = []
        for c in fts:
            near = min(gil_cfgs, key=lambda g: tuple(abs(a - b) for a, b in
                                                     zip(g.interp.version_key(), c.interp.version_key())))
            if near.interp.minor != c.interp.minor:
                notes.append(f"No {c.interp.minor} GIL build was found, so {c.interp.label} is "
                             f"compared with {near.interp.version}: that ratio mixes the "
                             "free-threading cost with the changes between versions.")
            elif near.interp.version != c.interp.version:
                notes.append(f"{c.interp.label} and {near.interp.version} differ in patch release: "
                             "the ratio includes whatever those bug-fix releases changed.")
            forced = next((f for f in configs if f.interp is c.interp and f.force_gil), None)
            for work in MAIN:
                t1, g1 = best(c, work.name, 1), best(near, work.name, 1)
                f1 = best(forced, work.name, 1) if forced else None
                lines.append(f"| {work.name} | {c.label} | {near.label} | {fmt(t1)} | {fmt(g1)} | "
                             f"{ratio(t1, g1)} | {fmt(f1)} | {ratio(f1, g1)} |")
        if notes:
            lines += ["", " ".join(notes)]
    if any(w.name in c.cells for w in MAIN for c in configs):
        lines += ["", "**Peak memory**: maximum resident set size of the measuring process "
                  f"(interpreter, example, all its runs up to {threads[-1]} threads), MiB:", "",
                  "| interpreter | " + " | ".join(w.name for w in MAIN) + " |",
                  "|---|" + "---:|" * len(MAIN)]
        for c in configs:
            cells = [c.cells.get(w.name) for w in MAIN]
            lines.append("| " + " | ".join([c.label, *(f"{x['rss']:.0f}" if x else "n/a" for x in cells)]) + " |")
    vthreads = threads[:2]
    if any(v.name in c.cells for v in VARIANTS for c in configs):
        lines += ["", "**Sharing variants** (the same work with state shared between threads), "
                  f"best of {args.repeats}, seconds; 'vs unshared' = this time / the time of the "
                  "unshared example at the same size and thread count, measured in the same "
                  "process, interleaved:", "",
                  "| variant | interpreter | " + " | ".join(f"{n} thr" for n in vthreads)
                  + " | speedup | " + " | ".join(f"vs unshared, {n} thr" for n in vthreads) + " |",
                  "|---|---|" + "---:|" * (2 * len(vthreads) + 1)]
        for v in VARIANTS:
            for c in configs:
                if v.name not in c.cells:
                    continue
                vt = [best(c, v.name, n) for n in vthreads]
                bt = [best(c, v.name + " (unshared)", n) for n in vthreads]
                row = [v.name, c.label, *(fmt(t) for t in vt), ratio(vt[0], vt[-1]),
                       *(ratio(a, b) for a, b in zip(vt, bt))]
                lines.append("| " + " | ".join(row) + " |")
    spreads = [(max(t) / min(t) - 1, f"{w} on {c.label}, {n} thr")
               for c in configs for w, cell in c.cells.items() for n, t in cell["times"].items()
               if len(t) > 1 and min(t) > 0]
    if spreads:
        spreads.sort()
        median = spreads[len(spreads) // 2][0]
        lines += ["", f"Noise: within one cell the slowest of the {args.repeats} runs was "
                  f"{median:.0%} slower than the fastest (median over cells); the worst cell "
                  f"{spreads[-1][0]:.0%} ({spreads[-1][1]})."]
    if failures:
        lines += ["", "Failed: " + "; ".join(failures)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, 1 repeat (seconds)")
    parser.add_argument("--write", metavar="PATH", help="also write the Markdown figures here")
    parser.add_argument("--python", action="append", default=[], metavar="PATH",
                        help="measure this interpreter too (repeatable)")
    parser.add_argument("--repeats", type=int, default=None, help="best of N (default 3; quick 1)")
    parser.add_argument("--no-variants", action="store_true", help="skip the sharing variants")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps([child(spec) for spec in json.loads(args.child)]))
        return 0
    args.argv = [a for a in (argv if argv is not None else sys.argv[1:])]
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    try:
        return _main(args)
    except (Interrupted, KeyboardInterrupt) as exc:
        for proc in list(_CURRENT):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        print(f"\nspeedups: interrupted ({exc or 'SIGINT'}); no child left running", file=sys.stderr)
        return 130


def _main(args: argparse.Namespace) -> int:
    started = dt.datetime.now(dt.timezone.utc)
    clock = time.perf_counter()
    loads0 = load()
    ticks0, own0 = cpu_ticks(), own_cpu()
    interps = discover(args.python)
    if not interps:
        print("speedups: no Python interpreter found (no python3 on PATH, no free-threaded "
              "build; pass --python PATH or set GILFREE_PYTHON)", file=sys.stderr)
        return 2
    ref = reference_gil(interps)
    cpus = os.cpu_count() or 1
    threads = [1, 2] if args.quick else sorted({1, 2, cpus, 2 * cpus})
    configs: list[Config] = []
    for i in interps:
        configs.append(Config(i))
        if i.free_threaded:
            configs.append(Config(i, force_gil=True))
    works = [*MAIN, *(() if args.no_variants else VARIANTS)]
    failures: list[str] = []
    jobs = [(work, threads if work in MAIN else threads[:2]) for work in works]
    batches = [jobs] if args.quick else [[job] for job in jobs]
    for batch in batches:
        for c in configs:
            label = "all examples" if len(batch) > 1 else batch[0][0].name
            print(f"  {label:<26} {c.label:<26}", end="", file=sys.stderr, flush=True)
            problems = measure(c, batch, args.repeats, args.quick)
            failures += problems
            print(f" {'FAILED' if problems else 'ok'}", file=sys.stderr)
    wall = time.perf_counter() - clock
    ticks1, own1 = cpu_ticks(), own_cpu()
    others = ""
    if ticks0 and ticks1:
        busy, steal = ticks1[0] - ticks0[0], ticks1[1] - ticks0[1]
        other = max(0.0, busy - (own1 - own0))
        others = (f"While it ran, other processes used {other:.0f} CPU-seconds "
                  f"({other / (wall * cpus):.0%} of the machine) and the hypervisor stole "
                  f"{steal:.0f}. ")
    text = report(configs, interps, ref, threads, args, started, wall,
                  (loads0, load()), others, failures)
    print(text, end="")
    if args.write:
        target = Path(args.write)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=target.parent, delete=False, encoding="utf-8",
                                         suffix=".tmp") as fh:
            fh.write("# Measured speedups of the examples\n\n"
                     "Generated by benchmarks/speedups.py; do not edit by hand.\n\n" + text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(fh.name, 0o666 & ~umask)  # a normal file, not mkstemp's 0600
        os.replace(fh.name, target)
    if failures:
        print("speedups: " + "; ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
