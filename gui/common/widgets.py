"""Small widget builders the panels share: a button with its tooltip, a one-line bar layout."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget


def push_button(text: str, tip: str = "", name: str = "") -> QPushButton:
    """A push button with its tooltip and object name (each only when given)."""
    widget = QPushButton(text)
    if tip:
        widget.setToolTip(tip)
    if name:
        widget.setObjectName(name)
    return widget


def bar_layout(owner: QWidget, stretched: QWidget, *rest: QWidget,
               margins: tuple[int, int, int, int] = (0, 0, 0, 0)) -> QHBoxLayout:
    """A horizontal layout on ``owner``: ``stretched`` takes the spare width, ``rest`` follow
    at their own size."""
    layout = QHBoxLayout(owner)
    layout.setContentsMargins(*margins)
    layout.addWidget(stretched, 1)
    for widget in rest:
        layout.addWidget(widget)
    return layout


class ElidedLabel(QLabel):
    """A one-line label that never clips: text too long for its width ends in "…" and the
    whole text is its tooltip. Set the text with :meth:`set_full_text`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full_text = ""

    def set_full_text(self, text: str) -> None:
        """Show ``text`` (plain, one line), elided to the label's width when it does not fit."""
        self.full_text = text
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight,
                                              max(self.contentsRect().width(), 0))
        self.setText(shown)
        self.setToolTip(self.full_text if shown != self.full_text else "")

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Elide again for the new width."""
        super().resizeEvent(event)
        self._elide()
