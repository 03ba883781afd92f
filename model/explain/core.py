"""Shared plumbing of explain mode: layer lookup, window geometry, receptive fields, traces.

Everything here works on any ``keras.Sequential`` built from the app's layer types (Conv2D,
Activation, Max/Average/SumPooling2D, Flatten, GlobalAveragePooling2D, Dense, Dropout,
BatchNormalization). Results are plain numpy arrays and dataclasses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras
import numpy as np

from cnn_studio.model.errors import UserError
from cnn_studio.model.spec.network import KIND_BY_CLASS, POOL_KINDS, layer_kind  # noqa: F401

#: Layers that map each pixel to itself (they keep the spatial layout unchanged).
POINTWISE_CLASSES = (
    "Activation", "Dropout", "BatchNormalization", "ReLU", "LeakyReLU", "ELU", "Softmax",
    "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout", "LayerNormalization",
)


class ExplainError(UserError):
    """A request explain mode cannot answer (wrong layer type, position out of range...)."""


@dataclass(frozen=True)
class Box:
    """A rectangle of pixels, half-open: rows ``top..bottom-1``, columns ``left..right-1``."""

    top: int
    left: int
    bottom: int
    right: int

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def width(self) -> int:
        return self.right - self.left

    def clipped(self, height: int, width: int) -> Box:
        """The part of the box inside a ``height`` x ``width`` map."""
        return Box(max(self.top, 0), max(self.left, 0), min(self.bottom, height),
                   min(self.right, width))


@dataclass(frozen=True)
class WindowGeometry:
    """How a conv/pool layer (or a pointwise one) slides its window over its input.

    Sizes are (rows, cols) pairs. ``kernel`` is the number of taps, ``span`` the extent they
    cover (larger than ``kernel`` with dilation). ``pad_before`` is (top, left) padding and
    ``pad_after`` (bottom, right), following TensorFlow's 'same' rule.
    """

    kind: str
    padding: str
    input_size: tuple[int, int]
    channels_in: int
    kernel: tuple[int, int]
    strides: tuple[int, int]
    dilation: tuple[int, int]
    pad_before: tuple[int, int]
    pad_after: tuple[int, int]
    output_size: tuple[int, int]
    channels_out: int

    @property
    def span(self) -> tuple[int, int]:
        (rows, cols), (down, across) = self.kernel, self.dilation
        return (rows - 1) * down + 1, (cols - 1) * across + 1

    def window(self, row: int, col: int) -> Box:
        """The (unclipped) box on the input that output cell (row, col) reads."""
        top = row * self.strides[0] - self.pad_before[0]
        left = col * self.strides[1] - self.pad_before[1]
        return Box(top, left, top + self.span[0], left + self.span[1])


@dataclass
class Trace:
    """Every layer's input and output for one image (batch dimension removed)."""

    image: np.ndarray
    outputs: list[np.ndarray]
    names: list[str]

    def input_of(self, index: int) -> np.ndarray:
        """The array layer ``index`` received."""
        return self.image if index == 0 else self.outputs[index - 1]


def resolve_layer(model: keras.Model, layer: int | str) -> int:
    """Index of ``layer`` (an index or a layer name) in ``model.layers``.

    Raises:
        ExplainError: if there is no such layer.
    """
    layers = model.layers
    if isinstance(layer, str):
        for index, candidate in enumerate(layers):
            if candidate.name == layer:
                return index
        names = ", ".join(item.name for item in layers)
        raise ExplainError(f"The network has no layer named {layer!r}. Pick one of: {names}.")
    if isinstance(layer, bool) or not isinstance(layer, int | np.integer):
        raise ExplainError(f"A layer is chosen by index or name, not by {type(layer).__name__}.")
    if not 0 <= layer < len(layers):
        raise ExplainError(
            f"Layer index {layer} is out of range: the network has {len(layers)} layers "
            f"(0..{len(layers) - 1})."
        )
    return int(layer)


def check_index(value: int, size: int, what: str) -> int:
    """``value`` as an int after checking ``0 <= value < size``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ExplainError(f"The {what} must be a whole number, got {value!r}.")
    if not 0 <= value < size:
        raise ExplainError(f"The {what} {value} is out of range: choose 0..{size - 1}.")
    return int(value)


def as_batch(image) -> np.ndarray:
    """The image as a float32 batch of one, shaped (1, H, W, C).

    Accepts (H, W), (H, W, C) or (1, H, W, C) arrays.
    """
    array = np.asarray(image, dtype=np.float32)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or array.shape[0] != 1:
        raise ExplainError(
            f"Expected one image shaped (28, 28) or (28, 28, 1), got an array of shape "
            f"{np.shape(image)}."
        )
    if not np.all(np.isfinite(array)):
        raise ExplainError("The image contains NaN or infinite values; redraw it.")
    return array


def model_input(model: keras.Model, image) -> np.ndarray:
    """``image`` as a batch of one, checked against the model's input shape."""
    x = as_batch(image)
    try:
        expected = layer_shapes(model)[0][0] if model.layers else None
    except ExplainError:
        expected = None
    if expected is not None and tuple(expected) != x.shape[1:]:
        raise ExplainError(f"The network expects images shaped {tuple(expected)}, got "
                           f"{x.shape[1:]}.")
    return x


