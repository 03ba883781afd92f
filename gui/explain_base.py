"""Explain mode's plumbing: the compute worker, the shared context and the base of every tab.

Every number comes from ``model.explain`` (which needs TensorFlow), computed in one worker
thread: a tab submits a job under a key, the worker keeps only the newest job per key, runs
it and hands the result back to the GUI thread. Tabs compute only while visible.
"""

from __future__ import annotations

import html
import itertools
import threading
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
HINT_TF = "TensorFlow is loading... explain mode starts when it is ready."
HINT_MODEL = ("No network yet: build one in the Layer builder or open a trained model "
              "(File > Open trained model).")
HINT_DRAW = "Draw a letter on the canvas to see the math behind the network's answer."


def error_text(error: BaseException) -> str:
    """A one-line message for an exception raised by a computation."""
    if isinstance(error, ValueError | KeyError) and str(error):
        return str(error)
    return f"{type(error).__name__}: {error}"


class ExplainWorker(QObject):
    """Runs explain computations in its own thread, newest request per key only."""

    done = Signal(str, int, object)
    failed = Signal(str, int, str)
    _wake = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._jobs: dict[str, tuple[int, Callable[[], object]]] = {}
        self._wake.connect(self._drain)

    def request(self, key: str, token: int, job: Callable[[], object]) -> None:
        """Queue ``job`` under ``key`` (replacing a queued one with the same key)."""
        with self._lock:
            self._jobs[key] = (token, job)
        self._wake.emit()

    def discard(self) -> None:
        """Forget all queued jobs (at shutdown)."""
        with self._lock:
            self._jobs.clear()

    @Slot()
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
                self.failed.emit(key, token, error_text(error))
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
        self.thread = QThread()
        self.thread.setObjectName("explain-worker")
        self.worker = ExplainWorker()
        self.worker.moveToThread(self.thread)
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
        if not self.thread.isRunning():
            self.thread.start()  # first job: TensorFlow is loaded by now
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
        """Stop the worker thread (waits for a running computation to end)."""
        self._stopped = True
        self.worker.discard()
        self.thread.quit()
        self.thread.wait()
        if self._latest:
            self._latest.clear()
            self.state.end_task("explain")


def _import_explain() -> None:
    import model.explain  # noqa: F401 - load the module once, in the worker


def layer_table(model) -> list[tuple[int, str, str]]:
    """(index, name, kind) of each layer of a Keras model (kind as in ``model.spec``)."""
    from model.explain import layer_kind

    return [(index, layer.name, layer_kind(layer)) for index, layer in enumerate(model.layers)]


def help_html(*keys: str) -> str:
    """The app's help texts for ``keys`` (layer kinds or concepts), skipping unknown ones."""
    from model.help_texts import HelpTextError, help_text

    parts = []
    for key in keys:
        try:
            parts.append(html.escape(help_text(key)))
        except (HelpTextError, KeyError, OSError):
            continue
    return "<br><br>".join(parts)


def help_label(*keys: str) -> QLabel:
    """A framed, wrapped label with the help texts of ``keys``."""
    label = QLabel(help_html(*keys))
    label.setObjectName("help_text")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setFrameShape(QFrame.Shape.StyledPanel)
    label.setStyleSheet("QLabel#help_text { background: #f6f6ee; padding: 6px; color: #333; }")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def letter_combo(with_predicted: bool = False) -> QComboBox:
    """A combo box of the 26 letters (optionally headed by 'Predicted letter', data None)."""
    combo = QComboBox()
    if with_predicted:
        combo.addItem("Predicted letter", None)
    for index, letter in enumerate(LETTERS):
        combo.addItem(letter, index)
    return combo


def class_name(index: int) -> str:
    """A class index as its letter (or '#index' past Z)."""
    return LETTERS[index] if 0 <= index < len(LETTERS) else f"#{index}"


