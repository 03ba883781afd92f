"""One output value of a layer: where its window sits, and how a weighted sum makes it.

Shared by the conv dot product, the pooling cell and the dense neuron.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from cnn_studio.model.explain.core import (
    Box,
    WindowGeometry,
    activation_name,
    apply_keras_activation,
    check_index,
    input_box_through,
)


@dataclass(kw_only=True)
class WeightedSum:
    """An output computed as ``products`` (input x weight) summed to ``total``, plus ``bias``
    (``pre_activation``), through ``activation`` (``value``); ``model_value`` is Keras's."""

    products: np.ndarray
    total: float
    bias: float
    pre_activation: float
    activation: str
    value: float
    model_value: float


def kernel_and_bias(keras_layer) -> tuple[np.ndarray, np.ndarray]:
    """A conv or dense layer's kernel and bias as float64 (zeros when it has no bias)."""
    kernel = np.asarray(keras_layer.kernel.numpy(), dtype=np.float64)
    if keras_layer.use_bias:
        return kernel, np.asarray(keras_layer.bias.numpy(), dtype=np.float64)
    return kernel, np.zeros(kernel.shape[-1])


def weighted_sum(keras_layer, products: np.ndarray, pre_all: np.ndarray, bias: np.ndarray,
                 pick: int, model_value) -> dict:
    """The :class:`WeightedSum` fields of output ``pick``.

    ``pre_all`` holds the pre-activations of all the layer's outputs at this position, so an
    activation that mixes them (softmax) comes out right too.
    """
    activated = apply_keras_activation(keras_layer.activation, pre_all[None])[0]
    return {"products": products, "total": float(products.sum()), "bias": float(bias[pick]),
            "pre_activation": float(pre_all[pick]),
            "activation": activation_name(keras_layer.activation),
            "value": float(activated[pick]), "model_value": float(model_value)}


def window_cell(model: keras.Model, index: int, geometry: WindowGeometry, row: int, col: int) -> dict:
    """The layer name, the checked ``row`` and ``col`` of a conv/pool layer's output cell, and
    its window on the layer's input (``input_box``) and on the image (``image_box``)."""
    row = check_index(row, geometry.output_size[0], "row")
    col = check_index(col, geometry.output_size[1], "column")
    return {"layer_name": model.layers[index].name, "row": row, "col": col,
            "input_box": geometry.window(row, col),
            "image_box": input_box_through(model, index, Box(row, col, row + 1, col + 1))}
