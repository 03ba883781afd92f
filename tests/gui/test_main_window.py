"""The main window: panels, menus, status bar, TensorFlow loading and persisted settings."""

from __future__ import annotations

from PySide6.QtWidgets import QDockWidget

from gui.main_window import MainWindow


def test_window_has_the_areas_menus_and_loading_status(qtbot):
    main_window = MainWindow(load_tensorflow=False)
    qtbot.addWidget(main_window)
    docks = {dock.objectName() for dock in main_window.findChildren(QDockWidget)}
    assert {"builder_dock", "training_dock", "explain_dock", "data_dock"} <= docks
    assert main_window.centralWidget() is not None
    menus = [action.text().replace("&", "") for action in main_window.menuBar().actions()]
    assert menus == ["File", "Edit", "View", "Help"]
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
