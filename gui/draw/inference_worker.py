"""Live prediction in a background thread that only ever computes the newest drawing.

The GUI thread puts each request (a 28x28 image and a sequence number) into a one-slot mailbox,
replacing whatever was waiting; the worker (its calls run in order in a lane of the window's task
runner, ``gui.common.tasks.Lane``) predicts the newest one with numpy (``model.nets.numpy_forward``) or TensorFlow's ``Predictor``
(the same ``Prediction``). At launch it reads the default ``.keras`` with ``model.nets.keras_file``
(no TensorFlow); later numpy follows the Keras model's spec and weights (``ENGINE``), and
TensorFlow runs only what numpy cannot.
"""

from __future__ import annotations

import threading
import traceback
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from cnn_studio.gui.common.state import AppState
from cnn_studio.gui.common.tasks import Lane, Work
from cnn_studio.gui.draw.numpy_engine import NumpyPredictor

NO_MODEL_MESSAGE = ("No trained model: train one in the Training panel or run "
                    "`python main.py pretrain`.")
ENGINES = ("numpy", "tensorflow")
# numpy: its forward pass is 0.34-0.43x tf.function's (benchmarks/numpy_forward.py) and pen-up
# to painted measured the same with either engine (benchmarks/predict.py, paired median 1.03,
# painting dominates), so the canvas and explain mode's numpy tab share one engine.
ENGINE = "numpy"


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
    """Owns the engine; all its slots run in the worker thread.

    Signals:
        prediction_ready(int, object): request number and its ``Prediction``.
        model_ready(object, object, str, bool): Keras model, its spec (or None), a description,
            and whether it was loaded from a file (as opposed to handed over by another panel).
        model_failed(str, bool): what went wrong, and whether a working model is still in use.
        weights_failed(str): new weights did not fit the current network.
        numpy_loaded(bool, str): the file read before TensorFlow (True and its description), or
            why it could not be read (False and the reason; TensorFlow will try again).
        engine_changed(str): the engine now predicting (``numpy`` or ``tensorflow``).
    """

    prediction_ready = Signal(int, object)
    model_ready = Signal(object, object, str, bool)
    model_failed = Signal(str, bool)
    weights_failed = Signal(str)
    numpy_loaded = Signal(bool, str)
    engine_changed = Signal(str)

    def __init__(self, mailbox: Mailbox) -> None:
        super().__init__()
        self.mailbox, self.predictor, self.engine = mailbox, None, ENGINE
        self._keras: tuple | None = None  # (model, spec, weights) of the Keras model in use
        self._tf: tuple | None = None  # (model, its TensorFlow Predictor)
        self._last: tuple[int, np.ndarray] | None = None

    def drain(self) -> None:
        """Take the newest request and predict it (stale ones were overwritten)."""
        item = self.mailbox.take()
        if item is None:
            return
        seq, image = item
        self._last = None if image is None else (seq, image)
        self._predict_last()

    def remember(self) -> None:
        """Take the newest request as the current drawing; it was already predicted."""
        self._take_waiting()

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

    def load_numpy(self, path: str) -> None:
        """Before TensorFlow: read the ``.keras`` file at ``path`` with the numpy engine."""
        from cnn_studio.model.nets.keras_file import load_network

        if self.predictor is not None:  # TensorFlow got there first
            self.numpy_loaded.emit(False, "a model is already in use")
            return
        try:
            network = load_network(path)
        except Exception as exc:  # noqa: BLE001 - any failure: TensorFlow tries again later
            self.numpy_loaded.emit(False, str(exc))
            return
        self.predictor = NumpyPredictor(network)
        self.numpy_loaded.emit(True, path)
        self.engine_changed.emit("numpy")
        self._take_waiting()
        self._predict_last()

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
        spec = self._spec_of(model, path if from_file else None)
        try:
            weights = model.get_weights()
            predictor = self._engine_for(model, spec, weights)
        except Exception as exc:  # noqa: BLE001 - e.g. not built, wrong output
            self.model_failed.emit(f"The network cannot predict yet ({exc}).",
                                   self.predictor is not None)
            return
        self.predictor, self._keras = predictor, (model, spec, weights)
        self.model_ready.emit(model, spec if from_file else None, description, from_file)
        self.engine_changed.emit(getattr(predictor, "engine", "tensorflow"))
        self._take_waiting()
        self._predict_last()

    def _engine_for(self, model, spec, weights):
        """The numpy engine when preferred and able to run the network, else TensorFlow's."""
        from cnn_studio.model.spec.network import SpecError

        if self.engine == "numpy" and spec is not None:
            try:
                return NumpyPredictor.for_model(model, spec, weights)
            except SpecError:
                pass  # a layer or setting the numpy engine lacks: TensorFlow runs it
        from cnn_studio.model.nets.inference import Predictor

        if self._tf is None or self._tf[0] is not model:  # tracing costs: one per model
            self._tf = (model, Predictor(model))
        self._tf[1].set_weights(list(weights))
        return self._tf[1]

    def set_engine(self, engine: str) -> None:
        """Predict with ``engine`` (``numpy`` or ``tensorflow``) from now on (benchmarks)."""
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}: use one of {ENGINES}")
        self.engine = engine
        if self._keras is not None:
            model, spec, weights = self._keras
            self.predictor = self._engine_for(model, spec, weights)
        self.engine_changed.emit(getattr(self.predictor, "engine", "tensorflow"))
        self._predict_last()

    @staticmethod
    def _spec_of(model, path: str | None):
        """The model's spec (None when the builder cannot describe it)."""
        from cnn_studio.model.nets.keras_build import spec_from_model
        from cnn_studio.model.nets.model_files import spec_for_model_file
        from cnn_studio.model.spec.network import SpecError

        try:
            return spec_for_model_file(path, model) if path else spec_from_model(model)
        except (SpecError, AttributeError, TypeError):
            return None

    def _take_waiting(self) -> None:
        item = self.mailbox.take()
        if item is not None:
            self._last = None if item[1] is None else item

    def forget(self) -> None:
        """Stop predicting: there is no network to show (the builder's network is invalid)."""
        self.predictor = self._keras = None

    def use_weights(self, weights) -> None:
        """Take new weights of the current network and re-predict the current drawing."""
        if self.predictor is None:
            return
        try:
            self.predictor.set_weights(list(weights))
        except ValueError as exc:
            self.weights_failed.emit(str(exc))
            return
        if self._keras is not None:
            self._keras = (*self._keras[:2], list(weights))
        self._predict_last()


