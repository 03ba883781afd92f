"""Installs each panel into the main window.

Every panel module exposes ``install(window)``: it creates its widget, puts it in its dock (or
the central area), connects the menu actions it serves, registers undo handlers, file openers
and shutdown hooks. ``FIRST`` panels are installed before the window is shown; ``LATER`` ones
(hidden behind dock tabs, and heavier: matplotlib) right after its first paint, so the window
appears sooner.
"""

from __future__ import annotations

import importlib

FIRST: list[str] = [
    "gui.draw_panel",          # canvas + prediction + activations (central)
    "gui.layer_builder",       # builder dock
]
LATER: list[str] = [
    "gui.training_dashboard",  # training dock
    "gui.explain_view",        # explain dock
    "gui.dataset_browser",     # dataset dock
]
INSTALLERS: list[str] = FIRST + LATER


def install_all(window, names: list[str] | None = None) -> None:
    """Import each panel module in ``names`` (default: all) and call its ``install(window)``."""
    for name in INSTALLERS if names is None else names:
        importlib.import_module(name).install(window)
