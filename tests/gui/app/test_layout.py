"""First start at common screen sizes: nothing cut off, no dock scrolls sideways (issue 14, 10)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QScrollArea, QStyle

from cnn_studio.gui.app.dock_sizes import SMALL_WIDTH
from cnn_studio.gui.app.main_window import MainWindow

SIZES = [(1280, 800), (1366, 768), (1920, 1080)]
TAB_ARROWS = ("ScrollLeftButton", "ScrollRightButton")  # a tab bar's own scroll arrows


def shown(widget) -> bool:
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def cut_off(window) -> list[str]:
    """Visible buttons whose text does not fit, labels narrower than their minimum size."""
    found = []
    for button in window.findChildren(QAbstractButton):
        if not shown(button) or button.objectName() in TAB_ARROWS or not button.text():
            continue
        text = button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
        need = button.fontMetrics().horizontalAdvance(text) + 6
        if button.width() < need:
            found.append(f"button {text!r}: {button.width()} < {need}")
    for label in window.findChildren(QLabel):
        if shown(label) and not label.wordWrap() and label.text():
            if label.width() < label.minimumSizeHint().width():
                found.append(f"label {label.text()[:40]!r}: {label.width()} < "
                             f"{label.minimumSizeHint().width()}")
    return found


def side_scrolling(window) -> list[str]:
    return [area.objectName() for area in window.findChildren(QScrollArea)
            if shown(area) and area.horizontalScrollBar().isVisible()]


def explain_too_wide(window) -> list[str]:
    """Explain tabs whose content would need more width than the tab has."""
    bar = window.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
    too_wide = []
    for tab in window.panels["explain"].all_tabs():
        need = tab.stack.widget(1).widget().minimumSizeHint().width()
        if need > tab.width() - bar:
            too_wide.append(f"{type(tab).__name__}: {need} > {tab.width() - bar}")
    return too_wide


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_first_start_fits_the_screen(qtbot, monkeypatch, tmp_path, width, height):
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path))  # first start: no saved layout
    window = MainWindow(load_tensorflow=False)
    qtbot.addWidget(window)
    window.resize(width, height)
    window.show()
    window.grab()  # paints, which lays out the docks for a first start
    qtbot.waitUntil(lambda: window._painted)
    qtbot.wait(150)
    for tab in ("train", "explain", "data", "network"):
        window.show_tab(tab)
        qtbot.wait(20)
        assert cut_off(window) == [], (tab, width)
        assert side_scrolling(window) == [], (tab, width)
    assert explain_too_wide(window) == []
    if width < SMALL_WIDTH:  # folded into the right-hand tabs: the canvas and overview get room
        assert window.tabifiedDockWidgets(window.builder_dock)
        assert window.dockWidgetArea(window.builder_dock) == Qt.DockWidgetArea.RightDockWidgetArea
    else:
        assert window.builder_dock.width() >= int(width * 0.25)  # room grows with the window
    window.show_tab("network")
    qtbot.wait(20)
    assert window.overview_dock.width() >= int(width * 0.4), "the overview gets the room"
    widths = (window.builder_dock.width(), window.centralWidget().width(),
              window.training_dock.width())
    assert window.centralWidget().width() >= width // 4, widths  # the drawing keeps its room
    window.grab().save(str(tmp_path / f"layout_{width}x{height}.png"))
    window.close()
