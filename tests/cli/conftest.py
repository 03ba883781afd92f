"""Fixtures shared by the command-line tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cnn_studio.model.data.dataset import Dataset, save_npz


@pytest.fixture(scope="module")
def npz(tmp_path_factory) -> Path:
    """130 easy letters (each a bright row at its class's height) in a .npz the CLI trains on."""
    rng = np.random.default_rng(0)
    y = np.arange(130) % 26
    x = rng.random((130, 28, 28), dtype=np.float32) * 0.1
    for i, label in enumerate(y):
        x[i, label + 1, 2:26] = 1.0
    path = tmp_path_factory.mktemp("data") / "letters.npz"
    save_npz(path, Dataset(x, y))
    return path
