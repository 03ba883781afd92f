"""Small pieces of the Teach dialog: widget makers, the result text, the Tools menu."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton

from cnn_studio.model.ink.strokes import Sample


def button(text: str, name: str, slot) -> QPushButton:
    """A push button named ``name`` that calls ``slot`` when clicked."""
    widget = QPushButton(text)
    widget.setObjectName(name)
    widget.clicked.connect(slot)
    return widget


def label(name: str, text: str = "") -> QLabel:
    """A word-wrapping label named ``name``."""
    widget = QLabel(text)
    widget.setObjectName(name)
    widget.setWordWrap(True)
    return widget


def pct(value: float | None) -> str:
    """A share as a percentage with one decimal ("–" for None)."""
    return "–" if value is None else f"{100 * value:.1f} %"


def misread(model, samples: list[Sample]) -> list[str]:
    """The letters the model misreads in ``samples`` (TensorFlow imported here)."""
    from cnn_studio.model.training.finetune import misread_letters

    return misread_letters(model, samples)


def result_text(result) -> str:
    """Before/after on the held-back samples and on other writers' letters, as HTML."""
    if not result.held_back:
        mine = ("Nothing was held back to measure on: draw at least two samples of a letter "
                "to see how well it now reads it.")
    else:
        mine = (f"Your {result.held_back} held-back letters read right: <b>{pct(result.before)}"
                f"</b> before, <b>{pct(result.after)}</b> after.")
    others = ("" if result.others_before is None else
              f"<br>Other writers' letters: {pct(result.others_before)} before, "
              f"{pct(result.others_after)} after.")
    return f"{mine}{others}<br>Taught with {result.taught} of your letters."
