"""The draw panel on an app state: mouse strokes in, the same answer as `classify` out."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from support_letters import letter_strokes, train_letter_model
from support_mouse import drag, press_and_move, release

from cnn_studio.gui.draw.prediction_view import UNSURE_BELOW, PredictionView
from cnn_studio.model.ink.preprocess import strokes_to_image
from cnn_studio.model.ink.strokes import Sample, write_strokes
from cnn_studio.model.storage import paths


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """A folder holding a tiny network trained on the test letters, as ``default.keras``."""
    folder = tmp_path_factory.mktemp("model")
    train_letter_model("LTOXVZ", 60, folder / "default.keras")
    return folder


def open_panel(qtbot, monkeypatch, open_draw_panel, state, folder):
    """The draw panel on ``state`` (TensorFlow loaded) with ``folder`` as the model folder,
    once its default model is read."""
    monkeypatch.setattr(paths, "DEFAULT_MODEL_DIR", folder)
    panel = open_draw_panel(state)
    qtbot.waitUntil(lambda: state.idle, timeout=30_000)
    return panel


@pytest.fixture
def panel(qtbot, monkeypatch, open_draw_panel, tf_state, model_dir):
    """The draw panel predicting with the tiny network of ``model_dir``."""
    panel = open_panel(qtbot, monkeypatch, open_draw_panel, tf_state, model_dir)
    assert panel.inference.has_model
    return panel


def wait_for_answer(qtbot, panel) -> None:
    qtbot.waitUntil(lambda: panel.shown_seq == panel.requested_seq
                    and panel.prediction_view.probs is not None, timeout=10_000)


def classify_json(tmp_path, strokes_file, model_file) -> dict:
    from cnn_studio.cli import classify

    out = tmp_path / "out.json"
    args = argparse.Namespace(images=[], strokes=str(strokes_file), model=str(model_file),
                              json_out=str(out), quiet=True, batch_size=256)
    assert classify.run(args) == 0
    return json.loads(out.read_text())


def test_mouse_drawn_letters_get_the_same_answer_as_classify(panel, qtbot, tmp_path,
                                                             model_dir):
    rng = np.random.default_rng(7)
    samples = [Sample(letter_strokes(letter, rng), letter) for letter in "LTOXVZ"]
    strokes_file = tmp_path / "letters.json"
    write_strokes(strokes_file, samples, (280, 280))
    expected = classify_json(tmp_path, strokes_file, model_dir / "default.keras")
    canvas = panel.canvas
    images = []
    panel.state.drawing_changed.connect(images.append)
    shown = []
    for sample, row in zip(samples, expected["predictions"], strict=True):
        QTest.keyClick(canvas, Qt.Key.Key_Escape)
        for stroke in sample.strokes:
            drag(canvas, stroke)
        wait_for_answer(qtbot, panel)
        view = panel.prediction_view
        shown.append(view.top_letter)
        assert view.top_letter == row["predicted"]
        assert float(view.probs.max()) == pytest.approx(row["probability"], abs=0.05)
        assert view.letter_label.text() == row["predicted"]
        np.testing.assert_array_equal(images[-1], strokes_to_image(canvas.strokes, (280, 280)))
        assert len(panel.activation_view.rows) == len(panel.state.prediction.activations)
    assert shown == list("LTOXVZ"), "the tiny network reads these shapes"


def test_prediction_updates_while_the_pen_is_down(panel, qtbot):
    canvas = panel.canvas
    press_and_move(canvas, [(40 + 8 * i, 40 + 9 * i) for i in range(20)], qtbot, wait_ms=5)
    qtbot.waitUntil(lambda: panel.prediction_view.probs is not None, timeout=10_000)
    assert canvas.strokes == [], "the stroke is still being drawn"
    release(canvas, (200, 220))
    assert len(canvas.strokes) == 1


def test_empty_canvas_shows_nothing(panel, qtbot):
    assert panel.prediction_view.top_letter is None and panel.activation_view.rows == []
    drag(panel.canvas, [(50, 50), (200, 220)])
    wait_for_answer(qtbot, panel)
    assert panel.activation_view.rows
    QTest.keyClick(panel.canvas, Qt.Key.Key_Escape)
    assert panel.canvas.is_empty()
    assert panel.prediction_view.top_letter is None
    assert panel.prediction_view.letter_label.text() == ""
    assert panel.activation_view.rows == []
    assert not panel.preview.array.any()
    qtbot.wait(100)  # a late answer for the old drawing must not come back
    assert panel.prediction_view.top_letter is None


def test_a_single_dot_and_a_huge_scribble_are_read_without_trouble(panel, qtbot):
    canvas = panel.canvas
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     canvas.to_widget(140, 140).toPoint())
    wait_for_answer(qtbot, panel)
    assert panel.image.max() > 0.5 and np.isclose(panel.prediction_view.probs.sum(), 1, atol=1e-4)
    QTest.keyClick(canvas, Qt.Key.Key_Delete)
    rng = np.random.default_rng(3)
    drag(canvas, rng.uniform(0, 280, size=(1500, 2)))
    wait_for_answer(qtbot, panel)
    assert np.isfinite(panel.image).all() and panel.image.mean() > 0.3
    assert panel.prediction_view.top_letter is not None


def test_not_sure_state(qtbot):
    view = PredictionView()
    qtbot.addWidget(view)
    probs = np.full(26, 0.6 / 25, np.float32)
    probs[2] = 0.4
    view.set_probs(probs)
    assert view.unsure and view.top_letter == "C"
    assert view.verdict_label.text().startswith("Not sure")
    probs = np.zeros(26, np.float32)
    probs[[4, 5, 6]] = [0.9, 0.096, 0.004]
    view.set_probs(probs)
    assert not view.unsure and "90% sure" in view.verdict_label.text()
    assert view.top3_label.text().split() == ["E", "90%", "F", "10%", "G", "<1%"]
    assert UNSURE_BELOW == 0.5
    view.clear()
    assert view.top_letter is None and view.verdict_label.text() == ""


def test_undo_redo_and_clear_from_the_keyboard(main_window, qtbot):
    """In the window: Ctrl+Z and Ctrl+Shift+Z reach the canvas through Edit > Undo/Redo."""
    canvas, panel = main_window.panels["draw"].canvas, main_window.panels["draw"]
    drag(canvas, [(20, 20), (250, 20)])
    drag(canvas, [(140, 20), (140, 260)])
    canvas.setFocus()
    QTest.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.strokes) == 1
    QTest.keyClick(canvas, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(canvas.strokes) == 2
    panel.undo_button.click()
    assert len(canvas.strokes) == 1
    QTest.mouseClick(panel.clear_button, Qt.MouseButton.LeftButton)
    assert canvas.is_empty()


def test_letter_key_adds_the_drawing_to_the_dataset(panel, qtbot, messages):
    from cnn_studio.model.data.user_samples import SampleStore

    before = SampleStore().counts()["T"]
    canvas = panel.canvas
    drag(canvas, [(20, 20), (250, 20)])
    drag(canvas, [(140, 20), (140, 260)])
    canvas.setFocus()
    QTest.keyClick(canvas, Qt.Key.Key_T, Qt.KeyboardModifier.ShiftModifier)
    assert panel.add_bar.isVisible() and "<b>T</b>" in panel.add_bar.label.text()
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    assert not panel.add_bar.isVisible() and len(canvas.strokes) == 2, "Esc only cancels"
    QTest.keyClick(canvas, Qt.Key.Key_T, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(canvas, Qt.Key.Key_Return)
    store = SampleStore()
    assert store.counts()["T"] == before + 1
    saved = store[len(store) - 1]
    assert saved.label == "T" and len(saved.strokes) == 2
    assert "Added to your dataset as T" in messages[-1]
    assert canvas.is_empty() and not panel.add_bar.isVisible()


def test_draw_sample_from_file(panel, qtbot, tmp_path, capsys, messages):
    rng = np.random.default_rng(1)
    path = tmp_path / "one.json"
    doubled = [stroke * 2 for stroke in letter_strokes("X", rng)]
    write_strokes(path, [Sample(doubled, "X")], (560, 560))
    events = []
    panel.state.busy_changed.connect(lambda busy: events.append("busy" if busy else "idle"))
    panel.state.prediction_ready.connect(lambda _prediction: events.append("answer"))
    assert panel.draw_sample_from_file(str(path), 0)
    qtbot.waitUntil(lambda: panel.state.idle, timeout=10_000)
    assert events == ["busy", "answer", "idle"], "--screenshot waits for this prediction"
    assert panel.prediction_view.top_letter == "X"
    points = np.concatenate(panel.canvas.strokes)
    assert points.max() <= 280 and points.max() - points.min() > 100
    assert not panel.draw_sample_from_file(str(path), 5)
    assert "index 5 does not exist" in capsys.readouterr().err
    assert "does not exist" in messages[-1]
    (tmp_path / "bad.json").write_text("{not json")
    assert not panel.draw_sample_from_file(str(tmp_path / "bad.json"), 0)
    assert "not valid JSON" in capsys.readouterr().err
    assert panel.state.idle


def test_a_broken_model_file_keeps_the_current_model(panel, qtbot, tmp_path):
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"this is not a zip file")
    panel.load_model(str(broken))
    qtbot.waitUntil(lambda: panel.state.idle, timeout=10_000)
    assert "Could not open the model" in panel.model_label.text()
    drag(panel.canvas, [(40, 40), (40, 250), (200, 250)])
    wait_for_answer(qtbot, panel)
    assert panel.prediction_view.top_letter == "L"


@pytest.mark.parametrize("content", [None, b"PK\x03\x04 damaged"])
def test_missing_or_corrupt_default_model_leaves_the_canvas_working(
        qtbot, monkeypatch, open_draw_panel, tf_state, tmp_path, content):
    if content is not None:
        (tmp_path / "default.keras").write_bytes(content)
    panel = open_panel(qtbot, monkeypatch, open_draw_panel, tf_state, tmp_path)
    assert "No trained model" in panel.prediction_view.message_label.text()
    assert "pretrain" in panel.prediction_view.message_label.text()
    drag(panel.canvas, [(40, 40), (200, 250)])
    assert panel.image is not None and panel.preview.array.max() > 0.5
    assert panel.prediction_view.top_letter is None
    assert "No trained model" in panel.prediction_view.message_label.text()


class GatedPredictor:
    """Stands in for model.nets.inference.Predictor: its first pass waits until the test says go."""

    def __init__(self):
        import threading

        self.seen, self.weights = [], None
        self.started, self.go = threading.Event(), threading.Event()

    def forward(self, image):
        from types import SimpleNamespace

        self.started.set()
        self.go.wait(5)
        self.seen.append(round(float(image.mean()), 4))
        return SimpleNamespace(probs=np.full(26, 1 / 26, np.float32))

    def set_weights(self, weights):
        self.weights = weights


def test_the_worker_computes_only_the_newest_request(qtbot):
    from cnn_studio.gui.common.state import AppState
    from cnn_studio.gui.draw.inference_worker import InferenceService

    state = AppState()
    service = InferenceService(state)
    service.start(load_default=False)
    try:
        fake = GatedPredictor()
        service.worker.predictor = fake
        results = []
        service.prediction_ready.connect(lambda seq, _p: results.append(seq))
        service.predict(np.full((28, 28), 0.01, np.float32))
        assert fake.started.wait(5), "the worker picked up the first request"
        for value in range(2, 11):  # arrive while the first one is being computed
            service.predict(np.full((28, 28), value / 100, np.float32))
        fake.go.set()
        qtbot.waitUntil(lambda: results == [1, 10], timeout=5000)
        qtbot.wait(100)
        assert results == [1, 10] and fake.seen == [0.01, 0.1], "requests 2..9 were dropped"
        state.weights_updated.emit([np.ones(3)])
        qtbot.waitUntil(lambda: len(results) == 3, timeout=5000)
        assert results[-1] == 10 and fake.weights is not None, "new weights re-predict the drawing"
        service.predict(None)
        state.weights_updated.emit([np.ones(3)])
        qtbot.wait(100)
        assert len(results) == 3, "an empty canvas is not predicted"
    finally:
        service.stop()


def test_a_model_from_another_panel_takes_over(panel, qtbot):
    from cnn_studio.model.nets.inference import Predictor
    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.spec.presets import get_preset

    other = build_model(get_preset("dense"), seed=3)
    panel.state.model = other
    qtbot.waitUntil(lambda: panel.state.idle, timeout=10_000)
    assert "Model:" in panel.model_label.text()
    drag(panel.canvas, [(40, 40), (40, 250), (200, 250)])
    wait_for_answer(qtbot, panel)
    expected = Predictor(other).forward(panel.image).probs
    np.testing.assert_allclose(panel.prediction_view.probs, expected, atol=1e-5)
    kinds = [row.kind for row in panel.activation_view.rows]
    assert kinds == ["flatten", "dense", "dense", "dense"]


@pytest.mark.parametrize("size", [1e9, 1e306])
def test_enormous_points_end_in_a_message_and_the_app_becomes_idle(panel, qtbot, tmp_path,
                                                                    size, messages):
    path = tmp_path / "huge.json"
    points = [[0, 0], [size, size], [size, 0]]
    path.write_text(json.dumps({"format": "strokes-v1", "canvas": {"width": 1, "height": 1},
                                "samples": [{"label": "X", "strokes": [points]}]}))
    panel.draw_sample_from_file(str(path), 0)  # scaled from a 1x1 canvas: 1e306 overflows
    qtbot.waitUntil(lambda: panel.state.idle, timeout=10_000)
    panel.canvas.set_strokes([np.array(points, dtype=float)], (1.0, 1.0))
    qtbot.waitUntil(lambda: panel.state.idle, timeout=10_000)
    if size > 1e300:
        assert "could not read the drawing" in messages[-1]
    QTest.keyClick(panel.canvas, Qt.Key.Key_Delete)
    drag(panel.canvas, [(40, 40), (200, 200), (240, 60)])  # the canvas still works
    wait_for_answer(qtbot, panel)
    assert panel.prediction_view.top_letter is not None
    qtbot.waitUntil(lambda: panel.state.idle, timeout=10_000)


def test_nothing_resizes_while_the_first_stroke_is_drawn(panel, qtbot):
    panel.resize(1100, 760)
    qtbot.waitUntil(lambda: panel.size().width() == 1100)
    canvas = panel.canvas
    QApplication.processEvents()
    before = canvas.size()
    with qtbot.waitSignal(panel.state.prediction_ready, timeout=10_000):
        press_and_move(canvas, [(60 + 5 * i, 60 + 6 * i) for i in range(30)], qtbot, wait_ms=5)
    for _ in range(5):
        QApplication.processEvents()
    assert canvas.size() == before
    release(canvas, (200, 230))


def test_the_add_bar_moves_nothing_under_the_pointer(open_draw_panel, app_state, qtbot):
    """Pressing a letter shows the add-to-dataset bar in its reserved place: the canvas and
    the Undo / Clear row stay exactly where they were (issue 26, defect 1)."""
    panel = open_draw_panel(app_state, (900, 640))

    def places():
        QApplication.processEvents()
        return [(widget.mapTo(panel, widget.rect().topLeft()), widget.size())
                for widget in (panel.canvas, panel.undo_button, panel.clear_button)]

    drag(panel.canvas, [(20, 20), (250, 20)])
    before = places()
    QTest.keyClick(panel.canvas, Qt.Key.Key_R)
    assert panel.add_bar.isVisible() and "<b>r</b>" in panel.add_bar.label.text()
    assert places() == before
    QTest.keyClick(panel.canvas, Qt.Key.Key_Escape)
    assert not panel.add_bar.isVisible() and places() == before
