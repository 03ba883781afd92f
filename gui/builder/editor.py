"""Property editor for the selected layer, generated from the layer type's ``ParamDef`` list.

Whole numbers get a ``QSpinBox``, decimals a ``QDoubleSpinBox``, choices a ``QComboBox`` and
yes/no settings a ``QCheckBox``; each number is limited to the setting's range (a typed number
outside it is clamped and the note under the field says so, :mod:`gui.common.bounded`) and
every widget explains the setting in its tooltip. The editor
only reports changes through ``param_changed``; the builder applies them with undo.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from cnn_studio.gui.common import palette as colours
from cnn_studio.gui.common.bounded import BoundedDoubleSpinBox, BoundedSpinBox, with_note
from cnn_studio.model.spec.network import LAYER_TYPES, LayerSpec, ParamDef, resolve_params

COLUMNS = 2  # label/field pairs per row


def range_text(p: ParamDef) -> str:
    """``Allowed: 1 to 256.`` for numbers, the choices for choices, nothing for booleans."""
    if p.type == "choice":
        return "Choices: " + ", ".join(p.choices) + "."
    if p.type in ("int", "float"):
        low = f"{p.minimum:g}" + (f" ({p.special_text})" if p.special_text else "")
        return f"Allowed: {low} to {p.maximum:g}."
    return ""


def make_widget(p: ParamDef) -> QWidget:
    """The input widget for one setting, bounded to its range, with a tooltip."""
    if p.type == "int":
        widget = BoundedSpinBox(p.label.lower())
        widget.setRange(int(p.minimum), int(p.maximum))
        if p.special_text:
            widget.setSpecialValueText(p.special_text)
    elif p.type == "float":
        widget = BoundedDoubleSpinBox(p.label.lower())
        widget.setDecimals(p.decimals)
        widget.setRange(float(p.minimum), float(p.maximum))
        span = float(p.maximum) - float(p.minimum)
        widget.setSingleStep(max(10.0 ** -p.decimals, 10.0 ** math.floor(math.log10(span / 10))))
    elif p.type == "choice":
        widget = QComboBox()
        widget.addItems(list(p.choices))
    else:
        widget = QCheckBox()
    if isinstance(widget, BoundedSpinBox | BoundedDoubleSpinBox):
        widget.setKeyboardTracking(True)
        widget.setAccelerated(True)
    widget.setObjectName(f"param_{p.name}")
    widget.setToolTip(f"<p>{p.help}</p><p><i>{range_text(p)}</i></p>" if range_text(p)
                      else f"<p>{p.help}</p>")
    return widget


def widget_value(widget: QWidget):
    """The value a setting widget currently shows."""
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    return widget.value()


def set_widget_value(widget: QWidget, value) -> None:
    """Show ``value`` without emitting change signals."""
    if widget_value(widget) == value:
        return
    blocked = widget.blockSignals(True)
    if isinstance(widget, QComboBox):
        widget.setCurrentIndex(max(0, widget.findText(str(value))))
    elif isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    else:
        widget.setValue(value)
    widget.blockSignals(blocked)


class LayerEditor(QWidget):
    """Title, explanation and one input per setting of the selected layer, in two columns.

    Signals:
        param_changed(name, value): the user changed a setting.
    """

    param_changed = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layer_editor")
        self.title = QLabel()
        self.title.setObjectName("editor_title")
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.title.setFont(font)
        self.help = QLabel()
        self.help.setWordWrap(True)
        self.help.setStyleSheet(f"color: {colours.css(colours.muted_text())};")
        self.error = QLabel()
        self.error.setObjectName("editor_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {colours.css(colours.error_text())};")
        self.grid_host = QWidget()
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(6, 4, 6, 4)
        for widget in (self.title, self.help, self.grid_host, self.error):
            self.layout_.addWidget(widget)
        self.layout_.addStretch(1)
        self.widgets: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self._key: tuple[int, str] | None = None
        self._defs: list[ParamDef] = []
        self.set_layer(-1, None)

    def set_layer(self, index: int, layer: LayerSpec | None, error: str | None = None) -> None:
        """Show the settings of ``layer`` (the ``index``-th layer), or a hint when None."""
        ltype = LAYER_TYPES.get(layer.kind) if layer is not None else None
        key = (index, layer.kind) if ltype is not None else None
        if key != self._key:
            self._rebuild(ltype)
            self._key = key
        if ltype is None:
            self.title.setText("No layer selected")
            self.help.setText("Select a layer in the table to edit its settings, or click a "
                              "layer type above to add one.")
            self.error.setText("")
            return
        self.title.setText(f"Layer {index + 1}: {ltype.label}")
        params, _ = resolve_params(layer)
        for p in self._defs:
            set_widget_value(self.widgets[p.name], params[p.name])
        self._update_enabled(params)
        self.error.setText(error or "")
        self.error.setVisible(bool(error))

    def _rebuild(self, ltype) -> None:
        old, self.grid_host = self.grid_host, QWidget()
        self.layout_.replaceWidget(old, self.grid_host)
        old.hide()
        old.deleteLater()
        grid = QGridLayout(self.grid_host)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        for column in (1, 3):
            grid.setColumnStretch(column, 1)
        self.widgets, self.labels = {}, {}
        self._defs = list(ltype.params) if ltype else []
        if ltype is not None:
            self.help.setText(ltype.help if self._defs else
                              ltype.help + " It has no settings.")
        for n, p in enumerate(self._defs):
            widget = make_widget(p)
            label = QLabel(p.label + ":")
            label.setToolTip(widget.toolTip())
            label.setBuddy(widget)
            row, column = divmod(n, COLUMNS)
            grid.addWidget(label, row, 2 * column)
            bounded = isinstance(widget, BoundedSpinBox | BoundedDoubleSpinBox)
            grid.addWidget(with_note(widget) if bounded else widget, row, 2 * column + 1)
            self.widgets[p.name], self.labels[p.name] = widget, label
            self._connect(p.name, widget)

    def _connect(self, name: str, widget: QWidget) -> None:
        emit = lambda *_: self._changed(name)  # noqa: E731
        if isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(emit)
        elif isinstance(widget, QCheckBox):
            widget.toggled.connect(emit)
        else:
            widget.valueChanged.connect(emit)

    def _changed(self, name: str) -> None:
        self.param_changed.emit(name, widget_value(self.widgets[name]))

    def _update_enabled(self, params: dict) -> None:
        for p in self._defs:
            if p.only_when is None:
                continue
            other, value = p.only_when
            active = params.get(other) == value
            self.widgets[p.name].setEnabled(active)
            self.labels[p.name].setEnabled(active)

    def value_widget(self, name: str) -> QWidget:
        """The input widget of setting ``name`` of the shown layer (for tests and focus)."""
        return self.widgets[name]

