"""Panels built against an app state alone, without the main window or TensorFlow: they talk
only through the state."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import Qt
from support_teach import choose_letters, click_radio, draw_all
from support_widgets import shown

from cnn_studio.gui.common.state import AppState
from cnn_studio.gui.common.tasks import Work
from cnn_studio.model.ink.strokes import LETTERS
from cnn_studio.model.spec.presets import get_preset
from cnn_studio.model.training.config import TrainConfig


@pytest.fixture
def state(app_state):
    """A fresh app state whose files live in a private home (tests/gui/conftest.py)."""
    return app_state


def test_the_builder_publishes_new_values_and_shows_requested_networks(qtbot):
    from cnn_studio.gui.builder.panel import LayerBuilderPanel

    state = AppState()
    builder = LayerBuilderPanel(state)
    qtbot.addWidget(builder)
    published = []
    state.spec_changed.connect(published.append)
    before = state.spec
    qtbot.mouseClick(builder.palette_buttons["dropout"], Qt.MouseButton.LeftButton)
    assert published and published[-1] is state.spec and state.spec is not before
    assert [layer.kind for layer in before.layers] != [layer.kind for layer in state.spec.layers]
    tiny = get_preset("tiny")
    state.network_requested.emit(tiny, "Network of the opened model")
    assert state.spec.layers == tiny.layers and builder.stack.undoText() == \
        "Network of the opened model"


def test_the_dataset_panel_follows_the_one_store(qtbot, state):
    from cnn_studio.gui.dataset.panel import DatasetBrowser

    panel = DatasetBrowser(state, state.samples())
    qtbot.addWidget(panel)
    state.samples().add("K", [np.array([[1.0, 1.0], [50.0, 80.0]])], (100.0, 100.0))
    qtbot.waitUntil(lambda: panel.strip.counts[LETTERS.index("K")] == 1, timeout=5000)


def test_draw_and_explain_panels_wait_for_a_model_without_a_window(qtbot):
    from cnn_studio.gui.draw.panel import DrawPanel
    from cnn_studio.gui.explain.base import HINT_TF
    from cnn_studio.gui.explain.panel import ExplainPanel

    state = AppState()
    draw, explain = DrawPanel(state), ExplainPanel(state)
    qtbot.addWidget(draw)
    qtbot.addWidget(explain)
    explain.show()
    qtbot.waitUntil(lambda: explain.conv_tab.hint.text() == HINT_TF, timeout=5000)
    assert draw.canvas.is_empty()
    draw.shutdown()
    explain.shutdown()


def test_the_training_dashboard_follows_the_state_and_binds_its_settings(qtbot, state):
    from cnn_studio.gui.training.panel import LOADING_TEXT, TrainingDashboard

    dashboard = shown(qtbot, TrainingDashboard(state))
    controls, button = dashboard.controls, dashboard.train_button
    assert button.text() == LOADING_TEXT and not button.isEnabled()
    state.tf_info = {"tensorflow": "x", "keras": "y", "devices": [("gpu", "Card")]}
    assert button.text() == "Train" and button.isEnabled()
    assert controls.device.itemText(1) == "GPU: Card"

    assert state.train_config == controls.config()  # the form's settings, published
    assert (state.train_config.optimizer, state.train_config.batch_size) == ("adam", 64)
    controls.optimizer.setFocus()
    qtbot.keyClick(controls.optimizer, Qt.Key.Key_Up)  # Adam -> SGD
    assert state.train_config.optimizer == "sgd"
    assert state.train_config.learning_rate == 0.01  # the rate suggested for SGD
    controls.batch_size.lineEdit().selectAll()
    qtbot.keyClicks(controls.batch_size, "128")
    controls.augment.setFocus()
    qtbot.keyClick(controls.augment, Qt.Key.Key_Space)
    assert state.train_config.batch_size == 128 and state.train_config.augment is True
    controls.val_fraction.lineEdit().selectAll()
    qtbot.keyClicks(controls.val_fraction, "0.25")  # "0." is not rewritten to "0.00" midway
    assert state.train_config.val_fraction == 0.25

    state.train_config = replace(state.train_config, epochs=7, val_fraction=0.25)
    assert (controls.epochs.value(), controls.val_fraction.value()) == (7, 0.25)
    state.train_config = TrainConfig(batch_size=10**6, device="tpu")  # out of range, not offered
    assert controls.batch_size.value() == 4096 and controls.device.currentData() == "cpu"
    assert state.train_config == controls.config()  # what the form shows

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # no network yet: it says so
    assert not dashboard.running and "no network to train" in dashboard.message.text()
    state.spec = get_preset("tiny")
    assert "can be trained now" in dashboard.message.text()
    state.samples().add("K", [np.array([[1.0, 1.0], [50.0, 80.0]])], (100.0, 100.0))
    qtbot.waitUntil(lambda: controls.own_count.text() == "1 drawn", timeout=5000)
    assert controls.use_own.isEnabled()
    state.trained = state.unsaved_model = True
    qtbot.mouseClick(dashboard.reset_button, Qt.MouseButton.LeftButton)
    assert not state.trained and not state.unsaved_model
    dashboard.shutdown()


def test_the_teach_dialog_works_on_the_state_alone(qtbot, state):
    from cnn_studio.gui.teach.panel import TeachDialog

    dialog = shown(qtbot, TeachDialog(state))
    dialog.open_flow()
    assert "still loading" in dialog.choose_note.text()
    dialog.letters_edit.setText("")
    click_radio(qtbot, dialog.choice_buttons["typed"])
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert "at least one letter" in dialog.choose_note.text()
    choose_letters(qtbot, dialog, "X", 1)
    draw_all(qtbot, dialog)
    assert [sample.label for sample in state.samples().samples] == ["X"]  # the one store
    assert dialog.pages.currentIndex() == 2 and "still loading" in dialog.status.text()
    assert not dialog.cancel_button.isEnabled() and not state.is_busy(Work.TEACH)

    state.training = True  # a run elsewhere: teaching waits for it
    qtbot.mouseClick(dialog.again_button, Qt.MouseButton.LeftButton)
    choose_letters(qtbot, dialog, "X", 1)
    assert dialog.saved and dialog.teach_button.isEnabled()  # the saved X counts
    qtbot.mouseClick(dialog.teach_button, Qt.MouseButton.LeftButton)
    assert "Wait for training to end" in dialog.status.text()
    dialog.shutdown()


def test_the_data_sources_are_bound_to_the_state_both_ways(qtbot, state):
    from cnn_studio.gui.training.panel import TrainingDashboard
    from cnn_studio.model.data.datasets import DataChoice

    dashboard = shown(qtbot, TrainingDashboard(state))
    controls = dashboard.controls
    assert state.data_choice == DataChoice(samples=10_000, synthetic_weight=1.0)
    qtbot.mouseClick(controls.use_real, Qt.MouseButton.LeftButton)
    assert state.data_choice.real_weight == 1.0
    controls.real_weight.lineEdit().selectAll()
    qtbot.keyClicks(controls.real_weight, "2.5")
    controls.samples.lineEdit().selectAll()
    qtbot.keyClicks(controls.samples, "2000")
    assert (state.data_choice.real_weight, state.data_choice.samples) == (2.5, 2000)
    qtbot.mouseClick(controls.use_synthetic, Qt.MouseButton.LeftButton)
    assert state.data_choice.synthetic_weight == 0.0  # unticked: left out
    assert controls.synthetic_weight.value() == 1.0  # its weight is kept for a new tick

    state.data_choice = DataChoice(samples=10**9, synthetic_weight=3.0, real_weight=0.0,
                                   own_weight=0.5, emnist_weight=float("nan"))
    assert controls.samples.value() == 500_000 and controls.use_synthetic.isChecked()
    assert controls.synthetic_weight.value() == 3.0 and not controls.use_real.isChecked()
    assert controls.use_own.isChecked() and controls.own_weight.value() == 0.5
    assert not controls.use_emnist.isChecked()
    assert state.data_choice == controls.data_choice()  # what the form gives
    assert state.data_choice.own_weight == 0.0  # ticked, but no own letters yet
    state.data_choice = DataChoice(samples=5, synthetic_weight=1e9)  # out of range: clamped
    assert (controls.samples.value(), controls.synthetic_weight.value()) == (100, 100.0)
    assert (state.data_choice.samples, state.data_choice.synthetic_weight) == (100, 100.0)
    state.data_choice = "not a choice"  # the form keeps its values and says what they are
    assert state.data_choice == controls.data_choice()

    state.data_choice = DataChoice(samples=1000, own_weight=0.5)
    state.samples().add("K", [np.array([[1.0, 1.0], [50.0, 80.0]])], (100.0, 100.0))
    qtbot.waitUntil(lambda: controls.own_count.text() == "1 drawn", timeout=5000)
    assert state.data_choice.own_weight == 0.5  # the source counts now that it has letters
    dashboard.shutdown()