def layer_shapes(model: keras.Model) -> list[tuple[tuple, tuple]]:
    """(input shape, output shape) of each layer, without the batch dimension."""
    shapes = []
    try:
        for layer in model.layers:
            shapes.append((tuple(layer.input.shape[1:]), tuple(layer.output.shape[1:])))
        return shapes
    except (AttributeError, ValueError):
        pass
    try:
        shape = tuple(model.input_shape)
    except (AttributeError, ValueError) as error:
        raise ExplainError(
            "The network has no known input shape; build it with keras.Input((28, 28, 1))."
        ) from error
    shapes = []
    for layer in model.layers:
        out = tuple(layer.compute_output_shape(shape))
        shapes.append((shape[1:], out[1:]))
        shape = out
    return shapes


def trace(model: keras.Model, image) -> Trace:
    """Run ``image`` through the model layer by layer (inference mode) and keep every output."""
    x = model_input(model, image)
    outputs = []
    current = x
    for layer in model.layers:
        current = layer(current, training=False)
        outputs.append(np.asarray(keras.ops.convert_to_numpy(current))[0])
    return Trace(image=x[0], outputs=outputs, names=[layer.name for layer in model.layers])


def as_pair(value) -> tuple[int, int]:
    """An int or a pair of ints as a (rows, cols) tuple."""
    rows, cols = (value, value) if isinstance(value, int | np.integer) else value
    return int(rows), int(cols)


def window_geometry(model: keras.Model, layer: int | str) -> WindowGeometry:
    """The sliding-window geometry of a conv, pool or pointwise layer.

    Raises:
        ExplainError: for layers without a spatial layout (Flatten, Dense...).
    """
    index = resolve_layer(model, layer)
    keras_layer = model.layers[index]
    in_shape, out_shape = layer_shapes(model)[index]
    kind = layer_kind(keras_layer)
    class_name = type(keras_layer).__name__
    if len(in_shape) != 3 or len(out_shape) != 3:
        raise ExplainError(
            f"Layer {keras_layer.name} ({kind}) has no 2-D feature maps to slide a window over."
        )
    if getattr(keras_layer, "data_format", "channels_last") != "channels_last":
        raise ExplainError("Only channels_last layers are supported (the Keras default).")
    in_size = (int(in_shape[0]), int(in_shape[1]))
    if class_name in POINTWISE_CLASSES:
        return WindowGeometry(kind, "valid", in_size, int(in_shape[2]), (1, 1), (1, 1), (1, 1),
                              (0, 0), (0, 0), in_size, int(out_shape[2]))
    config = keras_layer.get_config()
    if kind == "conv2d":
        kernel = as_pair(config["kernel_size"])
        dilation = as_pair(config.get("dilation_rate", 1))
        if config.get("groups", 1) != 1:
            raise ExplainError("Grouped convolutions are not supported by explain mode.")
    elif kind in POOL_KINDS:
        kernel = as_pair(config["pool_size"])
        dilation = (1, 1)
    else:
        raise ExplainError(f"Layer {keras_layer.name} ({kind}) is not a conv or pooling layer.")
    strides = as_pair(config.get("strides") or kernel)
    padding = str(config.get("padding", "valid")).lower()
    geometry = same_or_valid_geometry(kind, padding, in_size, kernel, strides, dilation)
    pad_before, pad_after, out_size = geometry
    return WindowGeometry(kind, padding, in_size, int(in_shape[2]), kernel, strides, dilation,
                          pad_before, pad_after, out_size, int(out_shape[2]))


def same_or_valid_geometry(kind: str, padding: str, in_size, kernel, strides, dilation):
    """Padding and output size per axis for 'valid' or 'same' (TensorFlow's split).

    Returns:
        (pad_before, pad_after, output_size), each a (rows, cols) tuple.
    """
    pad_before, pad_after, out_size = [], [], []
    for size, k, s, d in zip(in_size, kernel, strides, dilation, strict=True):
        span = (k - 1) * d + 1
        if padding == "same":
            out = math.ceil(size / s)
            total = max((out - 1) * s + span - size, 0)
            before = total // 2
            after = total - before
        elif padding == "valid":
            out = (size - span) // s + 1
            before = after = 0
        else:
            raise ExplainError(f"Unknown padding {padding!r} in a {kind} layer.")
        pad_before.append(before)
        pad_after.append(after)
        out_size.append(out)
    return tuple(pad_before), tuple(pad_after), tuple(out_size)


