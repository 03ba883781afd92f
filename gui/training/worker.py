"""A training run as a plain function of the window's task runner (``gui.common.tasks``).

:func:`run_training` gathers the data (synthetic letters may take a while to generate the first
time), builds the Keras model from a frozen spec, runs :func:`model.training.loop.train` and
finally predicts the validation data for the confusion matrix. What happens on the way travels
as partial results (:class:`ModelBuilt`, :class:`BatchDone`, :class:`EpochDone`,
:class:`Snapshot`, :class:`StatusLine`, :class:`PausedAt`, :class:`DataProgress`); pause,
step, slow-motion, learning-rate, probe and stop requests come in as requests on the task
(:class:`Pause`, :class:`Step`, :class:`BatchRate`, :class:`LearningRate`, :class:`Probe`,
:class:`ProbeSample`, :class:`Stop`). It never touches a widget. TensorFlow is imported inside the function, never at module level.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from cnn_studio.gui.common.tasks import TaskState
from cnn_studio.model.data.datasets import DataChoice
from cnn_studio.model.errors import Cancelled
from cnn_studio.model.ink.strokes import LETTERS
from cnn_studio.model.spec.network import layer_kind
from cnn_studio.model.training.config import TrainConfig

#: ``Snapshot.probe`` when the activations are of the canvas drawing.
DRAWING_PROBE = "the drawing"


@dataclass(frozen=True)
class TrainJob:
    """Everything a training run needs, frozen when Train is clicked.

    Attributes:
        spec: the ``NetworkSpec`` to build (ignored when ``model`` is given).
        config: the training settings.
        data: the data sources.
        model: a Keras model to keep training instead of building a new one.
    """

    spec: Any
    config: TrainConfig
    data: DataChoice = field(default_factory=DataChoice)
    model: Any = None


# ------------------------------------------------------------ partial results
@dataclass(frozen=True)
class DataProgress:
    """``done`` of ``total`` letters of ``source`` prepared (total 0: not known yet)."""

    done: int
    total: int
    source: str = "the training letters"


@dataclass(frozen=True)
class StatusLine:
    """A line for the dashboard (start, learning-rate changes, stop, divergence)."""

    text: str


@dataclass(frozen=True)
class PausedAt:
    """The run holds between two batches; ``text`` says where."""

    text: str


@dataclass(frozen=True)
class ModelBuilt:
    """The network was built: ``model`` is the app's copy, weights copied after each epoch."""

    model: Any
    layer_names: list[str]
    layer_kinds: list[str]


@dataclass(frozen=True)
class BatchDone:
    """Running means of the epoch so far, after ``step`` of ``steps`` batches."""

    epoch: int
    step: int
    steps: int
    loss: float
    accuracy: float
    samples_per_s: float


@dataclass(frozen=True)
class EpochDone:
    """An epoch ended; its ``logs`` and the ``weights`` (already in the app's copy)."""

    epoch: int
    logs: dict
    weights: list


@dataclass(frozen=True)
class Snapshot:
    """Each layer's output for the probe image and every conv layer's kernels; while paused or
    in slow motion also all the ``weights`` (already in the app's copy), else None.
    ``probe`` says whose activations they are ("the drawing", "validation sample 3, the
    letter U")."""

    activations: list
    kernels: list
    weights: list | None = None
    probe: str = ""


# ------------------------------------------------------------------ requests
@dataclass(frozen=True)
class Pause:
    """Hold (True) or continue (False) between batches."""

    paused: bool


@dataclass(frozen=True)
class Step:
    """While paused, train one more batch and hold again."""


@dataclass(frozen=True)
class BatchRate:
    """Slow motion: at most ``per_second`` batches a second (None: full speed)."""

    per_second: float | None


@dataclass(frozen=True)
class LearningRate:
    """Use ``value`` from the next batch on."""

    value: float


@dataclass(frozen=True)
class Probe:
    """Show the activations of ``image`` (28x28; None or blank: a validation sample)."""

    image: np.ndarray | None


@dataclass(frozen=True)
class ProbeSample:
    """Show the activations of data sample ``index`` (validation data when there are any)."""

    index: int


@dataclass(frozen=True)
class Stop:
    """Stop within one batch (a finished run with the weights so far), or cancel the data."""


