"""Activation functions explained: curves and a feature map before/after each function."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from cnn_studio.model.explain.core import (
    ExplainError,
    activation_name,
    apply_keras_activation,
    check_index,
    resolve_layer,
    trace,
)
from cnn_studio.model.spec.network import layer_kind

#: The element-wise activations explain mode can compare (Keras' own definitions and defaults).
ACTIVATION_NAMES = ("linear", "relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu")


def _function(name: str):
    if name not in ACTIVATION_NAMES:
        raise ExplainError(
            f"Unknown activation {name!r}; choose one of {', '.join(ACTIVATION_NAMES)}."
        )
    return keras.activations.get(name)


def apply_activation(name: str, values) -> np.ndarray:
    """``values`` passed through the Keras activation ``name`` (float32 numpy, same shape)."""
    return apply_keras_activation(_function(name), np.asarray(values, dtype=np.float32))


@dataclass
class Curve:
    """Samples of an activation function for plotting: y = f(x)."""

    name: str
    x: np.ndarray
    y: np.ndarray


def activation_curve(name: str, x_min: float = -4.0, x_max: float = 4.0,
                     num: int = 161) -> Curve:
    """Evenly spaced samples of activation ``name`` over [x_min, x_max].

    Args:
        name: one of ACTIVATION_NAMES.
        x_min: left end, must be below ``x_max``.
        x_max: right end.
        num: number of samples, 2..10000.
    """
    if not (np.isfinite(x_min) and np.isfinite(x_max) and x_min < x_max):
        raise ExplainError(f"The curve range needs x_min < x_max, got {x_min} and {x_max}.")
    if not 2 <= int(num) <= 10000:
        raise ExplainError(f"A curve needs 2..10000 samples, got {num}.")
    x = np.linspace(x_min, x_max, int(num), dtype=np.float32)
    return Curve(name, x, apply_activation(name, x))


@dataclass
class ActivationComparison:
    """One feature map before its activation and after each candidate function.

    ``before`` and every ``after[name]`` have the map's shape (rows, cols), or (units,) for a
    dense layer. ``actual`` names the function the layer really uses and ``model_output`` is
    what the model produced (equal to ``after[actual]`` when ``actual`` is in the list).
    """

    layer_name: str
    channel: int
    actual: str
    before: np.ndarray
    after: dict[str, np.ndarray]
    model_output: np.ndarray


def pre_activation(model: keras.Model, image, layer: int | str) -> np.ndarray:
    """The values a layer feeds into its activation function for ``image``.

    For conv2d and dense layers that is the weighted sum plus bias; for an activation layer it
    is the layer's input. The result has the layer's output shape (no batch dimension).
    """
    index = resolve_layer(model, layer)
    return layer_pre_activation(model.layers[index], trace(model, image).input_of(index))


def layer_pre_activation(keras_layer, x: np.ndarray) -> np.ndarray:
    """What ``keras_layer`` feeds into its activation for input ``x`` (no batch dimension)."""
    kind = layer_kind(keras_layer)
    if kind == "activation":
        return x
    if kind == "conv2d":
        z = keras.ops.conv(x[None], keras_layer.kernel, strides=keras_layer.strides,
                           padding=keras_layer.padding,
                           dilation_rate=keras_layer.dilation_rate)
    elif kind == "dense":
        z = keras.ops.matmul(x[None], keras_layer.kernel)
    else:
        raise ExplainError(f"Layer {keras_layer.name} ({kind}) has no activation function; "
                           "pick a conv2d, dense or activation layer.")
    if keras_layer.use_bias:
        z = z + keras_layer.bias
    return np.asarray(keras.ops.convert_to_numpy(z))[0]


def activation_comparison(model: keras.Model, image, layer: int | str, channel: int = 0,
                          names: tuple[str, ...] = ACTIVATION_NAMES) -> ActivationComparison:
    """Feature map ``channel`` of ``layer`` before activation and after each function in ``names``.

    Args:
        model: a Keras Sequential model.
        image: the drawing.
        layer: a conv2d, dense or activation layer (index or name).
        channel: the feature map (filter) to show; ignored for dense layers (all units shown).
        names: activation functions to compare.
    """
    index = resolve_layer(model, layer)
    keras_layer = model.layers[index]
    result = trace(model, image)
    before_all = layer_pre_activation(keras_layer, result.input_of(index))
    output_all = result.outputs[index]
    if before_all.ndim == 3:
        channel = check_index(channel, before_all.shape[2], "channel")
        before = before_all[..., channel]
        output = output_all[..., channel]
    else:
        channel = 0
        before, output = before_all, output_all
    after = {name: apply_activation(name, before) for name in names}
    return ActivationComparison(
        layer_name=keras_layer.name,
        channel=channel,
        actual=activation_name(keras_layer.activation),
        before=before,
        after=after,
        model_output=output,
    )
