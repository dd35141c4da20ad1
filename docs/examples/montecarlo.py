"""Monte Carlo estimate of pi: throw `size` random points at the unit square.

The work is cut into CHUNKS fixed chunks, each with its own `random.Random` seeded by the
chunk's number, and the chunks are spread over the threads. Nothing is shared while the
threads work, so the result is the same for any thread count and free-threaded builds
run the chunks in parallel.

Two deliberately bad variants show what sharing costs (``--mode``):

* ``shared-random``: every thread draws from the module-level ``random`` functions, one
  generator for the whole process. Correct (each call is atomic), but on a free-threaded
  build every draw takes that generator's lock, so the threads queue for it. The result
  then depends on how the threads interleave.
* ``shared-list``: each hit is appended to one list that all threads share, instead of a
  counter of their own. Correct too, but every append locks the same list and writes
  to the same memory.

    python3.13t docs/examples/montecarlo.py --threads 4 --size 2000000
"""

from __future__ import annotations

import argparse
import random
import time
from concurrent.futures import ThreadPoolExecutor

CHUNKS = 32
MODES = ("local", "shared-random", "shared-list")


def chunk_hits(index: int, samples: int) -> int:
    """Points inside the quarter circle among `samples`, from a generator of our own."""
    rng = random.Random(index)  # one generator per chunk: no sharing, reproducible
    draw = rng.random
    hits = 0
    for _ in range(samples):
        x = draw()
        y = draw()
        if x * x + y * y <= 1.0:
            hits += 1
    return hits


def chunk_hits_shared_random(index: int, samples: int) -> int:
    """The same, drawing from the process-wide generator that all threads share."""
    draw = random.random
    hits = 0
    for _ in range(samples):
        x = draw()
        y = draw()
        if x * x + y * y <= 1.0:
            hits += 1
    return hits


def chunk_hits_shared_list(index: int, samples: int, found: list[int]) -> int:
    """The same as chunk_hits, but every hit goes into one list shared by all threads."""
    rng = random.Random(index)
    draw = rng.random
    for _ in range(samples):
        x = draw()
        y = draw()
        if x * x + y * y <= 1.0:
            found.append(1)
    return 0


def run(threads: int, size: int, mode: str = "local") -> float:
    """Estimate pi from `size` points using `threads` threads."""
    per_chunk = [size // CHUNKS + (1 if i < size % CHUNKS else 0) for i in range(CHUNKS)]
    found: list[int] = []
    with ThreadPoolExecutor(max_workers=threads) as pool:
        if mode == "local":
            hits = sum(pool.map(chunk_hits, range(CHUNKS), per_chunk))
        elif mode == "shared-random":
            random.seed(0)
            hits = sum(pool.map(chunk_hits_shared_random, range(CHUNKS), per_chunk))
        elif mode == "shared-list":
            list(pool.map(chunk_hits_shared_list, range(CHUNKS), per_chunk, [found] * CHUNKS))
            hits = len(found)
        else:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
    return 4.0 * hits / size


def main() -> None:
    parser = argparse.ArgumentParser(description="Monte Carlo estimate of pi, in threads")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--size", type=int, default=1_000_000, help="points (default 1e6)")
    parser.add_argument("--mode", choices=MODES, default="local")
    args = parser.parse_args()
    start = time.perf_counter()
    estimate = run(args.threads, args.size, args.mode)
    print(f"{args.size} points, {args.threads} threads, {args.mode}: pi ~ {estimate:.6f} "
          f"in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
