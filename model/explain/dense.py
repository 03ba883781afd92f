"""Dense layers explained: one neuron's weighted sum, and the final softmax with its loss."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from cnn_studio.model.explain.core import (
    ExplainError,
    Trace,
    activation_name,
    check_index,
    flatten_source_shape,
    layer_of_kind,
    trace,
)
from cnn_studio.model.explain.outputs import WeightedSum, kernel_and_bias, weighted_sum
from cnn_studio.model.ink.strokes import LETTERS
from cnn_studio.model.spec.network import layer_kind


@dataclass(frozen=True)
class Contribution:
    """One input's share of a neuron's sum: ``product = input * weight``.

    ``position`` is the (row, col, channel) the input had before Flatten, when it came from one.
    """

    index: int
    input: float
    weight: float
    product: float
    position: tuple[int, int, int] | None


@dataclass
class DenseNeuron(WeightedSum):
    """How dense neuron ``unit`` computes its value: inputs . weights + bias, then activation."""

    layer_index: int
    layer_name: str
    unit: int
    inputs: np.ndarray
    weights: np.ndarray
    top: list[Contribution]


def _flat_input(result: Trace, index: int, name: str) -> np.ndarray:
    x = np.asarray(result.input_of(index), dtype=np.float64)
    if x.ndim != 1:
        raise ExplainError(f"Dense layer {name} receives a {x.shape} array; explain mode needs a "
                           "Flatten or global pooling layer before it.")
    return x


def _position(index: int, shape: tuple[int, int, int]) -> tuple[int, int, int]:
    """The (row, col, channel) of flat ``index`` in an array of ``shape``."""
    row, col, channel = np.unravel_index(index, shape)
    return int(row), int(col), int(channel)


def dense_neuron(model: keras.Model, image, layer: int | str, unit: int = 0, top_k: int = 10) -> DenseNeuron:
    """Explain one neuron of a dense layer for ``image``.

    Args:
        model: a Keras Sequential model.
        image: the drawing.
        layer: the dense layer (index or name).
        unit: which neuron.
        top_k: how many of the largest |input * weight| terms to list (1..1000).

    Returns:
        A DenseNeuron; ``top`` is sorted by decreasing |product|.
    """
    index, keras_layer = layer_of_kind(model, layer, "dense")
    if not 1 <= int(top_k) <= 1000:
        raise ExplainError(f"top_k must be 1..1000, got {top_k}.")
    result = trace(model, image)
    x = _flat_input(result, index, keras_layer.name)
    kernel, bias = kernel_and_bias(keras_layer)
    unit = check_index(unit, kernel.shape[1], "unit")
    weights = kernel[:, unit]
    products = x * weights
    pre_all = x @ kernel + bias
    source_shape = flatten_source_shape(model, index)
    order = np.argsort(-np.abs(products), kind="stable")[: int(top_k)]
    top = [
        Contribution(
            index=int(i),
            input=float(x[i]),
            weight=float(weights[i]),
            product=float(products[i]),
            position=_position(int(i), source_shape) if source_shape else None,
        )
        for i in order
    ]
    return DenseNeuron(
        layer_index=index,
        layer_name=keras_layer.name,
        unit=unit,
        inputs=x,
        weights=weights,
        top=top,
        **weighted_sum(keras_layer, products, pre_all, bias, unit, result.outputs[index][unit]),
    )


def class_index(label: int | str, num_classes: int = 26) -> int:
    """A class index from an index or a letter ('a' and 'A' are both class 0).

    Raises:
        ExplainError: for anything that is not one of the ``num_classes`` classes.
    """
    if isinstance(label, str):
        letter = label.strip().upper()
        if len(letter) != 1 or letter not in LETTERS[:num_classes]:
            raise ExplainError(f"{label!r} is not a letter A-{LETTERS[num_classes - 1]}.")
        return LETTERS.index(letter)
    return check_index(label, num_classes, "class")


@dataclass
class SoftmaxLoss:
    """The last layer's logits turned into probabilities, and the loss for a true letter.

    ``exp`` holds exp(logit - shift) with ``shift`` the largest logit (the same probabilities,
    without overflow). ``loss`` is -log p(true), computed from the logits as
    log(sum(exp(logits))) - logit(true): that is what Keras' SparseCategoricalCrossentropy
    uses when the probabilities come from a softmax, as in training (no clipping at 1e-7).
    """

    logits: np.ndarray
    shift: float
    exp: np.ndarray
    exp_sum: float
    probabilities: np.ndarray
    model_probabilities: np.ndarray
    predicted: int
    true_class: int | None
    true_probability: float | None
    loss: float | None


def logits_of(model: keras.Model, result: Trace) -> np.ndarray:
    """The pre-softmax scores of the model's last layer for a traced image.

    Raises:
        ExplainError: if the network does not end in a softmax.
    """
    index = len(model.layers) - 1
    last = model.layers[index]
    kind = layer_kind(last)
    function = getattr(last, "activation", None)
    if type(last).__name__ == "Softmax":
        return np.asarray(result.input_of(index), dtype=np.float64)
    if function is None or activation_name(function) != "softmax":
        raise ExplainError(f"The last layer ({last.name}) has no softmax, so there are no "
                           "probabilities to explain; end the network with a dense softmax layer.")
    if kind == "dense":
        kernel, bias = kernel_and_bias(last)
        return _flat_input(result, index, last.name) @ kernel + bias
    if kind == "activation":
        return np.asarray(result.input_of(index), dtype=np.float64)
    raise ExplainError(f"Softmax inside a {kind} layer is not supported; use a dense layer.")


def cross_entropy(probabilities: np.ndarray, true_class: int) -> float:
    """-log p(true) from probabilities alone, as SparseCategoricalCrossentropy computes it.

    Keras clips the probabilities to [1e-7, 1 - 1e-7] in that case, so the loss stops at
    about 16.1; ``softmax_loss`` works from the logits and has no such limit.
    """
    epsilon = keras.config.epsilon()
    clipped = np.clip(np.asarray(probabilities, dtype=np.float64), epsilon, 1 - epsilon)
    logs = np.log(clipped)
    # Keras feeds log(p) to a softmax cross-entropy, which renormalises the clipped values.
    return float(np.log(np.exp(logs).sum()) - logs[true_class])


def softmax_loss(model: keras.Model, image, true_class: int | str | None = None) -> SoftmaxLoss:
    """Logits, exponentials, probabilities and (given a true letter) the cross-entropy loss.

    Args:
        model: a Keras Sequential model ending in softmax.
        image: the drawing.
        true_class: the correct letter or class index, or None for no loss.
    """
    result = trace(model, image)
    logits = logits_of(model, result)
    shift = float(logits.max())
    exp = np.exp(logits - shift)
    probabilities = exp / exp.sum()
    true_index = probability = loss = None
    if true_class is not None:
        true_index = class_index(true_class, len(logits))
        probability = float(probabilities[true_index])
        loss = float(shift + np.log(exp.sum()) - logits[true_index])
    return SoftmaxLoss(
        logits=logits,
        shift=shift,
        exp=exp,
        exp_sum=float(exp.sum()),
        probabilities=probabilities,
        model_probabilities=np.asarray(result.outputs[-1]),
        predicted=int(np.argmax(probabilities)),
        true_class=true_index,
        true_probability=probability,
        loss=loss,
    )
