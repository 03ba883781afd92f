"""The interface between the app shell and its panels, and nothing else (as ilastik's applets).

The shell (``gui.app.main_window.MainWindow``) offers a :class:`Shell`: the shared state and
task runner, docks, menu actions, undo registration, file openers, settings and shutdown
hooks. Each panel module has ``install(shell) -> Panel``; a :class:`Panel` tells the shell
whether it holds unsaved work and saves it when asked. The shell never touches a panel's
widgets; no panel touches the window's attributes.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QAction, QUndoStack
    from PySide6.QtWidgets import QDialog, QWidget

    from cnn_studio.gui.common.state import AppState
    from cnn_studio.gui.common.tasks import Task, TaskRunner


class Dock(enum.Enum):
    """The window's docks; the value is the dock's title."""

    BUILDER = "Layer builder"
    TRAINING = "Training"
    EXPLAIN = "Explain"
    DATA = "Dataset"
    OVERVIEW = "Network"
    RUNS = "Runs"
    LEARN = "Learn"


class Action(enum.Enum):
    """Menu actions the shell makes and a panel serves; the value is the menu text."""

    NEW_NETWORK = "&New network"
    OPEN_NETWORK = "&Open network..."
    SAVE_NETWORK = "&Save network"
    SAVE_NETWORK_AS = "Save network &as..."
    OPEN_MODEL = "Open trained &model..."
    EXPORT_MODEL = "E&xport trained model..."
    SAVE_MODEL = "Save trained m&odel..."


class Shell(Protocol):
    """What a panel may use of the window."""

    state: AppState
    runner: TaskRunner

    def put_in_dock(self, dock: Dock, widget: QWidget) -> None:
        """Show ``widget`` in ``dock`` (scrollable)."""

    def put_in_centre(self, widget: QWidget) -> None:
        """Show ``widget`` in the central area."""

    def on_dock_shown(self, dock: Dock, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever ``dock`` comes to the front."""

    def show_dock(self, dock: Dock) -> None:
        """Bring ``dock`` to the front (shown, its tab chosen)."""

    def fit_dock_width(self, dock: Dock, width: int) -> None:
        """Make ``dock`` at least ``width`` pixels wide."""

    def serve(self, action: Action, slot: Callable[[], object]) -> None:
        """Let ``slot`` answer ``action`` (File menu)."""

    def add_tool(self, action: QAction, needs_tf: bool = False) -> None:
        """Add ``action`` to the Tools menu (enabled once TensorFlow loaded, if it needs it)."""

    def register_undo(self, widget: QWidget, undo: Callable[[], object],
                      redo: Callable[[], object], stack: QUndoStack | None = None) -> None:
        """Let Edit > Undo/Redo act on ``widget`` once the person works in it."""

    def add_opener(self, suffix: str, opener: Callable[[str], object]) -> None:
        """Open files ending in ``suffix`` (Open recent, the command line) with ``opener``."""

    def open_path(self, path: str) -> None:
        """Open ``path`` with the opener of its suffix, as File > Open recent does."""
    def add_letter_key(self, handler: Callable[[str], bool]) -> None:
        """Call ``handler(letter)`` for A-Z pressed anywhere in the window (no text field being
        edited); it returns whether it used the key."""

    def own_dialog(self, dialog: QDialog) -> None:
        """Show ``dialog`` over the window and close it with the window."""

    def add_shutdown_hook(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` when the window closes."""

    def settings(self) -> QSettings:
        """The app's persistent settings."""


class Panel(Protocol):
    """What the shell asks of a panel."""

    def unsaved_work(self) -> str | None:
        """The question to ask before closing when the panel holds unsaved work, else None."""

    def save_work(self) -> bool | Task:
        """Save the unsaved work: True when saved, False when not (cancelled, failed), or the
        running task that saves it."""


class NoUnsavedWork:
    """For panels whose work is saved as it is made (the canvas's letters, the dataset)."""

    def unsaved_work(self) -> str | None:
        """Nothing is ever unsaved here."""
        return None

    def save_work(self) -> bool:
        """Nothing to save."""
        return True
