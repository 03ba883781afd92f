"""Model files: save and load ``.keras`` files safely, with the network spec beside them.

A model ``net.keras`` keeps its spec in ``net.cnn.json`` so the layer builder can show it exactly
as it was designed; without one the spec is derived from the Keras layers.
"""

from __future__ import annotations

import os
from pathlib import Path

import keras

from model.keras_build import spec_from_model  # also registers SumPooling2D for loading
from model.paths import temp_sibling
from model.spec import INPUT_SHAPE, NUM_CLASSES, SPEC_SUFFIX, NetworkSpec, SpecError
from model.spec_io import canonical, load_spec, save_spec


class ModelFileError(SpecError):
    """A ``.keras`` file is missing, damaged, unsafe or not a network for 28x28 letters."""


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
    tmp = temp_sibling(path, ".keras")  # Keras insists on the .keras suffix
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
        raise ModelFileError(f"{path.name} could not be read as a Keras model "
                             f"({type(error).__name__}: {text[:200]}). The file may be damaged; "
                             "save it again.") from None
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
