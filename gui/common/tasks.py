"""The one way the window runs long work: a plain function, a task state, and a runner.

A task is a plain function ``fn(state)`` (in the style of Orange3's ``TaskState``): it reports
with ``state.progress(done, total, text)`` and ``state.status(text)``, hands over partial results
with ``state.partial(value)`` (a training run's batches, epochs and activation snapshots), takes
requests sent to it while it runs with ``state.on_request(handler)`` (pause, learning rate) and
asks ``state.cancelled()`` (or passes ``state.cancel``, a ``threading.Event``, to library calls).
:class:`TaskRunner` runs each task in a daemon thread and delivers partial results and then
exactly one of done / failed / cancelled on the GUI thread.

A :class:`Lane` is the runner's latest-only mode, for live inference and explain mode: one
thread runs its calls in order, and a call submitted under a key replaces the one still waiting
under that key, so only the newest drawing is computed; an answer older than one already
delivered for its key is dropped.

Every thread of the window's background work is made here (daemon threads: stopping waits at
most ``JOIN_TIMEOUT_S``, a stuck one is left behind and ends with the process; a QThread still
running when its object is destroyed would abort the process).
"""

from __future__ import annotations

import enum
import itertools
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Hashable
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal, Slot
from shiboken6 import isValid

from cnn_studio.model.errors import Cancelled, describe_error, is_user_error

PROGRESS_INTERVAL_S = 0.1
JOIN_TIMEOUT_S = 2.0


class Work(enum.Enum):
    """The background work the window keeps track of (``AppState.busy``): one member each, so
    the modules that start, wait for and end a piece of work name it the same way."""

    PANELS = "installing the panels behind the dock tabs"
    TENSORFLOW = "loading TensorFlow"
    NUMPY_MODEL = "reading the default model with the numpy engine"
    LOAD_MODEL = "switching the model the canvas reads with"
    DRAW_PREDICTION = "answering the pre-drawn letter"
    EXPLAIN = "computing explain mode's numbers"
    SHOWN_NETWORK = "building the network being edited with its starting weights"
    TRAINING = "training a network"
    TEACH = "teaching the network the person's hand"
    SAVE_MODEL = "saving a trained model"
    MODEL_FILE = "opening a model or evaluating it"
    DATASET = "importing, generating or downloading letters"
    RUNS = "reading, measuring or comparing the kept runs"
    SESSION = "reading back the last launch's network"


class BusyMarks(Protocol):
    """Where the runner marks work busy (the window's ``AppState``)."""

    def begin_work(self, work: Work) -> None:
        """One more piece of ``work`` runs."""

    def end_work(self, work: Work) -> None:
        """One piece of ``work`` ended."""


def join_all(threads: list[threading.Thread], timeout_s: float | None = None) -> bool:
    """Join ``threads`` within one shared deadline (default ``JOIN_TIMEOUT_S``).

    Returns:
        True when all of them ended.
    """
    deadline = time.monotonic() + (JOIN_TIMEOUT_S if timeout_s is None else timeout_s)
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return not any(thread.is_alive() for thread in threads)


