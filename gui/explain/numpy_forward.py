"""The whole forward pass in numpy: the few lines that turn the drawing into probabilities.

For the user's own network (the active Keras model, or before TensorFlow has loaded the shipped
default model read by ``model.nets.keras_file``) and their drawing, the tab lists the program,
one line per layer with the shape it produced, then the engine functions those lines call
(their real source, from ``model.nets.numpy_layers``) and the probabilities they give: the
same engine and weights the canvas predicts with, so the same numbers.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QLabel,
    QPlainTextEdit,
    QTableWidgetItem,
)

from cnn_studio.gui.explain.base import (
    HINT_DRAW,
    ExplainTab,
    class_name,
    read_only_table,
    text_label,
)

if TYPE_CHECKING:
    import keras

    from cnn_studio.model.nets.numpy_forward import NumpyNetwork

DEFAULT_MODEL_FILE = "default.keras"
#: layer kind -> (engine function name, how the program calls it)
CALLS = {
    "conv2d": ("_conv", "x = _conv(layer, x)"),
    "maxpool2d": ("_pool", "x = _pool(layer, x)"),
    "avgpool2d": ("_pool", "x = _pool(layer, x)"),
    "sumpool2d": ("_pool", "x = _pool(layer, x)"),
    "dense": ("_dense", "x = _dense(layer, x)"),
    "batchnorm": ("_batchnorm", "x = _batchnorm(layer, x)"),
    "flatten": ("", "x = x.reshape(len(x), -1)"),
    "globalavgpool2d": ("", "x = x.mean(axis=(1, 2))"),
    "dropout": ("", "x = x  # dropout does nothing when predicting"),
}


@dataclass(frozen=True)
class ForwardTrace:
    """One drawing's pass through the numpy engine, ready to show.

    Attributes:
        program: the program, one line per layer, each with its output shape.
        definitions: the source of the engine functions the program calls.
        shapes: (layer name, kind, output shape without the batch) per layer.
        probs: the class probabilities.
    """

    program: str
    definitions: str
    shapes: list[tuple[str, str, tuple[int, ...]]]
    probs: np.ndarray


def engine_for(model: keras.Model | None) -> NumpyNetwork:
    """The numpy engine for the active model, or the shipped default model when None."""
    from cnn_studio.model.nets.numpy_forward import network_from_spec

    if model is None:
        from cnn_studio.model.nets.keras_file import load_network
        from cnn_studio.model.storage import paths

        return load_network(paths.DEFAULT_MODEL_DIR / DEFAULT_MODEL_FILE)
    from cnn_studio.model.nets.keras_build import spec_from_model

    return network_from_spec(spec_from_model(model), model.get_weights())


def _activation_line(name: str) -> tuple[str, str]:
    """The ``ACTIVATIONS`` entry of ``name``, and the engine function it names ('' for none)."""
    from cnn_studio.model.nets import numpy_layers as nl

    function = nl.ACTIVATIONS[name]
    if getattr(function, "__name__", "") == "<lambda>":
        source = inspect.getsource(function).strip()
        return (source if source.startswith(f'"{name}"') else f'"{name}": {source}'), ""
    if getattr(nl, getattr(function, "__name__", ""), None) is function:
        return f'"{name}": {function.__name__},', function.__name__
    return f'"{name}": np.{getattr(function, "__name__", name)},', ""


def _settings(layer) -> str:
    """A short note of a layer's settings for the program's comment."""
    c, w = layer.config, layer.weights
    if layer.kind == "conv2d":
        kh, kw, _, out = w[0].shape
        return (f"{out} kernels {kh}x{kw}, stride {c['strides'][0]}, {c['padding']}, "
                f"{c['activation']}")
    if "pool_size" in c:
        return f"{c['pool_size'][0]}x{c['pool_size'][1]}, stride {c['strides'][0]}"
    if layer.kind == "dense":
        return f"{w[0].shape[1]} units, {c['activation']}"
    return ""


def _layer_line(layer) -> tuple[str, str]:
    """The program line of one layer and the engine function it calls ('' for none)."""
    if layer.kind == "activation":
        return f'x = ACTIVATIONS["{layer.config["activation"]}"](x)', ""
    function, line = CALLS[layer.kind]
    return line, function


def trace_forward(network: NumpyNetwork, image: np.ndarray) -> ForwardTrace:
    """Run ``image`` through ``network`` and describe every step with its numbers."""
    from cnn_studio.model.nets import numpy_layers as nl

    prediction = network.forward(image)
    h, w, c = network.input_shape
    lines = [(f"x = image.reshape(1, {h}, {w}, {c})", f"(1, {h}, {w}, {c})", "input")]
    functions, activations = [], []
    for layer, output in zip(network.layers, prediction.activations, strict=True):
        line, function = _layer_line(layer)
        if function and function not in functions:
            functions.append(function)
        name = layer.config.get("activation")
        if name and name not in activations:
            activations.append(name)
        lines.append((line, str((1, *output.shape)), f"{layer.name} {_settings(layer)}".rstrip()))
    if network.adds_softmax:  # the last layer gave scores: softmax turns them into probabilities
        lines.append(("probs = softmax(x)[0]", str(prediction.probs.shape), "softmax"))
        functions.append("softmax")
    else:
        lines.append(("probs = x[0]", str(prediction.probs.shape), "the last layer's softmax"))
    width = max(len(line) for line, _, _ in lines) + 2
    program = "\n".join(f"{line:<{width}}# {shape:<16} {what}" for line, shape, what in lines)
    if any(f in functions for f in ("_conv", "_pool")):
        functions.insert(0, "_windows")
    sources = [inspect.getsource(getattr(nl, name)).rstrip() for name in functions]
    entries = [_activation_line(name) for name in activations]
    for _, function in entries:
        if function and function not in functions:
            sources.append(inspect.getsource(getattr(nl, function)).rstrip())
    if entries:
        sources.append("ACTIVATIONS = {\n" + "\n".join(f"    {line}" for line, _ in entries)
                       + "\n}")
    shapes = [(layer.name, layer.kind, tuple(out.shape))
              for layer, out in zip(network.layers, prediction.activations, strict=True)]
    return ForwardTrace(program, "\n\n".join(sources), shapes, prediction.probs)


def compute_trace(model: keras.Model | None, image: np.ndarray) -> ForwardTrace:
    """The trace of ``image`` through ``model`` (None: the shipped default model)."""
    return trace_forward(engine_for(model), image)


def code_box(name: str) -> QPlainTextEdit:
    """A read-only, monospaced text box that never wraps."""
    box = QPlainTextEdit()
    box.setObjectName(name)
    box.setReadOnly(True)
    box.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    box.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    return box


class NumpyForwardTab(ExplainTab):
    """The whole forward pass as a short numpy program, with the numbers it produced."""

    title = "Forward pass in numpy"

    def build(self) -> None:
        self.result: ForwardTrace | None = None
        self.summary = text_label("numpy_summary", rich=True)
        self.program = code_box("numpy_program")
        self.program.setMinimumHeight(170)
        self.definitions = code_box("numpy_definitions")
        self.definitions.setMinimumHeight(260)
        self.table = read_only_table("numpy_probs", ("Letter", "Probability"), rows=8)
        self.body.addWidget(self.summary)
        self.body.addWidget(QLabel("<b>The program</b> (one line per layer; the comment is the "
                                   "shape it produced)"))
        self.body.addWidget(self.program)
        self.body.addWidget(QLabel("<b>What it calls</b> (the app's own engine, "
                                   "model/nets/numpy_layers.py)"))
        self.body.addWidget(self.definitions)
        self.body.addWidget(QLabel("<b>Probabilities</b> (the canvas shows these)"))
        self.body.addWidget(self.table)

    def refresh(self) -> None:
        """Before TensorFlow: explain the shipped default model the canvas answers with."""
        if self.ctx.tf_loaded:
            super().refresh()
            return
        self.dirty = False
        if not self.ctx.has_drawing:
            self.show_hint(HINT_DRAW)
            return
        self.status.clear()
        self.stack.setCurrentIndex(1)
        self.recompute()

    def recompute(self) -> None:
        model = self.ctx.model if self.ctx.tf_loaded else None
        image = self.ctx.image
        self.submit("trace", lambda: compute_trace(model, image), self._show)

    def _show(self, result: ForwardTrace) -> None:
        self.result = result
        self.program.setPlainText(result.program)
        self.definitions.setPlainText(result.definitions)
        order = np.argsort(-result.probs)
        self.table.setRowCount(len(order))
        for row, index in enumerate(order):
            for col, text in enumerate((class_name(int(index)), f"{result.probs[index]:.5f}")):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, col, item)
        top = int(order[0])
        convs = sum(kind == "conv2d" for _, kind, _ in result.shapes)
        self.summary.setText(
            f"{len(result.shapes)} layers ({convs} convolutions) in about "
            f"{result.program.count(chr(10)) + 1} lines of numpy: every number is a sum of "
            f"products. Answer: <b>{class_name(top)}</b> with p = {result.probs[top]:.5f}.")
