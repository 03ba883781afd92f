"""The canvas's undoable changes: each stroke, clear or loaded drawing is one ``QUndoCommand``.

They live on the canvas's ``QUndoStack``, which the main window's ``QUndoGroup`` holds, so
Edit > Undo names them ("Undo Stroke") whichever panel has focus.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand


class DrawingCommand(QUndoCommand):
    """One change of the drawing (a stroke, a clear, a loaded drawing) on the canvas's stack.

    The canvas has already made the change when it pushes the command, so the first ``redo``
    (which ``QUndoStack.push`` calls) does nothing.
    """

    def __init__(self, canvas, text: str, before: tuple, after: tuple) -> None:
        super().__init__(text)
        self.canvas, self.before, self.after, self._fresh = canvas, before, after, True

    def redo(self) -> None:
        if self._fresh:
            self._fresh = False
            return
        self.canvas.restore(self.after)

    def undo(self) -> None:
        self.canvas.restore(self.before)
