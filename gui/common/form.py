"""Declared forms: a panel lists its controls once; these functions build, bind and read them.

A panel says *what* it offers (``form = (Control("layer_combo", "Layer", "combo", ...), ...)``);
:func:`create` makes each widget (named, filled, ranged), sets it on the panel and connects its
change to the panel method the declaration names. Controls with a ``key`` carry a setting:
:func:`read` gives their values as a plain dict (a config) and :func:`write` puts a dict's values
back into the widgets. The explain tabs and the training settings are both declared this way.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QSlider,
    QWidget,
)

from cnn_studio.gui.common.bounded import BoundedDoubleSpinBox, BoundedSpinBox, with_note
from cnn_studio.model.ink.strokes import LETTERS

_LADDER = (1.0, 2.0, 5.0)


@dataclass(frozen=True)
class Control:
    """One control of a form.

    Attributes:
        attr: the panel attribute that holds the widget (``layer_combo``).
        label: the text before it ('' for none); a check box's own text.
        kind: ``combo`` (items: texts or ``(text, data)`` pairs), ``letter`` (the 26 letters,
            data = class index), ``spin`` / ``slider`` (whole numbers), ``dspin`` (decimals),
            ``log`` (values spanning decades), ``check`` or ``text``.
        name: the widget's object name (tests and style sheets find it by this).
        items: the combo's entries.
        bounds: the number's range (low, high).
        value: the starting value (a combo: the data of the entry chosen first).
        tip: a tooltip saying what the control changes.
        on_change: the panel method called (without arguments) when the value changes; '' none.
        key: the setting the control carries in :func:`read` / :func:`write`; '' none.
        step: the step of a number's arrows (None: Qt's).
        decimals: how many decimals a ``dspin`` shows.
        placeholder: the grey text of an empty ``text`` field.
    """

    attr: str
    label: str
    kind: str = "combo"
    name: str = ""
    items: tuple = ()
    bounds: tuple | None = None
    value: object = None
    tip: str = ""
    on_change: str = "recompute"
    key: str = ""
    step: float | None = None
    decimals: int = 2
    placeholder: str = ""


class LogSpinBox(BoundedDoubleSpinBox):
    """A spin box for values spanning decades: shows ``0.001``/``1e-05`` and steps 1-2-5."""

    def __init__(self, what: str = "value", parent=None) -> None:
        super().__init__(what, parent)
        self.setDecimals(10)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt override
        return f"{value:.4g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt override
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        try:
            value = float(text)
        except ValueError:
            allowed = set("0123456789.eE-+")
            ok = text == "" or all(ch in allowed for ch in text)
            return (QValidator.State.Intermediate if ok else QValidator.State.Invalid), text, pos
        if math.isfinite(value) and self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt override
        value = self.value()
        exponent = math.floor(math.log10(value))
        mantissa = value / 10**exponent
        index = min(range(3), key=lambda i: abs(_LADDER[i] - mantissa))
        position = exponent * 3 + index + steps
        new = _LADDER[position % 3] * 10 ** (position // 3)
        self.setValue(min(max(new, self.minimum()), self.maximum()))


def _combo(control: Control):
    widget = QComboBox()
    entries = ([(letter, index) for index, letter in enumerate(LETTERS)]
               if control.kind == "letter" else control.items)
    for item in entries:
        if isinstance(item, tuple):
            widget.addItem(str(item[0]), item[1])
        else:
            widget.addItem(str(item))
    if control.value is not None:
        _set_combo(widget, control.value)
    return widget, widget.currentIndexChanged


def _number(control: Control):
    makers: dict[str, Callable[[str], Any]] = {  # spin boxes and a slider: no common Qt base
        "spin": BoundedSpinBox, "dspin": BoundedDoubleSpinBox, "log": LogSpinBox,
        "slider": lambda _what: QSlider(Qt.Orientation.Horizontal)}
    widget = makers[control.kind](control.label.lower() or "value")
    if control.kind == "dspin":
        widget.setDecimals(control.decimals)
    if control.bounds is not None:
        widget.setRange(*control.bounds)
    if control.step is not None:
        widget.setSingleStep(control.step)
    if control.value is not None:
        widget.setValue(control.value)
    return widget, widget.valueChanged


def _check(control: Control):
    widget = QCheckBox(control.label)
    widget.setChecked(bool(control.value))
    return widget, widget.toggled


def _text(control: Control):
    widget = QLineEdit(str(control.value or ""))
    widget.setPlaceholderText(control.placeholder)
    return widget, widget.textChanged


_MAKERS = {"combo": _combo, "letter": _combo, "spin": _number, "slider": _number,
           "dspin": _number, "log": _number, "check": _check, "text": _text}


def _set_combo(widget: QComboBox, value) -> None:
    index = widget.findData(value)
    if index >= 0:  # a value the combo does not offer (yet) leaves it as it is
        widget.setCurrentIndex(index)


def _set_number(widget, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return  # not a number: the control keeps its value
    widget.setValue(value if isinstance(widget, QDoubleSpinBox) else round(value))


def _set_text(widget: QLineEdit, value) -> None:
    text = "" if value is None else str(value)
    if widget.text().strip() != text:
        widget.setText(text)


_READERS = {
    "combo": lambda widget: widget.currentData(),
    "letter": lambda widget: widget.currentData(),
    "spin": lambda widget: int(widget.value()),
    "slider": lambda widget: int(widget.value()),
    "dspin": lambda widget: round(float(widget.value()), widget.decimals()),
    "log": lambda widget: float(widget.value()),
    "check": lambda widget: widget.isChecked(),
    "text": lambda widget: widget.text().strip() or None,
}
_WRITERS = {
    "combo": _set_combo,
    "letter": _set_combo,
    "check": lambda widget, value: widget.setChecked(bool(value)),
    "text": _set_text,
}


def make_widget(control: Control) -> QWidget:
    """The widget a declaration describes, named and filled, not yet connected.

    Its change signal is kept as ``widget.changed_signal``.
    """
    if control.kind not in _MAKERS:
        raise ValueError(f"unknown control kind {control.kind!r}")
    widget, signal = _MAKERS[control.kind](control)
    if control.name:
        widget.setObjectName(control.name)
    if control.tip:
        widget.setToolTip(control.tip)
    widget.changed_signal = signal
    return widget


def create(owner, controls: tuple[Control, ...]) -> list[tuple[str, QWidget]]:
    """Make ``controls`` as attributes of ``owner`` and bind their changes to its methods.

    Returns:
        ``(label, widget)`` per control, in declared order, for the owner to lay out; a number
        field comes with its note under it (:func:`gui.common.bounded.with_note`).
    """
    pairs = []
    for control in controls:
        widget = make_widget(control)
        setattr(owner, control.attr, widget)
        if isinstance(widget, BoundedSpinBox | BoundedDoubleSpinBox):
            pairs.append((control.label, with_note(widget)))
        else:
            pairs.append((control.label, widget))
    for control in controls:
        if control.on_change:
            method = getattr(owner, control.on_change)
            getattr(owner, control.attr).changed_signal.connect(lambda *_args, m=method: m())
    return pairs


def build_form(tab, controls: tuple[Control, ...], trailing: tuple[QWidget, ...] = ()) -> None:
    """Create ``controls`` on an explain ``tab`` and add them as its one control row."""
    tab.add_controls(*create(tab, controls), trailing=trailing)


def read(owner, controls: tuple[Control, ...]) -> dict:
    """``{key: value}`` of the controls of ``owner`` that carry a setting."""
    return {control.key: _READERS[control.kind](getattr(owner, control.attr))
            for control in controls if control.key}


def write(owner, controls: tuple[Control, ...], values: dict) -> None:
    """Show ``values`` (``{key: value}``, any subset) in the controls of ``owner``.

    Numbers are clamped to their control's range; a control keeps its value for one it cannot
    show (a combo entry it does not offer, a number that is none).
    """
    for control in controls:
        if control.key and control.key in values:
            widget = getattr(owner, control.attr)
            _WRITERS.get(control.kind, _set_number)(widget, values[control.key])
