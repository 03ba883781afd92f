"""The central panel: draw a letter, see the network's input, its answer and its layers.

Strokes from the canvas go through ``model.ink.preprocess.strokes_to_image`` (the one rasterizer
the CLI and the datasets use too) and the 28x28 result goes to the inference worker, which
answers with probabilities and every layer's activation.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cnn_studio.gui.common import palette as colours
from cnn_studio.gui.common.activation_maps import GRAY_TABLE, PixelImage
from cnn_studio.gui.common.activation_view import ActivationView
from cnn_studio.gui.common.shell import NoUnsavedWork, Shell
from cnn_studio.gui.common.state import AppState
from cnn_studio.gui.common.tasks import Work
from cnn_studio.gui.draw.add_sample_bar import AddSampleBar, add_to_store
from cnn_studio.gui.draw.canvas import PEN_RANGE, DrawingCanvas
from cnn_studio.gui.draw.first_answer import REPORT_ANSWER_ENV, await_answer, report_when_painted
from cnn_studio.gui.draw.inference_worker import NO_MODEL_MESSAGE, InferenceService
from cnn_studio.gui.draw.prediction_view import PredictionView
from cnn_studio.model.ink.preprocess import strokes_to_image
from cnn_studio.model.ink.strokes import StrokesError, read_strokes
from cnn_studio.model.storage import paths

DEFAULT_MODEL_FILE = "default.keras"  # in paths.DEFAULT_MODEL_DIR
FIRST_ANSWER_WAIT_S = 1.5  # a letter pre-drawn at launch waits this long for its answer
NO_SHOWN_MESSAGE = ("The network in the layer builder cannot be built, so there is no answer: "
                    "fix the layers marked in red.")
WIDE_LAYOUT_MIN = 700  # panel width from which the prediction sits beside the canvas


class DrawPanel(NoUnsavedWork, QWidget):
    """Canvas, network input preview, prediction and activations, wired to an inference worker.

    Its work is saved as it is made (letters go to the sample store at once).

    Args:
        state: the window's ``AppState``.
    """

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("draw_panel")
        self.state = state
        self.image: np.ndarray | None = None
        self.strokes: list[np.ndarray] = []
        self.shown_seq = 0
        self.requested_seq = 0
        self._draw_task_seq: int | None = None
        self.no_model = False
        self._closed = False
        self.inference = InferenceService(state, self)
        self.engine = self._model_name = ""
        self._build()
        self._connect()
        if not state.tf_loaded:  # answer with the numpy engine until TensorFlow is ready
            self.inference.start_numpy(str(paths.DEFAULT_MODEL_DIR / DEFAULT_MODEL_FILE))

    # ------------------------------------------------------------------ layout
    def _build_drawing_side(self) -> None:
        """The canvas with its pen, undo and clear tools and the add-to-dataset bar."""
        self.canvas = DrawingCanvas()
        self.pen_spin = QSpinBox()
        self.pen_spin.setObjectName("pen_width")
        self.pen_spin.setRange(*PEN_RANGE)
        self.pen_spin.setValue(self.canvas.pen_width)
        self.pen_spin.setSuffix(" px")
        self.pen_spin.setToolTip("Ink width on screen. The network input is always normalised "
                                 "to the same stroke width, as in its training data.")
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Take back the last stroke (Ctrl+Z)")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setObjectName("clear_button")
        self.clear_button.setToolTip("Erase the drawing (Esc or Delete)")
        tools = QHBoxLayout()
        tools.addWidget(QLabel("Pen"))
        tools.addWidget(self.pen_spin)
        tools.addStretch(1)
        tools.addWidget(self.undo_button)
        tools.addWidget(self.clear_button)
        self.add_bar = AddSampleBar()
        left = QVBoxLayout()
        left.addWidget(self.canvas, 1)
        left.addLayout(tools)
        left.addWidget(self.add_bar)

        self._left = QWidget()
        self._left.setLayout(left)
        left.setContentsMargins(0, 0, 0, 0)

    def _build_answer_side(self) -> None:
        """The network's input picture, which model answers, and the prediction."""
        self.preview = PixelImage(GRAY_TABLE, grid=True)
        self.preview.setObjectName("input_preview")
        self.preview.setFixedSize(116, 116)
        self.preview.set_array(np.zeros((28, 28), np.float32), False, 1.0)
        self.preview.setToolTip("The 28x28 image the network receives (1.0 = white ink)")
        self.prediction_view = PredictionView()
        self.model_label = QLabel("Model: reading the default model...")
        self.model_label.setObjectName("model_label")
        self.model_label.setWordWrap(True)
        self.model_label.setStyleSheet(f"color: {colours.css(colours.muted_text())};")
        self._preview_box = QWidget()
        preview_box = QVBoxLayout(self._preview_box)
        preview_box.setContentsMargins(0, 0, 0, 0)
        preview_box.addWidget(QLabel("<b>Network input</b>"))
        preview_box.addWidget(self.preview)
        preview_box.addWidget(self.model_label)
        preview_box.addStretch(1)
        self._preview_box.setFixedWidth(122)
        self._answer = QWidget()
        answer = QVBoxLayout(self._answer)
        answer.setContentsMargins(0, 0, 0, 0)
        answer.addWidget(QLabel("<b>Prediction</b>"))
        answer.addWidget(self.prediction_view, 1)

    def _build(self) -> None:
        self._build_drawing_side()
        self._build_answer_side()
        top = QWidget()
        # The arrangement follows the width (see resizeEvent), so the wide arrangement's
        # minimum width must not stop the panel from becoming narrower.
        top.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._grid = QGridLayout(top)
        self._grid.setContentsMargins(4, 4, 4, 4)
        self._wide: bool | None = None

        self.activation_view = ActivationView()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.activation_view)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self._arrange(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self._enter = [QShortcut(QKeySequence(key), self) for key in (Qt.Key.Key_Return,
                                                                      Qt.Key.Key_Enter)]
        self._escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        for shortcut in (*self._enter, self._escape):
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.setEnabled(False)

    def _arrange(self, wide: bool) -> None:
        """Prediction beside the canvas when there is room, else below it."""
        if wide == self._wide:
            return
        self._wide = wide
        grid = self._grid
        for widget in (self._left, self._preview_box, self._answer):
            grid.removeWidget(widget)
        if wide:
            grid.addWidget(self._left, 0, 0)
            grid.addWidget(self._preview_box, 0, 1)
            grid.addWidget(self._answer, 0, 2)
        else:
            grid.addWidget(self._left, 0, 0, 1, 2)
            grid.addWidget(self._preview_box, 1, 0)
            grid.addWidget(self._answer, 1, 1)
        grid.setColumnStretch(0, 4 if wide else 0)
        grid.setColumnStretch(1, 0 if wide else 1)
        grid.setColumnStretch(2, 5 if wide else 0)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(1, 0)
        self.splitter.setSizes([380, 420] if wide else [560, 340])

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Switch between the wide and the narrow arrangement."""
        self._arrange(event.size().width() >= WIDE_LAYOUT_MIN)
        super().resizeEvent(event)

    def _connect(self) -> None:
        self.canvas.strokes_changed.connect(self._on_strokes)
        self.canvas.letter_pressed.connect(self.offer_sample)
        self.pen_spin.valueChanged.connect(self.canvas.set_pen_width)
        self.undo_button.clicked.connect(self.canvas.undo_stroke)
        self.clear_button.clicked.connect(self.canvas.clear)
        self.add_bar.add_button.clicked.connect(self.confirm_sample)
        self.add_bar.cancel_button.clicked.connect(self._hide_add_bar)
        for shortcut in self._enter:
            shortcut.activated.connect(self.confirm_sample)
        self._escape.activated.connect(self._hide_add_bar)
        self.inference.prediction_ready.connect(self._on_prediction)
        self.inference.model_loaded.connect(self._on_model_loaded)
        self.inference.model_failed.connect(self._on_model_failed)
        self.inference.numpy_loaded.connect(self._on_numpy_loaded)
        self.inference.engine_changed.connect(self._on_engine)
        self.state.tf_info_changed.connect(lambda _info: self.start_inference())
        self.state.tf_failed.connect(self._on_tf_failed)
        self.state.shown_changed.connect(self._on_shown)
        self.state.model_file_requested.connect(self.load_model)

    # ------------------------------------------------------------- drawing flow
    def start_inference(self) -> None:
        """Start the worker thread and load the default model (TensorFlow must be loaded)."""
        if not self.inference.running and not self._closed:
            if not self.inference.has_model:
                self.model_label.setText("Model: loading the default model...")
            self.inference.start()

    def _network_input(self, strokes: list[np.ndarray], canvas) -> np.ndarray | None:
        """The 28x28 input for ``strokes``; None (after a message) when they cannot be read."""
        if not strokes:
            return None
        try:
            with np.errstate(all="ignore"):
                image = strokes_to_image(strokes, canvas)
            if not np.all(np.isfinite(image)):
                raise ValueError("the result is not finite")
        except (ValueError, OverflowError, FloatingPointError, MemoryError) as exc:
            self.state.message.emit(f"The network could not read the drawing: {exc}. Its "
                                    "points are too far out; clear it and draw again.")
            return None
        return image

    def _on_strokes(self, strokes: list[np.ndarray], final: bool) -> None:
        self.strokes = strokes
        canvas = self.canvas.canvas_size
        image = self._network_input(strokes, canvas)
        self.image = image
        now = self.inference.predict_now(image)  # a quick network: no trip to the worker
        self.requested_seq = self.inference.predict(image, computed=now is not None)
        self.preview.set_array(image if image is not None else np.zeros((28, 28), np.float32),
                               False, 1.0)
        self.state.drawing_changed.emit(image)
        if image is None:
            self._hide_add_bar()
            self.shown_seq = self.requested_seq
            if not self.no_model:
                self.prediction_view.clear()
                self.activation_view.clear()
            self.state.prediction = None
            self._finish_draw_task()
        elif now is not None:
            self._on_prediction(self.requested_seq, now)

    def _on_prediction(self, seq: int, prediction) -> None:
        if self.image is None or seq < self.shown_seq:
            return
        self.shown_seq = seq
        self.prediction_view.set_probs(prediction.probs)
        self.activation_view.set_prediction(prediction)
        self.state.prediction_ready.emit(prediction)
        if self._draw_task_seq is not None and seq >= self._draw_task_seq:
            if os.environ.get(REPORT_ANSWER_ENV):
                report_when_painted(self, os.environ[REPORT_ANSWER_ENV])
            self._finish_draw_task()

    def _on_model_loaded(self, description: str) -> None:
        self.no_model = False
        self._model_name = Path(description).name or description
        self._show_model_label()
        self.model_label.setStyleSheet(f"color: {colours.css(colours.muted_text())};")
        if self.image is None:
            self.prediction_view.clear()
            self.activation_view.clear()

    def _show_model_label(self) -> None:
        engine = f" · {self.engine} engine" if self.engine else ""
        shown = self.state.shown
        name = shown.label if shown is not None else self._model_name
        self.model_label.setText(f"Model: {name}{engine}")

    def _on_shown(self, shown) -> None:
        """Say which network answers; with none (the builder's network is invalid), say so
        instead of showing another network's answer."""
        if shown is not None:
            if self._model_name:
                self._show_model_label()
            return
        self.prediction_view.set_message(NO_SHOWN_MESSAGE)
        self.activation_view.clear(NO_SHOWN_MESSAGE)
        self.model_label.setText("Model: none (the network in the builder cannot be built)")

    def _on_engine(self, engine: str) -> None:
        self.engine = engine
        if self._model_name:
            self._show_model_label()

    def _on_numpy_loaded(self, ok: bool, _path: str) -> None:
        if not ok and not self.inference.has_model and not self.no_model:
            self.model_label.setText("Model: waiting for TensorFlow...")

    def _on_model_failed(self, message: str, still_working: bool) -> None:
        if still_working:
            self.model_label.setText(f"{message} Still using the previous model.")
            self.model_label.setStyleSheet(f"color: {colours.css(colours.error_text())};")
            self.state.message.emit(message)
            return
        self.no_model = True
        self.prediction_view.set_message(f"{NO_MODEL_MESSAGE}\n\n{message}")
        self.activation_view.clear("The layers appear here once a trained model is loaded.")
        self.model_label.setText("Model: none")
        self.state.message.emit(NO_MODEL_MESSAGE)
        self._finish_draw_task()

    def _on_tf_failed(self, message: str) -> None:
        if self.inference.has_model:  # the numpy engine keeps answering
            self.model_label.setText(f"Model: {self._model_name} · numpy engine "
                                     "(TensorFlow unavailable: no training)")
            return
        self.no_model = True
        self.prediction_view.set_message(f"Predictions need TensorFlow. {message}")
        self.model_label.setText("Model: none (TensorFlow unavailable)")
        self._finish_draw_task()

    def _finish_draw_task(self) -> None:
        if self._draw_task_seq is not None:
            self._draw_task_seq = None
            self.state.end_work(Work.DRAW_PREDICTION)

    def load_model(self, path: str) -> None:
        """Predict with the ``.keras`` file at ``path``; on failure keep the current model."""
        self.start_inference()
        self.inference.load_file(str(path))

    # ------------------------------------------------------------ from a file
    def draw_sample_from_file(self, path: str, index: int) -> bool:
        """Put sample ``index`` of a strokes-v1 file on the canvas and predict it.

        Returns:
            True when the sample was drawn; False after reporting the problem.
        """
        try:
            document = read_strokes(path)
            if not 0 <= int(index) < len(document.samples):
                raise StrokesError(f"{path} has {len(document.samples)} samples, so index "
                                   f"{index} does not exist (use 0..{len(document.samples) - 1})")
        except StrokesError as exc:
            message = f"Could not draw the sample: {exc}"
            print(f"cnn-studio: {message}", file=sys.stderr)
            self.state.message.emit(message)
            return False
        sample = document.samples[int(index)]
        self.state.begin_work(Work.DRAW_PREDICTION)
        self._draw_task_seq = self.inference.seq + 1
        try:
            self.canvas.set_strokes(sample.strokes, document.canvas)
        finally:  # the task ends with the prediction, or now when none will come
            if self.no_model or self.image is None:
                self._finish_draw_task()
        if not self.isVisible():  # at launch: the window's first paint shows the answer
            await_answer(self, FIRST_ANSWER_WAIT_S)
        label = f" (labelled {sample.label})" if sample.label else ""
        if self.image is not None:
            self.state.message.emit(f"Drew sample {index} of {Path(path).name}{label}.")
        return self.image is not None

    # ------------------------------------------------------------ own samples
    def offer_sample(self, letter: str) -> bool:
        """Ask whether to add the drawing to the user's dataset as ``letter``; False (nothing
        asked) while the canvas is empty.

        The keyboard focus moves to the canvas, so Enter adds and Esc cancels wherever the
        letter was pressed.
        """
        if self.canvas.is_empty():
            return False
        self.add_bar.offer(letter)
        for shortcut in (*self._enter, self._escape):
            shortcut.setEnabled(True)
        self.canvas.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return True

    def _hide_add_bar(self) -> None:
        self.add_bar.hide()
        for shortcut in (*self._enter, self._escape):
            shortcut.setEnabled(False)

    def confirm_sample(self) -> None:
        """Save the drawing with the offered letter (atomically), then clear the canvas."""
        letter = self.add_bar.letter
        strokes = self.canvas.strokes
        self._hide_add_bar()
        if not letter or not strokes:
            return
        saved, message = add_to_store(self.state.samples(), letter, strokes,
                                      self.canvas.canvas_size)
        self.state.message.emit(message)
        if saved:
            self.canvas.clear()

    @property
    def awaiting_first_answer(self) -> bool:
        """Whether a letter drawn from a file still waits for its answer."""
        return self._draw_task_seq is not None

    def clear_drawing(self) -> bool:
        """Esc: clear the drawing (undoable); True, the key was used."""
        self.canvas.clear()
        return True

    def shutdown(self) -> None:
        """Stop the inference thread (window closing); it is not started again."""
        self._closed = True
        self.inference.stop()


def install(shell: Shell) -> DrawPanel:
    """Put the draw panel in the window's centre; Edit > Undo, Esc and the letter keys act on
    its canvas from anywhere in the window."""
    panel = DrawPanel(shell.state)
    shell.put_in_centre(panel)
    shell.register_undo(panel.canvas, panel.canvas.undo_stroke, panel.canvas.redo_stroke)
    shell.add_escape(panel.clear_drawing)
    shell.add_letter_key(panel.offer_sample)
    shell.add_shutdown_hook(panel.shutdown)
    panel.canvas.setFocus()  # letter keys and Ctrl+Z work on the canvas from the start
    if shell.state.tf_loaded:
        panel.start_inference()
    return panel
