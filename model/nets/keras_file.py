"""Read a ``.keras`` file without TensorFlow or Keras: its config and weights, for the numpy engine.

A Keras 3 ``.keras`` file is a zip holding ``config.json`` (the serialised model),
``metadata.json`` and ``model.weights.h5``. In the HDF5 file the weights of a Sequential's
layers live under ``layers/<name>/vars/0``, ``1``... where ``<name>`` is the snake-case class
name made unique by ``_1``, ``_2``... in layer order (``keras/src/saving/saving_lib.py``,
``_save_container_state``), never the layer's own name.

The zip is read safely: regular file, bounded size, every member's declared size checked before
it is read and the read itself bounded. No code from the file is ever run.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import zipfile
from pathlib import Path

import h5py
import numpy as np

from cnn_studio.model.nets.numpy_forward import NumpyNetwork
from cnn_studio.model.nets.numpy_layers import EngineLayer
from cnn_studio.model.spec.network import INPUT_SHAPE, NUM_CLASSES, SpecError, show_value

MAX_FILE_BYTES = 512 * 2**20  # the .keras zip on disk
MAX_CONFIG_BYTES = 16 * 2**20  # config.json
MAX_WEIGHTS_BYTES = 512 * 2**20  # model.weights.h5 expanded (20 M parameters are 80 MB)
MAX_INPUT_SIDE = 1024

_POOL_CLASSES = {"MaxPooling2D": "maxpool2d", "AveragePooling2D": "avgpool2d",
                 "SumPooling2D": "sumpool2d"}
_PLAIN = {"Dropout": "dropout", "Flatten": "flatten", "GlobalAveragePooling2D": "globalavgpool2d"}


class KerasFileError(SpecError):
    """A ``.keras`` file that is missing, damaged, too big or holds layers the engine lacks."""


def _snake(name: str) -> str:
    """Keras' ``naming.to_snake_case``: the weights group of a layer class."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _check_file(path: Path) -> None:
    try:
        info = os.stat(path)
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or error
        raise KerasFileError(f"{path.name}: cannot open the file ({reason}); check the "
                             "path.") from None
    if not stat.S_ISREG(info.st_mode):
        raise KerasFileError(f"{path.name} is not a regular file; choose a saved .keras model.")
    if info.st_size > MAX_FILE_BYTES:
        raise KerasFileError(f"{path.name} is {info.st_size / 2**20:.0f} MB, more than the "
                             f"{MAX_FILE_BYTES // 2**20} MB a model may have; refused.")


