"""Installs each panel into the main window.

Every panel module exposes ``install(shell) -> Panel`` (``gui.common.shell``): it creates its
widget from ``shell.state``, puts it in its dock (or the central area), serves menu actions,
registers undo handlers, file openers and shutdown hooks, through the shell and nothing else. ``FIRST`` panels are installed before the window is
shown; ``LATER`` ones (hidden behind dock tabs, and heavier: matplotlib) right after its first
paint, so the window appears sooner.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel

if TYPE_CHECKING:
    from cnn_studio.gui.app.main_window import MainWindow

FIRST: list[str] = [
    "cnn_studio.gui.draw.panel",          # canvas + prediction + activations (central)
    "cnn_studio.gui.builder.panel",       # builder dock
]
LATER: list[str] = [
    "cnn_studio.gui.training.panel",  # training dock
    "cnn_studio.gui.explain.panel",        # explain dock
    "cnn_studio.gui.dataset.panel",     # dataset dock
    "cnn_studio.gui.teach.panel",       # Tools > Teach it my hand... (a dialog)
    "cnn_studio.gui.learn.panel",       # the Learn path (Help > Learn), below the builder
    "cnn_studio.gui.overview.panel",    # the network overview dock
    "cnn_studio.gui.runs.panel",        # runs dock
]
INSTALLERS: list[str] = FIRST + LATER


def install_all(window: MainWindow, names: list[str] | None = None) -> None:
    """Import each panel module in ``names`` (default: all), install it, keep it in ``panels``.

    ``install(window)`` (the window is the ``Shell``) returns the panel; the window files it
    under its package's name
    (``draw``, ``builder``, ``training``, ``explain``, ``dataset``, ``teach``, ``learn``,
    ``overview``, ``runs``). The window
    follows the state they publish through its :class:`WindowFollower`, made before the first.
    """
    for name in INSTALLERS if names is None else names:
        window.panels[name.split(".")[-2]] = importlib.import_module(name).install(window)


class WindowFollower(QObject):
    """What the window shows of the state the panels publish: the files they open or save
    (``state.file_used``) in File > Open recent, the builder's network (``state.network_name``)
    in the title bar, marked ``[*]`` while it has unsaved edits (``state.unsaved_network``),
    unsaved trained weights (``state.unsaved_model``) and a run starting (``state.training``)
    in the status bar.

    A child of the window, so that its connections end with the window even where the state
    lives on (tests).
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        state = window.state
        state.file_used.connect(self.add_recent_file)
        state.network_name_changed.connect(self.show_network_name)
        state.unsaved_network_changed.connect(window.setWindowModified)
        state.unsaved_model_changed.connect(self.show_unsaved_model)
        state.training_changed.connect(self.show_training)
        self.show_network_name(state.network_name)
        window.setWindowModified(state.unsaved_network)
        self.unsaved_label = QLabel("")
        self.unsaved_label.setObjectName("unsaved_model_label")
        window.statusBar().addPermanentWidget(self.unsaved_label)
        self.show_unsaved_model(state.unsaved_model)

    def show_unsaved_model(self, unsaved: bool) -> None:
        """Say in the status bar while trained weights are not saved to a file."""
        self.unsaved_label.setText("Trained weights not saved" if unsaved else "")
        self.unsaved_label.setToolTip("File > Save trained model keeps them" if unsaved else "")

    def show_training(self, training: bool) -> None:
        """Say in the status bar that a run started (the dashboard shows its progress)."""
        if training:
            self.window.statusBar().showMessage("Training... (see the Training panel)", 4000)

    def add_recent_file(self, path: str) -> None:
        """Put ``path`` first in File > Open recent."""
        self.window.add_recent_file(path)

    def show_network_name(self, name: str) -> None:
        """Title the window with the network's name ('': the app's name alone)."""
        self.window.setWindowTitle(f"CNN Studio \u2014 {name}[*]" if name else "CNN Studio")
