"""Datasets: the container, caching of synthetic data, splitting and mixing sources."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_studio.model.data import datasets
from cnn_studio.model.data.dataset import Dataset, DatasetError, split, split_by_writer
from cnn_studio.model.data.datasets import DataChoice, synthetic_dataset, training_data
from cnn_studio.model.synth import generator as synth


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


def _fake_synthetic(monkeypatch, label=0):
    monkeypatch.setattr(datasets, "synthetic_dataset",
                        lambda n, seed=0, **kw: _toy(n, label=label))


def _own_store(home, monkeypatch, n=30, writers=None):
    """A sample store in ``home`` with ``n`` distinct drawings (their writers optional)."""
    from cnn_studio.model.data.user_samples import SampleStore
    from cnn_studio.model.ink.strokes import LETTERS, Sample, write_strokes

    monkeypatch.setenv("CNN_STUDIO_HOME", str(home))
    rng = np.random.default_rng(3)
    samples = [Sample([rng.uniform(0, 20, (5, 2))], LETTERS[i % 26],
                      None if writers is None else writers[i]) for i in range(n)]
    write_strokes(home / "in.json", samples, (20.0, 20.0))
    store = SampleStore()
    store.import_file(home / "in.json")
    return store


def _rows_in(images, pool) -> list[int]:
    """Positions of ``images`` equal (np.array_equal) to some image of ``pool``."""
    return [i for i, image in enumerate(images) if any(np.array_equal(image, p) for p in pool)]


def test_own_samples_at_high_weight_never_leak_into_validation(tmp_path, monkeypatch):
    _fake_synthetic(monkeypatch)
    own = _own_store(tmp_path, monkeypatch).dataset()
    assert len(np.unique(own.x.reshape(len(own), -1), axis=0)) == 30
    choice = DataChoice(samples=1000, synthetic_weight=1.0, own_weight=10.0)
    train, val = training_data(choice, 0.2, seed=1)
    own_val = val.x[_rows_in(val.x, own.x)]
    own_train = train.x[_rows_in(train.x, own.x)]
    assert len(own_val) == 6  # 20 % of the 30 unique drawings, each once
    assert len(own_train) == round(1000 * 10 / 11 * 0.8)  # repeated, training side only
    assert not _rows_in(own_val, own_train)
    assert len(train) == 800  # 80 % of the samples asked for; validation: unique ones only


def test_identical_own_drawings_count_once(tmp_path, monkeypatch):
    from cnn_studio.model.data.user_samples import SampleStore

    store = _own_store(tmp_path, monkeypatch, n=10)
    store.import_file(tmp_path / "in.json")  # the same ten drawings again
    assert len(SampleStore().dataset()) == 20
    train, val = training_data(DataChoice(None, 0.0, 1.0), 0.2, seed=0)
    assert len(train) == 8 and len(val) == 2
    assert not _rows_in(val.x, train.x)


def test_a_source_with_writers_is_split_by_writer(tmp_path, monkeypatch):
    writers = [f"w{i // 4}" for i in range(40)]  # ten writers, four drawings each
    own = _own_store(tmp_path, monkeypatch, n=40, writers=writers).dataset()
    train, val = training_data(DataChoice(None, 0.0, 1.0), 0.2, seed=2)
    assert len(val) == 8 and len(train) == 32
    writer_of = {own.x[i].tobytes(): writers[i] for i in range(40)}
    val_writers = {writer_of[image.tobytes()] for image in val.x}
    assert len(val_writers) == 2  # whole writers held out
    assert not val_writers & {writer_of[image.tobytes()] for image in train.x}
    kept, held = split_by_writer(_toy(6), [None] * 6, 0.5, seed=0)  # no writers: by sample
    assert len(kept) == len(held) == 3


def test_training_data_weights_single_sources_and_errors(tmp_path, monkeypatch):
    _fake_synthetic(monkeypatch)
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path))
    train, val = training_data(DataChoice(samples=400), 0.1, seed=0)
    assert (len(train), len(val)) == (360, 40)
    train, val = training_data(DataChoice(samples=400), 0.0, seed=0)
    assert (len(train), len(val)) == (400, 0)
    path = tmp_path / "five.npz"
    datasets.save_npz(path, _toy(5, label=1))
    choice = DataChoice(samples=400, synthetic_weight=0.0, file=str(path))
    train, val = training_data(choice, 0.2, seed=0)  # one source: each sample once
    assert (len(train), len(val)) == (4, 1)
    mixed, _ = training_data(DataChoice(400, 1.0, file=str(path), file_weight=1.0), 0.2)
    counts = np.bincount(mixed.y, minlength=26)
    assert counts[0] == 160 and counts[1] == 160  # equal weights, the file repeated
    with pytest.raises(DatasetError, match="at least one source"):
        training_data(DataChoice(400, 0.0), 0.1)
    with pytest.raises(DatasetError, match="no labelled samples"):
        training_data(DataChoice(400, 0.0, 1.0), 0.1)
    monkeypatch.setattr("cnn_studio.model.data.emnist.imported_dataset", lambda: None)
    with pytest.raises(DatasetError, match="EMNIST is not imported"):
        training_data(DataChoice(400, 1.0, emnist_weight=1.0), 0.1)
    with pytest.raises(DatasetError, match="finite"):
        training_data(DataChoice(400, -1.0), 0.1)
    with pytest.raises(DatasetError, match="at least 1"):
        training_data(DataChoice(0), 0.1)
