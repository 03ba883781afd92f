"""Overhead of the shared training loop versus a bare ``model.fit`` on the same data.

Interleaved pairs, ``--runs`` (at least 5) of them: (a) bare ``fit`` on numpy arrays with Keras's
own shuffling, then (b) ``model.training.loop.train`` with every hook set (reports every 10
batches, activations and kernels every 0.3 s, a weights copy each epoch). Both include
building, compiling and tracing. Prints JSON with the median of the per-pair ratios (loop /
bare) with min and max, for wall and process-CPU time (goal: median at most about 1.1; on a
shared machine the CPU ratio is the steadier one), and the median times.

Usage: ``python benchmarks/training_bare.py [--samples 6000] [--epochs 2] [--runs 5]
[--preset classic]``
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


def bare_fit(spec, data, epochs: int, batch_size: int) -> tuple[float, float]:
    """Wall and process-CPU seconds for build + compile + ``fit`` without callbacks."""
    import keras

    from cnn_studio.model.nets.keras_build import build_model

    start, cpu = time.perf_counter(), time.process_time()
    model = build_model(spec, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(data.x, data.y, batch_size=batch_size, epochs=epochs, verbose=0, shuffle=True)
    return time.perf_counter() - start, time.process_time() - cpu


def loop_fit(spec, data, epochs: int, batch_size: int) -> tuple[float, float, float]:
    """Wall and CPU seconds of :func:`model.training.loop.train` with all hooks, and its samples/s."""
    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.training.config import TrainConfig, TrainHooks
    from cnn_studio.model.training.loop import train

    sink = []
    hooks = TrainHooks(on_batch=lambda *a: sink.append(a[3]),
                       on_epoch=lambda e, logs, w: sink.append(len(w)),
                       on_snapshot=lambda acts, kernels: sink.append(len(acts)),
                       on_message=sink.append)
    config = TrainConfig(epochs=epochs, batch_size=batch_size, val_fraction=0.0,
                         report_every_batches=10, activation_interval_s=0.3)
    start, cpu = time.perf_counter(), time.process_time()
    result = train(lambda: build_model(spec, seed=0), data, None, config, hooks,
                   probe_image=data.x[0])
    return time.perf_counter() - start, time.process_time() - cpu, result.samples_per_s


def main(argv: list[str] | None = None) -> dict:
    """Run the comparison and return the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=6000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--preset", default="classic")
    parser.add_argument("--runs", type=int, default=5, help="pairs (>= 5)")
    args = parser.parse_args(argv)
    if args.runs < 5:
        parser.error("measure at least 5 pairs")
    from cnn_studio.model.data.datasets import synthetic_dataset
    from cnn_studio.model.spec.presets import get_preset

    spec = get_preset(args.preset)
    data = synthetic_dataset(args.samples, seed=0)
    bare_fit(spec, data, 1, args.batch_size)  # warm TF up once before timing anything
    bare, bare_cpu, loop, loop_cpu, rates = [], [], [], [], []
    for _ in range(args.runs):
        seconds, cpu = bare_fit(spec, data, args.epochs, args.batch_size)
        bare.append(seconds)
        bare_cpu.append(cpu)
        seconds, cpu, rate = loop_fit(spec, data, args.epochs, args.batch_size)
        loop.append(seconds)
        loop_cpu.append(cpu)
        rates.append(rate)
    med = statistics.median
    wall = [b / a for a, b in zip(bare, loop, strict=True)]
    cpu = [b / a for a, b in zip(bare_cpu, loop_cpu, strict=True)]
    report = {
        "paired_ratio_loop_to_bare": {"median": round(med(wall), 3), "min": round(min(wall), 3),
                                      "max": round(max(wall), 3)},
        "paired_ratio_loop_to_bare_cpu": {"median": round(med(cpu), 3),
                                          "min": round(min(cpu), 3), "max": round(max(cpu), 3)},
        "benchmark": "training_bare",
        "preset": args.preset, "samples": args.samples, "epochs": args.epochs,
        "batch_size": args.batch_size, "runs": args.runs,
        "bare_fit_s_median": round(med(bare), 3),
        "train_loop_s_median": round(med(loop), 3),
        "ratio_loop_to_bare": round(med(loop) / med(bare), 3),
        # CPU seconds of this process: steadier than wall time when other work shares the cores
        "bare_fit_cpu_s_median": round(med(bare_cpu), 3),
        "train_loop_cpu_s_median": round(med(loop_cpu), 3),
        "ratio_loop_to_bare_cpu": round(med(loop_cpu) / med(bare_cpu), 3),
        "train_loop_samples_per_s_median": round(med(rates), 1),
    }
    return report


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
