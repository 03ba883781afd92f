"""Opens the view each Learn step asks for, set up for the person's drawing.

The Learn panel (``gui.learn``) only says which view it wants (``open_view_requested`` with a
``model.lessons.step.ViewTarget``); this shell-side helper opens it through the window's docks
and the panels' public methods: the canvas (always in the centre: it takes the keyboard), the
layer builder, the network overview, or an explain tab set up by ``ExplainPanel.set_up``.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from cnn_studio.gui.common.shell import Dock
from cnn_studio.model.lessons.step import ViewTarget

DOCKS = {"builder": Dock.BUILDER, "overview": Dock.OVERVIEW, "explain": Dock.EXPLAIN}


class LearnViews(QObject):
    """Answers the Learn panel's view requests in ``window`` (a child of the window).

    Args:
        window: the main window, with its panels installed (``window.panels``).
    """

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.opened: ViewTarget | None = None
        learn = window.panels.get("learn")
        if learn is not None:
            learn.open_view_requested.connect(self.open)

    def open(self, target: ViewTarget) -> None:
        """Bring ``target``'s view on screen, set up by its settings."""
        self.opened = target
        panels = self.window.panels
        if target.view == "canvas":
            panels["draw"].canvas.setFocus()
            return
        self.window.show_dock(DOCKS[target.view])
        if target.view == "explain" and "explain" in panels:
            panels["explain"].set_up(target.tab, target.settings)
