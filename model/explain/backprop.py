"""Backpropagation explained: the gradient of the loss for one kernel and one SGD step.

All gradients are taken in inference mode (``training=False``: dropout off, batch
normalisation using its moving statistics), so they explain the prediction the user sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from cnn_studio.model.explain.core import (
    ExplainError,
    check_index,
    layer_shapes,
    model_input,
    resolve_layer,
)
from cnn_studio.model.explain.dense import class_index
from cnn_studio.model.spec.network import layer_kind

SCOPES = ("filter", "layer", "all")
NEEDS_SEQUENTIAL = ("This tab needs a Sequential network (one chain of layers); this one is a "
                    "functional model. Build the network in the Layer builder to use it here.")


def check_sequential(model: keras.Model) -> None:
    """Raise ExplainError unless ``model`` is a ``keras.Sequential`` (what the steps assume)."""
    if not isinstance(model, keras.Sequential):
        raise ExplainError(NEEDS_SEQUENTIAL)


@dataclass
class BackpropStep:
    """One plain SGD step ``w <- w - learning_rate * g`` for one image and its true letter.

    ``kernel``, ``gradient`` and ``updated`` are the chosen unit's weights: (kh, kw, c_in) for a
    conv filter, (inputs,) for a dense neuron. ``scope`` says what the step changes: only that
    filter/neuron, its whole layer, or every trainable weight. The losses come from a copy of
    the model; the real one changes only through ``apply_backprop_step``.
    """

    layer_index: int
    layer_name: str
    unit: int
    true_class: int
    learning_rate: float
    scope: str
    kernel: np.ndarray
    gradient: np.ndarray
    updated: np.ndarray
    bias: float | None
    bias_gradient: float | None
    updated_bias: float | None
    loss_before: float
    loss_after: float
    updates: list[tuple[int, np.ndarray]] = field(repr=False, default_factory=list)


def copy_model(model: keras.Model) -> keras.Model:
    """A separate Keras model with the same layers and weights (``clone_model`` + weights)."""
    copy = keras.models.clone_model(model)
    if not copy.built:
        copy.build(model.input_shape)
    copy.set_weights(model.get_weights())
    return copy


def _loss(model: keras.Model, x: np.ndarray, y: np.ndarray):
    return keras.losses.SparseCategoricalCrossentropy()(y, model(x, training=False))


def _check_step(model: keras.Model, layer, learning_rate, scope: str):
    """``(index, keras layer)`` of a step's layer, after checking every argument of the step."""
    check_sequential(model)
    index = resolve_layer(model, layer)
    keras_layer = model.layers[index]
    if layer_kind(keras_layer) not in ("conv2d", "dense"):
        raise ExplainError(f"Layer {keras_layer.name} has no kernel; pick a conv2d or dense "
                           "layer.")
    if not isinstance(learning_rate, int | float) or not 0 < learning_rate <= 100:
        raise ExplainError(f"The learning rate must be in (0, 100], got {learning_rate}.")
    if scope not in SCOPES:
        raise ExplainError(f"Unknown scope {scope!r}; choose one of {', '.join(SCOPES)}.")
    return index, keras_layer


def _gradient_updates(copy, copy_layer, x, y, unit: int, scope: str, positions: dict):
    """The loss before the step and ``(position, gradient)`` for each variable the step moves.

    ``scope`` 'all' moves every trainable weight, 'layer' the layer's kernel and bias, 'filter'
    only the slice of ``unit`` in them.
    """
    if scope == "all":
        variables = list(copy.trainable_weights)
    else:
        variables = [copy_layer.kernel] + ([copy_layer.bias] if copy_layer.use_bias else [])
    with tf.GradientTape() as tape:
        loss_before = _loss(copy, x, y)
    gradients = tape.gradient(loss_before, variables)
    updates = []
    for variable, gradient in zip(variables, gradients, strict=True):
        g = np.zeros(variable.shape, np.float32) if gradient is None else np.asarray(gradient)
        if scope == "filter":  # only this layer's kernel and bias: keep the unit's slice
            masked = np.zeros_like(g)
            masked[..., unit] = g[..., unit]
            g = masked
        updates.append((positions[id(variable)], g))
    return loss_before, updates


def backprop_step(model: keras.Model, image, true_class: int | str, layer: int | str, unit: int = 0,
                  learning_rate: float = 0.01, scope: str = "filter") -> BackpropStep:
    """Gradient of the loss for ``image`` w.r.t. one kernel, and the loss after one SGD step.

    Args:
        model: a Keras Sequential model ending in softmax.
        image: the drawing.
        true_class: the correct letter or class index.
        layer: a conv2d or dense layer (index or name).
        unit: the filter (conv) or neuron (dense) to show.
        learning_rate: SGD step size, in (0, 100].
        scope: 'filter' (update only that unit), 'layer' or 'all' trainable weights.

    Returns:
        A BackpropStep; the model passed in is not changed.
    """
    index, keras_layer = _check_step(model, layer, learning_rate, scope)
    x = model_input(model, image)
    true_index = class_index(true_class, int(layer_shapes(model)[-1][1][-1]))
    unit = check_index(unit, int(keras_layer.kernel.shape[-1]), "unit")
    y = np.array([true_index])

    copy = copy_model(model)
    copy_layer = copy.layers[index]
    positions = {id(weight): i for i, weight in enumerate(copy.trainable_weights)}
    if id(copy_layer.kernel) not in positions:
        raise ExplainError(f"Layer {keras_layer.name} is frozen (not trainable); unfreeze it "
                           "to see a training step.")
    loss_before, updates = _gradient_updates(copy, copy_layer, x, y, unit, scope, positions)
    weights = copy.trainable_weights
    for position, g in updates:
        weights[position].assign(np.asarray(weights[position].numpy()) - learning_rate * g)
    loss_after = float(_loss(copy, x, y))

    by_position = dict(updates)
    kernel_before = np.asarray(keras_layer.kernel.numpy())[..., unit]
    kernel_grad = by_position[positions[id(copy_layer.kernel)]][..., unit]
    bias = bias_grad = new_bias = None
    if keras_layer.use_bias:
        bias = float(keras_layer.bias.numpy()[unit])
        bias_grad = float(by_position[positions[id(copy_layer.bias)]][unit])
        new_bias = bias - learning_rate * bias_grad
    return BackpropStep(
        layer_index=index,
        layer_name=keras_layer.name,
        unit=unit,
        true_class=true_index,
        learning_rate=float(learning_rate),
        scope=scope,
        kernel=kernel_before,
        gradient=kernel_grad,
        updated=kernel_before - learning_rate * kernel_grad,
        bias=bias,
        bias_gradient=bias_grad,
        updated_bias=new_bias,
        loss_before=float(loss_before),
        loss_after=loss_after,
        updates=updates,
    )


def apply_backprop_step(model: keras.Model, step: BackpropStep) -> None:
    """Apply ``step``'s SGD update to the real ``model`` (only when the user asks for it).

    The update is w <- w - learning_rate * g with the gradients of ``step``, added to the
    model's current weights.

    Raises:
        ExplainError: if ``model`` does not have the weights the step was computed for.
    """
    weights = model.trainable_weights
    for position, gradient in step.updates:
        if position >= len(weights) or tuple(weights[position].shape) != gradient.shape:
            raise ExplainError("This step was computed for a different network; compute it "
                               "again for the current one.")
    for position, gradient in step.updates:
        variable = weights[position]
        variable.assign(np.asarray(variable.numpy()) - step.learning_rate * gradient)
