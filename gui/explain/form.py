"""Declared forms: an explain tab lists its controls, and one function builds and binds them.

A tab says *what* it offers (``form = (Control("layer_combo", "Layer", "combo", ...), ...)``);
:func:`build_form` makes each widget, names it, fills it, puts it in the tab's control row and
connects its change to the tab method the declaration names, so no tab repeats that code.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QSlider, QSpinBox, QWidget

from cnn_studio.model.ink.strokes import LETTERS


@dataclass(frozen=True)
class Control:
    """One control of a tab's form.

    Attributes:
        attr: the tab attribute that holds the widget (``layer_combo``).
        label: the text before it ('' for none).
        kind: ``combo`` (items: texts or ``(text, data)`` pairs), ``letter`` (the 26 letters,
            data = class index), ``spin`` or ``slider`` (``bounds`` = (low, high)).
        name: the widget's object name (tests and style sheets find it by this).
        items: the combo's entries.
        bounds: the spin box's or slider's range.
        value: the spin box's or slider's starting value (None: the low bound).
        tip: a tooltip saying what the control changes.
        on_change: the tab method called (without arguments) when the value changes; '' none.
    """

    attr: str
    label: str
    kind: str = "combo"
    name: str = ""
    items: tuple = ()
    bounds: tuple[int, int] | None = None
    value: int | None = None
    tip: str = ""
    on_change: str = "recompute"


def make_widget(control: Control) -> QWidget:
    """The widget a declaration describes, named and filled, not yet connected."""
    if control.kind in ("combo", "letter"):
        widget = QComboBox()
        items = enumerate(LETTERS) if control.kind == "letter" else control.items
        for item in items:
            if control.kind == "letter":
                widget.addItem(item[1], item[0])
            elif isinstance(item, tuple):
                widget.addItem(str(item[0]), item[1])
            else:
                widget.addItem(str(item))
        signal = widget.currentIndexChanged
    elif control.kind in ("spin", "slider"):
        widget = QSpinBox() if control.kind == "spin" else QSlider(Qt.Orientation.Horizontal)
        if control.bounds is not None:
            widget.setRange(*control.bounds)
        if control.value is not None:
            widget.setValue(control.value)
        signal = widget.valueChanged
    else:
        raise ValueError(f"unknown control kind {control.kind!r}")
    if control.name:
        widget.setObjectName(control.name)
    if control.tip:
        widget.setToolTip(control.tip)
    widget.changed_signal = signal
    return widget


def build_form(tab, controls: tuple[Control, ...], trailing: tuple[QWidget, ...] = ()) -> None:
    """Create ``controls`` on ``tab``, add them as one control row, bind their changes."""
    pairs = []
    for control in controls:
        widget = make_widget(control)
        setattr(tab, control.attr, widget)
        pairs.append((control.label, widget))
    tab.add_controls(*pairs, trailing=trailing)
    for control in controls:
        if control.on_change:
            method = getattr(tab, control.on_change)
            getattr(tab, control.attr).changed_signal.connect(lambda *_args, m=method: m())
