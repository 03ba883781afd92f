"""The seeds' experiment measured: the dense and classic presets on the same letters and seed.

Trains both presets (``--epochs``, 2 by default) on the same ``--samples`` letters (the
window's default mix of synthetic and built-in real letters, validated on the held-out sites),
keeps them as runs in a temporary runs folder, and prints JSON with each network's parameters,
accuracy on the fixed real letters, accuracy with the letters moved 0 and 4 pixels, training
seconds, the explanation text the app shows, and the runs folder (for
``benchmarks/shoot_runs.py``).

Usage: ``python benchmarks/dense_vs_cnn.py [--epochs 2] [--samples 10000] [--seed 0]``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv: list[str] | None = None) -> dict:
    """Run the experiment and return the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from cnn_studio.model.data import datasets
    from cnn_studio.model.runs.dense_vs_cnn import run_experiment
    from cnn_studio.model.runs.robustness import accuracy_at
    from cnn_studio.model.runs.store import RunStore
    from cnn_studio.model.training.config import TrainConfig

    choice = datasets.DataChoice(args.samples, 1.0, 0.0, 0.0, real_weight=1.0)
    config = TrainConfig(epochs=args.epochs, seed=args.seed)
    data = datasets.training_data(choice, config.val_fraction, config.seed)
    store = RunStore(tempfile.mkdtemp(prefix="dense-vs-cnn-"))
    experiment = run_experiment(store, data,
                                config, {"source": "synthetic+unipen",
                                         "samples": args.samples})

    def figures(record) -> dict:
        shift = record.metrics.get("robustness", {}).get("shift", [])
        return {"params": record.params, "macs": record.macs,
                "validation_accuracy": record.metrics.get("val_accuracy"),
                "real_letter_accuracy": record.metrics.get("real_accuracy"),
                "real_letters": record.metrics.get("real_letters"),
                "accuracy_shift_0": accuracy_at(shift, 0),
                "accuracy_shift_4": accuracy_at(shift, 4),
                "robustness_letters": record.metrics.get("robustness_letters"),
                "train_seconds": round(record.wall_s, 1),
                "samples_per_s": round(record.samples_per_s, 1)}

    return {"benchmark": "dense_vs_cnn", "epochs": args.epochs, "samples": args.samples,
            "seed": args.seed, "cpu_count": os.cpu_count(), "runs_folder": str(store.root),
            "dense": figures(experiment.dense), "classic": figures(experiment.cnn),
            "text": experiment.text}


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
