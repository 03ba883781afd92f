"""The training dashboard: settings, live curves, activations and kernels, results.

Train freezes the builder's spec and runs :func:`gui.training.worker.run_training` as a task of
the window's runner; its partial results (batches, epochs, snapshots) go to
:class:`gui.training.live_views.LiveViews`; pause, step, slow motion, learning rate, probe and
stop are requests on the task. Saving, opening and evaluating models are tasks too (:mod:`gui.training.files`).
"""

from __future__ import annotations

import numpy as np
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
from cnn_studio.gui.common.bounded import BoundedSpinBox, with_note
from cnn_studio.gui.common.flow_layout import FixedHeightLayout
from cnn_studio.gui.common.shell import Action, Dock, Shell
from cnn_studio.gui.common.state import AppState
from cnn_studio.gui.common.tasks import Task, Work
from cnn_studio.gui.training import worker as run
from cnn_studio.gui.training.confusion_view import ConfusionPanel
from cnn_studio.gui.training.controls import TrainingControls
from cnn_studio.gui.training.files import ModelFiles
from cnn_studio.gui.training.live_views import LiveViews, StatusBar
from cnn_studio.model.spec.analysis import NO_OUTPUT_LINE, training_problems
from cnn_studio.model.spec.network import layer_kind
from cnn_studio.model.training.config import BATCH_RATE_RANGE

#: The Train button's text until TensorFlow has loaded (its tooltip says what loads).
LOADING_TEXT = "Train (loading...)"  # short: four buttons share the narrow dock's row

#: How long closing waits for a stopping run (it stops within one batch).
STOP_WAIT_S = 30.0


