"""Where the network looked: saliency maps and Grad-CAM as heat maps over the drawing."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from cnn_studio.model.explain.core import ExplainError, centers_on_image, model_input, resolve_layer
from cnn_studio.model.explain.dense import class_index
from cnn_studio.model.spec.network import layer_kind


@dataclass
class HeatMap:
    """A map over the drawing, scaled to [0, 1] (all zeros when the gradient vanishes).

    ``method`` is 'saliency' or 'grad_cam'; ``raw`` is the map before scaling (drawing-sized
    |gradient| for saliency, the conv layer's own grid for Grad-CAM). ``note`` explains a
    fallback, if one was needed.
    """

    values: np.ndarray
    method: str
    class_index: int
    layer_name: str | None
    raw: np.ndarray
    note: str = ""


def _normalise(values: np.ndarray) -> np.ndarray:
    peak = float(values.max()) if values.size else 0.0
    if not np.isfinite(peak) or peak <= 0:
        return np.zeros_like(values, dtype=np.float32)
    return np.clip(values / peak, 0.0, 1.0).astype(np.float32)


def _pick(scores, chosen) -> int:
    """The chosen class index, or the highest-scoring one when ``chosen`` is None."""
    values = np.asarray(scores)[0]
    if chosen is None:
        return int(np.argmax(values))
    return class_index(chosen, len(values))


def saliency_map(model: keras.Model, image, target: int | str | None = None) -> HeatMap:
    """|d p(class) / d pixel| for every pixel of the drawing, scaled to [0, 1].

    Args:
        model: a Keras Sequential model.
        image: the drawing.
        target: letter or class index; None for the predicted letter.
    """
    x = tf.constant(model_input(model, image))
    with tf.GradientTape() as tape:
        tape.watch(x)
        probabilities = model(x, training=False)
        target_index = _pick(probabilities, target)
        probability = probabilities[0, target_index]
    gradient = tape.gradient(probability, x)
    raw = np.abs(np.asarray(gradient)[0]).max(axis=-1)
    return HeatMap(_normalise(raw), "saliency", target_index, None, raw)


def last_conv_index(model: keras.Model) -> int | None:
    """Index of the model's last conv2d layer, or None when it has none."""
    for index in range(len(model.layers) - 1, -1, -1):
        if layer_kind(model.layers[index]) == "conv2d":
            return index
    return None


def _score(model: keras.Model, hidden, last_index: int):
    """The class scores before softmax when the last layer applies one, else its output."""
    last = model.layers[last_index]
    activation = getattr(last, "activation", None)
    is_softmax = getattr(activation, "__name__", "") == "softmax"
    if layer_kind(last) == "dense" and is_softmax:
        scores = tf.matmul(hidden, last.kernel)
        return scores + last.bias if last.use_bias else scores
    if type(last).__name__ == "Softmax" or (layer_kind(last) == "activation" and is_softmax):
        return hidden
    return last(hidden, training=False)


def grad_cam(model: keras.Model, image, target: int | str | None = None,
             layer: int | str | None = None) -> HeatMap:
    """Grad-CAM of a conv layer (the last one by default) for a letter, over the drawing.

    Each feature map is weighted by the mean gradient of the class score (pre-softmax) with
    respect to it; the positive part of the weighted sum is placed on the drawing through the
    layer's receptive-field centres. Without any conv layer this falls back to saliency_map.

    Args:
        model: a Keras Sequential model.
        image: the drawing.
        target: letter or class index; None for the predicted letter.
        layer: the conv layer (index or name); None for the last conv layer.
    """
    index = last_conv_index(model) if layer is None else resolve_layer(model, layer)
    if index is None:
        heat = saliency_map(model, image, target)
        heat.note = "The network has no conv layer, so this shows the saliency map instead."
        return heat
    if layer_kind(model.layers[index]) != "conv2d":
        raise ExplainError(f"Grad-CAM needs a conv2d layer; {model.layers[index].name} is a "
                           f"{layer_kind(model.layers[index])} layer.")
    x = tf.constant(model_input(model, image))
    last_index = len(model.layers) - 1
    if index == last_index:
        raise ExplainError("Grad-CAM needs layers after the conv layer; add the output layers.")
    with tf.GradientTape() as tape:
        hidden = x
        for position, keras_layer in enumerate(model.layers[:last_index]):
            hidden = keras_layer(hidden, training=False)
            if position == index:
                feature_maps = hidden
                tape.watch(feature_maps)
        scores = _score(model, hidden, last_index)
        target_index = _pick(scores, target)
        score = scores[0, target_index]
    gradients = np.asarray(tape.gradient(score, feature_maps))[0]
    maps = np.asarray(feature_maps)[0]
    weights = gradients.mean(axis=(0, 1))
    cam = np.maximum((maps * weights).sum(axis=-1), 0.0)
    values = _normalise(_to_image(model, index, cam, x.shape[1:3]))
    return HeatMap(values, "grad_cam", target_index, model.layers[index].name, cam)


def _to_image(model: keras.Model, index: int, cam: np.ndarray, size) -> np.ndarray:
    """Interpolate a layer-grid map onto the drawing's pixels via receptive-field centres."""
    row_centres, col_centres = centers_on_image(model, index)
    rows = np.arange(size[0], dtype=np.float64)
    cols = np.arange(size[1], dtype=np.float64)
    by_rows = np.stack([np.interp(rows, row_centres, cam[:, j]) for j in range(cam.shape[1])],
                       axis=1)
    return np.stack([np.interp(cols, col_centres, by_rows[i]) for i in range(size[0])], axis=0)
