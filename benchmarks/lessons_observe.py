"""How long each Learn step's observation takes on the shipped model (what the Learn panel
waits for after a pen-up), as ratios against one forward pass measured in the same run.

For each step, the check's real letters (``model.lessons.check``) are observed in turn, with the
baseline, the model's own eager forward pass ``model(x, training=False)`` of the same letter,
measured right before each observation. Prints JSON: per step the median and slowest time in
milliseconds and the median's ratio to the baseline's median.

Usage: ``python benchmarks/lessons_observe.py [ROUNDS]`` (default 3 rounds of 5 letters).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    """Measure and print the JSON report; returns the exit code."""
    argv = sys.argv[1:] if argv is None else argv
    rounds = int(argv[0]) if argv else 3
    from cnn_studio.model.lessons.check import check_letters
    from cnn_studio.model.lessons.steps import STEPS
    from cnn_studio.model.nets.inference import load_default_model

    model = load_default_model()
    letters = check_letters()
    for step in STEPS:  # warm-up: imports, traced functions, caches
        step.run(model, letters[0].image)
    baseline, steps = [], {}
    for step in STEPS:
        times = []
        for _ in range(rounds):
            for letter in letters:
                start = time.perf_counter()
                model(letter.image[None, :, :, None], training=False)
                baseline.append(time.perf_counter() - start)
                start = time.perf_counter()
                step.run(model, letter.image)
                times.append(time.perf_counter() - start)
        steps[step.key] = times
    base = statistics.median(baseline)
    report = {"benchmark": "lessons_observe", "rounds": rounds, "letters": len(letters),
              "baseline": "model(x, training=False), one letter",
              "baseline_median_ms": round(base * 1000, 2),
              "steps": {key: {"median_ms": round(statistics.median(t) * 1000, 1),
                              "max_ms": round(max(t) * 1000, 1),
                              "ratio_to_baseline": round(statistics.median(t) / base, 1)}
                        for key, t in steps.items()}}
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
