"""The first answer comes from the numpy engine, before TensorFlow; later it follows the model.

The draw panel is built on an app state alone; the first test boots the window without
TensorFlow, to see the whole window answer (and training wait) before TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest
from support_explain import A_STROKES, CANVAS
from support_mouse import drag
from support_widgets import shown

from cnn_studio.gui.common.tasks import Work
from cnn_studio.model.ink.strokes import Sample, write_strokes
from cnn_studio.model.storage import paths


@pytest.fixture
def no_tf_window(qtbot):
    """The main window without TensorFlow: only the numpy engine can answer."""
    from cnn_studio.gui.app.main_window import MainWindow

    window = shown(qtbot, MainWindow(load_tensorflow=False), (1300, 900), exposed=False)
    yield window
    window.close()


@pytest.fixture
def no_tf_panel(app_state, open_draw_panel):
    """The draw panel on a state without TensorFlow: it reads the shipped default model with
    the numpy engine, the only one that can answer."""
    return open_draw_panel(app_state)


def default_network():
    from cnn_studio.model.nets.keras_file import load_network

    return load_network(paths.DEFAULT_MODEL_DIR / "default.keras")


def test_a_drawing_is_answered_by_the_numpy_engine_before_tensorflow(no_tf_window, qtbot):
    window, panel = no_tf_window, no_tf_window.panels["draw"]
    with qtbot.waitSignal(window.state.prediction_ready, timeout=10_000) as blocker:
        drag(window.panels["draw"].canvas, [(40, 250), (140, 30), (240, 250)])
    qtbot.waitUntil(lambda: panel.shown_seq == panel.requested_seq, timeout=10_000)
    assert not window.state.tf_loaded
    network = default_network()
    expected = network.forward(panel.image)
    np.testing.assert_allclose(panel.prediction_view.probs, expected.probs, atol=1e-6)
    np.testing.assert_allclose(window.state.prediction.probs, expected.probs, atol=1e-6)
    assert blocker.args[0].layer_kinds == network.layer_kinds
    assert [row.kind for row in panel.activation_view.rows] == network.layer_kinds
    assert panel.engine == "numpy" and "numpy" in panel.model_label.text()
    assert not window.panels["training"].train_button.isEnabled(), "training waits for TF"


def test_a_pre_drawn_letter_is_answered_before_tensorflow(no_tf_panel, qtbot, tmp_path):
    panel = no_tf_panel
    path = tmp_path / "a.json"
    write_strokes(path, [Sample(A_STROKES, "A")], CANVAS)
    assert panel.draw_sample_from_file(str(path), 0)
    qtbot.waitUntil(lambda: not panel.state.is_busy(Work.DRAW_PREDICTION), timeout=10_000)
    assert panel.prediction_view.probs is not None and not panel.state.tf_loaded
    np.testing.assert_allclose(panel.prediction_view.probs,
                               default_network().forward(panel.image).probs, atol=1e-6)


def test_a_damaged_default_model_waits_for_tensorflow_quietly(qtbot, monkeypatch, tmp_path,
                                                              app_state, open_draw_panel):
    (tmp_path / "default.keras").write_bytes(b"PK\x03\x04 damaged")
    monkeypatch.setattr(paths, "DEFAULT_MODEL_DIR", tmp_path)
    panel = open_draw_panel(app_state)
    qtbot.waitUntil(lambda: not app_state.is_busy(Work.NUMPY_MODEL), timeout=10_000)
    assert panel.model_label.text() == "Model: waiting for TensorFlow..."
    drag(panel.canvas, [(40, 40), (200, 250)])
    qtbot.wait(100)
    assert panel.image is not None and panel.prediction_view.probs is None


def test_the_numpy_engine_follows_the_active_model_and_its_new_weights(tf_state, qtbot,
                                                                      open_draw_panel):
    from support_explain import small_cnn

    from cnn_studio.gui.draw.inference_worker import NumpyPredictor
    from cnn_studio.model.nets.inference import Predictor

    panel = open_draw_panel(tf_state)
    qtbot.waitUntil(lambda: tf_state.idle and panel.inference.has_model, timeout=30_000)
    model = small_cnn()
    tf_state.model = model
    qtbot.waitUntil(lambda: tf_state.idle, timeout=10_000)
    drag(panel.canvas, [(40, 250), (140, 30), (240, 250)])
    qtbot.waitUntil(lambda: panel.shown_seq == panel.requested_seq, timeout=10_000)
    assert isinstance(panel.inference.worker.predictor, NumpyPredictor)
    reference = Predictor(model)
    np.testing.assert_allclose(panel.prediction_view.probs,
                               reference.forward(panel.image).probs, atol=1e-5)
    assert [row.name for row in panel.activation_view.rows] == [x.name for x in model.layers]
    weights = [w * 0.5 for w in model.get_weights()]  # as training hands them over
    with qtbot.waitSignal(tf_state.prediction_ready, timeout=10_000):
        tf_state.weights_updated.emit(weights)
    reference.set_weights(weights)
    np.testing.assert_allclose(tf_state.prediction.probs,
                               reference.forward(panel.image).probs, atol=1e-5)
    with qtbot.waitSignal(tf_state.prediction_ready, timeout=10_000):
        panel.inference.set_engine("tensorflow")  # the other engine: the same numbers
    qtbot.waitUntil(lambda: panel.engine == "tensorflow", timeout=10_000)
    np.testing.assert_allclose(tf_state.prediction.probs,
                               reference.forward(panel.image).probs, atol=1e-5)


def test_tensorflow_waits_for_the_start_up_work(qtbot, monkeypatch):
    from cnn_studio.gui.app import tf_loader
    from cnn_studio.gui.common.state import AppState
    from cnn_studio.gui.common.tasks import TaskRunner, Work

    monkeypatch.setattr(tf_loader, "describe_tensorflow", lambda: {"tensorflow": "fake"})
    state = AppState()
    runner = TaskRunner(state)
    state.begin_work(Work.NUMPY_MODEL)
    loader = tf_loader.TensorFlowLoader(state, runner)
    loader.start()
    qtbot.wait(50)
    assert loader.is_loading() and not runner.running(Work.TENSORFLOW), "waits for numpy"
    with qtbot.waitSignal(loader.ready, timeout=5000) as blocker:
        state.end_work(Work.NUMPY_MODEL)
    assert blocker.args == [{"tensorflow": "fake"}]
    assert state.tf_info == {"tensorflow": "fake"} and state.idle


@pytest.mark.parametrize("quick", [True, False])
def test_a_quick_network_answers_on_pen_up_without_the_worker(no_tf_panel, qtbot, monkeypatch,
                                                              quick):
    from cnn_studio.gui.draw import numpy_engine

    monkeypatch.setattr(numpy_engine, "SYNC_MAX_S", 10.0 if quick else 0.0)
    panel = no_tf_panel
    qtbot.waitUntil(lambda: panel.inference.has_model, timeout=10_000)
    drag(panel.canvas, [(40, 250), (140, 30), (240, 250)])
    answered_at_once = panel.shown_seq == panel.requested_seq  # no event loop turn yet
    assert answered_at_once is quick
    qtbot.waitUntil(lambda: panel.shown_seq == panel.requested_seq, timeout=10_000)
    np.testing.assert_allclose(panel.prediction_view.probs,
                               default_network().forward(panel.image).probs, atol=1e-6)
    qtbot.waitUntil(lambda: panel.inference.worker._last is not None, timeout=5000)
    assert panel.inference.worker._last[0] == panel.requested_seq, "kept for new weights"
