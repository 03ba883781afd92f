"""The add-letter keys work from anywhere in the window, not only on the canvas (issue 26,
defect 2): a person who drew a letter, then clicked in the layer builder, presses a letter
key and is offered to add the drawing; a text field keeps its typing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from support_journeys import click, draw_t, labels_on_disk, open_window

from cnn_studio.gui.app.undo_routing import editing_text


def test_a_letter_pressed_in_the_builder_offers_the_drawing(qtbot, tmp_path, monkeypatch):
    window = open_window(qtbot, tmp_path / "home", monkeypatch)
    draw, builder = window.panels["draw"], window.panels["builder"]
    draw_t(window)
    table = builder.table
    rect = table.visualRect(table.model().index(1, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: QApplication.focusWidget() is table)
    qtbot.keyClick(table, Qt.Key.Key_R)
    assert draw.add_bar.isVisible() and "<b>r</b>" in draw.add_bar.label.text()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # Enter adds, from there too
    assert labels_on_disk() == ["r"] and draw.canvas.is_empty()
    assert not draw.add_bar.isVisible()


def test_a_text_field_keeps_its_letters(qtbot, tmp_path, monkeypatch):
    window = open_window(qtbot, tmp_path / "home", monkeypatch)
    draw, builder = window.panels["draw"], window.panels["builder"]
    draw_t(window)
    click(qtbot, builder.palette_buttons["dense"])  # its editor has a text field: units
    field = builder.editor.value_widget("units")
    field.setFocus()
    qtbot.waitUntil(editing_text)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_R)
    assert not draw.add_bar.isVisible() and not draw.canvas.is_empty()
