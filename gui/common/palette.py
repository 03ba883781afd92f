"""Colours from the palette, so the app reads well in light and dark themes.

Widgets ask here instead of hard-coding light-theme colours: text and backgrounds come from the
application palette (``QPalette`` roles), accents (error, warning, success, muted text) are
adjusted until they reach WCAG contrast 4.5 against the background they sit on.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtGui import QColor, QGuiApplication, QPalette

Role = QPalette.ColorRole
MIN_CONTRAST = 4.5  # WCAG AA for normal text


def palette() -> QPalette:
    """The application palette (a default one before the application exists)."""
    app = QGuiApplication.instance()
    return app.palette() if isinstance(app, QGuiApplication) else QPalette()


def role(name: Role) -> QColor:
    """The colour of a palette role (active group), a copy of its own."""
    return palette().color(QPalette.ColorGroup.Active, name)  # returned by value: a new QColor


def is_dark(pal: QPalette | None = None) -> bool:
    """Whether the theme is dark (its window colour is darker than its text)."""
    pal = pal or palette()
    return pal.color(Role.Window).lightness() < pal.color(Role.WindowText).lightness()


def luminance(colour: QColor) -> float:
    """WCAG relative luminance of ``colour``."""
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF())
            + 0.0722 * channel(colour.blueF()))


def contrast(first: QColor, second: QColor) -> float:
    """WCAG contrast ratio (1..21) between two colours."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable(colour: QColor | str, background: QColor | None = None,
             minimum: float = MIN_CONTRAST) -> QColor:
    """``colour``, made lighter or darker in steps until it reaches ``minimum`` contrast.

    The answer depends only on the two colours and ``minimum``, so it is worked out once per
    combination (painting asks for the same few colours on every frame).
    """
    rgba = (QColor(colour) if isinstance(colour, str) else colour).rgba()
    background = background if background is not None else role(Role.Window)
    return QColor.fromRgba(_readable_rgba(rgba, background.rgba(), minimum))


@lru_cache(maxsize=256)
def _readable_rgba(colour_rgba: int, background_rgba: int, minimum: float) -> int:
    """:func:`readable` on QRgb values, remembered."""
    colour, background = QColor.fromRgba(colour_rgba), QColor.fromRgba(background_rgba)
    towards_light = luminance(background) < 0.18
    for _ in range(40):
        if contrast(colour, background) >= minimum:
            break
        hue, sat = colour.hslHueF(), colour.hslSaturationF()
        light, alpha = colour.lightnessF(), colour.alphaF()
        light = min(1.0, light + 0.04) if towards_light else max(0.0, light - 0.04)
        colour = QColor.fromHslF(max(hue, 0.0), sat, light, alpha)
    return colour.rgba()


def mix(first: QColor, second: QColor, share: float) -> QColor:
    """``share`` of ``second`` blended into ``first`` (0: first, 1: second)."""
    share = min(max(share, 0.0), 1.0)
    start = (first.redF(), first.greenF(), first.blueF())
    end = (second.redF(), second.greenF(), second.blueF())
    return QColor.fromRgbF(*(a + (b - a) * share for a, b in zip(start, end, strict=True)))


def muted_text(background: QColor | None = None) -> QColor:
    """Secondary text (notes, statistics): text colour faded towards the window, still readable."""
    background = background if background is not None else role(Role.Window)
    return readable(mix(role(Role.WindowText), background, 0.35), background)


def error_text(background: QColor | None = None) -> QColor:
    """Error messages: a red that reads on ``background``."""
    return readable("#ff8a7a" if is_dark() else "#a03020", background)


def warning_text(background: QColor | None = None) -> QColor:
    """Warnings and unsure answers: an orange that reads on ``background``."""
    return readable("#ffb74d" if is_dark() else "#a05000", background)


def success_text(background: QColor | None = None) -> QColor:
    """Good news (a confident answer): a green that reads on ``background``."""
    return readable("#81c784" if is_dark() else "#1c6a30", background)


def css(colour: QColor) -> str:
    """``colour`` for a style sheet."""
    return colour.name(QColor.NameFormat.HexRgb)


def note_style(selector: str = "", extra: str = "") -> str:
    """Style sheet of a help box: the palette's alternate base behind the palette's text."""
    rule = (f"background: {css(role(Role.AlternateBase))}; color: {css(role(Role.Text))}; "
            f"{extra}")
    return f"{selector} {{ {rule} }}" if selector else rule


def text_on(background: QColor) -> QColor:
    """Black or white, whichever reads better on ``background`` (painted cells, bars)."""
    black, white = QColor(20, 20, 20), QColor(255, 255, 255)
    return black if contrast(black, background) >= contrast(white, background) else white


def tint(colour: QColor | str, share: float, base: Role = Role.Window) -> QColor:
    """A background tinted with ``colour`` (``share`` of it) over a palette role: a pale tint in
    a light theme, a deep one in a dark theme."""
    return mix(role(base), QColor(colour), share)
