"""What the pair benchmarks share: their PAIRS and --warmup options, and timing two sides as
interleaved pairs in one process (which side goes first alternates from pair to pair)."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from functools import partial


def pairs_parser(doc: str, pairs: int, least: int, warmup: int) -> argparse.ArgumentParser:
    """The options PAIRS (default ``pairs``) and --warmup (default ``warmup``); a script adds
    its own and reads them with ``parse_pairs``, which refuses fewer than ``least`` pairs."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("pairs", nargs="?", type=int, default=pairs,
                        help=f"measured pairs (>= {least})")
    parser.add_argument("--warmup", type=int, default=warmup, help="unmeasured pairs first")
    parser.set_defaults(least_pairs=least)
    return parser


def parse_pairs(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The parsed command line; exits with the parser's error when PAIRS is too small."""
    args = parser.parse_args()
    if args.pairs < args.least_pairs:
        parser.error(f"measure at least {args.least_pairs} pairs")
    return args


def timed_ms(call: Callable[[], object]) -> float:
    """Milliseconds ``call()`` took."""
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000.0


def interleaved(first: Callable[[int], object], second: Callable[[int], object], pairs: int,
                warmup: int) -> list[tuple[float, float]]:
    """(first ms, second ms) of each measured pair, after ``warmup`` unmeasured ones.

    Args:
        first: One side; called with the pair's index.
        second: The other side; called with the pair's index.
        pairs: How many pairs are measured.
        warmup: How many pairs run first, not measured.
    """
    sides: Sequence[Callable[[int], object]] = (first, second)
    results = []
    for index in range(warmup + pairs):
        order = (0, 1) if index % 2 == 0 else (1, 0)
        times = {side: timed_ms(partial(sides[side], index)) for side in order}
        if index >= warmup:
            results.append((times[0], times[1]))
    return results
