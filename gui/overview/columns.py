"""The overview's data: one column per layer with its values, colour scale, order and picture.

A column keeps the last values it was given and makes its pictures (one colour table for the
whole layer; the maps shown side by side in one 32-bit image) only when asked for one it does
not have yet, so a layer whose output did not change costs nothing, and maps out of sight cost
nothing either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PySide6.QtGui import QImage

from cnn_studio.gui.common.activation_maps import GRAY_TABLE, colour_table, scale_for, to_levels
from cnn_studio.model.ink.strokes import LETTERS
from cnn_studio.model.nets.keras_code import layer_name
from cnn_studio.model.spec.network import LAYER_TYPES, NetworkSpec, layer_title, resolve_params

#: How each column is drawn.
IMAGE, MAPS, STRIP, BARS, OUTPUT = "image", "maps", "strip", "bars", "output"
#: Bar colours (QRgb): 0 nothing, 1 a positive value, 2 a negative one.
BAR_TABLE = [0x00000000, 0xFF607AAA, 0xFFBE5050]
MAX_BARS = 256  # longer vectors are drawn as a strip of coloured cells
MAX_PICTURES = 6  # pictures a column keeps for its current values (maps shown, zoomed map)
INPUT_INDEX = -1  # the column of the drawing

#: Names for the column titles, where a column may be only about 50 pixels wide: the first
#: that fits is drawn.
SHORT_KINDS = {"conv2d": ("conv",), "activation": ("activation", "act."),
               "maxpool2d": ("max pool", "max"), "avgpool2d": ("avg pool", "avg"),
               "sumpool2d": ("sum pool", "sum"), "flatten": ("flatten", "flat"),
               "globalavgpool2d": ("global avg", "gap"), "dense": ("dense",),
               "dropout": ("dropout", "drop"), "batchnorm": ("batch norm", "norm"),
               "softmax": ("softmax",)}


@dataclass(frozen=True)
class LayerInfo:
    """What the overview needs to know about one layer besides its output.

    Attributes:
        name: the Keras name, e.g. ``04_conv2d``.
        kind: the spec kind (``conv2d``, ``dense``...).
        title: a short human title such as ``Conv2D 3x3``.
        params: the layer's settings when known (from a spec), else empty.
    """

    name: str
    kind: str
    title: str
    params: dict


def describe(network: NetworkSpec | Sequence[tuple[str, str]]) -> list[LayerInfo]:
    """The layers of a spec, or of ``(name, kind)`` pairs (e.g. a Prediction's names and kinds)."""
    if isinstance(network, NetworkSpec):
        layers = []
        for index, layer in enumerate(network.layers):
            params = resolve_params(layer)[0] if layer.kind in LAYER_TYPES else {}
            layers.append(LayerInfo(layer_name(index, layer.kind), layer.kind,
                                    layer_title(layer), params))
        return layers
    return [LayerInfo(str(name), str(kind),
                      LAYER_TYPES[kind].label if kind in LAYER_TYPES else str(kind), {})
            for name, kind in network]


@lru_cache(maxsize=8)
def _table(name: str | bool) -> np.ndarray:
    """A colour table as 256 premultiplied ARGB words: the layer outputs' (signed or not),
    ``"gray"`` (0 black to 255 white) or ``"bars"`` (:data:`BAR_TABLE`, rest transparent)."""
    if name == "bars":
        table = BAR_TABLE + [0] * (256 - len(BAR_TABLE))
    else:
        table = GRAY_TABLE if name == "gray" else colour_table(bool(name))
    return np.array(table, dtype=np.uint32)


def pixels(levels: np.ndarray, table: str | bool) -> QImage:
    """A 2-D uint8 array as a 32-bit QImage (owning its pixels) through :func:`_table`: the
    format Qt scales fastest, made by one numpy lookup."""
    argb = np.ascontiguousarray(_table(table)[levels])
    height, width = argb.shape
    return QImage(argb.data, width, height, 4 * width,
                  QImage.Format.Format_ARGB32_Premultiplied).copy()


def _style(kind: str, values: np.ndarray, output: bool) -> str:
    if output:
        return OUTPUT
    if values.ndim == 3:
        return MAPS
    if kind == "flatten" or values.size > MAX_BARS:
        return STRIP
    return BARS


class Column:
    """One column of the overview: a layer's output (or the drawing, or the probabilities).

    Args:
        index: the layer's position in the activation list (``INPUT_INDEX`` for the drawing,
            one past the last layer for a softmax the network itself does not compute).
        info: the layer's name, kind and title.
        values: the output without the batch dimension.
        output: whether these are the class probabilities.
    """

    def __init__(self, index: int, info: LayerInfo, values: np.ndarray,
                 output: bool = False) -> None:
        self.index, self.info, self.output = index, info, output
        self.values = np.asarray(values, dtype=np.float32)
        self.style = IMAGE if index == INPUT_INDEX else _style(info.kind, self.values, output)
        self.shape = self.values.shape
        self.version = 0
        self._images: dict[tuple, QImage] = {}
        self._measure()

    @property
    def count(self) -> int:
        """Maps (image-shaped outputs), values (vectors) or 1 (the drawing)."""
        if self.style == MAPS:
            return int(self.shape[-1])
        return 1 if self.style == IMAGE else int(self.values.size)

    @property
    def labels(self) -> str | None:
        """The letters of the output column (None elsewhere or for another number of classes)."""
        return LETTERS if self.style == OUTPUT and self.count == len(LETTERS) else None

    def same_structure(self, info: LayerInfo, values: np.ndarray) -> bool:
        """Whether ``values`` of ``info`` can replace this column's values in place."""
        return info == self.info and np.shape(values) == self.shape

    def update(self, values: np.ndarray) -> bool:
        """Take new values of the same shape; whether they differ from the old ones."""
        values = np.asarray(values, dtype=np.float32)
        if np.array_equal(values, self.values, equal_nan=True):
            return False
        self.values = values
        self.version += 1
        self._images.clear()
        self._measure()
        return True

    def _measure(self) -> None:
        """The shared colour scale and, for maps, the order strongest first."""
        if self.style == IMAGE:
            self.signed, self.scale = False, 1.0
        elif self.style == OUTPUT:
            self.signed, self.scale = False, 1.0
        else:
            finite = self.values if np.isfinite(self.values).all() else np.nan_to_num(
                self.values, nan=0.0, posinf=0.0, neginf=0.0)
            self.signed, self.scale = scale_for(finite) if finite.size else (False, 1.0)
        if self.style == MAPS:
            self.strength = np.abs(finite).max(axis=(0, 1))
            self.order = np.argsort(-self.strength, kind="stable")
        else:
            self.strength = self.order = None

    @property
    def value_range(self) -> tuple[float, float]:
        """The values the colour scale spans: ``(-scale, scale)`` or ``(0, scale)``."""
        return (-self.scale if self.signed else 0.0), self.scale

    def _cached(self, key: tuple, make) -> QImage:
        """The picture for ``key`` (made by ``make`` unless kept since the values last
        changed)."""
        image = self._images.get(key)
        if image is None:
            if len(self._images) >= MAX_PICTURES:
                self._images.clear()
            image = self._images[key] = make()
        return image

    def maps_image(self, maps: Sequence[int]) -> QImage:
        """The maps ``maps`` side by side (the i-th at x = i * map width) in the layer's
        colours (the drawing in ink for the input column); cached."""
        maps = (0,) if self.style == IMAGE else tuple(int(m) for m in maps)

        def make() -> QImage:
            if self.style == IMAGE:
                image = self.values.reshape(self.shape[:2])
                return pixels(to_levels(1.0 - np.clip(image, 0.0, 1.0), False, 1.0), "gray")
            chosen = self.values[:, :, list(maps)]
            h, w, count = chosen.shape
            levels = to_levels(chosen, self.signed, self.scale)
            return pixels(levels.transpose(0, 2, 1).reshape(h, count * w), self.signed)

        return self._cached(("maps", maps), make)

    def strip_image(self, rows: int) -> QImage:
        """A vector as a grid of ``rows`` rows, filled column by column (value i at row
        ``i % rows``, column ``i // rows``); cached per ``rows``."""
        def make() -> QImage:
            flat = self.values.reshape(-1)
            levels = to_levels(flat, self.signed, self.scale)
            columns = -(-flat.size // rows)
            pad = np.full(columns * rows - flat.size, 128 if self.signed else 0, np.uint8)
            return pixels(np.concatenate([levels, pad]).reshape(columns, rows).T, self.signed)

        return self._cached(("strip", rows), make)

    def bars_image(self, width: int, rows_per_bar: int) -> QImage:
        """A vector as horizontal bars, one per value (``rows_per_bar`` pixel rows each, the
        last one empty as a gap when there are several), ``width`` pixels wide: from the
        left edge, or from the middle both ways when the values have a sign; cached."""
        def make() -> QImage:
            values = np.nan_to_num(self.values.reshape(-1), nan=0.0, posinf=0.0, neginf=0.0)
            zero = width // 2 if self.signed else 0
            reach = width - zero
            lengths = np.rint(np.clip(values / self.scale, -1.0, 1.0) * reach).astype(int)
            xs = np.arange(width)[None, :]
            positive = (xs >= zero) & (xs < zero + lengths[:, None])
            negative = (xs < zero) & (xs >= zero + lengths[:, None])
            levels = np.where(positive, 1, np.where(negative, 2, 0)).astype(np.uint8)
            levels = np.repeat(levels, rows_per_bar, axis=0)
            if rows_per_bar > 1:
                levels[rows_per_bar - 1::rows_per_bar] = 0
            return pixels(levels, "bars")

        return self._cached(("bars", width, rows_per_bar), make)

    def map_value(self, channel: int, row: int, col: int) -> float:
        """One value of map ``channel`` (the drawing's pixel for the input column)."""
        if self.style == IMAGE:
            return float(self.values.reshape(self.shape[:2])[row, col])
        return float(self.values[row, col, channel])


def columns_for(layers: Sequence[LayerInfo], image: np.ndarray,
                activations: Sequence[np.ndarray], probabilities: np.ndarray) -> list[Column]:
    """The columns of one forward pass: the drawing, each layer, and the probabilities.

    The last layer is the output column when its values are the probabilities; otherwise (a
    network that outputs scores) a softmax column follows it.

    Raises:
        ValueError: the layers and the activations do not match in number.
    """
    if len(layers) != len(activations):
        raise ValueError(f"{len(layers)} layers but {len(activations)} activations: they must "
                         "come from the same network")
    image = np.asarray(image, dtype=np.float32)
    drawing = LayerInfo("input", "input", "Input", {})
    columns = [Column(INPUT_INDEX, drawing, image.reshape(image.shape[0], image.shape[1], 1))]
    probabilities = np.asarray(probabilities, dtype=np.float32).reshape(-1)
    last = np.asarray(activations[-1]) if len(activations) else None
    output_last = last is not None and last.shape == probabilities.shape and np.allclose(
        last, probabilities, atol=1e-5)
    for index, (info, values) in enumerate(zip(layers, activations, strict=True)):
        columns.append(Column(index, info, values,
                              output=output_last and index == len(activations) - 1))
    if not output_last:
        softmax = LayerInfo("softmax", "softmax", "Softmax", {})
        columns.append(Column(len(activations), softmax, probabilities, output=True))
    return columns
