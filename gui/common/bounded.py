"""Number fields that never put a different number in silently.

A typed number outside the field's range is kept while typing; when the edit ends (Enter, focus
out) it is clamped to the nearest allowed value and the field's :attr:`note` says so ("12 is
above the largest pool size 8: set to 8."). A refused keystroke (a letter, a minus sign where
no negative number is allowed) shows the range in the note instead. Every bounded spin box of
the app is one of these; :func:`with_note` lays the note out under its field.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QSpinBox, QVBoxLayout, QWidget

from cnn_studio.gui.common import palette as colours

# The mixin calls the spin box's own methods (QSpinBox's or QDoubleSpinBox's, whose signatures
# differ): its base is left untyped for the type checker.
_SpinBox: Any = object


class _Clamping(_SpinBox):
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
        """``value`` as this field writes it, with its unit."""
        return f"{self.textFromValue(value)}{self.suffix()}"

    def written(self, value: float) -> str:
        """The field's whole text for ``value`` (prefix and suffix included)."""
        return f"{self.prefix()}{self.textFromValue(value)}{self.suffix()}"

    def bare(self, text: str) -> str:
        """``text`` without the field's prefix and suffix."""
        text = text.strip()
        if self.prefix() and text.startswith(self.prefix()):
            text = text[len(self.prefix()):]
        if self.suffix().strip() and text.endswith(self.suffix().strip()):
            text = text[:-len(self.suffix().strip())]
        return " ".join(text.split())

    def allowed(self) -> str:
        """``Allowed: 1 to 8.`` (with the special text of the minimum, when it has one)."""
        special = f" ({self.specialValueText()})" if self.specialValueText() else ""
        low = f"{self.shown(self.minimum())}{special}"
        return f"Allowed: {low} to {self.shown(self.maximum())}."

    def number_in(self, text: str) -> float | None:
        """The number ``text`` holds (prefix, suffix and group separators left out), or None."""
        number, ok = self.locale().toDouble(self.bare(text))
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
        typed = self.bare(text)
        if number is None:
            kept = self.shown(self.value())
            self.say(f"{typed!r} is not a number: kept {kept}. {self.allowed()}" if typed
                     else f"Empty: kept {kept}. {self.allowed()}")
            return self.written(self.value())
        for beyond, bound, word in ((number > self.maximum(), self.maximum(), "above the largest"),
                                    (number < self.minimum(), self.minimum(), "below the smallest")):
            if beyond:
                self.say(f"{typed} is {word} {self.what} {self.shown(bound)}: "
                         f"set to {self.shown(bound)}.")
                return self.written(bound)
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
