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

import dataclasses
import json
import os
import statistics
import sys
from pathlib import Path

from pairs import interleaved, pairs_parser, parse_pairs, timed_ms

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    """Measure and print the JSON report; returns the exit code."""
    parser = pairs_parser(__doc__, pairs=20, least=10, warmup=3)
    parser.add_argument("--preset", default="classic")
    parser.add_argument("--stride-layer", type=int, default=3)
    args = parse_pairs(parser)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from cnn_studio.model.nets.keras_build import build_model, build_untrained_model
    from cnn_studio.model.nets.untrained import initial_weights
    from cnn_studio.model.spec.presets import get_preset

    spec = get_preset(args.preset)
    layers = list(spec.layers)
    edited = layers[args.stride_layer]
    layers[args.stride_layer] = dataclasses.replace(edited, params={**edited.params, "stride": 2})
    spec = dataclasses.replace(spec, layers=layers)
    timings = interleaved(lambda _pair: build_model(spec),
                          lambda _pair: build_untrained_model(spec, 0), args.pairs, args.warmup)
    baseline, untrained = [p[0] for p in timings], [p[1] for p in timings]
    ratios = [new / old for old, new in timings]
    weights_ms = [timed_ms(lambda: initial_weights(spec, 0)) for _ in range(args.pairs)]
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