def _member(archive: zipfile.ZipFile, name: str, limit: int, path: Path) -> bytes:
    """The bytes of one zip member, at most ``limit`` (declared and actually read)."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise KerasFileError(f"{path.name} has no {name}: it is not a Keras 3 model file; "
                             "save the model again with model.save('name.keras').") from None
    if info.file_size > limit:
        raise KerasFileError(f"{path.name}: {name} expands to {info.file_size} bytes, more "
                             f"than {limit}; refused.")
    with archive.open(info) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise KerasFileError(f"{path.name}: {name} is larger than declared; refused.")
    return data


def _get(config: dict, key: str, kinds: type | tuple, where: str):
    value = config.get(key)
    if not isinstance(value, kinds) or isinstance(value, bool) and kinds is not bool:
        raise KerasFileError(f"{where}: the setting {key!r} is {show_value(value)}; the file "
                             "may be damaged.")
    return value


def _pair(value, key: str, where: str) -> tuple[int, int]:
    pair = tuple(value) if isinstance(value, list | tuple) else (value, value)
    if len(pair) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair):
        raise KerasFileError(f"{where}: the setting {key!r} is {show_value(value)}; expected "
                             "two whole numbers.")
    return pair


def _activation(config: dict, where: str) -> str:
    return _get(config, "activation", str, where)


def _require(ok: bool, where: str, what: str) -> None:
    if not ok:
        raise KerasFileError(f"{where} uses {what}, which the numpy engine cannot run.")


def _engine_config(cls: str, c: dict, where: str) -> tuple[str, dict, int]:
    """(kind, engine settings, number of weight arrays) of one serialised layer."""
    if c.get("data_format", "channels_last") not in ("channels_last", None):
        _require(False, where, "channels_first data")
    if cls == "Conv2D":
        _require(_pair(c.get("dilation_rate", 1), "dilation_rate", where) == (1, 1)
                 and c.get("groups", 1) == 1, where, "dilation or groups")
        use_bias = _get(c, "use_bias", bool, where)
        return "conv2d", {"strides": _pair(c.get("strides"), "strides", where),
                          "padding": _get(c, "padding", str, where),
                          "activation": _activation(c, where)}, 1 + use_bias
    if cls in _POOL_CLASSES:
        size = _pair(c.get("pool_size"), "pool_size", where)
        strides = size if c.get("strides") is None else _pair(c["strides"], "strides", where)
        return _POOL_CLASSES[cls], {"pool_size": size, "strides": strides,
                                    "padding": _get(c, "padding", str, where)}, 0
    if cls == "Dense":
        return "dense", {"activation": _activation(c, where)}, 1 + _get(c, "use_bias", bool, where)
    if cls == "Activation":
        return "activation", {"activation": _activation(c, where)}, 0
    if cls == "ReLU":
        plain = (c.get("max_value") is None and not c.get("negative_slope")
                 and not c.get("threshold"))
        _require(plain, where, "a ReLU with a cap, slope or threshold")
        return "activation", {"activation": "relu"}, 0
    if cls == "BatchNormalization":
        _require(c.get("axis", -1) in (-1, 3, [-1], [3]) and c.get("center", True) is True
                 and c.get("scale", True) is True and not c.get("renorm"), where,
                 "batch normalisation settings other than the builder's")
        return "batchnorm", {"epsilon": float(_get(c, "epsilon", (int, float), where))}, 4
    if cls == "GlobalAveragePooling2D":
        _require(not c.get("keepdims"), where, "keepdims")
    if cls in _PLAIN:
        return _PLAIN[cls], {}, 0
    raise KerasFileError(f"{where} is a {show_value(cls)}, which the numpy engine cannot run.")


def _declared_kernel(cls: str, c: dict, where: str) -> tuple | None:
    """The kernel shape the config promises (None for any input size), to check the weights."""
    if cls == "Conv2D":
        return (*_pair(c.get("kernel_size"), "kernel_size", where), None,
                _get(c, "filters", int, where))
    return (None, _get(c, "units", int, where)) if cls == "Dense" else None


def _check_declared(name: str, declared: tuple | None, weights: tuple) -> None:
    if declared is None:
        return
    shape = weights[0].shape
    if len(shape) != len(declared) or any(d not in (None, n) for d, n in zip(declared, shape,
                                                                            strict=False)):
        raise KerasFileError(f"layer {name!r} has a kernel of shape {shape}, but its config "
                             f"says {tuple('any' if d is None else d for d in declared)}; the "
                             "file may be damaged.")


def _input_shape(entries: list, top: dict) -> tuple[int, ...] | None:
    first = entries[0] if entries else None
    if isinstance(first, dict) and first.get("class_name") == "InputLayer":
        config = first["config"] if isinstance(first.get("config"), dict) else {}
        shape = config.get("batch_shape", config.get("batch_input_shape"))
    else:
        build = top["build_config"] if isinstance(top.get("build_config"), dict) else {}
        shape = build.get("input_shape")
    if not isinstance(shape, list) or len(shape) != 4:
        return None
    dims = shape[1:]
    if not all(isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= MAX_INPUT_SIDE
               for n in dims):
        return None
    return tuple(dims)


def parse_config(config: object) -> tuple[tuple[int, ...], list[tuple[str, str, dict, int]]]:
    """The input shape and layers of a serialised Keras 3 Sequential model.

    Args:
        config: the parsed ``config.json``.

    Returns:
        ``(input_shape, layers)``; each layer is ``(class_name, name, engine settings, number
        of weight arrays)``; the settings also hold the spec ``"kind"`` and the ``"declared"``
        kernel shape (or None) that the weights must have.

    Raises:
        KerasFileError: not a Sequential, no input shape, or a layer the engine cannot run.
    """
    if not isinstance(config, dict) or config.get("class_name") != "Sequential":
        raise KerasFileError("the model is not a Sequential (a plain stack of layers); the "
                             "numpy engine runs only those.")
    inner = config["config"] if isinstance(config.get("config"), dict) else {}
    entries = inner.get("layers")
    if not isinstance(entries, list) or not entries:
        raise KerasFileError("the model's config lists no layers; the file may be damaged.")
    shape = _input_shape(entries, config)
    if shape is None:
        raise KerasFileError("the model's config has no usable input shape.")
    layers: list[tuple[str, str, dict, int]] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
            raise KerasFileError(f"layer {index + 1} of the config is damaged.")
        cls, c = entry.get("class_name"), entry["config"]
        if cls == "InputLayer":
            continue
        name = str(c.get("name", f"layer {index}"))[:80]
        kind, settings, count = _engine_config(str(cls), c, f"Layer {len(layers) + 1} "
                                               f"({name!r})")
        declared = _declared_kernel(str(cls), c, f"Layer {len(layers) + 1} ({name!r})")
        layers.append((str(cls), name, {"kind": kind, **settings, "declared": declared}, count))
    return shape, layers


def _read_weights(h5: h5py.File, layers: list, budget: int) -> list[tuple[np.ndarray, ...]]:
    """The weight arrays of every layer, found by Keras' group names."""
    used: dict[str, int] = {}
    result = []
    for cls, name, _, count in layers:
        group = _snake(cls)
        used[group] = used.get(group, -1) + 1
        group += f"_{used[group]}" if used[group] else ""
        stored = h5.get(f"layers/{group}/vars")
        if not isinstance(stored, h5py.Group) or len(stored) != count:
            found = len(stored) if isinstance(stored, h5py.Group) else "no"
            raise KerasFileError(f"layer {name!r} has {found} weight arrays in the file, its "
                                 f"config needs {count}; the file may be damaged.")
        arrays = []
        for i in range(count):
            data = stored.get(str(i))
            if not isinstance(data, h5py.Dataset) or data.dtype.kind != "f":
                raise KerasFileError(f"the weights of layer {name!r} are missing or not numbers "
                                     f"(no layers/{group}/vars/{i}).")
            budget -= int(data.size) * 4
            if budget < 0:
                raise KerasFileError("the weights are larger than a model may be; refused.")
            arrays.append(np.asarray(data[()], dtype=np.float32))
        result.append(tuple(arrays))
    return result


