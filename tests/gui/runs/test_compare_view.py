"""The compare view: curves, figures, settings that differ, per-letter accuracy, robustness
measured through the given task runner, and the drawing moved with each run's answer."""

from __future__ import annotations

import numpy as np
import pytest
from support_real_letters import install_fake_real_letters
from support_runs import record, with_curves
from support_widgets import shown

from cnn_studio.gui.runs.compare_view import CompareView
from cnn_studio.model.runs.record import MODEL_FILE
from cnn_studio.model.runs.robustness import SHIFTS
from cnn_studio.model.runs.store import RunStore


class Tasks:
    """A task runner that keeps what it was given and runs it when told (as the window's
    runner does later, on the GUI thread)."""

    def __init__(self):
        self.waiting = []

    def __call__(self, fn, on_done):
        self.waiting.append((fn, on_done))

    def run_all(self):
        while self.waiting:
            fn, on_done = self.waiting.pop(0)
            on_done(fn())


@pytest.fixture
def store(tmp_path) -> RunStore:
    return RunStore(tmp_path / "runs")


def _table(table) -> dict[str, list[str]]:
    return {table.verticalHeaderItem(r).text(): [table.item(r, c).text()
                                                 for c in range(table.columnCount())]
            for r in range(table.rowCount())}


def test_figures_settings_and_letters_side_by_side(qtbot, store):
    tasks = Tasks()
    a = store.create(with_curves(record("tiny", id="a", metrics={
        "val_accuracy": 0.8, "per_letter": {"a": 0.5, "B": 1.0}})))
    b = store.create(with_curves(record("classic", id="b", metrics={
        "val_accuracy": 0.9, "per_letter": {"a": 0.75}}, settings={"epochs": 2,
                                                                    "batch_size": 32})))
    view = shown(qtbot, CompareView(store, tasks), (1200, 700))
    view.set_runs([a, b], ["Parameters per layer ...", "Moved by 4 pixels ..."])
    figures = _table(view.figures_table)
    assert figures["validation accuracy"] == ["80.0 %", "90.0 %"]
    assert figures["network"] == ["tiny", "classic"]
    assert figures["setting: settings.batch_size"] == ["64", "32"]
    assert _table(view.letters_table) == {"a": ["50.0 %", "75.0 %"], "B": ["100.0 %", "-"]}
    assert "Moved by 4 pixels" in view.explanation.text() and view.explanation.isVisible()
    lines = view.curves_figure.axes[0].get_lines()
    assert len(lines) >= 4  # training and validation of both runs
    assert "Measuring robustness of 2 run(s)" in view.status.text()
    tasks.run_all()  # neither run kept a model
    assert "has no model to measure" in view.status.text()


def test_a_run_compared_with_itself(qtbot, store):
    a = store.create(with_curves(record("tiny", id="a", metrics={"val_accuracy": 0.8})))
    view = shown(qtbot, CompareView(store, Tasks()))
    view.set_runs([a, a])
    assert _table(view.figures_table)["settings"] == ["all the same", "all the same"]
    assert [view.figures_table.horizontalHeaderItem(c).text() for c in range(2)] == [
        "1. tiny", "2. tiny"]
    assert not view.explanation.isVisibleTo(view)


def test_robustness_is_measured_off_the_gui_thread_and_drawn(qtbot, store, tmp_path,
                                                            monkeypatch):
    from support_training import tiny

    from cnn_studio.model.nets.model_files import save_model_file
    from cnn_studio.model.spec.presets import get_preset

    install_fake_real_letters(tmp_path, monkeypatch)
    made = store.create(with_curves(record("tiny", id="m", model_file=MODEL_FILE)))
    save_model_file(tiny(), get_preset("tiny"), store.root / "m" / MODEL_FILE)
    tasks = Tasks()
    view = shown(qtbot, CompareView(store, tasks), (1200, 700))
    view.set_runs([made])
    robust = view.robust_figure.axes
    assert [len(ax.get_lines()) for ax in robust] == [0, 0, 0]  # nothing measured yet
    tasks.run_all()
    assert [len(ax.get_lines()) for ax in view.robust_figure.axes] == [1, 1, 1]
    assert set(store.read("m").metrics["robustness"]) == {"shift", "rotation", "scale"}

    drawing = np.zeros((28, 28), np.float32)
    drawing[6:22, 13:15] = 1.0
    view.set_drawing(drawing)
    view.tabs.setCurrentIndex(4)
    tasks.run_all()
    answers = [view.findChild(type(view.status), f"answer_0_{k}") for k in range(len(SHIFTS))]
    assert all(a is not None and a.text()[0].isalpha() and a.text().endswith("%")
               for a in answers)
    view.direction.setCurrentIndex(2)  # down: asks again
    assert tasks.waiting
    tasks.run_all()
