"""Observations of convolution: the sliding kernel, a feature map and one of its pixels, output
sizes, hand-set edge kernels, and parameter sharing."""

from __future__ import annotations

import keras
import numpy as np

from cnn_studio.model import explain as ex
from cnn_studio.model.explain.core import POOL_KINDS, same_or_valid_geometry, trace
from cnn_studio.model.explain.kernels import fit_kernel, kernel_preset
from cnn_studio.model.lessons.parts import (
    LessonError,
    close,
    edge_pixels,
    first_layer,
    ink_under_cells,
    layer_label,
    layers_of,
    on_layer_grid,
)
from cnn_studio.model.lessons.step import Observation, ViewSettings


def _size(shape) -> str:
    return "x".join(str(int(n)) for n in shape)


def sliding(model, image: np.ndarray) -> Observation:
    """How many positions the first conv layer's kernel visits, and how far it jumps."""
    index = first_layer(model, "conv2d")
    plan = ex.sliding_plan(model, index)
    g = plan.geometry
    out = ex.layer_shapes(model)[index][1]
    if g.output_size[1] > 1:  # along a row
        jump, stride = int(plan.positions[1, 3] - plan.positions[0, 3]), g.strides[1]
    elif g.output_size[0] > 1:  # one position per row: down a column
        jump, stride = int(plan.positions[1, 2] - plan.positions[0, 2]), g.strides[0]
    else:
        jump = stride = g.strides[1]
    numbers = {"layer": index, "kernel_h": g.kernel[0], "kernel_w": g.kernel[1],
               "stride": g.strides[1], "padding": g.padding, "positions": len(plan),
               "rows": g.output_size[0], "cols": g.output_size[1], "keras_rows": int(out[0]),
               "keras_cols": int(out[1])}
    holds = (len(plan) == int(out[0]) * int(out[1]) and jump == stride
             and tuple(g.output_size) == (int(out[0]), int(out[1])))
    sentence = (f"The {g.kernel[0]}x{g.kernel[1]} kernel of {layer_label(model, index)} starts "
                f"at the top left of its input and moves {jump} pixel{'s' if jump != 1 else ''} at a time: "
                f"{g.output_size[1]} positions per row, {g.output_size[0]} rows, {len(plan):,} "
                f"in all, one output number each. That is why its feature maps are "
                f"{int(out[0])}x{int(out[1])}, as Keras says.")
    return Observation(holds, sentence, numbers, ViewSettings(layer=index))


def feature_map(model, image: np.ndarray) -> Observation:
    """The first conv layer's map that is brightest on the strokes, and its brightest pixel."""
    index = first_layer(model, "conv2d")
    maps = trace(model, image).outputs[index]
    ink = ink_under_cells(model, index, image)
    if ink.all() or not ink.any():
        raise LessonError("the drawing covers all of the picture or none of it; draw a letter "
                          "with paper around it")
    contrast = maps[ink].mean(axis=0) - maps[~ink].mean(axis=0)
    channel = int(np.argmax(contrast))
    on, off = float(maps[ink, channel].mean()), float(maps[~ink, channel].mean())
    row, col = (int(v) for v in np.unravel_index(np.argmax(maps[..., channel]),
                                                 maps.shape[:2]))
    dot = ex.conv_dot_product(model, image, index, row, col, channel)
    numbers = {"layer": index, "map": channel, "mean_on_strokes": on, "mean_on_paper": off,
               "row": row, "col": col, "sum_of_products": dot.total, "bias": dot.bias,
               "value": dot.value, "keras_value": dot.model_value}
    holds = (on > off and close(dot.total + dot.bias, dot.pre_activation)
             and close(dot.value, dot.model_value))
    sentence = (f"Feature map {channel} of {layer_label(model, index)} is brightest where its "
                f"window covers your strokes: {on:.2f} on average there against {off:.2f} on "
                f"the empty paper. Its brightest pixel, row {row} column {col}, is the kernel "
                f"times the patch under it, summed ({dot.total:.3f}), plus the bias "
                f"({dot.bias:+.3f}): {dot.value:.3f} after {dot.activation}, as Keras computes "
                f"({dot.model_value:.3f}).")
    return Observation(holds, sentence, numbers,
                       ViewSettings(layer=index, map=channel, pixel=(row, col)))


