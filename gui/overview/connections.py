"""What feeds one feature map: the maps of the layer before it and, for a convolution, its kernel.

A convolution's output map ``m`` is a weighted sum over every map of its input (the kernel
``kernel[:, :, c, m]`` slides over input map ``c``) plus one bias; pooling, batch normalisation,
an activation and dropout each work on one map alone, so map ``m`` comes from map ``m`` before.
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
        layer: the layer's index in the activation list; map: the map's index in that layer.
        sources: the maps of the layer before (``layer - 1``; -1 is the drawing) that feed it.
        kernel: a convolution's weights for this map, (kh, kw, input maps); None otherwise or
            when the weights are not known.
        bias: the convolution's bias for this map (None without one).
        strengths: per source, the sum of the kernel's absolute weights on it (1 without
            a kernel): how strongly that map can move this one.
        text: one sentence on how the map is computed.
    """

    layer: int
    map: int
    sources: tuple[int, ...]
    kernel: np.ndarray | None
    bias: float | None
    strengths: np.ndarray
    text: str


def conv_weights(spec: NetworkSpec, weights: Sequence[np.ndarray]) -> dict[int, tuple]:
    """Each conv2d layer's (kernel (kh, kw, in, out), bias or None) from Keras-ordered weights.

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
        if layer.kind == "conv2d":
            kernel = np.asarray(taken[0], dtype=np.float32)
            if kernel.ndim != 4:
                raise ValueError(f"layer {index + 1}'s kernel has shape {kernel.shape}")
            result[index] = (kernel, np.asarray(taken[1], np.float32) if bias else None)
    if weights:
        raise ValueError(f"{len(weights)} weight arrays are left over: they belong to "
                         "another network")
    return result


def _source_name(layers: Sequence[LayerInfo], layer: int) -> str:
    return "the drawing" if layer == 0 else layers[layer - 1].name


def select(layers: Sequence[LayerInfo], layer: int, map_index: int, input_maps: int,
           kernels: dict[int, tuple]) -> Selection | None:
    """What feeds map ``map_index`` of layer ``layer`` (None for a layer without maps).

    Args:
        layers: every layer of the network.
        input_maps: how many maps the layer before has (1 for the drawing).
        kernels: :func:`conv_weights` of the network (empty when the weights are unknown).
    """
    if not 0 <= layer < len(layers):
        return None
    info = layers[layer]
    before = _source_name(layers, layer)
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
    if info.kind not in ONE_TO_ONE:
        return None
    source = f"map {map_index} of {before}"
    if info.kind in POOL_WORDS:
        size = info.params.get("pool_size")
        window = f"{size}x{size} window" if size else "window"
        text = f"{info.name}, map {map_index}: {POOL_WORDS[info.kind]} of each {window} of {source}."
    elif info.kind == "batchnorm":
        text = (f"{info.name}, map {map_index}: {source}, shifted and rescaled with this "
                "map's own mean, spread, scale and offset.")
    elif info.kind == "activation":
        function = info.params.get("activation", "its function")
        text = f"{info.name}, map {map_index}: {function} applied to each value of {source}."
    else:
        text = f"{info.name}, map {map_index}: {source} unchanged (dropout is off when predicting)."
    return Selection(layer, map_index, (map_index,), None, None, np.ones(1, np.float32), text)
