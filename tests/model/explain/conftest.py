"""Fixtures of the explain-mode tests: random small networks with Keras's outputs."""

from __future__ import annotations

import pytest
from support_explain_nets import make_cases


@pytest.fixture(scope="session")
def cases():
    """(model, drawing, every layer's Keras output) for each random network, built once."""
    return make_cases()
