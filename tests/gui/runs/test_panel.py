"""The Runs dock in the window: runs trained from the dashboard and by Teach are kept and listed;
a run's network goes to the builder, its model to the canvas, its settings to the training
form; delete is undone by Edit > Undo and emptied for good when the window closes; Compare
opens with the current drawing. Everything through the real window's widgets."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QTabBar
from support_runs import kept, record, with_curves
from support_widgets import shown

from cnn_studio.gui.runs.table import NAME, STATE
from cnn_studio.model.data.datasets import DataChoice
from cnn_studio.model.runs.store import RunStore
from cnn_studio.model.spec.presets import get_preset
from cnn_studio.model.training.config import TrainConfig

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """The window on a private home, TensorFlow and the shipped model loaded; the builder's
    question before changing a trained network is answered Yes."""
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    from cnn_studio.gui.app.main_window import MainWindow

    win = shown(qtbot, MainWindow(), exposed=False)
    qtbot.waitUntil(lambda: win.state.tf_loaded and win.state.idle
                    and win.state.model is not None, timeout=120_000)
    yield win
    win.close()


def names(view) -> list[str]:
    return [view.model.index(row, NAME).data() for row in range(view.model.rowCount())]


def select(qtbot, view, row: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    rect = view.table.visualRect(view.model.index(row, NAME))
    qtbot.mouseClick(view.table.viewport(), LEFT, modifier, rect.center())


def front_tab(window) -> str:
    """The title of the right-hand dock whose tab is chosen."""
    bars = [bar for bar in window.findChildren(QTabBar)
            if "Runs" in [bar.tabText(i) for i in range(bar.count())]]
    assert len(bars) == 1
    return bars[0].tabText(bars[0].currentIndex())


def train_tiny(qtbot, window, samples: int = 260, preset: str = "tiny"):
    """Load ``preset`` in the builder, train it one epoch from the dashboard; the outcome."""
    window.panels["builder"].load_preset(preset)
    window.show_tab("train")
    dashboard = window.panels["training"]
    controls = dashboard.controls
    for box, value in ((controls.samples, samples), (controls.batch_size, 16),
                       (controls.epochs, 1), (controls.val_fraction, 0.1)):
        box.setValue(value)
    qtbot.mouseClick(dashboard.train_button, LEFT)
    assert dashboard.running
    qtbot.waitUntil(lambda: dashboard.last_report is not None and not window.state.training,
                    timeout=120_000)
    return dashboard.last_report


def test_a_dashboard_run_is_kept_listed_and_used_again(qtbot, window):
    runs = window.panels["runs"].view
    report = train_tiny(qtbot, window)
    assert report.epochs_completed == 1, report
    assert "Kept in the Runs list as tiny" in report.message
    qtbot.waitUntil(lambda: names(runs) == ["tiny"], timeout=30_000)
    assert runs.model.index(0, STATE).data() == "finished, 1 epoch"
    run = runs.model.entry(0).record
    assert run.data["choice"]["samples"] == 260 and run.settings["batch_size"] == 16
    assert run.model_file is not None and "real_accuracy" in run.metrics
    window.show_tab("runs")
    select(qtbot, runs, 0)

    window.panels["builder"].load_preset("classic")
    qtbot.mouseClick(runs.open_button, LEFT)
    assert window.state.spec.layers == get_preset("tiny").layers
    window.undo()  # the builder's edit: the classic network again
    assert window.state.spec.layers == get_preset("classic").layers

    trained = window.state.model
    window.panels["builder"].load_preset("classic")
    qtbot.mouseClick(runs.use_button, LEFT)
    qtbot.waitUntil(lambda: window.state.model is not trained, timeout=30_000)
    assert window.state.model_spec.layers == get_preset("tiny").layers
    probe = np.zeros((1, 28, 28, 1), np.float32)
    np.testing.assert_allclose(np.asarray(window.state.model(probe)),
                               np.asarray(trained(probe)), rtol=1e-5, atol=1e-6)

    controls = window.panels["training"].controls
    controls.epochs.setValue(4)
    controls.samples.setValue(900)
    window.panels["builder"].load_preset("classic")
    window.show_tab("runs")
    qtbot.mouseClick(runs.again_button, LEFT)
    assert controls.epochs.value() == 1 and controls.samples.value() == 260
    assert controls.batch_size.value() == 16
    assert window.state.train_config.epochs == 1
    assert window.state.data_choice.samples == 260
    assert window.state.spec.layers == get_preset("tiny").layers
    assert front_tab(window) == "Training" and "press Train" in runs.status.text()
    assert not window.state.training  # starting is the person's click


def test_delete_is_undone_by_edit_undo_and_emptied_when_the_window_closes(qtbot, window):
    panel = window.panels["runs"]
    store = RunStore()
    assert store.root == panel.store.root and "home" in str(store.root)
    for index, name in enumerate(("first", "second")):
        kept(store, id=name, name=name, created=f"2026-12-07T0{index}:00:00Z")
    window.show_tab("runs")
    qtbot.waitUntil(lambda: sorted(names(panel.view)) == ["first", "second"], timeout=30_000)
    select(qtbot, panel.view, names(panel.view).index("first"))
    qtbot.mouseClick(panel.view.delete_button, LEFT)
    assert names(panel.view) == ["second"]
    window.undo()
    assert sorted(names(panel.view)) == ["first", "second"]
    select(qtbot, panel.view, names(panel.view).index("second"))
    qtbot.mouseClick(panel.view.delete_button, LEFT)
    assert names(panel.view) == ["first"] and (store.root / ".trash").exists()
    window.close()
    assert not (store.root / ".trash").exists()
    assert [entry.id for entry in store.entries()] == ["first"]


def test_compare_opens_over_the_window_with_the_current_drawing(qtbot, window):
    panel = window.panels["runs"]
    store = RunStore()
    for index, name in enumerate(("first", "second")):
        store.create(with_curves(record(id=name, name=name,
                                        created=f"2026-12-07T0{index}:00:00Z"), seed=index))
    window.show_tab("runs")
    qtbot.waitUntil(lambda: len(names(panel.view)) == 2, timeout=30_000)
    rows = [names(panel.view).index("first"), names(panel.view).index("second")]
    select(qtbot, panel.view, rows[0])
    select(qtbot, panel.view, rows[1], Qt.KeyboardModifier.ControlModifier)
    drawing = np.zeros((28, 28), np.float32)
    drawing[6:22, 13:15] = 1.0
    window.state.drawing_changed.emit(drawing)
    qtbot.mouseClick(panel.view.compare_button, LEFT)
    dialog, compare = panel.compare_dialog, panel.compare_view
    assert dialog.isVisible() and dialog.parent() is window
    assert sorted(r.name for r in compare.records) == ["first", "second"]
    np.testing.assert_array_equal(compare.drawing, drawing)
    moved = drawing.copy()
    moved[6:22, 16:18] = 1.0
    window.state.drawing_changed.emit(moved)  # drawing on while the comparison is open
    np.testing.assert_array_equal(compare.drawing, moved)
    qtbot.waitUntil(lambda: window.state.idle, timeout=60_000)


def test_a_teach_run_is_kept_and_listed(qtbot, window):
    from support_teach import choose_letters, draw_all

    from cnn_studio.model.training.finetune import TeachConfig

    dialog = window.panels["teach"]
    dialog.config = TeachConfig(steps=15, batch=32, replay=64, check=26, copies=2)
    dialog.action.trigger()
    choose_letters(qtbot, dialog, "X o", 2)
    draw_all(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.result is not None or not dialog.cancel_button.isEnabled(),
                    timeout=60_000)
    assert dialog.result is not None, dialog.status.text()
    assert "Kept in the Runs list as" in dialog.status.text()
    runs = window.panels["runs"].view
    qtbot.waitUntil(lambda: len(names(runs)) == 1, timeout=30_000)
    run = runs.model.entry(0).record
    assert run.name.endswith("taught your hand") and run.status == "finished"
    assert run.settings["teach"] and run.settings["steps"] == 15
    assert run.metrics["val_accuracy"] == dialog.result.after
    assert run.data["taught"] == dialog.result.taught == 2
    assert "real_accuracy" in run.metrics
    from cnn_studio.model.nets.model_files import load_model_file

    weights = load_model_file(RunStore().model_path(run.id)).get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(weights, dialog.result.weights,
                                                    strict=True))


def test_dense_vs_cnn_from_the_window_opens_the_comparison(qtbot, window):
    panel = window.panels["runs"]
    window.state.train_config = TrainConfig(epochs=1, batch_size=32, val_fraction=0.1)
    window.state.data_choice = DataChoice(samples=260)
    window.show_tab("runs")
    qtbot.mouseClick(panel.view.dense_button, LEFT)
    qtbot.waitUntil(lambda: panel.compare_dialog is not None, timeout=240_000)
    compare = panel.compare_view
    assert [r.network_name() for r in compare.records] == ["dense", "classic"]
    text = compare.explanation.text()
    assert compare.explanation.isVisibleTo(panel.compare_dialog)
    assert f"{compare.records[0].params:,}" in text and f"{compare.records[1].params:,}" in text
    assert sorted(names(panel.view)) == ["classic (dense vs CNN)", "dense (dense vs CNN)"]
    assert all(r.settings["epochs"] == 1 and r.data["choice"]["samples"] == 260
               for r in compare.records)
