"""Training settings and controls without TensorFlow: the ranges of every setting, the run's
configuration, the hooks that carry progress out of a run and the control that carries requests
in (stop, pause, step, slow motion, learning rate, probe image). The window imports this before
TensorFlow loads.
"""

from __future__ import annotations

import importlib.util
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from cnn_studio.model.errors import UserError

#: The processors a run may use (``model.training.devices`` maps each to TensorFlow devices);
#: ``gpu:N`` (N = 0, 1, ...) picks one GPU by number too.
DEVICE_KEYS = ("cpu", "gpu", "mirrored", "multiworker")


def is_device_key(device) -> bool:
    """True for one of :data:`DEVICE_KEYS` or ``gpu:N`` with N a number 0..999."""
    return isinstance(device, str) and (
        device in DEVICE_KEYS or re.fullmatch(r"gpu:\d{1,3}", device) is not None)

LEARNING_RATE_RANGE = (1e-6, 10.0)
#: Batches per second a slowed-down run may be held to (slow motion; None: full speed).
BATCH_RATE_RANGE = (1.0, 20.0)


class TrainConfigError(UserError):
    """A training setting is out of range or unknown."""


@dataclass
class TrainHooks:
    """Optional callables :func:`train` calls from the training thread with numpy/python data.

    Attributes:
        on_batch: ``(epoch, step, steps_per_epoch, loss, accuracy, samples_per_s)``; epoch and
            step count from 1; loss and accuracy are the running means of the epoch so far.
        on_epoch: ``(epoch, logs, weights)`` after each complete epoch; ``logs`` has loss,
            accuracy, val_loss, val_accuracy (with validation data) and learning_rate.
        on_snapshot: ``(activations, kernels)``: each layer's output for the probe image (empty
            without one) and the kernels of every conv layer, first layer first.
        on_message: ``(text)`` for status lines (start, learning rate changes, stop, divergence).
        on_paused: ``(text)`` when the run holds between batches (text: where); without it
            the line goes to ``on_message``.
    """

    on_batch: Callable[[int, int, int, float, float, float], None] | None = None
    on_epoch: Callable[[int, dict, list[np.ndarray]], None] | None = None
    on_snapshot: Callable[[list[np.ndarray], list[np.ndarray]], None] | None = None
    on_message: Callable[[str], None] | None = None
    on_paused: Callable[[str], None] | None = None

    def message(self, text: str) -> None:
        """Send ``text`` to ``on_message`` when set."""
        if self.on_message is not None:
            self.on_message(text)


class TrainRecorder(Protocol):
    """What :func:`model.training.loop.train` tells a run record (``model.runs.RunRecorder``).

    Every method is called from the training thread; each must return quickly (the recorder
    keeps the figures in memory and writes its file at a bounded rate).
    """

    def started(self, samples: int, validation_samples: int, steps_per_epoch: int) -> None:
        """Training begins: training and validation samples per epoch, batches per epoch."""

    def batch(self, epoch: int, step: int, samples_seen: int, loss: float,
              accuracy: float) -> None:
        """The running means of the epoch, as often as ``on_batch`` reports."""

    def epoch(self, epoch: int, samples_seen: int, logs: dict) -> None:
        """A complete epoch's figures (the same ``logs`` as ``on_epoch``)."""

    def finished(self, result) -> None:
        """The run ended (finished, stopped or diverged) with this ``TrainResult``."""

    def failed(self, message: str) -> None:
        """The run ended with an error, described by ``message``."""


class TrainControl:
    """What other threads may change while :func:`train` runs. Every method is thread-safe.

    Args:
        stop_event: set it to stop training within one batch (a new Event if None).
        pause_event: while it is set, training waits between batches (a new Event if None).
    """

    def __init__(
        self,
        stop_event: threading.Event | None = None,
        pause_event: threading.Event | None = None,
    ):
        self.stop_event = stop_event if stop_event is not None else threading.Event()
        self.pause_event = pause_event if pause_event is not None else threading.Event()
        self._lock = threading.Lock()
        self._pending_lr: float | None = None
        self._probe: np.ndarray | None = None
        self._probe_version = 0
        self._steps = 0
        self._batch_rate: float | None = None

    def request_stop(self) -> None:
        """Ask training to stop after the current batch."""
        self.stop_event.set()

    def pause(self) -> None:
        """Hold training between two batches until :meth:`resume` (or a stop)."""
        self.pause_event.set()

    def resume(self) -> None:
        """Continue after :meth:`pause`."""
        self.pause_event.clear()

    def step(self) -> None:
        """While paused, let one more batch run, then hold again (no effect when not paused)."""
        with self._lock:
            self._steps += 1

    def take_step(self) -> bool:
        """Whether a step was asked for since the last call (used by the training loop)."""
        with self._lock:
            asked, self._steps = self._steps > 0, 0
        return asked

    def set_batch_rate(self, per_second: float | None) -> None:
        """Run at most ``per_second`` batches a second from the next batch on (None: full speed).

        Raises:
            TrainConfigError: outside :data:`BATCH_RATE_RANGE`.
        """
        value = None if per_second is None else float(per_second)
        low, high = BATCH_RATE_RANGE
        if value is not None and not (math.isfinite(value) and low <= value <= high):
            raise TrainConfigError(f"batches per second must be between {low:g} and {high:g}")
        with self._lock:
            self._batch_rate = value

    def batch_rate(self) -> float | None:
        """The most batches a second the run may make now (None: full speed)."""
        with self._lock:
            return self._batch_rate

    def set_learning_rate(self, learning_rate: float) -> None:
        """Use ``learning_rate`` from the next batch on.

        Raises:
            TrainConfigError: outside :data:`LEARNING_RATE_RANGE`.
        """
        low, high = LEARNING_RATE_RANGE
        value = float(learning_rate)
        if not math.isfinite(value) or not low <= value <= high:
            raise TrainConfigError(f"learning_rate must be between {low:g} and {high:g}")
        with self._lock:
            self._pending_lr = value

    def take_learning_rate(self) -> float | None:
        """The learning rate set since the last call, or None (used by the training loop)."""
        with self._lock:
            value, self._pending_lr = self._pending_lr, None
        return value

    def set_probe_image(self, image: np.ndarray | None) -> None:
        """The image whose activations ``on_snapshot`` reports (None: no activations).

        Args:
            image: (H, W) or (H, W, C) float array in 0..1.
        """
        array = None if image is None else np.array(image, dtype=np.float32)
        if array is not None and array.ndim == 2:
            array = array[..., None]
        with self._lock:
            self._probe = array
            self._probe_version += 1

    def probe(self) -> tuple[np.ndarray | None, int]:
        """The current probe image and a counter that changes each time it is set."""
        with self._lock:
            return self._probe, self._probe_version



