"""Edit > Undo / Redo and Esc for the whole window, whatever widget has keyboard focus.

Each panel registers its undo handlers and, where it has one, its ``QUndoStack``; the stacks
join one ``QUndoGroup``. The active stack follows the panel the person last worked in: an
edit on a stack (a canvas stroke, a builder edit) or focus moving into a registered panel makes
it active; focus moving anywhere else (a Train button) changes nothing. The Edit menu names
the step ("Undo Stroke", "Undo Add Conv2D 3x3"). Esc clears the drawing unless a text field
is being edited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoGroup, QUndoStack
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMenu

    from cnn_studio.gui.app.main_window import MainWindow

TEXT_FIELDS = (QLineEdit, QAbstractSpinBox, QPlainTextEdit, QTextEdit)


@dataclass
class UndoTarget:
    """A panel that can undo: its widget, handlers and (optional) undo stack."""

    widget: QWidget
    undo: Callable[[], None]
    redo: Callable[[], None]
    stack: QUndoStack | None = None


def editing_text() -> bool:
    """Whether the keyboard focus is in a text field (Esc and Ctrl+Z then belong to it)."""
    return isinstance(QApplication.focusWidget(), TEXT_FIELDS)


class UndoRouter(QObject):
    """Owns the window's ``QUndoGroup``, the Edit menu's Undo/Redo actions and the Esc key."""

    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        super().__init__(window)
        self.window = window
        self.group = QUndoGroup(self)
        self.targets: list[UndoTarget] = []
        self.active: UndoTarget | None = None
        self.undo_action = self._menu_action(menu, "Undo", self.undo,
                                             QKeySequence.StandardKey.Undo)
        self.redo_action = self._menu_action(menu, "Redo", self.redo, "Ctrl+Shift+Z")
        for signal in (self.group.canUndoChanged, self.group.undoTextChanged,
                       self.group.canRedoChanged, self.group.redoTextChanged,
                       self.group.activeStackChanged):
            signal.connect(self.sync_actions)
        QApplication.instance().focusChanged.connect(self._focus_changed)
        window.installEventFilter(self)  # Esc that no widget or shortcut used reaches it
        self.sync_actions()

    def _menu_action(self, menu, text: str, slot, shortcut) -> QAction:
        action = QAction(f"&{text}", self.window)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _=False: slot())
        menu.addAction(action)
        return action

    def register(self, widget: QWidget, undo: Callable[[], None], redo: Callable[[], None],
                 stack: QUndoStack | None = None) -> None:
        """Add a panel; ``stack`` defaults to the widget's ``undo_stack`` attribute, if any."""
        stack = stack if stack is not None else getattr(widget, "undo_stack", None)
        target = UndoTarget(widget, undo, redo, stack if isinstance(stack, QUndoStack) else None)
        self.targets.append(target)
        if target.stack is not None:
            self.group.addStack(target.stack)
            target.stack.indexChanged.connect(lambda _index, t=target: self.activate(t))
        if self.active is None:
            self.activate(target)

    def activate(self, target: UndoTarget) -> None:
        """Make ``target`` the panel Edit > Undo and Redo act on."""
        stack = target.stack
        if not shiboken6.isValid(self.group) or (stack is not None
                                                 and not shiboken6.isValid(stack)):
            return  # the window is being destroyed
        self.active = target
        self.group.setActiveStack(target.stack)
        self.sync_actions()

    def _focus_changed(self, _old, new) -> None:
        if not shiboken6.isValid(self.group):
            return
        if new is None:
            return
        for target in self.targets:
            if shiboken6.isValid(target.widget) and (
                    new is target.widget or target.widget.isAncestorOf(new)):
                if target is not self.active:
                    self.activate(target)
                return

    def sync_actions(self, *_args) -> None:
        """Name the step Undo and Redo would take ("Undo Stroke") and enable them."""
        if not shiboken6.isValid(self.undo_action):
            return
        stack = self.active.stack if self.active is not None else None
        for action, verb, can, text in (
                (self.undo_action, "Undo", self.group.canUndo(), self.group.undoText()),
                (self.redo_action, "Redo", self.group.canRedo(), self.group.redoText())):
            if stack is None:  # a panel with its own history: always offered
                action.setText(f"&{verb}")
                action.setEnabled(self.active is not None)
            else:
                named = f" {text.replace('&', '&&')}" if can and text else ""
                action.setText(f"&{verb}{named}")
                action.setEnabled(can)

    def undo(self) -> None:
        """Undo the last step in the panel the person last worked in."""
        if self.active is not None:
            self.active.undo()

    def redo(self) -> None:
        """Redo in the panel the person last worked in."""
        if self.active is not None:
            self.active.redo()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        """Esc anywhere in the window clears the drawing (see :meth:`clear_drawing`).

        Key presses a widget ignores travel up to the window, so a panel's own Esc (closing
        its bar, a combo's popup) and the text fields keep theirs.
        """
        if (watched is self.window and event.type() == QEvent.Type.KeyPress
                and event.key() == Qt.Key.Key_Escape
                and event.modifiers() == Qt.KeyboardModifier.NoModifier):
            return self.clear_drawing()
        return False

    def clear_drawing(self) -> bool:
        """Esc: the panels' Esc handlers (the canvas clears its drawing, undoably), unless a
        text field is being edited."""
        if editing_text():
            return False
        return any([handler() for handler in self.window.escape_handlers])
