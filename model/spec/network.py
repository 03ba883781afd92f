"""The network specification: layer types with their settings, and the spec data classes.

Pure Python (no TensorFlow). Its siblings build on it: ``analysis`` (instant shapes, parameter
and MAC counts, fix-it messages) and ``files`` (the versioned JSON file format).

``keras_build`` turns a valid spec into a Keras model, and a property test checks both agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cnn_studio.model.errors import UserError

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
POOL_KINDS = ("maxpool2d", "avgpool2d", "sumpool2d")


class SpecError(UserError):
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

    def param(self, name: str) -> ParamDef:
        """The setting called ``name`` (KeyError when this layer type has none)."""
        return {p.name: p for p in self.params}[name]


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


def show_value(value: object) -> str:
    """``repr(value)`` cut to 40 characters, for messages about bad values."""
    huge = isinstance(value, int) and value.bit_length() > 10_000  # repr() would raise
    text = "a number with thousands of digits" if huge else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_value(p: ParamDef, value: object) -> str | None:
    if p.type == "bool":
        if isinstance(value, bool):
            return None
        return f"{p.label} must be true or false, not {show_value(value)}"
    if p.type == "choice":
        if isinstance(value, str) and value in p.choices:
            return None
        return f"{p.label} is {show_value(value)}; choose one of {', '.join(p.choices)}"
    if p.type == "int" and (isinstance(value, bool) or not isinstance(value, int)):
        return f"{p.label} must be a whole number, not {show_value(value)}"
    if p.type == "float" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return f"{p.label} must be a number, not {show_value(value)}"
    assert isinstance(value, int | float) and p.minimum is not None and p.maximum is not None
    if not p.minimum <= value <= p.maximum:  # also refuses NaN
        return f"{p.label} is {show_value(value)}; it must be between {p.minimum} and {p.maximum}"
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
    problems = [f"unknown setting {show_value(k)} (known: {known})" for k in raw
                if k not in {p.name for p in ltype.params}]
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
        return f"Unknown {show_value(layer.kind)}"
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


def is_output_layer(layer: LayerSpec) -> bool:
    """True for the required last layer: Dense with 26 units and softmax."""
    return (layer.kind == "dense" and isinstance(layer.params, dict)
            and layer.params.get("units") == NUM_CLASSES
            and layer.params.get("activation") == "softmax")




#: Keras class name -> the app's layer kind.
KIND_BY_CLASS = {
    "Conv2D": "conv2d",
    "Activation": "activation",
    "ReLU": "activation",
    "MaxPooling2D": "maxpool2d",
    "AveragePooling2D": "avgpool2d",
    "SumPooling2D": "sumpool2d",
    "Flatten": "flatten",
    "GlobalAveragePooling2D": "globalavgpool2d",
    "Dense": "dense",
    "Dropout": "dropout",
    "BatchNormalization": "batchnorm",
}
def layer_kind(layer: Any) -> str:
    """The app's kind of a Keras layer (``conv2d``, ``dense`` ...), read from its class (its
    lower-case class name when the app has no kind for it); the layer's name plays no part."""
    class_name = type(layer).__name__
    return KIND_BY_CLASS.get(class_name, class_name.lower())
