"""Observations of the classifier end: pooling, flatten, dense layers, softmax over the 26
letters, and the cross-entropy loss."""

from __future__ import annotations

import numpy as np

from cnn_studio.model import explain as ex
from cnn_studio.model.explain.core import POOL_KINDS, flatten_source_shape, trace
from cnn_studio.model.explain.outputs import kernel_and_bias
from cnn_studio.model.lessons.parts import close, first_layer, layer_label, letter
from cnn_studio.model.lessons.step import Observation, ViewSettings

MODE_WORDS = {"max": "max", "avg": "average", "sum": "sum"}


def pooling(model, image: np.ndarray) -> Observation:
    """The strongest cell of the first pooling layer, pooled by max, average and sum."""
    index = first_layer(model, *POOL_KINDS)
    result = trace(model, image)
    source, pooled = result.input_of(index), result.outputs[index]
    channel = int(np.argmax(pooled.reshape(-1, pooled.shape[-1]).max(axis=0)))
    row, col = (int(v) for v in np.unravel_index(np.argmax(pooled[..., channel]),
                                                 pooled.shape[:2]))
    cell = ex.pool_cell(model, image, index, row, col, channel)
    values = cell.values[cell.valid]
    modes = {"max": float(values.max()), "avg": float(values.mean()),
             "sum": float(values.sum())}
    g = ex.window_geometry(model, index)
    whole = ex.pool_map(source[..., channel], cell.mode, g.kernel, g.strides, g.padding)
    numbers = {"layer": index, "map": channel, "row": row, "col": col, "mode": cell.mode,
               "window_values": int(values.size), "max": modes["max"], "average": modes["avg"],
               "sum": modes["sum"], "keras_value": cell.model_value,
               "rows_in": int(source.shape[0]), "rows_out": int(pooled.shape[0])}
    holds = bool(close(modes[cell.mode], cell.model_value)
                 and modes["max"] >= modes["avg"]
                 and close(modes["sum"], modes["avg"] * values.size)
                 and whole.shape == pooled.shape[:2]
                 and np.allclose(whole, pooled[..., channel], rtol=1e-4, atol=1e-5))
    others = [f"{MODE_WORDS[m]} pooling would give {modes[m]:.3f}" for m in modes
              if m != cell.mode]
    listed = ", ".join(f"{v:.2f}" for v in values)
    sentence = (f"{layer_label(model, index).capitalize()}, a {g.kernel[0]}x{g.kernel[1]} "
                f"{MODE_WORDS[cell.mode]} pooling, turns map {channel}'s {source.shape[0]}x"
                f"{source.shape[1]} into {pooled.shape[0]}x{pooled.shape[1]}. Its strongest "
                f"cell, row {row} column {col}, reads the window {listed}: "
                f"{MODE_WORDS[cell.mode]} pooling keeps {modes[cell.mode]:.3f} (Keras: "
                f"{cell.model_value:.3f}); {' and '.join(others)}.")
    return Observation(holds, sentence, numbers,
                       ViewSettings(layer=index, map=channel, pixel=(row, col)))


def flatten(model, image: np.ndarray) -> Observation:
    """Flatten as a reshape: the largest number of the vector and where it sat in the maps."""
    index = first_layer(model, "flatten")
    result = trace(model, image)
    maps, vector = result.input_of(index), result.outputs[index]
    k = int(np.argmax(vector))
    row, col, channel = (int(v) for v in np.unravel_index(k, maps.shape))
    numbers = {"layer": index, "rows": int(maps.shape[0]), "cols": int(maps.shape[1]),
               "channels": int(maps.shape[2]), "length": int(vector.size), "largest_index": k,
               "largest": float(vector[k]), "row": row, "col": col, "map": channel}
    holds = bool(vector.size == maps.size and np.array_equal(vector, maps.reshape(-1)))
    sentence = (f"{layer_label(model, index).capitalize()} lays the {maps.shape[0]}x"
                f"{maps.shape[1]}x{maps.shape[2]} maps out as one row of {vector.size:,} "
                f"numbers, pixel by pixel with the {maps.shape[2]} maps of each pixel side by "
                f"side, changing none: number {k:,}, the largest ({vector[k]:.3f}), is map "
                f"{channel} at row {row} column {col}.")
    return Observation(holds, sentence, numbers, ViewSettings(layer=index, map=channel))


