"""The training dashboard, driven through its widgets as a user would.

Built on an app state alone (the ``dashboard`` fixture, tests/gui/training/conftest.py); the
network to train is the state's ``spec``, as the builder publishes it. Two tests boot the window:
its close stopping a run, and the File menu's model actions."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMessageBox

from cnn_studio.gui.common.palette import css, error_text
from cnn_studio.gui.training import worker as training_worker
from cnn_studio.model.spec.analysis import training_problems
from cnn_studio.model.spec.network import LayerSpec, NetworkSpec, default_layer


class StateRecorder(QObject):
    """Records the shared state's model signals."""

    def __init__(self, state) -> None:
        super().__init__()
        self.models, self.weights = [], []
        state.model_changed.connect(self.on_model)
        state.weights_updated.connect(self.on_weights)

    def on_model(self, model):
        self.models.append(model)

    def on_weights(self, weights):
        self.weights.append(weights)


def tiny() -> NetworkSpec:
    from cnn_studio.model.spec.presets import get_preset

    return get_preset("tiny")


def settings(dashboard, *, samples=2600, epochs=1, batch=26, val=0.1, optimizer="adam",
             learning_rate=None) -> None:
    controls = dashboard.controls
    controls.optimizer.setCurrentIndex(controls.optimizer.findData(optimizer))
    if learning_rate is not None:
        controls.learning_rate.setValue(learning_rate)
    controls.samples.setValue(samples)
    controls.epochs.setValue(epochs)
    controls.batch_size.setValue(batch)
    controls.val_fraction.setValue(val)


def click_train(qtbot, dashboard) -> None:
    qtbot.mouseClick(dashboard.train_button, Qt.MouseButton.LeftButton)
    assert dashboard.running


def start_batches(qtbot, dashboard, epochs: int):
    """Train the tiny network on 2600 samples in batches of 8 (293 an epoch) until the first
    batches show; returns the dashboard."""
    dashboard.state.spec = tiny()
    settings(dashboard, samples=2600, batch=8, epochs=epochs)
    click_train(qtbot, dashboard)
    qtbot.waitUntil(lambda: dashboard.curves.point_count("loss_raw") > 0, timeout=60_000)
    return dashboard


def wait_end(qtbot, dashboard, timeout=120_000):
    qtbot.waitUntil(lambda: dashboard.last_report is not None, timeout=timeout)
    return dashboard.last_report


def wait_tasks(qtbot, dashboard):
    qtbot.waitUntil(lambda: not dashboard.files.tasks, timeout=60_000)


@pytest.fixture
def window(ready_window):
    """The main window, for what the window itself does with the dashboard."""
    return ready_window