@dataclass(frozen=True)
class TrainOutcome:
    """How a run ended, for the dashboard."""

    message: str
    stopped: bool
    diverged: bool
    history: dict
    epochs_completed: int
    final: dict
    samples_per_s: float
    weights: list
    model: Any
    val_true: np.ndarray | None = None
    val_pred: np.ndarray | None = None
    val_images: np.ndarray | None = None


def gather_data(choice: DataChoice, seed: int, val_fraction: float = 0.0, progress=None,
                cancel=None, on_source=None):
    """The ``(train, validation)`` datasets a :class:`DataChoice` describes.

    Uses :func:`model.data.datasets.training_data`, the one mixer the ``train`` command uses too.

    Raises:
        DatasetError: no usable source.
    """
    from cnn_studio.model.data import datasets

    return datasets.training_data(choice, val_fraction, seed, progress=progress, cancel=cancel,
                                  on_source=on_source)


def predict_classes(model, images: np.ndarray, batch: int = 512) -> np.ndarray:
    """Class index predicted for each image, computed in batches without ``model.predict``."""
    out = []
    for start in range(0, len(images), batch):
        scores = model(images[start:start + batch], training=False)
        out.append(np.asarray(scores).argmax(axis=1))
    return np.concatenate(out) if out else np.zeros(0, np.int64)


class _Requests:
    """The run's side of the requests: applied to its ``TrainControl`` once there is one."""

    def __init__(self, stop: threading.Event, pause: threading.Event) -> None:
        self.stop, self.pause = stop, pause
        self.lock = threading.Lock()
        self.control = None
        self.learning_rate: float | None = None
        self.batch_rate: float | None = None
        self.probe: tuple[str, Any] = ("sample", 0)
        self.images: np.ndarray | None = None

    def handle(self, request: object) -> None:
        """Apply one request (any thread)."""
        if isinstance(request, Stop):
            self.stop.set()
        elif isinstance(request, Pause):
            (self.pause.set if request.paused else self.pause.clear)()
        elif isinstance(request, Step):
            with self.lock:
                if self.control is not None:
                    self.control.step()
        elif isinstance(request, BatchRate):
            with self.lock:
                self.batch_rate = request.per_second
                if self.control is not None:
                    self.control.set_batch_rate(self.batch_rate)
        elif isinstance(request, LearningRate):
            with self.lock:
                self.learning_rate = float(request.value)
                if self.control is not None:
                    self.control.set_learning_rate(self.learning_rate)
        elif isinstance(request, Probe | ProbeSample):
            with self.lock:
                image = getattr(request, "image", None)
                if isinstance(request, ProbeSample):
                    self.probe = ("sample", int(request.index))
                elif image is not None and np.any(image):
                    self.probe = ("image", image)
                else:
                    self.probe = ("sample", self.probe[1] if self.probe[0] == "sample" else 0)
                self._show_probe()

    def _show_probe(self) -> None:
        if self.control is None:
            return
        kind, value = self.probe
        if kind == "image":
            self.control.set_probe_image(value)
        elif self.images is not None and len(self.images):
            self.control.set_probe_image(self.images[value % len(self.images)])

    def attach(self, control, images: np.ndarray) -> None:
        """The run started training with ``control``; apply what was asked before."""
        with self.lock:
            self.control, self.images = control, images
            if self.learning_rate is not None:
                control.set_learning_rate(self.learning_rate)
            control.set_batch_rate(self.batch_rate)
            self._show_probe()


