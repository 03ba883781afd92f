"""Pooling explained: one pooled cell's window, and max/average/sum pooling side by side."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from cnn_studio.model.explain.core import (
    POOL_KINDS,
    Box,
    ExplainError,
    as_pair,
    check_index,
    resolve_layer,
    same_or_valid_geometry,
    trace,
    window_geometry,
)
from cnn_studio.model.explain.outputs import window_cell
from cnn_studio.model.spec.network import layer_kind

POOL_MODES = ("max", "avg", "sum")
_MODE_BY_KIND = {"maxpool2d": "max", "avgpool2d": "avg", "sumpool2d": "sum"}


def _reduce(windows: np.ndarray, mode: str, axes) -> np.ndarray:
    """Pool NaN-marked windows: padding (NaN) is skipped, as TensorFlow does."""
    if mode == "max":
        return np.nanmax(windows, axis=axes)
    if mode == "avg":
        return np.nanmean(windows, axis=axes)
    if mode == "sum":
        return np.nansum(windows, axis=axes)
    raise ExplainError(f"Unknown pooling mode {mode!r}; choose one of {', '.join(POOL_MODES)}.")


def pool_map(feature_map, mode: str, pool_size=(2, 2), strides=None,
             padding: str = "valid") -> np.ndarray:
    """Pool a feature map the way Keras' pooling layers do.

    Args:
        feature_map: (rows, cols) or (rows, cols, channels) array.
        mode: 'max', 'avg' or 'sum'.
        pool_size: window size, an int or (rows, cols).
        strides: step, an int or (rows, cols); defaults to ``pool_size``.
        padding: 'valid' or 'same' (padding is left out of max/average/sum).

    Returns:
        The pooled map, with the same number of dimensions as ``feature_map``.
    """
    array = np.asarray(feature_map, dtype=np.float64)
    flat = array.ndim == 2
    if flat:
        array = array[:, :, None]
    if array.ndim != 3:
        raise ExplainError(f"A feature map is 2-D or 3-D, got shape {array.shape}.")
    kernel = as_pair(pool_size)
    step = as_pair(strides) if strides is not None else kernel
    if min(kernel) < 1 or min(step) < 1:
        raise ExplainError("Pool size and strides must be at least 1.")
    before, after, out = same_or_valid_geometry("pool", padding, array.shape[:2], kernel, step,
                                                (1, 1))
    if min(out) < 1:
        raise ExplainError(f"A {kernel[0]}x{kernel[1]} window does not fit in a "
                           f"{array.shape[0]}x{array.shape[1]} map with 'valid' padding.")
    padded = np.pad(array, ((before[0], after[0]), (before[1], after[1]), (0, 0)),
                    constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, kernel, axis=(0, 1))
    windows = windows[::step[0], ::step[1]][: out[0], : out[1]]
    pooled = _reduce(windows, mode, (3, 4))
    return pooled[:, :, 0] if flat else pooled


@dataclass
class PoolComparison:
    """The same feature map through max, average and sum pooling."""

    feature_map: np.ndarray
    pool_size: tuple[int, int]
    strides: tuple[int, int]
    padding: str
    pooled: dict[str, np.ndarray]


def pool_comparison(feature_map, pool_size=(2, 2), strides=None,
                    padding: str = "valid") -> PoolComparison:
    """Max, average and sum pooling of ``feature_map`` with one window setting (see pool_map)."""
    kernel = as_pair(pool_size)
    step = as_pair(strides) if strides is not None else kernel
    pooled = {mode: pool_map(feature_map, mode, kernel, step, padding) for mode in POOL_MODES}
    return PoolComparison(np.asarray(feature_map), kernel, step, padding, pooled)


def layer_pool_comparison(model: keras.Model, image, layer: int | str, channel: int = 0) -> PoolComparison:
    """pool_comparison of a pooling layer's input channel, with that layer's window settings."""
    index = _pool_layer(model, layer)
    geometry = window_geometry(model, index)
    channel = check_index(channel, geometry.channels_in, "channel")
    feature_map = trace(model, image).input_of(index)[..., channel]
    return pool_comparison(feature_map, geometry.kernel, geometry.strides, geometry.padding)


@dataclass
class PoolCell:
    """How one output cell of a pooling layer is computed.

    ``values`` is the (pool rows, pool cols) window on the input channel, NaN where it hangs
    over the border ('same' padding; such positions are ignored). ``result`` is the hand-made
    max/average/sum, ``model_value`` what Keras computed. ``count`` is the number of real
    values in the window (sum = average * count). ``source`` is the input position the max came
    from (None for average and sum).
    """

    layer_name: str
    mode: str
    row: int
    col: int
    channel: int
    input_box: Box
    image_box: Box
    values: np.ndarray
    valid: np.ndarray
    count: int
    result: float
    model_value: float
    source: tuple[int, int] | None


def _pool_layer(model: keras.Model, layer) -> int:
    index = resolve_layer(model, layer)
    kind = layer_kind(model.layers[index])
    if kind not in POOL_KINDS:
        raise ExplainError(f"Layer {model.layers[index].name} is a {kind} layer; "
                           "pick a max, average or sum pooling layer.")
    return index


def pool_cell(model: keras.Model, image, layer: int | str, row: int, col: int, channel: int = 0) -> PoolCell:
    """Explain one pooled value: its window on the input, the values there, and their reduction.

    Args:
        model: a Keras Sequential model.
        image: the drawing.
        layer: a pooling layer (index or name).
        row: output row.
        col: output column.
        channel: the feature map.
    """
    index = _pool_layer(model, layer)
    keras_layer = model.layers[index]
    mode = _MODE_BY_KIND[layer_kind(keras_layer)]
    geometry = window_geometry(model, index)
    cell = window_cell(model, index, geometry, row, col)
    row, col, box = cell["row"], cell["col"], cell["input_box"]
    channel = check_index(channel, geometry.channels_in, "channel")
    result = trace(model, image)
    feature_map = result.input_of(index)[..., channel]
    rows = np.arange(box.top, box.bottom)
    cols = np.arange(box.left, box.right)
    row_ok = (rows >= 0) & (rows < feature_map.shape[0])
    col_ok = (cols >= 0) & (cols < feature_map.shape[1])
    values = np.full((len(rows), len(cols)), np.nan)
    values[np.ix_(row_ok, col_ok)] = feature_map[np.ix_(rows[row_ok], cols[col_ok])]
    valid = row_ok[:, None] & col_ok[None, :]
    source = None
    if mode == "max":
        r, c = np.unravel_index(np.nanargmax(values), values.shape)
        source = (int(rows[r]), int(cols[c]))
    return PoolCell(
        mode=mode,
        channel=channel,
        values=values,
        valid=valid,
        count=int(valid.sum()),
        result=float(_reduce(values, mode, None)),
        model_value=float(result.outputs[index][row, col, channel]),
        source=source,
        **cell,
    )
