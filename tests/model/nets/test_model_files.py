"""Model files keep their network inside, never overwrite another network beside them, and
leave no temporary files behind (issue 14, defects 5 and 6)."""

from __future__ import annotations

import os
import zipfile

import numpy as np
import pytest

from cnn_studio import main
from cnn_studio.model.data.dataset import Dataset, save_npz
from cnn_studio.model.nets import model_files
from cnn_studio.model.nets.keras_build import build_model
from cnn_studio.model.nets.model_files import (
    ModelFileError,
    load_model_and_spec,
    load_model_file,
    save_model_file,
    spec_path_for,
)
from cnn_studio.model.spec.files import canonical, load_spec, save_spec
from cnn_studio.model.spec.network import NetworkSpec
from cnn_studio.model.spec.presets import get_preset

TINY = NetworkSpec(get_preset("tiny").layers, "mine")


@pytest.fixture(scope="module")
def model():
    return build_model(TINY, seed=0)


def test_a_sibling_holding_another_network_is_not_overwritten(tmp_path, model):
    other = get_preset("classic")
    sibling = tmp_path / "mynet.cnn.json"
    save_spec(other, sibling)
    before = sibling.read_bytes()
    kept = save_model_file(model, TINY, tmp_path / "mynet.keras")
    assert kept == sibling and sibling.read_bytes() == before
    _, spec = load_model_and_spec(tmp_path / "mynet.keras")
    assert spec.name == "mine" and canonical(spec).layers == canonical(TINY).layers
    assert save_model_file(model, TINY, tmp_path / "mynet.keras", force=True) is None
    assert load_spec(sibling).name == "mine"


def test_an_unreadable_sibling_is_never_overwritten(tmp_path, model):
    sibling = tmp_path / "net.cnn.json"
    sibling.write_bytes(b"\xff not json")
    assert save_model_file(model, TINY, tmp_path / "net.keras") == sibling
    assert sibling.read_bytes() == b"\xff not json"


def test_the_network_is_stored_inside_the_keras_file(tmp_path, model):
    path = tmp_path / "net.keras"
    save_model_file(model, TINY, path)
    spec_path_for(path).unlink()
    with zipfile.ZipFile(path) as archive:
        assert model_files.SPEC_MEMBER in archive.namelist()
    assert load_model_and_spec(path)[1].name == "mine"


def test_an_old_model_file_with_only_a_sibling_still_reads(tmp_path, model):
    path = tmp_path / "old.keras"
    model.save(path)  # the old layout: nothing inside, the network beside it
    save_spec(NetworkSpec(TINY.layers, "from-sibling"), spec_path_for(path))
    assert load_model_and_spec(path)[1].name == "from-sibling"


def test_saving_removes_temp_files_of_killed_saves(tmp_path, model):
    stale = [tmp_path / ".net.keras.999999999.1.tmp.keras", tmp_path / ".net.keras.999999998.tmp"]
    for path in stale:
        path.write_bytes(b"x" * 1000)
    keep = tmp_path / ".notes.txt"
    keep.write_text("mine")
    save_model_file(model, TINY, tmp_path / "net.keras")
    assert not any(path.exists() for path in stale)
    assert keep.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".notes.txt", "net.cnn.json",
                                                           "net.keras"]


def test_a_failed_save_leaves_no_temp_file(tmp_path, model, monkeypatch):
    def broken_save(path, *args, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(model, "save", broken_save)
    with pytest.raises(ModelFileError, match="No space left"):
        save_model_file(model, TINY, tmp_path / "net.keras")
    assert list(tmp_path.iterdir()) == []


def test_train_keeps_the_network_file_beside_its_output(tmp_path, capsys, model, monkeypatch):
    from types import SimpleNamespace

    from cnn_studio.model.training import loop as training

    def fake_train(*args, **kwargs):  # the command's saving is tested, not training itself
        return SimpleNamespace(model=model, epochs_completed=1, elapsed_s=0.1, samples_per_s=1.0,
                               diverged=False, stopped=False, history=[])

    monkeypatch.setattr(training, "train", fake_train)
    rng = np.random.default_rng(0)
    y = np.arange(52) % 26
    data = tmp_path / "letters.npz"
    save_npz(data, Dataset(rng.random((52, 28, 28), dtype=np.float32), y))
    sibling = tmp_path / "mynet.cnn.json"
    save_spec(get_preset("classic"), sibling)
    before = sibling.read_bytes()
    code = main.main(["train", "--preset", "tiny", "--data", str(data), "--epochs", "1",
                      "--batch-size", "26", "--out", str(tmp_path / "mynet.keras")])
    assert code == 0, capsys.readouterr().err
    assert sibling.read_bytes() == before
    assert "mynet.cnn.json next to it holds another network" in capsys.readouterr().out
    assert load_model_file(tmp_path / "mynet.keras") is not None
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]
