"""Tools > Teach it my hand..., driven through the dialog's widgets: choose, draw, teach, keep."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from support_teach import SHAPES, choose_letters, draw_all
from support_widgets import shown

from cnn_studio.model.training.finetune import TeachConfig


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """A window with TensorFlow and the shipped model loaded, and an empty sample store."""
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    from cnn_studio.gui.app.main_window import MainWindow

    win = shown(qtbot, MainWindow(), exposed=False)
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


def test_the_menu_action_waits_for_tensorflow_and_saved_files_become_recent(qtbot, tmp_path,
                                                                             monkeypatch):
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    from cnn_studio.gui.app.main_window import MainWindow

    win = MainWindow(load_tensorflow=False)
    qtbot.addWidget(win)
    dialog = win.panels["teach"]
    assert not dialog.action.isEnabled()  # enabled once TensorFlow has loaded
    assert dialog.parent() is win and dialog.isWindow()  # a dialog over the window
    path = tmp_path / "mine.keras"
    win.state.file_used.emit(str(path))  # what the dialog says after saving
    assert win.recent_files()[0] == str(path.resolve())
    win.close()
