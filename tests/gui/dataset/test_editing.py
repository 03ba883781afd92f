"""Editing own samples in the dataset panel: select, delete, relabel, undo and redo (the panel
alone; Edit > Undo on the window)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication
from support_dataset_panel import stroke_sample
from support_journeys import count_shown as count
from support_journeys import labels_shown, select_rows, type_in_letter_dialog

from cnn_studio.model.data.user_samples import STORE_CANVAS, default_path
from cnn_studio.model.ink.strokes import read_strokes, write_strokes


def test_delete_with_the_key_then_undo_through_the_edit_menu(window, qtbot):
    panel = window.panels["dataset"]
    select_rows(qtbot, panel, [0, 3])
    assert panel.own_actions.delete_button.isEnabled()
    qtbot.keyClick(panel.grid, Qt.Key.Key_Delete)
    assert labels_shown(panel) == list("AAbC")
    assert [s.label for s in read_strokes(default_path()).samples] == list("AAbC")
    panel.grid.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.grid)
    window.undo_action.trigger()
    assert [s.label for s in read_strokes(default_path()).samples] == list("AAAbbC")
    window.redo_action.trigger()
    assert labels_shown(panel) == list("AAbC")


def test_relabel_refuses_a_non_letter_and_applies_a_letter(panel, qtbot, monkeypatch, warnings):
    typed: list[str] = []
    select_rows(qtbot, panel, [1, 5])
    type_in_letter_dialog(qtbot, "7", typed)
    qtbot.mouseClick(panel.own_actions.relabel_button, Qt.MouseButton.LeftButton)
    assert warnings and "not a letter" in warnings[-1][1]
    assert labels_shown(panel) == list("AAAbbC")
    select_rows(qtbot, panel, [1, 5])
    type_in_letter_dialog(qtbot, "q", typed)
    qtbot.mouseClick(panel.own_actions.relabel_button, Qt.MouseButton.LeftButton)
    assert labels_shown(panel) == list("AqAbbq")
    assert count(panel, "Q") == 2 and count(panel, "C") == 0
    assert [s.label for s in read_strokes(default_path()).samples] == list("AqAbbq")


def test_editor_history_is_cleared_by_changes_from_elsewhere(panel, qtbot):
    select_rows(qtbot, panel, [0])
    qtbot.keyClick(panel.grid, Qt.Key.Key_Delete)
    assert panel.editor.undo_stack
    panel.state.samples().add("K", [np.array([[1.0, 1.0], [50.0, 80.0]])], (100.0, 100.0))
    panel.undo()  # must not drop the K the canvas just added
    assert labels_shown(panel) == list("AAbbCK")


def test_selection_by_model_api_and_delete_button(panel, qtbot):
    grid = panel.grid
    flags = QItemSelectionModel.SelectionFlag.Select
    for row in (0, 1, 2):
        grid.selectionModel().select(grid.thumbs.index(row), flags)
    assert "3 selected" in panel.info.text()
    qtbot.mouseClick(panel.own_actions.delete_button, Qt.MouseButton.LeftButton)
    assert count(panel, "A") == 0 and "A" in panel.strip.missing()
    assert "A," in panel.missing_label.text()


def test_undo_never_removes_what_another_window_added(tmp_path):
    from cnn_studio.gui.common.sample_store import ObservedSampleStore, SampleEditor

    path = tmp_path / "samples.json"
    write_strokes(path, [stroke_sample("A"), stroke_sample("b", 5.0)], STORE_CANVAS)
    mine, other = ObservedSampleStore(path), ObservedSampleStore(path)
    editor = SampleEditor(mine)
    editor.relabel([0], "q")
    other.add("Z", [np.array([[1.0, 1.0], [50.0, 80.0]])], (100.0, 100.0))
    editor.delete([1])  # merged with the other window's Z: the history is dropped
    assert [s.label for s in read_strokes(path).samples] == ["q", "Z"]
    assert not editor.undo()
    assert [s.label for s in read_strokes(path).samples] == ["q", "Z"]
    editor.delete([0])
    assert editor.undo() and [s.label for s in read_strokes(path).samples] == ["q", "Z"]


def test_relabelling_by_typing_a_small_letter_keeps_it_small(panel, qtbot):
    typed: list[str] = []
    select_rows(qtbot, panel, [0])
    type_in_letter_dialog(qtbot, "o", typed)
    qtbot.mouseClick(panel.own_actions.relabel_button, Qt.MouseButton.LeftButton)
    assert typed == ["o"]
    assert labels_shown(panel) == list("oAAbbC")
    assert [s.label for s in read_strokes(default_path()).samples] == list("oAAbbC")
    select_rows(qtbot, panel, [3])
    type_in_letter_dialog(qtbot, "Z", typed)
    qtbot.mouseClick(panel.own_actions.relabel_button, Qt.MouseButton.LeftButton)
    assert [s.label for s in read_strokes(default_path()).samples] == list("oAAZbC")


def test_the_delete_button_is_undone_by_the_undo_button(panel, qtbot):
    actions, messages = panel.own_actions, []
    panel.state.message.connect(messages.append)  # the window's status bar shows these
    assert not actions.undo_button.isEnabled()
    select_rows(qtbot, panel, [0, 3])
    qtbot.mouseClick(actions.delete_button, Qt.MouseButton.LeftButton)
    assert labels_shown(panel) == list("AAbC")
    assert [s.label for s in read_strokes(default_path()).samples] == list("AAbC")
    assert "Undo" in messages[-1] and actions.undo_button.isEnabled()
    qtbot.mouseClick(actions.undo_button, Qt.MouseButton.LeftButton)
    assert labels_shown(panel) == list("AAAbbC")
    assert [s.label for s in read_strokes(default_path()).samples] == list("AAAbbC")
    assert not actions.undo_button.isEnabled()
