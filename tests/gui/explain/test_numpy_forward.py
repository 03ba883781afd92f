"""Explain mode's "Forward pass in numpy" tab: the program, its shapes and the canvas's numbers
(the explain and draw panels side by side on one app state)."""

from __future__ import annotations

import numpy as np
from support_explain import A_STROKES, CANVAS, open_tab, small_cnn, use_model

from cnn_studio.model.storage import paths


def test_before_tensorflow_it_explains_the_default_model_the_canvas_uses(explain_before_tf,
                                                                         open_draw_panel, qtbot):
    from cnn_studio.model.nets.keras_file import load_network

    panel = explain_before_tf
    draw = open_draw_panel(panel.state)  # no TensorFlow: it answers with the numpy engine
    tab = panel.show_concept("numpy_tab")
    assert "Draw a letter" in tab.hint.text()
    draw.canvas.set_strokes(A_STROKES, CANVAS)
    qtbot.waitUntil(lambda: tab.result is not None and draw.prediction_view.probs is not None
                    and draw.shown_seq == draw.requested_seq, timeout=10_000)
    assert tab.showing_content and not panel.state.tf_loaded
    network = load_network(paths.DEFAULT_MODEL_DIR / "default.keras")
    np.testing.assert_array_equal(tab.result.probs, draw.prediction_view.probs)
    np.testing.assert_allclose(tab.result.probs, network.forward(draw.image).probs, atol=1e-7)
    program = tab.program.toPlainText().splitlines()
    assert len(program) == len(network.layers) + 2  # the input, one line a layer, the answer
    assert program[1].startswith("x = _conv(layer, x)") and "(1, 28, 28, 32)" in program[1]
    code = tab.definitions.toPlainText()
    for piece in ("def _conv(", "sliding_window_view(", "@ kernel", "def _pool(",
                  "np.tensordot(x, layer.weights[0]", "def softmax(x):"):
        assert piece in code, piece
    top = int(np.argmax(tab.result.probs))
    assert tab.table.item(0, 1).text() == f"{tab.result.probs[top]:.5f}"
    assert [shape for _, _, shape in tab.result.shapes] == [a.shape for a in
                                                            network.forward(draw.image).activations]


def test_the_users_own_network_gives_keras_numbers(explain, open_draw_panel, qtbot):
    from cnn_studio.model.nets.inference import Predictor

    draw = open_draw_panel(explain.state)
    qtbot.waitUntil(lambda: explain.state.idle and draw.inference.has_model, timeout=30_000)
    model = small_cnn()
    use_model(explain, model)
    draw.canvas.set_strokes(A_STROKES, CANVAS)  # the canvas publishes the drawing
    qtbot.waitUntil(lambda: explain.ctx.has_drawing, timeout=5000)
    tab = open_tab(explain, qtbot, "numpy_tab")
    assert tab.showing_content, tab.hint.text()
    image = explain.ctx.image
    expected = Predictor(model).forward(image)
    np.testing.assert_allclose(tab.result.probs, expected.probs, atol=1e-5)
    assert [shape for _, _, shape in tab.result.shapes] == [a.shape for a in expected.activations]
    program = tab.program.toPlainText()
    assert "stride 2" in program and "tanh" in program and "(1, 13, 13, 3)" in program
    assert '"tanh": np.tanh' in tab.definitions.toPlainText()
    qtbot.waitUntil(lambda: draw.shown_seq == draw.requested_seq, timeout=10_000)
    np.testing.assert_array_equal(tab.result.probs, draw.prediction_view.probs)
