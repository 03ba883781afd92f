"""The dashboard's data form offers the built-in real letters (UNIPEN) and passes them on."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from support_data import easy_data

from cnn_studio.gui.training import worker as training_worker
from cnn_studio.gui.training.controls import TrainingControls
from cnn_studio.model.data.datasets import DEFAULT_WEIGHTS


def test_ticking_real_letters_puts_them_in_the_data_choice(qtbot):
    controls = TrainingControls()
    qtbot.addWidget(controls)
    controls.show()
    assert controls.use_real.text() == "Real letters (UNIPEN)"
    assert controls.data_choice().real_weight == 0.0  # not ticked: not used
    assert controls.real_weight.value() == DEFAULT_WEIGHTS["real"]
    qtbot.mouseClick(controls.use_real, Qt.MouseButton.LeftButton)
    assert controls.use_real.isChecked()
    controls.real_weight.setValue(2.5)
    choice = controls.data_choice()
    assert choice.real_weight == 2.5 and choice.synthetic_weight == 1.0
    controls.set_running(True)
    assert not controls.use_real.isEnabled() and not controls.real_weight.isEnabled()
    controls.set_running(False)
    assert controls.use_real.isEnabled()


@pytest.fixture
def gathered(monkeypatch):
    """The data choices handed to the training run (easy data is trained instead)."""
    seen = []

    def recording_gather(choice, seed, val_fraction=0.0, **kwargs):
        from cnn_studio.model.data.dataset import split

        seen.append(choice)
        return split(easy_data(choice.samples), val_fraction, seed)

    monkeypatch.setattr(training_worker, "gather_data", recording_gather)
    return seen


def test_train_click_hands_the_real_letters_choice_to_the_run(qtbot, dashboard, gathered):
    from cnn_studio.model.spec.presets import get_preset

    state = dashboard.state
    state.spec = get_preset("tiny")
    controls = dashboard.controls
    controls.samples.setValue(520)
    controls.epochs.setValue(1)
    qtbot.mouseClick(controls.use_synthetic, Qt.MouseButton.LeftButton)  # synthetic off
    qtbot.mouseClick(controls.use_real, Qt.MouseButton.LeftButton)  # real letters on
    state.data_choice = replace(state.data_choice, samples=480)  # the state's choice trains
    assert controls.samples.value() == 480
    qtbot.mouseClick(dashboard.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dashboard.last_report is not None, timeout=120_000)
    assert gathered == [state.data_choice]
    assert gathered[0].real_weight == DEFAULT_WEIGHTS["real"]
    assert gathered[0].synthetic_weight == 0.0 and gathered[0].samples == 480


def test_ticking_augment_also_varies_the_real_letters_of_the_run(qtbot, dashboard, gathered):
    from cnn_studio.model.spec.presets import get_preset

    dashboard.state.spec = get_preset("tiny")
    controls = dashboard.controls
    controls.samples.setValue(260)
    controls.epochs.setValue(1)
    qtbot.mouseClick(controls.use_real, Qt.MouseButton.LeftButton)
    assert "real letter redrawn" in controls.augment.toolTip()
    qtbot.mouseClick(controls.augment, Qt.MouseButton.LeftButton)
    assert controls.augment.isChecked()
    qtbot.mouseClick(dashboard.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dashboard.last_report is not None, timeout=120_000)
    assert len(gathered) == 1 and gathered[0].vary_real and gathered[0].real_weight > 0
    assert not dashboard.state.data_choice.vary_real  # the run's copy, not the state's choice
