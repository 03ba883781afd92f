"""Model files: save and load ``.keras`` files safely, with the network spec inside them.

A model ``net.keras`` keeps its spec as the zip member ``cnn_studio_network.json`` so the layer
builder can show it exactly as it was designed. For older readers (and older files) the spec
also goes to ``net.cnn.json`` beside it, but only when that file is absent or holds the same
network: a sibling holding another network is never overwritten (unless ``force``). Without
either the spec is derived from the Keras layers.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import keras

from cnn_studio.model.nets.foreign import adapt
from cnn_studio.model.nets.keras_build import (
    spec_from_model,  # also registers SumPooling2D for loading
)
from cnn_studio.model.spec.files import canonical, from_json, load_spec, save_spec, to_json
from cnn_studio.model.spec.network import (
    MAX_FILE_BYTES,
    SPEC_SUFFIX,
    NetworkSpec,
    SpecError,
)
from cnn_studio.model.storage.paths import remove_stale_temp_files, temp_sibling
from cnn_studio.model.storage.safe_read import (
    IncomingFileError,
    check_zip,
    read_zip_member,
    show_path,
)

SPEC_MEMBER = "cnn_studio_network.json"  # the network description inside a .keras zip
MAX_CONFIG_BYTES = 16 * 2**20  # a .keras config.json expanding beyond this is refused
MAX_MODEL_BYTES = 1024 * 2**20  # all members of a .keras file together, expanded


class ModelFileError(SpecError):
    """A ``.keras`` file is missing, damaged, unsafe or not a network for 28x28 letters."""


def spec_path_for(model_path: str | Path) -> Path:
    """Where the spec of a saved model lives: ``net.keras`` -> ``net.cnn.json``."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + SPEC_SUFFIX)


def save_model_file(model: keras.Model, spec: NetworkSpec | None, path: str | Path,
                    force: bool = False) -> Path | None:
    """Save ``model`` to a ``.keras`` file atomically, its spec inside (and beside, if safe).

    Stale temporary files of killed saves in the target folder are removed first; this save's
    own temporary file is removed whatever happens.

    Args:
        model: the model to save (weights included).
        spec: the network it was built from; None to derive it with :func:`spec_from_model`.
        path: target file; must end in ``.keras``.
        force: also overwrite a sibling ``.cnn.json`` holding another (or an unreadable) network.

    Returns:
        The sibling ``.cnn.json`` that was left alone because it holds another network, or
        None when the sibling was written (the caller may tell the person).

    Raises:
        ModelFileError: wrong suffix or the file cannot be written.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ModelFileError(f"Model files must end in '.keras'; {show_path(path.name)} does not.")
    spec = spec if spec is not None else spec_from_model(model)
    text = to_json(spec)
    tmp = temp_sibling(path, ".keras")  # Keras insists on the .keras suffix
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(path.parent)
        model.save(tmp)
        with zipfile.ZipFile(tmp, "a") as archive:
            archive.writestr(SPEC_MEMBER, text)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as error:
        raise ModelFileError(f"Could not save the model to {show_path(path)}: "
                             f"{error.strerror or error}. Choose a folder you can write to.") \
            from error
    finally:
        tmp.unlink(missing_ok=True)
    sidecar = spec_path_for(path)
    if not force and _holds_other_network(sidecar, spec):
        return sidecar
    save_spec(spec, sidecar)
    return None


def _holds_other_network(sidecar: Path, spec: NetworkSpec) -> bool:
    """True when ``sidecar`` exists and is not (readably) the network ``spec``."""
    if not os.path.lexists(sidecar):
        return False
    try:
        return canonical(load_spec(sidecar)).layers != canonical(spec).layers
    except SpecError:
        return True  # never write over a file that could not be read


def load_model_file(path: str | Path, compile: bool = True) -> keras.Model:
    """Load a ``.keras`` model safely (no Python code from the file is ever run).

    Args:
        path: the ``.keras`` file.
        compile: also restore the optimizer and loss saved with it.

    Returns:
        The model, reading 28x28x1 images and giving 26 class scores (a model made elsewhere
        is adapted: see :func:`open_model_file`).

    Raises:
        ModelFileError: missing, damaged or unsafe file, or a model of the wrong shape.
    """
    return open_model_file(path, compile)[0]


def open_model_file(path: str | Path, compile: bool = True
                    ) -> tuple[keras.Model, str | None, bool]:
    """:func:`load_model_file`, also saying how a model made elsewhere is used.

    A model with ``(28, 28)`` input or 27 outputs (class 0 unused) is adapted by
    :func:`model.nets.foreign.adapt`.

    Returns:
        ``(model, note, read_only)``: the note is None for CNN Studio's own models;
        ``read_only`` is True when the layer builder cannot show the model.

    Raises:
        ModelFileError: as :func:`load_model_file`; a shape that fits no convention is said
            in one line with what is supported.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ModelFileError(f"{show_path(path.name)} is not a '.keras' file; CNN Studio opens "
                             "models saved in the Keras 3 format (model.save('name.keras')).")
    _check_model_zip(path)
    try:
        model = keras.saving.load_model(path, compile=compile, safe_mode=True)
    except MemoryError:
        raise ModelFileError(f"{show_path(path.name)} is too large to load into memory.") \
            from None
    except Exception as error:  # noqa: BLE001 - corrupt zips raise many kinds of errors
        text = str(error)
        if "safe_mode" in text or "Lambda" in text:
            raise ModelFileError(
                f"{path.name} contains a Lambda layer, i.e. Python code stored in the file. "
                "CNN Studio refuses to run code from files (it could do anything); rebuild the "
                "network from standard layers in the layer builder.") from None
        raise ModelFileError(f"{path.name} could not be read as a Keras model "
                             f"({type(error).__name__}: {text[:200]}). The file may be damaged; "
                             "save it again.") from None
    try:
        adapted = adapt(model, show_path(path.name))
    except SpecError as error:
        raise ModelFileError(str(error)) from None
    if adapted is None:
        return model, None, False
    return adapted.model, adapted.note, adapted.read_only  # not compiled: training compiles


