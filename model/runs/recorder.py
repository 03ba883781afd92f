"""Keeps the record of a training run while it goes: give a :class:`RunRecorder` to ``train``.

The recorder makes the run folder when it is created, keeps the curves in memory and writes the
record atomically after every epoch and at most every ``write_interval_s`` in between, so that a
run killed at any moment leaves a whole record of its last write. At the end it saves the
trained model into the folder, measures it on the fixed real letters and keeps the models of
all runs within :data:`model.runs.store.MAX_KEPT_MODEL_BYTES`.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict

import numpy as np

from cnn_studio import __version__
from cnn_studio.model.runs.real_set import accuracies, measuring_set
from cnn_studio.model.runs.record import (
    CURVE_KEYS,
    MODEL_FILE,
    RunRecord,
    hostname,
)
from cnn_studio.model.runs.robustness import keras_classifier
from cnn_studio.model.runs.store import MAX_KEPT_MODEL_BYTES, RunStore, now_text
from cnn_studio.model.spec.analysis import analyze
from cnn_studio.model.spec.files import to_json
from cnn_studio.model.spec.network import NetworkSpec
from cnn_studio.model.training.config import TrainConfig

LOG = logging.getLogger(__name__)
MAX_BATCH_POINTS = 4000  # per-batch points kept; beyond, every other one is dropped


class RunRecorder:
    """The ``recorder`` of :func:`model.training.loop.train`: one run folder, kept current.

    Args:
        store: where the run is kept.
        spec: the network being trained.
        config: the training settings.
        data: JSON-ready description of the letters (source, samples, validation share ...).
        name: the run's shown name (default: the network's name).
        measure: measure the trained model on the fixed real letters at the end.
        write_interval_s: least time between two writes within an epoch.
        model_limit: bytes all runs' models may take together.

    Raises:
        RunError: the run folder cannot be made.
    """

    def __init__(self, store: RunStore, spec: NetworkSpec, config: TrainConfig, data: dict,
                 name: str | None = None, *, measure: bool = True,
                 write_interval_s: float = 5.0, model_limit: int = MAX_KEPT_MODEL_BYTES):
        self.store, self.spec = store, spec
        self.measure, self.write_interval_s, self.model_limit = measure, write_interval_s, \
            model_limit
        self.problem: str | None = None  # the first write that failed, in one line
        self.removed_models: list[str] = []  # runs whose models went to respect the limit
        self._last_write = 0.0
        self._stride = 1  # keep every this many reported batches
        self._reports = 0
        report = analyze(spec)
        created = now_text()
        stamp = created.replace("-", "").replace(":", "").replace("T", "-").rstrip("Z")
        self.record = store.create(RunRecord(
            id=f"{stamp}-{spec.name}", name=name or spec.name, created=created,
            updated=created, status="running", pid=os.getpid(), host=hostname(),
            app_version=__version__, device=config.device, network=json.loads(to_json(spec)),
            settings=asdict(config), data=dict(data), seed=int(config.seed),
            params=report.total_params, macs=report.total_macs,
            epochs_planned=int(config.epochs)))

    @property
    def run_id(self) -> str:
        """The id (folder name) of the run."""
        return self.record.id

    def _write(self) -> None:
        self._last_write = time.perf_counter()
        try:
            self.store.write(self.record)
        except OSError as error:
            if self.problem is None:
                self.problem = (f"the run record could not be written "
                                f"({error.strerror or error}); the run is not kept")
                LOG.warning("%s", self.problem)

    def started(self, samples: int, validation_samples: int, steps_per_epoch: int) -> None:
        """Training begins (see :class:`model.training.config.TrainRecorder`)."""
        self.record.samples, self.record.validation_samples = int(samples), \
            int(validation_samples)
        self._write()

    def batch(self, epoch: int, step: int, samples_seen: int, loss: float,
              accuracy: float) -> None:
        """Keep one reported batch; write when ``write_interval_s`` has passed."""
        self._reports += 1
        if self._reports % self._stride == 0:
            curve = self.record.curves["batch"]
            for key, value in zip(CURVE_KEYS["batch"],
                                  (epoch, step, samples_seen, float(loss), float(accuracy)),
                                  strict=True):
                curve[key].append(value)
            if len(curve["loss"]) > MAX_BATCH_POINTS:
                for key in curve:
                    curve[key] = curve[key][1::2]
                self._stride *= 2
        self.record.samples_seen = int(samples_seen)
        if time.perf_counter() - self._last_write >= self.write_interval_s:
            self._write()

    def epoch(self, epoch: int, samples_seen: int, logs: dict) -> None:
        """Keep a complete epoch's figures and write the record."""
        curve = self.record.curves["epoch"]
        curve["samples_seen"].append(int(samples_seen))
        for key in CURVE_KEYS["epoch"][1:]:
            value = logs.get(key)
            curve[key].append(None if value is None else float(value))
        self.record.epochs_completed = int(epoch)
        self.record.samples_seen = int(samples_seen)
        self.record.metrics.update({key: float(logs[key]) for key in
                                    ("loss", "accuracy", "val_loss", "val_accuracy")
                                    if key in logs})
        self._write()

    def finished(self, result) -> None:
        """Record how the run ended, keep its model and measure it on the real letters."""
        record = self.record
        record.status = ("diverged" if result.diverged else
                         "stopped" if result.stopped else "finished")
        record.epochs_completed = int(result.epochs_completed)
        record.wall_s, record.samples_per_s = float(result.elapsed_s), \
            float(result.samples_per_s)
        record.samples_seen, record.message = int(result.samples_seen), result.message[:2000]
        if result.samples_seen and not result.diverged:
            self._keep_model(result.model)
        elif result.diverged:
            record.model_note = "the run diverged; no model was kept"
        else:
            record.model_note = "nothing was trained; no model was kept"
        self._write()

    def _keep_model(self, model) -> None:
        from cnn_studio.model.nets.model_files import ModelFileError, save_model_file

        folder = self.store.folder(self.record.id)
        try:
            save_model_file(model, self.spec, folder / MODEL_FILE)
            self.record.model_file = MODEL_FILE
        except (ModelFileError, OSError) as error:
            self.record.model_note = f"the model could not be saved ({str(error)[:200]})"
        if self.measure:
            self.record.metrics.update(measure_real_letters(model))
        self._write()
        self.removed_models = self.store.keep_models_within(self.model_limit, self.record.id)

    def failed(self, message: str) -> None:
        """Record that the run ended with an error."""
        self.record.status = "failed"
        self.record.message = message[:2000]
        self.record.model_note = "the run failed; no model was kept"
        self._write()


def measure_real_letters(model) -> dict:
    """``real_accuracy``, per case, ``per_letter`` of a Keras model on the fixed real letters.

    Returns an empty dict when the built-in letters cannot be read (the log says why).
    """
    from cnn_studio.model.data.real_letters import RealLettersError

    try:
        letters = measuring_set()
    except RealLettersError as error:
        LOG.warning("real letters not measured: %s", error)
        return {}
    scores = keras_classifier(model)(letters.x)
    return accuracies(np.asarray(scores), letters)

