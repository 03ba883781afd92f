"""Progress rows for background jobs: one line per running job with a progress bar and Cancel.

:class:`TaskPanel` starts the dataset's jobs on the window's one task runner (the state's
:class:`gui.common.tasks.TaskRunner`): starting a job adds its row, the job's end removes it and
is passed on through the panel's own signals.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from cnn_studio.gui.common.state import AppState
from cnn_studio.gui.common.tasks import Job, Work, join_all
from cnn_studio.gui.common.widgets import bar_layout


class TaskRow(QWidget):
    """What a background job is doing: a line of text, a progress bar and Cancel.

    Args:
        text: the first line, e.g. ``Importing emnist.csv...``.
        unit: ``'bytes'`` to show progress in MB, else plain counts.
    """

    def __init__(self, text: str, unit: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.unit = unit
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setMinimumWidth(150)
        self.bar.setMaximumWidth(200)
        self.cancel_button = QPushButton("Cancel")
        bar_layout(self, self.label, self.bar, self.cancel_button)

    def set_progress(self, done: int, total: int) -> None:
        """Show ``done`` of ``total`` (a busy bar when ``total`` is 0)."""
        if total <= 0:
            self.bar.setRange(0, 0)
            return
        self.bar.setRange(0, 1000)
        self.bar.setValue(min(1000, int(done * 1000 // total)))
        if self.unit == "bytes":
            self.bar.setFormat(f"{done / 2**20:,.0f} of {total / 2**20:,.0f} MB")
        else:
            self.bar.setFormat(f"{done:,} of {total:,}")


class TaskPanel(QWidget):
    """Runs named background jobs and shows a :class:`TaskRow` for each while it runs.

    Args:
        state: the window's ``AppState``: its runner runs the jobs (busy while they run).

    Signals:
        finished(str, object): job name and result.
        failed(str, str): job name and a message for the user.
        cancelled(str, str): job name and what was cancelled.
        changed(): a job started or ended.
    """

    finished = Signal(str, object)
    failed = Signal(str, str)
    cancelled = Signal(str, str)
    changed = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = state.runner
        self.rows: dict[str, TaskRow] = {}
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.runner.progress.connect(self._on_progress)
        self.runner.status.connect(self._on_status)

    @staticmethod
    def key(name: str) -> tuple[str, str]:
        """The job's name on the window's runner."""
        return ("dataset", name)

    def running(self, name: str) -> bool:
        """Whether job ``name`` runs."""
        return self.runner.running(self.key(name))

    def start(self, name: str, job: Job, text: str, unit: str = "") -> bool:
        """Start ``job`` as ``name`` with a row saying ``text``; False if it already runs."""
        if self.running(name):
            return False
        row = TaskRow(text, unit)
        row.setObjectName(f"task_{name}")
        row.cancel_button.clicked.connect(lambda: self.cancel(name))
        self.rows[name] = row
        self.box.addWidget(row)
        self.runner.start(self.key(name), job,
                          lambda result: self._finished(name, result),
                          lambda message: self._failed(name, message),
                          lambda message: self._cancelled(name, message), busy=Work.DATASET)
        self.changed.emit()
        return True

    def cancel(self, name: str) -> None:
        """Ask job ``name`` to stop."""
        self.runner.cancel(self.key(name))

    def shutdown(self) -> None:
        """Cancel every job and wait for the threads (one bound)."""
        tasks = [self.runner.task(self.key(name)) for name in self.rows]
        for task in tasks:
            if task is not None:
                task.cancel()
        join_all([task.daemon for task in tasks if task is not None])

    def _on_progress(self, key, done: int, total: int) -> None:
        if isinstance(key, tuple) and key[0] == "dataset":
            self._progress(key[1], done, total)

    def _on_status(self, key, text: str) -> None:
        if isinstance(key, tuple) and key[0] == "dataset":
            self._status(key[1], text)

    def _progress(self, name: str, done: int, total: int) -> None:
        if name in self.rows:
            self.rows[name].set_progress(done, total)

    def _status(self, name: str, text: str) -> None:
        if name in self.rows:
            self.rows[name].label.setText(text)

    def _remove(self, name: str) -> None:
        row = self.rows.pop(name, None)
        if row is not None:
            self.box.removeWidget(row)
            row.hide()
            row.deleteLater()
        self.changed.emit()

    def _finished(self, name: str, result: object) -> None:
        self._remove(name)
        self.finished.emit(name, result)

    def _failed(self, name: str, message: str) -> None:
        self._remove(name)
        self.failed.emit(name, message)

    def _cancelled(self, name: str, message: str) -> None:
        self._remove(name)
        self.cancelled.emit(name, message)
