"""Spec <-> Keras: build models from specs and read specs back from models.

Each ``LayerSpec`` becomes exactly one Keras layer named ``f"{number:02d}_{kind}"`` (``01_conv2d``,
``02_maxpool2d``...). Sum pooling, which Keras lacks, is the registered :class:`SumPooling2D`.

Its siblings build on it: ``model_files`` (save and load ``.keras`` files with their spec) and
``keras_code`` (the network as plain Keras source code).
"""

from __future__ import annotations

import keras

from cnn_studio.model.nets.keras_code import layer_name, model_name  # re-exported
from cnn_studio.model.nets.untrained import initial_weights
from cnn_studio.model.spec.analysis import analyze
from cnn_studio.model.spec.network import (
    INPUT_SHAPE,
    LAYER_TYPES,
    LayerSpec,
    NetworkSpec,
    SpecError,
    resolve_params,
)


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
        self.pool_size = self._pair(pool_size)
        self.strides = self._pair(strides if strides is not None else pool_size)
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid' or 'same', not {padding!r}")
        self.input_spec = keras.layers.InputSpec(ndim=4)

    @staticmethod
    def _pair(value) -> tuple[int, int]:
        rows, cols = (value, value) if isinstance(value, int) else value
        return int(rows), int(cols)

    def call(self, inputs):
        """Sum every window with a depthwise convolution whose kernel is all ones."""
        kernel = keras.ops.ones((*self.pool_size, inputs.shape[-1], 1), dtype=inputs.dtype)
        return keras.ops.depthwise_conv(inputs, kernel, strides=self.strides,
                                        padding=self.padding)

    def get_config(self):
        """Settings needed to recreate the layer (Keras serialization)."""
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides,
                "padding": self.padding}


POOLS = {"maxpool2d": keras.layers.MaxPooling2D, "avgpool2d": keras.layers.AveragePooling2D,
          "sumpool2d": SumPooling2D}


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
    if kind in POOLS:
        return POOLS[kind](pool_size=p["pool_size"], strides=p["stride"] or p["pool_size"],
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
    return keras.Sequential([keras.Input(INPUT_SHAPE), *layers], name=model_name(spec.name))


def build_untrained_model(spec: NetworkSpec, seed: int = 0) -> keras.Sequential:
    """The Keras model of ``spec`` holding its Gaussian starting weights for ``seed``.

    The weights are exactly ``model.nets.untrained.initial_weights(spec, seed)``, the ones the
    numpy engine's ``untrained_network(spec, seed)`` uses, so both compute the same numbers.

    Raises:
        SpecError: the spec is invalid or the seed is out of range.
    """
    weights = initial_weights(spec, seed)
    model = build_model(spec)
    model.set_weights(weights)
    return model


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
    for kind, pool_class in POOLS.items():
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
        The spec, in canonical form (see ``model.spec.network.canonical``).

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


