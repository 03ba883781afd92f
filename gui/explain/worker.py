"""Explain mode's compute worker and the context its tabs share.

Every number comes from ``cnn_studio.model.explain`` (which needs TensorFlow), computed in one worker
thread: a tab submits a job under a key, the worker keeps only the newest job per key, runs
it and hands the result back to the GUI thread, which drops answers older than one shown.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal

from cnn_studio.gui.common.daemon_thread import CommandThread
from cnn_studio.model.errors import describe_error


class ExplainWorker(QObject):
    """Runs explain computations in its own thread, newest request per key only."""

    done = Signal(str, int, object)
    failed = Signal(str, int, str)

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._jobs: dict[str, tuple[int, Callable[[], object]]] = {}
        self.thread = CommandThread("explain-worker")

    def request(self, key: str, token: int, job: Callable[[], object]) -> None:
        """Queue ``job`` under ``key`` (replacing a queued one with the same key)."""
        with self._lock:
            self._jobs[key] = (token, job)
        self.thread.start()  # first job: TensorFlow is loaded by now
        self.thread.call(self._drain)

    def discard(self) -> None:
        """Forget all queued jobs (at shutdown)."""
        with self._lock:
            self._jobs.clear()

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._jobs:
                    return
                key = next(iter(self._jobs))
                token, job = self._jobs.pop(key)
            try:
                result = job()
            except Exception as error:  # noqa: BLE001 - any failure becomes a message
                self.failed.emit(key, token, describe_error(error))
            else:
                self.done.emit(key, token, result)


class ExplainContext(QObject):
    """What every tab shares: the model, the drawing, the chosen true letter and the worker."""

    inputs_changed = Signal()      # model, weights or drawing changed
    model_replaced = Signal()      # a different model (layer lists must be rebuilt)
    true_letter_changed = Signal(int)

    def __init__(self, state, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.model = state.model
        self.image = state.image
        self.true_letter: int | None = None
        self.weights_version = 0
        self._tokens = itertools.count(1)
        self._latest: dict[str, int] = {}
        self._shown: dict[str, int] = {}
        self._handlers: dict[str, tuple[Callable, Callable | None]] = {}
        self.worker = ExplainWorker()
        self.worker.done.connect(self._on_done)
        self.worker.failed.connect(self._on_failed)
        self._stopped = False
        state.model_changed.connect(self.set_model)
        state.drawing_changed.connect(self.set_image)
        state.weights_updated.connect(self._on_weights)
        state.tf_ready.connect(self._on_tf_ready)

    # ------------------------------------------------------------------ inputs
    @property
    def tf_loaded(self) -> bool:
        """Whether TensorFlow finished loading."""
        return bool(self.state.tf_loaded)

    def set_model(self, model) -> None:
        """Use ``model`` (a Keras model, or None) from now on."""
        self.model = model
        self.weights_version += 1
        self.model_replaced.emit()
        self.inputs_changed.emit()

    def set_image(self, image) -> None:
        """Use the 28x28 drawing ``image`` (None or all zeros: no drawing)."""
        self.image = None if image is None else np.array(image, dtype=np.float32)
        self.inputs_changed.emit()

    def _on_weights(self, _weights) -> None:
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
        """Run ``job`` in the worker; ``on_done(result)`` runs in the GUI thread.

        A result older than one already shown for ``key`` is dropped. Returns the token.
        """
        token = next(self._tokens)
        if self._stopped:
            return token
        if not self._latest:
            self.state.begin_task("explain")
        self._latest[key] = token
        self._handlers[key] = (on_done, on_error)
        self.worker.request(key, token, job)
        return token

    @property
    def busy(self) -> bool:
        """Whether any submitted job has not answered yet."""
        return bool(self._latest)

    def _finish(self, key: str, token: int) -> bool:
        if token <= self._shown.get(key, 0):
            return False
        self._shown[key] = token
        if self._latest.get(key) == token:
            del self._latest[key]
            if not self._latest:
                self.state.end_task("explain")
        return True

    def _on_done(self, key: str, token: int, result) -> None:
        if self._finish(key, token):
            self._handlers[key][0](result)

    def _on_failed(self, key: str, token: int, message: str) -> None:
        if self._finish(key, token):
            on_error = self._handlers[key][1]
            if on_error is not None:
                on_error(message)
            else:
                self.state.message.emit(message)

    def shutdown(self) -> None:
        """Stop the worker thread (waits a bounded time for a running computation)."""
        self._stopped = True
        self.worker.discard()
        self.worker.thread.stop()
        if self._latest:
            self._latest.clear()
            self.state.end_task("explain")


def _import_explain() -> None:
    import cnn_studio.model.explain  # noqa: F401 - load the module once, in the worker
