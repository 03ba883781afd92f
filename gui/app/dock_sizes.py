"""First-start sizes, and a bigger window giving its extra width to every panel in
proportion (issue 14, item 10; issue 24, item 6).

Qt's main window gives all of a change of width to the central widget: maximising left the
builder and the right-hand docks as narrow as before. :class:`WidthSharer` keeps each
side's share of the window instead, so the pictures in the docks grow with the window too.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow

DEFAULT_SIZE = QSize(1400, 900)  # the first window on a screen with room for it
SCREEN_SHARE = 0.9  # at most this share of the screen's available width and height
SMALL_WIDTH = 1600  # narrower windows fold the builder into the right-hand tabs
BUILDER_SHARE = 0.26  # of a wide window's width
RIGHT_SHARE = 0.42  # the right-hand docks (the overview in front) beside the builder
RIGHT_SHARE_FOLDED = 0.56  # the right-hand docks, the builder among them
MAX_SHARE = 0.4  # the builder never takes more
LEARN_SHARE = 0.25  # the Learn path alone at the left (the builder folded): a reading column
RIGHT_SHARE_BESIDE_LEARN = 0.46  # then the right-hand docks, the rest for the canvas


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


def first_start_frame(available: QRect) -> QRect:
    """Where the window opens on a first start: :data:`DEFAULT_SIZE`, or :data:`SCREEN_SHARE`
    of the screen's available area where that is smaller, centred in that area.

    Args:
        available: the available geometry of the screen the window opens on (without panels
            and task bars).
    """
    room = QSize(int(available.width() * SCREEN_SHARE), int(available.height() * SCREEN_SHARE))
    frame = QRect(QPoint(0, 0), DEFAULT_SIZE.boundedTo(room))
    frame.moveCenter(available.center())
    return frame


def need(dock: QDockWidget) -> int:
    """The width ``dock`` needs: its panel's smallest width plus a vertical scroll bar."""
    panel = getattr(dock, "panel", dock.widget())
    style = dock.style()
    bar = style.pixelMetric(style.PixelMetric.PM_ScrollBarExtent) + 4
    return max(panel.minimumSizeHint().width(), panel.minimumWidth()) + bar


def first_start_sizes(window: QMainWindow) -> None:
    """First start: the Network dock (the overview) in front on the right with the canvas
    beside it, sharing the width; the builder at the left on a wide window, and folded into
    the right-hand tabs on a narrower one (below :data:`SMALL_WIDTH`), so that the canvas and
    the overview get the room. Each side keeps at least what its panels need without a
    horizontal scroll bar, at most :data:`MAX_SHARE` of the width for the builder."""

    width = window.width()
    right = right_docks(window)
    if width < SMALL_WIDTH:
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, window.builder_dock)
        window.tabifyDockWidget(window.runs_dock, window.builder_dock)
        right.append(window.builder_dock)
        docks = [window.overview_dock]
        sides = [max(int(width * RIGHT_SHARE_FOLDED), *map(need, right))]
    else:
        docks = [window.builder_dock, window.overview_dock]
        sides = [min(max(int(width * BUILDER_SHARE), need(window.builder_dock)),
                     int(width * MAX_SHARE)),
                 max(int(width * RIGHT_SHARE), *map(need, right))]
    window.show_tab(window.requested_tab)

    def resize() -> None:  # once the dock layout has taken the folded builder in
        window.resizeDocks(docks, sides, Qt.Orientation.Horizontal)
        if not window.learn_dock.isHidden():  # opened before: its column comes out of these
            size_learn_alone(window)

    QTimer.singleShot(0, window, resize)


def right_docks(window: QMainWindow) -> list[QDockWidget]:
    """The docks tabbed at the right on a first start (the builder not among them)."""
    return [window.training_dock, window.explain_dock, window.data_dock, window.overview_dock,
            window.runs_dock]


def size_learn_alone(window: QMainWindow) -> bool:
    """Size the Learn dock when it opens alone at the left (the builder folded into the
    right-hand tabs on a narrow window): :data:`LEARN_SHARE` of the window, the right-hand
    docks :data:`RIGHT_SHARE_BESIDE_LEARN`, each at least what its panels need; the canvas
    between them gets the rest. False (and nothing done) when the builder shares the Learn
    dock's column."""
    builder = window.builder_dock
    if window.dockWidgetArea(builder) == Qt.DockWidgetArea.LeftDockWidgetArea \
            and not builder.isHidden():
        return False
    width = window.width()
    window.resizeDocks(
        [window.learn_dock, window.overview_dock],
        [max(int(width * LEARN_SHARE), need(window.learn_dock)),
         max(int(width * RIGHT_SHARE_BESIDE_LEARN), *map(need, right_docks(window)))],
        Qt.Orientation.Horizontal)
    return True
