"""Run records for the runs tests: a plausible record with chosen figures (test helper)."""

from __future__ import annotations

import json

from cnn_studio.model.runs.record import RunRecord
from cnn_studio.model.runs.store import RunStore
from cnn_studio.model.spec.files import to_json
from cnn_studio.model.spec.presets import get_preset


def record(preset: str = "tiny", *, real: float | None = None, shift: list | None = None,
           **changes) -> RunRecord:
    """A finished record of ``preset`` whose real accuracy and shift curve are given."""
    spec = get_preset(preset)
    metrics = {}
    if real is not None:
        metrics.update(real_accuracy=real, real_letters=1040)
    if shift is not None:
        metrics["robustness"] = {"shift": [list(point) for point in shift]}
    values = dict(id="run-1", name=preset, created="2026-12-07T10:00:00Z",
                  updated="2026-12-07T10:00:00Z", status="finished", pid=1, host="elsewhere",
                  app_version="0.2.0", device="cpu", network=json.loads(to_json(spec)),
                  settings={"epochs": 2, "batch_size": 64}, data={"source": "synthetic"},
                  seed=0, params=1000, macs=2000, epochs_planned=2, epochs_completed=2,
                  metrics=metrics)
    values.update(changes)
    return RunRecord(**values)


def kept(store: RunStore, **changes) -> RunRecord:
    """``record(**changes)`` created in ``store`` (its id may get a suffix)."""
    return store.create(record(**changes))


def with_curves(run: RunRecord, epochs: int = 2, steps: int = 5, seed: int = 0) -> RunRecord:
    """``run`` with per-batch and per-epoch curves falling like a real run's (seeded)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    batch, epoch = run.curves["batch"], run.curves["epoch"]
    for e in range(1, epochs + 1):
        for s in range(1, steps + 1):
            seen = ((e - 1) * steps + s) * 64
            loss = 3.3 / (1 + seen / 300) + 0.05 * rng.random()
            for key, value in zip(("epoch", "step", "samples_seen", "loss", "accuracy"),
                                  (e, s, seen, loss, 1 - loss / 3.4), strict=True):
                batch[key].append(value)
        for key, value in zip(("samples_seen", "loss", "accuracy", "val_loss", "val_accuracy",
                               "learning_rate"),
                              (e * steps * 64, batch["loss"][-1], batch["accuracy"][-1],
                               batch["loss"][-1] + 0.1, batch["accuracy"][-1] - 0.05, 1e-3),
                              strict=True):
            epoch[key].append(value)
    run.epochs_completed = epochs
    return run
