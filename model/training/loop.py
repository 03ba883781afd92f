"""The one training loop the GUI, the ``train`` command and the benchmarks share.

:func:`train` runs ``model.fit`` on a ``tf.data`` pipeline and talks to its caller only through
plain numpy/python values: :class:`TrainHooks` callbacks out, a :class:`TrainControl` (stop,
pause, learning rate, probe image) in. Everything runs in the calling thread; a GUI calls it from
a worker thread and sets the control's events from the GUI thread.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from cnn_studio.model.data import datasets
from cnn_studio.model.data.streaming import RecordFile
from cnn_studio.model.nets.inference import activation_model, ends_in_softmax
from cnn_studio.model.storage import paths
from cnn_studio.model.training import devices
from cnn_studio.model.training.config import (
    OPTIMIZERS,
    TrainConfig,
    TrainConfigError,
    TrainControl,
    TrainDataError,
    TrainHooks,
    TrainRecorder,
)
from cnn_studio.model.training.devices import DeviceError, list_devices  # noqa: F401 - re-exported for callers
from cnn_studio.model.training.live import LiveCallback
from cnn_studio.model.training.record_pipeline import record_pipelines


@dataclass
class TrainResult:
    """What a training run produced.

    Attributes:
        history: per complete epoch, lists of loss, accuracy, val_* and learning_rate.
        epochs_completed: number of complete epochs.
        final: the latest figures (epoch-end ones, or the running ones of a stopped epoch).
        stopped: the stop event ended training early.
        diverged: the loss became NaN/inf; the weights went back to the last good state.
        message: one sentence for the user about how training ended.
        elapsed_s: wall time of the run, pauses included.
        samples_per_s: training samples per second of the batch loop (first, tracing batch,
            validation and pauses left out).
        samples_seen: training samples processed.
        weights: the final weights (those of ``model`` after the run).
        model: the trained Keras model.
    """

    history: dict[str, list[float]]
    epochs_completed: int
    final: dict[str, float]
    stopped: bool
    diverged: bool
    message: str
    elapsed_s: float
    samples_per_s: float
    samples_seen: int
    weights: list[np.ndarray] = field(repr=False)
    model: keras.Model = field(repr=False)


def make_optimizer(name: str, learning_rate: float) -> keras.optimizers.Optimizer:
    """A fresh Keras optimizer: ``sgd`` (momentum 0.9), ``adam`` or ``rmsprop``."""
    learning_rate = float(learning_rate)
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9)
    if name == "adam":
        return keras.optimizers.Adam(learning_rate=learning_rate)
    if name == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=learning_rate)
    raise TrainConfigError(f"optimizer {name!r} is unknown: use {', '.join(OPTIMIZERS)}")


def augmentation(seed: int = 0) -> keras.Sequential:
    """Random small shifts (10%), rotations (about 11 degrees) and zooms (10%), black fill."""
    return keras.Sequential([
        keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=seed),
        keras.layers.RandomRotation(0.03, fill_mode="constant", seed=seed + 1),
        keras.layers.RandomZoom(0.1, fill_mode="constant", seed=seed + 2),
    ], name="augmentation")


def make_pipeline(
    x: np.ndarray, y: np.ndarray, batch_size: int, *, shuffle: bool = False, seed: int = 0,
    augment: bool = False,
) -> tf.data.Dataset:
    """A batched ``tf.data`` pipeline over in-memory arrays, reshuffled every epoch.

    Only the sample indices are shuffled; the batches are gathered from one copy of the arrays.

    Args:
        x: (n, H, W, C) float32 images.
        y: (n,) int class indices.
        batch_size: samples per batch (the last one may be smaller).
        shuffle: new random order every epoch, reproducible from ``seed``.
        seed: shuffling and augmentation seed.
        augment: apply :func:`augmentation` to each batch.

    Returns:
        A dataset of ``(images, labels)`` batches.
    """
    data = tf.data.Dataset.from_tensors((x, y)).repeat()
    index = tf.data.Dataset.range(len(x))
    if shuffle:
        index = index.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    batches = tf.data.Dataset.zip((index.batch(batch_size), data)).map(
        lambda i, xy: (tf.gather(xy[0], i), tf.gather(xy[1], i)),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    if augment:
        layers = augmentation(seed)
        batches = batches.map(lambda a, b: (layers(a, training=True), b),
                              num_parallel_calls=tf.data.AUTOTUNE)
    return batches.prefetch(tf.data.AUTOTUNE)


def history_to_csv(history: dict[str, list[float]], path: str | Path) -> None:
    """Write the training curves as CSV (one row per epoch, atomically).

    Args:
        history: ``TrainResult.history`` (or Keras ``History.history``).
        path: the ``.csv`` file to write.
    """
    keys = sorted(history)
    rows = max((len(values) for values in history.values()), default=0)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["epoch", *keys])
    for row in range(rows):
        values = [history[key][row] if row < len(history[key]) else "" for key in keys]
        writer.writerow([row + 1, *[f"{v:.6g}" if isinstance(v, float) else v for v in values]])
    paths.atomic_write_text(path, buffer.getvalue())


def _arrays(data, what: str) -> tuple[np.ndarray, np.ndarray]:
    if hasattr(data, "x") and hasattr(data, "y"):
        x, y = data.x, data.y
    else:
        try:
            x, y = data
        except (TypeError, ValueError):
            raise TrainDataError(
                f"the {what} data must be a Dataset or an (images, labels) pair"
            ) from None
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y).astype(np.int64).reshape(-1)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or len(x) != len(y):
        raise TrainDataError(
            f"the {what} data have images of shape {x.shape} and {len(y)} labels: "
            "expected (n, 28, 28, 1) images and n labels"
        )
    if len(x) == 0:
        raise TrainDataError(f"the {what} data are empty: add samples or generate a dataset")
    if not np.all(np.isfinite(x)):
        raise TrainDataError(f"the {what} images contain NaN or infinite pixels")
    return x, y


def _length(data) -> int:
    try:
        return len(data.y) if hasattr(data, "y") else len(data[1])
    except (TypeError, IndexError, KeyError):
        return 1  # not a sized pair: let _arrays explain what is wrong


def _check_fits(x: np.ndarray, y: np.ndarray, model: keras.Model, what: str) -> None:
    shape = tuple(model.inputs[0].shape[1:])
    classes = int(model.outputs[0].shape[-1])
    if x.shape[1:] != shape:
        raise TrainDataError(f"the {what} images have shape {x.shape[1:]}, the network needs {shape}")
    if y.min() < 0 or y.max() >= classes:
        raise TrainDataError(
            f"the {what} labels run from {y.min()} to {y.max()}, the network has {classes} "
            "outputs: give it an output layer with one unit per class"
        )


def _memory_pipelines(x, y, validation, val_data, work, config: TrainConfig):
    """``(train, validation or None, training samples, validation samples)`` from arrays."""
    vx, vy = validation
    _check_fits(x, y, work, "training")
    if vx is not None:
        _check_fits(vx, vy, work, "validation")
    elif val_data is None and config.val_fraction > 0 and len(x) >= 2:
        kept, held = datasets.split(datasets.Dataset(x, y), config.val_fraction, config.seed)
        x, y, vx, vy = kept.x, kept.y, held.x, held.y
    train_ds = make_pipeline(x, y, config.batch_size, shuffle=True, seed=config.seed,
                             augment=config.augment)
    val_ds = None if vx is None else make_pipeline(vx, vy, config.batch_size)
    return train_ds, val_ds, len(x), 0 if vx is None else len(vx)


def _working_model(model: keras.Model, device: str, strategy) -> keras.Model:
    """The model to fit: built/cloned into the strategy scope when its variables need it."""
    if not isinstance(model, keras.Model):
        return model()  # a build function, called inside the scope
    needs_copy = strategy is not None or (
        device == "cpu" and tf.config.list_logical_devices("GPU")
    )
    if not needs_copy:
        return model
    work = keras.models.clone_model(model)
    work.set_weights(model.get_weights())
    return work


def _where(device: str, strategy) -> str:
    """The devices of a run, for the first status line."""
    if strategy is None:
        return device
    replicas = strategy.num_replicas_in_sync
    if device == "multiworker":
        return f"{replicas} devices of {devices.device_plan(device).workers} workers"
    return f"{replicas} mirrored devices"


@contextlib.contextmanager
def _released_custom_gradients():
    """Forget the custom-gradient functions that this run's traces registered.

    TensorFlow keeps every traced ``CustomGradient-*`` function (Keras' optimizer uses them) in
    a global registry forever, and with it each traced graph: about 5 MB per training run that
    ``keras.backend.clear_session()`` does not free. The traces of a finished run are never
    used again (the next run compiles and traces anew), so their entries are dropped.
    """
    from tensorflow.python.framework import ops

    registry = getattr(getattr(ops, "_gradient_registry", None), "_registry", None)
    before = set(registry) if isinstance(registry, dict) else None
    try:
        yield
    finally:
        if before is not None:
            for name in [n for n in list(registry) if n not in before]:
                if str(name).startswith("CustomGradient-"):
                    registry.pop(name, None)


def _control(control: TrainControl | None, stop_event, pause_event,
             probe_image) -> TrainControl:
    """The run's control: the given one, or one made of the two events."""
    if control is None:
        control = TrainControl(stop_event, pause_event)
    elif stop_event is not None or pause_event is not None:
        raise ValueError("pass either control or stop_event/pause_event, not both")
    if probe_image is not None:
        control.set_probe_image(probe_image)
    return control


def _checked_arrays(train_data, val_data):
    """``(x, y, vx, vy)`` of in-memory data, checked (vx, vy None: no validation set)."""
    x, y = _arrays(train_data, "training")
    vx = vy = None
    if val_data is not None and _length(val_data) > 0:  # an empty set: no validation
        vx, vy = _arrays(val_data, "validation")
    return x, y, vx, vy


def _compile_and_fit(work: keras.Model, config: TrainConfig, callback: LiveCallback,
                     every: list, train_ds, val_ds) -> None:
    """Compile ``work`` and fit it (unless already stopped); restore the last good weights
    after a divergence. Runs inside the device scope."""
    work.compile(
        optimizer=make_optimizer(config.optimizer, config.learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=not ends_in_softmax(work)),
        metrics=["accuracy"],
    )
    if config.tensorboard_dir:
        every.append(keras.callbacks.TensorBoard(log_dir=str(config.tensorboard_dir)))
    callback.stopped = callback.control.stop_event.is_set()
    if not callback.stopped:
        with _released_custom_gradients():
            work.fit(train_ds, validation_data=val_ds, epochs=config.epochs, shuffle=False,
                     verbose=0, callbacks=every)
    if callback.diverged_at is not None and callback.good_weights is not None:
        work.set_weights(callback.good_weights)


def _pipelines(train_data, val_data, arrays, work: keras.Model, config: TrainConfig):
    """``(train_ds, val_ds, n_train, n_val)``: from a record file on disk, or from ``arrays``."""
    if arrays is None:
        return record_pipelines(train_data, work, config,
                                augmentation(config.seed) if config.augment else None)
    x, y, vx, vy = arrays
    return _memory_pipelines(x, y, (vx, vy), val_data, work, config)


def _result(callback: LiveCallback, elapsed: float, message: str, weights,
            target: keras.Model) -> TrainResult:
    """What a finished, stopped or diverged run reports."""
    busy = max(elapsed - callback.paused_s, 1e-9)
    return TrainResult(
        history=callback.history,
        epochs_completed=len(callback.history.get("loss", [])),
        final=dict(callback.final),
        stopped=callback.stopped,
        diverged=callback.diverged_at is not None,
        message=message,
        elapsed_s=elapsed,
        samples_per_s=callback.samples_per_s(busy),
        samples_seen=callback.samples_seen,
        weights=weights,
        model=target,
    )


def train(model: keras.Model | Callable[[], keras.Model], train_data, val_data=None,
          config: TrainConfig | None = None, hooks: TrainHooks | None = None,
          stop_event: threading.Event | None = None, pause_event: threading.Event | None = None,
          *, control: TrainControl | None = None, probe_image: np.ndarray | None = None,
          callbacks: list[keras.callbacks.Callback] | None = None,
          recorder: TrainRecorder | None = None) -> TrainResult:
    """Train ``model`` with ``model.fit``, reporting through ``hooks``.

    For ``device='mirrored'`` (or ``cpu`` on a GPU machine) the network is cloned into the
    device's scope, trained there, and the trained weights are copied back into ``model``.

    Args:
        model: a built Keras model, or a function building one (called inside the device scope).
        train_data: a ``Dataset`` (``.x``, ``.y``), an ``(images, labels)`` pair, or a
            :class:`~cnn_studio.model.data.streaming.RecordFile` read from disk in blocks
            (then ``val_fraction`` of its blocks validate and ``val_data`` is ignored).
        val_data: the same for validation; None holds out ``config.val_fraction`` of
            train_data; an empty one means no validation.
        config: settings (defaults if None); validated first.
        hooks: where progress goes (nothing if None).
        stop_event, pause_event: set from any thread to stop within one batch / pause.
        control: a :class:`TrainControl` instead of the two events (adds learning rate and
            probe image setters).
        probe_image: the first probe image for ``on_snapshot``.
        callbacks: more Keras callbacks (``BackupAndRestore``, checkpoints), run before the
            app's own so that a state is saved before a hook can fail.
        recorder: keeps the run's record (``model.runs.RunRecorder``): told when training
            starts, every reported batch and epoch, and how the run ended (an error too).

    Returns:
        A :class:`TrainResult`; ``model`` holds the final (or restored) weights.

    Raises:
        TrainConfigError, TrainDataError, DeviceError: saying what to fix.
    """
    config = (config or TrainConfig()).validate()
    hooks = hooks or TrainHooks()
    control = _control(control, stop_event, pause_event, probe_image)
    if recorder is None:
        return _train(model, train_data, val_data, config, hooks, control, callbacks, None)
    try:
        result = _train(model, train_data, val_data, config, hooks, control, callbacks,
                        recorder)
    except Exception as error:
        recorder.failed(str(error).splitlines()[0] if str(error) else type(error).__name__)
        raise
    recorder.finished(result)
    return result


def _train(model, train_data, val_data, config: TrainConfig, hooks: TrainHooks,
           control: TrainControl, callbacks, recorder: TrainRecorder | None) -> TrainResult:
    """:func:`train` after its arguments are checked."""
    arrays = None if isinstance(train_data, RecordFile) else _checked_arrays(train_data, val_data)
    make_scope, strategy = devices.device_scope(config.device, config.worker_wait_s,
                                                 hooks.message)
    start = time.perf_counter()
    with make_scope():
        work = _working_model(model, config.device, strategy)
    target = model if isinstance(model, keras.Model) else work
    train_ds, val_ds, n_train, n_val = _pipelines(train_data, val_data, arrays, work, config)
    steps = math.ceil(n_train / config.batch_size)
    if recorder is not None:
        recorder.started(n_train, n_val, steps)
    with make_scope():
        callback = LiveCallback(config, hooks, control, steps, n_train, activation_model(work),
                                recorder)
        hooks.message(
            f"Training on {_where(config.device, strategy)}: {n_train} samples, "
            f"{n_val} for validation, {steps} steps per epoch"
        )
        _compile_and_fit(work, config, callback, [*(callbacks or []), callback], train_ds,
                         val_ds)
        weights = work.get_weights()
    if target is not work:
        target.set_weights(weights)
    message = callback.end_message()
    hooks.message(message)
    return _result(callback, time.perf_counter() - start, message, weights, target)

