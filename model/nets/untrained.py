"""The network being edited, before training: its starting weights drawn from a Gaussian.

The seed texts say kernels start as random numbers from a Gaussian (a normal distribution).
:func:`initial_weights` draws them for any valid spec, in the order Keras stores weights, from a
seed: the same spec and seed always give the same numbers, and a layer's draw depends only on
the seed and its position, so editing a later layer leaves earlier kernels as they were.

Standard deviation of each kernel: the layer's own sigma when the builder's "Initial weights" is
``gaussian``; otherwise He's ``sqrt(2 / fan_in)`` (fan_in = kernel height x width x input
channels for Conv2D, inputs for Dense). He's choice keeps the spread of the values about the same
from layer to layer behind ReLU, so an untrained network's maps are neither blank nor
saturated. Biases start at 0 and batch normalisation at its identity (gamma 1, beta 0, moving
mean 0, moving variance 1), as in Keras.

Pure numpy: the numpy forward engine runs these weights without TensorFlow, and
``keras_build.build_untrained_model`` puts the very same arrays into a Keras model.
"""

from __future__ import annotations

import math

import numpy as np

from cnn_studio.model.nets.numpy_forward import NumpyNetwork, network_from_spec
from cnn_studio.model.spec.analysis import analyze
from cnn_studio.model.spec.network import NetworkSpec, SpecError, resolve_params

MAX_SEED = 2**32 - 1


def check_seed(seed: int) -> int:
    """``seed`` as an int after checking it is a whole number 0..2**32-1.

    Raises:
        SpecError: for anything else.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) \
            or not 0 <= seed <= MAX_SEED:
        raise SpecError(f"The seed must be a whole number from 0 to {MAX_SEED}, not {seed!r}.")
    return int(seed)


def kernel_sigma(params: dict, fan_in: int) -> float:
    """Standard deviation of a conv/dense layer's starting kernel (see the module docstring).

    Args:
        params: the layer's resolved settings (``resolve_params``).
        fan_in: the inputs one output value reads.
    """
    if params.get("initializer") == "gaussian":
        return float(params["sigma"])
    return math.sqrt(2.0 / max(fan_in, 1))


def initial_weights(spec: NetworkSpec, seed: int = 0) -> list[np.ndarray]:
    """The untrained weights of ``spec``, float32, in Keras order (``model.get_weights()``).

    Args:
        spec: a valid network (``analyze(spec).valid``).
        seed: 0..2**32-1; layer ``i`` draws from ``numpy.random.default_rng([seed, i])``.

    Returns:
        kernel[, bias] per conv2d/dense layer, gamma, beta, moving mean and moving variance per
        batchnorm layer, in layer order.

    Raises:
        SpecError: the spec is invalid (the message lists why) or the seed is out of range.
    """
    seed = check_seed(seed)
    report = analyze(spec)
    if not report.valid:
        raise SpecError("The network cannot be built: " + " ".join(report.errors))
    weights: list[np.ndarray] = []
    for index, (layer, info) in enumerate(zip(spec.layers, report.layers, strict=True)):
        params, _ = resolve_params(layer)
        in_shape = info.input_shape
        assert in_shape is not None  # a valid network: every layer has its input shape
        shape: tuple[int, ...]
        if layer.kind in ("conv2d", "dense"):
            if layer.kind == "conv2d":
                shape = (params["kernel_h"], params["kernel_w"], in_shape[-1],
                         params["filters"])
            else:
                shape = (in_shape[0], params["units"])
            fan_in = math.prod(shape[:-1])
            rng = np.random.default_rng([seed, index])
            weights.append(rng.normal(0.0, kernel_sigma(params, fan_in), shape)
                           .astype(np.float32))
            if params["use_bias"]:
                weights.append(np.zeros(shape[-1], np.float32))
        elif layer.kind == "batchnorm":
            channels = in_shape[-1]
            weights += [np.ones(channels, np.float32), np.zeros(channels, np.float32),
                        np.zeros(channels, np.float32), np.ones(channels, np.float32)]
    return weights


def untrained_network(spec: NetworkSpec, seed: int = 0) -> NumpyNetwork:
    """The numpy forward engine for ``spec`` with :func:`initial_weights` (no TensorFlow).

    Raises:
        SpecError: the spec is invalid or the seed is out of range.
    """
    return network_from_spec(spec, initial_weights(spec, seed))
