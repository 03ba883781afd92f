"""Installs each panel into the main window.

Every panel module exposes ``install(window)``: it creates its widget, puts it in its dock (or
the central area), connects the menu actions it serves, registers undo handlers, file openers
and shutdown hooks. The order below is the order of installation.
"""

from __future__ import annotations

INSTALLERS: list[str] = [
    "gui.draw_panel",          # canvas + prediction + activations (central)
    "gui.layer_builder",       # builder dock
    "gui.training_dashboard",
    "gui.explain_view",
    "gui.dataset_browser",     # dataset dock
]


def install_all(window) -> None:
    """Import each panel module and call its ``install(window)``."""
    import importlib

    for name in INSTALLERS:
        importlib.import_module(name).install(window)
