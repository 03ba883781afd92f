"""Number fields that never put a different number in silently.

A typed number outside the field's range is kept while typing; when the edit ends (Enter, focus
out) it is clamped to the nearest allowed value and the field's :attr:`note` says so ("12 is
above the largest pool size 8: set to 8."). A refused keystroke (a letter, a minus sign where
no negative number is allowed) shows the range in the note instead. Every bounded spin box of
the app is one of these; :func:`with_note` lays the note out under its field.
"""

from __future__ import annotations

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QSpinBox, QVBoxLayout, QWidget

from cnn_studio.gui.common import palette as colours


class _Clamping:
    """What both spin boxes share (mixed in before the Qt class)."""

    what = "value"

    def _setup_note(self, what: str) -> None:
        self.what = what
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {colours.css(colours.error_text())};")
        self.note.hide()
        self.lineEdit().textEdited.connect(lambda _text: self.say(""))

    def say(self, text: str) -> None:
        """Show ``text`` in the note beside the field ('' hides it)."""
        self.note.setText(text)
        self.note.setVisible(bool(text))
        self.note.setObjectName(f"{self.objectName()}_note")

    def shown(self, value: float) -> str:
        """``value`` as this field writes it."""
        return self.textFromValue(value)

    def allowed(self) -> str:
        """``Allowed: 1 to 8.`` (with the special text of the minimum, when it has one)."""
        special = f" ({self.specialValueText()})" if self.specialValueText() else ""
        return f"Allowed: {self.shown(self.minimum())}{special} to {self.shown(self.maximum())}."

    def number_in(self, text: str) -> float | None:
        """The number ``text`` holds (prefix, suffix and group separators left out), or None."""
        text = text.strip()
        if self.prefix() and text.startswith(self.prefix()):
            text = text[len(self.prefix()):]
        if self.suffix() and text.endswith(self.suffix()):
            text = text[:-len(self.suffix())]
        number, ok = self.locale().toDouble(text.strip())
        return number if ok else None

    def validate(self, text: str, pos: int):
        state, text, pos = super().validate(text, pos)
        if state == QValidator.State.Invalid:
            number = self.number_in(text)
            if number is not None and not self.minimum() <= number <= self.maximum():
                return QValidator.State.Intermediate, text, pos  # clamped when the edit ends
            self.say(self.allowed())
        return state, text, pos

    def fixup(self, text: str) -> str:
        number = self.number_in(text)
        if text.strip() == self.specialValueText() and self.specialValueText():
            return text
        typed = " ".join(text.split())
        if number is None:
            kept = self.shown(self.value())
            self.say(f"{typed!r} is not a number: kept {kept}. {self.allowed()}" if typed
                     else f"Empty: kept {kept}. {self.allowed()}")
            return kept
        if number > self.maximum():
            top = self.shown(self.maximum())
            self.say(f"{typed} is above the largest {self.what} {top}: set to {top}.")
            return top
        if number < self.minimum():
            low = self.shown(self.minimum())
            self.say(f"{typed} is below the smallest {self.what} {low}: set to {low}.")
            return low
        return super().fixup(text)


class BoundedSpinBox(_Clamping, QSpinBox):
    """A whole-number field that clamps out-of-range numbers and says so.

    Args:
        what: the field's name in the note ("pool size").
    """

    def __init__(self, what: str = "value", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._setup_note(what)


class BoundedDoubleSpinBox(_Clamping, QDoubleSpinBox):
    """A decimal field that clamps out-of-range numbers and says so.

    Args:
        what: the field's name in the note ("dropout rate").
    """

    def __init__(self, what: str = "value", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._setup_note(what)

    def allowed(self) -> str:
        """The range and how many decimals the field takes."""
        return f"{super().allowed()[:-1]}, {self.decimals()} decimals."


def with_note(field: BoundedSpinBox | BoundedDoubleSpinBox) -> QWidget:
    """``field`` with its note under it, as one widget to lay out."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(1)
    layout.addWidget(field)
    layout.addWidget(field.note)
    return box
