"""Word frequencies of a generated text: lines split over threads, one dict per thread.

The text (`size` lines of 12 words from a fixed 2,000-word vocabulary, with capitals and
punctuation) is made once from a seeded generator, so every run counts the same words.
Each thread normalises and counts its own slice of the lines in a dict of its own; the
dicts are merged at the end. Tokenising makes many short-lived strings, so this example
also measures the allocator, not just the interpreter loop.

``--mode shared-dict`` counts into one dict shared by all threads, guarded by one lock
(without the lock, ``d[w] = d.get(w, 0) + 1`` from several threads loses counts): the
result is still right, but the threads spend their time waiting for each other.

    python3.13t docs/examples/word_count.py --threads 4 --size 40000
"""

from __future__ import annotations

import argparse
import functools
import random
import string
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

WORDS_PER_LINE = 12
MODES = ("local", "shared-dict")
_PUNCTUATION = str.maketrans("", "", string.punctuation)


@functools.cache
def corpus(size: int) -> tuple[str, ...]:
    """`size` lines of text, the same for a given size on every run and interpreter."""
    rng = random.Random(size)
    letters = string.ascii_lowercase
    vocabulary = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 9)))
                  for _ in range(2000)]
    lines = []
    for _ in range(size):
        words = [rng.choice(vocabulary) for _ in range(WORDS_PER_LINE)]
        words[0] = words[0].capitalize()
        lines.append(" ".join(words) + rng.choice(".,;!?"))
    return tuple(lines)


def count(lines: tuple[str, ...]) -> dict[str, int]:
    """Word frequencies of `lines`, in a dict that only this call touches."""
    counts: dict[str, int] = {}
    get = counts.get
    for line in lines:
        for word in line.lower().translate(_PUNCTUATION).split():
            counts[word] = get(word, 0) + 1
    return counts


def count_shared(lines: tuple[str, ...], counts: dict[str, int], lock: threading.Lock) -> None:
    """The same, into one dict that every thread updates under one lock."""
    for line in lines:
        for word in line.lower().translate(_PUNCTUATION).split():
            with lock:
                counts[word] = counts.get(word, 0) + 1


def prepare(size: int) -> None:
    """Build the text before timing (benchmarks/speedups.py calls this)."""
    corpus(size)


def run(threads: int, size: int, mode: str = "local") -> tuple[int, int, tuple[tuple[str, int], ...]]:
    """(words, distinct words, the three most frequent) of the text, with `threads` threads."""
    lines = corpus(size)
    step = -(-len(lines) // threads)
    slices = [lines[i:i + step] for i in range(0, len(lines), step)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        if mode == "local":
            total: Counter[str] = Counter()
            for counts in pool.map(count, slices):
                total.update(counts)
        elif mode == "shared-dict":
            shared: dict[str, int] = {}
            lock = threading.Lock()
            list(pool.map(count_shared, slices, [shared] * len(slices), [lock] * len(slices)))
            total = Counter(shared)
        else:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
    top = tuple(sorted(total.items(), key=lambda item: (-item[1], item[0]))[:3])
    return sum(total.values()), len(total), top


def main() -> None:
    parser = argparse.ArgumentParser(description="word frequencies, in threads")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--size", type=int, default=20_000, help="lines (default 20000)")
    parser.add_argument("--mode", choices=MODES, default="local")
    args = parser.parse_args()
    prepare(args.size)
    start = time.perf_counter()
    words, distinct, top = run(args.threads, args.size, args.mode)
    print(f"{args.size} lines, {args.threads} threads, {args.mode}: {words} words, "
          f"{distinct} distinct, top {top} in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
