"""Benchmark: the numpy forward pass of one 28x28 image through the default model vs tf.function.

Both sides produce a full ``Prediction`` (probabilities and every layer's activation): the
numpy engine (``model.nets.keras_file.load_network(...).forward``) and the app's TensorFlow path
(``model.nets.inference.Predictor.forward``, a traced ``tf.function``). They are measured as
interleaved pairs in the same process (which side goes first alternates from pair to pair),
after a warm-up; the figure is the median of the per-pair ratios numpy / TensorFlow, with its
min and max. It also reports how long loading the engine takes before TensorFlow is imported.
Prints JSON.

Usage: ``python benchmarks/numpy_forward.py [PAIRS] [--warmup N] [--blas-threads N]``
(``--blas-threads`` sets ``OPENBLAS_NUM_THREADS`` before numpy is imported; by default the
environment's setting is kept). On a busy machine OpenBLAS' default worker threads make the
engine's small matrix products many times slower and its timings unstable (measured on a
shared 2-core machine: numpy/TF 1.1-4.1 by default, 0.42-0.45 with one BLAS thread).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

from pairs import interleaved, pairs_parser, parse_pairs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    """Run the benchmark and print its JSON."""
    parser = pairs_parser(__doc__, pairs=100, least=50, warmup=20)
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="OPENBLAS_NUM_THREADS for numpy (default: unchanged)")
    args = parse_pairs(parser)
    if args.blas_threads is not None:
        os.environ["OPENBLAS_NUM_THREADS"] = str(args.blas_threads)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    start = time.perf_counter()
    from cnn_studio.model.nets.keras_file import load_network
    from cnn_studio.model.storage.paths import DEFAULT_MODEL_DIR

    network = load_network(DEFAULT_MODEL_DIR / "default.keras")
    load_s = time.perf_counter() - start
    assert "tensorflow" not in sys.modules

    import numpy as np

    from cnn_studio.model.nets.inference import Predictor, load_default_model
    from cnn_studio.model.synth.generator import sample_image

    predictor = Predictor(load_default_model())
    rng = np.random.default_rng(0)
    images = [sample_image(c, rng) for c in "AbCdEfGhIj"]
    worst = max(float(np.abs(network.forward(x).probs - predictor.forward(x).probs).max())
                for x in images)
    pairs = interleaved(lambda i: network.forward(images[i % len(images)]),
                        lambda i: predictor.forward(images[i % len(images)]),
                        args.pairs, args.warmup)
    ratios = [np_ms / tf_ms for np_ms, tf_ms in pairs]
    print(json.dumps({
        "figure": "numpy forward of one 28x28 image through the default model vs tf.function "
                  "forward (Predictor.forward), both with every layer's activations",
        "numpy_median_ms": round(statistics.median(p[0] for p in pairs), 3),
        "tf_function_median_ms": round(statistics.median(p[1] for p in pairs), 3),
        "ratio_median": round(statistics.median(ratios), 3),
        "ratio_min": round(min(ratios), 3),
        "ratio_max": round(max(ratios), 3),
        "pairs": len(pairs),
        "warmup_pairs": args.warmup,
        "numpy_engine_load_s_without_tensorflow": round(load_s, 3),
        "max_abs_probability_difference": worst,
        "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        "cpu_count": os.cpu_count(),
    }, indent=2))


if __name__ == "__main__":
    main()
