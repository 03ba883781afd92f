"""The slim "add this drawing to your dataset" prompt under the canvas."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QSizePolicy, QWidget

from cnn_studio.gui.common.widgets import bar_layout, push_button


class AddSampleBar(QFrame):
    """A slim prompt: "Add this drawing to your dataset as <letter>?" with Add / Cancel.

    Its place stays reserved while it is hidden, so showing it moves nothing under the
    pointer (the Clear button stays where Cancel would otherwise land).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("add_sample_bar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#add_sample_bar { background: #fff6d8; }")
        self.letter = ""
        self.label = QLabel()
        # the prompt's text may not widen the column either (the canvas would shrink)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.add_button = push_button("Add (Enter)", name="add_sample_button")
        self.cancel_button = QPushButton("Cancel (Esc)")
        bar_layout(self, self.label, self.add_button, self.cancel_button, margins=(6, 2, 6, 2))
        self.cancel_button.clicked.connect(self.hide)
        keep_place = self.sizePolicy()
        keep_place.setRetainSizeWhenHidden(True)
        self.setSizePolicy(keep_place)
        self.hide()

    def offer(self, letter: str) -> None:
        """Show the prompt for ``letter``."""
        self.letter = letter
        self.label.setText(f"Add this drawing to your dataset as <b>{letter}</b>?")
        self.show()


def add_to_store(store, letter: str, strokes, canvas_size) -> tuple[bool, str]:
    """Save a drawing in the shared sample store; ``(saved, the line to show)``."""
    from cnn_studio.model.ink.strokes import StrokesError

    try:
        store.add(letter, strokes, canvas_size)
        count = store.counts()[letter.upper()]
    except (StrokesError, OSError, ValueError) as exc:
        return False, f"Could not save the sample: {exc}"
    return True, (f"Added to your dataset as {letter} ({count} of {letter.upper()}, "
                  f"{len(store)} in all).")

