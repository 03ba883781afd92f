"""Live prediction in a background thread that only ever computes the newest drawing.

The GUI thread puts each request (a 28x28 image and a sequence number) into a one-slot
mailbox, replacing whatever was waiting, and pokes the worker. The worker, a QObject whose
calls run in its own daemon thread (``gui.common.daemon_thread``), takes the newest request and runs ``model.nets.inference.Predictor.forward`` on
it; stale requests are simply overwritten. TensorFlow is imported only inside the worker.
"""

from __future__ import annotations

import threading
import traceback

import numpy as np
from PySide6.QtCore import QObject, Signal

from cnn_studio.gui.common.daemon_thread import CommandThread

NO_MODEL_MESSAGE = ("No trained model: train one in the Training panel or run "
                    "`python main.py pretrain`.")


class Mailbox:
    """A thread-safe slot holding only the latest request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._item: tuple[int, np.ndarray | None] | None = None

    def put(self, item: tuple[int, np.ndarray | None]) -> None:
        """Replace the waiting request."""
        with self._lock:
            self._item = item

    def take(self) -> tuple[int, np.ndarray | None] | None:
        """Remove and return the waiting request (None when there is none)."""
        with self._lock:
            item, self._item = self._item, None
            return item


class InferenceWorker(QObject):
    """Owns the Predictor; all its slots run in the worker thread.

    Signals:
        prediction_ready(int, object): request number and its ``Prediction``.
        model_ready(object, object, str, bool): Keras model, its spec (or None), a description,
            and whether it was loaded from a file (as opposed to handed over by another panel).
        model_failed(str, bool): what went wrong, and whether a working model is still in use.
        weights_failed(str): new weights did not fit the current network.
    """

    prediction_ready = Signal(int, object)
    model_ready = Signal(object, object, str, bool)
    model_failed = Signal(str, bool)
    weights_failed = Signal(str)

    def __init__(self, mailbox: Mailbox) -> None:
        super().__init__()
        self.mailbox = mailbox
        self.predictor = None
        self._last: tuple[int, np.ndarray] | None = None

    def drain(self) -> None:
        """Take the newest request and predict it (stale ones were overwritten)."""
        item = self.mailbox.take()
        if item is None:
            return
        seq, image = item
        self._last = None if image is None else (seq, image)
        self._predict_last()

    def _predict_last(self) -> None:
        if self.predictor is None or self._last is None:
            return
        seq, image = self._last
        try:
            prediction = self.predictor.forward(image)
        except Exception as exc:  # noqa: BLE001 - a bad forward pass must not kill the thread
            traceback.print_exc()
            self.model_failed.emit(f"The network could not read the drawing ({exc}).", True)
            return
        self.prediction_ready.emit(seq, prediction)

    def load_file(self, path: str) -> None:
        """Load a ``.keras`` file (empty path: the shipped default model) and use it."""
        from cnn_studio.model.nets.inference import load_default_model
        from cnn_studio.model.nets.model_files import load_model_file

        try:
            model = load_model_file(path) if path else load_default_model()
        except Exception as exc:  # noqa: BLE001 - any load failure becomes a message
            message = str(exc) if not path else f"Could not open the model: {exc}"
            self.model_failed.emit(message, self.predictor is not None)
            return
        self._use(model, path or "default model", from_file=True, path=path)

    def use_model(self, model) -> None:
        """Predict with ``model`` (a built Keras model handed over by another panel)."""
        self._use(model, getattr(model, "name", "network"), from_file=False)

    def _use(self, model, description: str, from_file: bool, path: str = "") -> None:
        from cnn_studio.model.nets.inference import Predictor

        try:
            predictor = Predictor(model)
        except Exception as exc:  # noqa: BLE001 - e.g. not built, wrong output
            self.model_failed.emit(f"The network cannot predict yet ({exc}).",
                                   self.predictor is not None)
            return
        self.predictor = predictor
        spec = self._spec_of(model, path) if from_file else None
        self.model_ready.emit(model, spec, description, from_file)
        self._take_waiting()
        self._predict_last()

    @staticmethod
    def _spec_of(model, path: str):
        from cnn_studio.model.nets.keras_build import spec_from_model
        from cnn_studio.model.nets.model_files import spec_for_model_file
        from cnn_studio.model.spec.network import SpecError

        try:
            return spec_for_model_file(path, model) if path else spec_from_model(model)
        except SpecError:
            return None

    def _take_waiting(self) -> None:
        item = self.mailbox.take()
        if item is not None:
            self._last = None if item[1] is None else item

    def use_weights(self, weights) -> None:
        """Take new weights of the current network and re-predict the current drawing."""
        if self.predictor is None:
            return
        try:
            self.predictor.set_weights(list(weights))
        except ValueError as exc:
            self.weights_failed.emit(str(exc))
            return
        self._predict_last()


class InferenceService(QObject):
    """GUI-side handle of the worker thread: submit drawings, switch models, stop.

    Signals:
        prediction_ready(int, object): request number and ``Prediction``.
        model_loaded(str): a description of the model now in use.
        model_failed(str, bool): message, and whether a previous model is still in use.
    """

    prediction_ready = Signal(int, object)
    model_loaded = Signal(str)
    model_failed = Signal(str, bool)

    def __init__(self, state, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.mailbox = Mailbox()
        self.seq = 0
        self.has_model = False
        self._own_models: list = []
        self._thread: CommandThread | None = None
        self.worker: InferenceWorker | None = None

    @property
    def running(self) -> bool:
        """Whether the worker thread was started and not stopped."""
        return self._thread is not None

    def start(self, load_default: bool = True) -> None:
        """Start the worker thread (TensorFlow must be importable) and load the default model."""
        if self._thread is not None:
            return
        self._thread = CommandThread("inference")
        self.worker = InferenceWorker(self.mailbox)
        self.worker.prediction_ready.connect(self.prediction_ready)
        self.worker.model_ready.connect(self._on_model_ready)
        self.worker.model_failed.connect(self._on_model_failed)
        self.worker.weights_failed.connect(self.state.message)
        self.state.model_changed.connect(self._on_state_model)
        self.state.weights_updated.connect(self._on_weights)
        self._thread.start()
        if load_default:
            self.load_file("")

    def predict(self, image: np.ndarray | None) -> int:
        """Ask for a prediction of ``image`` (None: the canvas is empty, forget the drawing).

        Returns:
            The request number the result will carry.
        """
        self.seq += 1
        self.mailbox.put((self.seq, None if image is None else np.array(image, np.float32)))
        if self._thread is not None:
            self._thread.call(self.worker.drain)
        return self.seq

    def load_file(self, path: str) -> None:
        """Load a ``.keras`` file in the worker ("" for the shipped default model)."""
        if self._thread is None:
            return  # not started (TensorFlow not loaded) or stopped: nothing can load it
        self.state.begin_task("load-model")
        self._thread.call(self.worker.load_file, str(path))

    def use_model(self, model) -> None:
        """Predict with a Keras model (as when another panel emits ``model_changed``)."""
        if self._thread is None:
            return  # not started (TensorFlow not loaded) or stopped: nothing can load it
        self.state.begin_task("load-model")
        self._thread.call(self.worker.use_model, model)

    def _on_weights(self, weights) -> None:
        if self._thread is not None:
            self._thread.call(self.worker.use_weights, weights)

    def _on_state_model(self, model) -> None:
        if model is None or any(model is own for own in self._own_models):
            return
        self.use_model(model)

    def _on_model_ready(self, model, spec, description: str, from_file: bool) -> None:
        self.has_model = True
        self.state.end_task("load-model")
        if from_file:
            self._own_models = [model]
            if spec is not None:
                self.state.model_spec = spec
            self.state.model = model  # announced to every panel (model_changed)
        self.model_loaded.emit(description)

    def _on_model_failed(self, message: str, still_working: bool) -> None:
        self.state.end_task("load-model")
        self.model_failed.emit(message, still_working)

    def stop(self) -> None:
        """Stop the thread, waiting a bounded time for the current forward pass or load."""
        if self._thread is None:
            return
        for signal, slot in ((self.state.model_changed, self._on_state_model),
                             (self.state.weights_updated, self._on_weights)):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        self._thread.stop()
        self._thread = None
