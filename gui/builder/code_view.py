"""A window showing the network as plain Keras Python code, read-only, with a Copy button.

The text comes from ``model.nets.keras_code.keras_code``, which is plain text work (no TensorFlow),
so the code is shown at once, even while TensorFlow is still loading.
"""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cnn_studio.model.nets.keras_code import keras_code
from cnn_studio.model.spec.network import NetworkSpec


def code_for(spec: NetworkSpec) -> str:
    """The Keras code of ``spec`` (a comment explaining the failure if it cannot be written)."""
    try:
        return keras_code(spec)
    except Exception as error:  # noqa: BLE001 - show any failure as text, never crash
        return f"# Could not write the code for this network: {error}\n"


class CodeView(QDialog):
    """Non-modal window with the current network's Keras code; follows the builder's edits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("code_view")
        self.setWindowTitle("Network as Python code")
        self.resize(720, 560)
        self.spec = NetworkSpec([])
        note = QLabel("Plain Keras code that builds the same network as the layer builder. "
                      "Copy it into a script or notebook to experiment outside CNN Studio.")
        note.setWordWrap(True)
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("code_text")
        self.editor.setReadOnly(True)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setObjectName("copy_code")
        self.copy_button.setToolTip("Copy the code to the clipboard")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.editor, 1)
        layout.addWidget(buttons)

    def set_spec(self, spec: NetworkSpec) -> None:
        """Show the code of ``spec`` (keeps the scroll position)."""
        self.spec = spec
        self.refresh()

    def refresh(self, *_args) -> None:
        """Regenerate the text."""
        text = code_for(self.spec)
        if text != self.editor.toPlainText():
            bar = self.editor.verticalScrollBar()
            position = bar.value()
            self.editor.setPlainText(text)
            bar.setValue(position)

    def copy(self) -> None:
        """Put the code on the clipboard."""
        QGuiApplication.clipboard().setText(self.editor.toPlainText())