class InferenceService(QObject):
    """GUI-side handle of the worker thread: submit drawings, switch models, stop.

    Signals:
        prediction_ready(int, object): request number and ``Prediction``.
        model_loaded(str): a description of the model now in use.
        model_failed(str, bool): message, and whether a previous model is still in use.
        numpy_loaded(bool, str): the before-TensorFlow engine is ready (True, file) or not.
        engine_changed(str): the engine now predicting (``numpy`` or ``tensorflow``).
    """

    prediction_ready = Signal(int, object)
    model_loaded = Signal(str)
    model_failed = Signal(str, bool)
    numpy_loaded = Signal(bool, str)
    engine_changed = Signal(str)

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.mailbox = Mailbox()
        self.seq = 0
        self.has_model = False
        self.engine = ""
        self._using = None  # the Keras model the worker was last told to predict with
        self._lane: Lane | None = None
        self._tf_started = self._stopped = False
        self.worker: InferenceWorker | None = None

    @property
    def running(self) -> bool:
        """Whether the TensorFlow side was started and the thread not stopped."""
        return self._lane is not None and self._tf_started

    def _start_lane(self) -> bool:
        """Start the worker thread once; False after :meth:`stop`."""
        if self._stopped:
            return False
        if self._lane is None:
            self._lane = self.state.runner.lane("inference")
            self.worker = InferenceWorker(self.mailbox)
            self.worker.prediction_ready.connect(self.prediction_ready)
            self.worker.model_ready.connect(self._on_model_ready)
            self.worker.model_failed.connect(self._on_model_failed)
            self.worker.weights_failed.connect(self.state.message)
            self.worker.numpy_loaded.connect(self._on_numpy_loaded)
            self.worker.engine_changed.connect(self._on_engine)
        return True

    def start_numpy(self, path: str) -> None:
        """Before TensorFlow: start the thread and read ``path`` with the numpy engine."""
        if self._start_lane() and not self._tf_started:
            self.state.begin_work(Work.NUMPY_MODEL)
            self._lane.call(self.worker.load_numpy, str(path))

    def start(self, load_default: bool = True) -> None:
        """TensorFlow has loaded: follow the app's model and load the default Keras model."""
        if self._tf_started or not self._start_lane():
            return
        self._tf_started = True
        self.state.shown_model_changed.connect(self._on_state_model)
        self.state.weights_updated.connect(self._on_weights)
        if load_default:
            self.load_file("")

    def set_engine(self, engine: str) -> None:
        """Predict with ``numpy`` or ``tensorflow`` from now on (the benchmark compares them)."""
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}: use one of {ENGINES}")
        if self._lane is not None:
            self._lane.call(self.worker.set_engine, engine)

    def predict(self, image: np.ndarray | None, computed: bool = False) -> int:
        """Ask for a prediction of ``image`` (None: the canvas is empty, forget the drawing).

        Args:
            computed: the caller already has it (:meth:`predict_now`): the worker only keeps
                the drawing, to predict it again with new weights.

        Returns:
            The request number the result will carry.
        """
        self.seq += 1
        self.mailbox.put((self.seq, None if image is None else np.array(image, np.float32)))
        if self._lane is not None:
            self._lane.call(self.worker.remember if computed else self.worker.drain)
        return self.seq

    def predict_now(self, image: np.ndarray | None):
        """``image``'s Prediction computed here and now when the numpy engine runs this network
        in a few milliseconds (no hop to the worker thread and back), else None."""
        predictor = getattr(self.worker, "predictor", None)
        if image is None or not isinstance(predictor, NumpyPredictor) or not predictor.fast:
            return None
        if self.running and self._using is None:
            return None  # no network to show, or the worker is about to forget its own
        if self.state.is_busy(Work.LOAD_MODEL):
            return None  # the worker is switching models: it answers with the new one
        try:
            return predictor.forward(image)
        except (ValueError, FloatingPointError):
            return None  # the worker will report it

    def load_file(self, path: str) -> None:
        """Load a ``.keras`` file in the worker ("" for the shipped default model)."""
        if not self.running:
            return  # not started (TensorFlow not loaded) or stopped: nothing can load it
        self.state.begin_work(Work.LOAD_MODEL)
        self._lane.call(self.worker.load_file, str(path))

    def use_model(self, model) -> None:
        """Predict with a Keras model (as when another panel emits ``model_changed``)."""
        if not self.running:
            return  # not started (TensorFlow not loaded) or stopped: nothing can load it
        self.state.begin_work(Work.LOAD_MODEL)
        self._lane.call(self.worker.use_model, model)

    def _on_weights(self, weights) -> None:
        if self.state.shown_model is not self.state.model:
            return  # new weights of the active model, not of the network shown
        if self._lane is not None:
            self._lane.call(self.worker.use_weights, weights)

    def _on_state_model(self, model) -> None:
        """Predict with the shown network's model (``state.shown_model``); None: stop."""
        if model is self._using:
            return
        self._using = model
        if model is None:
            if self.running:
                self._lane.call(self.worker.forget)
            return
        self.use_model(model)

    def _on_numpy_loaded(self, ok: bool, path: str) -> None:
        if ok:
            self.has_model = True
            self.model_loaded.emit(f"{Path(path).name} (numpy, TensorFlow loading)")
        self.numpy_loaded.emit(ok, path)
        self.state.end_work(Work.NUMPY_MODEL)

    def _on_engine(self, engine: str) -> None:
        self.engine = engine
        self.engine_changed.emit(engine)

    def _on_model_ready(self, model, spec, description: str, from_file: bool) -> None:
        self.has_model = True
        if from_file:
            self._using = model
            if spec is not None:
                self.state.model_spec = spec
            self.state.model = model  # announced to every panel (model_changed)
        self.state.end_work(Work.LOAD_MODEL)  # after: the shown network is decided on the model
        self.model_loaded.emit(description)

    def _on_model_failed(self, message: str, still_working: bool) -> None:
        self.state.end_work(Work.LOAD_MODEL)
        self.model_failed.emit(message, still_working)

    def stop(self) -> None:
        """Stop the thread, waiting a bounded time for the current forward pass or load."""
        self._stopped = True
        if self._lane is None:
            return
        if self._tf_started:
            for signal, slot in ((self.state.shown_model_changed, self._on_state_model),
                                 (self.state.weights_updated, self._on_weights)):
                try:
                    signal.disconnect(slot)
                except (RuntimeError, TypeError):
                    pass
        self._lane.stop()
        self._lane = None
