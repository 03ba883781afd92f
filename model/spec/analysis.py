"""Instant analysis of a network spec: shapes, parameter and MAC counts, fix-it messages.

Pure Python (no TensorFlow), fast enough for the layer builder to run on every keystroke.
``keras_build`` tests check these numbers against Keras.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

from cnn_studio.model.spec.files import name_problem
from cnn_studio.model.spec.network import (
    ACTIVATION_BATCH,
    INPUT_SHAPE,
    LAYER_TYPES,
    MAX_ACTIVATION_BYTES,
    MAX_LAYERS,
    MAX_PARAMS,
    NUM_CLASSES,
    LayerSpec,
    NetworkSpec,
    default_layer,
    is_output_layer,
    layer_title,
    resolve_params,
    show_value,
)


@dataclass
class LayerReport:
    """What :func:`analyze` found for one layer (``index`` is the 0-based list position)."""

    index: int
    kind: str
    title: str
    input_shape: tuple[int, ...] | None
    output_shape: tuple[int, ...] | None
    params: int
    macs: int
    error: str | None = None

    @property
    def number(self) -> int:
        """1-based layer number, as used in messages and Keras layer names."""
        return self.index + 1


@dataclass
class NetworkReport:
    """Shapes, sizes and problems of a whole network.

    ``activation_bytes`` is the memory of all layer outputs for one training batch of
    ``ACTIVATION_BATCH`` float32 images; MACs count the multiply-accumulates of one image in
    the Conv2D and Dense layers (the weighted sums; other layers count 0).
    """

    layers: list[LayerReport]
    total_params: int
    total_macs: int
    errors: list[str]
    has_output_layer: bool
    activation_bytes: int

    @property
    def valid(self) -> bool:
        """True when the network can be built and trained."""
        return not self.errors

    @property
    def output_shape(self) -> tuple[int, ...] | None:
        """Shape of the last layer's output, None if unknown."""
        return self.layers[-1].output_shape if self.layers else INPUT_SHAPE


class _Refusal(Exception):
    """Internal: a layer cannot be applied to its input (message without the layer prefix)."""


def _size(shape: tuple[int, ...]) -> str:
    return "x".join(str(n) for n in shape)


def _earlier(reports: list[LayerReport], test) -> LayerReport | None:
    return next((r for r in reversed(reports) if r.output_shape and test(r)), None)