def dense(model, image: np.ndarray) -> Observation:
    """A fully connected layer: a weight per input per neuron, and a neuron mixing many maps."""
    index = first_layer(model, "dense")
    layer = model.layers[index]
    kernel, bias = kernel_and_bias(layer)
    x = trace(model, image).input_of(index).reshape(-1)
    unit = int(np.argmax(x @ kernel + bias))
    neuron = ex.dense_neuron(model, image, index, unit, top_k=10)
    n_in, units = kernel.shape
    params = n_in * units + (units if layer.use_bias else 0)
    source = flatten_source_shape(model, index)
    maps = {c.position[2] for c in neuron.top if c.position is not None}
    numbers = {"layer": index, "inputs": n_in, "units": units, "params": params,
               "keras_params": int(layer.count_params()), "unit": unit,
               "top_contributions": len(neuron.top), "maps_in_top": len(maps)}
    holds = params == int(layer.count_params()) and (source is None or len(maps) >= 2)
    sentence = (f"{layer_label(model, index).capitalize()} is fully connected: each of its "
                f"{units:,} neurons has its own weight for every one of the {n_in:,} inputs, "
                f"{params:,} parameters with the biases (Keras counts "
                f"{int(layer.count_params()):,}).")
    if source is not None:
        sentence += (f" Its most active neuron, {unit}, gets its {len(neuron.top)} largest "
                     f"contributions from {len(maps)} different feature maps: it mixes what "
                     "they found.")
    return Observation(holds, sentence, numbers, ViewSettings(layer=index, map=unit))


def softmax(model, image: np.ndarray) -> Observation:
    """The last layer's scores turned into 26 probabilities, by hand and by Keras."""
    loss = ex.softmax_loss(model, image)
    order = np.argsort(-loss.probabilities, kind="stable")
    top, second = int(order[0]), int(order[1])
    total = float(loss.probabilities.sum())
    numbers = {"classes": int(loss.logits.size), "lowest_score": float(loss.logits.min()),
               "highest_score": float(loss.logits.max()), "top": letter(top),
               "top_probability": float(loss.probabilities[top]), "second": letter(second),
               "second_probability": float(loss.probabilities[second]), "sum": total}
    holds = bool(loss.logits.size == 26 and abs(total - 1) < 1e-6
                 and np.allclose(loss.probabilities, loss.model_probabilities, atol=1e-5))
    sentence = (f"The last layer gives each of the {loss.logits.size} letters a score, from "
                f"{loss.logits.min():.2f} to {loss.logits.max():.2f}. Softmax raises e to each "
                f"score (less the largest, so nothing overflows) and divides by the sum: "
                f"{letter(top)} gets {loss.probabilities[top]:.3f}, the next, {letter(second)}, "
                f"{loss.probabilities[second]:.3f}, and all {loss.logits.size} add up to "
                f"{total:.6f}, as Keras computes them.")
    return Observation(holds, sentence, numbers, ViewSettings(letter=top))


def cross_entropy(model, image: np.ndarray) -> Observation:
    """The loss if the drawing is the network's answer, and if it is the runner-up."""
    probabilities = ex.softmax_loss(model, image).probabilities
    order = np.argsort(-probabilities, kind="stable")
    right, wrong = (ex.softmax_loss(model, image, int(c)) for c in order[:2])
    numbers = {"answer": letter(order[0]), "answer_probability": right.true_probability,
               "answer_loss": right.loss, "other": letter(order[1]),
               "other_probability": wrong.true_probability, "other_loss": wrong.loss,
               "keras_answer_loss": ex.cross_entropy(probabilities, int(order[0]))}
    losses = (right.loss, wrong.loss, right.true_probability, wrong.true_probability)
    assert all(value is not None for value in losses)  # a true letter was given to both
    right_loss, wrong_loss, right_p, wrong_p = (float(value or 0.0) for value in losses)
    holds = (close(right_loss, -np.log(right_p), 1e-3)
             and close(wrong_loss, -np.log(wrong_p), 1e-3)
             and close(right_loss, float(numbers["keras_answer_loss"] or 0.0), 1e-3)
             and right_loss < wrong_loss)
    sentence = (f"If your letter is {letter(order[0])}, the network gave it "
                f"{right.true_probability:.3f} and the loss is -ln {right.true_probability:.3f} "
                f"= {right.loss:.3f}. If it were {letter(order[1])} (given "
                f"{wrong.true_probability:.4f}), the loss would be {wrong.loss:.2f}: the less "
                "probability on the true letter, the bigger the loss training works to reduce.")
    return Observation(holds, sentence, numbers, ViewSettings(letter=int(order[1])))
