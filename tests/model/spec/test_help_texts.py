"""The app's help texts: one per layer kind and per explain concept."""

from __future__ import annotations

import pytest

from cnn_studio.model.spec.help_texts import HelpTextError, help_text, layer_keys
from cnn_studio.model.spec.network import LAYER_TYPES

CONCEPTS = {"dot_product", "stride", "padding", "relu", "pooling", "softmax", "cross_entropy",
            "backpropagation", "parameter_sharing", "translation_robustness"}


def test_every_layer_type_has_a_help_text():
    assert set(LAYER_TYPES) <= set(layer_keys())
    for kind in LAYER_TYPES:
        assert len(help_text(kind)) > 60


def test_every_concept_has_a_help_text():
    for key in CONCEPTS:
        assert len(help_text(key)) > 60


def test_unknown_key_names_the_known_ones():
    with pytest.raises(HelpTextError, match="conv2d"):
        help_text("transformer")
    with pytest.raises(KeyError):
        help_text("")
