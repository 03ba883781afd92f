"""Models made elsewhere (issue 27): plain Keras EMNIST-letter models with 27 outputs (class 0
unused) or (28, 28) input are recognised, said, and used for classify and export; a model
whose layers the builder cannot show is used read-only."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
from support_foreign_models import functional_with_other_layers, plain_keras_27

from cnn_studio import main
from cnn_studio.model.nets import foreign
from cnn_studio.model.nets.model_files import load_model_and_spec, open_model_file


def _letters(n=5):
    return np.random.default_rng(0).random((n, 28, 28, 1), dtype=np.float32)


@pytest.mark.parametrize("plain_input", [False, True])
def test_a_27_output_keras_model_becomes_an_app_network(tmp_path, plain_input):
    original = plain_keras_27(tmp_path / "emnist.keras", plain_input)
    model, note, read_only = open_model_file(tmp_path / "emnist.keras")
    assert not read_only and "27 outputs with class 0 unused" in note
    assert ("(28, 28) images without a channel axis" in note) == plain_input
    assert foreign.same_letter_scores(original, model, _letters()) < 1e-6
    _, spec = load_model_and_spec(tmp_path / "emnist.keras")
    assert [layer.kind for layer in spec.layers] == ["conv2d", "maxpool2d", "flatten", "dense",
                                                     "dense"]
    assert spec.layers[-1].params["units"] == 26


def test_a_model_the_builder_cannot_show_is_used_read_only_as_it_is(tmp_path):
    original = functional_with_other_layers(tmp_path / "other.keras")
    model, note, read_only = open_model_file(tmp_path / "other.keras")
    assert read_only and "used read-only, as it is" in note
    assert foreign.same_letter_scores(original, model, _letters()) < 1e-6
    assert load_model_and_spec(tmp_path / "other.keras")[1] is None
    inner = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    assert len(inner) == 1, "the original runs unchanged inside"
    assert [type(layer) for layer in inner[0].layers] == [type(layer) for layer in original.layers]


def test_classify_says_which_convention_it_recognised(tmp_path, capsys):
    plain_keras_27(tmp_path / "emnist.keras", plain_input=True)
    picture = tmp_path / "bar.png"
    from PIL import Image

    image = Image.new("L", (40, 40), 255)
    image.paste(0, (18, 5, 22, 35))
    image.save(picture)
    out = tmp_path / "result.json"
    assert main.main(["classify", str(picture), "--model", str(tmp_path / "emnist.keras"),
                      "--json", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "classify: note: emnist.keras: recognised a model made elsewhere ((28, 28) images "
        "without a channel axis; 27 outputs with class 0 unused (EMNIST letters numbered "
        "1..26)); used as the same layers on (28, 28, 1) images with class 0 left out"]
    row = json.loads(out.read_text())["predictions"][0]
    assert row["predicted"] in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert sum(entry["probability"] for entry in row["top3"]) <= 1.0 + 1e-5


@pytest.mark.parametrize("make", ["sequential", "read-only"])
def test_export_of_a_model_made_elsewhere_matches_it(tmp_path, capsys, make):
    from cnn_studio.model.nets.export import run_exported

    path = tmp_path / "m.keras"
    original = plain_keras_27(path, True) if make == "sequential" \
        else functional_with_other_layers(path)
    out = tmp_path / "m.tflite"
    assert main.main(["export", str(path), "--format", "litert", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "recognised a model made elsewhere" in captured.err
    letters = _letters()
    expected = np.array(original(letters[..., 0], training=False))[:, 1:]
    expected /= expected.sum(axis=1, keepdims=True)
    assert np.abs(run_exported(out, "litert", letters) - expected).max() < 1e-5


def test_a_model_of_another_shape_is_refused_in_one_line(tmp_path, capsys):
    model = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    model.save(tmp_path / "cifar.keras")
    assert main.main(["export", str(tmp_path / "cifar.keras"), "--format", "litert"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "export: cifar.keras maps (32, 32, 3) to (10,), but CNN Studio needs a network from "
        "28x28x1 (or 28x28) images to 26 letter scores (or 27 with class 0 unused, as EMNIST "
        "letters number them 1..26)."]
