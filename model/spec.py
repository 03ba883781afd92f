"""The network specification: layers, their settings, instant analysis and the JSON file format.

Pure Python (no TensorFlow): shapes, parameter counts and multiply-accumulate counts are computed
here in microseconds, so the layer builder can update on every keystroke. ``keras_build`` turns a
valid spec into a Keras model, and a property test checks both agree.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from model.paths import atomic_write_text

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 26
FORMAT = "cnn-studio-network"
VERSION = 1
SPEC_SUFFIX = ".cnn.json"
MAX_PARAMS = 20_000_000
ACTIVATION_BATCH = 128
MAX_ACTIVATION_BYTES = 256 * 2**20
MAX_LAYERS = 100
MAX_FILE_BYTES = 5 * 2**20


class SpecError(ValueError):
    """A network description that cannot be read, saved or built; the message says why."""


@dataclass(frozen=True)
class ParamDef:
    """One setting of a layer type: the property editor builds its widget from this.

    Attributes:
        name: key in ``LayerSpec.params``.
        label: short text for the widget's label.
        type: ``'int'``, ``'float'``, ``'choice'`` or ``'bool'``.
        default: value used when the setting is missing.
        minimum, maximum: allowed range of numbers (None for choices and booleans).
        choices: allowed values of a ``'choice'``.
        help: one or two plain sentences for the tooltip.
        special_text: what a spin box shows at ``minimum`` when that value means "automatic".
        only_when: ``(other_param, value)``: the setting only matters when the other has that value.
        decimals: digits after the point for floats.
    """

    name: str
    label: str
    type: str
    default: object
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    help: str = ""
    special_text: str | None = None
    only_when: tuple[str, str] | None = None
    decimals: int = 2


@dataclass(frozen=True)
class LayerType:
    """A kind of layer the builder offers: its name, explanation and settings."""

    kind: str
    label: str
    help: str
    params: list[ParamDef]

    def param(self, name: str) -> ParamDef | None:
        """The setting called ``name``, or None."""
        return next((p for p in self.params if p.name == name), None)


@dataclass
class LayerSpec:
    """One layer: its kind (a key of ``LAYER_TYPES``) and the settings that differ from defaults."""

    kind: str
    params: dict = field(default_factory=dict)


@dataclass
class NetworkSpec:
    """The network: layers in order, applied to a 28x28x1 input."""

    layers: list[LayerSpec] = field(default_factory=list)
    name: str = "untitled"


_PADDING = ParamDef(
    "padding", "Padding", "choice", "valid", choices=("valid", "same"),
    help="'valid' uses only positions where the window fits inside the input, so the output "
    "shrinks. 'same' adds a border of zeros so that with stride 1 the size stays the same.")
_POOL_PARAMS = [
    ParamDef("pool_size", "Pool size", "int", 2, 1, 8,
             help="Side of the square window that is summarised into one output value."),
    ParamDef("stride", "Stride", "int", 0, 0, 8, special_text="same as pool size",
             help="How far the window moves each step. 0 means 'as far as the window is wide', "
             "so windows do not overlap and a 2x2 pool halves height and width."),
    _PADDING,
]
_CONV_ACTIVATIONS = ("none", "relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu")
_ACTIVATIONS = ("relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "gelu", "linear")
_DENSE_ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu", "softmax")


def _activation_param(choices: tuple[str, ...], default: str) -> ParamDef:
    return ParamDef(
        "activation", "Activation", "choice", default, choices=choices,
        help="Function applied to each output number. ReLU keeps positive values and turns "
        "negative ones into 0; softmax turns a vector of scores into probabilities summing to 1; "
        "'none' and 'linear' leave the values unchanged.")


LAYER_TYPES: dict[str, LayerType] = {t.kind: t for t in [
    LayerType("conv2d", "Conv2D",
              "Slides small learned kernels over the image; each kernel computes a weighted sum "
              "of the pixels under it at every position and produces one feature map.", [
                  ParamDef("filters", "Filters", "int", 16, 1, 256,
                           help="Number of kernels. Each one makes its own feature map, so this "
                           "is also the number of output channels."),
                  ParamDef("kernel_h", "Kernel height", "int", 3, 1, 11,
                           help="Height in pixels of the window each kernel looks at."),
                  ParamDef("kernel_w", "Kernel width", "int", 3, 1, 11,
                           help="Width in pixels of the window each kernel looks at."),
                  ParamDef("stride", "Stride", "int", 1, 1, 4,
                           help="Pixels the kernel jumps between positions; 2 roughly halves the "
                           "height and width of the output."),
                  _PADDING,
                  _activation_param(_CONV_ACTIVATIONS, "relu"),
                  ParamDef("use_bias", "Use bias", "bool", True,
                           help="Add one learned offset per kernel to every weighted sum."),
                  ParamDef("initializer", "Initial weights", "choice", "glorot_uniform",
                           choices=("glorot_uniform", "he_normal", "gaussian"),
                           help="How kernel weights are chosen before training: random values "
                           "scaled to the layer size (Glorot, He) or a normal distribution with "
                           "the sigma you choose."),
                  ParamDef("sigma", "Gaussian sigma", "float", 0.05, 0.001, 1.0, decimals=3,
                           only_when=("initializer", "gaussian"),
                           help="Standard deviation of the random starting weights when the "
                           "initializer is 'gaussian'. Large values can make training unstable."),
              ]),
    LayerType("activation", "Activation",
              "Applies a function to every number separately; the shape does not change.",
              [_activation_param(_ACTIVATIONS, "relu")]),
    LayerType("maxpool2d", "MaxPooling2D",
              "Keeps the largest value of each window: smaller maps that remember whether a "
              "feature was found, not exactly where.", _POOL_PARAMS),
    LayerType("avgpool2d", "AveragePooling2D",
              "Replaces each window by the mean of its values: a smaller, smoothed map.",
              _POOL_PARAMS),
    LayerType("sumpool2d", "SumPooling2D",
              "Replaces each window by the sum of its values (zero padding adds nothing).",
              _POOL_PARAMS),
    LayerType("flatten", "Flatten",
              "Lays the feature maps out as one long vector so Dense layers can use them.", []),
    LayerType("globalavgpool2d", "GlobalAveragePooling2D",
              "Averages each whole feature map into one number: a vector with one value per "
              "channel, with far fewer numbers than Flatten.", []),
    LayerType("dense", "Dense",
              "Fully connected: every output is a weighted sum of all inputs plus a bias.", [
                  ParamDef("units", "Units", "int", 64, 1, 4096,
                           help="Number of outputs (neurons). The output layer needs 26, one "
                           "per letter."),
                  _activation_param(_DENSE_ACTIVATIONS, "relu"),
                  ParamDef("use_bias", "Use bias", "bool", True,
                           help="Add one learned offset to each output."),
              ]),
    LayerType("dropout", "Dropout",
              "During training sets a random share of its inputs to 0 so the network cannot "
              "rely on single features; does nothing when predicting.", [
                  ParamDef("rate", "Rate", "float", 0.25, 0.0, 0.9,
                           help="Share of values dropped at each training step (0.25 = a "
                           "quarter)."),
              ]),
    LayerType("batchnorm", "BatchNormalization",
              "Rescales each channel to mean 0 and spread 1 over the batch, then applies a "
              "learned scale and offset; often makes training faster and steadier.", []),
]}


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


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_value(p: ParamDef, value: object) -> str | None:
    if p.type == "bool":
        if isinstance(value, bool):
            return None
        return f"{p.label} must be true or false, not {_show(value)}"
    if p.type == "choice":
        if isinstance(value, str) and value in p.choices:
            return None
        return f"{p.label} is {_show(value)}; choose one of {', '.join(p.choices)}"
    if p.type == "int" and (isinstance(value, bool) or not isinstance(value, int)):
        return f"{p.label} must be a whole number, not {_show(value)}"
    if p.type == "float" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return f"{p.label} must be a number, not {_show(value)}"
    if not p.minimum <= value <= p.maximum:  # also refuses NaN
        return f"{p.label} is {_show(value)}; it must be between {p.minimum} and {p.maximum}"
    return None


def resolve_params(layer: LayerSpec) -> tuple[dict, list[str]]:
    """All settings of a layer with defaults filled in, and what is wrong with them.

    Args:
        layer: the layer; its kind must be in ``LAYER_TYPES``.

    Returns:
        ``(params, problems)``: invalid or missing values are replaced by defaults in ``params``;
        ``problems`` lists one sentence per unknown or invalid setting.
    """
    ltype = LAYER_TYPES[layer.kind]
    raw = layer.params if isinstance(layer.params, dict) else {}
    known = ", ".join(p.name for p in ltype.params) or "none"
    problems = [f"unknown setting {_show(k)} (known: {known})" for k in raw
                if ltype.param(k) is None]
    params = {}
    for p in ltype.params:
        value = raw.get(p.name, p.default)
        message = _check_value(p, value)
        if message:
            problems.append(message)
            value = p.default
        params[p.name] = value
    return params, problems


def default_layer(kind: str) -> LayerSpec:
    """A new layer of ``kind`` with every setting at its default."""
    return LayerSpec(kind, {p.name: p.default for p in LAYER_TYPES[kind].params})


def layer_title(layer: LayerSpec) -> str:
    """Short human name such as ``Conv2D 5x5``, ``Dense 128`` or ``Dropout 0.25``."""
    ltype = LAYER_TYPES.get(layer.kind)
    if ltype is None:
        return f"Unknown {_show(layer.kind)}"
    p, problems = resolve_params(layer)
    if problems:
        return ltype.label
    if layer.kind == "conv2d":
        return f"Conv2D {p['kernel_h']}x{p['kernel_w']}"
    if layer.kind in ("maxpool2d", "avgpool2d", "sumpool2d"):
        return f"{ltype.label} {p['pool_size']}x{p['pool_size']}"
    if layer.kind == "dense":
        return f"Dense {p['units']}"
    if layer.kind == "dropout":
        return f"Dropout {p['rate']:g}"
    if layer.kind == "activation":
        return f"Activation {p['activation']}"
    return ltype.label


def _size(shape: tuple[int, ...]) -> str:
    return "x".join(str(n) for n in shape)


def _earlier(reports: list[LayerReport], test) -> LayerReport | None:
    return next((r for r in reversed(reports) if r.output_shape and test(r)), None)


def _window_out(n: int, k: int, s: int, padding: str) -> int:
    return n // s if padding == "same" else (n - k) // s + 1


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


def is_output_layer(layer: LayerSpec) -> bool:
    """True for the required last layer: Dense with 26 units and softmax."""
    return (layer.kind == "dense" and isinstance(layer.params, dict)
            and layer.params.get("units") == NUM_CLASSES
            and layer.params.get("activation") == "softmax")


def format_mb(n: int) -> str:
    """Bytes as megabytes (MiB) for messages: ``294.1 MB``, ``256 MB``."""
    value = n / 2**20
    return f"{value:,.0f} MB" if value >= 100 or value == int(value) else f"{value:.1f} MB"


def analyze(spec: NetworkSpec) -> NetworkReport:
    """Shapes, parameter and MAC counts of every layer, and every problem with a fix-it message.

    Never raises for bad content: unknown kinds, bad settings and impossible shapes all become
    messages in ``errors`` (and in the layer's ``error``).

    Args:
        spec: the network to check.

    Returns:
        The :class:`NetworkReport`; ``valid`` tells whether ``keras_build`` can build it.
    """
    reports: list[LayerReport] = []
    errors: list[str] = []
    layers = list(spec.layers)
    if not layers:
        errors.append("The network is empty. Add layers (for example Conv2D, MaxPooling2D, "
                      "Flatten, then the Dense 26 softmax output) or start from a preset.")
    if len(layers) > MAX_LAYERS:
        errors.append(f"The network has {len(layers)} layers; at most {MAX_LAYERS} are allowed.")
    shape: tuple[int, ...] | None = INPUT_SHAPE
    output_at: LayerReport | None = None
    for index, layer in enumerate(layers):
        kind = layer.kind if isinstance(layer.kind, str) else _show(layer.kind)
        title = layer_title(layer) if kind in LAYER_TYPES else f"Unknown {_show(kind)}"
        report = LayerReport(index, kind, title, shape, None, 0, 0)
        prefix = f"Layer {index + 1} {title}"
        if kind not in LAYER_TYPES:
            report.error = (f"Layer {index + 1}: unknown layer type {_show(kind)}. Use one of: "
                            f"{', '.join(LAYER_TYPES)}.")
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
            if is_output_layer(layer):
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
        if total_params > MAX_PARAMS:
            big = max(reports, key=lambda r: r.params)
            errors.append(
                f"The network has {total_params:,} parameters; the limit is {MAX_PARAMS:,}. "
                f"Layer {big.number} {big.title} alone has {big.params:,}: make it smaller, or "
                "shrink its input with pooling or GlobalAveragePooling2D.")
        if activation_bytes > MAX_ACTIVATION_BYTES:
            big = max(reports, key=lambda r: math.prod(r.output_shape))
            errors.append(
                f"Training would need {format_mb(activation_bytes)} for the layer outputs of one "
                f"batch ({ACTIVATION_BATCH} images, float32); the limit is "
                f"{format_mb(MAX_ACTIVATION_BYTES)}. "
                f"The largest is layer {big.number} {big.title} "
                f"({_size(big.output_shape)}): use fewer filters or pool earlier.")
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


def canonical(spec: NetworkSpec) -> NetworkSpec:
    """A copy with every setting filled in and settings that change nothing reset.

    Two specs that build the same network compare equal after this (pool stride equal to the
    pool size becomes 0, sigma is reset unless the initializer is gaussian).
    """
    result = NetworkSpec([], spec.name)
    for layer in spec.layers:
        if layer.kind not in LAYER_TYPES:
            result.layers.append(copy.deepcopy(layer))
            continue
        params, _ = resolve_params(layer)
        if "pool_size" in params and params["stride"] == params["pool_size"]:
            params["stride"] = 0
        if "sigma" in params and params["initializer"] != "gaussian":
            params["sigma"] = LAYER_TYPES["conv2d"].param("sigma").default
        result.layers.append(LayerSpec(layer.kind, params))
    return result


def to_json(spec: NetworkSpec) -> str:
    """The versioned JSON text of ``spec`` (see ``from_json``)."""
    document = {"format": FORMAT, "version": VERSION, "name": spec.name,
                "layers": [{"kind": layer.kind, "params": dict(layer.params)}
                           for layer in spec.layers]}
    try:
        return json.dumps(document, indent=2, allow_nan=False) + "\n"
    except (TypeError, ValueError) as error:
        raise SpecError(f"The network cannot be written as JSON ({error}); fix the layer "
                        "settings first.") from error


def _parse_layer(number: int, item: object) -> LayerSpec:
    if not isinstance(item, dict):
        raise SpecError(f"Layer {number} is not a JSON object with 'kind' and 'params'.")
    extra = sorted(set(item) - {"kind", "params"})
    if extra:
        raise SpecError(f"Layer {number} has unknown fields {extra}; only 'kind' and 'params' "
                        "are allowed.")
    kind, params = item.get("kind"), item.get("params", {})
    if not isinstance(kind, str) or kind not in LAYER_TYPES:
        raise SpecError(f"Layer {number} has unknown kind {_show(kind)}; known kinds are "
                        f"{', '.join(LAYER_TYPES)}. The file may come from a newer version.")
    if not isinstance(params, dict):
        raise SpecError(f"Layer {number}: 'params' must be a JSON object.")
    for key, value in params.items():
        if LAYER_TYPES[kind].param(key) is None:
            raise SpecError(f"Layer {number} ({kind}) has unknown setting {_show(key)}; known "
                            f"settings: {', '.join(p.name for p in LAYER_TYPES[kind].params)}.")
        if not isinstance(value, bool | int | float | str):
            raise SpecError(f"Layer {number} ({kind}): setting {key!r} must be a number, text "
                            "or true/false.")
    return LayerSpec(kind, dict(params))


def from_json(text: str | bytes) -> NetworkSpec:
    """Read a network from the JSON text written by :func:`to_json`.

    Out-of-range setting values are kept (``analyze`` explains them); everything that is not a
    version-1 network file raises :class:`SpecError`.

    Args:
        text: the file content.

    Returns:
        The :class:`NetworkSpec`.

    Raises:
        SpecError: empty, corrupt or foreign JSON, a newer version, unknown fields or kinds.
    """
    if not isinstance(text, str | bytes | bytearray) or not text.strip():
        raise SpecError("The network file is empty. Choose a *.cnn.json file saved by CNN Studio.")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise SpecError(f"The network file is not valid JSON ({str(error)[:80]}); it may be "
                        "damaged. Choose another file or rebuild the network.") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SpecError(f"This JSON is not a CNN Studio network (it needs \"format\": "
                        f"\"{FORMAT}\"). Choose a *.cnn.json file saved by CNN Studio.")
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SpecError("The network file has no valid 'version' number.")
    if version > VERSION:
        raise SpecError(f"The network file has format version {version}, but this CNN Studio "
                        f"reads version {VERSION} only. Update CNN Studio to open it.")
    extra = sorted(set(document) - {"format", "version", "name", "layers"})
    if extra:
        raise SpecError(f"The network file has unknown fields {extra}.")
    name, layers = document.get("name", "untitled"), document.get("layers")
    if not isinstance(name, str) or len(name) > 200:
        raise SpecError("The network's 'name' must be a text of at most 200 characters.")
    if not isinstance(layers, list):
        raise SpecError("The network file has no 'layers' list.")
    return NetworkSpec([_parse_layer(i + 1, item) for i, item in enumerate(layers)], name)


def save_spec(spec: NetworkSpec, path: str | Path) -> None:
    """Write ``spec`` to ``path`` atomically (the old file stays intact if anything fails).

    Raises:
        SpecError: the spec cannot be encoded or the file cannot be written.
    """
    text = to_json(spec)
    try:
        atomic_write_text(path, text)
    except OSError as error:
        raise SpecError(f"Could not save the network to {path}: {error.strerror or error}. "
                        "Choose a folder you can write to.") from error


def load_spec(path: str | Path) -> NetworkSpec:
    """Read a network file written by :func:`save_spec`.

    Raises:
        SpecError: the file is missing, unreadable, too large or not a valid network file.
    """
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise SpecError(f"{path} is too large to be a network file.")
        data = path.read_bytes()
    except OSError as error:
        raise SpecError(f"Could not read {path}: {error.strerror or error}. Check the path.") \
            from error
    try:
        return from_json(data)
    except SpecError as error:
        raise SpecError(f"{path.name}: {error}") from None
