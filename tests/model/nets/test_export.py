"""Exported models (LiteRT, SavedModel, ONNX) give Keras' answers on drawn letters."""

from __future__ import annotations

import os

import numpy as np
import pytest
import support_letters
from support_models import save_tiny_model

from cnn_studio.model.nets import export
from cnn_studio.model.nets.export import ExportError, export_model, run_exported, write_export

TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    """The tiny preset with seeded weights, saved as a .keras file."""
    path = tmp_path_factory.mktemp("model") / "tiny.keras"
    save_tiny_model(path, seed=3)
    return path


@pytest.fixture(scope="module")
def letters():
    """Twelve drawn letters through the canvas's rasterizer, shape (12, 28, 28, 1)."""
    from cnn_studio.model.ink.preprocess import strokes_to_image

    rng = np.random.default_rng(7)
    images = [strokes_to_image(support_letters.letter_strokes(letter, rng), (280, 280))
              for letter in "LTOXVZ" * 2]
    return np.stack(images)[..., None].astype(np.float32)


@pytest.fixture(scope="module")
def keras_probs(model_file, letters):
    from cnn_studio.model.nets.model_files import load_model_file

    return np.asarray(load_model_file(model_file, compile=False)(letters, training=False))


def _leftovers(folder) -> list[str]:
    return [name for name in os.listdir(folder) if name.startswith(".")]


@pytest.mark.parametrize("fmt, name", [("litert", "tiny.tflite"),
                                       ("saved_model", "tiny_saved_model"),
                                       ("onnx", "tiny.onnx")])
def test_exported_model_matches_keras(model_file, letters, keras_probs, tmp_path, fmt, name):
    if export.missing_packages(fmt):
        pytest.skip(f"the {fmt} exporter needs {export.missing_packages(fmt)}")
    if fmt == "onnx":
        pytest.importorskip("onnxruntime")
    path = export_model(model_file, fmt, tmp_path / name)
    assert path == tmp_path / name and export.output_size(path) > 1000
    probs = run_exported(path, fmt, letters)
    assert probs.shape == (len(letters), 26)
    assert np.abs(probs - keras_probs).max() <= TOLERANCE
    assert _leftovers(tmp_path) == [], "no temporary file or folder is left behind"


def test_default_output_sits_beside_the_model(tmp_path):
    model = tmp_path / "net.keras"
    assert export.default_output(model, "litert") == tmp_path / "net.tflite"
    assert export.default_output(model, "saved_model") == tmp_path / "net_saved_model"
    assert export.default_output(model, "onnx") == tmp_path / "net.onnx"
    with pytest.raises(ExportError, match="Choose one of: litert, saved_model, onnx"):
        export.default_output(model, "coreml")


def test_a_saved_model_replaces_an_earlier_one_but_no_other_folder(model_file, letters,
                                                                  keras_probs, tmp_path):
    out = tmp_path / "served"
    out.mkdir()
    (out / "saved_model.pb").write_bytes(b"an earlier export")
    export_model(model_file, "saved_model", out, replace=True)
    assert np.abs(run_exported(out, "saved_model", letters) - keras_probs).max() <= TOLERANCE
    assert _leftovers(tmp_path) == []
    other = tmp_path / "photos"
    other.mkdir()
    (other / "holiday.jpg").write_bytes(b"precious")
    with pytest.raises(ExportError, match="holds other files"):
        export_model(model_file, "saved_model", other)
    assert (other / "holiday.jpg").read_bytes() == b"precious"


@pytest.mark.parametrize("make_out, message", [
    (lambda tmp: tmp / "missing" / "net.tflite", "does not exist"),
    (lambda tmp: tmp, "is a folder"),
    (lambda tmp: tmp / "tiny.keras", "is the model file itself"),
])
def test_outputs_that_cannot_be_written_are_refused(model_file, tmp_path, make_out, message):
    local = tmp_path / "tiny.keras"
    local.write_bytes(model_file.read_bytes())
    with pytest.raises(ExportError, match=message):
        export_model(local, "litert", make_out(tmp_path))
    assert local.read_bytes() == model_file.read_bytes()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into read-only folders")
def test_a_read_only_folder_is_refused(model_file, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="Cannot write to the folder"):
            export_model(model_file, "litert", locked / "net.tflite")
    finally:
        locked.chmod(0o700)


def test_missing_and_damaged_model_files(tmp_path):
    with pytest.raises(ExportError, match="There is no model file at"):
        export_model(tmp_path / "none.keras", "litert", tmp_path / "none.tflite")
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"not a model")
    with pytest.raises(ExportError, match="broken.keras could not be read as a Keras model"):
        export_model(broken, "litert", tmp_path / "broken.tflite")
    assert sorted(os.listdir(tmp_path)) == ["broken.keras"]


def test_onnx_without_its_packages_says_to_install_the_extra(model_file, tmp_path, monkeypatch):
    monkeypatch.setattr(export, "_installed", lambda module: module == "ai_edge_litert")
    assert export.missing_packages("onnx") == ["tf2onnx", "onnx"]
    assert export.missing_packages("litert") == []
    with pytest.raises(ExportError, match=r"needs the optional packages tf2onnx and onnx\. "
                                          r"Install the onnx extra: pip install "
                                          r"'cnn-studio\[onnx\]'"):
        export_model(model_file, "onnx", tmp_path / "net.onnx")
    assert not (tmp_path / "net.onnx").exists()


def test_a_failed_export_keeps_the_earlier_file(model_file, tmp_path):
    from cnn_studio.model.nets.model_files import load_model_file

    out = tmp_path / "net.tflite"
    out.write_bytes(b"\0\0\0\0TFL3 the earlier export")
    model = load_model_file(model_file, compile=False)

    def broken_export(path, format, verbose):  # writes half a file, then fails
        with open(path, "wb") as handle:
            handle.write(b"half")
        raise RuntimeError("converter crashed\nwith details")

    model.export = broken_export
    with pytest.raises(ExportError, match=r"Keras could not export the model as LiteRT .*"
                                          r"RuntimeError: converter crashed\)"):
        write_export(model, "litert", out)
    assert out.read_bytes() == b"\0\0\0\0TFL3 the earlier export"
    assert _leftovers(tmp_path) == []



def test_keras_gets_a_model_that_has_been_called(model_file, tmp_path):
    """Keras' ONNX exporter raises 'The model provided has never called' for a model never
    called, as every freshly loaded one is (``model._called`` is what it checks)."""
    from cnn_studio.model.nets.model_files import load_model_file

    model = load_model_file(model_file, compile=False)
    assert not model._called
    seen = []

    def spy_export(path, format, verbose):
        seen.append((model._called, format))
        with open(path, "wb") as handle:
            handle.write(b"exported")

    model.export = spy_export
    write_export(model, "litert", tmp_path / "net.tflite")
    assert seen == [(True, "litert")]
    assert (tmp_path / "net.tflite").read_bytes() == b"exported"
