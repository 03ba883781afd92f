"""The keyboard shortcuts the Help menu lists: every menu action with one, plus canvas keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence

if TYPE_CHECKING:
    from cnn_studio.gui.app.main_window import MainWindow


def shortcut_lines(window: MainWindow) -> list[tuple[str, str]]:
    """(shortcut, what it does) for every File and Edit action with a shortcut, plus the keys
    the canvas answers."""
    lines = []
    for menu in (window.file_menu, window.edit_menu):
        for action in menu.actions():
            if not action.shortcut().isEmpty():
                text = action.text().replace("&", "")
                if action in (window.undo_action, window.redo_action):  # not "Undo Stroke"
                    text = text.split()[0] + " (in the panel you last worked in)"
                lines.append((action.shortcut().toString(QKeySequence.SequenceFormat.NativeText),
                              text))
    lines += [("Esc", "Clear the drawing (unless a text field is being edited)"),
              ("Delete on the canvas", "Clear the drawing"),
              ("A-Z", "Add the drawing to your dataset as that letter (unless a text field or a "
                      "list of choices is being typed in)"),
              ("F1", "This list")]
    return lines
