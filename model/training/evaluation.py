"""Measure a classifier on a labelled strokes-v1 file (e.g. the real-handwriting set).

The model can be anything that maps a float32 batch ``(n, 28, 28, 1)`` to class scores
``(n, 26)``: a Keras model (called directly, in batches) or a plain function. Upper- and
lower-case samples are reported separately; classes are case-insensitive.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from cnn_studio.model.ink.preprocess import strokes_to_image
from cnn_studio.model.ink.strokes import LETTERS, StrokesError, label_to_class, read_strokes
from cnn_studio.model.storage.safe_read import show_path

if TYPE_CHECKING:  # annotations only: importing this module loads no Keras
    import keras


@dataclass
class EvalReport:
    """Accuracy of a classifier on labelled samples.

    Attributes:
        total: number of labelled samples evaluated.
        accuracy: share correct overall (0..1).
        upper_accuracy: share correct among upper-case labels (nan when none).
        lower_accuracy: share correct among lower-case labels (nan when none).
        n_upper: number of upper-case samples.
        n_lower: number of lower-case samples.
        per_letter: letter (case kept) -> share correct.
        confusions: ``(true label, predicted class letter, count)``, most frequent first.
    """

    total: int
    accuracy: float
    upper_accuracy: float
    lower_accuracy: float
    n_upper: int
    n_lower: int
    per_letter: dict[str, float] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)

    def to_dict(self, top: int = 10) -> dict:
        """JSON-ready summary with the ``top`` most confused pairs."""
        def pct(value: float) -> float | None:
            return None if np.isnan(value) else round(100.0 * value, 2)
        return {"samples": self.total, "accuracy_pct": pct(self.accuracy),
                "upper_accuracy_pct": pct(self.upper_accuracy), "upper_samples": self.n_upper,
                "lower_accuracy_pct": pct(self.lower_accuracy), "lower_samples": self.n_lower,
                "most_confused": [{"true": t, "predicted": p, "count": c}
                                  for t, p, c in self.confusions[:top]]}


def load_labelled_images(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Rasterize every labelled sample of a strokes-v1 file.

    Args:
        path: the strokes-v1 file.

    Returns:
        ``(images float32 (n, 28, 28, 1), classes int64 (n,), labels as written)``.

    Raises:
        StrokesError: unreadable or invalid file, or no labelled sample in it.
    """
    document = read_strokes(path)
    samples = [s for s in document.samples if s.label is not None]
    if not samples:
        raise StrokesError(f"{show_path(path)}: no labelled samples to evaluate")
    images = np.stack([strokes_to_image(s.strokes, document.canvas) for s in samples])
    classes = np.array([label_to_class(s.label) for s in samples], np.int64)
    return images[..., None], classes, [s.label for s in samples if s.label is not None]


def _scores(model: keras.Model, images: np.ndarray, batch: int = 512) -> np.ndarray:
    outputs = []
    for start in range(0, len(images), batch):
        chunk = images[start:start + batch]
        result = model(chunk, training=False) if hasattr(model, "layers") else model(chunk)
        outputs.append(np.asarray(result))
    return np.concatenate(outputs)


def evaluate_images(model: keras.Model, images: np.ndarray, classes: np.ndarray,
                    labels: list[str]) -> EvalReport:
    """Evaluate ``model`` on rasterized images.

    Args:
        model: Keras model or function from a batch to ``(n, 26)`` scores.
        images: ``(n, 28, 28, 1)`` float32.
        classes: true class indices.
        labels: the labels as written (case tells upper from lower).

    Returns:
        The :class:`EvalReport`.
    """
    predicted = _scores(model, images).argmax(axis=1)
    correct = predicted == classes
    upper = np.array([label.isupper() for label in labels])

    def share(mask: np.ndarray) -> float:
        return float(correct[mask].mean()) if mask.any() else float("nan")

    per_letter = {}
    for letter in sorted(set(labels)):
        mask = np.array([label == letter for label in labels])
        per_letter[letter] = share(mask)
    wrong = Counter((labels[i], LETTERS[predicted[i]]) for i in np.flatnonzero(~correct))
    confusions = [(t, p, c) for (t, p), c in wrong.most_common()]
    return EvalReport(len(labels), float(correct.mean()), share(upper), share(~upper),
                      int(upper.sum()), int((~upper).sum()), per_letter, confusions)


def evaluate_strokes(model: keras.Model, strokes_file: str | os.PathLike) -> EvalReport:
    """Evaluate ``model`` on every labelled sample of a strokes-v1 file.

    Args:
        model: Keras model or function from a batch to ``(n, 26)`` scores.
        strokes_file: path of the strokes-v1 file.

    Returns:
        The :class:`EvalReport`.
    """
    images, classes, labels = load_labelled_images(strokes_file)
    return evaluate_images(model, images, classes, labels)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, classes: int = 26) -> np.ndarray:
    """Counts ``(classes, classes)``: row = true class, column = predicted class."""
    index = np.asarray(y_true, np.int64) * classes + np.asarray(y_pred, np.int64)
    return np.bincount(index, minlength=classes * classes).reshape(classes, classes)
