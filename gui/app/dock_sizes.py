"""A bigger window gives its extra width to every panel, in proportion (issue 14, item 10).

Qt's main window gives all of a change of width to the central widget: maximising left the
builder and the right-hand docks as narrow as before. :func:`share_width_change` keeps each
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


def share_width_change(window: QMainWindow, old_width: int, new_width: int) -> None:
    """Scale the left and right dock columns by ``new_width / old_width``.

    Called from the window's ``resizeEvent``; does nothing for a hidden window or a first
    size. Growing, the docks still have their old widths (Qt gave the change to the centre);
    shrinking, Qt may have narrowed them already, so the shares kept from the last resize at
    ``old_width`` are used. Each column keeps at least its minimum width (Qt clamps it).
    """
    if not window.isVisible() or old_width <= 0 or new_width <= 0 or old_width == new_width:
        return
    docks = [dock for area in (Qt.DockWidgetArea.LeftDockWidgetArea,
                               Qt.DockWidgetArea.RightDockWidgetArea)
             if (dock := _side(window, area)) is not None]
    kept = getattr(window, "_dock_shares", None)
    if new_width < old_width and kept and kept[0] == old_width and kept[1] == docks:
        shares = kept[2]
    else:
        shares = [dock.width() / old_width for dock in docks]
    widths = [max(1, round(share * new_width)) for share in shares]
    window._dock_shares = (new_width, docks, shares)
    if docks:
        window.resizeDocks(docks, widths, Qt.Orientation.Horizontal)
