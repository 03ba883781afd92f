"""A person's first hour, as tests: journeys across panels, from an empty home (issue 14).

Each test walks what a new user does, through real widgets, and checks after every step what
the person sees (labels, table rows, counts, the status bar) and what is on disk.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog
from support_journeys import (
    builder_views_agree,
    click,
    count_shown,
    file_dialogs,
    labels_on_disk,
    labels_shown,
    open_window,
    select_rows,
    strokes_file,
    type_in_letter_dialog,
)

from cnn_studio.model.data.user_samples import default_path
from cnn_studio.model.ink.strokes import LETTERS, read_strokes
from cnn_studio.model.spec.files import load_spec
from cnn_studio.model.spec.presets import get_preset


def test_letters_drawn_from_an_empty_home_are_browsed_edited_and_kept(qtbot, tmp_path,
                                                                      monkeypatch):
    """Draw, add with the keyboard, then relabel, delete, undo, import and export in the
    browser (issue 14: items 1, 11 and 14)."""
    from support_journeys import add_letter

    window = open_window(qtbot, tmp_path / "home", monkeypatch)
    window.show_tab("data")
    browser = window.dataset_browser
    assert len(browser.store) == 0 and labels_shown(browser) == []
    assert browser.strip.missing() == LETTERS and not default_path().exists()

    for n, (key, shift, letter) in enumerate([(Qt.Key.Key_T, False, "t"),
                                              (Qt.Key.Key_T, True, "T"),
                                              (Qt.Key.Key_A, False, "a")], start=1):
        message = add_letter(qtbot, window, key, shift)
        assert f"as {letter} (" in message and f", {n} in all)" in message, message
        assert labels_shown(browser) == labels_on_disk() and len(labels_on_disk()) == n
        assert labels_on_disk()[-1] == letter  # the case typed is kept
    assert count_shown(browser, "T") == 2 and count_shown(browser, "A") == 1
    assert "T" not in browser.strip.missing() and "B" in browser.strip.missing()

    select_rows(qtbot, browser, [0])  # relabel the small t as a small o (item 14)
    type_in_letter_dialog(qtbot, "o")
    click(qtbot, browser.own_actions.relabel_button)
    assert labels_shown(browser) == ["o", "T", "a"] == labels_on_disk()
    assert count_shown(browser, "O") == 1 and count_shown(browser, "T") == 1
    window.activateWindow()  # the question box has closed: back to the window
    qtbot.waitUntil(window.isActiveWindow)

    select_rows(qtbot, browser, [1])  # delete with the key, undo with Ctrl+Z (item 11)
    qtbot.keyClick(browser.grid, Qt.Key.Key_Delete)
    assert labels_shown(browser) == ["o", "a"] == labels_on_disk()
    assert "Undo" in window.statusBar().currentMessage()
    browser.grid.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is browser.grid)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert labels_shown(browser) == ["o", "T", "a"] == labels_on_disk()

    friend = strokes_file(tmp_path / "friend.json", "xYz")  # import keeps what was drawn (item 1)
    file_dialogs(monkeypatch, open_path=friend)
    click(qtbot, browser.own_actions.import_button)
    assert labels_shown(browser) == ["o", "T", "a", "x", "Y", "z"] == labels_on_disk()
    assert window.sample_store is browser.store is window.state.samples()

    target = tmp_path / "export" / "my-letters"
    file_dialogs(monkeypatch, save_path=target)
    click(qtbot, browser.own_actions.export_button)
    exported = read_strokes(target.with_suffix(".json"))
    assert [s.label for s in exported.samples] == ["o", "T", "a", "x", "Y", "z"]
    assert not list(target.parent.glob("*.tmp"))

    window.close()


@pytest.mark.xfail(strict=True, reason=(
    "gui/training: the 'My own samples' count and checkbox are refreshed only at start-up, on "
    "Train and on switching the dashboard's own tabs, not when the shared store changes"))
def test_letters_drawn_while_the_app_runs_can_be_chosen_for_training(qtbot, tmp_path,
                                                                    monkeypatch):
    """Draw two letters, open the Training dock: 'My own samples' says 2 and can be ticked."""
    from support_journeys import add_letter

    window = open_window(qtbot, tmp_path / "home", monkeypatch)
    controls = window.training_dashboard.controls
    qtbot.waitUntil(lambda: controls.own_count.text() == "0 drawn")
    for key in (Qt.Key.Key_B, Qt.Key.Key_C):
        add_letter(qtbot, window, key)
    window.show_tab("train")
    assert controls.own_count.text() == "2 drawn" and controls.use_own.isEnabled()
    window.close()


def test_a_network_built_by_clicks_from_empty_then_a_preset_and_saved(qtbot, tmp_path,
                                                                      monkeypatch):
    """Every click keeps the table, the Total row, the diagram and the parameter count in
    step (item 7); the training panel's verdict follows the network (item 13); Save as
    writes the file and remembers it (items 14, 18)."""
    window = open_window(qtbot, tmp_path / "home", monkeypatch)
    builder, dashboard = window.layer_builder, window.training_dashboard
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Empty network", True))
    window.new_network_action.trigger()
    assert builder.spec.layers == [] and builder_views_agree(builder) == 0
    assert builder.banner.isVisible()

    window.show_tab("train")
    for number, kind in enumerate(["conv2d", "maxpool2d", "conv2d", "flatten", "dense"], 1):
        click(qtbot, builder.palette_buttons[kind])
        assert [layer.kind for layer in builder.spec.layers][-1] == kind
        assert len(window.state.spec.layers) == number
        builder_views_agree(builder)
    assert builder.banner_button.text() == "Add output layer"
    click(qtbot, dashboard.train_button)  # TensorFlow not loaded: the button does nothing
    click(qtbot, builder.banner_button)
    params = builder_views_agree(builder)
    assert not builder.banner.isVisible() and params > 0
    assert "cannot be trained" not in dashboard.message.text()
    assert window.isWindowModified()

    builder.table.select_layer(1)
    click(qtbot, builder.del_button)
    builder_views_agree(builder)
    click(qtbot, builder.undo_button)
    assert builder_views_agree(builder) == params

    builder.presets.setFocus()  # Load a preset: type its name in the combo box
    qtbot.keyClicks(builder.presets, "tiny")
    assert builder.spec.layers == get_preset("tiny").layers == window.state.spec.layers
    builder_views_agree(builder)
    assert "Loaded the tiny preset" in window.statusBar().currentMessage()
    assert "cannot be trained" not in dashboard.message.text()

    path = tmp_path / "nets" / "my-first.cnn.json"
    path.parent.mkdir()
    file_dialogs(monkeypatch, save_path=path)
    window.save_network_as_action.trigger()
    assert load_spec(path).layers == get_preset("tiny").layers
    assert not window.isWindowModified()
    assert window.recent_files()[0] == str(path.resolve())
    assert [a.text() for a in window.recent_menu.actions()] == [path.name]
    window.close()
