"""The context explain mode's tabs share, and their latest-only computations.

Every number comes from ``cnn_studio.model.explain`` (which needs TensorFlow), computed in one lane
of the window's task runner (``gui.common.tasks.Lane``): a tab submits a job under a key, the
lane keeps only the newest job per key, runs it and hands the result back to the GUI thread,
which drops answers older than one shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from cnn_studio.gui.common.state import AppState
from cnn_studio.gui.common.tasks import Work

if TYPE_CHECKING:
    import keras


class ExplainContext(QObject):
    """What every tab shares: the model, the drawing, the chosen true letter and the worker."""

    inputs_changed = Signal()      # model, weights or drawing changed (of the shown network)
    model_replaced = Signal()      # a different model (layer lists must be rebuilt)
    true_letter_changed = Signal(int)

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.model = state.shown_model  # the network the views show (gui.common.shown_keeper)
        self.image: np.ndarray | None = state.image
        self.true_letter: int | None = None
        self.weights_version = 0
        self.lane = state.runner.lane("explain")
        self.lane.pending_changed.connect(self._mark_busy)
        state.shown_model_changed.connect(self.set_model)
        state.drawing_changed.connect(self.set_image)
        state.weights_updated.connect(self._on_weights)
        state.tf_info_changed.connect(self._on_tf_ready)

    # ------------------------------------------------------------------ inputs
    @property
    def tf_loaded(self) -> bool:
        """Whether TensorFlow finished loading."""
        return bool(self.state.tf_loaded)

    def set_model(self, model: keras.Model | None) -> None:
        """Use ``model`` (a Keras model, or None) from now on."""
        self.model = model
        self.weights_version += 1
        self.model_replaced.emit()
        self.inputs_changed.emit()

    def set_image(self, image: np.ndarray | None) -> None:
        """Use the 28x28 drawing ``image`` (None or all zeros: no drawing)."""
        self.image = None if image is None else np.array(image, dtype=np.float32)
        self.inputs_changed.emit()

    def _on_weights(self, _weights) -> None:
        if self.state.shown_model is not self.state.model:
            return  # new weights of the active model, which is not the network shown
        self.weights_version += 1
        self.inputs_changed.emit()

    def _on_tf_ready(self, _info) -> None:
        self.submit("warm-up", _import_explain, lambda _: self.inputs_changed.emit())

    @property
    def has_drawing(self) -> bool:
        """Whether there is a non-empty drawing."""
        return self.image is not None and bool(np.any(self.image > 0))

    def set_true_letter(self, index: int) -> None:
        """Choose the letter the drawing is meant to be (shared by softmax and backprop)."""
        if index != self.true_letter:
            self.true_letter = index
            self.true_letter_changed.emit(index)

    # ------------------------------------------------------------------ jobs
    def submit(self, key: str, job: Callable[[], object], on_done: Callable[[object], None],
               on_error: Callable[[str], None] | None = None) -> int:
        """Run ``job`` in the lane; ``on_done(result)`` runs in the GUI thread.

        A job still waiting under ``key`` is replaced; a result older than one already shown
        for ``key`` is dropped; a failure without ``on_error`` goes to the status bar.
        Returns the token.
        """
        return self.lane.latest(key, job, on_done, on_error or self.state.message.emit)

    @property
    def busy(self) -> bool:
        """Whether any submitted job has not answered yet."""
        return self.lane.pending

    def _mark_busy(self, pending: bool) -> None:
        if pending:
            self.state.begin_work(Work.EXPLAIN)
        else:
            self.state.end_work(Work.EXPLAIN)

    def shutdown(self) -> None:
        """Stop the lane (waits a bounded time for a running computation)."""
        self.lane.stop()


def _import_explain() -> None:
    import cnn_studio.model.explain  # noqa: F401 - load the module once, in the worker
