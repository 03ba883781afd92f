"""The one shared sample store: the canvas and imports write to it, an unreadable file is
never replaced, and it is made once."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from support_dataset_panel import on_data_tab, stroke_sample
from support_journeys import count_shown as count
from support_journeys import draw_t, file_dialogs, labels_shown

from cnn_studio.model.data.user_samples import STORE_CANVAS, default_path
from cnn_studio.model.ink.strokes import read_strokes, write_strokes


@pytest.fixture
def empty_window(qtbot, tmp_path, monkeypatch):
    """A window (no TensorFlow) started with an empty home: no samples file yet."""
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "empty-home"))
    from cnn_studio.gui.app.main_window import MainWindow

    win = on_data_tab(qtbot, MainWindow(load_tensorflow=False), (1300, 900))
    yield win
    win.close()


def draw_and_add(qtbot, window, key) -> None:
    """Draw a T on the canvas, press the letter key, confirm with Return."""
    canvas = window.panels["draw"].canvas
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    draw_t(window)
    canvas.setFocus()
    qtbot.keyClick(canvas, key)
    assert window.panels["draw"].add_bar.isVisible()
    qtbot.keyClick(canvas, Qt.Key.Key_Return)


def import_one_k(qtbot, panel, tmp_path, monkeypatch) -> None:
    """Import a file holding one drawing labelled k with the panel's Import button."""
    source = tmp_path / "one.json"
    write_strokes(source, [stroke_sample("k")], STORE_CANVAS)
    file_dialogs(monkeypatch, open_path=source)
    qtbot.mouseClick(panel.own_actions.import_button, Qt.MouseButton.LeftButton)


def test_drawn_letters_and_an_import_all_land_in_the_one_shared_store(empty_window, qtbot,
                                                                     tmp_path, monkeypatch):
    window, panel = empty_window, empty_window.panels["dataset"]
    assert len(panel.store) == 0 and not default_path().exists()
    for n in (1, 2):
        draw_and_add(qtbot, window, Qt.Key.Key_T)
        assert f"({n} of T, {n} in all)" in window.statusBar().currentMessage()
        assert panel.grid.thumbs.rowCount() == n and count(panel, "T") == n
        assert len(read_strokes(default_path()).samples) == n
    import_one_k(qtbot, panel, tmp_path, monkeypatch)
    assert labels_shown(panel) == ["t", "t", "k"]
    assert [s.label for s in read_strokes(default_path()).samples] == ["t", "t", "k"]
    assert window.sample_store is panel.store


def refuse_reading(monkeypatch, path):
    """Opening ``path`` for reading fails with "Permission denied", as after chmod 000.

    (Tests run as root, whom chmod 000 does not stop, so the open calls are made to refuse.)

    Returns:
        A function giving the file's bytes (for the test's own checks).
    """
    import builtins
    import io
    import os

    def refuse(name, flags) -> None:
        if os.fspath(name) == os.fspath(path) and not flags:
            raise PermissionError(13, "Permission denied", os.fspath(path))

    real_os_open, real_open = os.open, builtins.open

    def os_open(name, flags, *args, **kwargs):
        refuse(name, flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        return real_os_open(name, flags, *args, **kwargs)

    def py_open(name, mode="r", *args, **kwargs):
        if isinstance(name, str | os.PathLike):
            refuse(name, set(mode) & set("wax+"))
        return real_open(name, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(builtins, "open", py_open)
    monkeypatch.setattr(io, "open", py_open)

    def read_bytes() -> bytes:
        with real_open(path, "rb") as file:
            return file.read()

    return read_bytes


def test_an_unreadable_samples_file_is_never_replaced(qtbot, tmp_path, monkeypatch, warnings):
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    write_strokes(default_path(), [stroke_sample("A"), stroke_sample("b")], STORE_CANVAS)
    original = default_path().read_bytes()
    on_disk = refuse_reading(monkeypatch, default_path())
    from cnn_studio.gui.app.main_window import MainWindow

    window = on_data_tab(qtbot, MainWindow(load_tensorflow=False), (1300, 900))
    panel = window.panels["dataset"]
    assert "Permission denied" in panel.info.text()
    draw_and_add(qtbot, window, Qt.Key.Key_T)
    message = window.statusBar().currentMessage()
    assert "Could not save the sample: Nothing was saved" in message
    assert "permissions" in message
    assert on_disk() == original
    import_one_k(qtbot, panel, tmp_path, monkeypatch)
    assert warnings[-1][0] == "Import not saved" and "kept as it is" in warnings[-1][1]
    assert on_disk() == original and len(panel.store) == 0
    window.close()


def test_the_shared_store_is_made_once_even_while_it_is_empty(tmp_path, monkeypatch, qtbot):
    from cnn_studio.gui.common.state import AppState

    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    state = AppState()  # the canvas confirms before the Dataset panel is installed
    announced = []
    state.samples_changed.connect(lambda: announced.append("saved"))
    store = state.samples()
    assert len(store) == 0 and announced == []
    assert state.samples() is store, "an empty (falsy) store must not be replaced"
