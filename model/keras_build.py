"""Spec <-> Keras: build models from specs, read specs back, save and load ``.keras`` files.

Each ``LayerSpec`` becomes exactly one Keras layer named ``f"{number:02d}_{kind}"`` (``01_conv2d``,
``02_maxpool2d``...). Sum pooling, which Keras lacks, is the registered :class:`SumPooling2D`.
"""

from __future__ import annotations

import inspect
import os
import re
import threading
from pathlib import Path

import keras

from model.spec import (
    INPUT_SHAPE,
    LAYER_TYPES,
    NUM_CLASSES,
    SPEC_SUFFIX,
    LayerSpec,
    NetworkSpec,
    SpecError,
    analyze,
    canonical,
    load_spec,
    resolve_params,
    save_spec,
)


class ModelFileError(SpecError):
    """A ``.keras`` file is missing, damaged, unsafe or not a network for 28x28 letters."""


@keras.saving.register_keras_serializable(package="cnn_studio")
class SumPooling2D(keras.layers.Layer):
    """Sum of each pooling window (like average pooling times the window area).

    Zero padding adds nothing, so at 'same' borders the sum covers only the real pixels.

    Args:
        pool_size: window height and width (int or pair).
        strides: step between windows; None means the pool size.
        padding: ``'valid'`` or ``'same'``.
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", **kwargs):
        super().__init__(**kwargs)
        pair = (lambda v: (int(v), int(v)) if isinstance(v, int) else tuple(int(n) for n in v))
        self.pool_size = pair(pool_size)
        self.strides = pair(strides if strides is not None else pool_size)
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid' or 'same', not {padding!r}")
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def call(self, inputs):
        """Sum every window with a depthwise convolution whose kernel is all ones."""
        kernel = keras.ops.ones((*self.pool_size, inputs.shape[-1], 1), dtype=inputs.dtype)
        return keras.ops.depthwise_conv(inputs, kernel, strides=self.strides,
                                        padding=self.padding)

    def get_config(self):
        """Settings needed to recreate the layer (Keras serialization)."""
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides,
                "padding": self.padding}


_POOLS = {"maxpool2d": keras.layers.MaxPooling2D, "avgpool2d": keras.layers.AveragePooling2D,
          "sumpool2d": SumPooling2D}


def layer_name(index: int, kind: str) -> str:
    """Keras name of the layer at 0-based ``index``: ``03_dense``."""
    return f"{index + 1:02d}_{kind}"


def _seed(seed: int | None, index: int) -> int | None:
    return None if seed is None else int(seed) * 1000 + index


def _initializer(params: dict, seed: int | None):
    if params["initializer"] == "gaussian":
        return keras.initializers.RandomNormal(mean=0.0, stddev=params["sigma"], seed=seed)
    if params["initializer"] == "he_normal":
        return keras.initializers.HeNormal(seed=seed)
    return keras.initializers.GlorotUniform(seed=seed)


def make_layer(layer: LayerSpec, index: int, seed: int | None = None) -> keras.layers.Layer:
    """The Keras layer for one valid ``LayerSpec``.

    Args:
        layer: the layer spec (checked by ``analyze`` beforehand).
        index: its 0-based position, used for the name and the seed.
        seed: base seed for initializers and dropout, or None for random.

    Returns:
        An unbuilt Keras layer.
    """
    p, _ = resolve_params(layer)
    name, kind, seed = layer_name(index, layer.kind), layer.kind, _seed(seed, index)
    if kind == "conv2d":
        activation = "linear" if p["activation"] == "none" else p["activation"]
        return keras.layers.Conv2D(
            p["filters"], (p["kernel_h"], p["kernel_w"]), strides=p["stride"],
            padding=p["padding"], activation=activation, use_bias=p["use_bias"],
            kernel_initializer=_initializer(p, seed), name=name)
    if kind in _POOLS:
        return _POOLS[kind](pool_size=p["pool_size"], strides=p["stride"] or p["pool_size"],
                            padding=p["padding"], name=name)
    if kind == "dense":
        init = keras.initializers.GlorotUniform(seed=seed)
        return keras.layers.Dense(p["units"], activation=p["activation"],
                                  use_bias=p["use_bias"], kernel_initializer=init, name=name)
    if kind == "activation":
        return keras.layers.Activation(p["activation"], name=name)
    if kind == "dropout":
        return keras.layers.Dropout(p["rate"], seed=seed, name=name)
    if kind == "batchnorm":
        return keras.layers.BatchNormalization(name=name)
    if kind == "flatten":
        return keras.layers.Flatten(name=name)
    if kind == "globalavgpool2d":
        return keras.layers.GlobalAveragePooling2D(name=name)
    raise SpecError(f"Unknown layer type {kind!r}.")


def _model_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:60] or "network"


def build_model(spec: NetworkSpec, seed: int | None = None) -> keras.Sequential:
    """A Keras Sequential model with an explicit 28x28x1 ``keras.Input``, one layer per spec layer.

    Args:
        spec: a network for which ``analyze(spec).valid`` is True.
        seed: makes the initial weights (and dropout) reproducible; None for random.

    Returns:
        The built, uncompiled model.

    Raises:
        SpecError: the spec is invalid; the message lists ``analyze``'s explanations.
    """
    report = analyze(spec)
    if not report.valid:
        raise SpecError("The network cannot be built:\n" + "\n".join(report.errors))
    layers = [make_layer(layer, i, seed) for i, layer in enumerate(spec.layers)]
    return keras.Sequential([keras.Input(INPUT_SHAPE), *layers], name=_model_name(spec.name))


def _pair_value(value, what: str, where: str) -> int:
    value = tuple(value) if isinstance(value, list | tuple) else (value, value)
    if value[0] != value[1]:
        raise SpecError(f"{where} uses a non-square {what} {value}, which the builder cannot show.")
    return int(value[0])


def _activation_name(layer, choices: tuple[str, ...], where: str) -> str:
    name = keras.activations.serialize(layer.activation)
    name = name if isinstance(name, str) else str(getattr(layer.activation, "__name__", name))
    if name == "linear" and "none" in choices:
        name = "none"
    if name not in choices:
        raise SpecError(f"{where} uses the activation {name!r}, which the builder does not offer.")
    return name


def _layer_spec(layer, where: str) -> LayerSpec:
    cls = type(layer)
    if cls is keras.layers.Conv2D:
        if tuple(layer.dilation_rate) != (1, 1) or layer.groups != 1:
            raise SpecError(f"{where} uses dilation or groups, which the builder cannot show.")
        init = layer.kernel_initializer
        initializer, sigma = "glorot_uniform", 0.05
        if isinstance(init, keras.initializers.HeNormal):
            initializer = "he_normal"
        elif isinstance(init, keras.initializers.RandomNormal) and init.mean == 0:
            initializer, sigma = "gaussian", float(init.stddev)
        elif not isinstance(init, keras.initializers.GlorotUniform):
            raise SpecError(f"{where} uses the initializer {type(init).__name__}, which the "
                            "builder does not offer.")
        return LayerSpec("conv2d", {
            "filters": layer.filters, "kernel_h": layer.kernel_size[0],
            "kernel_w": layer.kernel_size[1], "stride": _pair_value(layer.strides, "stride", where),
            "padding": layer.padding, "activation": _activation_name(
                layer, LAYER_TYPES["conv2d"].param("activation").choices, where),
            "use_bias": layer.use_bias, "initializer": initializer, "sigma": sigma})
    for kind, pool_class in _POOLS.items():
        if cls is pool_class:
            size = _pair_value(layer.pool_size, "pool size", where)
            stride = _pair_value(layer.strides, "stride", where)
            return LayerSpec(kind, {"pool_size": size, "stride": 0 if stride == size else stride,
                                    "padding": layer.padding})
    if cls is keras.layers.Dense:
        choices = LAYER_TYPES["dense"].param("activation").choices
        return LayerSpec("dense", {"units": layer.units, "use_bias": layer.use_bias,
                                   "activation": _activation_name(layer, choices, where)})
    if cls is keras.layers.Activation:
        choices = LAYER_TYPES["activation"].param("activation").choices
        return LayerSpec("activation", {"activation": _activation_name(layer, choices, where)})
    if cls is keras.layers.Dropout:
        return LayerSpec("dropout", {"rate": float(layer.rate)})
    if cls is keras.layers.BatchNormalization:
        if not (layer.center and layer.scale) or layer.axis not in (-1, 3, [3], [-1]):
            raise SpecError(f"{where} is a BatchNormalization with settings the builder lacks.")
        return LayerSpec("batchnorm", {})
    if cls is keras.layers.Flatten:
        return LayerSpec("flatten", {})
    if cls is keras.layers.GlobalAveragePooling2D and not layer.keepdims:
        return LayerSpec("globalavgpool2d", {})
    raise SpecError(f"{where} is a {cls.__name__}, which the layer builder does not offer.")


def spec_from_model(model: keras.Model) -> NetworkSpec:
    """The spec of a Sequential model made of the builder's layer types.

    Args:
        model: a Keras Sequential with a 28x28x1 input.

    Returns:
        The spec, in canonical form (see ``model.spec.canonical``).

    Raises:
        SpecError: the model has another input shape, is not a plain stack of layers or uses a
            layer or setting the builder does not offer.
    """
    if not isinstance(model, keras.Sequential):
        raise SpecError("Only Sequential models (a plain stack of layers) can be shown in the "
                        "layer builder.")
    shape = tuple(model.inputs[0].shape[1:]) if model.inputs else None
    if shape != INPUT_SHAPE:
        raise SpecError(f"The model's input is {shape}, but CNN Studio networks read 28x28x1 "
                        "images.")
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    return NetworkSpec([_layer_spec(layer, f"Layer {i + 1} ({layer.name!r})")
                        for i, layer in enumerate(layers)], model.name)


def spec_path_for(model_path: str | Path) -> Path:
    """Where the spec of a saved model lives: ``net.keras`` -> ``net.cnn.json``."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + SPEC_SUFFIX)


