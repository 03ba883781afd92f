"""A network spec as runnable plain Keras code, for users who want to leave the app."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from cnn_studio.model.spec.analysis import analyze
from cnn_studio.model.spec.network import (
    INPUT_SHAPE,
    LAYER_TYPES,
    LayerSpec,
    NetworkSpec,
    resolve_params,
)

_POOL_CLASSES = {"maxpool2d": "keras.layers.MaxPooling2D",
                 "avgpool2d": "keras.layers.AveragePooling2D", "sumpool2d": "SumPooling2D"}


def layer_name(index: int, kind: str) -> str:
    """Keras name of the layer at 0-based ``index``: ``03_dense``."""
    return f"{index + 1:02d}_{kind}"


def model_name(name: str) -> str:
    """``name`` reduced to the characters Keras accepts in a model name."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:60] or "network"


def _sum_pooling_source() -> list[str]:
    """The source of ``keras_build.SumPooling2D``, read as text so no Keras import is needed."""
    source = (Path(__file__).with_name("keras_build.py")).read_text()
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef) and node.name == "SumPooling2D":
            return (ast.get_source_segment(source, node) or "").splitlines()
    return []


def _layer_code(layer: LayerSpec, index: int) -> str:
    p, _ = resolve_params(layer)
    name = f'name="{layer_name(index, layer.kind)}"'
    kind = layer.kind
    if kind == "conv2d":
        args = [str(p["filters"]), f"({p['kernel_h']}, {p['kernel_w']})",
                f"strides={p['stride']}", f'padding="{p["padding"]}"']
        if p["activation"] != "none":
            args.append(f'activation="{p["activation"]}"')
        if not p["use_bias"]:
            args.append("use_bias=False")
        if p["initializer"] == "gaussian":
            args.append(f"kernel_initializer=keras.initializers.RandomNormal(stddev={p['sigma']})")
        elif p["initializer"] != "glorot_uniform":
            args.append(f'kernel_initializer="{p["initializer"]}"')
        return f"keras.layers.Conv2D({', '.join(args)}, {name})"
    if kind in _POOL_CLASSES:
        cls = _POOL_CLASSES[kind]
        stride = p["stride"] or p["pool_size"]
        return (f"{cls}(pool_size={p['pool_size']}, strides={stride}, "
                f'padding="{p["padding"]}", {name})')
    if kind == "dense":
        bias = "" if p["use_bias"] else ", use_bias=False"
        return f'keras.layers.Dense({p["units"]}, activation="{p["activation"]}"{bias}, {name})'
    if kind == "activation":
        return f'keras.layers.Activation("{p["activation"]}", {name})'
    if kind == "dropout":
        return f"keras.layers.Dropout({p['rate']}, {name})"
    classes = {"batchnorm": "BatchNormalization", "flatten": "Flatten",
               "globalavgpool2d": "GlobalAveragePooling2D"}
    return f"keras.layers.{classes[kind]}({name})"


def keras_code(spec: NetworkSpec) -> str:
    """Runnable Python code that builds the same network with plain Keras.

    Args:
        spec: the network; layers of unknown kinds become comments.

    Returns:
        The source text (it defines ``model`` and prints its summary).
    """
    report = analyze(spec)
    lines = [f'"""The network {spec.name!r} as plain Keras code (written by CNN Studio)."""', ""]
    if not report.valid:
        lines += ["# This network is not valid yet, so this code may fail:"]
        lines += [f"#   {error}" for error in report.errors] + [""]
    lines += ["import keras", ""]
    if any(layer.kind == "sumpool2d" for layer in spec.layers):
        lines += _sum_pooling_source() + ["", ""]
    lines += ["model = keras.Sequential(", "    [", f"        keras.Input(shape={INPUT_SHAPE}),"]
    for index, layer in enumerate(spec.layers):
        if layer.kind in LAYER_TYPES:
            lines.append(f"        {_layer_code(layer, index)},")
        else:
            lines.append(f"        # layer {index + 1}: unknown type {layer.kind!r}")
    lines += ["    ],", f'    name="{model_name(spec.name)}",', ")", "model.summary()", ""]
    return "\n".join(lines)
