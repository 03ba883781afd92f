"""Tools > Teach it my hand..., driven through the dialog's widgets: choose, draw, teach, keep."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog

from cnn_studio.model.training.finetune import TeachConfig

SHAPES = {
    "X": [[(30, 30), (110, 110), (190, 190)], [(190, 30), (110, 110), (30, 190)]],
    "o": [[(110 + 70 * np.cos(t), 110 + 70 * np.sin(t)) for t in np.linspace(0, 6.3, 24)]],
}


def drag(pad, points, shift: int) -> None:
    """Press at the first point, move through the others with the button held, release."""
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    points = [QPoint(int(x) + shift, int(y) - shift) for x, y in points]
    QTest.mousePress(pad, left, none, points[0])
    for point in points[1:]:
        event = QMouseEvent(QMouseEvent.Type.MouseMove, QPointF(point),
                            QPointF(pad.mapToGlobal(point)), Qt.MouseButton.NoButton, left, none)
        QApplication.sendEvent(pad, event)
    QTest.mouseRelease(pad, left, none, points[-1])


def draw_all(qtbot, dialog) -> None:
    """Draw every prompted letter (slightly moved each time) and click Next."""
    for shift in range(20):
        if not dialog.queue:
            return
        for stroke in SHAPES[dialog.queue[0]]:
            drag(dialog.pad, stroke, 3 * shift)
        assert not dialog.pad.is_empty()
        qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)


def click_radio(qtbot, radio) -> None:
    """Click a radio button on its indicator (only its label area takes clicks)."""
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))


def choose_letters(qtbot, dialog, text: str, per_letter: int) -> None:
    click_radio(qtbot, dialog.choice_buttons["typed"])
    assert dialog.choice_buttons["typed"].isChecked()
    dialog.letters_edit.clear()
    qtbot.keyClicks(dialog.letters_edit, text)
    dialog.per_letter.setValue(per_letter)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """A window with TensorFlow and the shipped model loaded, and an empty sample store."""
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    from cnn_studio.gui.app.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.state.tf_loaded and win.state.idle
                    and win.state.model is not None, timeout=120_000)
    yield win
    win.close()


def same(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_teach_from_the_menu_shows_before_after_saves_and_reverts(qtbot, window, tmp_path,
                                                                  monkeypatch):
    dialog = window.panels["teach"]
    tools = [a.menu() for a in window.menuBar().actions() if a.text() == "&Tools"][0]
    assert dialog.action in tools.actions() and dialog.action.isEnabled()
    dialog.config = TeachConfig(steps=15, batch=32, replay=64, check=26, copies=2)
    dialog.action.trigger()
    assert dialog.isVisible() and dialog.pages.currentIndex() == 0
    assert "no saved samples" in dialog.choose_note.text()
    choose_letters(qtbot, dialog, "X o", 2)
    assert dialog.pages.currentIndex() == 1 and dialog.queue == ["X", "X", "o", "o"]
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)  # nothing drawn yet
    assert "Draw the letter" in dialog.draw_note.text() and len(dialog.queue) == 4
    original = window.state.model.get_weights()
    draw_all(qtbot, dialog)
    assert dialog.pages.currentIndex() == 2  # the last drawing started the teaching
    assert [s.label for s in window.state.samples().samples] == ["X", "X", "o", "o"]
    qtbot.waitUntil(lambda: dialog.result is not None or not dialog.cancel_button.isEnabled(),
                    timeout=60_000)
    assert dialog.result is not None, dialog.status.text()
    assert dialog.result.held_back == 2 and dialog.result.taught == 2
    assert "before" in dialog.result_label.text() and "after" in dialog.result_label.text()
    assert "Other writers" in dialog.result_label.text()
    assert same(window.state.model.get_weights(), dialog.result.weights)
    assert window.state.unsaved_model and dialog.revert_button.isEnabled()

    target = tmp_path / "mine.keras"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *args, **kwargs: (str(target), "")))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Saved" in dialog.status.text(), timeout=30_000)
    assert target.is_file() and not window.state.unsaved_model
    from cnn_studio.model.nets.model_files import load_model_file

    assert same(load_model_file(target).get_weights(), dialog.result.weights)

    qtbot.mouseClick(dialog.revert_button, Qt.MouseButton.LeftButton)
    assert same(window.state.model.get_weights(), original)
    assert "Reverted" in dialog.status.text() and not dialog.revert_button.isEnabled()


def test_misread_saved_letters_are_offered_and_cancel_leaves_the_network(qtbot, window):
    ring = [np.array(SHAPES["o"][0], float)]
    window.state.samples().add("Z", ring, (220.0, 220.0))  # a ring is no Z: surely misread
    dialog = window.panels["teach"]
    dialog.config = TeachConfig(steps=10_000, time_budget_s=120, batch=32, replay=64, check=26)
    dialog.action.trigger()
    qtbot.waitUntil(lambda: "misreads" in dialog.choose_note.text(), timeout=30_000)
    assert "Z" in dialog.misread and dialog.choice_buttons["misread"].isChecked()
    assert "Z" in dialog.letters_edit.text() and dialog.letters_edit.isReadOnly()
    choose_letters(qtbot, dialog, "X", 1)
    original = window.state.model.get_weights()
    draw_all(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=60_000)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Cancelled" in dialog.status.text(), timeout=30_000)
    assert dialog.result is None and not window.state.unsaved_model
    assert same(window.state.model.get_weights(), original)
    assert window.state.idle and not dialog.revert_button.isEnabled()


def test_without_a_network_the_flow_says_what_to_do(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    from cnn_studio.gui.app.main_window import MainWindow

    win = MainWindow(load_tensorflow=False)
    qtbot.addWidget(win)
    dialog = win.panels["teach"]
    assert not dialog.action.isEnabled()  # enabled once TensorFlow has loaded
    dialog.open_flow()
    assert "still loading" in dialog.choose_note.text()
    dialog.letters_edit.setText("")
    click_radio(qtbot, dialog.choice_buttons["typed"])
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert "at least one letter" in dialog.choose_note.text()
    choose_letters(qtbot, dialog, "X", 1)
    draw_all(qtbot, dialog)
    assert dialog.pages.currentIndex() == 2 and "still loading" in dialog.status.text()
    assert not dialog.cancel_button.isEnabled() and not win.state.is_running("teach")
    win.close()
