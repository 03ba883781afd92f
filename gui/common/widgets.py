"""Small widget builders the panels share: a button with its tooltip, a one-line bar layout."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget


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
