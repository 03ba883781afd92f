"""The one source of truth the panels share: declared fields that announce every change.

Each :class:`Field` of :class:`AppState` is a value (the network being designed, the active
model, the training settings ...). Its ``<name>_changed`` signal is made from the declaration
(:func:`evented`), and assigning a different value emits it, so a view that subscribes never
misses a change and nobody emits by hand. Values are replaced, never changed in place behind a
view's back (a ``NetworkSpec`` edit makes a new spec; settings are frozen dataclasses). Events
that are not values (a message, a prediction, a request) are plain signals. Background work the
window waits for is marked busy by its :class:`~cnn_studio.gui.common.tasks.Work` member, and
the window's one :class:`~cnn_studio.gui.common.tasks.TaskRunner` lives here (``runner``), so every
panel built from the state runs its long work on it.

The state stays a ``QObject``, not a Qt-free evented dataclass (psygnal): its signals cross from
worker threads to the GUI thread queued, which the panels rely on, and the command line shares
what it needs of it already, the typed settings (``TrainConfig``, ``DataChoice``) of ``model/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from cnn_studio.gui.common.shown_keeper import ShownKeeper
from cnn_studio.gui.common.tasks import TaskRunner, Work

if TYPE_CHECKING:
    from cnn_studio.gui.common.sample_store import ObservedSampleStore
    from cnn_studio.model.training.config import TrainConfig

_PLAIN = (bool, int, float, str, type(None))


class Field:
    """A declared value of the app state; assigning a different value emits ``<name>_changed``.

    Args:
        default: the value before anything is assigned.
        doc: what the value means (shown by ``help(AppState)``).
        kind: the type the change signal carries (``object`` unless a plain type).
    """

    def __init__(self, default: Any = None, doc: str = "", kind: type = object) -> None:
        self.default, self.__doc__, self.kind = default, doc, kind
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, state: Any, owner: type | None = None) -> Any:
        if state is None:
            return self
        return state.values.get(self.name, self.default)

    def __set__(self, state: Any, value: Any) -> None:
        old = self.__get__(state)
        state.values[self.name] = value
        same = old is value or (isinstance(old, _PLAIN) and isinstance(value, _PLAIN)
                                and type(old) is type(value) and old == value)
        if not same:
            getattr(state, f"{self.name}_changed").emit(value)


def evented(name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> type:
    """A metaclass function: adds a ``<field>_changed`` signal for each :class:`Field`, then
    makes the class with Qt's own metaclass (which turns the signals into real ones)."""
    for key, value in list(namespace.items()):
        if isinstance(value, Field):
            namespace[f"{key}_changed"] = Signal(value.kind)
    return type(QObject)(name, bases, namespace)  # type: ignore[misc]  # Qt's metaclass


