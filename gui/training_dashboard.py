"""The training dashboard: settings, live curves, activations and kernels, results.

Train freezes the builder's spec and hands it to a :class:`gui.training_worker.TrainingWorker`
in its own thread. The worker's signals only store data and mark views dirty; one QTimer
repaints the dirty views at most :data:`REFRESH_HZ` times a second, so the GUI thread leaves
the CPU to TensorFlow. Saving, opening and evaluating models run in short-lived workers too.
"""

from __future__ import annotations

import re

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui.activation_view import ActivationView
from gui.confusion_view import ConfusionPanel
from gui.kernel_view import KernelView
from gui.plots import LiveCurves
from gui.training_controls import TrainingControls
from gui.training_files import ModelFiles
from gui.training_worker import ThreadedRun, TrainingWorker, TrainJob

REFRESH_HZ = 4
SLICE_GAP_MS = 4
_KIND = re.compile(r"^\d+_([a-z0-9]+)$")


def layer_kind(name: str) -> str:
    """The spec kind in a layer name such as ``01_conv2d`` (``layer`` when there is none)."""
    match = _KIND.match(name)
    return match.group(1) if match else "layer"


def format_eta(seconds: float) -> str:
    """``1:05:03`` / ``4:07`` style remaining time."""
    seconds = int(max(seconds, 0))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TrainingDashboard(QWidget):
    """Everything about training one network, in the training dock.

    Args:
        window: the main window (its ``state`` carries the spec, drawing and model signals).
    """

    def __init__(self, window) -> None:
        super().__init__()
        self.window, self.state = window, window.state
        self.setObjectName("training_dashboard")
        self.run: ThreadedRun | None = None
        self.worker: TrainingWorker | None = None
        self.model = None          # the app's copy of the network trained here (or opened)
        self.model_spec = None
        self.epochs_done = 0
        self.names: list[str] = []
        self._pending_activations = self._pending_kernels = None
        self._slices: list = []
        self._progress_text = ""
        self._last_batch = (0, 0, 0.0, 0.0)
        self._rate = 0.0
        self._steps_total = 0
        self._progress_value = 0
        self._active = False
        self.last_report: dict | str | None = None  # the latest run's end (report or message)

        self.controls = TrainingControls()
        self.train_button = QPushButton("Train")
        self.train_button.setObjectName("train_button")
        self.train_button.setEnabled(self.state.tf_loaded)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.stop_button = QPushButton("Stop")
        self.reset_button = QPushButton("Reset weights")
        self.reset_button.setToolTip("Forget the trained weights: the next training starts from "
                                     "new random weights")
        buttons = QHBoxLayout()
        for button in (self.train_button, self.pause_button, self.stop_button, self.reset_button):
            buttons.addWidget(button)
        buttons.addSpacing(8)
        buttons.addWidget(QLabel("Learning rate"))
        buttons.addWidget(self.controls.learning_rate)
        self.progress = QProgressBar()
        self.progress.setObjectName("training_progress")
        self.progress.setTextVisible(True)
        self.progress.setFormat("Ready to train")
        self.progress.setValue(0)
        self.message = QLabel("Choose settings and press Train.")
        self.message.setObjectName("training_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._message_lines = self.message.fontMetrics().lineSpacing() * 3 + 4
        self.message.setMinimumHeight(self._message_lines)

        self.curves = LiveCurves()
        self.activations = ActivationView()
        self.activations.heading.setText("<b>Activations (live)</b>")
        self.activations.clear("Activations of the drawing (or a sample) appear while training.")
        self.probe_choice = QComboBox()
        self.probe_choice.addItems(["the drawing", "data sample"])
        self.probe_sample = QSpinBox()
        self.probe_sample.setRange(0, 100_000)
        self.probe_sample.setEnabled(False)
        probe_row = QHBoxLayout()
        probe_row.addWidget(QLabel("Activations of"))
        probe_row.addWidget(self.probe_choice)
        probe_row.addWidget(self.probe_sample)
        probe_row.addStretch(1)
        act_box = QWidget()
        act_layout = QVBoxLayout(act_box)
        act_layout.setContentsMargins(0, 0, 0, 0)
        act_layout.addLayout(probe_row)
        act_layout.addWidget(self.activations, 1)
        self.kernels = KernelView()
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(act_box)
        lower.addWidget(self.kernels)
        lower.setSizes([300, 200])
        live = QSplitter(Qt.Orientation.Vertical)
        live.addWidget(self.curves)
        live.addWidget(lower)
        live.setSizes([260, 300])

        self.confusion = ConfusionPanel()
        self.confusion.clear("The confusion matrix on the validation data appears when "
                             "training ends.")
        self.files = ModelFiles(self)
        results = QWidget()
        results_layout = QVBoxLayout(results)
        results_layout.addWidget(self.confusion, 1)
        results_layout.addWidget(self.files)

        settings = QScrollArea()
        settings.setWidgetResizable(True)
        settings.setWidget(self.controls)
        self.tabs = QTabWidget()
        self.tabs.addTab(settings, "Settings")
        self.tabs.addTab(live, "Live")
        self.tabs.addTab(results, "Results")

        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(1000 // REFRESH_HZ)
        self.timer.timeout.connect(self._tick)
        self.train_button.clicked.connect(self.start_training)
        self.pause_button.toggled.connect(self.set_paused)
        self.stop_button.clicked.connect(self.stop_training)
        self.reset_button.clicked.connect(self.reset_weights)
        self.controls.learning_rate_changed.connect(self._on_learning_rate)
        self.probe_choice.currentIndexChanged.connect(self._on_probe_choice)
        self.probe_sample.valueChanged.connect(self._on_probe_choice)
        self.state.tf_ready.connect(self._on_tf_ready)
        self.state.drawing_changed.connect(self._on_drawing)
        self._set_running(False)

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
        config = self.controls.config_values()
        continuing = self.model is not None and self.model_spec is not None and \
            self.model_spec.layers == spec.layers
        if not continuing:
            self.epochs_done = 0
            self.curves.reset(config["epochs"])
        else:
            self.curves.extend_epochs(self.epochs_done + config["epochs"])
        job = TrainJob(spec=spec, config=config, data=self.controls.data_choice(),
                       model=self.model if continuing else None)
        self.model_spec = spec
        if self.run is not None:
            self.run.join()  # the previous thread is ending (its end was handled already)
        self.worker = worker = TrainingWorker(job)
        worker.set_probe(self._probe_image())
        if self.probe_choice.currentIndex() == 1:
            worker.set_probe_sample(self.probe_sample.value())
        worker.data_progress.connect(self._on_data_progress)
        worker.status.connect(self._show_message)
        worker.model_built.connect(self._on_model_built)
        worker.batch.connect(self._on_batch)
        worker.epoch_done.connect(self._on_epoch)
        worker.snapshot.connect(self._on_snapshot)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        self.run = ThreadedRun(worker, [worker.finished, worker.failed], "training")
        self.confusion.clear("Training...")
        self._progress_text = ""
        self._last_batch = (0, 0, 0.0, 0.0)
        self._rate = 0.0
        self.progress.setRange(0, 0)
        self.progress.setFormat("Preparing...")
        self.last_report = None
        self._active = True
        self._set_running(True)
        self.tabs.setCurrentIndex(1)
        self._prepare_views(spec)
        self.run.start()
        self.timer.start()
        return True

    def _prepare_views(self, spec) -> None:
        """Lay out the live views now, while the CPU is free, so that updates during training
        only change pixels: the curves' axes and one activation row per layer (empty maps)."""
        from model.keras_code import layer_name
        from model.spec import analyze

        self.layout().activate()  # settle the geometry first: a later resize means a redraw
        self.curves.set_live(True)
        self.curves.draw_now()
        report = analyze(spec)
        names = [layer_name(i, layer.kind) for i, layer in enumerate(spec.layers)]
        shapes = [tuple(layer.output_shape) for layer in report.layers]
        if all(shapes) and len(shapes) == len(names):
            self.names = names
            self.activations.set_activations([np.zeros(s, np.float32) for s in shapes], names,
                                             [layer_kind(n) for n in names])

    def _checked_spec(self):
        from model.spec import analyze, with_output_layer

        spec = self.state.spec if self.state.spec is not None else self.state.model_spec
        if spec is None:
            self._show_message("There is no network to train: build one in the layer builder "
                               "or pick a preset there.", error=True)
            return None
        report = analyze(spec)
        if report.valid and report.has_output_layer:
            return spec
        if not report.has_output_layer and not [e for e in report.errors if "output" not in e]:
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
        problems = "\n".join(f"- {error}" for error in analyze(spec).errors) or \
            "- the network has no output layer (Dense 26, softmax)"
        self._show_message("The network cannot be trained yet:\n" + problems, error=True)
        return None

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
        if paused:
            self.refresh()
            self.timer.stop()
            self.progress.setFormat(self.progress.format() + "  (paused)")
        else:
            self.timer.start()

    def reset_weights(self) -> None:
        """Forget the trained weights; the next Train starts from new random weights."""
        if self.running:
            return
        self.model = self.model_spec = None
        self.epochs_done = 0
        self.curves.reset(self.controls.epochs.value())
        self.curves.refresh()
        self.kernels.clear()
        self.activations.clear("Activations appear while training.")
        self.confusion.clear("Weights were reset.")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Ready to train")
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
        self.timer.stop()
        if self.run is not None:
            if self.worker is not None:
                self.worker.request_stop()
            self.run.join()
        self.files.shutdown()

    # ------------------------------------------------------- worker signals
    def _on_data_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"Generating synthetic letters: {done} / {total}")

    def _on_model_built(self, model, names: list[str]) -> None:
        self.model = model
        self.names = [name for name in names]
        self.state.model = model
        self.state.model_spec = self.model_spec
        self.state.model_changed.emit(model)

    def _on_batch(self, epoch: int, step: int, steps: int, loss: float, accuracy: float,
                  rate: float) -> None:
        last_epoch, last_step, last_loss, last_acc = self._last_batch
        if epoch != last_epoch:
            last_step, last_loss, last_acc = 0, 0.0, 0.0
        span = max(step - last_step, 1)
        window_loss = (step * loss - last_step * last_loss) / span
        window_acc = (step * accuracy - last_step * last_acc) / span
        self._last_batch = (epoch, step, loss, accuracy)
        x = self.epochs_done + epoch - 1 + step / max(steps, 1)
        self.curves.add_train(x, window_loss, window_acc)
        self._rate = rate if self._rate == 0 else 0.7 * self._rate + 0.3 * rate
        epochs = self.worker.job.config["epochs"] if self.worker else epoch
        batch = self.worker.job.config["batch_size"] if self.worker else 1
        self._steps_total = epochs * steps
        done = (epoch - 1) * steps + step
        eta = (self._steps_total - done) * batch / max(self._rate, 1e-9)
        self._progress_value = done
        self._progress_text = (f"Epoch {epoch}/{epochs} · step {step}/{steps} · "
                               f"{self._rate:,.0f} samples/s · ETA {format_eta(eta)}")

    def _on_epoch(self, epoch: int, logs: dict, weights) -> None:
        self.curves.add_val(self.epochs_done + epoch, logs.get("val_loss", float("nan")),
                            logs.get("val_accuracy", float("nan")))
        self.state.weights_updated.emit(weights)  # the worker already put them in self.model

    def _on_snapshot(self, activations, kernels) -> None:
        self._pending_activations, self._pending_kernels = activations, kernels

    def refresh(self) -> None:
        """Repaint everything that changed since the last tick, at once."""
        self._slices = []
        for step in self._refresh_steps():
            step()

    def _tick(self) -> None:
        """The timer's tick (at most 4 Hz): repaint what changed, one view per event-loop pass.

        Slicing keeps each stretch of GUI-thread work short, so that the event loop (e.g. a
        click) is never kept waiting for the whole refresh while training loads the CPU.
        """
        self._slices = self._refresh_steps()
        self._next_slice()

    def _refresh_steps(self) -> list:
        return [self._refresh_curves, self._refresh_progress, self._refresh_activations,
                self._refresh_kernels]

    def _next_slice(self) -> None:
        while self._slices:
            if self._slices.pop(0)() and self._slices:
                QTimer.singleShot(SLICE_GAP_MS, self._next_slice)
                return

    def _refresh_curves(self) -> bool:
        return self.curves.refresh()

    def _refresh_progress(self) -> bool:
        if not self._progress_text:
            return False
        self.progress.setRange(0, max(self._steps_total, 1))
        self.progress.setValue(self._progress_value)
        self.progress.setFormat(self._progress_text)
        self._progress_text = ""
        return True

    def _refresh_activations(self) -> bool:
        activations, self._pending_activations = self._pending_activations, None
        if not activations or len(activations) != len(self.names):
            return False
        self.activations.set_activations(activations, self.names,
                                         [layer_kind(n) for n in self.names])
        return True

    def _refresh_kernels(self) -> bool:
        kernels, self._pending_kernels = self._pending_kernels, None
        if kernels is None:
            return False
        conv_names = [n for n in self.names if layer_kind(n) == "conv2d"]
        self.kernels.set_kernels(kernels, conv_names if len(conv_names) == len(kernels)
                                 else None)
        return True

    def _on_finished(self, report: dict) -> None:
        self.timer.stop()
        self.curves.set_live(False)
        self.refresh()
        self._active = False
        self._set_running(False)
        self.last_report = report
        if report.get("cancelled"):
            self.progress.setRange(0, 1)
            self.progress.setFormat(report["message"])
            self._show_message(report["message"])
            return
        self.epochs_done += report["epochs_completed"]
        if self.model is not None:
            self.state.weights_updated.emit(report["weights"])  # already in self.model
            self.state.trained = True
        self.progress.setFormat(("Diverged" if report["diverged"] else "Stopped"
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
        self.timer.stop()
        self.curves.set_live(False)
        self._active = False
        self._set_running(False)
        self.last_report = message
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Training could not start")
        self._show_message(message, error=True)

    # --------------------------------------------------------------- inputs
    def _on_tf_ready(self, info: dict) -> None:
        self.controls.set_devices(info.get("devices", []))
        self.train_button.setEnabled(not self.running)

    def _on_learning_rate(self, value: float) -> None:
        if self.worker is not None and self.running:
            self.worker.set_learning_rate(value)

    def _probe_image(self):
        image = self.state.image
        return None if self.probe_choice.currentIndex() == 1 else image

    def _on_drawing(self, image) -> None:
        if self.worker is not None and self.running and self.probe_choice.currentIndex() == 0:
            self.worker.set_probe(image)

    def _on_probe_choice(self, *_args) -> None:
        sample = self.probe_choice.currentIndex() == 1
        self.probe_sample.setEnabled(sample)
        if self.worker is None or not self.running:
            return
        if sample:
            self.worker.set_probe_sample(self.probe_sample.value())
        else:
            self.worker.set_probe(self.state.image)

    def _show_message(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "")
        self.message.setText(text)
        self.message.setToolTip(text)
        self.state.message.emit(text.splitlines()[0] if text else "")


def install(window) -> None:
    """Put the dashboard in the training dock and connect the model file actions."""
    dashboard = TrainingDashboard(window)
    window.training_dashboard = dashboard
    window.set_panel(window.training_dock, dashboard)
    dashboard.files.connect_actions()
    window.add_shutdown_hook(dashboard.shutdown)
