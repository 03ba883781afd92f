"""Benchmark: building the network being edited with its Gaussian starting weights.

After an edit in the builder the views wait for ``keras_build.build_untrained_model`` (run in a
lane of the task runner, off the GUI thread) before they switch to the edited network. It is
measured against the baseline of building the same Keras model with Keras's own initialisers
(``keras_build.build_model``), as interleaved pairs in one process (which goes first alternates),
after a warm-up; also the time of drawing the weights alone (``untrained.initial_weights``,
numpy). The figure is the median of the per-pair ratios untrained / baseline. Prints JSON.

Usage: ``python benchmarks/shown_network.py [PAIRS] [--preset classic] [--stride-layer 3]``
(the network: the preset with stride 2 on the 0-based layer ``--stride-layer``, as a person
editing it makes it).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", nargs="?", type=int, default=20, help="measured pairs (>= 10)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured pairs first")
    parser.add_argument("--preset", default="classic")
    parser.add_argument("--stride-layer", type=int, default=3)
    args = parser.parse_args()
    if args.pairs < 10:
        parser.error("measure at least 10 pairs")
    return args


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1000.0


def main() -> int:
    """Measure and print the JSON report; returns the exit code."""
    args = _args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from cnn_studio.model.nets.keras_build import build_model, build_untrained_model
    from cnn_studio.model.nets.untrained import initial_weights
    from cnn_studio.model.spec.presets import get_preset

    spec = get_preset(args.preset)
    layers = list(spec.layers)
    edited = layers[args.stride_layer]
    layers[args.stride_layer] = dataclasses.replace(edited, params={**edited.params, "stride": 2})
    spec = dataclasses.replace(spec, layers=layers)
    baseline, untrained, ratios = [], [], []
    for pair in range(args.warmup + args.pairs):
        sides = [lambda: build_model(spec), lambda: build_untrained_model(spec, 0)]
        order = (0, 1) if pair % 2 == 0 else (1, 0)
        times = {side: _timed(sides[side]) for side in order}
        if pair >= args.warmup:
            baseline.append(times[0])
            untrained.append(times[1])
            ratios.append(times[1] / times[0])
    weights_ms = [_timed(lambda: initial_weights(spec, 0)) for _ in range(args.pairs)]
    report = {
        "benchmark": "shown_network",
        "network": f"{args.preset} with stride 2 on layer {args.stride_layer}",
        "pairs": args.pairs,
        "baseline_build_model_ms_median": round(statistics.median(baseline), 2),
        "build_untrained_model_ms_median": round(statistics.median(untrained), 2),
        "build_untrained_model_ms_max": round(max(untrained), 2),
        "ratio_untrained_over_baseline_median": round(statistics.median(ratios), 3),
        "ratio_min": round(min(ratios), 3),
        "ratio_max": round(max(ratios), 3),
        "initial_weights_ms_median": round(statistics.median(weights_ms), 2),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