class ExplainTab(QWidget):
    """One concept of explain mode: a hint page and a scrolling content page.

    Subclasses build ``self.body`` (a QVBoxLayout) in ``build()``, say what they need with
    ``needs_drawing`` and ``check(layers)``, and compute in ``recompute()``.
    """

    title = "Explain"
    needs_drawing = True

    def __init__(self, ctx: ExplainContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dirty = True
        self.layers: list[tuple[int, str, str]] = []
        self.stack = QStackedWidget()
        self.hint = QLabel()
        self.hint.setObjectName("explain_hint")
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setStyleSheet("QLabel#explain_hint { color: #555; font-size: 13px; "
                                "padding: 20px; }")
        content = QWidget()
        self.body = QVBoxLayout(content)
        self.body.setContentsMargins(6, 6, 6, 6)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.stack.addWidget(self.hint)
        self.stack.addWidget(scroll)
        self.status = QLabel()
        self.status.setObjectName("explain_status")
        self.status.setWordWrap(True)
        self.status.setStyleSheet("QLabel#explain_status { color: #a03000; }")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        outer.addWidget(self.status)
        self.build()
        ctx.model_replaced.connect(self._on_model_replaced)
        ctx.inputs_changed.connect(self.request)

    # ----------------------------------------------------------- subclass API
    def build(self) -> None:
        """Create the widgets (into ``self.body``)."""

    def check(self, layers: list[tuple[int, str, str]]) -> str | None:
        """A hint when this network cannot be explained by this tab (e.g. no conv layer)."""
        return None

    def model_replaced(self) -> None:
        """Refill the layer choices after the model changed (``self.layers`` is current)."""

    def recompute(self) -> None:
        """Submit the computations for the current inputs."""

    # ------------------------------------------------------------- machinery
    @property
    def showing_content(self) -> bool:
        """Whether the content page (not a hint) is shown."""
        return self.stack.currentIndex() == 1

    def show_hint(self, text: str) -> None:
        """Replace the content by a hint saying what to do."""
        self.hint.setText(text)
        self.stack.setCurrentIndex(0)

    def show_error(self, message: str) -> None:
        """Show a computation's failure below the content."""
        self.status.setText(message)

    def _on_model_replaced(self) -> None:
        model = self.ctx.model
        self.layers = layer_table(model) if model is not None and self.ctx.tf_loaded else []
        self.model_replaced()

    def request(self) -> None:
        """Recompute now if visible, otherwise when the tab is next shown."""
        self.dirty = True
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        """Show a hint, or the content with fresh numbers."""
        self.dirty = False
        ctx = self.ctx
        if not ctx.tf_loaded:
            self.show_hint(HINT_TF)
            return
        if ctx.model is None:
            self.show_hint(HINT_MODEL)
            return
        if not self.layers:
            self._on_model_replaced()
        problem = self.check(self.layers)
        if problem:
            self.show_hint(problem)
            return
        if self.needs_drawing and not ctx.has_drawing:
            self.show_hint(HINT_DRAW)
            return
        self.status.clear()
        self.stack.setCurrentIndex(1)
        self.recompute()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self.dirty:
            self.refresh()

    def submit(self, key: str, job: Callable[[], object],
               on_done: Callable[[object], None]) -> int:
        """Run ``job`` in the worker; failures appear in the status line."""
        self.status.clear()
        return self.ctx.submit(f"{type(self).__name__}.{key}", job, on_done, self.show_error)

    def layers_of(self, *kinds: str) -> list[tuple[int, str, str]]:
        """The layers of the given kinds."""
        return [entry for entry in self.layers if entry[2] in kinds]


def fill_layer_combo(combo: QComboBox, layers: list[tuple[int, str, str]]) -> None:
    """Put ``layers`` into ``combo`` (data = layer index), keeping the choice if it still exists."""
    previous = combo.currentData()
    blocked = combo.blockSignals(True)
    combo.clear()
    for index, name, kind in layers:
        combo.addItem(f"{name} ({kind})", index)
    position = combo.findData(previous)
    combo.setCurrentIndex(position if position >= 0 else 0)
    combo.blockSignals(blocked)
