"""The state every panel shares: the network being designed, the active model, the drawing.

Panels take the state in their constructor and subscribe to its signals; they never reach into
each other. Everything carried by a signal is plain Python or numpy.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class AppState(QObject):
    """Signals and current values shared by the main window's panels."""

    tf_ready = Signal(dict)          # {"tensorflow": version, "keras": version, "devices": [...]}
    tf_failed = Signal(str)          # message saying what happened and what to do
    spec_changed = Signal(object)    # model.spec.network.NetworkSpec edited in the builder
    network_requested = Signal(object, str)  # (NetworkSpec, undo text): show it in the builder
    model_changed = Signal(object)   # a new Keras model became active (loaded, built, trained)
    weights_updated = Signal(object)  # list[np.ndarray]: new weights of the active model
    drawing_changed = Signal(object)  # np.ndarray (28, 28) network input, or None when empty
    strokes_changed = Signal(object)  # (strokes: list[np.ndarray], canvas: (w, h))
    prediction_ready = Signal(object)  # model.nets.inference.Prediction for the current drawing
    message = Signal(str)            # a line for the status bar
    busy_changed = Signal(bool)      # True while background work the user waits for runs
    task_ended = Signal(str)         # the name of background work that just ended

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tf_info: dict | None = None
        self.spec = None
        self.model = None
        self.model_spec = None
        self.image = None
        self.strokes = None
        self.prediction = None
        self.training = False        # a training run is in progress (the training dashboard)
        self.trained = False         # the active network's weights come from training
        self.unsaved_model = False   # trained weights not yet saved to a file
        self._busy: set[str] = set()
        self.tf_ready.connect(self._remember_tf)
        self.drawing_changed.connect(self._remember_image)
        self.prediction_ready.connect(self._remember_prediction)

    @property
    def tf_loaded(self) -> bool:
        """Whether TensorFlow finished loading."""
        return self.tf_info is not None

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
