"""The dashboard's file work: save/open trained models, evaluate on real handwriting, exports.

Each job is a task of the window's task runner (``gui.common.tasks``), so the window never
waits for Keras to read or write a file. Failures (e.g. a ``.keras`` file with a
Lambda layer, which is refused because loading it would run code) are explained in a dialog.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QWidget,
)

from cnn_studio.gui.common import last_folder
from cnn_studio.gui.common.tasks import Task, Work
from cnn_studio.gui.training.export_action import ask_export


def count_sources(store) -> tuple[int, int | None]:
    """How many own samples ``store`` holds and how many EMNIST images were imported (None:
    not imported)."""
    from cnn_studio.model.data import emnist

    return sum(store.counts().values()), emnist.imported_count()


class ModelFiles(QWidget):
    """Buttons and results of the file jobs; also serves File > Save/Open trained model.

    Args:
        dashboard: the :class:`gui.training.panel.TrainingDashboard` it belongs to.
    """

    def __init__(self, dashboard) -> None:
        super().__init__()
        self.dashboard, self.state = dashboard, dashboard.state
        self.history: dict | None = None
        self.runner = self.state.runner
        self.evaluate_button = QPushButton("Evaluate on real handwriting...")
        self.evaluate_button.setObjectName("evaluate_button")
        self.evaluate_button.setToolTip("Measure the network on labelled letters written by "
                                        "people (a strokes-v1 file)")
        self.evaluate_result = QLabel("")
        self.evaluate_result.setObjectName("evaluate_result")
        self.evaluate_result.setWordWrap(True)
        self.png_button = QPushButton("Curves as PNG...")
        self.png_button.setToolTip("Save the loss and accuracy curves as a PNG image")
        self.csv_button = QPushButton("History as CSV...")
        self.csv_button.setToolTip("Save the per-epoch figures (loss, accuracy...) as CSV")
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.evaluate_button, 0, 0, 1, 2)
        layout.addWidget(self.evaluate_result, 1, 0, 1, 2)
        layout.addWidget(self.png_button, 2, 0)
        layout.addWidget(self.csv_button, 2, 1)
        self.evaluate_button.clicked.connect(self.ask_evaluate)
        self.png_button.clicked.connect(self.ask_save_png)
        self.csv_button.clicked.connect(self.ask_save_csv)

    def ask_export(self) -> None:
        """File > Export trained model."""
        ask_export(self, self)

    def set_running(self, running: bool) -> None:
        """Disable what must wait until training ends."""
        self.evaluate_button.setEnabled(not running)
        self.csv_button.setEnabled(not running)

    def refresh_own_count(self) -> None:
        """Update only the own-samples count (after every save: no EMNIST files re-read)."""
        self.dashboard.controls.refresh_own_count(sum(self.state.samples().counts().values()))

    def refresh_sources(self) -> None:
        """Update the data-source counts shown in the settings."""
        self.dashboard.controls.refresh_sources(*count_sources(self.state.samples()))

    # ------------------------------------------------------------- jobs
    #: the file jobs, named on the window's runner by what they do
    JOBS = ("save-model", "open-model", "evaluate", "save-csv")

    @property
    def tasks(self) -> list[str]:
        """The file jobs still running."""
        return [job for job in self.JOBS if self.runner.running(("model-files", job))]

    def run_task(self, name: str, fn, on_done, on_failed=None) -> Task | None:
        """Run ``fn()`` as the job ``name``; ``on_done(result)`` / ``on_failed(message)`` are
        called in the GUI thread. None (with a message) while the same job still runs."""
        key = ("model-files", name)
        if self.runner.running(key):
            self._show_error("That is still being done; try again when it has finished.")
            return None
        busy = Work.SAVE_MODEL if name == "save-model" else Work.MODEL_FILE
        return self.runner.start(key, lambda _state: fn(), on_done, on_failed or self._show_error,
                                 busy=busy)

    def shutdown(self) -> None:
        """Wait for the running file jobs (a bounded wait: a stuck one is left behind)."""
        tasks = [self.runner.task(("model-files", job)) for job in self.tasks]
        for task in tasks:
            if task is not None:
                task.join()

    def _show_error(self, message: str) -> None:
        self.dashboard.show_message(message, error=True)

    # ---------------------------------------------------------- model files
    def active_model(self):
        """``(model, spec)``: the one trained or opened here, else the app's active model."""
        if self.dashboard.model is not None:
            return self.dashboard.model, self.dashboard.model_spec
        return self.state.model, self.state.model_spec

    def ask_save_model(self) -> bool | Task:
        """File > Save trained model: the saving task, or False when nothing is saved."""
        if self.dashboard.running:
            self.dashboard.show_message("Wait for training to end (or stop it) before saving.")
            return False
        model, spec = self.active_model()
        if model is None:
            QMessageBox.information(self, "Save trained model",
                                    "There is no trained model yet: train one first.")
            return False
        from cnn_studio.model.nets.keras_code import model_name
        from cnn_studio.model.storage.paths import data_dir

        # The folder of the last model opened or saved (any way: dialog, recent, dropped);
        # else where networks were last kept; else the data folder.
        home = last_folder.folder("networks") or data_dir()
        default = str(home / f"{model_name(spec.name if spec else 'network')}.keras")
        path = last_folder.save_file(self, "models", "Save trained model", default,
                                     "Keras models (*.keras)")
        if not path:
            return False
        task = self.save_model_file(path if path.endswith(".keras") else path + ".keras")
        return task if task is not None else False

    def save_model_file(self, path: str) -> Task | None:
        """Save the active model and its spec to ``path`` in a worker."""
        model, spec = self.active_model()

        def save():
            from cnn_studio.model.nets.model_files import save_model_file

            save_model_file(model, spec, path)
            return path

        def saved(_result) -> None:
            last_folder.remember("models", path)
            if model is self.active_model()[0] and not self.dashboard.running:
                self.state.unsaved_model = False  # these weights are on disk now
            self.state.file_used.emit(path)
            self.dashboard.show_message(f"Saved the trained model to {path}.")

        return self.run_task("save-model", save, saved)

    def ask_open_model(self) -> None:
        """File > Open trained model."""
        from cnn_studio.model.storage.paths import data_dir

        path = last_folder.open_file(self, "models", "Open trained model", str(data_dir()),
                                     "Keras models (*.keras)")
        if path:
            self.open_model_file(path)

    def open_model_file(self, path: str) -> Task | None:
        """Load a ``.keras`` model (safely) in a worker and make it the active model."""
        if self.dashboard.running:
            self.dashboard.show_message("Stop training before opening another model.")
            return None

        def load():
            from cnn_studio.model.nets.model_files import open_model_and_spec

            return open_model_and_spec(path)

        def refused(message: str) -> None:
            self.dashboard.show_message(message, error=True)
            QMessageBox.warning(self, "Cannot open the model", message)

        return self.run_task("open-model", load, lambda result: self._opened(path, *result),
                             refused)

    def _opened(self, path: str, model, spec, note: str | None = None) -> None:
        last_folder.remember("models", path)  # opened from a recent file or a drop too
        self.dashboard.adopt_model(model, spec)
        self.state.set_model(model, spec, trained=True)  # just read from a file: nothing unsaved
        if spec is not None:  # None: a model made elsewhere, used read-only, as it is
            self.state.model_network_opened.emit(spec, str(path))
        self.state.file_used.emit(path)
        self.dashboard.show_message(f"Opened {Path(path).name}: it is now the active model."
                                    + (f" {note}." if note else ""))

    def put_spec_in_builder(self, spec, text: str) -> None:
        """Ask for ``spec`` in the layer builder (it becomes an undoable edit named ``text``)."""
        self.state.network_requested.emit(spec, text)

    # --------------------------------------------------------- evaluation
    def ask_evaluate(self) -> None:
        """Choose a strokes-v1 file (the real-handwriting set by default) and evaluate on it."""
        from cnn_studio.model.storage.paths import REAL_HANDWRITING, data_dir

        start = str(REAL_HANDWRITING) if REAL_HANDWRITING.is_file() else str(data_dir())
        path = last_folder.open_file(self, "strokes", "Evaluate on handwriting", start,
                                     "Strokes files (*.json)")
        if path:
            self.evaluate_file(path)

    def evaluate_file(self, path: str) -> Task | None:
        """Evaluate the active model on the labelled samples of a strokes-v1 file."""
        model = self.active_model()[0]
        if model is None:
            self.evaluate_result.setText("Train or open a model first.")
            return None
        self.evaluate_result.setText(f"Evaluating on {Path(path).name}...")

        def evaluate():
            from cnn_studio.model.training.evaluation import evaluate_strokes

            return evaluate_strokes(model, path)

        return self.run_task("evaluate", evaluate, lambda report: self._evaluated(path, report),
                             self.evaluate_result.setText)

    def _evaluated(self, path: str, report) -> None:
        def pct(value: float, count: int) -> str:
            return "no samples" if not count else f"{100 * value:.1f} % of {count}"

        self.evaluate_result.setText(
            f"<b>{Path(path).name}</b>: {100 * report.accuracy:.1f} % of {report.total} "
            f"correct · upper case {pct(report.upper_accuracy, report.n_upper)} · "
            f"lower case {pct(report.lower_accuracy, report.n_lower)}")

    # ------------------------------------------------------------- exports
    def ask_save_png(self) -> None:
        """Export the curves as a PNG image."""
        path = last_folder.save_file(self, "images", "Save curves", "training-curves.png",
                                     "PNG images (*.png)")
        if path:
            self.dashboard.curves.save_png(path)

    def ask_save_csv(self) -> None:
        """Write the history (one row per epoch) as CSV."""
        if not self.history:
            self.dashboard.show_message("No finished epoch yet: train first.")
            return
        path = last_folder.save_file(self, "exports", "Save history", "training-history.csv",
                                     "CSV files (*.csv)")
        if path:
            self.save_csv(path)

    def save_csv(self, path: str) -> Task | None:
        """Write the history to ``path`` in a worker."""
        history = dict(self.history or {})

        def write():
            from cnn_studio.model.training.loop import history_to_csv

            history_to_csv(history, path)
            return path

        return self.run_task("save-csv", write,
                             lambda _p: self.dashboard.show_message(f"Saved history to {path}."))