def _window_out(n: int, k: int, s: int, padding: str) -> int:
    return -(-n // s) if padding == "same" else (n - k) // s + 1


def _need_maps(shape: tuple[int, ...], reports: list[LayerReport]) -> None:
    """Refuse a flat input for a layer that works on feature maps."""
    if len(shape) == 3:
        return
    flat = _earlier(reports, lambda r: r.input_shape and len(r.input_shape) == 3
                    and len(r.output_shape) == 1)
    where = (f" (layer {flat.number} {flat.title} turned the maps into a vector). Move it "
             "before that layer" if flat else ". Move it earlier")
    raise _Refusal(
        f"it needs a 3-D feature map (height x width x channels), but its input is a flat "
        f"vector of {shape[0]} numbers{where}, or remove it.")


def _windowed(kind: str, p: dict, shape, reports) -> tuple[int, int, int, int]:
    """Output height/width of a sliding window layer; refuses windows larger than the input."""
    _need_maps(shape, reports)
    if kind == "conv2d":
        kh, kw, s, noun = p["kernel_h"], p["kernel_w"], p["stride"], "kernel"
    else:
        kh = kw = p["pool_size"]
        s, noun = p["stride"] or p["pool_size"], "pool size"
    h, w, c = shape
    if p["padding"] == "valid" and (kh > h or kw > w):
        shrink = _earlier(reports, lambda r: r.input_shape and len(r.output_shape) == 3
                          and r.output_shape[:2] != r.input_shape[:2])
        limit = str(h) if h == w else f"{h}x{w}"
        fix = (f"remove layer {shrink.number} {shrink.title} before it" if shrink
               else "make the earlier layers shrink the maps less")
        raise _Refusal(f"its input is only {h}x{w}. Use a {noun} of at most {limit}, "
                       f"padding 'same', or {fix}.")
    return _window_out(h, kh, s, p["padding"]), _window_out(w, kw, s, p["padding"]), c, kh * kw


def _infer(kind: str, p: dict, shape: tuple[int, ...], reports) -> tuple[tuple, int, int]:
    """Output shape, parameter count and MACs of one layer applied to ``shape``."""
    if kind == "conv2d":
        oh, ow, c, area = _windowed(kind, p, shape, reports)
        f = p["filters"]
        return (oh, ow, f), area * c * f + (f if p["use_bias"] else 0), oh * ow * f * area * c
    if kind in ("maxpool2d", "avgpool2d", "sumpool2d"):
        oh, ow, c, _ = _windowed(kind, p, shape, reports)
        return (oh, ow, c), 0, 0
    if kind == "globalavgpool2d":
        _need_maps(shape, reports)
        return (shape[2],), 0, 0
    if kind == "flatten":
        return (math.prod(shape),), 0, 0
    if kind == "dense":
        if len(shape) != 1:
            raise _Refusal(
                f"its input is a {_size(shape)} feature map, but Dense needs a flat vector (Keras "
                "would quietly apply it to the channels of each pixel). Add a Flatten or "
                "GlobalAveragePooling2D layer before it.")
        n, u = shape[0], p["units"]
        return (u,), n * u + (u if p["use_bias"] else 0), n * u
    if kind == "batchnorm":
        return shape, 4 * shape[-1], 0
    return shape, 0, 0  # activation, dropout


def format_mb(n: int) -> str:
    """Bytes as megabytes (MiB) for messages: ``294.1 MB``, ``256 MB``."""
    value = n / 2**20
    return f"{value:,.0f} MB" if value >= 100 or value == int(value) else f"{value:.1f} MB"


def _network_problems(spec: NetworkSpec, layers: list) -> list[str]:
    """Problems of the network as a whole: empty, too many layers, a name that is no name."""
    errors = []
    if not layers:
        errors.append("The network is empty. Add layers (for example Conv2D, MaxPooling2D, "
                      "Flatten, then the Dense 26 softmax output) or start from a preset.")
    if len(layers) > MAX_LAYERS:
        errors.append(f"The network has {len(layers)} layers; at most {MAX_LAYERS} are allowed.")
    problem = name_problem(spec.name)  # a name is a name: no NUL or other control characters
    if problem:
        errors.append(problem)
    return errors


def _layer_report(index: int, layer, shape, reports: list[LayerReport],
                  output_at: LayerReport | None) -> LayerReport:
    """The report of layer ``index`` receiving ``shape`` (None: the shape is already broken)."""
    kind = layer.kind if isinstance(layer.kind, str) else show_value(layer.kind)
    title = layer_title(layer) if kind in LAYER_TYPES else f"Unknown {show_value(kind)}"
    report = LayerReport(index, kind, title, shape, None, 0, 0)
    prefix = f"Layer {index + 1} {title}"
    if kind not in LAYER_TYPES:
        report.error = (f"Layer {index + 1}: unknown layer type {show_value(kind)}. Use one "
                        f"of: {', '.join(LAYER_TYPES)}.")
    elif output_at is not None:
        report.error = (f"{prefix} comes after the output layer (layer {output_at.number} "
                        f"{output_at.title}), which must be last. Remove it or move it above "
                        "the output layer.")
    else:
        params, problems = resolve_params(layer)
        if problems:
            report.error = f"{prefix}: " + "; ".join(problems) + "."
        elif shape is not None:
            try:
                report.output_shape, report.params, report.macs = _infer(
                    kind, params, shape, reports)
            except _Refusal as refusal:
                report.error = f"{prefix}: {refusal}"
    return report


def _size_problems(reports: list[LayerReport], total_params: int,
                   activation_bytes: int) -> list[str]:
    """Problems of a network too big to train here: parameters, one batch's layer outputs."""
    errors = []
    if total_params > MAX_PARAMS:
        big = max(reports, key=lambda r: r.params)
        errors.append(
            f"The network has {total_params:,} parameters; the limit is {MAX_PARAMS:,}. "
            f"Layer {big.number} {big.title} alone has {big.params:,}: make it smaller, or "
            "shrink its input with pooling or GlobalAveragePooling2D.")
    if activation_bytes > MAX_ACTIVATION_BYTES:
        big = max(reports, key=lambda r: math.prod(r.output_shape or ()))
        errors.append(
            f"Training would need {format_mb(activation_bytes)} for the layer outputs of one "
            f"batch ({ACTIVATION_BATCH} images, float32); the limit is "
            f"{format_mb(MAX_ACTIVATION_BYTES)}. "
            f"The largest is layer {big.number} {big.title} "
            f"({_size(big.output_shape or ())}): use fewer filters or pool earlier.")
    return errors


def analyze(spec: NetworkSpec) -> NetworkReport:
    """Shapes, parameter and MAC counts of every layer, and every problem with a fix-it message.

    Never raises for bad content: unknown kinds, bad settings and impossible shapes all become
    messages in ``errors`` (and in the layer's ``error``).

    Args:
        spec: the network to check.

    Returns:
        The :class:`NetworkReport`; ``valid`` tells whether ``keras_build`` can build it.
    """
    layers = list(spec.layers)
    errors = _network_problems(spec, layers)
    reports: list[LayerReport] = []
    shape: tuple[int, ...] | None = INPUT_SHAPE
    output_at: LayerReport | None = None
    for index, layer in enumerate(layers):
        report = _layer_report(index, layer, shape, reports, output_at)
        if output_at is None and report.kind in LAYER_TYPES and is_output_layer(layer):
            output_at = report
        if report.error:
            errors.append(report.error)
        shape = report.output_shape
        reports.append(report)
    has_output = bool(layers) and is_output_layer(layers[-1])
    if layers and not has_output and output_at is None:
        errors.append(f"The network has no output layer. It must end with Dense {NUM_CLASSES} "
                      "with softmax activation, giving one probability per letter: add it.")
    total_params = sum(r.params for r in reports)
    activations = sum(math.prod(r.output_shape) for r in reports if r.output_shape)
    activation_bytes = activations * 4 * ACTIVATION_BATCH
    if shape is not None and layers:
        errors += _size_problems(reports, total_params, activation_bytes)
    return NetworkReport(reports, total_params, sum(r.macs for r in reports), errors,
                         has_output, activation_bytes)


def with_output_layer(spec: NetworkSpec) -> NetworkSpec:
    """A copy of ``spec`` ending with the Dense 26 softmax output layer.

    Adds a Flatten first when the network still ends in feature maps. Unchanged copy if the
    output layer is already last.
    """
    result = copy.deepcopy(spec)
    if result.layers and is_output_layer(result.layers[-1]):
        return result
    end = analyze(spec).output_shape
    if end is not None and len(end) == 3:
        result.layers.append(default_layer("flatten"))
    result.layers.append(LayerSpec("dense", {"units": NUM_CLASSES, "activation": "softmax",
                                             "use_bias": True}))
    return result


NO_OUTPUT_LINE = "- the network has no output layer (Dense 26, softmax)"


def training_problems(spec: NetworkSpec | None) -> str | None:
    """Why ``spec`` cannot be trained (a message for the person), or None when it can."""
    if spec is None:
        return ("There is no network to train: build one in the layer builder or pick a "
                "preset there.")
    report = analyze(spec)
    if report.valid and report.has_output_layer:
        return None
    if not report.has_output_layer and not [e for e in report.errors if "output" not in e]:
        return "The network cannot be trained yet:\n" + NO_OUTPUT_LINE
    problems = "\n".join(f"- {error}" for error in report.errors) or NO_OUTPUT_LINE
    return "The network cannot be trained yet:\n" + problems