def test_train_one_epoch_then_results_save_reopen_and_evaluate(qtbot, dashboard, tmp_path):
    from cnn_studio.model.ink.strokes import Sample, write_strokes

    state = dashboard.state
    recorder = StateRecorder(state)
    state.spec = tiny()
    settings(dashboard, samples=260, batch=16)  # real synthetic letters, a few hundred
    click_train(qtbot, dashboard)
    controls = dashboard.controls
    assert state.training and not controls.batch_size.isEnabled()
    assert controls.learning_rate.isEnabled() and dashboard.stop_button.isEnabled()
    assert not dashboard.train_button.isEnabled() and dashboard.tabs.currentIndex() == 1

    report = wait_end(qtbot, dashboard)
    assert isinstance(report, training_worker.TrainOutcome) and report.epochs_completed == 1, report
    assert not state.training and state.trained and dashboard.train_button.isEnabled()
    assert controls.batch_size.isEnabled()
    assert dashboard.progress.format().startswith("Finished")
    assert dashboard.curves.point_count("loss_raw") >= 1
    assert dashboard.curves.point_count("val_loss") == 1
    assert dashboard.curves.point_count("val_accuracy") == 1
    assert recorder.models and recorder.models[-1] is dashboard.model is state.model
    assert len(recorder.weights) == 2  # after the epoch and at the end
    assert dashboard.kernels.layer_combo.count() == 1  # one conv layer
    assert "01_conv2d" in dashboard.kernels.layer_combo.itemText(0)
    assert [row.name for row in dashboard.activations.rows][:2] == ["01_conv2d", "02_maxpool2d"]

    grid = dashboard.confusion.grid
    assert int(grid.matrix.sum()) == 26  # 10 % of 260 held out
    row, col = map(int, np.argwhere(grid.matrix > 0)[0])
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(row, col).center())
    assert dashboard.confusion.thumbnails.count() == grid.matrix[row, col]

    images = report.val_images
    before = np.asarray(dashboard.model(images, training=False))
    path = tmp_path / "letters.keras"
    dashboard.files.save_model_file(str(path))
    wait_tasks(qtbot, dashboard)
    assert path.is_file() and (tmp_path / "letters.cnn.json").is_file()
    old = dashboard.model
    dashboard.files.open_model_file(str(path))
    wait_tasks(qtbot, dashboard)
    assert dashboard.model is not old and state.model is dashboard.model
    assert recorder.models[-1] is dashboard.model
    np.testing.assert_allclose(np.asarray(dashboard.model(images, training=False)), before,
                               rtol=1e-5, atol=1e-6)

    square = [np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]])]
    strokes_file = tmp_path / "real.json"
    write_strokes(strokes_file, [Sample(square, "O"), Sample(square, "o"), Sample(square, "D")],
                  (20.0, 20.0))
    dashboard.files.evaluate_file(str(strokes_file))
    wait_tasks(qtbot, dashboard)
    text = dashboard.files.evaluate_result.text()
    assert "of 3 correct" in text and "upper case" in text and "of 2" in text and "of 1" in text


def test_stop_takes_effect_within_one_batch(qtbot, dashboard, easy, monkeypatch):
    from cnn_studio.model.training.live import LiveCallback

    stop_seen_at_begin = []
    original = LiveCallback.on_train_batch_begin

    def record(self, batch, logs=None):
        stop_seen_at_begin.append(self.control.stop_event.is_set())
        return original(self, batch, logs)

    monkeypatch.setattr(LiveCallback, "on_train_batch_begin", record)
    start_batches(qtbot, dashboard, epochs=3)
    qtbot.mouseClick(dashboard.stop_button, Qt.MouseButton.LeftButton)
    report = wait_end(qtbot, dashboard)
    assert report.stopped and "Stopped at epoch 1" in report.message
    assert report.epochs_completed == 0
    assert 10 <= len(stop_seen_at_begin) < 293
    assert not any(stop_seen_at_begin)  # no batch began once Stop was pressed
    assert dashboard.progress.format().startswith("Stopped")
    assert not dashboard.state.training


def test_pause_holds_batches_and_learning_rate_changes_while_running(qtbot, dashboard, easy):
    start_batches(qtbot, dashboard, epochs=1)
    qtbot.mouseClick(dashboard.pause_button, Qt.MouseButton.LeftButton)
    assert dashboard.pause_button.text() == "Resume"
    qtbot.waitUntil(lambda: dashboard.message.text().startswith("Paused at epoch 1/1, step "),
                    timeout=30_000)
    # one statement: the bar says what the message says, and its value is that position
    assert dashboard.progress.full_text == dashboard.message.text()
    step, steps = map(int, dashboard.message.text().rsplit(" ", 1)[1].split("/"))
    assert (dashboard.progress.value(), dashboard.progress.maximum()) == (step, steps)
    assert "\n" not in dashboard.progress.format()
    dashboard.controls.learning_rate.setValue(0.05)  # while paused, still editable
    points = dashboard.curves.point_count("loss_raw")
    qtbot.wait(400)
    assert dashboard.curves.point_count("loss_raw") == points  # nothing trains while paused
    qtbot.mouseClick(dashboard.pause_button, Qt.MouseButton.LeftButton)
    report = wait_end(qtbot, dashboard)
    assert report.history["learning_rate"] == [pytest.approx(0.05)]
    assert report.epochs_completed == 1


