"""A bigger window gives its extra width to every panel, in proportion (issue 14, item 10).

Qt's main window gives all of a change of width to the central widget: maximising left the
builder and the right-hand docks as narrow as before. :class:`WidthSharer` keeps each
side's share of the window instead, so the pictures in the docks grow with the window too.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow


def _side(window: QMainWindow, area: Qt.DockWidgetArea) -> QDockWidget | None:
    """The dock in front in ``area`` (the widest shown one: it stands for its tab group)."""
    docks = [dock for dock in window.findChildren(QDockWidget)
             if window.dockWidgetArea(dock) == area and dock.isVisible()
             and not dock.isFloating() and not dock.visibleRegion().isEmpty()]
    return max(docks, key=lambda dock: dock.width(), default=None)


class WidthSharer:
    """Keeps each dock column's share of the window's width as the window is resized.

    Args:
        window: the main window, which calls :meth:`share` from its ``resizeEvent``.
    """

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.kept: tuple[int, list[QDockWidget], list[float]] | None = None

    def share(self, old_width: int, new_width: int) -> None:
        """Scale the left and right dock columns by ``new_width / old_width``.

        Does nothing for a hidden window or a first size. Growing, the docks still have their
        old widths (Qt gave the change to the centre); shrinking, Qt may have narrowed them
        already, so the shares kept from the last resize at ``old_width`` are used. Each
        column keeps at least its minimum width (Qt clamps it).
        """
        window = self.window
        if not window.isVisible() or old_width <= 0 or new_width <= 0 or old_width == new_width:
            return
        docks = [dock for area in (Qt.DockWidgetArea.LeftDockWidgetArea,
                                   Qt.DockWidgetArea.RightDockWidgetArea)
                 if (dock := _side(window, area)) is not None]
        kept = self.kept
        if new_width < old_width and kept and kept[0] == old_width and kept[1] == docks:
            shares = kept[2]
        else:
            shares = [dock.width() / old_width for dock in docks]
        widths = [max(1, round(share * new_width)) for share in shares]
        self.kept = (new_width, docks, shares)
        if docks:
            window.resizeDocks(docks, widths, Qt.Orientation.Horizontal)


def first_start_sizes(window: QMainWindow) -> None:
    """First start: a third of the width for each side, at least what its panels need
    without a horizontal scroll bar; the drawing area (pictures) gets the rest."""
    share = 0.32  # of the window's width, for the builder and for the right-hand docks

    def need(dock: QDockWidget) -> int:  # its panel's width plus a vertical scroll bar
        panel = getattr(dock, "panel", dock.widget())
        style = dock.style()
        bar = style.pixelMetric(style.PixelMetric.PM_ScrollBarExtent) + 4
        return max(panel.minimumSizeHint().width(), panel.minimumWidth()) + bar

    width = window.width()
    sides = [min(max(int(width * share), *(need(dock) for dock in docks)), int(width * 0.4))
             for docks in ((window.builder_dock,),
                           (window.training_dock, window.explain_dock, window.data_dock))]
    window.resizeDocks([window.builder_dock, window.training_dock], sides,
                     Qt.Orientation.Horizontal)
    window.show_tab(window.requested_tab)
