"""The layer builder's table and palette, driven through the panel's widgets as a person would:
adding layers by click and drop, invalid layers and the output banner, the code view."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication
from support_builder import choose, click, field, kinds, start_empty, type_into

from cnn_studio.gui.builder.table import ERROR_BACKGROUND, PROBLEM_ROLE, RAW_ROLE, SHAPE
from cnn_studio.model.spec.analysis import analyze
from cnn_studio.model.spec.files import canonical
from cnn_studio.model.spec.network import is_output_layer
from cnn_studio.model.spec.presets import get_preset

pytestmark = pytest.mark.usefixtures("start_with_classic")


def test_starts_with_classic_and_publishes_the_spec(panel, qtbot):
    assert canonical(panel.spec).layers == canonical(get_preset("classic")).layers
    assert canonical(panel.state.spec).layers == canonical(panel.spec).layers
    with qtbot.waitSignal(panel.state.spec_changed) as blocker:
        click(qtbot, panel.palette_buttons["dropout"])
    assert blocker.args[0] == panel.spec == panel.state.spec
    assert "dropout" in kinds(panel)


def test_build_classic_from_empty_by_clicking_matches_keras(panel, tf_state, qtbot,
                                                            monkeypatch):
    start_empty(panel, monkeypatch)
    assert panel.banner.isVisible()

    def conv(filters: int):
        click(qtbot, panel.palette_buttons["conv2d"])
        type_into(qtbot, field(panel, "filters"), str(filters))
        type_into(qtbot, field(panel, "kernel_h"), "5")
        type_into(qtbot, field(panel, "kernel_w"), "5")
        choose(qtbot, field(panel, "padding"), "same")
        choose(qtbot, field(panel, "activation"), "none")
        click(qtbot, panel.palette_buttons["activation"])
        click(qtbot, panel.palette_buttons["maxpool2d"])

    conv(16)
    conv(32)
    click(qtbot, panel.palette_buttons["flatten"])
    click(qtbot, panel.palette_buttons["dense"])
    type_into(qtbot, field(panel, "units"), "128")
    assert panel.banner.isVisible() and panel.banner_button.text() == "Add output layer"
    click(qtbot, panel.banner_button)
    assert not panel.banner.isVisible()
    spec = panel.spec
    assert canonical(spec).layers == canonical(get_preset("classic")).layers

    from cnn_studio.model.nets.keras_build import build_model

    model = build_model(spec, seed=0)
    table = panel.table_model
    assert table.rowCount() == len(model.layers) + 1
    for row, layer in enumerate(model.layers):
        assert table.index(row, 1).data(RAW_ROLE) == tuple(layer.output.shape[1:])
        assert table.index(row, 2).data(RAW_ROLE) == layer.count_params()
    total = table.layer_count
    assert table.index(total, 2).data(RAW_ROLE) == model.count_params()
    assert table.index(total, 2).data() == f"{model.count_params():,}"
    assert table.index(total, 1).data() == "26"


def test_invalid_layer_is_red_with_its_message(panel, qtbot):
    panel.table.select_layer(0)
    click(qtbot, panel.palette_buttons["dense"])          # Dense right after a Conv2D
    row = panel.current_index()
    table = panel.table_model
    assert table.index(row, 0).data(Qt.ItemDataRole.BackgroundRole) == ERROR_BACKGROUND
    message = table.index(row, SHAPE).data()           # in place of the shape and counts
    assert message.startswith("Its input is a 28x28x16 feature map") and "Flatten" in message
    assert panel.table.columnSpan(row, SHAPE) == 3 and panel.table.columnSpan(0, SHAPE) == 1
    assert "Flatten" in table.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert table.index(row + 1, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    assert "Flatten" in panel.issues.text()
    assert "Flatten" in table.index(table.layer_count, 0).data(PROBLEM_ROLE)
    assert panel.editor.error.isVisible() and "Flatten" in panel.editor.error.text()
    assert any(b.error for b in panel.diagram.blocks)


def test_output_banner_moves_an_output_layer_that_is_not_last(panel, qtbot):
    last = len(panel.spec.layers) - 1
    panel.table.select_layer(last)
    click(qtbot, panel.up_button)
    assert panel.banner.isVisible() and "Move" in panel.banner_button.text()
    click(qtbot, panel.banner_button)
    assert is_output_layer(panel.spec.layers[-1]) and not panel.banner.isVisible()


def test_new_layers_are_inserted_before_the_output_layer(panel, qtbot):
    panel.table.clearSelection()
    click(qtbot, panel.palette_buttons["dropout"])
    assert kinds(panel)[-2:] == ["dropout", "dense"] and is_output_layer(panel.spec.layers[-1])


def test_drag_reorder_and_palette_drop(panel, qtbot):
    # Offscreen, QDrag.exec cannot be driven by synthetic mouse events, so these drops call the
    # model's dropMimeData with the mime data the real drags carry: the path a real drop takes.
    model = panel.table_model
    before = kinds(panel)
    data = model.mimeData([model.index(0, 0)])
    assert model.canDropMimeData(data, Qt.DropAction.MoveAction, 3, 0, QModelIndex())
    model.dropMimeData(data, Qt.DropAction.MoveAction, 3, 0, QModelIndex())   # gap before row 3
    qtbot.waitUntil(lambda: kinds(panel) != before)
    assert kinds(panel) == before[1:3] + before[:1] + before[3:]
    assert panel.current_index() == 2
    panel.undo()
    assert kinds(panel) == before

    button = panel.palette_buttons["batchnorm"]
    model.dropMimeData(button.mime_data(), Qt.DropAction.CopyAction, 1, 0, QModelIndex())
    qtbot.waitUntil(lambda: len(kinds(panel)) == len(before) + 1)
    assert kinds(panel)[1] == "batchnorm"
    foreign = model.mimeData([model.index(0, 0)])
    foreign.setData("application/x-cnn-studio-layer-row", b"123:0")   # from another window
    assert not model.canDropMimeData(foreign, Qt.DropAction.MoveAction, 2, 0, QModelIndex())


def assert_views_agree(builder):
    """What a person sees: one table row per layer plus Total, and the diagram, match the spec."""
    spec = builder.doc.spec
    report = analyze(spec)
    table, model = builder.table, builder.table_model
    count = len(spec.layers)
    assert table.verticalHeader().count() == count + 1  # rows the view shows (no ghosts)
    assert model.rowCount() == count + 1
    for row, layer in enumerate(report.layers):
        assert table.model().index(row, 0).data() == f"{row + 1}  {layer.title}"
        assert table.model().index(row, 0).data(RAW_ROLE) == layer.title
    total = table.model().index(count, 0)
    assert total.data() == "Total"
    params = sum(table.model().index(row, 2).data(RAW_ROLE) for row in range(count))
    assert table.model().index(count, 2).data() == f"{params:,}" == f"{report.total_params:,}"
    assert len(builder.diagram.blocks) == count + 1  # the input block, then one per layer


def test_table_rows_follow_every_click_from_an_empty_network(panel, qtbot, monkeypatch):
    start_empty(panel, monkeypatch)
    assert_views_agree(panel)
    clicks = ["conv2d", "conv2d", "maxpool2d", "flatten", "dense", "dropout"]
    for number, kind in enumerate(clicks, start=1):
        click(qtbot, panel.palette_buttons[kind])
        assert len(panel.spec.layers) == number
        assert_views_agree(panel)
    after_adding = panel.spec
    panel.table.select_layer(1)
    click(qtbot, panel.del_button)
    assert_views_agree(panel)
    panel.table.select_layer(0)
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    assert len(panel.spec.layers) == len(clicks) - 2
    assert_views_agree(panel)
    for _ in range(2):
        click(qtbot, panel.undo_button)
        assert_views_agree(panel)
    assert panel.spec == after_adding
    for _ in range(4):
        click(qtbot, panel.undo_button)
        assert_views_agree(panel)
    click(qtbot, panel.redo_button)
    assert_views_agree(panel)


def test_python_code_view(panel, qtbot):
    click(qtbot, panel.findChild(type(panel.up_button), "code_button"))
    view = panel.code_view
    assert view.isVisible() and view.editor.isReadOnly()
    text = view.editor.toPlainText()
    assert "keras.layers.Conv2D(16, (5, 5)" in text and "keras.Input" in text
    click(qtbot, view.copy_button)
    assert QApplication.clipboard().text() == text
    click(qtbot, panel.palette_buttons["dropout"])      # follows the edits while open
    assert "Dropout" in view.editor.toPlainText()


def test_builder_modules_do_not_import_tensorflow():
    import subprocess
    import sys

    code = ("import sys, cnn_studio.gui.builder.panel, cnn_studio.gui.builder.code_view, cnn_studio.gui.builder.diagram; "
            "print('tensorflow' in sys.modules or 'keras' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"

