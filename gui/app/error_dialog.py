"""Unexpected errors end in a message box naming the log file, not a trace on a hidden terminal.

:func:`install` replaces ``sys.excepthook`` (errors in Qt slots and the main thread) and
``threading.excepthook`` (worker threads). Each error is written to the log with its traceback
and shown in one window-modal box (further errors while it is open only update its count); the
app keeps running.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

LOG = logging.getLogger("cnn_studio.errors")
TITLE = "CNN Studio: unexpected error"


def error_text(exc: BaseException, log_file: Path | None) -> str:
    """What the box says: the error, that the app goes on, and where the details are."""
    first = (str(exc).splitlines() or [""])[0][:300]
    what = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    where = (f"The details are in the log file:\n{log_file}\nPlease attach it when you report "
             "the problem." if log_file else "No log file could be written.")
    return (f"Something went wrong inside CNN Studio:\n{what}\n\nThe app keeps running; save "
            f"your work and try again.\n\n{where}")


class ErrorReporter(QObject):
    """Logs uncaught exceptions and shows them; thread errors travel to the GUI thread."""

    _from_thread = Signal(object)

    def __init__(self, log_file: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_file = log_file
        self.box: QMessageBox | None = None
        self.count = 0
        self._previous = (sys.excepthook, threading.excepthook)
        self._from_thread.connect(self.show_error, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        """Become the process's exception hooks."""
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook

    def uninstall(self) -> None:
        """Put the previous hooks back."""
        sys.excepthook, threading.excepthook = self._previous

    def _excepthook(self, kind, exc, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous[0](kind, exc, tb)
            return
        LOG.error("Uncaught exception", exc_info=(kind, exc, tb))
        self.show_error(exc)

    def _thread_excepthook(self, args) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread else "?"
        LOG.error("Uncaught exception in thread %s", name,
                  exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
        self._from_thread.emit(args.exc_value)

    def show_error(self, exc: BaseException) -> None:
        """Show ``exc`` (or count it while a box is already open)."""
        self.count += 1
        if QApplication.instance() is None:
            traceback.print_exception(exc, file=sys.stderr)
            return
        text = error_text(exc, self.log_file)
        if self.box is not None and self.box.isVisible():
            self.box.setInformativeText(f"{self.count} errors so far; all are in the log.")
            return
        parent = QApplication.activeWindow()
        self.box = QMessageBox(QMessageBox.Icon.Critical, TITLE, text,
                               QMessageBox.StandardButton.Ok, parent)
        self.box.setObjectName("error_box")
        self.box.setDetailedText("".join(traceback.format_exception(exc)))
        self.box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.box.open()


def install(log_file: Path | None, parent: QObject | None = None) -> ErrorReporter:
    """Create an :class:`ErrorReporter` for ``log_file`` and install its hooks."""
    reporter = ErrorReporter(log_file, parent)
    reporter.install()
    return reporter
