"""Observations of the first seed text: pixels as numbers, one neuron's weighted sum plus bias,
and what an activation function does to those sums."""

from __future__ import annotations

import numpy as np

from cnn_studio.model import explain as ex
from cnn_studio.model.explain.activations import layer_pre_activation
from cnn_studio.model.explain.core import activation_name, trace
from cnn_studio.model.explain.outputs import kernel_and_bias
from cnn_studio.model.lessons.parts import (
    LessonError,
    close,
    first_layer,
    layer_label,
    layers_of,
)
from cnn_studio.model.lessons.step import Observation, ViewSettings


def pixels(model, image: np.ndarray) -> Observation:
    """The drawing as the network receives it: 28 x 28 x 1 numbers from 0 to 1."""
    expected = tuple(int(n) for n in model.input_shape[1:])
    shape = (*image.shape, 1)
    ink, blank = int((image > 0.5).sum()), int((image == 0).sum())
    numbers = {"height": shape[0], "width": shape[1], "channels": shape[2],
               "values": int(image.size), "ink_pixels": ink, "zero_pixels": blank,
               "brightest": float(image.max()), "darkest": float(image.min())}
    holds = shape == expected and 0.0 <= image.min() and image.max() <= 1.0 and ink > 0
    if shape != expected:
        return Observation(False, f"The network expects {expected} numbers but the drawing is "
                                  f"{shape}.", numbers)
    sentence = (f"Your drawing reaches the network as {shape[0]} x {shape[1]} x {shape[2]} = "
                f"{image.size} numbers from {image.min():.2f} to {image.max():.2f}: {ink} are "
                f"ink (above 0.5) and {blank} are exactly 0, the empty paper.")
    if ink == 0:
        sentence += " No pixel is above 0.5 yet: draw with a firmer line."
    return Observation(bool(holds), sentence, numbers)


def weighted_sum(model, image: np.ndarray) -> Observation:
    """The most active neuron of the first dense layer, computed by hand and by Keras."""
    index = first_layer(model, "dense")
    first = ex.dense_neuron(model, image, index, 0, top_k=1)
    kernel, bias = kernel_and_bias(model.layers[index])
    unit = int(np.argmax(first.inputs @ kernel + bias))
    neuron = ex.dense_neuron(model, image, index, unit, top_k=1)
    biggest = neuron.top[0]
    numbers = {"layer": index, "unit": unit, "inputs": int(neuron.inputs.size),
               "sum_of_products": neuron.total, "bias": neuron.bias,
               "weighted_sum_plus_bias": neuron.pre_activation, "activation": neuron.activation,
               "value": neuron.value, "keras_value": neuron.model_value,
               "largest_product": biggest.product}
    holds = (close(neuron.total + neuron.bias, neuron.pre_activation)
             and close(neuron.value, neuron.model_value))
    sentence = (f"Neuron {unit} of {layer_label(model, index)} multiplies each of its "
                f"{neuron.inputs.size:,} inputs by its own weight and adds the products up: "
                f"{neuron.total:.3f} (the largest single product is {biggest.product:.3f}). "
                f"Its bias {neuron.bias:+.3f} makes {neuron.pre_activation:.3f}, and "
                f"{neuron.activation} gives {neuron.value:.3f}; Keras computes "
                f"{neuron.model_value:.3f}.")
    if not holds:
        sentence += " The hand-made sum and Keras disagree here."
    return Observation(holds, sentence, numbers, ViewSettings(layer=index, map=unit))


def _activation_layer(model) -> tuple[int, str]:
    """The first dense, conv or activation layer using ReLU (a dense one preferred), and its
    activation's name."""
    for kinds in (("dense",), ("conv2d", "activation")):
        for index in layers_of(model, *kinds):
            function = getattr(model.layers[index], "activation", None)
            if function is not None and activation_name(function) == "relu":
                return index, "relu"
    raise LessonError("it has no layer with ReLU; choose ReLU as a layer's activation")


def _mixed_channel(before: np.ndarray) -> int:
    """The feature map with the most values on its less common side of zero."""
    flat = before.reshape(-1, before.shape[-1])
    return int(np.argmax(np.minimum((flat < 0).sum(0), (flat > 0).sum(0))))


def activation(model, image: np.ndarray) -> Observation:
    """ReLU against sigmoid on the weighted sums of the first layer that uses ReLU."""
    index, _ = _activation_layer(model)
    result = trace(model, image)
    before_all = layer_pre_activation(model.layers[index], result.input_of(index))
    channel = _mixed_channel(before_all) if before_all.ndim == 3 else 0
    compared = ex.activation_comparison(model, image, index, channel, names=("relu", "sigmoid"))
    before = np.asarray(compared.before, np.float64)
    relu, sigmoid = compared.after["relu"], compared.after["sigmoid"]
    negative, positive = int((before < 0).sum()), int((before > 0).sum())
    order = np.argsort(before, axis=None, kind="stable")
    numbers = {"layer": index, "map": channel, "values": int(before.size),
               "negative": negative, "positive": positive, "lowest": float(before.min()),
               "highest": float(before.max()), "sigmoid_lowest": float(sigmoid.min()),
               "sigmoid_highest": float(sigmoid.max())}
    holds = bool(negative and positive
                 and np.allclose(relu, np.maximum(before, 0), atol=1e-5)
                 and np.allclose(compared.model_output, relu, rtol=1e-4, atol=1e-5)
                 and 0 < sigmoid.min() and sigmoid.max() < 1
                 and np.all(np.diff(sigmoid.ravel()[order]) >= 0))
    where = (f"map {channel} of {layer_label(model, index)}" if before.ndim == 2
             else layer_label(model, index))
    sentence = (f"The {before.size:,} weighted sums of {where} run from {before.min():.2f} to "
                f"{before.max():.2f}. ReLU turns the {negative:,} negative ones into 0 and keeps "
                f"the {positive:,} positive ones as they are; sigmoid would instead squeeze all "
                f"of them into {sigmoid.min():.3f} .. {sigmoid.max():.3f}, keeping their order.")
    if not (negative and positive):
        sentence += " Here all sums fall on one side of 0, so ReLU changes nothing or everything."
    settings = ViewSettings(layer=index, map=channel if before.ndim == 2 else None)
    return Observation(holds, sentence, numbers, settings)
