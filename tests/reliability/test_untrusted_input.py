"""Untrusted files and oversized networks are refused before they can do harm.

- A ``.keras`` file with a Lambda layer (Python bytecode inside the file) is refused by
  ``load_model_file``, and the code in it never runs. A control load with Keras's safe mode
  switched off proves the payload would have run.
- A config naming a class from an arbitrary Python module is refused without importing it.
- A network too large for memory is refused by ``build_model`` before any Keras layer is
  created, and the message carries the size estimate.
"""

from __future__ import annotations

import json
import sys
import zipfile

import keras
import pytest

from cnn_studio.model.nets import keras_build
from cnn_studio.model.nets.keras_build import build_model
from cnn_studio.model.nets.model_files import ModelFileError, load_model_file, save_model_file
from cnn_studio.model.spec.analysis import analyze
from cnn_studio.model.spec.files import save_spec
from cnn_studio.model.spec.network import (
    MAX_ACTIVATION_BYTES,
    MAX_PARAMS,
    LayerSpec,
    NetworkSpec,
    SpecError,
)
from cnn_studio.model.spec.presets import get_preset


def _lambda_model_file(tmp_path, marker):
    # A real lambda (Keras stores its bytecode in the file) with the marker path as a constant.
    payload = eval(f"lambda tensor: (open({str(marker)!r}, 'w').close(), tensor)[1]")
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Lambda(payload),
                              keras.layers.Dense(26, activation="softmax")])
    path = tmp_path / "lambda.keras"
    model.save(path)
    marker.unlink()  # building the model above ran the payload once; start clean
    return path


def test_lambda_layer_is_refused_and_its_code_never_runs(tmp_path):
    marker = tmp_path / "payload-ran.txt"
    path = _lambda_model_file(tmp_path, marker)
    with pytest.raises(ModelFileError, match="Lambda") as refused:
        load_model_file(path)
    assert "refuses to run code" in str(refused.value)
    assert not marker.exists(), "loading the file executed code stored in it"

    keras.saving.load_model(path, safe_mode=False)  # control: the payload is real
    assert marker.exists()


