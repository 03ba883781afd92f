"""Experiments side by side (issue 25): train two networks from the window, compare them, open
one in the builder, close the app and start it again: both runs are still listed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from support_journeys import Answers, click, open_window

from cnn_studio.gui.runs.table import NAME, STATE
from cnn_studio.model.spec.presets import get_preset


def names(view) -> list[str]:
    return [view.model.index(row, NAME).data() for row in range(view.model.rowCount())]


def train(qtbot, window, preset: str) -> None:
    """Load ``preset`` in the builder and train it one short epoch with the dashboard."""
    window.panels["builder"].load_preset(preset)
    window.show_tab("train")
    dashboard = window.panels["training"]
    controls = dashboard.controls
    for box, value in ((controls.samples, 260), (controls.batch_size, 16), (controls.epochs, 1),
                       (controls.val_fraction, 0.1)):
        box.setValue(value)
    click(qtbot, dashboard.train_button)
    qtbot.waitUntil(lambda: dashboard.last_report is not None and not window.state.training,
                    timeout=180_000)
    assert dashboard.last_report.epochs_completed == 1, dashboard.last_report


def test_two_runs_compared_one_opened_both_there_after_a_restart(qtbot, tmp_path, monkeypatch):
    from cnn_studio.gui.app.close_guard import DISCARD

    home = tmp_path / "home"
    monkeypatch.setattr(QMessageBox, "question",  # "reset the trained weights?": yes
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    first = open_window(qtbot, home, monkeypatch, tensorflow=True)
    runs = first.panels["runs"].view
    train(qtbot, first, "tiny")
    train(qtbot, first, "lenet5")
    first.show_tab("runs")
    qtbot.waitUntil(lambda: sorted(names(runs)) == ["lenet5", "tiny"], timeout=30_000)

    runs.table.selectAll()
    click(qtbot, runs.compare_button)
    panel = first.panels["runs"]
    assert panel.compare_dialog.isVisible()
    assert sorted(r.name for r in panel.compare_view.records) == ["lenet5", "tiny"]
    assert panel.compare_view.figures_table.columnCount() == 2
    qtbot.waitUntil(lambda: first.state.idle, timeout=120_000)  # robustness measured
    assert all(set(r.metrics["robustness"]) == {"shift", "rotation", "scale"}
               for r in panel.compare_view.records)
    panel.compare_dialog.close()

    row = names(runs).index("tiny")
    rect = runs.table.visualRect(runs.model.index(row, NAME))
    qtbot.mouseClick(runs.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    click(qtbot, runs.open_button)
    assert first.state.spec.layers == get_preset("tiny").layers

    # The network opened from the run and the trained weights are in no file: both discarded.
    answers = Answers(first, monkeypatch, DISCARD, DISCARD)
    first.quit_action.trigger()
    assert not first.isVisible()
    assert answers.asked == ["Save the network?", "Save the trained model?"]

    second = open_window(qtbot, home, monkeypatch, size=None)
    again = second.panels["runs"].view
    qtbot.waitUntil(lambda: sorted(names(again)) == ["lenet5", "tiny"], timeout=30_000)
    states = {again.model.index(r, NAME).data(): again.model.index(r, STATE).data()
              for r in range(again.model.rowCount())}
    assert states == {"tiny": "finished, 1 epoch", "lenet5": "finished, 1 epoch"}
    second.close()
