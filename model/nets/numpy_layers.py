"""What each layer computes in the numpy engine: the operations ``numpy_forward`` runs.

A convolution is a matrix product of the image's windows (im2col, via ``sliding_window_view``)
with the kernels, a Dense layer a matrix product, pooling a max, mean or sum over the same
windows, batch normalisation a scale and shift (inference mode). ``OPS`` maps a spec kind to its
operation; ``ACTIVATIONS`` an activation's name to its function. Explain mode's "Forward pass in
numpy" tab shows the source of these functions, so they stay short and plain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cnn_studio.model.spec.network import POOL_KINDS


@dataclass(frozen=True)
class EngineLayer:
    """One layer for the engine.

    Attributes:
        name: the layer's name (``01_conv2d``...).
        kind: a spec kind (``conv2d``, ``maxpool2d``, ``dense``, ``batchnorm``...).
        config: settings: ``strides`` (pair), ``padding`` and ``activation`` for conv2d;
            ``pool_size``, ``strides`` (pairs) and ``padding`` for pools; ``activation`` for
            dense and activation; ``epsilon`` for batchnorm; nothing for the others.
        weights: Keras order: kernel[, bias]; batchnorm gamma, beta, moving mean, moving var.
    """

    name: str
    kind: str
    config: dict = field(default_factory=dict)
    weights: tuple[np.ndarray, ...] = ()


def softmax(x):
    """Probabilities of scores along the last axis (stable: the maximum is subtracted)."""
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _erf(x):
    """erf to about 1e-7 (Abramowitz & Stegun 7.1.26), in float64; numpy has no erf."""
    x = x.astype(np.float64)
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741
                                                       + t * (-1.453152027 + t * 1.061405429))))
    return np.sign(x) * (1.0 - poly * np.exp(-x * x))


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda x: x,
    "none": lambda x: x,
    "relu": lambda x: np.maximum(x, np.float32(0)),
    "sigmoid": lambda x: np.exp(-np.logaddexp(np.float32(0), -x)),
    "tanh": np.tanh,
    "softmax": softmax,
    "leaky_relu": lambda x: np.maximum(x, np.float32(0.2) * x),  # Keras' slope 0.2
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "gelu": lambda x: (0.5 * x * (1 + _erf(x / np.sqrt(2)))).astype(np.float32),  # exact form
}


def out_and_pads(n: int, k: int, s: int, padding: str) -> tuple[int, tuple[int, int]]:
    """Output length and (before, after) zero padding of one axis, TensorFlow's rule."""
    if padding == "valid":
        return (n - k) // s + 1, (0, 0)
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return out, (total // 2, total - total // 2)  # the odd pixel goes after


def _windows(x, size, strides, padding, fill):
    """(N, OH, OW, C, kh, kw) view of every window of x (N, H, W, C)."""
    oh, ph = out_and_pads(x.shape[1], size[0], strides[0], padding)
    ow, pw = out_and_pads(x.shape[2], size[1], strides[1], padding)
    if padding == "same" and (any(ph) or any(pw)):
        x = np.pad(x, ((0, 0), ph, pw, (0, 0)), constant_values=fill)
    view = sliding_window_view(x, size, axis=(1, 2))
    return view[:, ::strides[0], ::strides[1]][:, :oh, :ow]


def _conv(layer: EngineLayer, x):
    kernel = layer.weights[0]
    win = _windows(x, kernel.shape[:2], layer.config["strides"], layer.config["padding"], 0)
    n, oh, ow = win.shape[:3]  # im2col: one row per position, in the kernel's (kh, kw, c) order
    rows = win.transpose(0, 1, 2, 4, 5, 3).reshape(n * oh * ow, -1)
    out = (rows @ kernel.reshape(-1, kernel.shape[3])).reshape(n, oh, ow, -1)
    if len(layer.weights) > 1:
        out += layer.weights[1]
    return ACTIVATIONS[layer.config["activation"]](out)


def _pool(layer: EngineLayer, x):
    size, strides, padding = (layer.config[k] for k in ("pool_size", "strides", "padding"))
    if layer.kind == "maxpool2d":
        return _windows(x, size, strides, padding, -np.inf).max(axis=(4, 5))
    sums = _windows(x, size, strides, padding, 0).sum(axis=(4, 5), dtype=np.float32)
    if layer.kind == "sumpool2d":
        return sums
    ones = np.ones((1, *x.shape[1:3], 1), np.float32)  # 'same' averages only real pixels
    return sums / _windows(ones, size, strides, padding, 0).sum(axis=(4, 5))


def _dense(layer: EngineLayer, x):
    out = np.tensordot(x, layer.weights[0], axes=1)
    if len(layer.weights) > 1:
        out += layer.weights[1]
    return ACTIVATIONS[layer.config["activation"]](out)


def _batchnorm(layer: EngineLayer, x):
    gamma, beta, mean, var = layer.weights
    inv = gamma / np.sqrt(var + np.float32(layer.config["epsilon"]))  # tf.nn.batch_normalization
    return x * inv + (beta - mean * inv)


OPS = {
    "conv2d": _conv,
    "dense": _dense,
    "batchnorm": _batchnorm,
    "activation": lambda layer, x: ACTIVATIONS[layer.config["activation"]](x),
    "dropout": lambda layer, x: x,
    "flatten": lambda layer, x: x.reshape(len(x), -1),
    "globalavgpool2d": lambda layer, x: x.mean(axis=(1, 2), dtype=np.float32),
    **dict.fromkeys(POOL_KINDS, _pool),
}