def _rewrite_config(source, target, change) -> None:
    """Copy a .keras zip, passing its config.json through ``change(dict)``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "config.json":
                data = json.dumps(change(json.loads(data))).encode()
            new.writestr(info.filename, data)


def test_class_from_a_foreign_module_is_refused_without_importing_it(tmp_path, monkeypatch):
    marker = tmp_path / "imported.txt"
    (tmp_path / "evil_layers.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n"
        "import keras\n"
        "class Dense(keras.layers.Dense):\n"
        "    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = get_preset("tiny")
    good, bad = tmp_path / "good.keras", tmp_path / "bad.keras"
    save_model_file(build_model(spec, seed=0), spec, good)

    def point_to_evil(config):
        config["config"]["layers"][-1]["module"] = "evil_layers"
        config["config"]["layers"][-1]["registered_name"] = "evil_layers>Dense"
        return config

    _rewrite_config(good, bad, point_to_evil)
    with pytest.raises(ModelFileError):
        load_model_file(bad)
    assert not marker.exists() and "evil_layers" not in sys.modules


def test_refused_model_file_leaves_a_message_that_says_what_to_do(tmp_path):
    path = tmp_path / "not-a-model.keras"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    with pytest.raises(ModelFileError) as refused:
        load_model_file(path)
    assert path.name in str(refused.value) and "save it again" in str(refused.value)


# ----------------------------------------------------------------- oversized networks
def _dense_giant() -> NetworkSpec:
    return NetworkSpec([LayerSpec("conv2d", {"filters": 64, "padding": "same"}),
                        LayerSpec("flatten"), LayerSpec("dense", {"units": 4096}),
                        LayerSpec("dense", {"units": 26, "activation": "softmax"})], "giant")


def _activation_giant() -> NetworkSpec:
    conv = {"filters": 256, "kernel_h": 1, "kernel_w": 1, "padding": "same"}
    return NetworkSpec([LayerSpec("conv2d", dict(conv)) for _ in range(3)] +
                       [LayerSpec("globalavgpool2d"),
                        LayerSpec("dense", {"units": 26, "activation": "softmax"})], "wide")


@pytest.fixture
def no_keras_layers(monkeypatch):
    """Fail the test if ``build_model`` gets as far as creating Keras layers."""
    def forbidden(*args, **kwargs):
        raise AssertionError("a Keras layer was created for a network that must be refused")

    monkeypatch.setattr(keras_build, "make_layer", forbidden)


def test_huge_dense_network_is_refused_before_building_with_the_estimate(no_keras_layers):
    params = (3 * 3 * 1 * 64 + 64) + (28 * 28 * 64 * 4096 + 4096) + (4096 * 26 + 26)
    assert params > MAX_PARAMS
    with pytest.raises(SpecError) as refused:
        build_model(_dense_giant())
    message = str(refused.value)
    assert f"{params:,}" in message and f"{MAX_PARAMS:,}" in message
    assert "Layer 3 Dense 4096" in message  # names the layer to shrink


def test_huge_activation_memory_is_refused_before_building_with_the_estimate(no_keras_layers):
    report = analyze(_activation_giant())
    per_batch = report.activation_bytes
    assert per_batch > MAX_ACTIVATION_BYTES
    assert per_batch == 128 * 4 * (3 * 28 * 28 * 256 + 256 + 26)
    with pytest.raises(SpecError) as refused:
        build_model(_activation_giant())
    message = str(refused.value)
    assert f"{per_batch / 2**20:,.0f} MB" in message and "fewer filters" in message


def test_huge_network_file_is_refused_by_the_train_command(tmp_path, capsys):
    from cnn_studio.main import main

    path = tmp_path / "giant.cnn.json"
    save_spec(_dense_giant(), path)
    code = main(["train", str(path), "--out", str(tmp_path / "giant.keras")])
    assert code == 2
    assert "parameters" in capsys.readouterr().err
    assert not (tmp_path / "giant.keras").exists()


def test_too_many_layers_is_refused():
    spec = NetworkSpec([LayerSpec("dropout") for _ in range(150)] +
                       [LayerSpec("flatten"), LayerSpec("dense", {"units": 26,
                                                                   "activation": "softmax"})])
    assert not analyze(spec).valid
    with pytest.raises(SpecError, match="at most 100"):
        build_model(spec)


def test_large_but_allowed_network_still_builds():
    """Control: the limits do not refuse a network just below them."""
    spec = NetworkSpec([LayerSpec("conv2d", {"filters": 32, "padding": "same"}),
                        LayerSpec("maxpool2d"), LayerSpec("flatten"),
                        LayerSpec("dense", {"units": 2048}),
                        LayerSpec("dense", {"units": 26, "activation": "softmax"})])
    report = analyze(spec)
    assert report.valid and report.total_params > MAX_PARAMS // 2
    assert build_model(spec).count_params() == report.total_params


# ------------------------------------------- hostile files on the command line (issue 14)
def _one_line_exit_2(argv, capsys, *words) -> str:
    """Run ``main`` with ``argv``; it must exit 2 with one stderr line holding ``words``."""
    from cnn_studio.main import main

    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, err
    return err


def test_a_fifo_given_to_the_command_line_is_refused_at_once(tmp_path, capsys):
    import os
    import threading

    fifo = tmp_path / "pipe.cnn.json"
    os.mkfifo(fifo)
    done: list = []
    worker = threading.Thread(target=lambda: done.append(
        _one_line_exit_2(["summary", str(fifo)], capsys, "pipe.cnn.json", "not a regular file")),
        daemon=True)
    worker.start()
    worker.join(5)
    if not done:  # release the old code stuck in open() before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert done, "summary blocked on a FIFO"


def test_a_gzip_bomb_of_strokes_ends_in_one_line(tmp_path, capsys, monkeypatch):
    import gzip

    from cnn_studio.model.ink import strokes

    monkeypatch.setattr(strokes, "MAX_STROKES_BYTES", 50_000)
    bomb = tmp_path / "bomb.json.gz"
    bomb.write_bytes(gzip.compress(b" " * 2_000_000))
    _one_line_exit_2(["classify", "--strokes", str(bomb)], capsys, "bomb.json.gz",
                     "expands to more than")


def test_a_network_file_with_too_many_layers_is_refused_everywhere(tmp_path, capsys):
    from cnn_studio.model.spec.network import MAX_LAYERS

    path = tmp_path / "tall.cnn.json"
    path.write_text(json.dumps({"format": "cnn-studio-network", "version": 1, "name": "tall",
                                "layers": [{"kind": "dropout"}] * (MAX_LAYERS * 3)}))
    _one_line_exit_2(["summary", str(path)], capsys, "tall.cnn.json", f"at most {MAX_LAYERS}")


def test_a_forged_npz_given_to_train_ends_in_one_line(tmp_path, capsys):
    import io

    import numpy as np

    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (10**12, 28, 28)})
    path = tmp_path / "forged.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", header.getvalue())
        archive.writestr("y.npy", header.getvalue())
    _one_line_exit_2(["train", "--preset", "tiny", "--data", str(path), "--out",
                      str(tmp_path / "m.keras")], capsys, "forged.npz", "claims")
