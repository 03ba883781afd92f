"""Hand a trained model to other tools: LiteRT (``.tflite``), TensorFlow SavedModel and ONNX.

Every format goes through Keras 3's own ``model.export(path, format=...)``. The output is
written next to its final place under a temporary name and moved there with ``os.replace``, so
an interrupted export never leaves half a file where the old one was. All checks that need no
TensorFlow (format, optional packages, output folder) run before Keras is imported.

The GUI's File > Export and the ``export`` command both call :func:`export_model`.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from cnn_studio.model.errors import UserError
from cnn_studio.model.storage.paths import remove_stale_temp_files, temp_sibling
from cnn_studio.model.storage.safe_read import IncomingFileError, check_regular, show_path

if TYPE_CHECKING:  # annotations only: importing this module loads no Keras
    import keras


class ExportError(UserError):
    """The export cannot be done; the message says what happened and what to do."""


class ExportExists(ExportError):
    """The output already holds an earlier export of the same format (replace it to go on)."""


@dataclass(frozen=True)
class ExportFormat:
    """One export format: its name, a label for menus, and what it writes.

    ``suffix`` is the usual file name ending (empty for a folder), ``folder`` tells whether the
    output is a folder, ``keras_format`` is the name ``model.export`` knows it by and
    ``packages`` are the optional Python modules it needs (installed by ``extra``).
    """

    name: str
    label: str
    suffix: str
    folder: bool
    keras_format: str
    packages: tuple[str, ...] = ()
    extra: str | None = None


FORMATS: dict[str, ExportFormat] = {
    "litert": ExportFormat("litert", "LiteRT / TensorFlow Lite (.tflite)", ".tflite", False,
                           "litert"),
    "saved_model": ExportFormat("saved_model", "TensorFlow SavedModel (folder)", "", True,
                                "tf_saved_model"),
    "onnx": ExportFormat("onnx", "ONNX (.onnx)", ".onnx", False, "onnx",
                         packages=("tf2onnx", "onnx"), extra="onnx"),
}


def get_format(name: str) -> ExportFormat:
    """The :class:`ExportFormat` called ``name``; ExportError (listing them) otherwise."""
    fmt = FORMATS.get(name)
    if fmt is None:
        raise ExportError(f"There is no export format {name!r}. Choose one of: "
                          f"{', '.join(FORMATS)}.")
    return fmt


def missing_packages(name: str) -> list[str]:
    """The optional modules format ``name`` needs that are not installed (empty: ready)."""
    return [module for module in get_format(name).packages if not _installed(module)]


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def default_output(model_path: str | Path, name: str) -> Path:
    """Where an export goes when no path is given: ``net.keras`` -> ``net.tflite``,
    ``net_saved_model/``, ``net.onnx``."""
    fmt, model_path = get_format(name), Path(model_path)
    if fmt.folder:
        return model_path.with_name(f"{model_path.stem}_{fmt.name}")
    return model_path.with_suffix(fmt.suffix)


def check_ready(name: str) -> None:
    """Raise ExportError when format ``name`` lacks its optional packages."""
    fmt, missing = get_format(name), missing_packages(name)
    if missing:
        raise ExportError(
            f"{fmt.label} export needs the optional package{'s' if len(missing) > 1 else ''} "
            f"{' and '.join(missing)}. Install the onnx extra: pip install 'cnn-studio[{fmt.extra}]'.")


def check_output(out: str | Path, name: str, replace: bool = False) -> Path:
    """Refuse an output path that cannot (or must not) be written; return it as a Path.

    Only an earlier export of the same format is ever replaced, and only with ``replace``: a
    ``.tflite`` (``TFL3`` flatbuffer) for LiteRT, an ONNX model file for ONNX, a folder holding
    ``saved_model.pb`` for a SavedModel (an empty folder is used as it is). Anything else, a
    file the person made, another folder, a link, is never replaced.

    Args:
        out: the file (folder for a SavedModel) to write.
        name: the format, a key of :data:`FORMATS`.
        replace: replace an earlier export of the same format at ``out``.

    Raises:
        ExportExists: ``out`` holds an earlier export of this format and ``replace`` is False.
        ExportError: any other reason ``out`` cannot be written.
    """
    fmt, out = get_format(name), Path(out)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"The folder {show_path(folder)} does not exist. Create it or choose "
                          "another output path.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"Cannot write to the folder {show_path(folder)}. Choose an output "
                          "path in a folder you can write to.")
    if out.is_symlink() or (out.exists() and not (out.is_dir() or out.is_file())):
        raise ExportError(f"{show_path(out)} is a link or a special file; choose another path.")
    if fmt.folder and out.is_file():
        raise ExportError(f"{show_path(out)} is a file; a SavedModel is a folder. Choose "
                          "another output path.")
    if fmt.folder and out.is_dir() and any(out.iterdir()) \
            and not (out / "saved_model.pb").is_file():
        raise ExportError(f"{show_path(out)} is a folder that holds other files, not an earlier "
                          "SavedModel; choose a new or empty folder.")
    if not fmt.folder and out.is_dir():
        raise ExportError(f"{show_path(out)} is a folder; give a file name such as "
                          f"{show_path(out / ('model' + fmt.suffix))}.")
    if out.is_file() and not is_export(out, name):
        raise ExportError(f"{show_path(out)} already exists and is not a {fmt.label} export; "
                          "it was left as it is. Choose another output path.")
    earlier = out.is_file() or (out / "saved_model.pb").is_file()
    if earlier and not replace:
        raise ExportExists(f"{show_path(out)} already holds a {fmt.label} export; it was left "
                           "as it is.")
    return out


ONNX_HEAD = b"\x08"  # an ONNX ModelProto starts with field 1, ir_version, a varint


def is_export(path: str | Path, name: str) -> bool:
    """Whether the file or folder ``path`` looks like an export of format ``name``.

    LiteRT files carry the flatbuffer identifier ``TFL3`` at bytes 4-8; ONNX files start with
    the ``ir_version`` field (tag 0x08, a small version number); a SavedModel is a folder
    holding ``saved_model.pb``.
    """
    path = Path(path)
    if get_format(name).folder:
        return (path / "saved_model.pb").is_file()
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError:
        return False
    if name == "litert":
        return len(head) == 8 and head[4:8] == b"TFL3"
    return len(head) >= 2 and head[:1] == ONNX_HEAD and 1 <= head[1] < 0x80


def export_model(model_path: str | Path, fmt: str, out: str | Path | None = None,
                 replace: bool = False, on_note=None) -> Path:
    """Export the ``.keras`` model at ``model_path`` as format ``fmt`` (a key of FORMATS).

    Args:
        model_path: the model file, loaded with the safe loader (no code from the file runs).
        fmt: ``"litert"``, ``"saved_model"`` or ``"onnx"``.
        out: the file (or, for a SavedModel, folder) to write; None for :func:`default_output`.
        replace: replace an earlier export of the same format at ``out`` (see
            :func:`check_output`).
        on_note: called with one line when the model was made elsewhere and adapted (see
            :mod:`model.nets.foreign`).

    Returns:
        The path written.

    Raises:
        ExportError: unknown format, missing optional packages, an output that cannot be
            written, or a model file that is missing or damaged (ModelFileError's message).
    """
    check_ready(fmt)
    model_path = Path(model_path)
    if not model_path.exists():
        raise ExportError(f"There is no model file at {show_path(model_path)}. Check the path, "
                          "or train and save a network first.")
    try:
        check_regular(model_path, limit=2**62)  # the loader bounds the size
    except IncomingFileError as error:  # a folder or a pipe named like a model
        raise ExportError(f"{error}; a model is a .keras file.") from None
    out = Path(default_output(model_path, fmt) if out is None else out)
    if out.resolve() == model_path.resolve():
        raise ExportError(f"The output {show_path(out)} is the model file itself; choose "
                          "another output path.")
    out = check_output(out, fmt, replace)
    from cnn_studio.model.nets.model_files import ModelFileError, open_model_file

    try:
        model, note, _read_only = open_model_file(model_path, compile=False)
    except ModelFileError as error:
        raise ExportError(str(error)) from None
    if note and on_note is not None:
        on_note(note)
    return write_export(model, fmt, out, replace)


def write_export(model: keras.Model, fmt: str, out: str | Path, replace: bool = True) -> Path:
    """Export an already loaded Keras ``model`` to ``out`` atomically (see :func:`export_model`).

    ``replace`` defaults to True here: the window's save dialog has already asked the person
    before an earlier export is replaced (a file that is no export is still refused).
    """
    spec, out = get_format(fmt), check_output(out, fmt, replace)
    check_ready(fmt)
    remove_stale_temp_files(out.parent if str(out.parent) else Path("."))
    tmp = temp_sibling(out, spec.suffix)
    try:
        _call_once(model)
        model.export(str(tmp), format=spec.keras_format, verbose=False)
        _move_into_place(tmp, out, spec.folder)
    except OSError as error:
        raise ExportError(f"Could not write {show_path(out)}: {error.strerror or error}. "
                          "Choose a folder you can write to with enough free space.") from None
    except MemoryError:
        raise
    except Exception as error:  # noqa: BLE001 - converters raise many kinds of errors
        if _disk_full(error):
            raise ExportError(f"Could not write {show_path(out)}: the disk is full. Free some "
                              "space or choose another folder.") from None
        text = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise ExportError(f"Keras could not export the model as {spec.label} "
                          f"({type(error).__name__}: {text}).") from None
    finally:
        _remove(tmp)
    return out


def _disk_full(error: BaseException) -> bool:
    """Whether ``error`` (TensorFlow's ResourceExhaustedError, an h5py or OS error) says the
    disk ran out of space."""
    text = str(error)
    return getattr(error, "errno", None) == errno.ENOSPC or "No space left" in text or (
        type(error).__name__ == "ResourceExhaustedError" and "space" in text.lower())


def _call_once(model: keras.Model) -> None:
    """Run ``model`` on one blank image: Keras' ONNX exporter refuses a model never called
    (as every freshly loaded one is)."""
    from cnn_studio.model.spec.network import INPUT_SHAPE

    model(np.zeros((1, *INPUT_SHAPE), np.float32), training=False)


def _move_into_place(tmp: Path, out: Path, folder: bool) -> None:
    """``os.replace`` the finished temporary output onto ``out`` (a folder via a trash name)."""
    if not folder or not out.exists():
        os.replace(tmp, out)
        return
    trash = temp_sibling(out, ".old")
    os.replace(out, trash)  # a folder cannot be renamed over a non-empty one
    try:
        os.replace(tmp, out)
    except OSError:
        os.replace(trash, out)  # put the earlier export back
        raise
    _remove(trash)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        path.unlink(missing_ok=True)


def output_size(path: str | Path) -> int:
    """Bytes of an exported file, or of all files in an exported folder."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_exported(path: str | Path, fmt: str, images: np.ndarray) -> np.ndarray:
    """The class probabilities an exported model gives for ``images`` (N, 28, 28, 1) float32.

    LiteRT runs in ``ai_edge_litert``'s interpreter when installed (else TensorFlow's), a
    SavedModel through ``tf.saved_model.load``, ONNX through ``onnxruntime``.
    """
    images = np.ascontiguousarray(images, dtype=np.float32)
    if fmt == "litert":
        return _run_litert(str(path), images)
    if fmt == "saved_model":
        import tensorflow as tf

        loaded = tf.saved_model.load(str(path))  # keep it alive: serve() uses its variables
        return np.asarray(loaded.serve(images))
    if fmt == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return np.asarray(session.run(None, {session.get_inputs()[0].name: images})[0])
    raise ExportError(f"There is no export format {fmt!r}.")


def _run_litert(path: str, images: np.ndarray) -> np.ndarray:
    if _installed("ai_edge_litert"):
        from ai_edge_litert.interpreter import Interpreter
    else:
        import warnings

        import tensorflow as tf

        warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated")
        Interpreter = tf.lite.Interpreter  # noqa: N806 - the class, as in ai_edge_litert
    interpreter = Interpreter(model_path=path)
    entry = interpreter.get_input_details()[0]
    interpreter.resize_tensor_input(entry["index"], images.shape)
    interpreter.allocate_tensors()
    interpreter.set_tensor(entry["index"], images)
    interpreter.invoke()
    return np.array(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]))