def test_closing_the_window_during_training_stops_and_joins(qtbot, window, easy):
    dashboard = start_batches(qtbot, window.panels["training"], epochs=50)
    run = dashboard.run
    window.close()
    assert not run.running()
    assert dashboard.run is not None and not dashboard.run.running()


def test_diverging_loss_shows_the_message_and_restores_weights(qtbot, dashboard, easy):
    conv = default_layer("conv2d")
    conv.params.update(filters=4, activation="none")
    layers = [conv, default_layer("flatten")]
    for units, activation in ((32, "linear"), (32, "linear"), (26, "softmax")):
        dense = default_layer("dense")
        dense.params.update(units=units, activation=activation)
        layers.append(dense)
    dashboard.state.spec = NetworkSpec(layers, "no brakes")
    settings(dashboard, samples=520, batch=26, epochs=5, optimizer="sgd",
             learning_rate=dashboard.controls.learning_rate.maximum())
    assert dashboard.controls.learning_rate.value() == 10.0  # the field's upper bound
    click_train(qtbot, dashboard)
    report = wait_end(qtbot, dashboard)
    assert report.diverged
    text = dashboard.message.text()
    assert "diverged at epoch" in text and "Lower the learning rate" in text
    assert css(error_text()) in dashboard.message.styleSheet()  # shown as an error
    assert dashboard.progress.format().startswith("Diverged")
    weights = dashboard.model.get_weights()
    assert all(np.all(np.isfinite(w)) for w in weights)
    for got, want in zip(weights, report.weights, strict=True):
        np.testing.assert_array_equal(got, want)


def test_a_model_file_with_a_lambda_layer_is_refused(qtbot, dashboard, tmp_path, monkeypatch):
    import keras

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Lambda(lambda x: x * 2.0),
                              keras.layers.Flatten(), keras.layers.Dense(26)])
    path = tmp_path / "unsafe.keras"
    model.save(path)
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda parent, title, text, *a: warnings.append((title, text)))
    before = dashboard.state.model
    dashboard.files.open_model_file(str(path))
    wait_tasks(qtbot, dashboard)
    assert len(warnings) == 1 and "Lambda" in warnings[0][1]
    assert dashboard.state.model is before and dashboard.model is None
    assert "Lambda" in dashboard.message.text()


def test_network_without_output_layer_offers_to_append_it(qtbot, dashboard, easy, monkeypatch):
    state = dashboard.state
    headless = NetworkSpec(tiny().layers[:-1], "headless")
    state.spec = headless
    requested = []  # what the dashboard asks the builder to show
    state.network_requested.connect(lambda spec, text: requested.append((spec, text)))
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    asked = []

    def question(parent, title, text, *args):
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    assert not dashboard.start_training()
    assert "cannot be trained" in dashboard.message.text()
    assert "output layer" in asked[0]
    settings(dashboard, samples=260, epochs=1)
    assert not requested  # No: the builder's network stays as it is
    assert dashboard.start_training()
    [(appended, text)] = requested
    last = appended.layers[-1]
    assert text == "Add output layer"
    assert last == LayerSpec("dense", {**last.params, "units": 26, "activation": "softmax"})
    assert appended.layers[:-1] == headless.layers
    assert dashboard.model_spec.layers == appended.layers  # the run trains the appended one
    report = wait_end(qtbot, dashboard)
    assert report.epochs_completed == 1


def test_fields_use_the_ranges_training_accepts(qtbot):
    from cnn_studio.gui.training.controls import TrainingControls
    from cnn_studio.model.training.config import RANGES

    controls = TrainingControls()
    qtbot.addWidget(controls)
    for name, box in (("learning_rate", controls.learning_rate),
                      ("batch_size", controls.batch_size), ("epochs", controls.epochs),
                      ("val_fraction", controls.val_fraction), ("seed", controls.seed)):
        assert (box.minimum(), box.maximum()) == pytest.approx(RANGES[name]), name
    box = controls.learning_rate
    box.setValue(0.001)
    box.stepBy(1)
    assert box.value() == pytest.approx(0.002)
    box.stepBy(2)
    assert box.value() == pytest.approx(0.01)
    box.setValue(1e3)
    assert box.value() == 10.0  # clamped to the range