def read_keras_file(path: str | os.PathLike) -> tuple[tuple[int, ...], list[EngineLayer]]:
    """The input shape and the engine layers (with weights) stored in a ``.keras`` file.

    Raises:
        KerasFileError: missing, not a regular file, too big, damaged, not a Sequential, or a
            layer the engine cannot run. The message is one line naming the file.
    """
    path = Path(path)
    _check_file(path)
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(_member(archive, "config.json", MAX_CONFIG_BYTES, path))
            shape, layers = parse_config(config)
            weights_file = _member(archive, "model.weights.h5", MAX_WEIGHTS_BYTES, path)
        with h5py.File(io.BytesIO(weights_file), "r") as h5:
            arrays = _read_weights(h5, layers, MAX_WEIGHTS_BYTES)
    except KerasFileError as error:
        text = str(error)
        raise KerasFileError(text if text.startswith(path.name) else f"{path.name}: {text}"
                             ) from None
    except (OSError, ValueError, EOFError, RecursionError, MemoryError, KeyError,
            zipfile.BadZipFile, NotImplementedError, RuntimeError) as error:
        reason = " ".join(str(error).split())[:150]
        raise KerasFileError(f"{path.name} could not be read as a Keras model "
                             f"({type(error).__name__}: {reason}); the file may be damaged, "
                             "save it again.") from None
    engine_layers = []
    for (_, name, settings, _), weights in zip(layers, arrays, strict=True):
        try:
            _check_declared(name, settings.pop("declared"), weights)
        except KerasFileError as error:
            raise KerasFileError(f"{path.name}: {error}") from None
        engine_layers.append(EngineLayer(name, settings.pop("kind"), settings, weights))
    return shape, engine_layers


def load_network(path: str | os.PathLike, check_app_shape: bool = True) -> NumpyNetwork:
    """The numpy engine for a ``.keras`` file, without importing TensorFlow.

    Args:
        path: the ``.keras`` file.
        check_app_shape: require CNN Studio's shape (28x28x1 images to 26 class scores).

    Raises:
        KerasFileError: see :func:`read_keras_file`; also weights that do not fit the layers,
            and (with ``check_app_shape``) a network of another shape.
    """
    path = Path(path)
    shape, layers = read_keras_file(path)
    try:
        network = NumpyNetwork(layers, shape)
    except SpecError as error:
        raise KerasFileError(f"{path.name}: {error}") from None
    if check_app_shape and (shape != INPUT_SHAPE or network.num_classes != NUM_CLASSES):
        raise KerasFileError(f"{path.name} maps {shape} to ({network.num_classes},), but CNN "
                             f"Studio needs a network from 28x28x1 images to {NUM_CLASSES} "
                             "letter scores.")
    return network