def save_model_file(model: keras.Model, spec: NetworkSpec | None, path: str | Path) -> None:
    """Save ``model`` to a ``.keras`` file atomically, with its spec in a sibling ``.cnn.json``.

    Args:
        model: the model to save (weights included).
        spec: the network it was built from; None to derive it with :func:`spec_from_model`.
        path: target file; must end in ``.keras``.

    Raises:
        ModelFileError: wrong suffix or the file cannot be written.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ModelFileError(f"Model files must end in '.keras'; {path.name} does not.")
    spec = spec if spec is not None else spec_from_model(model)
    # Keras insists on the .keras suffix, so the temporary file keeps it.
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp.keras")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save(tmp)
        os.replace(tmp, path)
    except OSError as error:
        raise ModelFileError(f"Could not save the model to {path}: {error.strerror or error}. "
                             "Choose a folder you can write to.") from error
    finally:
        tmp.unlink(missing_ok=True)
    save_spec(spec, spec_path_for(path))


def load_model_file(path: str | Path, compile: bool = True) -> keras.Model:
    """Load a ``.keras`` model safely (no Python code from the file is ever run).

    Args:
        path: the ``.keras`` file.
        compile: also restore the optimizer and loss saved with it.

    Returns:
        The model, checked to read 28x28x1 images and output 26 class scores.

    Raises:
        ModelFileError: missing, damaged or unsafe file, or a model of the wrong shape.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"There is no model file at {path}. Check the path, or train and "
                             "save a network first.")
    if path.suffix != ".keras":
        raise ModelFileError(f"{path.name} is not a '.keras' file; CNN Studio opens models "
                             "saved in the Keras 3 format (model.save('name.keras')).")
    try:
        model = keras.saving.load_model(path, compile=compile, safe_mode=True)
    except Exception as error:  # noqa: BLE001 - corrupt zips raise many kinds of errors
        text = str(error)
        if "safe_mode" in text or "Lambda" in text:
            raise ModelFileError(
                f"{path.name} contains a Lambda layer, i.e. Python code stored in the file. "
                "CNN Studio refuses to run code from files (it could do anything); rebuild the "
                "network from standard layers in the layer builder.") from None
        raise ModelFileError(f"{path.name} could not be read as a Keras model ({type(error).__name__}"
                             f": {text[:200]}). The file may be damaged; save it again.") from None
    in_shape = tuple(model.inputs[0].shape[1:]) if getattr(model, "inputs", None) else None
    out_shape = tuple(model.outputs[0].shape[1:]) if getattr(model, "outputs", None) else None
    if in_shape != INPUT_SHAPE or out_shape != (NUM_CLASSES,):
        raise ModelFileError(f"{path.name} maps {in_shape} to {out_shape}, but CNN Studio needs "
                             f"a network from 28x28x1 images to {NUM_CLASSES} letter scores.")
    return model