def receptive_field(model: keras.Model, layer: int | str, row: int, col: int) -> Box:
    """The pixels of the original drawing that output cell (row, col) of ``layer`` depends on.

    Raises:
        ExplainError: if a layer on the way has no spatial layout.
    """
    index = resolve_layer(model, layer)
    geometry = window_geometry(model, index)
    row = check_index(row, geometry.output_size[0], "row")
    col = check_index(col, geometry.output_size[1], "column")
    box = Box(row, col, row + 1, col + 1)
    return input_box_through(model, index, box)


def input_box_through(model: keras.Model, index: int, box: Box) -> Box:
    """Map a box on the output of layer ``index`` back to the drawing.

    At each layer the result is the bounding box of the input pixels the windows really read
    (taps on padding are dropped), so it is tight even with dilation.
    """
    for current in range(index, -1, -1):
        g = window_geometry(model, current)
        rows = _axis_support(box.top, box.bottom, g, 0)
        cols = _axis_support(box.left, box.right, g, 1)
        box = Box(rows[0], cols[0], rows[1], cols[1])
    return box


def _axis_support(start: int, stop: int, g: WindowGeometry, axis: int) -> tuple[int, int]:
    """First and last+1 input index read by output indices start..stop-1 along one axis."""
    outputs = np.arange(start, stop)
    taps = (outputs[:, None] * g.strides[axis] - g.pad_before[axis]
            + np.arange(g.kernel[axis])[None, :] * g.dilation[axis])
    inside = taps[(taps >= 0) & (taps < g.input_size[axis])]
    if inside.size == 0:  # pragma: no cover - TensorFlow padding never yields such a window
        raise ExplainError("A window lies entirely in the padding.")
    return int(inside.min()), int(inside.max()) + 1


def centers_on_image(model: keras.Model, index: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column centres (in drawing pixels) of each output cell of spatial layer ``index``.

    Used to place a low-resolution map (e.g. Grad-CAM) over the drawing. Padding is not
    clipped here, so the centres stay evenly spaced.
    """
    geometry = window_geometry(model, index)
    rows = np.arange(geometry.output_size[0], dtype=np.float64)
    cols = np.arange(geometry.output_size[1], dtype=np.float64)
    for current in range(index, -1, -1):
        g = window_geometry(model, current)
        rows = rows * g.strides[0] - g.pad_before[0] + (g.span[0] - 1) / 2
        cols = cols * g.strides[1] - g.pad_before[1] + (g.span[1] - 1) / 2
    return rows, cols


def activation_name(function) -> str:
    """A readable name for a Keras activation function ('relu', 'softmax', 'linear'...)."""
    try:
        name = keras.activations.serialize(function)
    except (ValueError, TypeError):
        name = None
    if isinstance(name, str):
        return name
    return getattr(function, "__name__", type(function).__name__)


def apply_keras_activation(function, values: np.ndarray) -> np.ndarray:
    """Apply a Keras activation function to a numpy array, returning float numpy."""
    tensor = keras.ops.convert_to_tensor(np.asarray(values, dtype=np.float32))
    return np.asarray(keras.ops.convert_to_numpy(function(tensor)))


def flatten_source_shape(model: keras.Model, index: int) -> tuple[int, int, int] | None:
    """The (rows, cols, channels) shape that was flattened into layer ``index``'s input, if any.

    Walks back through pointwise layers (dropout, activation, batchnorm) to a Flatten layer.
    """
    shapes = layer_shapes(model)
    current = index - 1
    while current >= 0:
        keras_layer = model.layers[current]
        class_name = type(keras_layer).__name__
        if class_name == "Flatten":
            shape = shapes[current][0]
            return (int(shape[0]), int(shape[1]), int(shape[2])) if len(shape) == 3 else None
        if class_name not in POINTWISE_CLASSES:
            return None
        current -= 1
    return None


def layer_of_kind(model: keras.Model, layer, kind: str) -> tuple[int, keras.layers.Layer]:
    """``(index, keras layer)`` of ``layer`` (index or name), which must be a ``kind`` layer."""
    index = resolve_layer(model, layer)
    keras_layer = model.layers[index]
    if layer_kind(keras_layer) != kind:
        raise ExplainError(f"Layer {keras_layer.name} is a {layer_kind(keras_layer)} layer; "
                           f"pick a {kind} layer.")
    return index, keras_layer
