"""The main window: panels, menus, status bar, TensorFlow loading and persisted settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDockWidget
from support_journeys import Answers
from support_mouse import drag as _stroke

from cnn_studio.gui.app.main_window import MainWindow


def test_window_has_the_areas_menus_and_loading_status(qtbot):
    main_window = MainWindow(load_tensorflow=False)
    qtbot.addWidget(main_window)
    docks = {dock.objectName() for dock in main_window.findChildren(QDockWidget)}
    assert {"builder_dock", "training_dock", "explain_dock", "data_dock"} <= docks
    assert main_window.centralWidget() is not None
    menus = [action.text().replace("&", "") for action in main_window.menuBar().actions()]
    assert menus == ["File", "Edit", "View", "Tools", "Help"]
    assert main_window.tf_label.text() == "Loading TensorFlow..."
    assert main_window.tf_actions and not any(a.isEnabled() for a in main_window.tf_actions)


def test_status_bar_reports_tensorflow_and_enables_actions(ready_window):
    import tensorflow as tf

    assert f"TensorFlow {tf.__version__}" in ready_window.tf_label.text()
    assert "CPU" in ready_window.tf_label.text() or "GPU" in ready_window.tf_label.text()
    assert all(action.isEnabled() for action in ready_window.tf_actions)


def test_recent_files_persist_between_windows(qtbot, tmp_path):
    first = MainWindow(load_tensorflow=False)
    qtbot.addWidget(first)
    path = tmp_path / "net.cnn.json"
    first.add_recent_file(str(path))
    second = MainWindow(load_tensorflow=False)
    qtbot.addWidget(second)
    assert second.recent_files()[0] == str(path.resolve())
    assert [a.text() for a in second.recent_menu.actions()][0] == "net.cnn.json"


def test_dock_layout_persists(qtbot):
    first = MainWindow(load_tensorflow=False)
    qtbot.addWidget(first)
    first.show()
    first.explain_dock.setFloating(True)
    first.close()
    second = MainWindow(load_tensorflow=False)
    qtbot.addWidget(second)
    assert second.explain_dock.isFloating()
    second.explain_dock.setFloating(False)
    second.close()


def test_help_lists_shortcuts(main_window):
    lines = dict(main_window.shortcut_lines())
    assert any("Undo" in what for what in lines.values())
    assert "F1" in lines


def test_settings_live_inside_cnn_studio_home(qtbot, tmp_path, monkeypatch):
    """Each CNN_STUDIO_HOME has its own window state and recent files (an INI file in it)."""
    from PySide6.QtCore import QSettings

    first_home, second_home = tmp_path / "first", tmp_path / "second"
    monkeypatch.setenv("CNN_STUDIO_HOME", str(first_home))
    first = MainWindow(load_tensorflow=False)
    qtbot.addWidget(first)
    settings = first.settings()
    assert settings.format() == QSettings.Format.IniFormat
    assert settings.fileName() == str(first_home / "settings.ini")
    first.add_recent_file(str(tmp_path / "mine.cnn.json"))
    first.show()
    first.close()
    stored = QSettings(str(first_home / "settings.ini"), QSettings.Format.IniFormat)
    assert stored.value("geometry") and stored.value("window_state")
    assert first.recent_files() == [str((tmp_path / "mine.cnn.json").resolve())]

    monkeypatch.setenv("CNN_STUDIO_HOME", str(second_home))
    second = MainWindow(load_tensorflow=False)
    qtbot.addWidget(second)
    assert second.recent_files() == []
    assert second.settings().fileName() == str(second_home / "settings.ini")


@pytest.fixture
def active_window(qtbot):
    """A shown, active main window without TensorFlow (shortcuts need the active window)."""
    window = MainWindow(load_tensorflow=False)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    yield window
    window.close()


def _undo_text(window) -> str:
    return window.undo_action.text().replace("&", "")


def test_ctrl_z_undoes_the_stroke_after_clicking_in_another_dock(active_window, qtbot,
                                                                  monkeypatch):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QFileDialog, QPushButton

    window, canvas = active_window, active_window.panels["draw"].canvas
    _stroke(canvas, [(20, 20), (250, 20)])
    _stroke(canvas, [(140, 20), (140, 260)])
    assert _undo_text(window) == "Undo Stroke"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: "")
    button = next(b for b in window.training_dock.findChildren(QPushButton) if b.text() == "...")
    window.show_tab("train")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    button.setFocus()  # focus is in the training dock now, not on the canvas
    qtbot.waitUntil(lambda: QApplication.focusWidget() is button)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.strokes) == 1
    qtbot.keyClick(window, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(canvas.strokes) == 2


def test_edit_menu_names_the_step_of_the_panel_last_worked_in(active_window, qtbot):
    from PySide6.QtCore import Qt

    window, canvas, builder = active_window, active_window.panels["draw"].canvas, active_window.panels["builder"]
    _stroke(canvas, [(20, 20), (250, 250)])
    assert _undo_text(window) == "Undo Stroke"
    before = builder.spec
    qtbot.mouseClick(builder.palette_buttons["dropout"], Qt.MouseButton.LeftButton)
    assert _undo_text(window).startswith("Undo Add ") and "Dropout" in _undo_text(window)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert builder.spec == before and len(canvas.strokes) == 1
    assert _undo_text(window).replace("&", "") != "Undo Stroke"
    _stroke(canvas, [(30, 200), (200, 30)])  # drawing again makes the canvas the target
    assert _undo_text(window) == "Undo Stroke"
    assert window.redo_action.text().replace("&", "") == "Redo"
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.strokes) == 1 and builder.spec == before
    assert window.redo_action.text().replace("&", "") == "Redo Stroke"


def test_escape_clears_the_drawing_unless_a_text_field_is_edited(active_window, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QLineEdit

    window, canvas = active_window, active_window.panels["draw"].canvas
    _stroke(canvas, [(20, 20), (250, 250)])
    field = window.training_dock.findChild(QLineEdit, "tensorboard_dir")
    window.show_tab("train")
    field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert len(canvas.strokes) == 1, "Esc in a text field belongs to the field"
    window.panels["builder"].palette_buttons["dropout"].setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert canvas.is_empty()
    assert _undo_text(window) == "Undo Clear drawing"
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.strokes) == 1


def _quit(window, _qtbot) -> None:
    window.quit_action.trigger()  # File > Quit


def _edit_network(window, qtbot) -> None:
    from PySide6.QtCore import Qt

    qtbot.mouseClick(window.panels["builder"].palette_buttons["dropout"], Qt.MouseButton.LeftButton)


def test_title_marks_an_unsaved_network(active_window, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    window = active_window
    name = window.panels["builder"].doc.spec.name
    assert window.windowTitle() == f"CNN Studio \u2014 {name}[*]"
    assert not window.isWindowModified()
    _edit_network(window, qtbot)
    assert window.isWindowModified()
    path = str(tmp_path / "net.cnn.json")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (path, ""))
    window.save_network_action.trigger()
    assert not window.isWindowModified()


def test_quit_with_an_unsaved_network_asks_and_cancel_keeps_the_window(active_window, qtbot,
                                                                       monkeypatch):
    from cnn_studio.gui.app.close_guard import CANCEL, DISCARD

    window = active_window
    _edit_network(window, qtbot)
    answers = Answers(window, monkeypatch, CANCEL, DISCARD)
    _quit(window, qtbot)
    assert answers.asked == ["Save the network?"] and window.isVisible()
    _quit(window, qtbot)
    assert answers.asked == ["Save the network?"] * 2 and not window.isVisible()


def test_quit_saving_the_network_saves_then_closes(active_window, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from cnn_studio.gui.app.close_guard import SAVE
    from cnn_studio.model.spec.files import load_spec

    window = active_window
    _edit_network(window, qtbot)
    expected = window.panels["builder"].spec
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    answers = Answers(window, monkeypatch, SAVE, SAVE)
    _quit(window, qtbot)  # the file dialog was cancelled: nothing saved, the window stays
    assert window.isVisible() and answers.asked == ["Save the network?"]
    path = tmp_path / "mine.cnn.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    _quit(window, qtbot)
    assert not window.isVisible()
    assert load_spec(path).layers == expected.layers


def test_closing_mid_training_asks_to_stop(active_window, qtbot, monkeypatch):
    from cnn_studio.gui.app.close_guard import CANCEL, STOP

    window = active_window
    window.state.training = True
    answers = Answers(window, monkeypatch, CANCEL, STOP)
    _quit(window, qtbot)
    assert answers.asked == ["Training is running"] and window.isVisible()
    _quit(window, qtbot)
    assert not window.isVisible()


def test_unsaved_trained_weights_are_saved_before_closing(active_window, qtbot, monkeypatch,
                                                         tmp_path):
    import time

    from cnn_studio.gui.app.close_guard import CANCEL, DISCARD, SAVE
    from cnn_studio.gui.common import last_folder
    from cnn_studio.gui.training.files import ModelFiles
    from cnn_studio.model.nets import model_files

    window, state = active_window, active_window.state
    state.unsaved_model = True
    answers = Answers(window, monkeypatch, CANCEL, SAVE, DISCARD)
    _quit(window, qtbot)
    assert answers.asked == ["Save the trained model?"] and window.isVisible()

    target = tmp_path / "kept.keras"

    def slow_save(model, spec, path):  # the real task runs it in the background
        time.sleep(0.2)
        Path(path).write_bytes(b"weights")

    monkeypatch.setattr(ModelFiles, "active_model", lambda self: ("a trained model", None))
    monkeypatch.setattr(model_files, "save_model_file", slow_save)
    monkeypatch.setattr(last_folder, "save_file", lambda *args, **kwargs: str(target))
    _quit(window, qtbot)
    assert window.isVisible(), "waits for the save"
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    assert target.read_bytes() == b"weights"
    assert not state.unsaved_model and answers.answers == [DISCARD]


def test_the_close_button_asks_but_the_apps_own_close_does_not(active_window, monkeypatch,
                                                               qtbot):
    from PySide6.QtGui import QCloseEvent

    from cnn_studio.gui.app.close_guard import CANCEL

    class ButtonClose(QCloseEvent):  # what the window manager's close button sends
        def spontaneous(self) -> bool:
            return True

    window = active_window
    _edit_network(window, qtbot)
    answers = Answers(window, monkeypatch, CANCEL)
    event = ButtonClose()
    window.closeEvent(event)
    assert not event.isAccepted() and answers.asked == ["Save the network?"]
    window.close()  # screenshots, benchmarks: no question
    assert answers.asked == ["Save the network?"] and not window.isVisible()


def test_the_question_is_a_real_message_box(active_window, qtbot):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from cnn_studio.gui.app.close_guard import CANCEL, DISCARD, SAVE, ask_choice

    seen = []

    def answer():
        box = QApplication.activeModalWidget()
        seen.append(sorted(b.text().replace("&", "") for b in box.buttons()))
        box.button(QMessageBox.StandardButton.Discard).click()
    QTimer.singleShot(0, answer)
    assert ask_choice(active_window, "Save?", "Save it?", (SAVE, DISCARD, CANCEL)) == DISCARD
    assert seen and len(seen[0]) == 3
