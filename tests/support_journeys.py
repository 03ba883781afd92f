"""Helpers of the journey tests (tests/journeys): a window on a private home, a person's hands.

Everything goes through real widgets: mouse drags on the canvas, key presses, button clicks,
the menus' actions. Only the modal dialogs are answered by stand-ins (file dialogs, the letter
question, the close guard's Save / Discard / Cancel), as a person would answer them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QComboBox, QFileDialog, QInputDialog
from support_mouse import drag

from cnn_studio.model.spec.analysis import analyze

LEFT, NO_MOD = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
T_STROKES = ([(20, 20), (120, 20), (250, 20)], [(140, 20), (140, 140), (140, 260)])
TF_TIMEOUT = 120_000  # ms: a loaded 2-core machine imports TensorFlow slowly


def open_window(qtbot, home: Path, monkeypatch, *, tensorflow: bool = False,
                size: tuple[int, int] | None = (1366, 768), session: bool = False,
                state=None):
    """A shown, active main window whose user files live in ``home`` (``CNN_STUDIO_HOME``).

    ``size`` None keeps the size the window restored from its settings. With ``tensorflow``
    it waits until TensorFlow, the default model and start-up work are done. With ``session``
    the window brings the last launch's work back and keeps its own at close (as the app);
    ``state`` (an ``AppState``) lets a test listen from before the window is made.
    """
    monkeypatch.setenv("CNN_STUDIO_HOME", str(home))
    from cnn_studio.gui.app.main_window import MainWindow

    window = MainWindow(state, load_tensorflow=tensorflow, session=session)
    qtbot.addWidget(window)
    if size is not None:
        window.resize(*size)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    qtbot.waitUntil(window.isActiveWindow)
    if tensorflow:
        qtbot.waitUntil(lambda: window.state.tf_loaded and window.state.idle, timeout=TF_TIMEOUT)
    return window


def draw_t(window) -> None:
    """Draw a T on the canvas with the mouse."""
    for stroke in T_STROKES:
        drag(window.panels["draw"].canvas, stroke)


def add_letter(qtbot, window, key: Qt.Key, shift: bool = False) -> str:
    """Draw a T, press ``key`` on the canvas, confirm with Return; returns the status bar text."""
    canvas = window.panels["draw"].canvas
    draw_t(window)
    canvas.setFocus()
    modifier = Qt.KeyboardModifier.ShiftModifier if shift else NO_MOD
    qtbot.keyClick(canvas, key, modifier)
    assert window.panels["draw"].add_bar.isVisible(), "the letter key offers to add the drawing"
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    assert not window.panels["draw"].add_bar.isVisible() and canvas.is_empty()
    return window.statusBar().currentMessage()


def labels_on_disk() -> list[str]:
    """The labels in the home's samples.json, in order (what survives the app)."""
    from cnn_studio.model.data.user_samples import default_path
    from cnn_studio.model.ink.strokes import read_strokes

    return [sample.label for sample in read_strokes(default_path()).samples]


def labels_shown(browser) -> list[str]:
    """The labels under the dataset browser's thumbnails, in order."""
    model = browser.grid.thumbs
    return [model.label(row) for row in range(model.rowCount())]


def count_shown(browser, letter: str) -> int:
    """The count the browser's strip shows for ``letter``."""
    from cnn_studio.model.ink.strokes import LETTERS

    return browser.strip.counts[LETTERS.index(letter)]


def select_rows(qtbot, browser, rows: list[int]) -> None:
    """Click the first thumbnail, Ctrl+click the others."""
    grid = browser.grid
    for i, row in enumerate(rows):
        rect = grid.visualRect(grid.thumbs.index(row))
        modifier = Qt.KeyboardModifier.ControlModifier if i else NO_MOD
        qtbot.mouseClick(grid.viewport(), LEFT, modifier, rect.center())
    assert sorted(grid.selected_keys()) == sorted(grid.thumbs.key(r) for r in rows)


def type_in_letter_dialog(qtbot, text: str, typed: list[str] | None = None) -> None:
    """When the relabel question opens, type ``text`` into it and press Return (once).

    ``typed`` (when given) gets what the dialog's field held before Return.
    """
    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            QTimer.singleShot(10, answer)
            return
        edit = dialog.findChild(QComboBox).lineEdit()
        edit.selectAll()
        qtbot.keyClicks(edit, text)
        if typed is not None:
            typed.append(edit.text())
        qtbot.keyClick(edit, Qt.Key.Key_Return)

    QTimer.singleShot(0, answer)


def file_dialogs(monkeypatch, *, open_path: Path | None = None,
                 save_path: Path | None = None) -> None:
    """Answer the next open / save file dialogs with these paths (None: no change)."""
    if open_path is not None:
        monkeypatch.setattr(QFileDialog, "getOpenFileName",
                            staticmethod(lambda *a, **k: (str(open_path), "")))
    if save_path is not None:
        monkeypatch.setattr(QFileDialog, "getSaveFileName",
                            staticmethod(lambda *a, **k: (str(save_path), "")))


def click(qtbot, widget) -> None:
    """A left click in the middle of ``widget``."""
    qtbot.mouseClick(widget, LEFT)


def builder_views_agree(builder) -> int:
    """Table rows (one per layer + Total), the Total's parameters, the diagram's blocks and the
    status line's parameter count all agree with the network; returns the parameter count."""
    from cnn_studio.gui.builder.table import RAW_ROLE

    spec, table = builder.doc.spec, builder.table
    report, count = analyze(spec), len(spec.layers)
    model = table.model()
    assert table.verticalHeader().count() == count + 1 == model.rowCount()
    for row, layer in enumerate(report.layers):
        assert model.index(row, 0).data() == f"{row + 1}  {layer.title}"
    assert model.index(count, 0).data() == "Total"
    params = sum(model.index(row, 2).data(RAW_ROLE) for row in range(count))
    assert params == report.total_params
    assert model.index(count, 2).data() == f"{params:,}"
    assert len(builder.diagram.blocks) == count + 1  # the input block, then one per layer
    if report.valid:
        assert f"{count} layers, {params:,} parameters" in builder.issues.text()
    return params


class Answers:
    """Answers the close guard's questions (``window.ask_choice``) in order; records the titles."""

    def __init__(self, window, monkeypatch, *answers: str) -> None:
        self.asked: list[str] = []
        self.answers = list(answers)
        monkeypatch.setattr(window, "ask_choice", self)

    def __call__(self, title, _text, choices):
        """The next answer; a question not expected is answered with the last choice (Cancel)
        and recorded. Nothing is raised here: an exception inside Qt's closeEvent crashes
        PySide later, so the test's own assertions on ``asked`` and the window report it."""
        self.asked.append(title)
        if not self.answers or self.answers[0] not in choices:
            return choices[-1]
        return self.answers.pop(0)


def strokes_file(path: Path, labels: str) -> Path:
    """Write a strokes-v1 file of one slanted-line drawing per label (a friend's letters)."""
    from cnn_studio.model.data.user_samples import STORE_CANVAS
    from cnn_studio.model.ink.strokes import Sample, write_strokes

    samples = [Sample([np.array([[40.0 + 9 * i, 240.0], [140.0, 30.0], [240.0, 240.0]]),
                       np.array([[90.0, 150.0], [190.0, 150.0]])], label, "friend")
               for i, label in enumerate(labels)]
    write_strokes(path, samples, STORE_CANVAS)
    return path
