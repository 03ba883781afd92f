"""Real forward passes for the network overview tests: the shipped default model, and presets
with their untrained (Gaussian) weights, each run by the numpy engine on a drawn letter."""

from __future__ import annotations

import numpy as np
from support_letters import letter_strokes

from cnn_studio.model.ink.preprocess import strokes_to_image
from cnn_studio.model.nets.numpy_forward import network_from_spec
from cnn_studio.model.spec.analysis import analyze
from cnn_studio.model.spec.files import load_spec
from cnn_studio.model.spec.network import resolve_params
from cnn_studio.model.storage import paths


def drawing(letter: str = "T", seed: int = 0) -> np.ndarray:
    """A jittered drawing of ``letter`` (one of support_letters.SHAPES) as a 28x28 image."""
    return strokes_to_image(letter_strokes(letter, np.random.default_rng(seed)))


def default_network():
    """The shipped default model: (spec, Keras-ordered weights, numpy network)."""
    from cnn_studio.model.nets.keras_file import load_network

    network = load_network(paths.DEFAULT_MODEL_DIR / "default.keras")
    spec = load_spec(paths.DEFAULT_MODEL_DIR / "default.cnn.json")
    weights = [array for layer in network.layers for array in layer.weights]
    return spec, weights, network


def gaussian_weights(spec, seed: int = 0, sigma: float = 0.05) -> list[np.ndarray]:
    """Untrained weights for ``spec`` in Keras order: kernels drawn from N(0, sigma), zero
    biases, batch normalisation at its starting values (scale 1, shift 0, mean 0, variance 1)."""
    rng = np.random.default_rng(seed)
    weights = []
    for layer, report in zip(spec.layers, analyze(spec).layers, strict=True):
        params = resolve_params(layer)[0]
        if layer.kind == "conv2d":
            shape = (params["kernel_h"], params["kernel_w"], report.input_shape[-1],
                     params["filters"])
        elif layer.kind == "dense":
            shape = (report.input_shape[-1], params["units"])
        elif layer.kind == "batchnorm":
            channels = report.input_shape[-1]
            weights += [np.ones(channels), np.zeros(channels), np.zeros(channels),
                        np.ones(channels)]
            continue
        else:
            continue
        weights.append(rng.normal(0.0, sigma, size=shape).astype(np.float32))
        if params["use_bias"]:
            weights.append(np.zeros(shape[-1], np.float32))
    return [np.asarray(w, np.float32) for w in weights]


def forward(spec, weights, image):
    """The numpy engine's Prediction of ``image`` by ``spec`` with ``weights``."""
    return network_from_spec(spec, weights).forward(image)
