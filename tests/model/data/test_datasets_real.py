"""The built-in real letters as a training source of THE mixer (datasets.training_data)."""

from __future__ import annotations

import numpy as np
import pytest
from support_real_letters import install_fake_real_letters

from cnn_studio.model.data import datasets
from cnn_studio.model.data.datasets import DataChoice, training_data
from cnn_studio.model.data.real_letters_cache import render_all


def _rows(images):
    return {row.tobytes() for row in images.reshape(len(images), -1)}


@pytest.fixture
def letters(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    return install_fake_real_letters(tmp_path, monkeypatch)


def test_real_letters_validate_on_held_out_sites_only(letters):
    images = render_all(letters)
    sites = np.array([letters.site(i) for i in range(len(letters))])
    held = _rows(images[np.isin(sites, ["art", "uqb", "cea", "pri"])])
    train, val = training_data(DataChoice(400, 0.0, real_weight=1.0), 0.1, seed=0)
    assert len(val) and _rows(val.x) <= held  # validation: held-out sites only
    assert not (_rows(train.x) & held)  # never trained on
    assert len(train) == 360 and len(val) == 24  # all 24 held-out letters, fewer than 40


def test_real_letters_are_balanced_between_cases(letters):
    train, _ = training_data(DataChoice(1000, 0.0, real_weight=1.0), 0.1, seed=1)
    images = render_all(letters)
    upper = {images[i].tobytes() for i in np.flatnonzero(letters.upper)}
    flat = [row.tobytes() for row in train.x[..., 0]]
    share = np.mean([row in upper for row in flat])
    assert abs(share - datasets.REAL_UPPER_SHARE) < 0.02  # the file's training sites: 27 %


def test_real_letters_are_rendered_like_the_canvas(letters):
    train, _ = training_data(DataChoice(200, 0.0, real_weight=1.0), 0.0, seed=2)
    images = letters.render()  # the canvas preprocessing, uncached
    for image, label in zip(train.x[:20, ..., 0], train.y[:20], strict=True):
        match = [i for i in range(len(letters)) if np.array_equal(images[i], image)]
        assert match and letters.classes[match[0]] == label


def test_real_letters_mix_with_synthetic_by_weight(letters):
    train, val = training_data(DataChoice(600, 1.0, real_weight=2.0), 0.1, seed=0)
    real = _rows(render_all(letters))
    from_real = sum(row.tobytes() in real for row in train.x.reshape(len(train), -1))
    assert len(train) == 540 and from_real == 360  # 2/3 of 540 training samples


def test_same_seed_same_real_mix(letters):
    first = training_data(DataChoice(300, 0.0, real_weight=1.0), 0.1, seed=4)
    second = training_data(DataChoice(300, 0.0, real_weight=1.0), 0.1, seed=4)
    assert np.array_equal(first[0].x, second[0].x) and np.array_equal(first[1].y, second[1].y)


def test_missing_real_letters_file_is_a_dataset_error(tmp_path, monkeypatch):
    from cnn_studio.model.data import real_letters as rl

    monkeypatch.setattr(rl, "load_default", lambda: rl.load(tmp_path / "gone.npz"))
    with pytest.raises(datasets.DatasetError, match="reinstall"):
        training_data(DataChoice(100, 0.0, real_weight=1.0), 0.1)


def test_negative_real_weight_is_refused(letters):
    with pytest.raises(datasets.DatasetError, match="weights"):
        training_data(DataChoice(100, 1.0, real_weight=-1.0), 0.1)
