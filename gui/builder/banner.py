"""The banner above the palette that says the network lacks its output layer, with the fix."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

OUTPUT_MESSAGE = ("The network must end in Dense(26, softmax): one probability per letter "
                  "A-Z. (A Flatten is added first when the maps are still 3-D.)")


class OutputBanner(QFrame):
    """Shown while the network does not end in the Dense(26, softmax) output layer.

    Args:
        fix: called when the person presses the banner's button (add or move the layer).
    """

    def __init__(self, fix) -> None:
        super().__init__()
        self.setObjectName("output_banner")
        self.setStyleSheet("#output_banner { background: #fff3cd; border: 1px solid "
                           "#e0c060; border-radius: 4px; } QLabel { color: #5c4400; }")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.button = QPushButton("Add output layer")
        self.button.setObjectName("add_output")
        self.button.clicked.connect(lambda _=False: fix())
        layout = QHBoxLayout(self)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)

    def show_for(self, has_output_layer: bool, output_index: int) -> None:
        """Hide when the network ends in its output layer, else say what is wrong."""
        if has_output_layer:
            self.hide()
            return
        if output_index >= 0:
            self.label.setText(
                f"Layer {output_index + 1} is the Dense(26, softmax) output layer, but other "
                "layers follow it. The output layer must be the last layer.")
            self.button.setText("Move it to the end")
        else:
            self.label.setText(OUTPUT_MESSAGE)
            self.button.setText("Add output layer")
        self.show()
