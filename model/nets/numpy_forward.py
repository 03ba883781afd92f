"""The forward pass in plain numpy: every layer the builder offers, no TensorFlow needed.

A CNN is sums of products (``model.nets.numpy_layers`` holds what each layer computes). This
module checks a network before it runs (settings, weight shapes, output sizes) and runs it:
everything is float32, vectorised, and matches Keras (with the TensorFlow backend) to about
1e-6, including the 'same' padding rules and batch normalisation in inference mode. Dropout does
nothing when predicting.

Build a :class:`NumpyNetwork` from :class:`EngineLayer` objects, from a spec plus Keras-ordered
weights (:func:`network_from_spec`), or from a ``.keras`` file (``model.nets.keras_file``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cnn_studio.model.nets.keras_code import layer_name
from cnn_studio.model.nets.numpy_layers import (
    ACTIVATIONS,
    OPS,
    EngineLayer,
    out_and_pads,
    softmax,
)
from cnn_studio.model.spec.analysis import analyze
from cnn_studio.model.spec.network import (
    INPUT_SHAPE,
    POOL_KINDS,
    NetworkSpec,
    SpecError,
    resolve_params,
)

BN_EPSILON = 1e-3  # Keras' default, which keras_build uses
MAX_WINDOW = 64  # kernel, pool and stride sides the engine accepts
MAX_LAYER_VALUES = 2**22  # numbers one layer may output per image
WEIGHTED = {"conv2d": (1, 2), "dense": (1, 2), "batchnorm": (4,)}  # allowed weight counts


class ForwardError(SpecError):
    """A network or weights the numpy engine cannot run; the message says why."""


@dataclass(frozen=True)
class Prediction:
    """The result of one forward pass of one image (the TensorFlow predictor returns the same type).

    Attributes:
        probs: (num_classes,) class probabilities summing to 1.
        activations: one array per layer, the layer's output without the batch dimension.
        layer_names: the Keras name of each layer, in order.
        layer_kinds: the spec kind of each layer (``conv2d``, ``dense``...), in order.
    """

    probs: np.ndarray
    activations: list[np.ndarray]
    layer_names: list[str]
    layer_kinds: list[str]

    @property
    def top_class(self) -> int:
        """Index of the most probable class."""
        return int(np.argmax(self.probs))


def _pair_ok(value) -> bool:
    return (isinstance(value, tuple) and len(value) == 2
            and all(isinstance(v, int) and 1 <= v <= MAX_WINDOW for v in value))


def _check_config(layer: EngineLayer) -> None:
    """Raise ForwardError for settings the engine does not know."""
    c = layer.config
    if layer.kind in ("conv2d", "dense", "activation") and c.get("activation") not in ACTIVATIONS:
        raise ForwardError(f"the activation {c.get('activation')!r} is not supported")
    if layer.kind in ("conv2d", *POOL_KINDS):
        if not _pair_ok(c.get("strides")) or c.get("padding") not in ("valid", "same"):
            raise ForwardError(f"bad strides {c.get('strides')!r} or padding {c.get('padding')!r}")
    if layer.kind in POOL_KINDS and not _pair_ok(c.get("pool_size")):
        raise ForwardError(f"bad pool size {c.get('pool_size')!r}")
    eps = c.get("epsilon")
    if layer.kind == "batchnorm" and not (isinstance(eps, float) and 0 < eps < 1):
        raise ForwardError(f"bad epsilon {eps!r}")
    count = len(layer.weights)
    if count not in WEIGHTED.get(layer.kind, (0,)):
        raise ForwardError(f"{count} weight arrays is wrong for this layer")


def _spatial(shape, size, strides, padding) -> tuple[int, int]:
    if len(shape) != 3:
        raise ForwardError(f"needs an image-shaped input (height, width, channels), got {shape}")
    rows, cols = (out_and_pads(n, k, s, padding)[0]
                  for n, k, s in zip(shape[:2], size, strides, strict=True))
    if min(rows, cols) < 1:
        raise ForwardError(f"the {size[0]}x{size[1]} window does not fit the {shape[0]}x"
                           f"{shape[1]} input with 'valid' padding")
    return rows, cols


def _expect(array, shape: tuple, what: str) -> None:
    if array.shape != shape:
        raise ForwardError(f"the {what} has shape {array.shape}, expected {shape}")


def _output_shape(layer: EngineLayer, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Shape (without batch) of the layer's output; checks the weights' shapes."""
    w, c = layer.weights, layer.config
    if layer.kind == "conv2d":
        if w[0].ndim != 4 or not 1 <= max(w[0].shape[:2]) <= MAX_WINDOW:
            raise ForwardError(f"the kernel has shape {w[0].shape}, not (h, w, in, out)")
        out = _spatial(shape, w[0].shape[:2], c["strides"], c["padding"])
        _expect(w[0], (*w[0].shape[:2], shape[-1], w[0].shape[3]), "kernel")
        return (*out, w[0].shape[3])
    if layer.kind in POOL_KINDS:
        return (*_spatial(shape, c["pool_size"], c["strides"], c["padding"]), shape[-1])
    if layer.kind == "dense":
        units = w[0].shape[-1] if w[0].ndim == 2 else -1
        _expect(w[0], (shape[-1], units), "kernel")
        return (*shape[:-1], units)
    if layer.kind == "flatten":
        return (int(np.prod(shape)),)
    if layer.kind == "globalavgpool2d":
        _spatial(shape, (1, 1), (1, 1), "valid")  # checks for an image-shaped input
        return (shape[-1],)
    return shape


