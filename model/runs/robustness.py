"""Robustness curves: how accuracy falls as the same letters are moved, turned and resized.

Each variant of the whole letter set is made at once: shifts by numpy slicing (whole pixels,
exact), rotations and scalings about the image centre by ``keras.ops.image.affine_transform``
(Keras is imported when first needed, so the GUI may import this module)
(bilinear, black outside the image); then every variant goes through the network in large
batches. Shifts move the letters in 8 directions (right, down-right, down, ...; a diagonal step
moves one pixel along both axes): letter ``i`` moves in direction ``i mod 8``, so each shift
amount costs one pass over the set and every direction is measured about equally often.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from cnn_studio.model.runs.real_set import LetterSet

SHIFTS = tuple(range(9))  # pixels
DIRECTIONS = ((1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1))  # (dx, dy)
ROTATIONS = tuple(range(-30, 31, 5))  # degrees, positive = counter-clockwise
SCALES = tuple(round(0.6 + 0.1 * k, 1) for k in range(9))  # 0.6 .. 1.4
ROBUSTNESS_PER_LETTER = 5  # letters of each letter and case (260 letters): seconds a run
BATCH = 1024  # images per forward pass


def _affine(matrix: np.ndarray, size: int) -> np.ndarray:
    """The 8 transform numbers of Keras for ``matrix`` (output -> input, 2x3) about the centre."""
    centre = (size - 1) / 2
    linear, offset = matrix[:, :2], matrix[:, 2]
    shift = offset + np.array([centre, centre]) - linear @ np.array([centre, centre])
    return np.array([linear[0, 0], linear[0, 1], shift[0],
                     linear[1, 0], linear[1, 1], shift[1], 0.0, 0.0], np.float32)


def shifted(x: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """``x`` ``(n, H, W, C)`` with the content moved ``dx`` pixels right and ``dy`` down."""
    out = np.zeros_like(x)
    height, width = x.shape[1:3]
    if abs(dx) >= width or abs(dy) >= height:
        return out
    out[:, max(dy, 0):height + min(dy, 0), max(dx, 0):width + min(dx, 0)] = \
        x[:, max(-dy, 0):height - max(dy, 0), max(-dx, 0):width - max(dx, 0)]
    return out


def shifted_set(x: np.ndarray, amount: int) -> np.ndarray:
    """``x`` with image ``i`` moved ``amount`` pixels in direction ``DIRECTIONS[i % 8]``."""
    out = np.empty_like(x)
    for k, (dx, dy) in enumerate(DIRECTIONS):
        out[k::len(DIRECTIONS)] = shifted(x[k::len(DIRECTIONS)], amount * dx, amount * dy)
    return out


def rotation_transform(degrees: float, size: int = 28) -> np.ndarray:
    """Turn the content ``degrees`` counter-clockwise about the centre."""
    a = math.radians(degrees)
    # the input point of each output point: turn back by the angle (image y points down)
    return _affine(np.array([[math.cos(a), -math.sin(a), 0.0],
                             [math.sin(a), math.cos(a), 0.0]]), size)


def scale_transform(factor: float, size: int = 28) -> np.ndarray:
    """Resize the content by ``factor`` about the centre."""
    return _affine(np.array([[1 / factor, 0.0, 0.0], [0.0, 1 / factor, 0.0]]), size)


def variants(x: np.ndarray) -> list[tuple[str, float, np.ndarray]]:
    """Every ``(kind, amount, images)`` the curves measure, in curve order."""
    found = [("shift", float(a), shifted_set(x, a)) for a in SHIFTS]
    found += [("rotation", float(d), transformed(x, rotation_transform(d))) for d in ROTATIONS]
    found += [("scale", float(f), transformed(x, scale_transform(f))) for f in SCALES]
    return found


def transformed(x: np.ndarray, transform: np.ndarray) -> np.ndarray:
    """``x`` ``(n, H, W, 1)`` moved by one Keras transform ``(8,)`` (bilinear, zeros outside)."""
    import keras

    out = keras.ops.image.affine_transform(x, transform, interpolation="bilinear",
                                           fill_mode="constant", fill_value=0.0)
    return keras.ops.convert_to_numpy(out)


def _scores(classify: Callable[[np.ndarray], np.ndarray], images: np.ndarray) -> np.ndarray:
    return np.concatenate([np.asarray(classify(images[start:start + BATCH]))
                           for start in range(0, len(images), BATCH)])


def keras_classifier(model) -> Callable[[np.ndarray], np.ndarray]:
    """A batch -> scores function of a Keras model: one traced ``tf.function`` (never
    ``predict``), batches of :data:`BATCH` images."""
    import tensorflow as tf

    spec = tf.TensorSpec((None, *model.inputs[0].shape[1:]), tf.float32)

    @tf.function(input_signature=[spec])
    def scores(batch):
        return model(batch, training=False)

    return lambda batch: scores(tf.constant(batch, tf.float32)).numpy()


def robustness_curves(classify: Callable[[np.ndarray], np.ndarray],
                      letters: LetterSet) -> dict[str, list[tuple[float, float]]]:
    """Accuracy on ``letters`` shifted 0..8 px, rotated -30..30 degrees and scaled 0.6..1.4.

    Args:
        classify: a function from a float32 batch ``(n, 28, 28, 1)`` to ``(n, classes)``
            scores (see :func:`keras_classifier`).
        letters: the letters (e.g. ``measuring_set().first(ROBUSTNESS_PER_LETTER)``).

    Returns:
        ``{"shift": [(pixels, accuracy)], "rotation": [(degrees, accuracy)],
        "scale": [(factor, accuracy)]}``, accuracies 0..1.
    """
    n = len(letters.y)
    chosen = variants(letters.x)
    images = np.concatenate([images for _, _, images in chosen])
    correct = (_scores(classify, images).argmax(axis=1).reshape(len(chosen), n)
               == letters.y[None]).mean(axis=1)
    curves: dict[str, list[tuple[float, float]]] = {"shift": [], "rotation": [], "scale": []}
    for (kind, amount, _), share in zip(chosen, correct, strict=True):
        curves[kind].append((amount, float(share)))
    return curves


def measure(classify: Callable[[np.ndarray], np.ndarray], letters: LetterSet) -> dict:
    """The record's metrics of :func:`robustness_curves`: ``robustness`` and
    ``robustness_letters`` (how many letters each point measured)."""
    return {"robustness": robustness_curves(classify, letters),
            "robustness_letters": int(len(letters.y))}


def accuracy_at(curve: list, amount: float) -> float | None:
    """The accuracy a curve gives at ``amount`` (None when it was not measured there)."""
    for point, share in curve:
        if math.isclose(point, amount):
            return share
    return None
