"""The Runs dock: every kept run in the window, and what the window does with one.

The :class:`~cnn_studio.gui.runs.runs_view.RunsView` lists the runs folder of the data home
(``CNN_STUDIO_HOME`` respected) and is read again whenever a training run or a Teach run ends
and whenever the dock comes to the front. Its requests are served here through the shell and
the shared state only: the builder gets a run's network (``state.network_requested``), the
canvas a run's model (the shell opens it as File > Open recent opens a ``.keras`` file), the
training form a run's settings and data (``state.train_config``, ``state.data_choice``), and
a comparison opens in a dialog owned by the shell, with the current drawing. Its long work
runs on the window's task runner, marked :attr:`Work.RUNS`. Deleted runs stay in the trash
(Edit > Undo brings them back) until the window closes.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, replace
from itertools import count

from PySide6.QtWidgets import QDialog, QVBoxLayout

from cnn_studio.gui.common.shell import Dock, NoUnsavedWork, Shell
from cnn_studio.gui.common.tasks import Work
from cnn_studio.gui.runs.compare_view import CompareView
from cnn_studio.gui.runs.runs_view import RunsView
from cnn_studio.model.runs.again import data_choice_of, train_config_of
from cnn_studio.model.runs.record import RunError, RunRecord
from cnn_studio.model.runs.store import RunStore
from cnn_studio.model.spec.files import from_json
from cnn_studio.model.spec.network import SpecError


class RunsPanel(NoUnsavedWork):
    """The runs view in the Runs dock, wired to the window (runs are saved as they are made).

    Args:
        shell: the window.
    """

    def __init__(self, shell: Shell) -> None:
        self.shell, self.state = shell, shell.state
        self.store = RunStore()
        self._names = count(1)
        self._stop = threading.Event()  # ends a Dense vs CNN experiment when the window closes
        self.view = RunsView(self.store, self.start_task, dense_vs_cnn=self.dense_vs_cnn)
        self.compare_dialog: QDialog | None = None
        self.compare_view: CompareView | None = None
        view = self.view
        view.open_network_requested.connect(self.open_network)
        view.use_model_requested.connect(self.use_model)
        view.train_again_requested.connect(self.train_again)
        view.compare_requested.connect(self.compare)
        self.state.training_changed.connect(lambda training: training or view.refresh())
        self.state.work_ended.connect(lambda work: work is Work.TEACH and view.refresh())
        self.state.drawing_changed.connect(self._drawing_changed)

    # -- the runner ----------------------------------------------------------------------------
    def start_task(self, fn, on_done) -> None:
        """Run ``fn()`` on the window's runner, then ``on_done(result)`` in the GUI thread; a
        failure becomes a line in the status bar and the view's status."""
        def failed(message: str) -> None:
            self.view.status.setText(message)
            self.state.message.emit(message)

        self.shell.runner.start(("runs", next(self._names)), lambda _task: fn(), on_done,
                                failed, busy=Work.RUNS)

    def dense_vs_cnn(self):
        """The seeds' experiment on the training form's letters and settings (same seed for
        both networks); runs off the GUI thread and returns its ``Experiment``."""
        from cnn_studio.model.data.datasets import DataChoice, training_data
        from cnn_studio.model.runs.dense_vs_cnn import run_experiment

        config = self.state.config().validate()
        choice = replace(self.state.data_choice or DataChoice(), vary_real=config.augment)
        data, val = training_data(choice, config.val_fraction, config.seed, cancel=self._stop)
        info = {"source": "window", "choice": asdict(choice),
                "val_fraction": config.val_fraction, "augment": config.augment}
        return run_experiment(self.store, (data, val if val is not None and len(val) else None),
                              config, info, stop_event=self._stop)

    # -- the view's requests -------------------------------------------------------------------
    def open_network(self, spec) -> None:
        """Show a run's network in the layer builder (an undoable builder edit)."""
        self.state.network_requested.emit(spec, f"Open network {spec.name} of a run")
        self.shell.show_dock(Dock.BUILDER)

    def use_model(self, path: str) -> None:
        """Let the canvas read with a run's model: opened as File > Open recent opens it."""
        self.view.status.setText("Opening the run's model; the canvas reads with it once "
                                 "it is loaded.")
        self.shell.open_path(path)

    def train_again(self, record: RunRecord) -> None:
        """Put a run's network, settings and data choice in the builder and the training form,
        then bring the Training dock forward (Train starts it)."""
        try:
            config = train_config_of(record)
            spec = from_json(json.dumps(record.network))
        except (RunError, SpecError) as error:
            self.view.status.setText(str(error))
            return
        choice = data_choice_of(record)
        self.state.network_requested.emit(spec, f"Network of run {record.name}")
        self.state.train_config = config
        if choice is not None:
            self.state.data_choice = choice
        self.view.status.setText(
            f"The network, settings{' and data' if choice is not None else ''} of run "
            f"{record.name} are in the builder and the Training dock: press Train there."
            + ("" if choice is not None else " The run does not say which letters it used; "
               "the data choice is unchanged."))
        self.shell.show_dock(Dock.TRAINING)

    def compare(self, records: list, explanation: list) -> None:
        """Open (or bring forward) the comparison of ``records`` with the current drawing."""
        if self.compare_dialog is None:
            dialog = QDialog()
            dialog.setObjectName("compare_dialog")
            dialog.setWindowTitle("Compare runs")
            self.compare_view = CompareView(self.store, self.start_task)
            QVBoxLayout(dialog).addWidget(self.compare_view)
            dialog.resize(1100, 720)
            self.shell.own_dialog(dialog)
            self.compare_dialog = dialog
        self.compare_view.set_runs(records, explanation)
        self.compare_view.set_drawing(self.state.image)
        self.compare_dialog.show()
        self.compare_dialog.raise_()

    def _drawing_changed(self, image) -> None:
        if self.compare_dialog is not None and self.compare_dialog.isVisible():
            self.compare_view.set_drawing(image)

    # -- the window closing --------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop an experiment under way, close the comparison and empty the trash of deleted
        runs."""
        self._stop.set()
        if self.compare_dialog is not None:  # closed while the window still holds it
            self.compare_dialog.close()
        try:
            self.store.empty_trash()
        except (RunError, OSError) as error:
            self.state.message.emit(f"The deleted runs could not all be removed: {error}")


def install(shell: Shell) -> RunsPanel:
    """Put the runs view in the Runs dock; Edit > Undo takes its deletes and renames back."""
    panel = RunsPanel(shell)
    shell.put_in_dock(Dock.RUNS, panel.view)
    shell.on_dock_shown(Dock.RUNS, panel.view.refresh)
    shell.register_undo(panel.view, panel.view.undo_stack.undo, panel.view.undo_stack.redo,
                        panel.view.undo_stack)
    shell.add_shutdown_hook(panel.shutdown)
    panel.view.refresh()
    return panel
