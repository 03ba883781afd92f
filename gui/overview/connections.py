"""What feeds one feature map or unit: the layer before it and, for a convolution or a dense
layer, its weights.

A convolution's output map ``m`` is a weighted sum over every map of its input (the kernel
``kernel[:, :, c, m]`` slides over input map ``c``) plus one bias; a dense unit ``u`` is the
weighted sum of every input value (``kernel[:, u]``) plus one bias; pooling, batch
normalisation, an activation and dropout each work on one map (or value) alone, so map ``m``
comes from map ``m`` before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cnn_studio.gui.overview.columns import LayerInfo
from cnn_studio.model.spec.network import LAYER_TYPES, NetworkSpec, resolve_params

ONE_TO_ONE = ("maxpool2d", "avgpool2d", "sumpool2d", "batchnorm", "activation", "dropout")
POOL_WORDS = {"maxpool2d": "the largest value", "avgpool2d": "the mean",
              "sumpool2d": "the sum"}


@dataclass(frozen=True)
class Selection:
    """A selected feature map and what feeds it.

    Attributes:
        layer: the layer's index in the activation list; map: the map's index in that layer
            (in a layer that outputs a vector: the unit's, or the value's).
        sources: the maps (values) of the layer before (``layer - 1``; -1 is the drawing)
            that feed it.
        kernel: a convolution's weights for this map, (kh, kw, input maps), or a dense
            layer's for this unit, (inputs,); None otherwise or when the weights are unknown.
        bias: the layer's bias for this map or unit (None without one).
        strengths: per source, the sum of the absolute weights on it (1 without weights):
            how strongly that source can move this map.
        text: one sentence on how the map (unit) is computed.
    """

    layer: int
    map: int
    sources: tuple[int, ...]
    kernel: np.ndarray | None
    bias: float | None
    strengths: np.ndarray
    text: str


def layer_weights(spec: NetworkSpec, weights: Sequence[np.ndarray]) -> dict[int, tuple]:
    """Each conv2d and dense layer's (kernel, bias or None) from Keras-ordered weights: the
    kernel is (kh, kw, in, out) for a convolution, (in, out) for a dense layer.

    Raises:
        ValueError: the weights do not fit the spec (count or shapes).
    """
    weights, result = list(weights), {}
    for index, layer in enumerate(spec.layers):
        params = resolve_params(layer)[0] if layer.kind in LAYER_TYPES else {}
        bias = params.get("use_bias", True)
        count = {"conv2d": 1 + bias, "dense": 1 + bias, "batchnorm": 4}.get(layer.kind, 0)
        if len(weights) < count:
            raise ValueError("there are fewer weight arrays than the network needs")
        taken, weights = weights[:count], weights[count:]
        if layer.kind in ("conv2d", "dense"):
            kernel = np.asarray(taken[0], dtype=np.float32)
            if kernel.ndim != (4 if layer.kind == "conv2d" else 2):
                raise ValueError(f"layer {index + 1}'s kernel has shape {kernel.shape}")
            result[index] = (kernel, np.asarray(taken[1], np.float32) if bias else None)
    if weights:
        raise ValueError(f"{len(weights)} weight arrays are left over: they belong to "
                         "another network")
    return result


def _source_name(layers: Sequence[LayerInfo], layer: int) -> str:
    return "the drawing" if layer == 0 else layers[layer - 1].name


def _dense(info: LayerInfo, layer: int, unit: int, inputs: int, before: str,
           kernels: dict[int, tuple]) -> Selection:
    vector = bias = None
    strengths = np.ones(inputs, np.float32)
    known = kernels.get(layer)
    if known is not None and known[0].shape[0] == inputs and unit < known[0].shape[1]:
        vector = known[0][:, unit]
        bias = None if known[1] is None else float(known[1][unit])
        strengths = np.abs(vector)
    plus = "" if bias is None else f", plus the bias {bias:.3f}"
    function = info.params.get("activation")
    then = {None: ", then the layer's activation (if any)", "linear": "",
            "softmax": "; softmax then turns all the scores into probabilities"}.get(
        function, f", then {function}")
    text = (f"{info.name}, unit {unit}: the weighted sum of all {inputs} values of "
            f"{before}{plus}{then}.")
    return Selection(layer, unit, tuple(range(inputs)), vector, bias, strengths, text)


def select(layers: Sequence[LayerInfo], layer: int, map_index: int, input_maps: int,
           kernels: dict[int, tuple], vector: bool = False) -> Selection | None:
    """What feeds map (or unit) ``map_index`` of layer ``layer`` (None for a layer whose
    outputs cannot be traced to single sources here, such as flatten).

    Args:
        layers: every layer of the network.
        input_maps: how many maps (values, for a vector layer) the layer before has (1 for
            the drawing).
        kernels: :func:`layer_weights` of the network (empty when the weights are unknown).
        vector: whether the layer outputs a vector (units or values, not maps).
    """
    if not 0 <= layer < len(layers):
        return None
    info = layers[layer]
    before = _source_name(layers, layer)
    if info.kind == "dense":
        return _dense(info, layer, map_index, input_maps, before, kernels)
    if info.kind == "conv2d":
        kernel = bias = None
        strengths = np.ones(input_maps, np.float32)
        known = kernels.get(layer)
        if known is not None and known[0].shape[2] == input_maps and \
                map_index < known[0].shape[3]:
            kernel = known[0][:, :, :, map_index]
            bias = None if known[1] is None else float(known[1][map_index])
            strengths = np.abs(kernel).sum(axis=(0, 1))
        size = (f"{kernel.shape[0]}x{kernel.shape[1]}" if kernel is not None else
                f"{info.params.get('kernel_h', '?')}x{info.params.get('kernel_w', '?')}")
        maps = before if layer == 0 else (
            f"map 0 of {before}" if input_maps == 1 else f"all {input_maps} maps of {before}")
        stride = info.params.get("stride", 1)
        slides = "slides" if stride == 1 else f"slides {stride} pixels at a time"
        under = "the window under it" if input_maps == 1 else "the windows under it in every map"
        plus = "" if bias is None else f", plus the bias {bias:.3f}"
        function = info.params.get("activation")
        then = {None: ", then the layer's activation (if any)", "none": "", "linear": ""}.get(
            function, f", then {function}")
        text = (f"{info.name}, map {map_index}: a {size} kernel {slides} over {maps}; each "
                f"pixel is the weighted sum of {under}{plus}{then}.")
        return Selection(layer, map_index, tuple(range(input_maps)), kernel, bias, strengths,
                         text)
    if info.kind not in ONE_TO_ONE or (vector and info.kind in POOL_WORDS):
        return None
    source = f"{'value' if vector else 'map'} {map_index} of {before}"
    if vector:
        info_name = f"{info.name}, value {map_index}"
    else:
        info_name = f"{info.name}, map {map_index}"
    if info.kind in POOL_WORDS:
        size = info.params.get("pool_size")
        window = f"{size}x{size} window" if size else "window"
        text = f"{info_name}: {POOL_WORDS[info.kind]} of each {window} of {source}."
    elif info.kind == "batchnorm":
        own = "its" if vector else "this map's"
        text = (f"{info_name}: {source}, shifted and rescaled with {own} own mean, spread, "
                "scale and offset.")
    elif info.kind == "activation":
        function = info.params.get("activation", "its function")
        text = (f"{info_name}: {function} of {source}." if vector else
                f"{info_name}: {function} applied to each value of {source}.")
    else:
        text = f"{info_name}: {source} unchanged (dropout is off when predicting)."
    return Selection(layer, map_index, (map_index,), None, None, np.ones(1, np.float32), text)