def _check_layer(layer: EngineLayer, shape: tuple[int, ...], where: str) -> tuple[int, ...]:
    try:
        if layer.kind not in OPS:
            raise ForwardError(f"the layer type {layer.kind!r} is not supported")
        _check_config(layer)
        out = _output_shape(layer, shape)
        units = out[-1] if out else 0
        for bias in layer.weights[1:2] if layer.kind != "batchnorm" else ():
            _expect(bias, (units,), "bias")
        for vector, what in zip(layer.weights if layer.kind == "batchnorm" else (), (
                "gamma", "beta", "moving mean", "moving variance"), strict=False):
            _expect(vector, (shape[-1],), what)
    except (TypeError, KeyError, IndexError, AttributeError) as error:
        raise ForwardError(f"{where}: bad settings ({type(error).__name__}: {error})") from None
    except ForwardError as error:
        raise ForwardError(f"{where}: {error}") from None
    if int(np.prod(out)) > MAX_LAYER_VALUES:
        raise ForwardError(f"{where}: outputs {out}, more than {MAX_LAYER_VALUES} numbers")
    return out


def _as_float32(layer: EngineLayer) -> EngineLayer:
    arrays = []
    for array in layer.weights:
        array = np.array(array, dtype=np.float32)  # a private, read-only copy
        array.setflags(write=False)
        arrays.append(array)
    return EngineLayer(str(layer.name), layer.kind, dict(layer.config), tuple(arrays))


def _ends_in_softmax(layer: EngineLayer) -> bool:
    return layer.kind in ("dense", "activation") and layer.config["activation"] == "softmax"


def as_batch(images, input_shape: tuple[int, ...], single: bool) -> np.ndarray:
    """``images`` as a float32 batch (n, H, W, C) for a network of ``input_shape``, checked.

    ``single``: one image, (H, W) (one channel), (H, W, C) or (1, H, W, C); else a batch.
    Both engines (this one and the TensorFlow predictor) take their input through here.
    """
    array = np.asarray(images, dtype=np.float32)
    h, w, c = input_shape
    if single:
        if array.shape == (h, w) and c == 1:
            array = array[..., None]
        if array.shape == (1, h, w, c):
            array = array[0]
        if array.shape != (h, w, c):
            raise ValueError(f"the image has shape {array.shape}, the network needs ({h}, "
                             f"{w}) or ({h}, {w}, {c}): preprocess drawings first")
        array = array[None]
    else:
        if array.ndim == 3 and array.shape[1:] == (h, w) and c == 1:
            array = array[..., None]
        if array.ndim != 4 or array.shape[1:] != (h, w, c):
            raise ValueError(f"the images have shape {array.shape}, the network needs "
                             f"(n, {h}, {w}, {c})")
    if not np.all(np.isfinite(array)):
        raise ValueError("the image contains NaN or infinite pixels: pixels must be 0..1")
    return array


