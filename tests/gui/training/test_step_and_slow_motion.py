"""Time a learner controls while training (issue 24 item 5): Step trains one batch while paused
and redraws everything for it; slow motion holds the run to a few batches a second, every batch
reported and the other views following the weights. Through the dashboard's real widgets."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QObject, Qt
from support_builder import type_into

from cnn_studio.model.spec.presets import get_preset

pytestmark = pytest.mark.usefixtures("easy")  # tests/gui/conftest.py: easy bars


class StateRecorder(QObject):
    """Records the weights the shared state announces."""

    def __init__(self, state) -> None:
        super().__init__()
        self.weights = []
        state.weights_updated.connect(self.weights.append)


def start_batches(qtbot, dashboard, epochs: int):
    """Train the tiny network on 2600 samples in batches of 8 (293 an epoch) until the first
    batches show."""
    dashboard.state.spec = get_preset("tiny")
    controls = dashboard.controls
    controls.samples.setValue(2600)
    controls.batch_size.setValue(8)
    controls.epochs.setValue(epochs)
    click(qtbot, dashboard.train_button)
    assert dashboard.running
    qtbot.waitUntil(lambda: dashboard.curves.point_count("loss_raw") > 0, timeout=60_000)


def wait_end(qtbot, dashboard, timeout=120_000):
    qtbot.waitUntil(lambda: dashboard.last_report is not None, timeout=timeout)
    return dashboard.last_report


def click(qtbot, button):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def paused_step(dashboard) -> int:
    text = dashboard.message.text()
    assert text.startswith("Paused at epoch 1/1, step "), text
    return int(text.rsplit(" ", 1)[1].split("/")[0])


def test_step_trains_one_batch_while_paused_and_redraws_everything(qtbot, dashboard,
                                                                   monkeypatch):
    recorder = StateRecorder(dashboard.state)
    drawn = []
    original = dashboard.activations.set_activations
    monkeypatch.setattr(dashboard.activations, "set_activations",
                        lambda *args: (drawn.append(1), original(*args)))
    start_batches(qtbot, dashboard, epochs=1)
    assert not dashboard.step_button.isEnabled()  # only while paused
    click(qtbot, dashboard.pause_button)
    qtbot.waitUntil(lambda: dashboard.message.text().startswith("Paused at"), timeout=30_000)
    qtbot.waitUntil(dashboard.step_button.isEnabled, timeout=5_000)
    before, points = paused_step(dashboard), dashboard.curves.point_count("loss_raw")
    weights_before, drawn_before = len(recorder.weights), len(drawn)
    kernels_before = [np.array(k) for k in recorder.weights[-1]] if recorder.weights else None
    for expected in (before + 1, before + 2):
        click(qtbot, dashboard.step_button)
        assert not dashboard.step_button.isEnabled()  # one step at a time
        qtbot.waitUntil(lambda e=expected: dashboard.message.text().endswith(f"step {e}/293"),
                        timeout=30_000)
        qtbot.waitUntil(dashboard.step_button.isEnabled, timeout=5_000)
    qtbot.waitUntil(lambda: len(drawn) > drawn_before + 1, timeout=5_000)
    assert dashboard.curves.point_count("loss_raw") == points + 2  # one point per batch
    assert dashboard.progress.value() == before + 2
    assert len(recorder.weights) >= weights_before + 2  # the other views follow each step
    assert kernels_before is None or not all(
        np.array_equal(a, b) for a, b in zip(kernels_before, recorder.weights[-1], strict=True))
    qtbot.wait(300)
    assert paused_step(dashboard) == before + 2  # and it holds there
    click(qtbot, dashboard.pause_button)  # resume
    assert not dashboard.step_button.isEnabled()
    assert wait_end(qtbot, dashboard).epochs_completed == 1


def test_slow_motion_holds_the_run_to_the_batch_rate(qtbot, dashboard):
    recorder = StateRecorder(dashboard.state)
    assert dashboard.slow_motion.text() == "off"  # off by default
    type_into(qtbot, dashboard.slow_motion, "2")
    assert dashboard.slow_motion.value() == 2
    start_batches(qtbot, dashboard, epochs=1)
    qtbot.waitUntil(lambda: len(recorder.weights) > 0, timeout=10_000)  # within the epoch
    points = dashboard.curves.point_count("loss_raw")
    qtbot.wait(1500)
    added = dashboard.curves.point_count("loss_raw") - points
    assert 1 <= added <= 4  # about 2 a second, each batch a point (293 in an epoch)
    type_into(qtbot, dashboard.slow_motion, "0")  # off again: full speed
    assert dashboard.slow_motion.text() == "off"
    report = wait_end(qtbot, dashboard)
    assert report.epochs_completed == 1


def test_slow_motion_above_20_is_set_to_20_and_says_so(qtbot, dashboard):
    type_into(qtbot, dashboard.slow_motion, "50")
    assert dashboard.slow_motion.value() == 20
    assert dashboard.slow_motion.note.text() == \
        "50 is above the largest batches a second 20/s: set to 20/s."


def test_an_empty_canvas_says_which_validation_sample_is_shown(qtbot, dashboard):
    import re

    assert dashboard.state.image is None or not dashboard.state.image.any()
    start_batches(qtbot, dashboard, epochs=1)
    note = dashboard.live.probe_note
    qtbot.waitUntil(note.isVisible, timeout=10_000)
    assert re.fullmatch(r"The canvas is empty: showing validation sample 0, the letter [A-Z]\.",
                        note.text()), note.text()
    dashboard.live.probe_choice.setCurrentIndex(1)  # "data sample"
    dashboard.live.probe_sample.setValue(2)
    qtbot.waitUntil(lambda: note.text().startswith("Showing validation sample 2, the letter "),
                    timeout=10_000)
    click(qtbot, dashboard.stop_button)
    wait_end(qtbot, dashboard)
