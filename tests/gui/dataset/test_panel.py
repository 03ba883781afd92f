"""The dataset panel, driven through the window's widgets: own samples, synthetic, EMNIST."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication
from support_journeys import count_shown as count
from support_journeys import labels_shown, select_rows, type_in_letter_dialog
from support_mouse import drag
from support_widgets import shown as show_widget

from cnn_studio.model.data.user_samples import STORE_CANVAS, default_path
from cnn_studio.model.ink.preprocess import strokes_to_image
from cnn_studio.model.ink.strokes import LETTERS, Sample, read_strokes, write_strokes


def stroke_sample(label: str, shift: float = 0.0) -> Sample:
    """A letter-ish drawing: a slanted line and a short bar."""
    return Sample([np.array([[40.0 + shift, 240.0], [140.0, 30.0], [240.0 - shift, 240.0]]),
                   np.array([[90.0, 150.0], [190.0, 150.0 + shift]])], label, "me")


def on_data_tab(qtbot, window, size: tuple[int, int] | None = None):
    """``window`` added to ``qtbot``, resized to ``size`` (None: as restored), shown on its Data
    tab and exposed."""
    show_widget(qtbot, window, size, exposed=False)
    window.show_tab("data")
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """A window (no TensorFlow) whose sample store holds A, A, A, b, b, C."""
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    samples = [stroke_sample(label, i * 7.0) for i, label in enumerate("AAAbbC")]
    write_strokes(default_path(), samples, STORE_CANVAS)
    from cnn_studio.gui.app.main_window import MainWindow

    win = on_data_tab(qtbot, MainWindow(load_tensorflow=False))
    yield win
    win.close()


@pytest.fixture
def warnings(monkeypatch):
    """Every QMessageBox.warning shown, as (title, text), instead of a modal box."""
    from PySide6.QtWidgets import QMessageBox

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda parent, title, text, *a: shown.append((title, text))))
    return shown


def test_counts_missing_letters_and_thumbnails_of_the_network_input(window):
    panel = window.dataset_browser
    assert window.data_dock.panel is panel and window.sample_store is panel.store
    assert (count(panel, "A"), count(panel, "B"), count(panel, "C"), count(panel, "D")) == (
        3, 2, 1, 0)
    assert panel.strip.missing() == LETTERS[3:]
    assert "D" in panel.missing_label.text() and "A," not in panel.missing_label.text()
    assert panel.missing_label.isVisible()
    assert labels_shown(panel) == list("AAAbbC")
    pixmap = panel.grid.thumbs.data(panel.grid.thumbs.index(4), Qt.ItemDataRole.DecorationRole)
    assert isinstance(pixmap, QPixmap) and pixmap.width() == 56
    expected = strokes_to_image(panel.store.samples[4].strokes, STORE_CANVAS)
    shown = pixmap.toImage()
    gray = np.array([[shown.pixelColor(2 * x, 2 * y).red() for x in range(28)]
                     for y in range(28)])
    assert np.abs(gray - np.rint(expected * 255)).max() <= 1


def test_store_changes_from_canvas_or_disk_refresh_the_browser(window, qtbot):
    panel = window.dataset_browser
    # The canvas adds drawings through window.sample_store.
    window.sample_store.add("z", [np.array([[10.0, 10.0], [90.0, 90.0]])], (100.0, 100.0))
    assert count(panel, "Z") == 1 and panel.grid.thumbs.rowCount() == 7
    # Another program rewrites the file: refresh() notices.
    write_strokes(default_path(), [stroke_sample("Q")], STORE_CANVAS)
    panel.refresh()
    assert count(panel, "Q") == 1 and count(panel, "A") == 0
    assert labels_shown(panel) == ["Q"]


def test_a_drawing_added_on_the_canvas_appears_in_the_browser(window, qtbot):
    panel, draw = window.dataset_browser, window.draw_panel
    draw.canvas.set_strokes([np.array([[10.0, 90.0], [50.0, 10.0], [90.0, 90.0]])], (100.0, 100.0))
    draw.offer_sample("w")
    qtbot.mouseClick(draw.add_bar.add_button, Qt.MouseButton.LeftButton)
    assert count(panel, "W") == 1 and labels_shown(panel)[-1] == "w"
    assert [s.label for s in read_strokes(default_path()).samples][-1] == "w"


def test_letter_filter_from_combo_and_count_strip(window, qtbot):
    panel = window.dataset_browser
    panel.letter_combo.setCurrentIndex(panel.letter_combo.findData("B"))
    assert labels_shown(panel) == ["b", "b"]
    strip = panel.strip
    column = strip.bar_rect(LETTERS.index("C"))
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(column.center().x(), 30))
    assert panel.letter_combo.currentData() == "C" and labels_shown(panel) == ["C"]
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(column.center().x(), 30))
    assert panel.letter_combo.currentData() == "" and len(labels_shown(panel)) == 6


def test_delete_with_the_key_then_undo_through_the_edit_menu(window, qtbot):
    panel = window.dataset_browser
    select_rows(qtbot, panel, [0, 3])
    assert panel.own_actions.delete_button.isEnabled()
    qtbot.keyClick(panel.grid, Qt.Key.Key_Delete)
    assert labels_shown(panel) == list("AAbC")
    assert [s.label for s in read_strokes(default_path()).samples] == list("AAbC")
    panel.grid.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.grid)
    window.undo_action.trigger()
    assert [s.label for s in read_strokes(default_path()).samples] == list("AAAbbC")
    window.redo_action.trigger()
    assert labels_shown(panel) == list("AAbC")


def test_relabel_refuses_a_non_letter_and_applies_a_letter(window, qtbot, monkeypatch, warnings):
    panel = window.dataset_browser
    typed: list[str] = []
    select_rows(qtbot, panel, [1, 5])
    type_in_letter_dialog(qtbot, "7", typed)
    qtbot.mouseClick(panel.own_actions.relabel_button, Qt.MouseButton.LeftButton)
    assert warnings and "not a letter" in warnings[-1][1]
    assert labels_shown(panel) == list("AAAbbC")
    select_rows(qtbot, panel, [1, 5])
    type_in_letter_dialog(qtbot, "q", typed)
    qtbot.mouseClick(panel.own_actions.relabel_button, Qt.MouseButton.LeftButton)
    assert labels_shown(panel) == list("AqAbbq")
    assert count(panel, "Q") == 2 and count(panel, "C") == 0
    assert [s.label for s in read_strokes(default_path()).samples] == list("AqAbbq")


def test_import_a_strokes_file_then_export_and_read_it_back(window, qtbot, tmp_path,
                                                            monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    panel = window.dataset_browser
    source = tmp_path / "friend.json"
    write_strokes(source, [stroke_sample("x"), stroke_sample("Y")], (560.0, 560.0))
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(source), "")))
    qtbot.mouseClick(panel.own_actions.import_button, Qt.MouseButton.LeftButton)
    assert labels_shown(panel) == list("AAAbbCxY") and count(panel, "X") == 1

    target = tmp_path / "out" / "mine"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    qtbot.mouseClick(panel.own_actions.export_button, Qt.MouseButton.LeftButton)
    exported = read_strokes(target.with_suffix(".json"))
    assert [s.label for s in exported.samples] == list("AAAbbCxY")
    np.testing.assert_allclose(exported.samples[6].strokes[0], panel.store.samples[6].strokes[0],
                               atol=0.01)

    select_rows(qtbot, panel, [7])
    qtbot.mouseClick(panel.own_actions.export_button, Qt.MouseButton.LeftButton)
    assert [s.label for s in read_strokes(target.with_suffix(".json")).samples] == ["Y"]
    assert not list(target.parent.glob("*.tmp"))


@pytest.mark.parametrize("content, problem", [
    ('{"format": "strokes-v1", "canvas": {"width": 280, "height": 280}, "samp',
     "not valid JSON"),
    ('{"format": "strokes-v1", "canvas": {"width": 280, "height": 280}, '
     '"samples": [{"label": "%", "strokes": [[[1, 2]]]}]}', "sample 0"),
])
def test_bad_strokes_file_gives_a_message_naming_it(window, qtbot, tmp_path, monkeypatch,
                                                     warnings, content, problem):
    from PySide6.QtWidgets import QFileDialog

    bad = tmp_path / "broken-letters.json"
    bad.write_text(content)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(bad), "")))
    panel = window.dataset_browser
    qtbot.mouseClick(panel.own_actions.import_button, Qt.MouseButton.LeftButton)
    assert warnings[-1][0] == "Import failed"
    assert "broken-letters.json" in warnings[-1][1] and problem in warnings[-1][1]
    assert len(panel.store) == 6


def test_synthetic_preview_generates_in_a_worker(window, qtbot):
    panel = window.dataset_browser
    panel.synthetic_controls.count_spin.setValue(52)
    panel.synthetic_controls.seed_spin.setValue(3)
    panel.source_combo.setCurrentIndex(panel.source_combo.findData("synthetic"))
    qtbot.waitUntil(lambda: panel.synthetic is not None, timeout=30_000)
    assert panel.grid.thumbs.rowCount() == 52 and panel.strip.counts == [2] * 26
    assert not panel.missing_label.isVisible() and not panel.own_actions.isVisible()
    first = panel.synthetic[0].copy()
    qtbot.mouseClick(panel.synthetic_controls.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.tasks.running("synthetic"), timeout=30_000)
    np.testing.assert_array_equal(panel.synthetic[0], first)  # same seed, same letters


def test_long_generation_shows_progress_and_cancel_stops_it(window, qtbot, monkeypatch):
    from cnn_studio.model.data import datasets
    from cnn_studio.model.synth.generator import GenerationCancelled

    started = threading.Event()

    def slow(n, seed=0, progress=None, cancel=None, **kwargs):
        progress(1000, 10_000)
        started.set()
        cancel.wait(20)
        raise GenerationCancelled("synthetic data generation was cancelled")

    monkeypatch.setattr(datasets, "synthetic_dataset", slow)
    panel = window.dataset_browser
    panel.source_combo.setCurrentIndex(panel.source_combo.findData("synthetic"))
    qtbot.waitUntil(lambda: "synthetic" in panel.tasks.rows
                    and panel.tasks.rows["synthetic"].bar.value() == 100, timeout=10_000)
    row = panel.tasks.rows["synthetic"]
    assert not panel.synthetic_controls.generate_button.isEnabled() and not window.state.idle
    qtbot.mouseClick(row.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.tasks.running("synthetic"), timeout=10_000)
    assert "cancelled" in panel.grid.empty_text
    assert panel.synthetic_controls.generate_button.isEnabled()
    assert window.state.idle


def test_download_fails_fast_offline_and_the_app_stays_usable(window, qtbot, monkeypatch,
                                                              warnings):
    from cnn_studio.model.data import emnist_download

    monkeypatch.setattr(emnist_download, "OFFICIAL_URL", "http://127.0.0.1:9/gzip.zip")
    panel = window.dataset_browser
    qtbot.mouseClick(panel.emnist_controls.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(warnings), timeout=15_000)
    title, text = warnings[-1]
    assert title == "EMNIST download failed" and "cannot reach" in text
    assert "127.0.0.1" in text and "Import" in text
    assert panel.emnist_controls.download_button.isEnabled() and not panel.tasks.rows
    panel.letter_combo.setCurrentIndex(panel.letter_combo.findData("A"))
    assert labels_shown(panel) == list("AAA")


def write_emnist_csv(path, per_class: int = 2) -> None:
    rng = np.random.default_rng(0)
    lines = ["label," + ",".join(f"p{i}" for i in range(784))]
    for label in range(1, 27):
        for _ in range(per_class):
            image = np.zeros((28, 28), int)
            image[6:22, 10 + label % 5:14 + label % 5] = rng.integers(150, 256)
            lines.append(f"{label}," + ",".join(map(str, image.ravel())))
    path.write_text("\n".join(lines) + "\n")


def test_tiny_emnist_csv_import_adds_the_emnist_source(window, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    csv = tmp_path / "emnist-letters-tiny.csv"
    write_emnist_csv(csv)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(csv), "")))
    panel = window.dataset_browser
    assert panel.source_combo.findData("emnist") == -1
    assert "not imported" in panel.emnist_controls.status.text()
    qtbot.mouseClick(panel.emnist_controls.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.emnist is not None, timeout=30_000)
    assert panel.source == "emnist" and "52 letters" in panel.emnist_controls.status.text()
    assert panel.strip.counts == [2] * 26 and panel.grid.thumbs.rowCount() == 52
    images, _ = panel.emnist
    assert images.dtype == np.uint8 and images.shape == (52, 28, 28) and images.max() == 255


@pytest.mark.parametrize("name, content, problem", [
    ("emnist-letters-train-images-idx3-ubyte.gz", b"\x1f\x8b garbage", "cannot read"),
    ("letters.csv", b"1,2,3\n4,5,6\n", "784 pixels"),
    ("letters.txt", b"hello", "unknown EMNIST format"),
])
def test_bad_emnist_file_gives_a_message_naming_it(window, qtbot, tmp_path, monkeypatch,
                                                   warnings, name, content, problem):
    from PySide6.QtWidgets import QFileDialog

    bad = tmp_path / name
    bad.write_bytes(content)
    (tmp_path / name.replace("images-idx3", "labels-idx1")).write_bytes(content)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(bad), "")))
    panel = window.dataset_browser
    qtbot.mouseClick(panel.emnist_controls.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(warnings), timeout=15_000)
    assert warnings[-1][0] == "EMNIST import failed"
    assert name in warnings[-1][1] and problem in warnings[-1][1]
    assert panel.source_combo.findData("emnist") == -1


def test_editor_history_is_cleared_by_changes_from_elsewhere(window, qtbot):
    panel = window.dataset_browser
    select_rows(qtbot, panel, [0])
    qtbot.keyClick(panel.grid, Qt.Key.Key_Delete)
    assert panel.editor.undo_stack
    window.sample_store.add("K", [np.array([[1.0, 1.0], [50.0, 80.0]])], (100.0, 100.0))
    panel.undo()  # must not drop the K the canvas just added
    assert labels_shown(panel) == list("AAbbCK")


def test_selection_by_model_api_and_delete_button(window, qtbot):
    panel = window.dataset_browser
    grid = panel.grid
    flags = QItemSelectionModel.SelectionFlag.Select
    for row in (0, 1, 2):
        grid.selectionModel().select(grid.thumbs.index(row), flags)
    assert "3 selected" in panel.info.text()
    qtbot.mouseClick(panel.own_actions.delete_button, Qt.MouseButton.LeftButton)
    assert count(panel, "A") == 0 and "A" in panel.strip.missing()
    assert "A," in panel.missing_label.text()


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
    canvas = window.canvas
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    drag(canvas, [(20, 20), (120, 20), (250, 20)])
    drag(canvas, [(140, 20), (140, 140), (140, 260)])
    canvas.setFocus()
    qtbot.keyClick(canvas, key)
    assert window.draw_panel.add_bar.isVisible()
    qtbot.keyClick(canvas, Qt.Key.Key_Return)


def test_drawn_letters_and_an_import_all_land_in_the_one_shared_store(empty_window, qtbot,
                                                                     tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    window, panel = empty_window, empty_window.dataset_browser
    assert len(panel.store) == 0 and not default_path().exists()
    for n in (1, 2):
        draw_and_add(qtbot, window, Qt.Key.Key_T)
        assert f"({n} of T, {n} in all)" in window.statusBar().currentMessage()
        assert panel.grid.thumbs.rowCount() == n and count(panel, "T") == n
        assert len(read_strokes(default_path()).samples) == n
    source = tmp_path / "one.json"
    write_strokes(source, [stroke_sample("k")], STORE_CANVAS)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(source), "")))
    qtbot.mouseClick(panel.own_actions.import_button, Qt.MouseButton.LeftButton)
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
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    write_strokes(default_path(), [stroke_sample("A"), stroke_sample("b")], STORE_CANVAS)
    original = default_path().read_bytes()
    on_disk = refuse_reading(monkeypatch, default_path())
    from cnn_studio.gui.app.main_window import MainWindow

    window = on_data_tab(qtbot, MainWindow(load_tensorflow=False), (1300, 900))
    panel = window.dataset_browser
    assert "Permission denied" in panel.info.text()
    draw_and_add(qtbot, window, Qt.Key.Key_T)
    message = window.statusBar().currentMessage()
    assert "Could not save the sample: Nothing was saved" in message
    assert "permissions" in message
    assert on_disk() == original
    source = tmp_path / "one.json"
    write_strokes(source, [stroke_sample("k")], STORE_CANVAS)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(source), "")))
    qtbot.mouseClick(panel.own_actions.import_button, Qt.MouseButton.LeftButton)
    assert warnings[-1][0] == "Import not saved" and "kept as it is" in warnings[-1][1]
    assert on_disk() == original and len(panel.store) == 0
    window.close()


def test_undo_never_removes_what_another_window_added(tmp_path):
    from cnn_studio.gui.common.sample_store import ObservedSampleStore, SampleEditor

    path = tmp_path / "samples.json"
    write_strokes(path, [stroke_sample("A"), stroke_sample("b", 5.0)], STORE_CANVAS)
    mine, other = ObservedSampleStore(path), ObservedSampleStore(path)
    editor = SampleEditor(mine)
    editor.relabel([0], "q")
    other.add("Z", [np.array([[1.0, 1.0], [50.0, 80.0]])], (100.0, 100.0))
    editor.delete([1])  # merged with the other window's Z: the history is dropped
    assert [s.label for s in read_strokes(path).samples] == ["q", "Z"]
    assert not editor.undo()
    assert [s.label for s in read_strokes(path).samples] == ["q", "Z"]
    editor.delete([0])
    assert editor.undo() and [s.label for s in read_strokes(path).samples] == ["q", "Z"]


def test_relabelling_by_typing_a_small_letter_keeps_it_small(window, qtbot):
    panel = window.dataset_browser
    typed: list[str] = []
    select_rows(qtbot, panel, [0])
    type_in_letter_dialog(qtbot, "o", typed)
    qtbot.mouseClick(panel.own_actions.relabel_button, Qt.MouseButton.LeftButton)
    assert typed == ["o"]
    assert labels_shown(panel) == list("oAAbbC")
    assert [s.label for s in read_strokes(default_path()).samples] == list("oAAbbC")
    select_rows(qtbot, panel, [3])
    type_in_letter_dialog(qtbot, "Z", typed)
    qtbot.mouseClick(panel.own_actions.relabel_button, Qt.MouseButton.LeftButton)
    assert [s.label for s in read_strokes(default_path()).samples] == list("oAAZbC")


def test_the_delete_button_is_undone_by_the_undo_button(window, qtbot):
    panel, actions = window.dataset_browser, window.dataset_browser.own_actions
    assert not actions.undo_button.isEnabled()
    select_rows(qtbot, panel, [0, 3])
    qtbot.mouseClick(actions.delete_button, Qt.MouseButton.LeftButton)
    assert labels_shown(panel) == list("AAbC")
    assert [s.label for s in read_strokes(default_path()).samples] == list("AAbC")
    assert "Undo" in window.statusBar().currentMessage() and actions.undo_button.isEnabled()
    qtbot.mouseClick(actions.undo_button, Qt.MouseButton.LeftButton)
    assert labels_shown(panel) == list("AAAbbC")
    assert [s.label for s in read_strokes(default_path()).samples] == list("AAAbbC")
    assert not actions.undo_button.isEnabled()


def test_the_shared_store_is_made_once_even_while_it_is_empty(tmp_path, monkeypatch, qtbot):
    from cnn_studio.gui.app.state import AppState

    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    state = AppState()  # the canvas confirms before the Dataset panel is installed
    announced = []
    state.sample_store_changed.connect(announced.append)
    store = state.samples()
    assert len(store) == 0 and state.sample_store is store and announced == [store]
    assert state.samples() is store, "an empty (falsy) store must not be replaced"
