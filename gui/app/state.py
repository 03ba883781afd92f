"""The one source of truth the panels share: declared fields that announce every change.

Each :class:`Field` of :class:`AppState` is a value (the network being designed, the active
model, the sample store, whether a run trains ...) and has a ``<name>_changed`` signal: assigning
a new value emits it, so a panel that subscribes never misses a change and nobody emits by hand.
Values are replaced, never changed in place behind a view's back (a ``NetworkSpec`` edit makes a
new spec). Events that are not values (a message, a prediction, a request) are plain signals.
Panels take the state in their constructor; they never reach each other.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

_PLAIN = (bool, int, float, str, type(None))


class Field:
    """A declared value of the app state; assigning a different value emits ``<name>_changed``.

    Args:
        default: the value before anything is assigned.
        doc: what the value means (shown by ``help(AppState)``).
    """

    def __init__(self, default=None, doc: str = "") -> None:
        self.default, self.__doc__ = default, doc

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, state, owner=None):
        if state is None:
            return self
        return state._values.get(self.name, self.default)

    def __set__(self, state, value) -> None:
        old = self.__get__(state)
        state._values[self.name] = value
        same = old is value or (isinstance(old, _PLAIN) and isinstance(value, _PLAIN)
                                and type(old) is type(value) and old == value)
        if not same:
            getattr(state, f"{self.name}_changed").emit(value)


class AppState(QObject):
    """The values and events shared by the main window's panels."""

    spec = Field(None, "the network being designed (a model.spec.network.NetworkSpec)")
    model = Field(None, "the active Keras model the canvas predicts with (None before one)")
    model_spec = Field(None, "the NetworkSpec of the active model")
    sample_store = Field(None, "the one ObservedSampleStore of the user's own letters")
    training = Field(False, "a training run is in progress")
    trained = Field(False, "the active model's weights come from training")
    unsaved_model = Field(False, "trained weights not yet saved to a file")
    tf_info = Field(None, "TensorFlow's versions and devices once it has loaded")
    train_config = Field(None, "the training settings chosen (TrainConfig fields as a dict)")
    data_choice = Field(None, "the data sources Train mixes (a model.data.datasets.DataChoice)")
    network_name = Field("", "the name of the network in the builder ('' before one)")
    unsaved_network = Field(False, "the builder's network has edits not saved to its file")

    spec_changed = Signal(object)
    model_changed = Signal(object)
    model_spec_changed = Signal(object)
    sample_store_changed = Signal(object)
    training_changed = Signal(bool)
    trained_changed = Signal(bool)
    unsaved_model_changed = Signal(bool)
    tf_info_changed = Signal(object)
    train_config_changed = Signal(object)
    data_choice_changed = Signal(object)
    network_name_changed = Signal(str)
    unsaved_network_changed = Signal(bool)

    tf_ready = Signal(dict)          # {"tensorflow": version, "keras": version, "devices": [...]}
    tf_failed = Signal(str)          # message saying what happened and what to do
    network_requested = Signal(object, str)  # (NetworkSpec, undo text): show it in the builder
    weights_updated = Signal(object)  # list[np.ndarray]: new weights of the active model
    drawing_changed = Signal(object)  # np.ndarray (28, 28) network input, or None when empty
    strokes_changed = Signal(object)  # (strokes: list[np.ndarray], canvas: (w, h))
    prediction_ready = Signal(object)  # a Prediction for the current drawing
    message = Signal(str)            # a line for the status bar
    file_used = Signal(str)          # a file opened or saved: File > Open recent lists it
    busy_changed = Signal(bool)      # True while background work the user waits for runs
    task_ended = Signal(str)         # the name of background work that just ended

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._values: dict[str, object] = {}
        self.image = None
        self.strokes = None
        self.prediction = None
        self._busy: set[str] = set()
        self.tf_ready.connect(self._remember_tf)
        self.drawing_changed.connect(self._remember_image)
        self.prediction_ready.connect(self._remember_prediction)

    @property
    def tf_loaded(self) -> bool:
        """Whether TensorFlow finished loading."""
        return self.tf_info is not None

    def samples(self):
        """The one sample store of the user's letters, opened on first use."""
        if self.sample_store is None:
            from cnn_studio.gui.common.sample_store import ObservedSampleStore

            self.sample_store = ObservedSampleStore()
        return self.sample_store

    def set_model(self, model, spec, trained: bool) -> None:
        """Make ``model`` (built from ``spec``) the active model; ``trained``: its weights are."""
        self.model_spec, self.trained = spec, trained
        self.unsaved_model = False
        self.model = model

    def begin_task(self, name: str) -> None:
        """Mark background work that the default state waits for (used by --screenshot)."""
        was_idle = not self._busy
        self._busy.add(name)
        if was_idle:
            self.busy_changed.emit(True)

    def end_task(self, name: str) -> None:
        """Mark background work as finished."""
        self._busy.discard(name)
        self.task_ended.emit(name)
        if not self._busy:
            self.busy_changed.emit(False)

    def is_running(self, name: str) -> bool:
        """Whether the background work ``name`` (see :meth:`begin_task`) is under way."""
        return name in self._busy

    @property
    def idle(self) -> bool:
        """No background work is pending."""
        return not self._busy

    def _remember_tf(self, info: dict) -> None:
        self.tf_info = info

    def _remember_image(self, image) -> None:
        self.image = image

    def _remember_prediction(self, prediction) -> None:
        self.prediction = prediction
