"""Installs each panel into the main window.

Every panel module exposes ``install(window)``: it creates its widget from ``window.state``, puts
it in its dock (or the central area), connects the menu actions it serves, registers undo
handlers, file openers and shutdown hooks. ``FIRST`` panels are installed before the window is
shown; ``LATER`` ones (hidden behind dock tabs, and heavier: matplotlib) right after its first
paint, so the window appears sooner.
"""

from __future__ import annotations

import importlib

from PySide6.QtCore import QObject

FIRST: list[str] = [
    "cnn_studio.gui.draw.panel",          # canvas + prediction + activations (central)
    "cnn_studio.gui.builder.panel",       # builder dock
]
LATER: list[str] = [
    "cnn_studio.gui.training.panel",  # training dock
    "cnn_studio.gui.explain.panel",        # explain dock
    "cnn_studio.gui.dataset.panel",     # dataset dock
    "cnn_studio.gui.teach.panel",       # Tools > Teach it my hand... (a dialog)
]
INSTALLERS: list[str] = FIRST + LATER


def install_all(window, names: list[str] | None = None) -> None:
    """Import each panel module in ``names`` (default: all), install it, keep it in ``panels``.

    ``install(window)`` returns the panel; the window files it under its package's name
    (``draw``, ``builder``, ``training``, ``explain``, ``dataset``, ``teach``). The window
    follows the state they publish through its :class:`WindowFollower`, made before the first.
    """
    for name in INSTALLERS if names is None else names:
        window.panels[name.split(".")[-2]] = importlib.import_module(name).install(window)


class WindowFollower(QObject):
    """What the window shows of the state the panels publish: the files they open or save
    (``state.file_used``) in File > Open recent, the builder's network (``state.network_name``)
    in the title bar, marked ``[*]`` while it has unsaved edits (``state.unsaved_network``).

    A child of the window, so that its connections end with the window even where the state
    lives on (tests).
    """

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        state = window.state
        state.file_used.connect(self.add_recent_file)
        state.network_name_changed.connect(self.show_network_name)
        state.unsaved_network_changed.connect(window.setWindowModified)
        self.show_network_name(state.network_name)
        window.setWindowModified(state.unsaved_network)

    def add_recent_file(self, path: str) -> None:
        """Put ``path`` first in File > Open recent."""
        self.window.add_recent_file(path)

    def show_network_name(self, name: str) -> None:
        """Title the window with the network's name ('': the app's name alone)."""
        self.window.setWindowTitle(f"CNN Studio \u2014 {name}[*]" if name else "CNN Studio")