class TaskState:
    """What a running task sees: reporting, partial results, requests, and whether to stop.

    Args:
        task: the :class:`Task` it reports to.
    """

    def __init__(self, task: Task) -> None:
        self._task = task
        self.cancel: threading.Event = task.cancel_event

    def progress(self, done: int, total: int, text: str | None = None) -> None:
        """Report ``done`` of ``total`` steps (total 0 when unknown) and, optionally, a line."""
        self._task.report(int(done), int(total), text)

    def status(self, text: str) -> None:
        """Report a line describing the current step."""
        self._task.report(-1, -1, text)

    def partial(self, value: object) -> None:
        """Hand ``value`` to the GUI thread now (the starter's ``on_partial``), in order."""
        self._task.hand_over(value)

    def on_request(self, handler: Callable[[object], None]) -> None:
        """Call ``handler(request)`` (from the sender's thread: it must be thread-safe) for
        each request sent with :meth:`Task.request`, those already sent first, in order."""
        self._task.set_request_handler(handler)

    def cancelled(self) -> bool:
        """Whether the person asked the task to stop."""
        return self.cancel.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` once the person asked the task to stop."""
        if self.cancel.is_set():
            raise Cancelled("cancelled")


Job = Callable[[TaskState], Any]


class Task(QObject):
    """One running task: its thread, its cancel event, its requests and its callbacks.

    The thread emits the private ``_reported``, ``_handed`` and ``_ended`` signals; Qt
    queues them to this object's slots, so the runner and the callbacks hear of them in the
    GUI thread (a plain function connected to a signal would run in the emitting thread).
    """

    _reported = Signal(int, int, object)  # done, total, text (None: no line)
    _handed = Signal(object)              # a partial result
    _ended = Signal(int, object)          # FINISHED / FAILED / CANCELLED, result or message

    FINISHED, FAILED, CANCELLED = 0, 1, 2

    def __init__(self, name: Hashable, fn: Job, runner: TaskRunner,
                 on_partial: Callable[[Any], None] | None = None) -> None:
        super().__init__()
        self.name, self.fn, self.runner, self.on_partial = name, fn, runner, on_partial
        self.cancel_event = threading.Event()
        self.daemon = threading.Thread(target=self._run, name=f"task-{name}", daemon=True)
        self._last_report = 0.0
        self._lock = threading.Lock()
        self._requests: list[object] = []
        self._handler: Callable[[object], None] | None = None
        self._reported.connect(self._on_reported)
        self._handed.connect(self._on_handed)
        self._ended.connect(self._on_ended)

    def report(self, done: int, total: int, text: str | None) -> None:
        """Pass on progress (rate-limited) and status; called by the task's :class:`TaskState`."""
        if done >= 0 and text is None:
            now = time.monotonic()
            if now - self._last_report < PROGRESS_INTERVAL_S and not (total and done >= total):
                return
            self._last_report = now
        self._reported.emit(done, total, text)

    def hand_over(self, value: object) -> None:
        """Pass a partial result on to the GUI thread (see :meth:`TaskState.partial`)."""
        self._handed.emit(value)

    @Slot(int, int, object)
    def _on_reported(self, done: int, total: int, text: str | None) -> None:
        if not isValid(self.runner):
            return
        if text is not None:
            self.runner.status.emit(self.name, text)
        if done >= 0:
            self.runner.progress.emit(self.name, done, total)

    @Slot(object)
    def _on_handed(self, value: object) -> None:
        if self.on_partial is not None and self.runner.task(self.name) is self:
            self.on_partial(value)

    @Slot(int, object)
    def _on_ended(self, which: int, value: object) -> None:
        if isValid(self.runner):  # a window closed by a test may delete it before the end
            self.runner.task_ended(self, which, value)

    def request(self, value: object) -> None:
        """Send ``value`` to the running function (kept until it listens)."""
        with self._lock:
            handler = self._handler
            if handler is None:
                self._requests.append(value)
        if handler is not None:
            handler(value)

    def set_request_handler(self, handler: Callable[[object], None]) -> None:
        """Listen for requests (see :meth:`TaskState.on_request`)."""
        with self._lock:
            waiting, self._requests = self._requests, []
            for value in waiting:
                handler(value)
            self._handler = handler

    def cancel(self) -> None:
        """Ask the function to stop (it ends with ``cancelled``)."""
        self.cancel_event.set()

    def _run(self) -> None:
        """Run the function and end with exactly one of finished, failed or cancelled."""
        try:
            result = self.fn(TaskState(self))
        except Cancelled as exc:
            ending = (self.CANCELLED, str(exc) or "cancelled")
        except Exception as exc:  # noqa: BLE001 - a bad task must never take the app down
            if not is_user_error(exc):
                traceback.print_exc()
            ending = (self.FAILED, describe_error(exc))
        else:
            ending = ((self.CANCELLED, "cancelled") if self.cancel_event.is_set()
                      else (self.FINISHED, result))
        try:
            self._ended.emit(*ending)
        except RuntimeError:  # the window went while the task ran
            pass

    def running(self) -> bool:
        """Whether the task's thread still runs."""
        return self.daemon.is_alive()

    def join(self, timeout_s: float | None = None) -> bool:
        """Wait for the thread, at most ``timeout_s`` (default ``JOIN_TIMEOUT_S``)."""
        return join_all([self.daemon], timeout_s)


class TaskRunner(QObject):
    """Runs named tasks in daemon threads, one per name at a time; results on the GUI thread.

    Its signals carry each task's name; when ``finished``, ``failed`` or ``cancelled`` arrives
    the task's thread is ending, so the same name can start again. Callbacks given to
    :meth:`start` run right after the matching signal.

    Args:
        state: the window's ``AppState``: a task started with ``busy`` marks that work busy
            there while it runs.
    """

    progress = Signal(object, int, int)
    status = Signal(object, str)
    finished = Signal(object, object)
    failed = Signal(object, str)
    cancelled = Signal(object, str)

    def __init__(self, state: BusyMarks | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._tasks: dict[Hashable, tuple[Task, tuple, Work | None]] = {}
        self._lanes: list[Lane] = []

    def names(self) -> list[Hashable]:
        """The names of the tasks still running."""
        return list(self._tasks)

    def running(self, name: Hashable | None = None) -> bool:
        """Whether the task ``name`` (or any task) is still running."""
        return bool(self._tasks) if name is None else name in self._tasks

    def task(self, name: Hashable) -> Task | None:
        """The running task called ``name``, or None."""
        entry = self._tasks.get(name)
        return None if entry is None else entry[0]

    def start(self, name: Hashable, fn: Job, on_done: Callable[[Any], None] | None = None,
              on_failed: Callable[[str], None] | None = None,
              on_cancelled: Callable[[str], None] | None = None,
              on_partial: Callable[[Any], None] | None = None,
              busy: Work | None = None) -> Task:
        """Run ``fn(state)`` in a new thread under ``name``.

        Args:
            on_partial: called in the GUI thread with each ``state.partial(value)``.
            busy: the work to mark busy in the app state while the task runs.

        Raises:
            RuntimeError: a task called ``name`` is still running.
        """
        if name in self._tasks:
            raise RuntimeError(f"{name} is already running")
        task = Task(name, fn, self, on_partial)
        self._tasks[name] = (task, (on_done, on_failed, on_cancelled), busy)
        if busy is not None and self.state is not None:
            self.state.begin_work(busy)
        task.daemon.start()
        return task

    def task_ended(self, task: Task, which: int, value: object) -> None:
        """Forget the ended task, then announce it and call its callback (GUI thread)."""
        entry = self._tasks.get(task.name)
        if entry is None or entry[0] is not task:
            return
        del self._tasks[task.name]
        _, callbacks, busy = entry
        task.join()  # it emitted its last signal, so it is ending
        task.deleteLater()
        signal = (self.finished, self.failed, self.cancelled)[which]
        try:
            signal.emit(task.name, value)
            if callbacks[which] is not None:
                callbacks[which](value)
        finally:
            if busy is not None and self.state is not None:
                self.state.end_work(busy)

    def cancel(self, name: Hashable) -> None:
        """Ask the task called ``name`` to stop (it ends with ``cancelled``)."""
        task = self.task(name)
        if task is not None:
            task.cancel()

    def request(self, name: Hashable, value: object) -> bool:
        """Send ``value`` to the running task ``name``; False when no such task runs."""
        task = self.task(name)
        if task is not None:
            task.request(value)
        return task is not None

    def lane(self, name: str) -> Lane:
        """A new latest-only lane (its thread starts with its first call)."""
        lane = Lane(name, self)
        self._lanes.append(lane)
        return lane

    def shutdown(self, cancel: bool = True, timeout_s: float | None = None) -> bool:
        """Cancel (unless told not to) every task, stop the lanes and wait, with one bound.

        Returns:
            True when every thread ended; a stuck one is left behind (a daemon thread).
        """
        tasks = [task for task, _, _ in self._tasks.values()]
        if cancel:
            for task in tasks:
                task.cancel()
        threads = [task.daemon for task in tasks]
        for lane in self._lanes:
            threads.extend(lane.stop_thread())
        return join_all(threads, timeout_s)


_STOP = object()


class Lane(QObject):
    """One daemon thread running calls in order; the latest-only mode of the runner.

    :meth:`call` queues a call; :meth:`latest` queues one under a key, replacing the call still
    waiting under that key (only the newest is computed) and delivering its result to the GUI
    thread unless a newer one for the key was delivered already. ``pending_changed(bool)``
    says whether answers are awaited.

    Args:
        name: the thread's name (shows in debuggers).
    """

    answered = Signal(object, int, object, object)   # key, token, result, callback
    refused = Signal(object, int, str, object)       # key, token, message, callback
    pending_changed = Signal(bool)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._cond = threading.Condition()
        self._queue: deque = deque()
        self._waiting: dict[Hashable, tuple] = {}
        self._tokens = itertools.count(1)
        self._latest: dict[Hashable, int] = {}
        self._delivered: dict[Hashable, int] = {}
        self._thread: threading.Thread | None = None
        self._stopped = False
        self.answered.connect(self._deliver)
        self.refused.connect(self._deliver_failure)

    @property
    def pending(self) -> bool:
        """Whether a keyed call has not answered yet."""
        return bool(self._latest)

    def is_running(self) -> bool:
        """Whether the thread was started and has not ended."""
        return self._thread is not None and self._thread.is_alive()

    def _put(self, item) -> None:
        if self._stopped:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()
        with self._cond:
            self._queue.append(item)
            self._cond.notify()

    def call(self, function: Callable, *args) -> None:
        """Run ``function(*args)`` in the thread after the calls queued before it; a failure
        is printed (the function reports its own problems)."""
        self._put((function, args))

    def latest(self, key: Hashable, job: Callable[[], object],
               on_done: Callable[[Any], None],
               on_failed: Callable[[str], None] | None = None) -> int:
        """Compute ``job()`` for ``key`` unless a newer call for ``key`` replaces it first.

        ``on_done(result)`` (or ``on_failed(message)``) runs in the GUI thread. Returns the
        call's token (tokens grow with every call).
        """
        token = next(self._tokens)
        if self._stopped:
            return token
        was_idle = not self._latest
        self._latest[key] = token
        with self._cond:
            queued = key in self._waiting
            self._waiting[key] = (token, job, on_done, on_failed)
        if not queued:
            self._put(key)
        if was_idle:
            self.pending_changed.emit(True)
        return token

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    self._cond.wait()
                item = self._queue.popleft()
                keyed = None if isinstance(item, tuple) or item is _STOP else \
                    self._waiting.pop(item, None)
            if item is _STOP:
                return
            if isinstance(item, tuple):
                function, args = item
                try:
                    function(*args)
                except Exception:  # noqa: BLE001 - a failing call must not end the thread
                    traceback.print_exc()
            elif keyed is not None:
                self._run_keyed(item, *keyed)

    def _run_keyed(self, key: Hashable, token: int, job: Callable[[], object],
                   on_done: Callable, on_failed: Callable | None) -> None:
        try:
            result = job()
        except Exception as error:  # noqa: BLE001 - any failure becomes a message
            if not is_user_error(error):
                traceback.print_exc()
            self._emit(self.refused, key, token, describe_error(error), on_failed)
        else:
            self._emit(self.answered, key, token, result, on_done)

    @staticmethod
    def _emit(signal, *values) -> None:
        try:
            signal.emit(*values)
        except RuntimeError:  # the window (and this lane) went while the job ran
            pass

    def _accept(self, key: Hashable, token: int) -> bool:
        """Whether an answer is newer than the one delivered; forget it once it is the last."""
        if token <= self._delivered.get(key, 0):
            return False
        self._delivered[key] = token
        if self._latest.get(key) == token:
            del self._latest[key]
            if not self._latest:
                self.pending_changed.emit(False)
        return not self._stopped

    @Slot(object, int, object, object)
    def _deliver(self, key, token: int, result, callback) -> None:
        if self._accept(key, token):
            callback(result)

    @Slot(object, int, str, object)
    def _deliver_failure(self, key, token: int, message: str, callback) -> None:
        if self._accept(key, token) and callback is not None:
            callback(message)

    def stop_thread(self) -> list[threading.Thread]:
        """Forget the waiting calls and end the thread after the current one; returns the
        thread to join (none if it never started)."""
        self._stopped = True
        with self._cond:
            self._waiting.clear()
            self._queue.clear()
        if self._latest:
            self._latest.clear()
            self.pending_changed.emit(False)
        if self._thread is None:
            return []
        with self._cond:
            self._queue.append(_STOP)
            self._cond.notify()
        return [self._thread]

    def stop(self, timeout_s: float | None = None) -> bool:
        """Stop the thread, waiting at most ``timeout_s`` (default ``JOIN_TIMEOUT_S``).

        Returns:
            True when it ended; False when it is stuck and was left behind.
        """
        return join_all(self.stop_thread(), timeout_s)