def run_training(job: TrainJob, state: TaskState) -> TrainOutcome:
    """Gather data, build, train, evaluate; partial results on the way (see the module).

    Raises:
        Cancelled: stopped before training began (while the data were prepared).
    """
    import keras

    from cnn_studio.model.data import datasets
    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.training.config import TrainControl, TrainHooks
    from cnn_studio.model.training.loop import train

    stop, pause = threading.Event(), threading.Event()
    requests = _Requests(stop, pause)
    state.on_request(requests.handle)
    config = job.config.validate()
    state.partial(StatusLine("Preparing the data..."))
    choice = replace(job.data, vary_real=config.augment)  # one "augment" for all sources
    either = _EitherEvent(stop, state.cancel)
    source = [DataProgress(0, 0)]  # the source being prepared, named in its progress

    def begin(key: str) -> None:
        source[0] = DataProgress(0, 0, datasets.SOURCE_NAMES.get(key, key))
        state.partial(source[0])

    data, val = gather_data(
        choice, config.seed, val_fraction=config.val_fraction, cancel=either, on_source=begin,
        progress=lambda done, total: state.partial(replace(source[0], done=done, total=total)))
    if either.is_set():
        raise Cancelled("Training cancelled.")
    val = val if val is not None and len(val) else None
    state.partial(StatusLine("Building the network..."))
    model = _clone(keras, job.model) if job.model is not None else \
        build_model(job.spec, seed=config.seed)
    app_model = _clone(keras, model)
    state.partial(ModelBuilt(app_model, [layer.name for layer in model.layers],
                             [layer_kind(layer) for layer in model.layers]))
    control = TrainControl(stop, pause)
    requests.attach(control, (val if val is not None else data).x)
    recorder = keep_run(job.spec, config, choice, state)

    def epoch_done(epoch: int, logs: dict, weights: list) -> None:
        app_model.set_weights(weights)  # here, not in the GUI thread
        state.partial(EpochDone(epoch, logs, weights))

    shown = val if val is not None else data

    def probe_name() -> str:
        with requests.lock:
            kind, index = requests.probe
        if kind == "image" or not len(shown):
            return DRAWING_PROBE
        index %= len(shown)
        which = "validation" if val is not None else "training"
        return f"{which} sample {index}, the letter {LETTERS[int(shown.y[index])]}"

    def snapshot(activations: list, kernels: list) -> None:
        weights = None
        if pause.is_set() or control.batch_rate() is not None:  # someone watches each batch
            weights = model.get_weights()
            app_model.set_weights(weights)
        state.partial(Snapshot(activations, kernels, weights, probe_name()))

    hooks = TrainHooks(on_batch=lambda *values: state.partial(BatchDone(*values)),
                       on_epoch=epoch_done,
                       on_snapshot=snapshot,
                       on_message=lambda text: state.partial(StatusLine(text)),
                       on_paused=lambda text: state.partial(PausedAt(text)))
    result = train(model, data, val if val is not None else datasets.empty(), config, hooks,
                   control=control, recorder=recorder)
    app_model.set_weights(result.weights)
    outcome = TrainOutcome(result.message + kept_note(recorder), result.stopped,
                           result.diverged, result.history,
                           result.epochs_completed, result.final, result.samples_per_s,
                           result.weights, result.model)
    if val is not None:
        outcome = replace(outcome, val_true=val.y, val_pred=predict_classes(result.model, val.x),
                          val_images=val.x)
    return outcome


def keep_run(spec, config: TrainConfig, choice: DataChoice, state: TaskState):
    """The :class:`model.runs.recorder.RunRecorder` keeping this run in the runs folder of the
    data home, or None when the folder cannot be made (a status line says why)."""
    from cnn_studio.model.runs.record import RunError
    from cnn_studio.model.runs.recorder import RunRecorder
    from cnn_studio.model.runs.store import RunStore

    if spec is None:  # a model opened from elsewhere: no layers the runs list could show
        state.partial(StatusLine("This run is not kept in the Runs list: its network has no "
                                 "description the builder can open."))
        return None
    data = {"source": "window", "choice": asdict(choice), "val_fraction": config.val_fraction,
            "augment": config.augment}
    try:
        return RunRecorder(RunStore(), spec, config, data)
    except RunError as error:
        state.partial(StatusLine(f"This run is not kept in the Runs list: {error}"))
        return None


def kept_note(recorder) -> str:
    """What the dashboard's last message adds about the run's record ('' when not kept)."""
    if recorder is None:
        return ""
    if recorder.problem:
        return f" Note: {recorder.problem}."
    return f" Kept in the Runs list as {recorder.record.name}."


class _EitherEvent:
    """Set when either of two events is (a Stop request, or the runner cancelling the task)."""

    def __init__(self, first: threading.Event, second: threading.Event) -> None:
        self.first, self.second = first, second

    def is_set(self) -> bool:
        """Whether either event is set."""
        return self.first.is_set() or self.second.is_set()


def _clone(keras, model):
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    return copy
