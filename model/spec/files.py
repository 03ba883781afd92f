"""The versioned JSON file format of network specs (``*.cnn.json``), read and written safely."""

from __future__ import annotations

import copy
import json
import unicodedata
from pathlib import Path

from cnn_studio.model.spec.network import (
    FORMAT,
    LAYER_TYPES,
    MAX_FILE_BYTES,
    MAX_LAYERS,
    VERSION,
    LayerSpec,
    NetworkSpec,
    SpecError,
    resolve_params,
    show_value,
)
from cnn_studio.model.storage.paths import atomic_write_text
from cnn_studio.model.storage.safe_read import IncomingFileError, read_bytes, show_path


def canonical(spec: NetworkSpec) -> NetworkSpec:
    """A copy with every setting filled in and settings that change nothing reset.

    Two specs that build the same network compare equal after this (pool stride equal to the
    pool size becomes 0, sigma is reset unless the initializer is gaussian).
    """
    result = NetworkSpec([], spec.name)
    for layer in spec.layers:
        if layer.kind not in LAYER_TYPES:
            result.layers.append(copy.deepcopy(layer))
            continue
        params, _ = resolve_params(layer)
        if "pool_size" in params and params["stride"] == params["pool_size"]:
            params["stride"] = 0
        if "sigma" in params and params["initializer"] != "gaussian":
            params["sigma"] = LAYER_TYPES["conv2d"].param("sigma").default
        result.layers.append(LayerSpec(layer.kind, params))
    return result


def to_json(spec: NetworkSpec) -> str:
    """The versioned JSON text of ``spec`` (see ``from_json``; a bad name raises SpecError)."""
    check_name(spec.name)
    document = {"format": FORMAT, "version": VERSION, "name": spec.name,
                "layers": [{"kind": layer.kind, "params": dict(layer.params)}
                           for layer in spec.layers]}
    try:
        return json.dumps(document, indent=2, allow_nan=False) + "\n"
    except (TypeError, ValueError) as error:
        raise SpecError(f"The network cannot be written as JSON ({error}); fix the layer "
                        "settings first.") from error


def _parse_layer(number: int, item: object) -> LayerSpec:
    if not isinstance(item, dict):
        raise SpecError(f"Layer {number} is not a JSON object with 'kind' and 'params'.")
    extra = sorted(set(item) - {"kind", "params"})
    if extra:
        raise SpecError(f"Layer {number} has unknown fields {extra}; only 'kind' and 'params' "
                        "are allowed.")
    kind, params = item.get("kind"), item.get("params", {})
    if not isinstance(kind, str) or kind not in LAYER_TYPES:
        raise SpecError(f"Layer {number} has unknown kind {show_value(kind)}; known kinds are "
                        f"{', '.join(LAYER_TYPES)}. The file may come from a newer version.")
    if not isinstance(params, dict):
        raise SpecError(f"Layer {number}: 'params' must be a JSON object.")
    for key, value in params.items():
        if key not in {p.name for p in LAYER_TYPES[kind].params}:
            raise SpecError(f"Layer {number} ({kind}) has unknown setting {show_value(key)}; known "
                            f"settings: {', '.join(p.name for p in LAYER_TYPES[kind].params)}.")
        if not isinstance(value, bool | int | float | str):
            raise SpecError(f"Layer {number} ({kind}): setting {key!r} must be a number, text "
                            "or true/false.")
    return LayerSpec(kind, dict(params))


def check_name(name: object) -> None:
    """Refuse a network name that is not a short line of printable text.

    A name is a name, not a path: it may hold no control characters (NUL, newline, ...).

    Raises:
        SpecError: not text, longer than 200 characters, or with control characters.
    """
    if not isinstance(name, str) or len(name) > 200:
        raise SpecError("The network's 'name' must be a text of at most 200 characters.")
    problem = name_problem(name)
    if problem:
        raise SpecError(problem)


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a network's name (a control character), or None."""
    bad = [c for c in str(name) if unicodedata.category(c) in ("Cc", "Cs")]
    if not bad:
        return None
    return (f"The network's name contains the control character {bad[0]!r}; rename the "
            "network with letters, digits and spaces.")


def from_json(text: str | bytes) -> NetworkSpec:
    """Read a network from the JSON text written by :func:`to_json`.

    Out-of-range setting values are kept (``analyze`` explains them); everything that is not a
    version-1 network file raises :class:`SpecError`.

    Args:
        text: the file content.

    Returns:
        The :class:`NetworkSpec`.

    Raises:
        SpecError: empty, corrupt or foreign JSON, a newer version, unknown fields or kinds.
    """
    if not isinstance(text, str | bytes | bytearray) or not text.strip():
        raise SpecError("The network file is empty. Choose a *.cnn.json file saved by CNN Studio.")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError, MemoryError) as error:
        raise SpecError(f"The network file is not valid JSON ({str(error)[:80]}); it may be "
                        "damaged. Choose another file or rebuild the network.") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SpecError(f"This JSON is not a CNN Studio network (it needs \"format\": "
                        f"\"{FORMAT}\"). Choose a *.cnn.json file saved by CNN Studio.")
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SpecError("The network file has no valid 'version' number.")
    if version > VERSION:
        raise SpecError(f"The network file has format version {version}, but this CNN Studio "
                        f"reads version {VERSION} only. Update CNN Studio to open it.")
    extra = sorted(set(document) - {"format", "version", "name", "layers"})
    if extra:
        raise SpecError(f"The network file has unknown fields {extra}.")
    name, layers = document.get("name", "untitled"), document.get("layers")
    check_name(name)
    if not isinstance(layers, list):
        raise SpecError("The network file has no 'layers' list.")
    if len(layers) > MAX_LAYERS:
        raise SpecError(f"The network file has {len(layers):,} layers; at most {MAX_LAYERS} are "
                        "allowed. It is damaged or not meant for CNN Studio.")
    return NetworkSpec([_parse_layer(i + 1, item) for i, item in enumerate(layers)], name)


def save_spec(spec: NetworkSpec, path: str | Path) -> None:
    """Write ``spec`` to ``path`` atomically (the old file stays intact if anything fails).

    Raises:
        SpecError: the spec cannot be encoded or the file cannot be written.
    """
    text = to_json(spec)
    try:
        atomic_write_text(path, text)
    except OSError as error:
        raise SpecError(f"Could not save the network to {show_path(path)}: {error.strerror or error}. "
                        "Choose a folder you can write to.") from error


def load_spec(path: str | Path) -> NetworkSpec:
    """Read a network file written by :func:`save_spec`.

    Raises:
        SpecError: the file is missing, unreadable, too large or not a valid network file.
    """
    try:
        data = read_bytes(path, MAX_FILE_BYTES)
    except IncomingFileError as error:
        raise SpecError(f"{error}. A network file is a small *.cnn.json file.") from None
    try:
        return from_json(data)
    except SpecError as error:
        raise SpecError(f"{show_path(Path(path).name)}: {error}") from None
