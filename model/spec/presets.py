"""Ready-made networks to start from, each with a short name for the command line."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from cnn_studio.model.spec.network import LayerSpec, NetworkSpec, SpecError, default_layer


@dataclass(frozen=True)
class Preset:
    """A named starting network.

    Attributes:
        name: short name used by ``summary --preset`` and the builder's menu.
        description: one line saying what it is good for.
        spec: the network (use :func:`get_preset` for a copy you may edit).
    """

    name: str
    description: str
    spec: NetworkSpec


def _layer(kind: str, **params) -> LayerSpec:
    layer = default_layer(kind)
    layer.params.update(params)
    return layer


def _conv(filters: int, size: int, activation: str = "relu", padding: str = "same") -> LayerSpec:
    return _layer("conv2d", filters=filters, kernel_h=size, kernel_w=size,
                  activation=activation, padding=padding)


def _pool(kind: str = "maxpool2d", size: int = 2) -> LayerSpec:
    return _layer(kind, pool_size=size)


def _dense(units: int, activation: str = "relu") -> LayerSpec:
    return _layer("dense", units=units, activation=activation)


def _output() -> LayerSpec:
    return _dense(26, "softmax")


def _make(name: str, description: str, layers: list[LayerSpec]) -> Preset:
    return Preset(name, description, NetworkSpec(layers, name))


_ALL = [
    _make("classic",
          "The textbook CNN: conv, ReLU, max-pool twice, then flatten, dense, softmax.", [
        _conv(16, 5, "none"), _layer("activation", activation="relu"), _pool(),
        _conv(32, 5, "none"), _layer("activation", activation="relu"), _pool(),
        _layer("flatten"), _dense(128), _output(),
    ]),
    _make("lenet5", "LeCun's LeNet-5 (1998): tanh convolutions with average pooling, 3 dense.", [
        _conv(6, 5, "tanh"), _pool("avgpool2d"),
        _conv(16, 5, "tanh", padding="valid"), _pool("avgpool2d"),
        _layer("flatten"), _dense(120, "tanh"), _dense(84, "tanh"), _output(),
    ]),
    _make("tiny", "Trains in seconds: one conv of 8 3x3 kernels, max-pool, flatten, output.", [
        _conv(8, 3, padding="valid"), _pool(), _layer("flatten"), _output(),
    ]),
    _make("dense", "No convolution at all: flatten the pixels into dense layers, for comparison.", [
        _layer("flatten"), _dense(128), _dense(64), _output(),
    ]),
    _make("deep", "VGG-style: pairs of 3x3 convs with batch norm, three poolings, dropout.", [
        _conv(32, 3), _conv(32, 3), _layer("batchnorm"), _pool(),
        _conv(64, 3), _conv(64, 3), _layer("batchnorm"), _pool(),
        _conv(128, 3), _conv(128, 3), _layer("batchnorm"), _pool(),
        _layer("flatten"), _dense(256), _layer("dropout", rate=0.5), _output(),
    ]),
]

PRESETS: dict[str, Preset] = {preset.name: preset for preset in _ALL}


def get_preset(name: str) -> NetworkSpec:
    """A fresh, editable copy of a preset network.

    Args:
        name: one of ``PRESETS`` (``classic``, ``lenet5``, ``tiny``, ``dense``, ``deep``).

    Returns:
        The network spec.

    Raises:
        SpecError: there is no preset of that name (the message lists them).
    """
    preset = PRESETS.get(name)
    if preset is None:
        raise SpecError(f"There is no preset called {name!r}. Choose one of: "
                        f"{', '.join(PRESETS)}.")
    return copy.deepcopy(preset.spec)