def test_file_menu_model_actions_are_served_here(window, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    shown, asked = [], []
    monkeypatch.setattr(QMessageBox, "information",
                        lambda parent, title, text, *a: shown.append((title, text)))
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *args, **kwargs: (asked.append(args[1]), ("", ""))[1])
    window.state.model = None
    window.save_model_action.trigger()
    assert shown == [("Save trained model", "There is no trained model yet: train one first.")]
    window.open_model_action.trigger()
    assert asked == ["Open trained model"]
    assert window.openers[".keras"] == window.panels["training"].files.open_model_file


def test_problem_message_follows_the_network_in_the_builder(qtbot, dashboard):
    state = dashboard.state
    dense = default_layer("dense")
    dense.params.update(units=26, activation="softmax")
    broken = NetworkSpec([default_layer("flatten"), default_layer("conv2d"), dense], "broken")
    state.spec = broken
    qtbot.mouseClick(dashboard.train_button, Qt.MouseButton.LeftButton)
    assert not dashboard.running
    first = dashboard.message.text()
    assert first.startswith("The network cannot be trained yet")
    other = NetworkSpec([default_layer("flatten"), default_layer("maxpool2d"), dense], "other")
    state.spec = other  # still broken, in another way: the list follows
    assert dashboard.message.text() == training_problems(other) != first
    state.spec = tiny()  # as the builder publishes a loaded preset
    text = dashboard.message.text()
    assert "cannot be trained" not in text and "can be trained now" in text
    assert css(error_text()) not in dashboard.message.styleSheet()


def test_a_new_run_has_its_own_curves_and_flags_follow_the_run(qtbot, dashboard, easy, tmp_path,
                                                               monkeypatch):
    state = dashboard.state
    state.spec = tiny()
    settings(dashboard, samples=260, batch=26, epochs=2)
    assert not state.training
    click_train(qtbot, dashboard)
    assert state.training
    wait_end(qtbot, dashboard)
    assert not state.training and state.unsaved_model
    raw = dashboard.curves.curves["loss_raw"].series
    assert raw.x.max() == pytest.approx(2.0)
    settings(dashboard, samples=260, batch=26, epochs=1)  # continues from the trained weights
    shown = []  # every text the bar shows: a short run can pass "Epoch 1/1" between two polls
    real_set_text = dashboard.progress.set_text
    monkeypatch.setattr(dashboard.progress, "set_text",
                        lambda text: (shown.append(str(text)), real_set_text(text)))
    click_train(qtbot, dashboard)
    assert raw.size == 0 and dashboard.curves.loss_axes.get_xlim()[1] == pytest.approx(1.0)
    wait_end(qtbot, dashboard)
    assert any(text.startswith("Epoch 1/1") for text in shown), shown
    assert dashboard.epochs_done == 3  # the network's own count goes on
    assert raw.x.max() == pytest.approx(1.0)  # the curves: this run's epochs, as the bar
    assert dashboard.curves.curves["val_loss"].series.x.tolist() == [1.0]
    assert dashboard.curves.loss_axes.get_xlim()[1] == pytest.approx(1.0)
    dashboard.files.save_model_file(str(tmp_path / "kept.keras"))
    wait_tasks(qtbot, dashboard)
    assert not state.unsaved_model and not state.training


def test_a_failed_start_ends_the_training_flag(qtbot, dashboard, monkeypatch):
    from cnn_studio.model.data.dataset import DatasetError

    def no_data(*args, **kwargs):
        raise DatasetError("No training data: choose a source.")

    monkeypatch.setattr(training_worker, "gather_data", no_data)
    dashboard.state.spec = tiny()
    click_train(qtbot, dashboard)
    assert dashboard.state.training
    assert wait_end(qtbot, dashboard) == "No training data: choose a source."
    assert not dashboard.state.training
    assert dashboard.progress.full_text == "Training could not start"
