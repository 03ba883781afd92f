"""Seconds to compute one run's robustness curves (shift, rotation, scale) on the real letters.

Loads a model (the shipped default model, or ``--preset`` built untrained: the time does not
depend on the weights), renders the fixed real-letter set once, then times
:func:`model.runs.robustness.robustness_curves` ``--repeats`` times. Prints JSON with the
median and the extremes, the letters and images measured, and the images per second.

Usage: ``python benchmarks/robustness.py [--preset classic] [--repeats 3]``
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
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default=None, help="an untrained preset instead of the "
                                                       "shipped model")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from cnn_studio.model.nets.inference import load_default_model
    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.runs.real_set import measuring_set
    from cnn_studio.model.runs.robustness import (
        ROBUSTNESS_PER_LETTER,
        keras_classifier,
        robustness_curves,
        variants,
    )
    from cnn_studio.model.spec.presets import get_preset

    model = build_model(get_preset(args.preset), seed=0) if args.preset else load_default_model()
    start = time.perf_counter()
    letters = measuring_set().first(ROBUSTNESS_PER_LETTER)
    render_s = time.perf_counter() - start
    classify = keras_classifier(model)
    times, curves = [], None
    for _ in range(max(1, args.repeats)):
        start = time.perf_counter()
        curves = robustness_curves(classify, letters)
        times.append(time.perf_counter() - start)
    images = len(variants(letters.x)) * len(letters.y)
    print(json.dumps({
        "benchmark": "robustness", "model": args.preset or "default (shipped)",
        "cpu_count": os.cpu_count(), "letters": len(letters.y), "images": images,
        "render_real_letters_s": round(render_s, 3),
        "median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
        "images_per_s": round(images / statistics.median(times)),
        "accuracy_at_shift": {str(int(a)): round(acc, 4) for a, acc in curves["shift"]},
    }, indent=1))


if __name__ == "__main__":
    main()