def _formula_out(size: int, kernel: int, stride: int, before: int, after: int) -> int:
    return (size + before + after - kernel) // stride + 1


def output_size(model, image: np.ndarray) -> Observation:
    """Output sizes from (h + padding - f) / stride + 1, checked against Keras for every conv
    and pooling layer; the first conv layer worked out, and with stride 2."""
    windowed = layers_of(model, "conv2d", *POOL_KINDS)
    index = first_layer(model, "conv2d")
    shapes = ex.layer_shapes(model)
    agree = 0
    for current in windowed:
        g = ex.window_geometry(model, current)
        rows = _formula_out(g.input_size[0], g.kernel[0], g.strides[0], g.pad_before[0],
                            g.pad_after[0])
        cols = _formula_out(g.input_size[1], g.kernel[1], g.strides[1], g.pad_before[1],
                            g.pad_after[1])
        agree += (rows, cols) == tuple(int(n) for n in shapes[current][1][:2])
    g = ex.window_geometry(model, index)
    h, f = g.input_size[0], g.kernel[0]
    pad = g.pad_before[0] + g.pad_after[0]
    out = _formula_out(h, f, g.strides[0], g.pad_before[0], g.pad_after[0])
    before, after, (stride2, _) = same_or_valid_geometry("conv2d", g.padding, g.input_size,
                                                         g.kernel, (2, 2), (1, 1))
    probe = keras.layers.Conv2D(1, g.kernel, strides=2, padding=g.padding)
    keras_stride2 = int(probe.compute_output_shape((1, *g.input_size, g.channels_in))[1])
    numbers = {"layer": index, "h": h, "f": f, "padding": pad, "stride": g.strides[0],
               "out": out, "valid_out": h - f + 1, "stride2_out": stride2,
               "keras_stride2_out": keras_stride2, "layers_checked": len(windowed),
               "layers_agreeing": agree}
    holds = agree == len(windowed) and stride2 == keras_stride2
    sentence = (f"{layer_label(model, index).capitalize()}: without padding a {f}-wide kernel "
                f"fits {h} - {f} + 1 = {h - f + 1} times across {h} pixels; ")
    if pad:
        sentence += (f"its '{g.padding}' padding adds {pad}, so ({h} + {pad} - {f}) / "
                     f"{g.strides[0]} + 1 = {out}. ")
    else:
        sentence += f"with stride {g.strides[0]} and no padding it makes {out}. "
    sentence += (f"With stride 2 it would make {stride2} (padding {before[0] + after[0]}). The "
                 f"formula gives Keras's size for {agree} of the {len(windowed)} conv and "
                 "pooling layers.")
    return Observation(holds, sentence, numbers, ViewSettings(layer=index))


def _edge_means(values: np.ndarray, vertical: np.ndarray, horizontal: np.ndarray):
    """Mean of ``values`` on the up-and-down edge cells and on the left-right ones."""
    return float(values[vertical].mean()), float(values[horizontal].mean())


def hand_set_sums(layer, x: np.ndarray, preset: str) -> np.ndarray:
    """The weighted sums a conv layer would make of its input ``x`` with the kernel ``preset``
    in place of one of its own (fitted to its size, on every input channel) and bias 0: what
    the Kernels tab shows for that filter before the activation."""
    kernel = fit_kernel(kernel_preset(preset), tuple(layer.kernel.shape[:2]))
    full = np.repeat(kernel[:, :, None, None], x.shape[-1], axis=2)
    sums = keras.ops.conv(x[None].astype(np.float32), full, strides=layer.strides,
                          padding=layer.padding)
    return np.asarray(keras.ops.convert_to_numpy(sums))[0, :, :, 0]