def spec_for_model_file(path: str | Path, model: keras.Model) -> NetworkSpec:
    """The spec of a loaded model file: its sibling ``.cnn.json`` if it matches, else derived.

    Args:
        path: the ``.keras`` file ``model`` was loaded from.
        model: the loaded model.

    Returns:
        The network spec.

    Raises:
        SpecError: no matching sibling file and the model cannot be described as a spec.
    """
    sidecar = spec_path_for(path)
    if sidecar.is_file():
        try:
            spec = load_spec(sidecar)
            if canonical(spec).layers == spec_from_model(model).layers:
                return spec
        except SpecError:
            pass
    return spec_from_model(model)


def load_model_and_spec(path: str | Path) -> tuple[keras.Model, NetworkSpec]:
    """:func:`load_model_file` plus :func:`spec_for_model_file` in one call."""
    model = load_model_file(path)
    return model, spec_for_model_file(path, model)


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
    if kind in _POOLS:
        cls = "SumPooling2D" if kind == "sumpool2d" else f"keras.layers.{_POOLS[kind].__name__}"
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
        source = inspect.getsource(SumPooling2D).splitlines()
        lines += [line for line in source if not line.startswith("@")] + ["", ""]
    lines += ["model = keras.Sequential(", "    [", f"        keras.Input(shape={INPUT_SHAPE}),"]
    for index, layer in enumerate(spec.layers):
        if layer.kind in LAYER_TYPES:
            lines.append(f"        {_layer_code(layer, index)},")
        else:
            lines.append(f"        # layer {index + 1}: unknown type {layer.kind!r}")
    lines += ["    ],", f'    name="{_model_name(spec.name)}",', ")", "model.summary()", ""]
    return "\n".join(lines)
