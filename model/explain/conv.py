"""Convolution explained: one output pixel as a dot product, the sliding window, output sizes."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from cnn_studio.model.explain.core import (
    POOL_KINDS,
    Box,
    ExplainError,
    WindowGeometry,
    check_index,
    layer_of_kind,
    layer_shapes,
    resolve_layer,
    trace,
    window_geometry,
)
from cnn_studio.model.explain.outputs import (
    WeightedSum,
    kernel_and_bias,
    weighted_sum,
    window_cell,
)
from cnn_studio.model.spec.network import layer_kind


@dataclass
class ConvDotProduct(WeightedSum):
    """How conv layer ``layer_name`` computes output pixel (row, col) of filter ``filter_index``.

    ``patch``, ``kernel`` and ``products`` are (kh, kw, c_in); ``padded`` (kh, kw) is True where
    the window hangs over the border (those patch entries are the zeros of the padding).
    ``value`` is the hand-computed result and ``model_value`` what Keras computed; they agree.
    """

    layer_index: int
    layer_name: str
    row: int
    col: int
    filter_index: int
    input_box: Box
    image_box: Box
    patch: np.ndarray
    padded: np.ndarray
    kernel: np.ndarray


def extract_patch(feature_map: np.ndarray, geometry: WindowGeometry, row: int, col: int):
    """The input values under the window of output cell (row, col), zeros where padding.

    Args:
        feature_map: the layer's input, (H, W, C).
        geometry: the layer's window geometry.
        row: output row.
        col: output column.

    Returns:
        (patch (kh, kw, C), padded mask (kh, kw) True where the tap falls on padding).
    """
    box = geometry.window(row, col)
    rows = box.top + np.arange(geometry.kernel[0]) * geometry.dilation[0]
    cols = box.left + np.arange(geometry.kernel[1]) * geometry.dilation[1]
    row_ok = (rows >= 0) & (rows < feature_map.shape[0])
    col_ok = (cols >= 0) & (cols < feature_map.shape[1])
    inside = row_ok[:, None] & col_ok[None, :]
    patch = np.zeros((len(rows), len(cols), feature_map.shape[2]), dtype=np.float64)
    patch[np.ix_(row_ok, col_ok)] = feature_map[np.ix_(rows[row_ok], cols[col_ok])]
    return patch, ~inside


def conv_dot_product(model: keras.Model, image, layer: int | str, row: int, col: int,
                     filter_index: int = 0) -> ConvDotProduct:
    """Explain one output pixel of a conv layer as patch * kernel, summed, plus bias, activated.

    Args:
        model: a Keras Sequential model.
        image: the drawing, (28, 28) or (28, 28, 1) floats.
        layer: the conv layer's index or name.
        row: output row.
        col: output column.
        filter_index: which filter (output channel).

    Returns:
        A ConvDotProduct with every intermediate number.
    """
    index, keras_layer = layer_of_kind(model, layer, "conv2d")
    geometry = window_geometry(model, index)
    cell = window_cell(model, index, geometry, row, col)
    row, col = cell["row"], cell["col"]
    f = check_index(filter_index, geometry.channels_out, "filter")
    result = trace(model, image)
    patch, padded = extract_patch(result.input_of(index), geometry, row, col)
    kernels, biases = kernel_and_bias(keras_layer)
    # All filters at this pixel, so activations mixing channels (softmax) come out right too.
    pre_all = np.einsum("ijc,ijcf->f", patch, kernels) + biases
    return ConvDotProduct(
        layer_index=index,
        filter_index=f,
        patch=patch,
        padded=padded,
        kernel=kernels[..., f],
        **cell,
        **weighted_sum(keras_layer, patch * kernels[..., f], pre_all, biases, f,
                       result.outputs[index][row, col, f]),
    )


@dataclass
class SlidingPlan:
    """Window positions of a conv/pool layer in the order it fills its output map.

    ``positions`` is an (n, 4) int array of rows (out_row, out_col, top, left): top/left are on
    the layer's input and can be negative (or run past the edge) where 'same' padding applies.
    """

    layer_name: str
    geometry: WindowGeometry
    positions: np.ndarray

    def __len__(self) -> int:
        return len(self.positions)

    def window(self, step: int) -> Box:
        """The input box covered at animation step ``step``."""
        out_row, out_col = self.positions[check_index(step, len(self), "step"), :2]
        return self.geometry.window(int(out_row), int(out_col))


def sliding_plan(model: keras.Model, layer: int | str) -> SlidingPlan:
    """Every window position of a conv or pool layer, row by row, for the GUI animation."""
    index = resolve_layer(model, layer)
    if layer_kind(model.layers[index]) not in ("conv2d", *POOL_KINDS):
        raise ExplainError(f"Layer {model.layers[index].name} does not slide a window; "
                           "pick a conv or pooling layer.")
    geometry = window_geometry(model, index)
    out_rows, out_cols = np.indices(geometry.output_size).reshape(2, -1)  # row by row
    tops = out_rows * geometry.strides[0] - geometry.pad_before[0]
    lefts = out_cols * geometry.strides[1] - geometry.pad_before[1]
    positions = np.stack([out_rows, out_cols, tops, lefts], axis=1).astype(np.int64)
    return SlidingPlan(model.layers[index].name, geometry, positions)


@dataclass
class OutputSize:
    """Output size and parameter count of a conv/pool layer, with the numbers filled in.

    ``dense_params`` is what a Dense layer mapping the same input to the same output would need
    (the saving is parameter sharing). ``text`` is the worked formula, ready to show.
    """

    layer_name: str
    kind: str
    geometry: WindowGeometry
    params: int
    dense_params: int
    text: str


def _axis_text(name, size, k, s, d, before, after, out, padding) -> list[str]:
    span = (k - 1) * d + 1
    lines = []
    span_text = f"{k}" if d == 1 else f"({k}-1)*{d}+1 = {span}"
    pad_total = before + after
    if before == after:
        pad_expr = f"2*{before}"
    else:
        pad_expr = f"{before}+{after}"
    lines.append(
        f"{name}: out = floor(({size} + {pad_expr} - {span}) / {s}) + 1 "
        f"= floor({size + pad_total - span} / {s}) + 1 = {out}"
        + (f"   (kernel span {span_text})" if d != 1 else "")
    )
    if padding == "same":
        lines.append(
            f"    Keras 'same' sets out = ceil({size} / {s}) = {out} and pads "
            f"max(({out}-1)*{s} + {span} - {size}, 0) = {pad_total}: "
            f"{before} before, {after} after"
        )
    return lines


def output_size(model: keras.Model, layer: int | str) -> OutputSize:
    """Output size and parameters of a conv or pooling layer, as numbers and as worked text."""
    index = resolve_layer(model, layer)
    keras_layer = model.layers[index]
    kind = layer_kind(keras_layer)
    if kind not in ("conv2d", *POOL_KINDS):
        raise ExplainError(f"Layer {keras_layer.name} is a {kind} layer; output-size working "
                           "is shown for conv and pooling layers.")
    g = window_geometry(model, index)
    in_h, in_w = g.input_size
    out_h, out_w = g.output_size
    lines = [f"{keras_layer.name}: input {in_h}x{in_w}x{g.channels_in}, "
             f"window {g.kernel[0]}x{g.kernel[1]}, stride {g.strides[0]}x{g.strides[1]}, "
             f"padding '{g.padding}'"]
    lines += _axis_text("rows", in_h, g.kernel[0], g.strides[0], g.dilation[0],
                        g.pad_before[0], g.pad_after[0], out_h, g.padding)
    lines += _axis_text("cols", in_w, g.kernel[1], g.strides[1], g.dilation[1],
                        g.pad_before[1], g.pad_after[1], out_w, g.padding)
    lines.append(f"output: {out_h}x{out_w}x{g.channels_out}")
    n_in = in_h * in_w * g.channels_in
    n_out = out_h * out_w * g.channels_out
    dense_params = (n_in + 1) * n_out
    if kind == "conv2d":
        bias = 1 if keras_layer.use_bias else 0
        params = (g.kernel[0] * g.kernel[1] * g.channels_in + bias) * g.channels_out
        bias_text = " + 1" if bias else ""
        lines.append(
            f"parameters = ({g.kernel[0]}*{g.kernel[1]}*{g.channels_in}{bias_text}) * "
            f"{g.channels_out} filters = {params:,}"
        )
        lines.append(
            f"a dense layer from {n_in:,} inputs to {n_out:,} outputs would need "
            f"({n_in:,} + 1) * {n_out:,} = {dense_params:,} parameters; sharing one small "
            f"kernel across all positions needs {dense_params / max(params, 1):,.0f}x fewer"
        )
    else:
        params = 0
        lines.append("parameters = 0 (pooling has nothing to learn)")
    declared = int(keras_layer.count_params()) if keras_layer.built else params
    if declared != params:  # pragma: no cover - guards against a layer type we misread
        raise ExplainError(f"Parameter count mismatch for {keras_layer.name}: "
                           f"computed {params}, Keras reports {declared}.")
    shapes = layer_shapes(model)[index]
    if tuple(shapes[1][:2]) != (out_h, out_w):  # pragma: no cover - same guard for sizes
        raise ExplainError(f"Output size mismatch for {keras_layer.name}: computed "
                           f"{out_h}x{out_w}, Keras reports {shapes[1]}.")
    return OutputSize(keras_layer.name, kind, g, params, dense_params, "\n".join(lines))
