"""The Teach flow's background work: one daemon thread, results back on the GUI thread.

Each call runs a plain function given a ``progress(fraction, text)`` callback and a cancel
event; its result, its failure message or its cancellation comes back as a signal, which Qt
delivers queued to receivers in the GUI thread. TensorFlow is only imported by the functions.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from cnn_studio.gui.common.daemon_thread import CommandThread

#: Errors whose message already says what to do.
_USER_ERRORS = ("TeachError", "DatasetError", "RealLettersError", "StrokesError",
                "ModelFileError", "SampleStoreError")


def describe(error: BaseException) -> str:
    """A message for the person: the error's own text for known kinds, else type and text."""
    if {cls.__name__ for cls in type(error).__mro__} & set(_USER_ERRORS) or isinstance(
            error, OSError | ValueError):
        return str(error)
    return f"{type(error).__name__}: {error}"


class TeachJob(QObject):
    """Runs one function at a time in a daemon thread.

    Signals: ``progress(fraction, text)``, ``done(name, result)``, ``failed(name, message)``,
    ``cancelled(name)``.
    """

    progress = Signal(float, str)
    done = Signal(str, object)
    failed = Signal(str, str)
    cancelled = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread = CommandThread("teach")
        self.cancel_event = threading.Event()
        self.running: str | None = None

    def start(self, name: str, function: Callable) -> bool:
        """Run ``function(progress, cancel)`` in the thread; False while another call runs."""
        if self.running is not None:
            return False
        self.running = name
        self.cancel_event = threading.Event()
        self.thread.start()
        self.thread.call(self._run, name, function, self.cancel_event)
        return True

    def cancel(self) -> None:
        """Ask the running call to stop."""
        self.cancel_event.set()

    def _run(self, name: str, function: Callable, cancel: threading.Event) -> None:
        try:
            result = function(self.progress.emit, cancel)
        except Exception as error:  # noqa: BLE001 - every failure ends in a message
            if type(error).__name__ == "TeachCancelled" or cancel.is_set():
                self.cancelled.emit(name)
                return
            if type(error).__name__ not in _USER_ERRORS:
                traceback.print_exc()
            self.failed.emit(name, describe(error))
            return
        self.done.emit(name, result)

    def finished(self) -> None:
        """The GUI took the result: the next call may start."""
        self.running = None

    def shutdown(self) -> None:
        """Cancel and stop the thread (bounded wait; the window is closing)."""
        self.cancel()
        self.thread.stop()
