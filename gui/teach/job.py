"""The Teach flow's background work, as tasks of the window's runner (``gui.common.tasks``).

Each call runs a plain function given a ``progress(fraction, text)`` callback and a cancel
event; its progress, result, failure message or cancellation comes back as a signal in the GUI
thread. The runner turns errors into messages (``TeachError`` is a ``UserError``, so its text is
shown as it is) and ``TeachCancelled`` (a ``Cancelled``) into ``cancelled``. TensorFlow is only
imported by the functions.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from cnn_studio.gui.common.tasks import TaskRunner, TaskState, Work, join_all


class TeachJob(QObject):
    """Runs one function at a time (``check``, ``teach`` or ``save``) on the runner.

    Signals: ``progress(fraction, text)``, ``done(name, result)``, ``failed(name, message)``,
    ``cancelled(name)``.

    Args:
        runner: the window's task runner.
    """

    progress = Signal(float, str)
    done = Signal(str, object)
    failed = Signal(str, str)
    cancelled = Signal(str)

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.running: str | None = None

    def start(self, name: str, function: Callable) -> bool:
        """Run ``function(progress, cancel)`` as a task; False while another call runs."""
        if self.running is not None:
            return False
        self.running = name

        def job(state: TaskState):
            return function(lambda fraction, text: state.partial((fraction, text)), state.cancel)

        self.runner.start(("teach", name), job, lambda result: self.done.emit(name, result),
                          lambda message: self.failed.emit(name, message),
                          lambda _message: self.cancelled.emit(name),
                          lambda news: self.progress.emit(*news),
                          busy=Work.TEACH if name == "teach" else None)
        return True

    def cancel(self) -> None:
        """Ask the running call to stop."""
        if self.running is not None:
            self.runner.cancel(("teach", self.running))

    def finished(self) -> None:
        """The GUI took the result: the next call may start."""
        self.running = None

    def shutdown(self) -> None:
        """Cancel the running call and wait for it (bounded; the window is closing)."""
        task = None if self.running is None else self.runner.task(("teach", self.running))
        if task is not None:
            task.cancel()
            join_all([task.daemon])
