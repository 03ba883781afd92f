"""Worker threads that never hold up closing the window.

A QThread still running when its object is destroyed aborts the whole process, so a job stuck
for good (a stalled drive, a hung read) could only be waited for forever. The workers here are
Python daemon threads instead: stopping them waits at most ``JOIN_TIMEOUT_S``, after which a
stuck one is left behind and ends with the process. Their QObjects stay in the GUI thread;
signals they emit from the worker thread reach GUI-thread receivers queued, as from a QThread.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from collections.abc import Callable

JOIN_TIMEOUT_S = 2.0
_STOP = object()


def join_all(threads: list[threading.Thread], timeout_s: float | None = None) -> bool:
    """Join ``threads`` within one shared deadline (default ``JOIN_TIMEOUT_S``).

    Returns:
        True when all of them ended.
    """
    deadline = time.monotonic() + (JOIN_TIMEOUT_S if timeout_s is None else timeout_s)
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return not any(thread.is_alive() for thread in threads)


class CommandThread:
    """A daemon thread running queued calls one after the other, in order.

    Args:
        name: the thread's name (shows in debuggers).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()

    def is_running(self) -> bool:
        """Whether the thread was started and has not ended."""
        return self._thread is not None and self._thread.is_alive()

    def call(self, function: Callable, *args) -> None:
        """Run ``function(*args)`` in the thread after the calls queued before it."""
        self._queue.put((function, args))

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            function, args = item
            try:
                function(*args)
            except Exception:  # noqa: BLE001 - a failing call must not end the thread
                traceback.print_exc()

    def stop(self, timeout_s: float | None = None) -> bool:
        """Let the current call finish and end the thread, waiting at most ``timeout_s``
        (default ``JOIN_TIMEOUT_S``).

        Returns:
            True when the thread ended; False when it is stuck and was left behind (a daemon,
            it ends with the process).
        """
        self._queue.put(_STOP)
        if self._thread is None:
            return True
        return join_all([self._thread], timeout_s)
