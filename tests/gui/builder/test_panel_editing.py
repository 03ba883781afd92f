"""Editing layers in the builder: undo and redo, field ranges, the trained-network question."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from support_builder import choose, click, field, kinds, type_into

from cnn_studio.model.spec.analysis import analyze
from cnn_studio.model.spec.files import canonical
from cnn_studio.model.spec.network import is_output_layer
from cnn_studio.model.spec.presets import get_preset

pytestmark = pytest.mark.usefixtures("start_with_classic")


def test_undo_redo_of_several_edits(window, builder, qtbot):
    builder.load_preset("tiny")
    steps = [builder.spec]
    builder.table.select_layer(0)
    type_into(qtbot, field(builder, "filters"), "12")   # one step although typed as "1", "12"
    steps.append(builder.spec)
    click(qtbot, builder.palette_buttons["batchnorm"])
    steps.append(builder.spec)
    click(qtbot, builder.up_button)
    steps.append(builder.spec)
    click(qtbot, builder.dup_button)
    steps.append(builder.spec)
    builder.table.select_layer(3)
    builder.table.setFocus()
    qtbot.keyClick(builder.table, Qt.Key.Key_Delete)
    steps.append(builder.spec)
    assert kinds(builder) == ["batchnorm", "batchnorm", "conv2d", "flatten", "dense"]
    assert builder.spec.layers[2].params["filters"] == 12
    assert len({json.dumps([layer.__dict__ for layer in s.layers]) for s in steps}) == len(steps)

    builder.table.setFocus()
    for expected in reversed(steps[:-1]):
        window.undo_action.trigger()          # Edit > Undo (Ctrl+Z) routed to the focused panel
        assert builder.spec == expected
    assert not builder.stack.canUndo() or builder.stack.undoText().startswith("Load preset")
    for expected in steps[1:]:
        window.redo_action.trigger()
        assert builder.spec == expected
    click(qtbot, builder.undo_button)
    assert builder.spec == steps[-2]
    click(qtbot, builder.redo_button)
    assert builder.spec == steps[-1]

    window.activateWindow()                   # keyboard shortcuts need the active window
    qtbot.waitUntil(window.isActiveWindow)
    builder.table.setFocus()
    qtbot.keyClick(builder.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert builder.spec == steps[-2]
    qtbot.keyClick(builder.table, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert builder.spec == steps[-1]


def test_undo_of_preset_load_and_output_layer(panel, qtbot):
    original = panel.spec
    panel.presets.setFocus()
    qtbot.keyClick(panel.presets, Qt.Key.Key_Down)   # first preset in the list
    assert panel.presets.currentIndex() == 0        # the combo goes back to its prompt
    assert panel.spec.name == "classic" and panel.doc.path is None
    panel.load_preset("lenet5")
    assert canonical(panel.spec) == canonical(get_preset("lenet5"))
    panel.undo()
    panel.undo()
    assert panel.spec == original

    panel.table.select_layer(len(original.layers) - 1)
    click(qtbot, panel.del_button)
    assert panel.banner.isVisible()
    click(qtbot, panel.banner_button)
    assert panel.spec == original
    panel.undo()
    assert not is_output_layer(panel.spec.layers[-1]) and panel.banner.isVisible()


def test_fields_refuse_or_clamp_out_of_range_values(panel, qtbot):
    panel.table.select_layer(0)
    filters = field(panel, "filters")
    assert (filters.minimum(), filters.maximum()) == (1, 256)
    assert "kernels" in filters.toolTip() and "1 to 256" in filters.toolTip()
    type_into(qtbot, filters, "9999")
    assert filters.value() == 256  # the nearest allowed value, and the field says so
    assert filters.note.text() == "9999 is above the largest filters 256: set to 256."
    assert panel.spec.layers[0].params["filters"] == filters.value()
    type_into(qtbot, filters, "32")
    type_into(qtbot, field(panel, "kernel_h"), "0")
    assert field(panel, "kernel_h").value() >= 1
    assert panel.spec.layers[0].params["kernel_h"] >= 1
    assert field(panel, "sigma").isEnabled() is False   # only used by the gaussian initializer
    choose(qtbot, field(panel, "initializer"), "gaussian")
    assert field(panel, "sigma").isEnabled()

    click(qtbot, panel.palette_buttons["dropout"])
    rate = field(panel, "rate")
    type_into(qtbot, rate, "5")
    assert 0.0 <= rate.value() <= 0.9
    type_into(qtbot, rate, "-3")
    assert panel.spec.layers[panel.current_index()].params["rate"] >= 0.0
    assert analyze(panel.spec).valid


def test_trained_network_asks_before_changing(panel, qtbot, monkeypatch):
    asked = []
    answer = [QMessageBox.StandardButton.No]
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[2]) or answer[0])
    panel.state.trained = True
    before = panel.spec
    panel.table.select_layer(0)
    click(qtbot, panel.del_button)
    type_into(qtbot, field(panel, "filters"), "7")
    assert panel.spec == before and len(asked) == 2 and "trained weights" in asked[0]
    assert field(panel, "filters").value() == before.layers[0].params["filters"]
    answer[0] = QMessageBox.StandardButton.Yes
    click(qtbot, panel.del_button)
    click(qtbot, panel.del_button)
    assert len(asked) == 3 and len(panel.spec.layers) == len(before.layers) - 2
    panel.state.model_changed.emit(None)      # trained again: ask again
    click(qtbot, panel.del_button)
    assert len(asked) == 4


def test_every_edit_makes_a_new_spec_value(panel, qtbot):
    before = panel.doc.spec
    layers_before = [copy_layer.params.copy() for copy_layer in before.layers]
    panel.table.select_layer(0)
    click(qtbot, panel.palette_buttons["dropout"])
    panel.set_param("rate", 0.5)
    click(qtbot, panel.del_button)
    panel.move_layer(0, 1)
    assert panel.doc.spec is not before
    assert [layer.params for layer in before.layers] == layers_before