def edges(model, image: np.ndarray) -> Observation:
    """Hand-set Sobel kernels in the first conv layer find up-and-down and left-right edges,
    and the trained kernel that prefers up-and-down edges most."""
    index = first_layer(model, "conv2d")
    vertical, horizontal = (on_layer_grid(model, index, mask) for mask in edge_pixels(image))
    if vertical.sum() < 3 or horizontal.sum() < 3:
        raise LessonError("the drawing needs both up-and-down and left-right strokes; draw "
                          "an H, E or T")
    result = trace(model, image)
    responses = {name: _edge_means(np.abs(hand_set_sums(model.layers[index],
                                                        result.input_of(index), name)),
                                   vertical, horizontal)
                 for name in ("sobel_x", "sobel_y")}
    maps = result.outputs[index]
    on_v, on_h = maps[vertical].mean(axis=0), maps[horizontal].mean(axis=0)
    channel = int(np.argmax(on_v - on_h))
    (xv, xh), (yv, yh) = responses["sobel_x"], responses["sobel_y"]
    tv, th = float(on_v[channel]), float(on_h[channel])
    numbers = {"layer": index, "sobel_x_on_vertical": xv, "sobel_x_on_horizontal": xh,
               "sobel_y_on_vertical": yv, "sobel_y_on_horizontal": yh, "trained_map": channel,
               "trained_on_vertical": tv, "trained_on_horizontal": th,
               "vertical_cells": int(vertical.sum()), "horizontal_cells": int(horizontal.sum())}
    holds = xv > xh and yh > yv and tv > th
    sentence = (f"Set by hand into filter 0 of {layer_label(model, index)}, the Sobel x kernel "
                f"gives {xv:.2f} on average on the sides of your up-and-down strokes against "
                f"{xh:.2f} on the left-right ones; Sobel y gives {yh:.2f} on the left-right "
                f"edges against {yv:.2f}. Of the trained kernels, feature map {channel} prefers "
                f"up-and-down edges most: {tv:.2f} on them against {th:.2f} on the left-right "
                "ones.")
    if not holds:
        sentence += " Here not every kernel prefers its own direction."
    return Observation(holds, sentence, numbers,
                       ViewSettings(layer=index, map=0, kernel_preset="sobel_x"))


def sharing(model, image: np.ndarray) -> Observation:
    """The first conv layer's parameters against a dense layer with the same inputs and
    outputs."""
    index = first_layer(model, "conv2d")
    layer = model.layers[index]
    g = ex.window_geometry(model, index)
    taps = g.kernel[0] * g.kernel[1] * g.channels_in
    params = (taps + int(layer.use_bias)) * g.channels_out
    n_in = g.input_size[0] * g.input_size[1] * g.channels_in
    n_out = g.output_size[0] * g.output_size[1] * g.channels_out
    dense = (n_in + 1) * n_out
    positions = g.output_size[0] * g.output_size[1]
    numbers = {"layer": index, "params": params, "keras_params": int(layer.count_params()),
               "kernels": g.channels_out, "taps": taps, "positions": positions,
               "dense_params": dense, "ratio": dense / params}
    holds = params == int(layer.count_params()) and dense > params
    bias = " plus a bias" if layer.use_bias else ""
    sentence = (f"{layer_label(model, index).capitalize()} has {params:,} parameters (Keras "
                f"counts {int(layer.count_params()):,}): {g.channels_out} kernels of "
                f"{g.kernel[0]}x{g.kernel[1]}x{g.channels_in} weights{bias} each, and every "
                f"kernel is reused at all {positions:,} positions. A dense layer joining the "
                f"same {n_in:,} inputs to the same {_size(g.output_size)}x{g.channels_out} = "
                f"{n_out:,} outputs would need {dense:,}: {dense / params:,.0f} times as many.")
    return Observation(holds, sentence, numbers, ViewSettings(layer=index))