class TrainingDashboard(QWidget):
    """Everything about training one network, in the training dock.

    Built from the app state alone; :func:`install` connects the window's File menu to it.

    Args:
        state: the shared ``AppState``.
    """

    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        self.setObjectName("training_dashboard")
        self.runner = state.runner  # the run's busy state is state.training
        self.run: Task | None = None
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
        self.step_button.clicked.connect(self.step_once)
        self.slow_motion.valueChanged.connect(self._on_slow_motion)
        self.stop_button.clicked.connect(self.stop_training)
        self.reset_button.clicked.connect(self.reset_weights)
        self.controls.learning_rate_changed.connect(self._on_learning_rate)
        self.live.probe_changed.connect(self._on_probe_choice)
        self.state.tf_info_changed.connect(self._on_tf_ready)
        self.tabs.currentChanged.connect(lambda index: index == 0 and self.files.refresh_sources())
        QTimer.singleShot(0, self.files.refresh_sources)
        self.state.samples_changed.connect(self.files.refresh_own_count)  # drawn now
        self.state.drawing_changed.connect(self._on_drawing)
        self.state.spec_changed.connect(self._on_spec_changed)
        self._set_running(False)

    def _build_buttons(self) -> QGridLayout:
        """Train / Pause / Step / Stop, then Reset weights, the learning rate and slow motion, in
        two rows (the dock may stay narrow)."""
        self.train_button = QPushButton("Train" if self.state.tf_loaded else LOADING_TEXT)
        self.train_button.setObjectName("train_button")
        self.train_button.setEnabled(self.state.tf_loaded)
        if not self.state.tf_loaded:
            self.train_button.setToolTip("Training needs TensorFlow, which is still loading; "
                                         "drawing and the builder work already.")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.step_button = QPushButton("Step")
        self.step_button.setObjectName("step_button")
        self.step_button.setToolTip("While paused: train one batch, show its curves, "
                                    "activations and kernels, and hold again")
        self.stop_button = QPushButton("Stop")
        self.slow_motion = BoundedSpinBox("batches a second")
        self.slow_motion.setObjectName("slow_motion")
        self.slow_motion.setRange(0, int(BATCH_RATE_RANGE[1]))
        self.slow_motion.setSpecialValueText("off")
        self.slow_motion.setSuffix("/s")
        self.slow_motion.setToolTip(
            "Slow motion: train at most this many batches a second, every batch reported "
            "and the other views following the weights, to watch the kernels change "
            f"({BATCH_RATE_RANGE[0]:g} to {BATCH_RATE_RANGE[1]:g}; off: full speed). Works "
            "while training runs.")
        self.reset_button = QPushButton("Reset weights")
        self.reset_button.setToolTip("Forget the trained weights: the next training starts from "
                                     "new random weights")
        buttons = QGridLayout()
        for column, button in enumerate((self.train_button, self.pause_button,
                                         self.step_button, self.stop_button)):
            buttons.addWidget(button, 0, column)
        rate_label = QLabel("Learning rate")
        rate_label.setToolTip(self.controls.learning_rate.toolTip())
        rate_row = QHBoxLayout()
        rate_row.addWidget(rate_label)
        rate_row.addWidget(self.controls.learning_rate_field, 1)
        slow_label = QLabel("Slow")
        slow_label.setToolTip(self.slow_motion.toolTip())
        rate_row.addWidget(slow_label)
        rate_row.addWidget(with_note(self.slow_motion), 1)
        buttons.addWidget(self.reset_button, 1, 0)
        buttons.addLayout(rate_row, 1, 1, 1, 3)  # one row: the Live tab keeps its height
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
        config = self.state.config()
        continuing = self.model is not None and self.model_spec is not None and \
            self.model_spec.layers == spec.layers
        if not continuing:
            self.epochs_done = 0
        job = run.TrainJob(spec=spec, config=config, data=self.state.data_choice or
                           run.DataChoice(), model=self.model if continuing else None)
        self.model_spec = spec
        if self.run is not None:
            self.run.join()  # the previous run's thread is ending (its end was handled already)
        self.confusion.clear("Training...")
        self.progress.setRange(0, 0)
        self.progress.set_text("Preparing...")
        self.last_report = None
        self._active = True
        self._set_running(True)
        self.tabs.setCurrentIndex(1)
        self.live.start_run(spec, config.epochs, config.batch_size)
        self.run = self.runner.start(Work.TRAINING, lambda state: run.run_training(job, state),
                                     self._on_finished, self._on_failed, self._on_cancelled,
                                     self._on_partial)
        self._on_probe_choice()
        self._on_slow_motion(self.slow_motion.value())
        return True

    def request(self, value: object) -> None:
        """Send a request (``gui.training.worker.Pause``, ``Stop``...) to the running run."""
        if self.running:
            self.runner.request(Work.TRAINING, value)

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
        self.show_message(problems, error=True)
        self._spec_problem = True
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.set_text("Cannot train yet: fix the network (see below)")

    def _on_spec_changed(self, spec) -> None:
        """Keep a shown list of the network's problems true to the network now in the builder."""
        if not self._spec_problem or self.running:
            return
        problems = training_problems(spec)
        if problems is None:
            self.show_message("The network can be trained now: press Train.")
            self.progress.set_text("Ready to train")
        else:
            self._show_spec_problems(problems)

    def stop_training(self) -> None:
        """Ask the run to stop within one batch (or cancel the data preparation)."""
        if self.running:
            self.request(run.Stop())
            self.stop_button.setEnabled(False)
            self.pause_button.setEnabled(False)
            self.step_button.setEnabled(False)
            self.show_message("Stopping after the current batch...")

    def set_paused(self, paused: bool) -> None:
        """Pause or resume between batches (no CPU is used while paused)."""
        self.pause_button.setText("Resume" if paused else "Pause")
        if not paused:
            self.step_button.setEnabled(False)
        if not self.running:
            return
        self.request(run.Pause(paused))
        self.live.set_paused(paused)

    def step_once(self) -> None:
        """While paused: train one batch and hold again (everything shows that batch)."""
        if self.running and self.pause_button.isChecked():
            self.step_button.setEnabled(False)  # until the run holds again
            self.request(run.Step())

    def _on_slow_motion(self, per_second: int) -> None:
        self.request(run.BatchRate(float(per_second) if per_second else None))

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
        self.show_message("Weights reset: the next training starts from new random weights.")

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
        self.step_button.setEnabled(False)  # until a run holds at a batch
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
            self.request(run.Stop())
            self.run.join(STOP_WAIT_S)
        self.files.shutdown()

    # ------------------------------------------------------- the run's news
    def _on_partial(self, news: object) -> None:
        """One partial result of the run (see ``gui.training.worker``)."""
        if isinstance(news, run.BatchDone):
            self.live.add_batch(news.epoch, news.step, news.steps, news.loss, news.accuracy,
                                news.samples_per_s)
        elif isinstance(news, run.Snapshot):
            self.live.add_snapshot(news.activations, news.kernels,
                                   paused=self.pause_button.isChecked())
            self.live.show_probe(news.probe)
            if news.activations and news.probe == run.DRAWING_PROBE:  # the overview shows it
                self.state.training_snapshot.emit(news.activations)
            if news.weights is not None:  # paused or slow motion: the other views follow
                self.state.weights_updated.emit(news.weights)  # already in self.model
        elif isinstance(news, run.EpochDone):
            self.live.add_epoch(news.epoch, news.logs)
            self.state.weights_updated.emit(news.weights)  # already in self.model
        elif isinstance(news, run.DataProgress):
            self.progress.setRange(0, news.total)  # total 0: busy, size not known yet
            self.progress.setValue(news.done)
            self.progress.set_text(f"Preparing {news.source}: {news.done:,} / {news.total:,}"
                                   if news.total else f"Preparing {news.source}...")
            if not news.total:
                self.show_message(f"Preparing {news.source}...")
        elif isinstance(news, run.ModelBuilt):
            self.model = news.model
            self.live.set_layers(news.layer_names, news.layer_kinds)
            self.state.model_spec = self.model_spec
            self.state.model = news.model
        elif isinstance(news, run.PausedAt):
            self.step_button.setEnabled(self.pause_button.isChecked() and
                                        self.stop_button.isEnabled())
            self.show_message(news.text)
            self.live.paused_at(news.text)
        elif isinstance(news, run.StatusLine):
            self.show_message(news.text)

    def _run_ended(self) -> None:
        self.live.end_run()
        self._active = False
        self._set_running(False)

    def _on_cancelled(self, message: str) -> None:
        self._run_ended()
        self.last_report = message
        self.progress.setRange(0, 1)
        self.progress.set_text(message)
        self.show_message(message)

    def _on_finished(self, outcome: run.TrainOutcome) -> None:
        self._run_ended()
        self.last_report = outcome
        self.epochs_done += outcome.epochs_completed
        if self.model is not None:
            self.state.weights_updated.emit(outcome.weights)  # already in self.model
            self.state.trained = True
            self.state.unsaved_model = True  # new weights, until File > Save trained model
        self.progress.set_text(("Diverged" if outcome.diverged else "Stopped"
                                 if outcome.stopped else "Finished")
                                + f" · {outcome.samples_per_s:,.0f} samples/s")
        self.show_message(outcome.message, error=outcome.diverged)
        self.files.history = outcome.history
        if outcome.val_true is not None:
            self.confusion.set_results(outcome.val_true, outcome.val_pred, outcome.val_images)
        else:
            self.confusion.clear("No validation data (validation share 0): no confusion matrix.")

    def _on_failed(self, message: str) -> None:
        self._run_ended()
        self.last_report = message
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.set_text("Training could not start")
        self.show_message(message, error=True)

    # --------------------------------------------------------------- inputs
    def _on_tf_ready(self, info: dict) -> None:
        self.controls.set_devices(info.get("devices", []))
        self.train_button.setText("Train")
        self.train_button.setToolTip("")
        self.train_button.setEnabled(not self.running)

    def _on_learning_rate(self, value: float) -> None:
        self.request(run.LearningRate(value))

    def _on_drawing(self, image) -> None:
        if not self.live.probe_is_sample:
            self.request(run.Probe(image))

    def _on_probe_choice(self) -> None:
        if self.live.probe_is_sample:
            self.request(run.ProbeSample(self.live.probe_sample.value()))
        else:
            self.request(run.Probe(self.state.image))

    # ---------------------------------------------------------- the model
    def adopt_model(self, model, spec) -> None:
        """Show ``model`` (opened from a file) as the one trained here: its layers and kernels;
        the next Train continues it when the builder holds the same layers."""
        self.model, self.model_spec, self.epochs_done = model, spec, 0
        names = [layer.name for layer in model.layers]
        self.live.set_layers(names, [layer_kind(layer) for layer in model.layers])
        convs = [(name, layer) for name, layer in zip(names, model.layers, strict=True)
                 if hasattr(layer, "kernel") and len(layer.kernel.shape) == 4]
        self.kernels.set_kernels([np.asarray(layer.kernel) for _, layer in convs],
                                 [name for name, _ in convs])

    def unsaved_work(self) -> str | None:
        """Trained weights not saved to a file yet (the close guard asks)."""
        if not self.state.unsaved_model:
            return None
        return ("Save the trained model?\nThe trained weights have not been saved to a file."
                "\n\nSave them before closing?")

    def save_work(self) -> bool | Task:
        """File > Save trained model: asks for a file and saves in the background."""
        return self.files.ask_save_model()

    def show_message(self, text: str, error: bool = False) -> None:
        self._spec_problem = False
        self.message.setStyleSheet(f"color: {colours.css(colours.error_text())};" if error else "")
        self.message.setText(text)
        self.message.setToolTip(text)
        self.state.message.emit(text.splitlines()[0] if text else "")


def install(shell: Shell) -> TrainingDashboard:
    """Put the dashboard in the training dock; it serves the File menu's model actions."""
    dashboard = TrainingDashboard(shell.state)
    shell.put_in_dock(Dock.TRAINING, dashboard)
    files = dashboard.files
    shell.serve(Action.SAVE_MODEL, files.ask_save_model)
    shell.serve(Action.OPEN_MODEL, files.ask_open_model)
    shell.serve(Action.EXPORT_MODEL, files.ask_export)
    shell.add_opener(".keras", files.open_model_file)
    shell.add_shutdown_hook(dashboard.shutdown)
    return dashboard
