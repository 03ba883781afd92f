"""The one way the window runs long work: a plain function, a task state, and a runner.

A task is a plain function ``fn(state)`` (in the style of Orange3's ``TaskState``): it reports
with ``state.progress(done, total, text)`` and ``state.status(text)`` and asks
``state.cancelled()`` (or passes ``state.cancel``, a ``threading.Event``, to library calls).
:class:`TaskRunner` runs each task in a daemon thread and delivers exactly one of
done / failed / cancelled on the GUI thread; stopping joins with a bound, so a stuck task never
holds up closing the window (it ends with the process). The latest-only inference mailbox and
the explain worker use the same daemon-thread primitives (``daemon_thread``).
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from cnn_studio.gui.common.daemon_thread import join_all
from cnn_studio.model.errors import Cancelled, describe_error, is_user_error

PROGRESS_INTERVAL_S = 0.1


class TaskState:
    """What a running task sees: progress and status reporting, and whether to stop.

    Args:
        report: ``report(done, total, text)`` called (rate-limited) with the progress.
        cancel: the event that asks the task to stop.
    """

    def __init__(self, report: Callable[[int, int, str | None], None],
                 cancel: threading.Event) -> None:
        self._report, self.cancel = report, cancel

    def progress(self, done: int, total: int, text: str | None = None) -> None:
        """Report ``done`` of ``total`` steps (total 0 when unknown) and, optionally, a line."""
        self._report(int(done), int(total), text)

    def status(self, text: str) -> None:
        """Report a line describing the current step."""
        self._report(-1, -1, text)

    def cancelled(self) -> bool:
        """Whether the person asked the task to stop."""
        return self.cancel.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` once the person asked the task to stop."""
        if self.cancel.is_set():
            raise Cancelled("cancelled")


Job = Callable[[TaskState], object]


class Task(QObject):
    """One running task: its thread, its cancel event and its result signals (internal)."""

    progress = Signal(str, object, object)
    status = Signal(str, str)
    finished = Signal(str, object)
    failed = Signal(str, str)
    cancelled = Signal(str, str)

    def __init__(self, name: str, fn: Job) -> None:
        super().__init__()
        self.name, self.fn = name, fn
        self.cancel = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"task-{name}", daemon=True)
        self._last_report = 0.0

    def _report(self, done: int, total: int, text: str | None) -> None:
        if text is not None:
            self.status.emit(self.name, text)
        if done < 0:
            return
        now = time.monotonic()
        if (text is not None or now - self._last_report >= PROGRESS_INTERVAL_S
                or (total and done >= total)):
            self._last_report = now
            self.progress.emit(self.name, done, total)

    def _run(self) -> None:
        """Run the function and emit exactly one of finished, failed or cancelled."""
        try:
            result = self.fn(TaskState(self._report, self.cancel))
        except Cancelled as exc:
            self.cancelled.emit(self.name, str(exc) or "cancelled")
        except Exception as exc:  # noqa: BLE001 - a bad task must never take the app down
            if not is_user_error(exc):
                traceback.print_exc()
            self.failed.emit(self.name, describe_error(exc))
        else:
            if self.cancel.is_set():
                self.cancelled.emit(self.name, "cancelled")
            else:
                self.finished.emit(self.name, result)

    def running(self) -> bool:
        """Whether the task's thread still runs."""
        return self.thread.is_alive()

    def join(self, timeout_s: float | None = None) -> bool:
        """Wait for the thread, at most ``timeout_s`` (default the daemon-thread bound)."""
        return join_all([self.thread], timeout_s)


class TaskRunner(QObject):
    """Runs named tasks in daemon threads, one per name at a time; results on the GUI thread.

    Its signals repeat those of each task in the GUI thread; when ``finished``, ``failed`` or
    ``cancelled`` arrives the task's thread is ending, so the same name can start again.
    Optional callbacks given to :meth:`start` run right after the matching signal.

    Args:
        state: the window's ``AppState`` (running tasks are marked busy there), or None.
    """

    progress = Signal(str, object, object)
    status = Signal(str, str)
    finished = Signal(str, object)
    failed = Signal(str, str)
    cancelled = Signal(str, str)

    def __init__(self, state=None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._tasks: dict[str, tuple[Task, tuple]] = {}

    def names(self) -> list[str]:
        """The names of the tasks still running."""
        return list(self._tasks)

    def running(self, name: str | None = None) -> bool:
        """Whether the task ``name`` (or any task) is still running."""
        return bool(self._tasks) if name is None else name in self._tasks

    def start(self, name: str, fn: Job, on_done=None, on_failed=None, on_cancelled=None) -> Task:
        """Run ``fn(state)`` in a new thread under ``name``.

        Raises:
            RuntimeError: a task called ``name`` is still running.
        """
        if name in self._tasks:
            raise RuntimeError(f"{name} is already running")
        task = Task(name, fn)
        task.progress.connect(self.progress)
        task.status.connect(self.status)
        task.finished.connect(self._on_finished)
        task.failed.connect(self._on_failed)
        task.cancelled.connect(self._on_cancelled)
        self._tasks[name] = (task, (on_done, on_failed, on_cancelled))
        if self.state is not None:
            self.state.begin_task(name)
        task.thread.start()
        return task

    def _end(self, name: str, which: int, value, signal) -> None:
        """Forget the ended task, then announce it and call its callback (GUI thread)."""
        task, callbacks = self._tasks.pop(name)
        task.join()  # it emitted its last signal, so it is ending
        task.deleteLater()
        try:
            signal.emit(name, value)
            if callbacks[which] is not None:
                callbacks[which](value)
        finally:
            if self.state is not None:
                self.state.end_task(name)

    @Slot(str, object)
    def _on_finished(self, name: str, result: object) -> None:
        self._end(name, 0, result, self.finished)

    @Slot(str, str)
    def _on_failed(self, name: str, message: str) -> None:
        self._end(name, 1, message, self.failed)

    @Slot(str, str)
    def _on_cancelled(self, name: str, message: str) -> None:
        self._end(name, 2, message, self.cancelled)

    def cancel(self, name: str) -> None:
        """Ask the task called ``name`` to stop (it ends with ``cancelled``)."""
        entry = self._tasks.get(name)
        if entry is not None:
            entry[0].cancel.set()

    def shutdown(self, cancel: bool = True) -> bool:
        """Cancel (unless told not to) every task and wait for the threads, with one bound.

        Returns:
            True when every thread ended; a stuck one is left behind (a daemon thread).
        """
        tasks = [task for task, _ in self._tasks.values()]
        if cancel:
            for task in tasks:
                task.cancel.set()
        return join_all([task.thread for task in tasks])
