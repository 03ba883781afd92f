"""Cost of drawing the built-in real letters with variation (the dashboard's and ``train``'s
Augment option) against drawing them plainly, measured in the same run.

(a) baseline: ``RealLetters.render`` of the chosen letters, one process (what the disk cache
saves once); (b) ``render_varied`` in one process; (c) ``render_varied`` with one process per
core, pool start included. ``--runs`` alternations, medians. Prints JSON with letters/s and
the ratios (b)/(a) and (c)/(a).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from cnn_studio.model.data import real_letters
from cnn_studio.model.data.real_letters_varied import render_varied


def _timed(work, *args, **kwargs) -> float:
    start = time.perf_counter()
    work(*args, **kwargs)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=8000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    letters = real_letters.load_default()
    chosen = np.random.default_rng(0).choice(len(letters), args.letters, replace=False)
    times = {"plain": [], "varied_one_process": [], "varied_all_cores": []}
    for run in range(args.runs):
        times["plain"].append(_timed(letters.render, chosen))
        times["varied_one_process"].append(
            _timed(render_varied, letters, chosen, run, workers=1))
        times["varied_all_cores"].append(_timed(render_varied, letters, chosen, run))
    rates = {name: round(args.letters / statistics.median(t), 1) for name, t in times.items()}
    result = {"benchmark": "real_letters_varied", "letters": args.letters, "runs": args.runs,
              "cores": os.cpu_count(), "letters_per_s": rates,
              "ratio_varied_one_process_vs_plain": round(
                  rates["varied_one_process"] / rates["plain"], 3),
              "ratio_varied_all_cores_vs_plain": round(
                  rates["varied_all_cores"] / rates["plain"], 3)}
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
