"""Installs each panel into the main window.

Every panel module exposes ``install(window)``: it creates its widget from ``window.state``, puts
it in its dock (or the central area), connects the menu actions it serves, registers undo
handlers, file openers and shutdown hooks. ``FIRST`` panels are installed before the window is
shown; ``LATER`` ones (hidden behind dock tabs, and heavier: matplotlib) right after its first
paint, so the window appears sooner.
"""

from __future__ import annotations

import importlib

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
    (``draw``, ``builder``, ``training``, ``explain``, ``dataset``, ``teach``). Before the first
    panel, the window starts listing the files the panels open or save (``state.file_used``) in
    File > Open recent.
    """
    if not window.panels:
        window.state.file_used.connect(window.add_recent_file)
    for name in INSTALLERS if names is None else names:
        window.panels[name.split(".")[-2]] = importlib.import_module(name).install(window)
