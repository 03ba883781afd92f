"""The layer list: the live table with its Up / Down / Duplicate / Delete buttons and the line
that says whether the network is valid."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from cnn_studio.gui.builder.table import LayerTableModel, LayerTableView


def action_button(text: str, slot, name: str, tip: str = "") -> QPushButton:
    """A named push button that calls ``slot()`` when clicked."""
    button = QPushButton(text)
    button.setObjectName(name)
    button.setToolTip(tip)
    button.clicked.connect(lambda _=False: slot())
    return button


class LayerList(QWidget):
    """The table of layers and the buttons that act on the selected one.

    Args:
        builder: the layer builder (its move_selected, duplicate_selected, delete_selected).
    """

    def __init__(self, builder) -> None:
        super().__init__()
        self.model = LayerTableModel(builder)
        self.table = LayerTableView(self.model)
        self.table.setMinimumHeight(140)
        self.up_button = action_button("Up", lambda: builder.move_selected(-1), "move_up",
                                       "Move the selected layer up")
        self.down_button = action_button("Down", lambda: builder.move_selected(1), "move_down",
                                         "Move the selected layer down")
        self.dup_button = action_button("Duplicate", builder.duplicate_selected, "duplicate",
                                        "Insert a copy of the selected layer after it")
        self.del_button = action_button("Delete", builder.delete_selected, "delete",
                                        "Remove the selected layer (Delete key)")
        buttons = QHBoxLayout()
        for button in (self.up_button, self.down_button, self.dup_button, self.del_button):
            buttons.addWidget(button)
        self.issues = QLabel()
        self.issues.setObjectName("issues")
        self.issues.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.issues)
