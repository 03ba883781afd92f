"""Datasets: the container, caching of synthetic data, splitting and mixing sources."""

from __future__ import annotations

import numpy as np
import pytest

from model import datasets, synth
from model.datasets import Dataset, DatasetError, mix, split, synthetic_dataset


def _toy(n, label=None):
    x = np.random.default_rng(n).random((n, 28, 28, 1)).astype(np.float32)
    y = np.full(n, label) if label is not None else np.arange(n) % 26
    return Dataset(x, y)


def test_dataset_normalises_uint8_and_3d_input():
    data = Dataset(np.full((2, 28, 28), 255, np.uint8), [0, 25])
    assert data.x.shape == (2, 28, 28, 1) and data.x.dtype == np.float32
    assert data.x.max() == 1.0 and data.y.dtype == np.int64


@pytest.mark.parametrize("x,y,match", [
    (np.zeros((2, 28, 27)), [0, 1], "shape"),
    (np.zeros((2, 28, 28)), [0], "labels"),
    (np.zeros((1, 28, 28)), [26], "0..25"),
    (np.zeros((1, 28, 28)), [-1], "0..25"),
])
def test_dataset_rejects_bad_arrays(x, y, match):
    with pytest.raises(DatasetError, match=match):
        Dataset(x, y)


def test_synthetic_dataset_is_cached_and_reproducible(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path))
    calls = []
    first = synthetic_dataset(52, seed=2, workers=1, progress=lambda d, t: calls.append((d, t)))
    path = datasets.synthetic_cache_path(52, 2, synth.DEFAULT_FONT_SHARE, 0.5)
    assert path.exists() and calls[-1] == (52, 52)
    assert np.array_equal(np.bincount(first.y), np.full(26, 2))
    monkeypatch.setattr(datasets.synth, "generate", lambda *a, **k: pytest.fail("not cached"))
    again = synthetic_dataset(52, seed=2)
    np.testing.assert_array_equal(first.y, again.y)
    assert np.abs(first.x - again.x).max() <= 1 / 255 + 1e-6


def test_damaged_cache_is_regenerated(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path))
    path = datasets.synthetic_cache_path(26, 9, synth.DEFAULT_FONT_SHARE, 0.5)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a zip")
    data = synthetic_dataset(26, seed=9, workers=1)
    assert len(data) == 26
    assert len(datasets.load_npz(path)) == 26


def test_load_npz_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"\x00" * 10)
    with pytest.raises(DatasetError, match="bad.npz"):
        datasets.load_npz(bad)
    with pytest.raises(DatasetError, match="missing.npz"):
        datasets.load_npz(tmp_path / "missing.npz")


def test_split_sizes_and_disjointness():
    data = _toy(100)
    data.x[:, 0, 0, 0] = np.arange(100)
    train, val = split(data, 0.2, seed=1)
    assert len(train) == 80 and len(val) == 20
    assert not set(train.x[:, 0, 0, 0]) & set(val.x[:, 0, 0, 0])
    tiny_train, tiny_val = split(_toy(2), 0.1)
    assert len(tiny_train) == 1 and len(tiny_val) == 1
    with pytest.raises(DatasetError):
        split(_toy(10), 0.95)
    with pytest.raises(DatasetError, match="at least"):
        split(datasets.empty(), 0.2)


def test_mix_respects_weights_and_oversamples_small_sources():
    big, small = _toy(1000, label=0), _toy(5, label=1)
    mixed = mix([(big, 1.0), (small, 1.0)], 400, seed=0)
    assert len(mixed) == 400
    counts = np.bincount(mixed.y, minlength=26)
    assert counts[0] == 200 and counts[1] == 200


def test_mix_skips_empty_sources_and_rejects_nothing():
    mixed = mix([(datasets.empty(), 5.0), (_toy(3, label=2), 1.0)], 10)
    assert set(mixed.y) == {2}
    with pytest.raises(DatasetError, match="nothing to mix"):
        mix([(datasets.empty(), 1.0)], 10)
    with pytest.raises(DatasetError):
        mix([(_toy(3), -1.0)], 10)
    with pytest.raises(DatasetError):
        mix([(_toy(3), 1.0)], 0)


def test_missing_classes_names_the_letters():
    data = Dataset(np.zeros((2, 28, 28)), [0, 2])
    assert datasets.missing_classes(data) == "BDEFGHIJKLMNOPQRSTUVWXYZ"
    assert datasets.missing_classes(_toy(26)) == ""


def test_training_mix_uses_own_samples_when_present(tmp_path, monkeypatch):
    from model.user_samples import SampleStore

    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path))
    only_synth = datasets.training_mix(52, seed=1, weights={"own": 1.0})
    assert len(only_synth) == 52
    store = SampleStore()
    store.add("z", [np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])], (20, 20))
    mixed = datasets.training_mix(52, seed=1, weights={"synthetic": 1.0, "own": 1.0})
    assert np.bincount(mixed.y, minlength=26)[25] >= 26
    with pytest.raises(DatasetError, match="nothing to mix"):
        datasets.training_mix(10, weights={"synthetic": 0.0, "own": 0.0, "emnist": 1.0})
