"""Models made elsewhere, built with plain Keras as a user would (test helper, issue 27)."""

from __future__ import annotations

import keras
import numpy as np


def _save(model: keras.Model, path) -> keras.Model:
    """Give ``model`` seeded weights (as if trained) and save it as a Keras user would."""
    rng = np.random.default_rng(3)
    model.set_weights([rng.normal(0, 0.3, w.shape).astype("float32")
                       for w in model.get_weights()])
    model.save(path)
    return model


def plain_keras_27(path, plain_input: bool):
    """What a Keras tutorial on EMNIST letters builds: labels 1..26, so 27 outputs."""
    layers = [keras.Input((28, 28) if plain_input else (28, 28, 1))]
    if plain_input:
        layers.append(keras.layers.Reshape((28, 28, 1)))
    layers += [keras.layers.Conv2D(4, 3, activation="relu"), keras.layers.MaxPooling2D(),
               keras.layers.Flatten(), keras.layers.Dense(16, activation="relu"),
               keras.layers.Dense(27, activation="softmax")]
    return _save(keras.Sequential(layers), path)


def functional_with_other_layers(path):
    """(28, 28) input through layers the builder does not offer, 27 outputs."""
    images = keras.Input((28, 28))
    x = keras.layers.Conv1D(8, 3, activation="relu")(images)
    x = keras.layers.LayerNormalization()(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    return _save(keras.Model(images, keras.layers.Dense(27, activation="softmax")(x)), path)
