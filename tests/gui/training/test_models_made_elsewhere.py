"""File > Open trained model with a model made elsewhere (issue 27): a plain Keras model with
27 outputs becomes the active model and its network goes to the builder; one whose layers the
builder cannot show is active read-only and the builder keeps its network."""

from __future__ import annotations

import numpy as np
from support_foreign_models import functional_with_other_layers, plain_keras_27

from cnn_studio.model.nets import foreign


def _wait(qtbot, dashboard) -> None:
    qtbot.waitUntil(lambda: not dashboard.files.tasks, timeout=60_000)


def test_a_27_output_model_is_opened_and_shown_in_the_builder(qtbot, dashboard, tmp_path):
    original = plain_keras_27(tmp_path / "emnist.keras", plain_input=True)
    asked = []
    dashboard.state.model_network_opened.connect(lambda spec, _path: asked.append(spec))
    dashboard.files.open_model_file(str(tmp_path / "emnist.keras"))
    _wait(qtbot, dashboard)
    assert dashboard.state.model is dashboard.model
    assert "recognised a model made elsewhere" in dashboard.message.text()
    assert [layer.kind for layer in asked[-1].layers][-1] == "dense"
    images = np.random.default_rng(1).random((3, 28, 28, 1), dtype=np.float32)
    assert foreign.same_letter_scores(original, dashboard.model, images) < 1e-6


def test_a_model_the_builder_cannot_show_is_opened_read_only(qtbot, dashboard, tmp_path):
    original = functional_with_other_layers(tmp_path / "other.keras")
    asked = []
    dashboard.state.model_network_opened.connect(lambda spec, _path: asked.append(spec))
    dashboard.files.open_model_file(str(tmp_path / "other.keras"))
    _wait(qtbot, dashboard)
    assert dashboard.state.model is dashboard.model and dashboard.state.model_spec is None
    assert asked == [], "the builder's network was not replaced by another one"
    assert "used read-only, as it is" in dashboard.message.text()
    images = np.random.default_rng(1).random((3, 28, 28, 1), dtype=np.float32)
    assert foreign.same_letter_scores(original, dashboard.model, images) < 1e-6
