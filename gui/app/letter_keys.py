"""The add-letter keys for the whole window: A-Z offer the drawing for the dataset wherever the
keyboard focus is, unless a text field or a list of choices takes the typing.

The filter sits on the focused widget (it follows the focus), so it sees the key press before
that widget does (a table or a list would otherwise use the letter to search its rows) and no
other event passes through it; widgets of other windows (dialogs) keep their keys.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QWidget

from cnn_studio.gui.app.undo_routing import editing_text

TYPING_WIDGETS = (QComboBox,)  # typing a letter there chooses an entry


def letter_of(event) -> str | None:
    """The letter a plain (or shifted: upper case) A-Z key press types, else None."""
    text = event.text()
    shifted = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
    modifiers = event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
    if (len(text) == 1 and text.isascii() and text.isalpha()
            and modifiers == Qt.KeyboardModifier.NoModifier):
        return text.upper() if shifted else text
    return None


class LetterKeys(QObject):
    """Sends A-Z pressed anywhere in ``window`` to the handlers given to :meth:`add`.

    A handler gets the letter (in the case typed) and returns whether it used it; an unused
    letter goes on to the focused widget as before.

    Args:
        window: the main window (the filter is its child and ends with it).
    """

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.handlers: list[Callable[[str], bool]] = []
        self.watched: QWidget | None = None
        QApplication.instance().focusChanged.connect(self._follow_focus)

    def _follow_focus(self, _old, new) -> None:
        if self.watched is not None and shiboken6.isValid(self.watched):
            self.watched.removeEventFilter(self)
        self.watched = None
        if (new is not None and shiboken6.isValid(self) and shiboken6.isValid(self.window)
                and new.window() is self.window):
            new.installEventFilter(self)
            self.watched = new

    def add(self, handler: Callable[[str], bool]) -> None:
        """Call ``handler(letter)`` for every add-letter key pressed in the window."""
        self.handlers.append(handler)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        """Use a letter key pressed in the window (focused widget, no text being edited)."""
        if event.type() != QEvent.Type.KeyPress or watched is not self.watched:
            return False
        letter = letter_of(event)
        if letter is None or editing_text() or isinstance(watched, TYPING_WIDGETS):
            return False
        return any([handler(letter) for handler in self.handlers])
