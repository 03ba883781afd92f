"""Background work of the training dashboard: training runs and short model tasks.

:class:`TrainingWorker` lives in its own QThread. It gathers the data (synthetic letters may take
a while to generate the first time), builds the Keras model from a frozen spec, runs
:func:`model.training.loop.train` and finally predicts the validation data for the confusion matrix.
It talks to the GUI only through signals carrying numpy/python values and never touches a
widget. TensorFlow is imported inside :meth:`TrainingWorker.run`, never at module level.
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass, field, replace

import numpy as np
from PySide6.QtCore import QObject, Signal

from cnn_studio.model.data.datasets import DataChoice  # re-exported for the form
from cnn_studio.model.errors import describe_error, is_user_error


@dataclass
class TrainJob:
    """Everything a training run needs, frozen when Train is clicked.

    Attributes:
        spec: the ``NetworkSpec`` to build (ignored when ``model`` is given).
        config: ``TrainConfig`` fields as a dict.
        data: the data sources.
        probe: the image whose activations are shown live, or None (then a validation sample).
        model: a Keras model to keep training instead of building a new one.
    """

    spec: object
    config: dict
    data: DataChoice = field(default_factory=DataChoice)
    probe: np.ndarray | None = None
    model: object | None = None


def gather_data(choice: DataChoice, seed: int, val_fraction: float = 0.0, progress=None,
                cancel=None):
    """The ``(train, validation)`` datasets a :class:`DataChoice` describes.

    Uses :func:`model.data.datasets.training_data`, the one mixer the ``train`` command uses too.

    Raises:
        DatasetError: no usable source.
    """
    from cnn_studio.model.data import datasets

    return datasets.training_data(choice, val_fraction, seed, progress=progress, cancel=cancel)


def predict_classes(model, images: np.ndarray, batch: int = 512) -> np.ndarray:
    """Class index predicted for each image, computed in batches without ``model.predict``."""
    out = []
    for start in range(0, len(images), batch):
        scores = model(images[start:start + batch], training=False)
        out.append(np.asarray(scores).argmax(axis=1))
    return np.concatenate(out) if out else np.zeros(0, np.int64)


class TrainingWorker(QObject):
    """Runs one :class:`TrainJob`; create it in the GUI thread, move it to a QThread, call run.

    Thread-safe requests from the GUI: :meth:`request_stop`, :meth:`set_paused`,
    :meth:`set_learning_rate`, :meth:`set_probe`.
    """

    data_progress = Signal(int, int)        # done, total (synthetic generation)
    status = Signal(str)                    # a line for the dashboard
    model_built = Signal(object, object)    # (copy of the Keras model for the app, layer names)
    batch = Signal(int, int, int, float, float, float)  # epoch, step, steps, loss, acc, rate
    epoch_done = Signal(int, object, object)  # epoch, logs, weights (already in the app's copy)
    snapshot = Signal(object, object)       # activations list, kernels list
    finished = Signal(object)               # dict: see _finish
    failed = Signal(str)

    def __init__(self, job: TrainJob) -> None:
        super().__init__()
        self.job = job
        self.stop_event = threading.Event()
        self.pause_event = threading.Event()
        self._lock = threading.Lock()
        self._control = None
        self._pending_lr: float | None = None
        self._pending_probe: tuple[bool, np.ndarray | None] = (False, None)
        self._probe_images: np.ndarray | None = None
        self._sample_index = 0
        self.model = None  # the Keras model being trained (private to this thread)
        self.app_model = None  # the copy handed to the app; gets the weights after each epoch

    # ------------------------------------------------- requests (any thread)
    def request_stop(self) -> None:
        """Stop within one batch (or cancel data generation)."""
        self.stop_event.set()

    def set_paused(self, paused: bool) -> None:
        """Hold or continue training between batches."""
        if paused:
            self.pause_event.set()
        else:
            self.pause_event.clear()

    def set_learning_rate(self, value: float) -> None:
        """Use ``value`` from the next batch on (invalid values are ignored by the form's range)."""
        with self._lock:
            if self._control is not None:
                self._control.set_learning_rate(value)
            else:
                self._pending_lr = float(value)

    def set_probe(self, image: np.ndarray | None) -> None:
        """Show the activations of ``image`` (28x28; None or blank: a data sample) from now on."""
        with self._lock:
            if image is None or not np.any(image):
                image = self._sample(self._sample_index)
            if self._control is not None:
                self._control.set_probe_image(image)
            else:
                self._pending_probe = (True, image)

    def set_probe_sample(self, index: int) -> None:
        """Show the activations of data sample ``index`` (validation data when there are any)."""
        with self._lock:
            self._sample_index = int(index)
            image = self._sample(self._sample_index)
            if self._control is not None and image is not None:
                self._control.set_probe_image(image)
            elif image is not None:
                self._pending_probe = (True, image)

    def _sample(self, index: int) -> np.ndarray | None:
        images = self._probe_images
        return None if images is None or not len(images) else images[index % len(images)]

    # ------------------------------------------------------------ the run
    def run(self) -> None:
        """Gather data, build, train, evaluate; always ends with ``finished`` or ``failed``."""
        try:
            self._finish(self._run())
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            if type(error).__name__ == "GenerationCancelled":
                self.finished.emit({"cancelled": True, "message": "Data generation cancelled."})
                return
            if not is_user_error(error):
                traceback.print_exc()
            self.failed.emit(describe_error(error))

    def _run(self):
        import keras

        from cnn_studio.model.data import datasets
        from cnn_studio.model.nets.keras_build import build_model
        from cnn_studio.model.training.config import TrainConfig, TrainControl, TrainHooks
        from cnn_studio.model.training.loop import train

        job = self.job
        config = TrainConfig(**job.config).validate()
        self.status.emit("Preparing the data...")
        choice = replace(job.data, vary_real=config.augment)  # one "augment" for all sources
        data, val = gather_data(choice, config.seed, val_fraction=config.val_fraction,
                                progress=self.data_progress.emit, cancel=self.stop_event)
        if self.stop_event.is_set():
            return None
        val = val if val is not None and len(val) else None
        self.status.emit("Building the network...")
        if job.model is not None:  # keep training: a private copy of the app's model
            model = _clone(keras, job.model)
        else:
            model = build_model(job.spec, seed=config.seed)
        self.model = model
        names = [layer.name for layer in model.layers]
        self.app_model = _clone(keras, model)
        self.model_built.emit(self.app_model, names)
        control = TrainControl(self.stop_event, self.pause_event)
        with self._lock:
            self._probe_images = (val if val is not None else data).x
            self._control = control
            if self._pending_lr is not None:
                control.set_learning_rate(self._pending_lr)
            has_probe, probe = self._pending_probe
            if not has_probe or probe is None or not np.any(probe):
                probe = self._sample(self._sample_index)
            control.set_probe_image(probe)
        hooks = TrainHooks(on_batch=self.batch.emit, on_epoch=self._epoch_done,
                           on_snapshot=self.snapshot.emit, on_message=self.status.emit)
        result = train(model, data, val if val is not None else datasets.empty(), config,
                       hooks, control=control)
        return result, val

    def _epoch_done(self, epoch: int, logs: dict, weights: list[np.ndarray]) -> None:
        self.app_model.set_weights(weights)  # here, not in the GUI thread
        self.epoch_done.emit(epoch, logs, weights)

    def _finish(self, outcome) -> None:
        if outcome is None:
            self.finished.emit({"cancelled": True, "message": "Training cancelled."})
            return
        result, val = outcome
        self.app_model.set_weights(result.weights)
        report = {
            "cancelled": False, "message": result.message, "stopped": result.stopped,
            "diverged": result.diverged, "history": result.history,
            "epochs_completed": result.epochs_completed, "final": result.final,
            "samples_per_s": result.samples_per_s, "weights": result.weights,
            "model": result.model, "val_true": None, "val_pred": None, "val_images": None,
        }
        if val is not None and len(val):
            report["val_true"] = val.y
            report["val_pred"] = predict_classes(result.model, val.x)
            report["val_images"] = val.x
        self.finished.emit(report)


def _clone(keras, model):
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    return copy
