"""Small helpers the lesson observations share: finding layers, predicting, reading strokes."""

from __future__ import annotations

import keras
import numpy as np

from cnn_studio.model.errors import UserError
from cnn_studio.model.explain.core import Box, centers_on_image, input_box_through, window_geometry
from cnn_studio.model.ink.strokes import LETTERS
from cnn_studio.model.spec.network import layer_kind

#: What each kind of layer is called in "this network has no ..." messages.
KIND_NAMES = {"conv2d": "Conv2D layer", "dense": "Dense layer", "flatten": "Flatten layer",
              "maxpool2d": "pooling layer", "avgpool2d": "pooling layer",
              "sumpool2d": "pooling layer"}


class LessonError(UserError):
    """A step that cannot be shown for this network; the message says what to add."""


def layers_of(model, *kinds: str) -> list[int]:
    """Indices of the model's layers whose kind is one of ``kinds``, in order."""
    return [i for i, layer in enumerate(model.layers) if layer_kind(layer) in kinds]


def first_layer(model, *kinds: str) -> int:
    """Index of the first layer of one of ``kinds``.

    Raises:
        LessonError: the network has none; the message says to add one.
    """
    found = layers_of(model, *kinds)
    if not found:
        raise LessonError(f"it has no {KIND_NAMES.get(kinds[0], kinds[0])}; add one in the "
                          "layer builder")
    return found[0]


def layer_label(model, index: int) -> str:
    """``layer 4 (04_conv2d)``: the 1-based number the builder shows, and the Keras name."""
    return f"layer {index + 1} ({model.layers[index].name})"


def letter(index: int) -> str:
    """The capital letter of class ``index``."""
    return LETTERS[int(index)]


def probabilities(model, images: np.ndarray) -> np.ndarray:
    """(n, 26) float64 class probabilities of (n, 28, 28) images, in inference mode."""
    batch = np.asarray(images, np.float32).reshape(-1, 28, 28, 1)
    return np.asarray(keras.ops.convert_to_numpy(model(batch, training=False)), np.float64)


def edge_pixels(image: np.ndarray, ratio: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Where the drawing has up-and-down edges and where left-right ones, from its gradient.

    A pixel is on an edge when the brightness changes there by at least a quarter of the
    drawing's largest change; the edge is up-and-down (a vertical stroke's side) when the change
    across (left to right) is ``ratio`` times the change along, left-right the other way round.

    Returns:
        (vertical, horizontal) boolean masks of the image's shape.
    """
    along, across = np.gradient(np.asarray(image, np.float64))
    strength = np.hypot(along, across)
    strong = strength >= 0.25 * strength.max() if strength.max() > 0 else strength > 0
    vertical = strong & (np.abs(across) > ratio * np.abs(along))
    horizontal = strong & (np.abs(along) > ratio * np.abs(across))
    return vertical, horizontal


def on_layer_grid(model, index: int, mask: np.ndarray) -> np.ndarray:
    """An image mask sampled at the centre of each output cell of spatial layer ``index``."""
    rows, cols = centers_on_image(model, index)
    rows = np.clip(np.rint(rows).astype(int), 0, mask.shape[0] - 1)
    cols = np.clip(np.rint(cols).astype(int), 0, mask.shape[1] - 1)
    return mask[np.ix_(rows, cols)]


def ink_under_cells(model, index: int, image: np.ndarray) -> np.ndarray:
    """True for each output cell of spatial layer ``index`` whose receptive field on the
    drawing holds ink (a pixel above 0.5)."""
    rows, cols = window_geometry(model, index).output_size
    row_spans = [input_box_through(model, index, Box(r, 0, r + 1, 1)) for r in range(rows)]
    col_spans = [input_box_through(model, index, Box(0, c, 1, c + 1)) for c in range(cols)]
    ink = np.asarray(image) > 0.5
    # Ink in a rectangle: a summed-area table answers each cell in constant time.
    table = np.pad(ink.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    top = np.array([b.top for b in row_spans])[:, None]
    bottom = np.array([b.bottom for b in row_spans])[:, None]
    left = np.array([b.left for b in col_spans])[None, :]
    right = np.array([b.right for b in col_spans])[None, :]
    return (table[bottom, right] - table[top, right] - table[bottom, left]
            + table[top, left]) > 0


def close(a: float, b: float, tolerance: float = 1e-4) -> bool:
    """Whether two computed numbers agree to ``tolerance`` relative to their size (at least 1)."""
    return abs(float(a) - float(b)) <= tolerance * max(1.0, abs(float(a)), abs(float(b)))
