"""Test-suite wall time against an older suite, measured in the same window (A B A B pairs).

The machine is shared, so an absolute figure from another day says little: this runs the
suite of a baseline commit (in a temporary git worktree, with this checkout's interpreter) and
today's suite alternately, and reports each pair's ratio. Today's suite runs as the test
command runs it (pytest-xdist, ``--dist loadfile``); the baseline as it ran then (one process).

Usage: ``python benchmarks/suite_time.py [--baseline REV] [--pairs N]``. Prints JSON.
Default baseline: 032f708, the suite of the first round (558 tests, 76 s when issue 15 was
filed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cnn_studio.dev import PARALLEL as CURRENT  # the test command's own options

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ["-p", "no:xdist"]


def run_suite(folder: Path, extra: list[str]) -> dict:
    """Run pytest in ``folder``; wall seconds and the number of tests that passed."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TF_CPP_MIN_LOG_LEVEL="2")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *extra], cwd=folder, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    passed = re.search(r"(\d+) passed", done.stdout)
    return {"seconds": round(seconds, 1), "passed": int(passed.group(1)) if passed else 0,
            "ok": done.returncode == 0,
            "failed": re.findall(r"^(?:FAILED|ERROR) (\S+)", done.stdout, re.MULTILINE)}


def main(baseline: str, pairs: int) -> dict:
    """Alternate baseline and current suites ``pairs`` times; the ratios current/baseline."""
    with tempfile.TemporaryDirectory() as scratch:
        old = Path(scratch) / "baseline"
        subprocess.run(["git", "worktree", "add", "-f", "--detach", str(old), baseline],
                       cwd=ROOT, check=True, capture_output=True)
        try:
            runs = []
            for index in range(pairs):
                order = [("baseline", old, BASELINE), ("current", ROOT, CURRENT)]
                pair = {name: run_suite(folder, extra)
                        for name, folder, extra in (order if index % 2 == 0 else order[::-1])}
                runs.append(pair)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT,
                           capture_output=True)
    ratios = [pair["current"]["seconds"] / pair["baseline"]["seconds"] for pair in runs]
    return {"baseline": baseline, "cores": os.cpu_count(), "pairs": runs,
            "ratio_median": round(statistics.median(ratios), 3),
            "ratios": [round(r, 3) for r in ratios], "goal": "ratio <= 1.0",
            "met": statistics.median(ratios) <= 1.0}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="032f708", help="git revision of the old suite")
    parser.add_argument("--pairs", type=int, default=2, help="A B pairs (default 2)")
    args = parser.parse_args()
    print(json.dumps(main(args.baseline, args.pairs), indent=2))
