"""Bounded number fields (gui/common/bounded.py) in every panel that has them: a typed number
outside the range is clamped to the nearest allowed value and the note beside the field says
so; a refused keystroke shows the range. Typed through the real widgets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from support_builder import click, field, type_into
from support_widgets import shown

from cnn_studio.gui.common.bounded import BoundedDoubleSpinBox, BoundedSpinBox, with_note


@pytest.fixture
def pool_size(qtbot, app_state, tmp_path, monkeypatch):
    """The Pool size field of a max-pooling layer added in the builder panel."""
    import cnn_studio.gui.builder.files
    from cnn_studio.gui.builder.panel import LayerBuilderPanel

    monkeypatch.setattr(cnn_studio.gui.builder.files, "DEFAULT_MODEL_DIR", tmp_path)
    panel = shown(qtbot, LayerBuilderPanel(app_state), (600, 900))
    click(qtbot, panel.palette_buttons["maxpool2d"])
    return panel, field(panel, "pool_size")


def test_pool_size_12_is_set_to_8_and_the_field_says_so(qtbot, pool_size):
    panel, box = pool_size
    type_into(qtbot, box, "12")
    assert box.value() == 8
    assert panel.spec.layers[panel.current_index()].params["pool_size"] == 8
    assert box.note.isVisible()
    assert box.note.text() == "12 is above the largest pool size 8: set to 8."
    type_into(qtbot, box, "3")  # a number in range: the note goes
    assert box.value() == 3 and not box.note.isVisible()


def test_a_refused_keystroke_shows_the_range(qtbot, pool_size):
    _panel, box = pool_size
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(box, "x")
    assert box.note.text() == "Allowed: 1 to 8." and box.note.isVisible()


def test_below_the_smallest_and_decimals(qtbot):
    box = BoundedDoubleSpinBox("dropout rate")
    box.setRange(0.1, 0.9)
    box.setDecimals(2)
    holder = shown(qtbot, with_note(box))
    assert holder.isVisible()
    type_into(qtbot, box, "0.05")
    assert box.value() == pytest.approx(0.1)
    assert box.note.text() == "0.05 is below the smallest dropout rate 0.10: set to 0.10."


def test_an_emptied_field_keeps_its_value_and_says_so(qtbot):
    box = BoundedSpinBox("seed")
    box.setRange(0, 100)
    box.setValue(42)
    holder = shown(qtbot, with_note(box))
    assert holder.isVisible()
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(box, Qt.Key.Key_Delete)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert box.value() == 42
    assert box.note.text() == "Empty: kept 42. Allowed: 0 to 100."


def test_training_settings_clamp_and_say_so(qtbot):
    from cnn_studio.gui.training.controls import TrainingControls

    controls = shown(qtbot, TrainingControls())
    type_into(qtbot, controls.batch_size, "9999")
    assert controls.batch_size.value() == 4096
    assert controls.batch_size.note.text() == \
        "9999 is above the largest batch size 4096: set to 4096."
    type_into(qtbot, controls.samples, "5")
    assert controls.samples.value() == 100
    assert controls.samples.note.text() == "5 is below the smallest samples 100: set to 100."


def test_the_learning_rate_clamps_and_says_so(qtbot):
    from cnn_studio.gui.training.controls import TrainingControls

    controls = TrainingControls()
    shown(qtbot, controls.learning_rate_field)
    type_into(qtbot, controls.learning_rate, "50")
    assert controls.learning_rate.value() == 10.0
    assert controls.learning_rate.note.text() == \
        "50 is above the largest learning rate 10: set to 10."


def test_dataset_counts_clamp_and_say_so(qtbot, app_state):
    from cnn_studio.gui.dataset.source_controls import SYNTH_COUNT_RANGE, SyntheticControls
    from cnn_studio.gui.dataset.task_panel import TaskPanel

    controls = shown(qtbot, SyntheticControls(TaskPanel(app_state)))
    type_into(qtbot, controls.count_spin, "3")
    low = SYNTH_COUNT_RANGE[0]
    assert controls.count_spin.value() == low
    assert controls.count_spin.note.text() == \
        f"3 is below the smallest number of letters {low}: set to {low}."


def test_teach_samples_of_each_clamps_and_says_so(qtbot, app_state):
    from cnn_studio.gui.teach.panel import MAX_PER_LETTER, TeachDialog

    panel = shown(qtbot, TeachDialog(app_state))
    type_into(qtbot, panel.per_letter, "99")
    assert panel.per_letter.value() == MAX_PER_LETTER
    assert panel.per_letter.note.text() == (
        f"99 is above the largest number of samples of each letter {MAX_PER_LETTER}: "
        f"set to {MAX_PER_LETTER}.")