def _check_model_zip(path: Path) -> None:
    """Refuse a non-regular, missing or bomb-like ``.keras`` file before Keras opens it."""
    try:
        check_zip(path, MAX_MODEL_BYTES, MAX_MODEL_BYTES)
        read_zip_member(path, "config.json", MAX_CONFIG_BYTES)
    except IncomingFileError as error:
        if "file not found" in str(error):
            raise ModelFileError(f"There is no model file at {show_path(path)}. Check the path, "
                                 "or train and save a network first.") from None
        problem = str(error).removeprefix(show_path(path) + ": ")
        raise ModelFileError(f"{show_path(path.name)} could not be read as a Keras model "
                             f"({problem}). If it is damaged, save it again.") from None


def embedded_spec(path: str | Path) -> NetworkSpec | None:
    """The network stored inside a ``.keras`` file, or None when it has none (or a bad one)."""
    try:
        data = read_zip_member(path, SPEC_MEMBER, MAX_FILE_BYTES)
        return None if data is None else from_json(data)
    except (IncomingFileError, SpecError):
        return None


def spec_for_model_file(path: str | Path, model: keras.Model) -> NetworkSpec:
    """The spec of a loaded model file: the one inside it or its sibling ``.cnn.json`` if it
    matches the model, else derived from the model.

    Args:
        path: the ``.keras`` file ``model`` was loaded from.
        model: the loaded model.

    Returns:
        The network spec.

    Raises:
        SpecError: no matching sibling file and the model cannot be described as a spec.
    """
    derived = spec_from_model(model)
    inside = embedded_spec(path)
    if inside is not None and canonical(inside).layers == derived.layers:
        return inside
    sidecar = spec_path_for(path)
    if os.path.lexists(sidecar):
        try:
            spec = load_spec(sidecar)
            if canonical(spec).layers == derived.layers:
                return spec
        except SpecError:
            pass
    return derived


def load_model_and_spec(path: str | Path) -> tuple[keras.Model, NetworkSpec | None]:
    """:func:`load_model_file` plus :func:`spec_for_model_file` in one call.

    The spec is None for a model made elsewhere that the layer builder cannot show (it is
    used read-only, see :func:`open_model_file`).
    """
    return open_model_and_spec(path)[:2]


def open_model_and_spec(path: str | Path) -> tuple[keras.Model, NetworkSpec | None, str | None]:
    """``(model, spec, note)``: :func:`load_model_and_spec` plus the note of
    :func:`open_model_file` (None for CNN Studio's own models)."""
    model, note, read_only = open_model_file(path)
    return model, None if read_only else spec_for_model_file(path, model), note
