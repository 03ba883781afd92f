"""The layer builder, driven through the main window's widgets as a person would."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QMessageBox

from cnn_studio.gui.builder.table import ERROR_BACKGROUND, PROBLEM_ROLE, RAW_ROLE, SHAPE
from cnn_studio.model.spec.analysis import analyze
from cnn_studio.model.spec.files import canonical, load_spec
from cnn_studio.model.spec.network import is_output_layer
from cnn_studio.model.spec.presets import get_preset


@pytest.fixture(autouse=True)
def start_with_classic(tmp_path_factory, monkeypatch):
    """Start from the classic preset, whatever network the shipped model has."""
    import cnn_studio.gui.builder.files

    monkeypatch.setattr(cnn_studio.gui.builder.files, "DEFAULT_MODEL_DIR", tmp_path_factory.mktemp("none"))


@pytest.fixture
def window(qtbot):
    """The main window without TensorFlow (the builder must work before it loads)."""
    from cnn_studio.gui.app.main_window import MainWindow

    win = MainWindow(load_tensorflow=False)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


@pytest.fixture
def builder(window):
    return window.layer_builder


@pytest.fixture
def panel(qtbot):
    """The builder panel alone (quicker) for tests that need no menus or other panels."""
    from cnn_studio.gui.app.state import AppState
    from cnn_studio.gui.builder.panel import LayerBuilderPanel

    widget = LayerBuilderPanel(AppState())
    qtbot.addWidget(widget)
    widget.resize(600, 900)
    widget.show()
    return widget


def click(qtbot, widget):
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def type_into(qtbot, widget, text: str):
    """Select the field's text, type ``text`` and press Enter."""
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def choose(qtbot, combo, text: str):
    """Pick a combo box entry by typing its first letters."""
    combo.setFocus()
    qtbot.keyClicks(combo, text)
    assert combo.currentText() == text


def field(builder, name):
    return builder.editor.value_widget(name)


def start_empty(window, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Empty network", True))
    window.new_network_action.trigger()
    assert window.layer_builder.spec.layers == []


def kinds(builder):
    return [layer.kind for layer in builder.spec.layers]


def test_starts_with_classic_and_publishes_the_spec(window, builder, qtbot):
    assert window.builder_dock.panel is builder
    assert canonical(builder.spec).layers == canonical(get_preset("classic")).layers
    assert canonical(window.state.spec).layers == canonical(builder.spec).layers
    with qtbot.waitSignal(window.state.spec_changed) as blocker:
        click(qtbot, builder.palette_buttons["dropout"])
    assert blocker.args[0] == builder.spec == window.state.spec
    assert "dropout" in kinds(builder)


def test_build_classic_from_empty_by_clicking_matches_keras(window, builder, qtbot, monkeypatch):
    start_empty(window, monkeypatch)
    assert builder.banner.isVisible()

    def conv(filters: int):
        click(qtbot, builder.palette_buttons["conv2d"])
        type_into(qtbot, field(builder, "filters"), str(filters))
        type_into(qtbot, field(builder, "kernel_h"), "5")
        type_into(qtbot, field(builder, "kernel_w"), "5")
        choose(qtbot, field(builder, "padding"), "same")
        choose(qtbot, field(builder, "activation"), "none")
        click(qtbot, builder.palette_buttons["activation"])
        click(qtbot, builder.palette_buttons["maxpool2d"])

    conv(16)
    conv(32)
    click(qtbot, builder.palette_buttons["flatten"])
    click(qtbot, builder.palette_buttons["dense"])
    type_into(qtbot, field(builder, "units"), "128")
    assert builder.banner.isVisible() and builder.banner_button.text() == "Add output layer"
    click(qtbot, builder.banner_button)
    assert not builder.banner.isVisible()
    spec = builder.spec
    assert canonical(spec).layers == canonical(get_preset("classic")).layers

    from cnn_studio.model.nets.keras_build import build_model

    model = build_model(spec, seed=0)
    table = builder.table_model
    assert table.rowCount() == len(model.layers) + 1
    for row, layer in enumerate(model.layers):
        assert table.index(row, 1).data(RAW_ROLE) == tuple(layer.output.shape[1:])
        assert table.index(row, 2).data(RAW_ROLE) == layer.count_params()
    total = table.layer_count
    assert table.index(total, 2).data(RAW_ROLE) == model.count_params()
    assert table.index(total, 2).data() == f"{model.count_params():,}"
    assert table.index(total, 1).data() == "26"


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


def test_undo_of_preset_load_and_output_layer(window, builder, qtbot):
    original = builder.spec
    builder.presets.setFocus()
    qtbot.keyClick(builder.presets, Qt.Key.Key_Down)   # first preset in the list
    assert builder.presets.currentIndex() == 0        # the combo goes back to its prompt
    assert builder.spec.name == "classic" and builder.doc.path is None
    builder.load_preset("lenet5")
    assert canonical(builder.spec) == canonical(get_preset("lenet5"))
    builder.undo()
    builder.undo()
    assert builder.spec == original

    builder.table.select_layer(len(original.layers) - 1)
    click(qtbot, builder.del_button)
    assert builder.banner.isVisible()
    click(qtbot, builder.banner_button)
    assert builder.spec == original
    builder.undo()
    assert not is_output_layer(builder.spec.layers[-1]) and builder.banner.isVisible()


def test_fields_refuse_or_clamp_out_of_range_values(panel, qtbot):
    panel.table.select_layer(0)
    filters = field(panel, "filters")
    assert (filters.minimum(), filters.maximum()) == (1, 256)
    assert "kernels" in filters.toolTip() and "1 to 256" in filters.toolTip()
    type_into(qtbot, filters, "9999")
    assert filters.value() <= 256
    assert panel.spec.layers[0].params["filters"] == filters.value()
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


def test_trained_network_asks_before_changing(window, builder, qtbot, monkeypatch):
    asked = []
    answer = [QMessageBox.StandardButton.No]
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[2]) or answer[0])
    window.state.trained = True
    before = builder.spec
    builder.table.select_layer(0)
    click(qtbot, builder.del_button)
    type_into(qtbot, field(builder, "filters"), "7")
    assert builder.spec == before and len(asked) == 2 and "trained weights" in asked[0]
    assert field(builder, "filters").value() == before.layers[0].params["filters"]
    answer[0] = QMessageBox.StandardButton.Yes
    click(qtbot, builder.del_button)
    click(qtbot, builder.del_button)
    assert len(asked) == 3 and len(builder.spec.layers) == len(before.layers) - 2
    window.state.model_changed.emit(None)      # trained again: ask again
    click(qtbot, builder.del_button)
    assert len(asked) == 4


