"""Palette colours: copies of the theme's colours, accents made readable, answers remembered."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

from cnn_studio.gui.common import palette as colours


def test_a_role_colour_is_a_copy_the_caller_may_change(qapp):
    window = colours.role(colours.Role.Window)
    window.setRgb(1, 2, 3)
    assert colours.role(colours.Role.Window) != window
    assert colours.role(colours.Role.Window) == qapp.palette().color(
        QPalette.ColorGroup.Active, QPalette.ColorRole.Window)


def test_readable_reaches_the_contrast_on_light_and_dark_backgrounds():
    light_grey, dark_grey = QColor(160, 160, 160), QColor(70, 70, 70)
    on_white = colours.readable(light_grey, QColor(255, 255, 255))
    on_black = colours.readable(dark_grey, QColor(0, 0, 0))
    assert colours.contrast(on_white, QColor(255, 255, 255)) >= colours.MIN_CONTRAST
    assert colours.contrast(on_black, QColor(0, 0, 0)) >= colours.MIN_CONTRAST
    assert on_white.lightness() < light_grey.lightness(), "darkened on white"
    assert on_black.lightness() > dark_grey.lightness(), "lightened on black"
    assert colours.readable("#000000", QColor(255, 255, 255)) == QColor(0, 0, 0), \
        "a colour that reads already is kept"


def test_a_remembered_answer_is_a_fresh_colour_each_time():
    first = colours.readable(QColor(150, 150, 150), QColor(255, 255, 255))
    first.setRgb(255, 0, 0)
    again = colours.readable(QColor(150, 150, 150), QColor(255, 255, 255))
    assert again != first and colours.contrast(again, QColor(255, 255, 255)) >= 4.5


def test_muted_text_follows_a_changed_palette(qapp):
    light = colours.muted_text()
    saved = qapp.palette()
    dark = QPalette(saved)
    dark.setColor(QPalette.ColorRole.Window, QColor(30, 30, 30))
    dark.setColor(QPalette.ColorRole.WindowText, QColor(235, 235, 235))
    qapp.setPalette(dark)
    try:
        muted = colours.muted_text()
        assert muted != light
        assert colours.contrast(muted, QColor(30, 30, 30)) >= colours.MIN_CONTRAST
    finally:
        qapp.setPalette(saved)
    assert colours.muted_text() == light
