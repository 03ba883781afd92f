"""The real letters drawn with stroke-space variation, in worker processes."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from support_real_letters import install_fake_real_letters

from cnn_studio.model.data import real_letters_varied as rv
from cnn_studio.model.data.datasets import DataChoice, training_data
from cnn_studio.model.data.real_letters_cache import render_all
from cnn_studio.model.synth.generator import GenerationCancelled


@pytest.fixture
def letters(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path / "home"))
    return install_fake_real_letters(tmp_path, monkeypatch)


def test_the_images_do_not_depend_on_how_many_processes_drew_them(letters, monkeypatch):
    monkeypatch.setattr(rv, "CHUNK", 7)
    index = np.arange(len(letters)).repeat(2)
    here = rv.render_varied(letters, index, seed=3, workers=1)
    pool = rv.render_varied(letters, index, seed=3, workers=2)
    assert here.shape == (2 * len(letters), 28, 28) and here.dtype == np.float32
    assert np.array_equal(here, pool)
    assert not np.array_equal(here, rv.render_varied(letters, index, seed=4, workers=1))


def test_every_copy_differs_from_the_plain_drawing_and_from_the_other_copies(letters):
    index = np.zeros(5, np.int64)
    copies = rv.render_varied(letters, index, seed=0, workers=1)
    plain = render_all(letters)[0]
    assert len({c.tobytes() for c in copies}) == 5
    assert all(not np.array_equal(c, plain) for c in copies)
    assert all(np.abs(c - plain).mean() < 0.15 for c in copies)  # still the same letter


def test_progress_is_reported_and_cancel_stops_the_drawing(letters):
    seen = []
    rv.render_varied(letters, np.arange(10), 0, workers=1,
                     progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (10, 10)
    stop = threading.Event()
    stop.set()
    with pytest.raises(GenerationCancelled):
        rv.render_varied(letters, np.arange(10), 0, workers=1, cancel=stop)


def test_the_mixer_varies_training_letters_only(letters):
    plain_train, plain_val = training_data(DataChoice(300, 0.0, real_weight=1.0), 0.1, seed=5)
    train, val = training_data(DataChoice(300, 0.0, real_weight=1.0, vary_real=True), 0.1,
                               seed=5)
    assert np.array_equal(train.y, plain_train.y) and len(train) == len(plain_train)
    assert np.array_equal(val.x, plain_val.x)  # held-out sites are drawn plainly
    cached = {row.tobytes() for row in render_all(letters)}
    varied_rows = [row.tobytes() for row in train.x[..., 0]]
    assert sum(row in cached for row in varied_rows) == 0
    again, _ = training_data(DataChoice(300, 0.0, real_weight=1.0, vary_real=True), 0.1, seed=5)
    assert np.array_equal(again.x, train.x)  # seeded
