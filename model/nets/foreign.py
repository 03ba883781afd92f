"""Models made elsewhere: the two conventions of EMNIST letter models trained with plain Keras.

CNN Studio's networks read ``(28, 28, 1)`` images and give 26 letter scores. A model trained
with plain Keras on EMNIST letters often differs in one or both of two ways, recognised here:

- it reads ``(28, 28)`` images (no channel axis);
- it has 27 outputs, class 0 unused, because EMNIST numbers the letters 1..26.

A recognised model is adapted, never retrained: when it is a plain stack of layers the layer
builder offers, it becomes the same stack on ``(28, 28, 1)`` (a leading
``Reshape((28, 28, 1))`` is dropped, and the unused class's row of the last Dense layer with
it: softmax over the other 26 scores gives exactly the 27-class probabilities of the letters,
renormalised). Any other model is wrapped unchanged between a reshape and
:class:`DropFirstClass` and used read-only: the layer builder cannot show it, so it is never
rewritten into another network.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from cnn_studio.model.nets.keras_build import spec_from_model
from cnn_studio.model.spec.network import INPUT_SHAPE, NUM_CLASSES, SpecError

PLAIN_INPUT = INPUT_SHAPE[:2]  # (28, 28): the image without its channel axis
EMNIST_CLASSES = NUM_CLASSES + 1  # 27: EMNIST letters' labels 1..26, class 0 unused


@dataclass(frozen=True)
class Adapted:
    """A model made elsewhere, adapted to CNN Studio.

    Attributes:
        model: the adapted model, ``(28, 28, 1)`` images to 26 letter scores.
        note: one line saying which conventions were recognised and how the model is used.
        read_only: the layer builder cannot show it (it is wrapped, not rebuilt).
    """

    model: keras.Model
    note: str
    read_only: bool


@keras.saving.register_keras_serializable(package="cnn_studio")
class DropFirstClass(keras.layers.Layer):
    """Drop class 0 of 27 scores; probabilities (``renormalise``) are divided by their sum."""

    def __init__(self, renormalise: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.renormalise = bool(renormalise)

    def call(self, scores):
        letters = scores[:, 1:]
        if self.renormalise:
            letters = letters / keras.ops.maximum(
                keras.ops.sum(letters, axis=-1, keepdims=True), 1e-12)
        return letters

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1] - 1)

    def get_config(self):
        return {**super().get_config(), "renormalise": self.renormalise}


def shapes(model: keras.Model) -> tuple[tuple | None, tuple | None]:
    """``(input shape, output shape)`` of one image, without the batch axis."""
    inputs = getattr(model, "inputs", None)
    outputs = getattr(model, "outputs", None)
    return (tuple(inputs[0].shape[1:]) if inputs else None,
            tuple(outputs[0].shape[1:]) if outputs else None)


def conventions(in_shape, out_shape) -> list[str] | None:
    """The conventions a model of these shapes follows (empty: CNN Studio's own), or None
    when it fits neither."""
    found = []
    if in_shape == PLAIN_INPUT:
        found.append("(28, 28) images without a channel axis")
    elif in_shape != INPUT_SHAPE:
        return None
    if out_shape == (EMNIST_CLASSES,):
        found.append("27 outputs with class 0 unused (EMNIST letters numbered 1..26)")
    elif out_shape != (NUM_CLASSES,):
        return None
    return found


def unsupported(name: str, in_shape, out_shape) -> str:
    """The one line for a model that fits no convention."""
    return (f"{name} maps {in_shape} to {out_shape}, but CNN Studio needs a network from "
            f"28x28x1 (or 28x28) images to {NUM_CLASSES} letter scores (or 27 with class 0 "
            "unused, as EMNIST letters number them 1..26).")


def _ends_in_softmax(layer) -> bool:
    return getattr(getattr(layer, "activation", None), "__name__", "") == "softmax"


def _clone(layer):
    return type(layer).from_config(layer.get_config())


def rebuilt(model: keras.Model, plain_input: bool, extra_class: bool) -> keras.Model | None:
    """The same stack of layers on ``(28, 28, 1)`` with 26 outputs, or None when ``model`` is
    not a plain stack the layer builder can show."""
    if not isinstance(model, keras.Sequential):
        return None
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    if plain_input and layers and isinstance(layers[0], keras.layers.Reshape) \
            and tuple(layers[0].target_shape) == INPUT_SHAPE:
        layers = layers[1:]
    if not layers or (extra_class and not isinstance(layers[-1], keras.layers.Dense)):
        return None
    clones = [_clone(layer) for layer in layers]
    if extra_class:
        config = {**layers[-1].get_config(), "units": NUM_CLASSES}
        clones[-1] = keras.layers.Dense.from_config(config)
    try:
        new = keras.Sequential([keras.Input(INPUT_SHAPE), *clones], name=model.name)
        for old, clone in zip(layers, clones, strict=True):
            weights = old.get_weights()
            if extra_class and old is layers[-1]:
                weights = [weights[0][:, 1:], *([weights[1][1:]] if len(weights) > 1 else [])]
            clone.set_weights(weights)
        spec_from_model(new)
    except (SpecError, ValueError, TypeError):
        return None
    return new


def wrapped(model: keras.Model, plain_input: bool, extra_class: bool) -> keras.Model:
    """``model`` unchanged inside a ``(28, 28, 1)`` to 26-scores model (read-only use)."""
    images = keras.Input(INPUT_SHAPE, name="letter_image")
    x = keras.layers.Reshape(PLAIN_INPUT, name="drop_channel")(images) if plain_input else images
    x = model(x)
    if extra_class:
        x = DropFirstClass(renormalise=_ends_in_softmax(model.layers[-1]),
                           name="drop_class_0")(x)
    return keras.Model(images, x, name=f"{model.name}_as_letters")


def adapt(model: keras.Model, name: str) -> Adapted | None:
    """Adapt a loaded model that follows the conventions above (None: it is CNN Studio's own).

    Args:
        model: the loaded Keras model.
        name: its file name, for the note.

    Raises:
        SpecError: the model fits no convention (the message says what is supported).
    """
    in_shape, out_shape = shapes(model)
    found = conventions(in_shape, out_shape)
    if found is None:
        raise SpecError(unsupported(name, in_shape, out_shape))
    if not found:
        return None
    plain_input, extra_class = in_shape == PLAIN_INPUT, out_shape == (EMNIST_CLASSES,)
    recognised = f"{name}: recognised a model made elsewhere ({'; '.join(found)})"
    new = rebuilt(model, plain_input, extra_class)
    if new is not None:
        return Adapted(new, f"{recognised}; used as the same layers on (28, 28, 1) images"
                       + (" with class 0 left out" if extra_class else ""), False)
    return Adapted(wrapped(model, plain_input, extra_class),
                   f"{recognised}; its layers are not all ones the layer builder shows, so it "
                   "is used read-only, as it is", True)


def same_letter_scores(original: keras.Model, adapted: keras.Model, images: np.ndarray) -> float:
    """Largest difference between the adapted model's scores and the original's letters
    (renormalised), on ``images`` ``(n, 28, 28, 1)``: a check that nothing changed."""
    in_shape, out_shape = shapes(original)
    feed = images[..., 0] if in_shape == PLAIN_INPUT else images
    scores = np.asarray(original(feed, training=False))
    if out_shape == (EMNIST_CLASSES,):
        scores = scores[:, 1:]
        if _ends_in_softmax(original.layers[-1]):
            scores = scores / scores.sum(axis=1, keepdims=True)
    return float(np.abs(np.asarray(adapted(images, training=False)) - scores).max())