@pytest.mark.parametrize("content", ["{not json", "", '{"format": "something-else"}',
                                     '{"format": "cnn-studio-network", "version": 1, '
                                     '"layers": [{"kind": "lstm"}]}'])
def test_bad_network_file_shows_a_message(window, builder, tmp_path, monkeypatch, content):
    path = tmp_path / "bad.cnn.json"
    path.write_text(content)
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    before = builder.spec
    window.open_network_action.trigger()
    assert len(warnings) == 1 and "bad.cnn.json" in warnings[0]
    assert builder.spec == before and builder.doc.path is None


def test_save_and_reopen_round_trip(window, builder, qtbot, tmp_path, monkeypatch):
    builder.load_preset("deep")
    target = tmp_path / "mine"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.save_network_action.trigger()          # not saved yet: asks for a name
    saved = tmp_path / "mine.cnn.json"
    assert saved.exists() and load_spec(saved) == builder.spec
    assert builder.stack.isClean() and "*" not in builder.header.text()
    assert window.recent_files()[0] == str(saved.resolve())
    deep = builder.spec

    builder.load_preset("tiny")
    assert "*" in builder.header.text()
    window.recent_menu.actions()[0].trigger()     # File > Open recent > mine.cnn.json
    assert builder.spec == deep and builder.doc.path == str(saved.resolve())

    builder.table.select_layer(0)
    type_into(qtbot, field(builder, "filters"), "20")
    window.save_network_action.trigger()          # has a file now: saves without asking
    assert load_spec(saved).layers[0].params["filters"] == 20
    assert not list(tmp_path.glob("*.tmp*"))


