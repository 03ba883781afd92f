"""Shared helpers of the training loop's tests (tests/model/training/test_loop*.py): the tiny
network, a small training configuration and a recorder of what the hooks receive."""

from __future__ import annotations

import threading

import keras

from cnn_studio.model.nets.keras_build import build_model
from cnn_studio.model.spec.presets import get_preset
from cnn_studio.model.training.config import TrainConfig, TrainHooks

STEPS = 10  # 312 training samples (of easy_data(390), 20 % held out) in batches of 32


def tiny(seed: int = 0) -> keras.Model:
    return build_model(get_preset("tiny"), seed=seed)


def config(**changes) -> TrainConfig:
    settings = dict(epochs=1, batch_size=32, learning_rate=0.01, val_fraction=0.2,
                    report_every_batches=1)
    settings.update(changes)
    return TrainConfig(**settings)


class Recorder:
    """Collects everything the hooks receive; ``on_batch_extra`` runs inside on_batch."""

    def __init__(self, on_batch_extra=None):
        self.batches, self.epochs, self.snapshots, self.messages = [], [], [], []
        self.on_batch_extra = on_batch_extra
        self.snapshot_seen = threading.Event()
        self.paused = threading.Event()

    def hooks(self) -> TrainHooks:
        return TrainHooks(on_batch=self._batch, on_epoch=self._epoch,
                          on_snapshot=self._snapshot, on_message=self._message)

    def _batch(self, *args):
        self.batches.append(args)
        if self.on_batch_extra is not None:
            self.on_batch_extra(*args)

    def _epoch(self, epoch, logs, weights):
        self.epochs.append((epoch, logs, weights))

    def _snapshot(self, activations, kernels):
        self.snapshots.append((activations, kernels))
        self.snapshot_seen.set()

    def _message(self, text):
        self.messages.append(text)
        if text.startswith("Paused"):
            self.paused.set()
