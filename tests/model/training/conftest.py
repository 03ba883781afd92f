"""Fixtures of the training tests."""

from __future__ import annotations

import pytest
from support_data import easy_data

from cnn_studio.model.data.dataset import Dataset


@pytest.fixture(scope="module")
def data() -> Dataset:
    """390 easy images: 312 to train on and 78 to validate with at the configs' 20 %."""
    return easy_data(390)