class AppState(QObject, metaclass=evented):  # type: ignore[metaclass]  # a function
    """The values and events shared by the main window's panels."""

    spec = Field(None, "the network being designed (a model.spec.network.NetworkSpec)")
    model = Field(None, "the active Keras model the canvas predicts with (None before one)")
    model_spec = Field(None, "the NetworkSpec of the active model (None: not describable)")
    training = Field(False, "a training run is in progress", bool)
    trained = Field(False, "the active model's weights come from training", bool)
    unsaved_model = Field(False, "trained weights not yet saved to a file", bool)
    tf_info = Field(None, "TensorFlow's versions and devices once it has loaded: {'tensorflow':"
                          " version, 'keras': version, 'devices': [(kind, name), ...]}")
    train_config = Field(None, "the training settings chosen (a model.training.config."
                               "TrainConfig)")
    data_choice = Field(None, "the data sources Train mixes (a model.data.datasets.DataChoice)")
    network_name = Field("", "the name of the network in the builder ('' before one)", str)
    unsaved_network = Field(False, "the builder's network has edits not saved to its file", bool)
    network_file = Field("", "the file the builder's network was opened from or saved to ('':"
                             " none)", str)
    explain_tab = Field("", "the Explain tab in front (its object name; '' before one)", str)
    shown = Field(None, "which network the canvas's answer, explain mode and the overview show"
                        " (a model.nets.shown.ShownNetwork; its label says it on screen; None:"
                        " none may be shown, the builder's network is invalid)")
    shown_model = Field(None, "the Keras model of ``shown`` (the active model, or the edited"
                              " network with its starting weights; None: none to show yet),"
                              " kept by gui.common.shown_keeper")

    if TYPE_CHECKING:  # made by ``evented`` from the fields above
        spec_changed: Any
        model_changed: Any
        model_spec_changed: Any
        training_changed: Any
        trained_changed: Any
        unsaved_model_changed: Any
        tf_info_changed: Any
        train_config_changed: Any
        data_choice_changed: Any
        network_name_changed: Any
        unsaved_network_changed: Any
        network_file_changed: Any
        explain_tab_changed: Any
        shown_changed: Any
        shown_model_changed: Any

    tf_failed = Signal(str)          # message saying what happened and what to do
    network_requested = Signal(object, str)  # (NetworkSpec, undo text): show it in the builder
    model_network_opened = Signal(object, str)  # (NetworkSpec, .keras path): the builder shows
    # the network of a model file just opened, as read from that file (nothing unsaved)
    network_restored = Signal(object, object)  # (NetworkSpec, its file or None: the autosave)
    # the last launch's network: the builder starts from it (no undo step back to the default)
    model_file_requested = Signal(str)  # a .keras file the canvas reads with (the last launch's)
    weights_updated = Signal(object)  # list[np.ndarray]: new weights of the active model
    drawing_changed = Signal(object)  # np.ndarray (28, 28) network input, or None when empty
    prediction_ready = Signal(object)  # a Prediction for the current drawing
    training_snapshot = Signal(object)  # list[np.ndarray]: each layer's output, the drawing
    convolution_requested = Signal(int, int, int, int)  # (layer, map, row, col): explain it
    overview_requested = Signal()    # back to the network overview (from explain)
    samples_changed = Signal()       # the user's sample store was saved or reloaded
    message = Signal(str)            # a line for the status bar
    file_used = Signal(str)          # a file opened or saved: File > Open recent lists it
    busy_changed = Signal(bool)      # True while background work the user waits for runs
    work_ended = Signal(object)      # the Work member of background work that just ended

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.values: dict[str, object] = {}
        self.image = None
        self.prediction = None
        self._store: ObservedSampleStore | None = None
        self._busy: dict[Work, int] = {}
        self.runner = TaskRunner(self, self)
        self.shown_keeper = ShownKeeper(self)  # keeps ``shown`` and ``shown_model``
        self.drawing_changed.connect(self._remember_image)
        self.prediction_ready.connect(self._remember_prediction)

    @property
    def tf_loaded(self) -> bool:
        """Whether TensorFlow finished loading."""
        return self.tf_info is not None

    def samples(self) -> ObservedSampleStore:
        """The one sample store of the user's letters, opened on first use; its saves and
        reloads are announced by ``samples_changed``."""
        if self._store is None:
            from cnn_studio.gui.common.sample_store import ObservedSampleStore

            self._store = ObservedSampleStore(on_change=self.samples_changed.emit)
        return self._store

    def config(self) -> TrainConfig:
        """The chosen training settings (the defaults before the form published any)."""
        from cnn_studio.model.training.config import TrainConfig

        return self.train_config if self.train_config is not None else TrainConfig()

    def set_model(self, model: Any, spec: Any, trained: bool) -> None:
        """Make ``model`` (built from ``spec``) the active model; ``trained``: its weights are."""
        self.model_spec, self.trained = spec, trained
        self.unsaved_model = False
        self.model = model

    def begin_work(self, work: Work) -> None:
        """Mark background work that the default state waits for (used by --screenshot)."""
        was_idle = not self._busy
        self._busy[work] = self._busy.get(work, 0) + 1
        if was_idle:
            self.busy_changed.emit(True)

    def end_work(self, work: Work) -> None:
        """Mark one piece of background work as finished."""
        count = self._busy.get(work, 0) - 1
        if count > 0:
            self._busy[work] = count
        else:
            self._busy.pop(work, None)
        self.work_ended.emit(work)
        if not self._busy:
            self.busy_changed.emit(False)

    def is_busy(self, work: Work) -> bool:
        """Whether background work of this kind is under way."""
        return work in self._busy

    @property
    def idle(self) -> bool:
        """No background work is pending."""
        return not self._busy

    def _remember_image(self, image: Any) -> None:
        self.image = image

    def _remember_prediction(self, prediction: Any) -> None:
        self.prediction = prediction
