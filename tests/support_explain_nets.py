"""Random small Keras CNNs for the explain-mode tests, and their outputs as Keras computes them.

``make_cases`` gives the networks (every pooling, strides, 'same' padding, batchnorm, dropout,
non-zero biases) with a drawing each and every layer's reference output; ``probed`` picks output
cells to check a hand-computed value at.
"""

from __future__ import annotations

import keras
import numpy as np

from cnn_studio.model import explain as ex
from cnn_studio.model.nets.keras_build import SumPooling2D

TOL = {"rtol": 1e-5, "atol": 1e-5}
CONV_ACTIVATIONS = ["relu", "sigmoid", "tanh", "linear", "elu", "gelu", "leaky_relu"]
N_MODELS = 8


def _conv(rng, size):
    kernel = int(rng.integers(1, min(5, size) + 1))
    stride = int(rng.integers(1, 4))
    dilation = 2 if stride == 1 and kernel > 1 and rng.random() < 0.25 else 1
    padding = str(rng.choice(["valid", "same"]))
    if dilation == 2 and (kernel - 1) * 2 + 1 > size:
        dilation = 1
    return keras.layers.Conv2D(
        int(rng.integers(1, 5)), (kernel, int(rng.integers(1, min(5, size) + 1))),
        strides=stride, padding=padding, dilation_rate=dilation,
        activation=str(rng.choice(CONV_ACTIVATIONS)), use_bias=bool(rng.random() < 0.8))


def _pool(rng, size):
    pool = int(rng.integers(2, min(3, size) + 1))
    stride = int(rng.integers(1, pool + 1))
    padding = str(rng.choice(["valid", "same"]))
    cls = [keras.layers.MaxPooling2D, keras.layers.AveragePooling2D, SumPooling2D][
        int(rng.integers(0, 3))]
    return cls(pool_size=pool, strides=stride, padding=padding)


def _pointwise(rng):
    choice = int(rng.integers(0, 4))
    if choice == 0:
        return keras.layers.BatchNormalization()
    if choice == 1:
        return keras.layers.Activation(str(rng.choice(CONV_ACTIVATIONS)))
    if choice == 2:
        return keras.layers.Dropout(0.5)
    return None


def random_model(seed: int) -> keras.Sequential:
    """A random small CNN covering strides, 'same' padding, every pooling and extra layers."""
    rng = np.random.default_rng(seed)
    model = keras.Sequential([keras.Input((28, 28, 1))])
    for stage in range(2):
        size = model.output_shape[1] if model.layers else 28
        if stage == 1 and (size < 2 or rng.random() < 0.3):
            break
        model.add(_conv(rng, size))
        extra = _pointwise(rng)
        if extra is not None:
            model.add(extra)
        size = min(model.output_shape[1:3])
        if size >= 2 and rng.random() < 0.8:
            model.add(_pool(rng, size))
    if rng.random() < 0.8:
        model.add(keras.layers.Flatten())
    else:
        model.add(keras.layers.GlobalAveragePooling2D())
    if rng.random() < 0.5:
        model.add(keras.layers.Dropout(0.3))
    if rng.random() < 0.6:
        model.add(keras.layers.Dense(int(rng.integers(3, 9)),
                                     activation=str(rng.choice(CONV_ACTIVATIONS))))
    model.add(keras.layers.Dense(26, activation="softmax"))
    _randomise(model, rng)
    return model


def _randomise(model, rng) -> None:
    """Non-zero biases and batchnorm statistics so every term of every formula matters."""
    weights = []
    for variable in model.weights:
        shape = tuple(variable.shape)
        if "variance" in variable.name:
            weights.append(rng.uniform(0.5, 2.0, shape))
        else:
            weights.append(rng.normal(0.0, 0.4, shape) + (1.0 if "gamma" in variable.name else 0))
    model.set_weights([w.astype(np.float32) for w in weights])


def random_image(seed: int) -> np.ndarray:
    """A 28x28 drawing: a vertical stroke plus faint noise everywhere."""
    rng = np.random.default_rng(seed)
    image = np.zeros((28, 28), np.float32)
    image[4:24, 6:9] = 1.0  # a stroke, plus faint noise everywhere
    image += rng.uniform(0, 0.3, image.shape).astype(np.float32)
    return np.clip(image, 0, 1)


def reference_outputs(model, image) -> list[np.ndarray]:
    """Every layer's output from a Keras functional model (independent of explain's trace)."""
    probe = keras.Model(model.inputs[0], [layer.output for layer in model.layers])
    return [np.asarray(o)[0] for o in probe(image[None, :, :, None], training=False)]


def make_cases() -> list[tuple[keras.Sequential, np.ndarray, list[np.ndarray]]]:
    """``N_MODELS`` (model, drawing, every layer's Keras output) triples, the same each time."""
    out = []
    for seed in range(N_MODELS):
        model = random_model(seed)
        image = random_image(seed)
        out.append((model, image, reference_outputs(model, image)))
    return out


def indices_of(model, kind):
    """Indices of ``model``'s layers of spec kind ``kind``."""
    return [i for i, layer in enumerate(model.layers) if ex.layer_kind(layer) == kind]


def probe_cells(geometry, rng, count=4):
    """Output cells to check: three corners and up to ``count`` random cells."""
    rows, cols = geometry.output_size
    cells = {(0, 0), (rows - 1, cols - 1), (0, cols - 1)}
    cells |= {(int(rng.integers(rows)), int(rng.integers(cols))) for _ in range(count)}
    return sorted(cells)


def probed(model, reference, index, rng):
    """(geometry, row, col, channel, Keras's value) for probed output cells of layer ``index``.

    The channel is a random output channel (a pooling layer's output channel is its input's).
    """
    geometry = ex.window_geometry(model, index)
    for row, col in probe_cells(geometry, rng):
        channel = int(rng.integers(geometry.channels_out))
        yield geometry, row, col, channel, reference[index][row, col, channel]


def assert_explains(value, model_value, want) -> None:
    """The hand-made value and the model's value both equal Keras's output ``want``."""
    np.testing.assert_allclose(value, want, **TOL)
    np.testing.assert_allclose(model_value, want, **TOL)
