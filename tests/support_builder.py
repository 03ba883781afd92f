"""Shared helpers of the layer builder tests: clicking, typing and choosing in the panel's widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog


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


def start_empty(builder, monkeypatch):
    """File > New network > Empty network, answered in the builder panel."""
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Empty network", True))
    builder.new_network()
    assert builder.spec.layers == []


def kinds(builder):
    return [layer.kind for layer in builder.spec.layers]
