"""Overhead of keeping the run record on training throughput: paired runs with and without it.

Pairs, ``--runs`` (at least 4) of them, in one process on the same letters, in the order A B,
B A, A B, ... so that a machine getting slower or faster favours neither:
(A) :func:`model.training.loop.train` with the window's hooks, (B) the same with a
:class:`model.runs.recorder.RunRecorder` (records written into a temporary runs folder at the
default rate: every epoch, at most every 5 s in between). Prints JSON with the in-app
samples/s (``TrainResult.samples_per_s``, the figure the dashboard shows) of each, the median
of the per-pair ratios recorded / bare (goal: at least 0.97) with min and max, the share of
the batch loop's time spent inside the recorder (timed around its calls: a figure other work
on a shared machine does not blur), and the seconds the recorder adds after training (saving
the model, measuring it on the real letters).

Usage: ``python benchmarks/recording.py [--samples 6000] [--epochs 2] [--runs 4]
[--preset classic]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _timed_recorder(store, spec, config):
    """A RunRecorder that also sums the seconds its batch() calls take (they run inside the
    batch loop that samples/s measures)."""
    from cnn_studio.model.runs.recorder import RunRecorder

    class TimedRecorder(RunRecorder):
        batch_s = 0.0

        def batch(self, *args):
            start = time.perf_counter()
            super().batch(*args)
            self.batch_s += time.perf_counter() - start

    return TimedRecorder(store, spec, config, {"source": "bench"})


def one_run(spec, data, epochs: int, store=None) -> tuple[float, float, float | None]:
    """``(samples/s, wall seconds, share of the batch loop spent in the recorder)`` of one
    training run, recorded when ``store`` is given (the share is None without)."""
    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.training.config import TrainConfig, TrainHooks
    from cnn_studio.model.training.loop import train

    sink = []
    hooks = TrainHooks(on_batch=lambda *a: sink.append(a[3]),
                       on_epoch=lambda e, logs, w: sink.append(len(w)), on_message=sink.append)
    config = TrainConfig(epochs=epochs, val_fraction=0.1)
    recorder = None if store is None else _timed_recorder(store, spec, config)
    start = time.perf_counter()
    result = train(lambda: build_model(spec, seed=0), data, None, config, hooks,
                   recorder=recorder)
    share = None
    if recorder is not None:
        loop_s = result.samples_seen / max(result.samples_per_s, 1e-9)
        share = recorder.batch_s / loop_s
    return result.samples_per_s, time.perf_counter() - start, share


def main(argv: list[str] | None = None) -> dict:
    """Run the pairs and return the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=6000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--preset", default="classic")
    parser.add_argument("--runs", type=int, default=4, help="pairs (>= 4)")
    args = parser.parse_args(argv)
    if args.runs < 4:
        parser.error("measure at least 4 pairs")
    from cnn_studio.model.data.datasets import synthetic_dataset
    from cnn_studio.model.runs.real_set import measuring_set
    from cnn_studio.model.runs.store import RunStore
    from cnn_studio.model.spec.presets import get_preset

    spec = get_preset(args.preset)
    data = synthetic_dataset(args.samples, seed=0)
    measuring_set()  # rendered once per process, as in the app
    store = RunStore(tempfile.mkdtemp(prefix="runs-bench-"))
    one_run(spec, data, 1)  # warm TensorFlow up before timing
    bare, recorded, bare_s, recorded_s, shares = [], [], [], [], []
    for pair in range(args.runs):
        order = (None, store) if pair % 2 == 0 else (store, None)  # A B, then B A: no drift
        for where in order:
            rate, seconds, share = one_run(spec, data, args.epochs, where)
            if share is not None:
                shares.append(share)
            (bare if where is None else recorded).append(rate)
            (bare_s if where is None else recorded_s).append(seconds)
    med = statistics.median
    ratios = [b / a for a, b in zip(bare, recorded, strict=True)]
    return {
        "benchmark": "recording", "preset": args.preset, "samples": args.samples,
        "epochs": args.epochs, "runs": args.runs, "cpu_count": os.cpu_count(),
        "paired_ratio_recorded_to_bare_samples_per_s": {
            "median": round(med(ratios), 3), "min": round(min(ratios), 3),
            "max": round(max(ratios), 3)},
        # measured inside the recorded runs: unaffected by other work on the machine
        "recorder_share_of_batch_loop_median": round(med(shares), 5),
        "samples_per_s_ratio_from_recorder_time": round(1 - med(shares), 4),
        "bare_samples_per_s": [round(r, 1) for r in bare],
        "recorded_samples_per_s": [round(r, 1) for r in recorded],
        "bare_wall_s_median": round(med(bare_s), 2),
        "recorded_wall_s_median": round(med(recorded_s), 2),
        "seconds_added_after_training_median": round(med(recorded_s) - med(bare_s), 2),
    }


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
