"""Mandelbrot set: count escape iterations over a size x size grid, rows split over threads.

Each thread computes every `threads`-th row (interleaved, so the costly rows near the
set's centre are spread evenly) and returns the sum of its rows' iteration counts. The
threads share nothing but the read-only parameters, so on a free-threaded build they run
in parallel; under a GIL they take turns.

    python3.13t docs/examples/mandelbrot.py --threads 4 --size 300
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor

MAX_ITER = 100
#: The view: real part -2.0 .. 0.6, imaginary part -1.2 .. 1.2.
X0, X1, Y0, Y1 = -2.0, 0.6, -1.2, 1.2


def rows(first: int, step: int, size: int) -> int:
    """The total escape-iteration count of rows first, first + step, ... of the grid."""
    total = 0
    dx = (X1 - X0) / size
    dy = (Y1 - Y0) / size
    for row in range(first, size, step):
        ci = Y0 + row * dy
        for col in range(size):
            cr = X0 + col * dx
            zr = zi = 0.0
            n = 0
            while n < MAX_ITER and zr * zr + zi * zi <= 4.0:
                zr, zi = zr * zr - zi * zi + cr, 2.0 * zr * zi + ci
                n += 1
            total += n
    return total


def run(threads: int, size: int) -> int:
    """The grid's total iteration count, computed by `threads` threads (same for any count)."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return sum(pool.map(rows, range(threads), [threads] * threads, [size] * threads))


def main() -> None:
    parser = argparse.ArgumentParser(description="Mandelbrot iteration count, in threads")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--size", type=int, default=200, help="grid side (default 200)")
    args = parser.parse_args()
    start = time.perf_counter()
    result = run(args.threads, args.size)
    print(f"{args.size}x{args.size} grid, {args.threads} threads: {result} iterations "
          f"in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