def test_save_failure_shows_a_message(window, builder, tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    target = tmp_path / "missing-folder" / "x" / "net.cnn.json"
    (tmp_path / "missing-folder").write_text("a file, not a folder")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    assert builder.save_as() is False
    assert len(warnings) == 1 and "save" in warnings[0].lower()


def test_new_network_from_a_preset(window, builder, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getItem", lambda _p, _t, _l, items, *a, **k:
                        (next(i for i in items if i.startswith("dense")), True))
    window.new_network_action.trigger()
    assert canonical(builder.spec) == canonical(get_preset("dense"))


def test_python_code_view(window, builder, qtbot):
    click(qtbot, builder.findChild(type(builder.up_button), "code_button"))
    view = builder.code_view
    assert view.isVisible() and view.editor.isReadOnly()
    text = view.editor.toPlainText()
    assert "keras.layers.Conv2D(16, (5, 5)" in text and "keras.Input" in text
    click(qtbot, view.copy_button)
    assert QApplication.clipboard().text() == text
    click(qtbot, builder.palette_buttons["dropout"])      # follows the edits while open
    assert "Dropout" in view.editor.toPlainText()


def test_default_spec_prefers_the_shipped_model(tmp_path, monkeypatch):
    from cnn_studio.gui.builder import files as layer_builder
    from cnn_studio.model.spec.files import save_spec

    monkeypatch.setattr(layer_builder, "DEFAULT_MODEL_DIR", tmp_path)
    assert canonical(layer_builder.default_spec()) == canonical(get_preset("classic"))
    save_spec(get_preset("tiny"), tmp_path / "default.cnn.json")
    assert layer_builder.default_spec() == get_preset("tiny")
    (tmp_path / "default.cnn.json").write_text("garbage")
    assert canonical(layer_builder.default_spec()) == canonical(get_preset("classic"))


def test_builder_modules_do_not_import_tensorflow():
    import subprocess
    import sys

    code = ("import sys, cnn_studio.gui.builder.panel, cnn_studio.gui.builder.code_view, cnn_studio.gui.builder.diagram; "
            "print('tensorflow' in sys.modules or 'keras' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


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


def test_table_rows_follow_every_click_from_an_empty_network(window, builder, qtbot,
                                                             monkeypatch):
    start_empty(window, monkeypatch)
    assert_views_agree(builder)
    clicks = ["conv2d", "conv2d", "maxpool2d", "flatten", "dense", "dropout"]
    for number, kind in enumerate(clicks, start=1):
        click(qtbot, builder.palette_buttons[kind])
        assert len(builder.spec.layers) == number
        assert_views_agree(builder)
    after_adding = builder.spec
    builder.table.select_layer(1)
    click(qtbot, builder.del_button)
    assert_views_agree(builder)
    builder.table.select_layer(0)
    builder.table.setFocus()
    qtbot.keyClick(builder.table, Qt.Key.Key_Delete)
    assert len(builder.spec.layers) == len(clicks) - 2
    assert_views_agree(builder)
    for _ in range(2):
        click(qtbot, builder.undo_button)
        assert_views_agree(builder)
    assert builder.spec == after_adding
    for _ in range(4):
        click(qtbot, builder.undo_button)
        assert_views_agree(builder)
    click(qtbot, builder.redo_button)
    assert_views_agree(builder)


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


def test_the_panel_alone_announces_files_and_its_title_through_the_state(panel, qtbot, tmp_path,
                                                                         monkeypatch):
    from cnn_studio.model.spec.files import save_spec

    state, used = panel.state, []
    state.file_used.connect(used.append)
    assert (state.network_name, state.unsaved_network) == ("classic", False)
    click(qtbot, panel.palette_buttons["dropout"])
    assert state.unsaved_network
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "mine"), ""))
    assert panel.save_as()
    assert used == [str((tmp_path / "mine.cnn.json").resolve())] and not state.unsaved_network
    other = tmp_path / "other.cnn.json"
    save_spec(get_preset("tiny"), other)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(other), ""))
    panel.open_network()
    assert used[1:] == [str(other.resolve())] and state.network_name == "tiny"


def test_save_as_and_open_reach_open_recent_and_the_title_via_the_state(window, builder,
                                                                        tmp_path, monkeypatch):
    from cnn_studio.model.spec.files import save_spec

    used = []
    window.state.file_used.connect(used.append)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "mine.json"), ""))
    window.save_network_as_action.trigger()
    other = tmp_path / "other.cnn.json"
    save_spec(get_preset("tiny"), other)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(other), ""))
    window.open_network_action.trigger()
    saved = str((tmp_path / "mine.cnn.json").resolve())
    assert used == [saved, str(other.resolve())]
    assert [action.toolTip() for action in window.recent_menu.actions()[:2]] == used[::-1]
    assert window.windowTitle() == "CNN Studio \u2014 tiny[*]" and not window.isWindowModified()
    builder.load_preset("classic")
    assert window.windowTitle() == "CNN Studio \u2014 classic[*]" and window.isWindowModified()
