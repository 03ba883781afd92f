"""The layer palette: one button per layer type; click to add, or drag into the layer table."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, Qt
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from cnn_studio.gui.builder.table import KIND_MIME
from cnn_studio.gui.common.flow_layout import FlowLayout
from cnn_studio.model.spec.network import LAYER_TYPES

PALETTE_NAMES = {"maxpool2d": "MaxPool", "avgpool2d": "AvgPool", "sumpool2d": "SumPool",
                 "globalavgpool2d": "GlobalAvgPool", "batchnorm": "BatchNorm"}


class PaletteButton(QPushButton):
    """A layer type: click to add it after the selected layer, or drag it into the table."""

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        ltype = LAYER_TYPES[kind]
        super().__init__(PALETTE_NAMES.get(kind, ltype.label), parent)
        self.kind = kind
        self.setObjectName(f"palette_{kind}")
        self.setToolTip(f"<b>{ltype.label}</b><p>{ltype.help}</p>"
                        "<p><i>Click to add after the selected layer, or drag into the list.</i></p>")
        self._press: QPoint | None = None

    def mime_data(self) -> QMimeData:
        """What a drag of this button carries (the layer kind)."""
        data = QMimeData()
        data.setData(KIND_MIME, self.kind.encode())
        return data

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Start a drag once the mouse moved far enough with the button held."""
        if (self._press is not None and event.buttons() & Qt.MouseButton.LeftButton and
                (event.position().toPoint() - self._press).manhattanLength()
                >= QApplication.startDragDistance()):
            self._press = None
            self.setDown(False)
            drag = QDrag(self)
            drag.setMimeData(self.mime_data())
            drag.exec(Qt.DropAction.CopyAction)
            return
        super().mouseMoveEvent(event)


class Palette(QWidget):
    """One button per layer type, all of one width, wrapped to the dock's width.

    Args:
        add_layer: called with a layer kind when its button is clicked.
    """

    def __init__(self, add_layer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = FlowLayout(self)
        self.buttons: dict[str, PaletteButton] = {}
        for kind in LAYER_TYPES:
            button = PaletteButton(kind)
            button.clicked.connect(lambda _=False, k=kind: add_layer(k))
            layout.addWidget(button)
            self.buttons[kind] = button
        widest = max(button.sizeHint().width() for button in self.buttons.values())
        for button in self.buttons.values():
            button.setFixedWidth(widest)