OPTIMIZERS = ("sgd", "adam", "rmsprop")
#: Allowed range of every numeric :class:`TrainConfig` field, inclusive.
RANGES: dict[str, tuple[float, float]] = {
    "learning_rate": LEARNING_RATE_RANGE,
    "batch_size": (1, 4096),
    "epochs": (1, 1000),
    "val_fraction": (0.0, 0.5),
    "seed": (0, 2**31 - 1),
    "report_every_batches": (1, 100_000),
    "activation_interval_s": (0.05, 3600.0),
    "snapshot_every_batches": (1, 100_000),
    "worker_wait_s": (1.0, 86_400.0),
}


class TrainDataError(UserError):
    """The training or validation data do not fit the network."""


@dataclass
class TrainConfig:
    """Settings of one training run (see :data:`RANGES` for the numeric limits).

    Attributes:
        optimizer: ``sgd`` (momentum 0.9), ``adam`` or ``rmsprop``.
        learning_rate: step size of the optimizer; changeable while training runs.
        batch_size: samples per gradient step (the global batch for ``mirrored``).
        epochs: passes over the training data.
        val_fraction: share of the training data held out when no validation data is given.
        augment: random small shifts, rotations and zooms of the training images.
        seed: seed of shuffling, hold-out split and augmentation.
        device: ``cpu``, ``gpu``, ``gpu:N``, ``mirrored`` or ``multiworker`` (see
            :mod:`model.training.devices`).
        report_every_batches: ``on_batch`` is called every this many batches (and at epoch end).
        activation_interval_s: least time between two ``on_snapshot`` calls.
        snapshot_every_batches: how often the last good weights are saved for divergence.
        tensorboard_dir: write TensorBoard logs there when set.
        worker_wait_s: ``multiworker``: how long to wait for the other workers to answer
            before giving up.
    """

    optimizer: str = "adam"
    learning_rate: float = 1e-3
    batch_size: int = 64
    epochs: int = 5
    val_fraction: float = 0.1
    augment: bool = False
    seed: int = 0
    device: str = "cpu"
    report_every_batches: int = 10
    activation_interval_s: float = 0.3
    snapshot_every_batches: int = 50
    tensorboard_dir: str | None = None
    worker_wait_s: float = 600.0

    def errors(self) -> list[str]:
        """Every problem with these settings, as messages saying what to change."""
        problems = []
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"optimizer {self.optimizer!r} is unknown: use {', '.join(OPTIMIZERS)}")
        if not is_device_key(self.device):
            problems.append(
                f"device {self.device!r} is unknown: use {', '.join(DEVICE_KEYS)} or gpu:N"
            )
        for name, (low, high) in RANGES.items():
            value = getattr(self, name)
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if not ok or not math.isfinite(value) or not low <= value <= high:
                problems.append(f"{name} must be between {_shown(low)} and {_shown(high)}, "
                                f"not {value!r}")
        if self.tensorboard_dir and importlib.util.find_spec("tensorboard") is None:
            problems.append(
                "TensorBoard logs need the 'tensorboard' package: install it with "
                "'pip install tensorboard' or leave the TensorBoard folder empty"
            )
        return problems

    def validate(self) -> TrainConfig:
        """Check every field.

        Returns:
            self, so ``config.validate()`` can be chained.

        Raises:
            TrainConfigError: listing every problem.
        """
        problems = self.errors()
        if problems:
            raise TrainConfigError("; ".join(problems))
        return self


def _shown(bound: float) -> str:
    """A range bound as a person writes it: ``2147483647``, ``0.001``, ``1e-06``."""
    return str(bound) if isinstance(bound, int) else f"{bound:g}"
