"""The training dashboard: settings, live curves, activations and kernels, results.

Train freezes the builder's spec and hands it to a :class:`gui.training.worker.TrainingWorker`
in its own thread; :class:`gui.training.live_views.LiveViews` shows its progress; saving, opening and
evaluating models run in short-lived workers (:mod:`gui.training.files`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnn_studio.gui.common import palette as colours
from cnn_studio.gui.common.flow_layout import FixedHeightLayout
from cnn_studio.gui.common.tasks import Task, TaskRunner
from cnn_studio.gui.training.confusion_view import ConfusionPanel
from cnn_studio.gui.training.controls import TrainingControls
from cnn_studio.gui.training.files import ModelFiles
from cnn_studio.gui.training.live_views import LiveViews, StatusBar
from cnn_studio.gui.training.worker import TrainingWorker, TrainJob
from cnn_studio.model.spec.analysis import NO_OUTPUT_LINE, training_problems

#: The Train button's text until TensorFlow has loaded.
LOADING_TEXT = "Train (TensorFlow loading...)"

#: How long closing waits for a stopping run (it stops within one batch).
STOP_WAIT_S = 30.0


class TrainingDashboard(QWidget):
    """Everything about training one network, in the training dock.

    Built from the app state alone; :func:`install` connects the window's File menu to it.

    Args:
        state: the shared ``AppState``.
    """

    def __init__(self, state) -> None:
        super().__init__()
        self.state = state
        self.setObjectName("training_dashboard")
        self.runner = TaskRunner(None, self)  # the run's busy state is state.training
        self.run: Task | None = None
        self._runs = 0
        self.worker: TrainingWorker | None = None
        self.model = None          # the app's copy of the network trained here (or opened)
        self.model_spec = None
        self.epochs_done = 0
        self._active = False
        self._spec_problem = False  # the message lists problems of the builder's network
        self.last_report: dict | str | None = None  # the latest run's end (report or message)

        self.controls = TrainingControls(state)
        buttons = self._build_buttons()
        self.progress = StatusBar()
        self.progress.setObjectName("training_progress")
        self.progress.set_text("Ready to train")
        self.progress.setValue(0)
        self._build_message()
        self.live = LiveViews(self.progress)
        self.curves, self.activations, self.kernels = (self.live.curves, self.live.activations,
                                                       self.live.kernels)
        self._build_tabs()
        layout = FixedHeightLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)

        self.train_button.clicked.connect(self.start_training)
        self.pause_button.toggled.connect(self.set_paused)
        self.stop_button.clicked.connect(self.stop_training)
        self.reset_button.clicked.connect(self.reset_weights)
        self.controls.learning_rate_changed.connect(self._on_learning_rate)
        self.live.probe_changed.connect(self._on_probe_choice)
        self.state.tf_ready.connect(self._on_tf_ready)
        self.tabs.currentChanged.connect(lambda index: index == 0 and self.files.refresh_sources())
        QTimer.singleShot(0, self.files.refresh_sources)
        self.state.samples().listeners.append(self.files.refresh_own_count)  # drawn now
        self.state.drawing_changed.connect(self._on_drawing)
        self.state.spec_changed.connect(self._on_spec_changed)
        self._set_running(False)

    def _build_buttons(self) -> QGridLayout:
        """Train / Pause / Stop, Reset weights and the learning rate, in two rows (the dock may
        stay narrow)."""
        self.train_button = QPushButton("Train" if self.state.tf_loaded else LOADING_TEXT)
        self.train_button.setObjectName("train_button")
        self.train_button.setEnabled(self.state.tf_loaded)
        if not self.state.tf_loaded:
            self.train_button.setToolTip("Training needs TensorFlow, which is still loading; "
                                         "drawing and the builder work already.")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.stop_button = QPushButton("Stop")
        self.reset_button = QPushButton("Reset weights")
        self.reset_button.setToolTip("Forget the trained weights: the next training starts from "
                                     "new random weights")
        buttons = QGridLayout()
        for column, button in enumerate((self.train_button, self.pause_button, self.stop_button)):
            buttons.addWidget(button, 0, column)
        rate_label = QLabel("Learning rate")
        rate_label.setToolTip(self.controls.learning_rate.toolTip())
        rate_row = QHBoxLayout()
        rate_row.addWidget(rate_label)
        rate_row.addWidget(self.controls.learning_rate, 1)
        buttons.addWidget(self.reset_button, 1, 0)
        buttons.addLayout(rate_row, 1, 1, 1, 2)
        return buttons

    def _build_message(self) -> None:
        """The message line under the progress bar (three lines high, selectable)."""
        self.message = QLabel("Choose settings and press Train.")
        self.message.setObjectName("training_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._message_lines = self.message.fontMetrics().lineSpacing() * 3 + 4
        self.message.setMinimumHeight(self._message_lines)

    def _build_tabs(self) -> None:
        """The Settings, Live and Results tabs. All but Live scroll: a tab widget is as tall as
        its tallest page (the Results' matrix cut the Live tab off in a 1366x768 dock)."""
        self.confusion = ConfusionPanel()
        self.confusion.clear("The confusion matrix on the validation data appears when "
                             "training ends.")
        self.files = ModelFiles(self)
        results = QWidget()
        results_layout = QVBoxLayout(results)
        results_layout.addWidget(self.confusion, 1)
        results_layout.addWidget(self.files)
        self.tabs = QTabWidget()
        for page, name in ((self.controls, "Settings"), (self.live, "Live"), (results, "Results")):
            if page is not self.live:
                scroll = QScrollArea()
                scroll.setWidgetResizable(True)
                scroll.setWidget(page)
                page = scroll
            self.tabs.addTab(page, name)

    # ------------------------------------------------------------ training
    @property
    def running(self) -> bool:
        """Whether a training run (or its data preparation) is in progress (until its end
        has been handled here)."""
        return self._active

    def start_training(self) -> bool:
        """Freeze the builder's spec and start a run (after checking it).

        Returns:
            Whether a run started.
        """
        if self.running:
            return False
        spec = self._checked_spec()
        if spec is None:
            return False
        self.files.refresh_sources()
        config = dict(self.state.train_config)
        continuing = self.model is not None and self.model_spec is not None and \
            self.model_spec.layers == spec.layers
        if not continuing:
            self.epochs_done = 0
        job = TrainJob(spec=spec, config=config, data=self.state.data_choice,
                       model=self.model if continuing else None)
        self.model_spec = spec
        if self.run is not None:
            self.run.join()  # the previous run's thread is ending (its end was handled already)
        self.worker = worker = TrainingWorker(job)
        self._on_probe_choice()
        worker.data_progress.connect(self._on_data_progress)
        worker.status.connect(self._on_status)
        worker.model_built.connect(self._on_model_built)
        worker.batch.connect(self.live.add_batch)
        worker.epoch_done.connect(self._on_epoch)
        worker.snapshot.connect(self._on_snapshot)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        self.confusion.clear("Training...")
        self.progress.setRange(0, 0)
        self.progress.set_text("Preparing...")
        self.last_report = None
        self._active = True
        self._set_running(True)
        self.tabs.setCurrentIndex(1)
        self.live.start_run(spec, config["epochs"], config["batch_size"])
        self._runs += 1  # a new name: the previous run's task may not have been forgotten yet
        self.run = self.runner.start(f"training-{self._runs}", lambda _state: worker.run())
        return True

    def _checked_spec(self):
        from cnn_studio.model.spec.analysis import analyze, with_output_layer

        spec = self.state.spec if self.state.spec is not None else self.state.model_spec
        problems = training_problems(spec)
        if problems is None:
            return spec
        if spec is not None and problems.endswith(NO_OUTPUT_LINE):
            answer = QMessageBox.question(
                self, "No output layer",
                "The network does not end in an output layer with one unit per letter "
                "(Dense 26, softmax), so it cannot be trained to classify letters.\n\n"
                "Append that output layer and train?")
            if answer == QMessageBox.StandardButton.Yes:
                spec = with_output_layer(spec)
                self.files.put_spec_in_builder(spec, "Add output layer")
                if analyze(spec).valid:
                    return spec
                problems = training_problems(spec)
        self._show_spec_problems(problems)
        return None

    def _show_spec_problems(self, problems: str) -> None:
        self._show_message(problems, error=True)
        self._spec_problem = True

    def _on_spec_changed(self, spec) -> None:
        """Keep a shown list of the network's problems true to the network now in the builder."""
        if not self._spec_problem or self.running:
            return
        problems = training_problems(spec)
        if problems is None:
            self._show_message("The network can be trained now: press Train.")
        else:
            self._show_spec_problems(problems)

    def stop_training(self) -> None:
        """Ask the run to stop within one batch (or cancel the data preparation)."""
        if self.worker is not None and self.running:
            self.worker.request_stop()
            self.stop_button.setEnabled(False)
            self.pause_button.setEnabled(False)
            self._show_message("Stopping after the current batch...")

    def set_paused(self, paused: bool) -> None:
        """Pause or resume between batches (no CPU is used while paused)."""
        self.pause_button.setText("Resume" if paused else "Pause")
        if self.worker is None or not self.running:
            return
        self.worker.set_paused(paused)
        self.live.set_paused(paused)

    def reset_weights(self) -> None:
        """Forget the trained weights; the next Train starts from new random weights."""
        if self.running:
            return
        self.model = self.model_spec = None
        self.state.trained = False
        self.state.unsaved_model = False  # nothing trained is left to lose
        self.epochs_done = 0
        self.live.reset(self.controls.epochs.value())
        self.confusion.clear("Weights were reset.")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.set_text("Ready to train")
        self._show_message("Weights reset: the next training starts from new random weights.")

    def _set_running(self, running: bool) -> None:
        self.state.training = running
        # During a run the message keeps a fixed height: a message growing by a line would
        # shift and resize the plots, forcing full matplotlib redraws (the whole text is in
        # the tooltip and the status bar). Afterwards it may grow again.
        self.message.setMaximumHeight(self._message_lines if running else 16_777_215)
        self.controls.set_running(running)
        self.train_button.setEnabled(not running and self.state.tf_loaded)
        self.reset_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.pause_button.setEnabled(running)
        self.files.set_running(running)
        if not running:
            self.pause_button.blockSignals(True)
            self.pause_button.setChecked(False)
            self.pause_button.setText("Pause")
            self.pause_button.blockSignals(False)

    def shutdown(self) -> None:
        """Stop the run and wait for its thread (the window is closing)."""
        self.live.timer.stop()
        if self.run is not None:
            if self.worker is not None:
                self.worker.request_stop()
            self.run.join(STOP_WAIT_S)
        self.files.shutdown()

    # ------------------------------------------------------- worker signals
    def _on_data_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.set_text(f"Generating synthetic letters: {done} / {total}")

    def _on_status(self, text: str) -> None:
        self._show_message(text)
        if text.startswith("Paused at"):
            self.live.paused_at(text)

    def _on_model_built(self, model, names: list[str]) -> None:
        self.model = model
        self.live.set_layer_names(names)
        self.state.model_spec = self.model_spec
        self.state.model = model

    def _on_epoch(self, epoch: int, logs: dict, weights) -> None:
        self.live.add_epoch(epoch, logs)
        self.state.weights_updated.emit(weights)  # the worker already put them in self.model

    def _on_snapshot(self, activations, kernels) -> None:
        self.live.add_snapshot(activations, kernels, paused=self.pause_button.isChecked())

    def _on_finished(self, report: dict) -> None:
        self.live.end_run()
        self._active = False
        self._set_running(False)
        self.last_report = report
        if report.get("cancelled"):
            self.progress.setRange(0, 1)
            self.progress.set_text(report["message"])
            self._show_message(report["message"])
            return
        self.epochs_done += report["epochs_completed"]
        if self.model is not None:
            self.state.weights_updated.emit(report["weights"])  # already in self.model
            self.state.trained = True
            self.state.unsaved_model = True  # new weights, until File > Save trained model
        self.progress.set_text(("Diverged" if report["diverged"] else "Stopped"
                                 if report["stopped"] else "Finished")
                                + f" · {report['samples_per_s']:,.0f} samples/s")
        self._show_message(report["message"], error=report["diverged"])
        self.files.history = report["history"]
        if report["val_true"] is not None:
            self.confusion.set_results(report["val_true"], report["val_pred"],
                                       report["val_images"])
        else:
            self.confusion.clear("No validation data (validation share 0): no confusion matrix.")

    def _on_failed(self, message: str) -> None:
        self.live.end_run()
        self._active = False
        self._set_running(False)
        self.last_report = message
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.set_text("Training could not start")
        self._show_message(message, error=True)

    # --------------------------------------------------------------- inputs
    def _on_tf_ready(self, info: dict) -> None:
        self.controls.set_devices(info.get("devices", []))
        self.train_button.setText("Train")
        self.train_button.setToolTip("")
        self.train_button.setEnabled(not self.running)

    def _on_learning_rate(self, value: float) -> None:
        if self.worker is not None and self.running:
            self.worker.set_learning_rate(value)

    def _on_drawing(self, image) -> None:
        if self.worker is not None and self.running and not self.live.probe_is_sample:
            self.worker.set_probe(image)

    def _on_probe_choice(self) -> None:
        if self.worker is None:
            return
        if self.live.probe_is_sample:
            self.worker.set_probe_sample(self.live.probe_sample.value())
        else:
            self.worker.set_probe(self.state.image)

    def _show_message(self, text: str, error: bool = False) -> None:
        self._spec_problem = False
        self.message.setStyleSheet(f"color: {colours.css(colours.error_text())};" if error else "")
        self.message.setText(text)
        self.message.setToolTip(text)
        self.state.message.emit(text.splitlines()[0] if text else "")


def install(window) -> TrainingDashboard:
    """Put the dashboard in the training dock and connect the model file actions."""
    dashboard = TrainingDashboard(window.state)
    window.set_panel(window.training_dock, dashboard)
    dashboard.files.connect_actions(window.save_model_action, window.open_model_action,
                                    window.export_model_action)
    window.openers[".keras"] = dashboard.files.open_model_file
    window.add_shutdown_hook(dashboard.shutdown)
    return dashboard