class NumpyNetwork:
    """A Sequential network run with numpy; stateless, so safe to call from several threads.

    Args:
        layers: the layers in order (their weights are copied as read-only float32).
        input_shape: (height, width, channels) of one input image.

    Raises:
        ForwardError: a layer, setting or weight shape the engine cannot run; or the last
            layer does not output a vector of class scores.
    """

    def __init__(self, layers: Sequence[EngineLayer], input_shape: tuple = INPUT_SHAPE):
        if not layers:
            raise ForwardError("the network has no layers")
        self.layers = tuple(_as_float32(layer) for layer in layers)
        self.input_shape = tuple(int(n) for n in input_shape)
        shape, self.output_shapes = self.input_shape, []
        for i, layer in enumerate(self.layers):
            shape = _check_layer(layer, shape, f"Layer {i + 1} ({layer.name!r})")
            self.output_shapes.append(shape)
        if len(shape) != 1:
            raise ForwardError(f"the last layer outputs {shape}, not a vector of class scores")
        self.layer_names = [layer.name for layer in self.layers]
        self.layer_kinds = [layer.kind for layer in self.layers]
        self.num_classes = shape[0]
        self.adds_softmax = not _ends_in_softmax(self.layers[-1])

    def activations(self, batch: np.ndarray) -> list[np.ndarray]:
        """Every layer's float32 output for a batch (n, H, W, C), batch dimension kept."""
        x, outputs = np.asarray(batch, dtype=np.float32), []
        with np.errstate(over="ignore", under="ignore"):  # exp overflow is inf, like TF
            for layer in self.layers:
                x = OPS[layer.kind](layer, x).astype(np.float32, copy=False)
                outputs.append(x)
        return outputs

    def _probs(self, last: np.ndarray) -> np.ndarray:
        return softmax(last) if self.adds_softmax else last

    def forward(self, image: np.ndarray) -> Prediction:
        """Run one image (H, W) or (H, W, C), pixels 0..1, through the network.

        Returns:
            A :class:`Prediction` with the probabilities and every layer's activation.

        Raises:
            ValueError: wrong shape or non-finite pixels.
        """
        batch = as_batch(image, self.input_shape, single=True)
        arrays = [out[0] for out in self.activations(batch)]
        return Prediction(self._probs(arrays[-1]), arrays, list(self.layer_names),
                          list(self.layer_kinds))

    def forward_batch(self, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """(n, num_classes) float32 class probabilities of images (n, H, W[, C])."""
        if not 1 <= int(batch_size) <= 4096:
            raise ValueError(f"batch_size must be 1..4096, not {batch_size}")
        batch = as_batch(images, self.input_shape, single=False)
        parts = [self._probs(self.activations(batch[i:i + int(batch_size)])[-1])
                 for i in range(0, len(batch), int(batch_size))]
        return np.concatenate(parts) if parts else np.zeros((0, self.num_classes), np.float32)


def _spec_config(kind: str, p: dict) -> dict:
    """Engine settings of a spec layer's resolved settings."""
    if kind == "conv2d":
        return {"strides": (p["stride"],) * 2, "padding": p["padding"],
                "activation": p["activation"]}
    if kind in POOL_KINDS:
        return {"pool_size": (p["pool_size"],) * 2, "strides": (p["stride"] or p["pool_size"],) * 2,
                "padding": p["padding"]}
    if kind in ("dense", "activation"):
        return {"activation": p["activation"]}
    return {"epsilon": BN_EPSILON} if kind == "batchnorm" else {}


def network_from_spec(spec: NetworkSpec, weights: Sequence[np.ndarray]) -> NumpyNetwork:
    """The engine for a spec and its weights in Keras order (``model.get_weights()``).

    Args:
        spec: a valid network (``analyze(spec).valid``).
        weights: kernel[, bias] per conv2d/dense layer, gamma, beta, moving mean and moving
            variance per batchnorm layer, in layer order.

    Raises:
        ForwardError: the spec is invalid or the weights do not fit it.
    """
    report = analyze(spec)
    if not report.valid:
        raise ForwardError("The network cannot be run: " + " ".join(report.errors))
    weights, layers = list(weights), []
    for index, layer in enumerate(spec.layers):
        p, _ = resolve_params(layer)
        count = {"conv2d": 1 + p.get("use_bias", True), "dense": 1 + p.get("use_bias", True),
                 "batchnorm": 4}.get(layer.kind, 0)
        if len(weights) < count:
            raise ForwardError("there are fewer weight arrays than the network needs: the "
                               "weights come from a different network")
        taken, weights = tuple(weights[:count]), weights[count:]
        layers.append(EngineLayer(layer_name(index, layer.kind), layer.kind,
                                  _spec_config(layer.kind, p), taken))
    if weights:
        raise ForwardError(f"{len(weights)} weight arrays are left over: the weights come from "
                           "a different network")
    return NumpyNetwork(layers)
