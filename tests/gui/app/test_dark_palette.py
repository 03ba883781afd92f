"""The app reads well in a dark theme: label text against the background it is drawn on (issue 18).

The main window is built under a dark application palette and rendered; for every visible label
the text colour (palette and style sheet) is compared with the background sampled from the
picture. WCAG asks for a contrast of at least 4.5 for normal text.
"""

from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel

from cnn_studio.gui.common.palette import MIN_CONTRAST, contrast

Role = QPalette.ColorRole
DARK = {Role.Window: "#2b2b2b", Role.WindowText: "#e6e6e6", Role.Base: "#1e1e1e",
        Role.AlternateBase: "#353535", Role.Text: "#e6e6e6", Role.Button: "#3a3a3a",
        Role.ButtonText: "#e6e6e6", Role.Highlight: "#3d7bd9", Role.HighlightedText: "#ffffff",
        Role.ToolTipBase: "#404040", Role.ToolTipText: "#f0f0f0", Role.PlaceholderText: "#9a9a9a",
        Role.Light: "#505050", Role.Midlight: "#404040", Role.Mid: "#303030",
        Role.Dark: "#202020", Role.Shadow: "#101010", Role.BrightText: "#ff6060",
        Role.Link: "#7ab0ff", Role.LinkVisited: "#c0a0ff"}


def dark_palette() -> QPalette:
    palette = QPalette()
    for colour_role, colour in DARK.items():
        palette.setColor(colour_role, QColor(colour))
    return palette


@pytest.fixture
def themed(qapp, request):
    """The application palette for the test (dark or the default light), restored afterwards."""
    before = QPalette(qapp.palette())
    if request.param == "dark":
        qapp.setPalette(dark_palette())
    yield request.param
    qapp.setPalette(before)


def background_of(image, rect: QRect) -> QColor:
    """The most common colour in ``rect`` of ``image``."""
    counts = Counter(image.pixel(x, y) for x in range(rect.left(), rect.right() + 1, 2)
                     for y in range(rect.top(), rect.bottom() + 1, 2))
    return QColor.fromRgb(counts.most_common(1)[0][0])


def poor_labels(window) -> list[str]:
    """Visible, enabled labels whose text falls below WCAG contrast on their background."""
    image = window.grab().toImage()
    poor = []
    for label in window.findChildren(QLabel):
        if not (label.isVisible() and label.isEnabled() and label.text().strip()):
            continue
        if label.window() is not window:  # a floating dock: not in the window's picture
            continue
        rect = QRect(label.mapTo(window, QPoint(0, 0)), label.size()).intersected(image.rect())
        if rect.width() < 4 or rect.height() < 4:
            continue
        label.ensurePolished()
        text = label.palette().color(QPalette.ColorGroup.Active, label.foregroundRole())
        background = background_of(image, rect)
        ratio = contrast(text, background)
        if ratio < MIN_CONTRAST:
            poor.append(f"{label.objectName() or label.text()[:30]!r}: {text.name()} on "
                        f"{background.name()} = {ratio:.1f}")
    return poor


@pytest.mark.parametrize("themed", ["dark", "light"], indirect=True)
def test_every_panel_is_readable(themed, qtbot, tmp_path, monkeypatch):
    from cnn_studio.gui.app.main_window import MainWindow

    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path))  # no dock layout of another test

    window = MainWindow(load_tensorflow=False)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    poor = []
    for tab in ("train", "explain", "data"):
        window.show_tab(tab)
        QApplication.processEvents()
        poor += [f"{tab}: {line}" for line in poor_labels(window)]
    assert not sorted(set(poor)), "\n".join(sorted(set(poor)))
