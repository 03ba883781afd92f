"""The app's log file and its quiet start: TensorFlow's native noise goes to the log, not the terminal.

The log lives in the user's state folder (:func:`paths.state_dir`), rotated at 1 MB with three
old copies. Unless the person asks for it (``--verbose`` or ``CNN_STUDIO_VERBOSE=1``), what
native libraries write to file descriptor 2 (TensorFlow's ``cuInit`` and oneDNN lines, absl's
"before absl::InitializeLog()" warning) goes to the log too; Python's own ``sys.stderr`` (error
messages, tracebacks) still reaches the terminal.
"""

from __future__ import annotations

import logging
import os
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TextIO

from cnn_studio.model.storage import paths

LOG_NAME = "cnn-studio.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
LOG_HANDLER = "cnn-studio log file"  # the handlers' names, so a second call finds them
CONSOLE_HANDLER = "cnn-studio console"


def log_path() -> Path:
    """The current log file: ``$XDG_STATE_HOME/cnn-studio/cnn-studio.log`` (or under
    ``CNN_STUDIO_HOME/state``)."""
    return paths.state_dir() / LOG_NAME


def verbose_requested(flag: bool = False) -> bool:
    """Whether native libraries may write to the terminal (``--verbose``/``CNN_STUDIO_VERBOSE``)."""
    value = os.environ.get("CNN_STUDIO_VERBOSE", "").strip().lower()
    return flag or value not in ("", "0", "false", "no")


def quiet_tensorflow_defaults(verbose: bool) -> None:
    """Before TensorFlow is imported: errors only from its C++ logging and from absl."""
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        logging.getLogger("absl").setLevel(logging.ERROR)
    else:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0")


def _our_handler() -> RotatingFileHandler | None:
    for handler in logging.getLogger().handlers:
        if handler.name == LOG_HANDLER and isinstance(handler, RotatingFileHandler):
            return handler
    return None


def configure_logging(verbose: bool = False) -> Path | None:
    """Send Python logging to the rotated log file (and to stderr when ``verbose``).

    Idempotent. Returns the log file, or None when the state folder cannot be written (the app
    runs on without a log).
    """
    root = logging.getLogger()
    handler = _our_handler()
    try:
        path = log_path()
    except OSError as error:
        print(f"cnn-studio: no log file ({error}).", file=sys.stderr)
        return None
    if handler is not None and handler.baseFilename != os.path.abspath(path):
        root.removeHandler(handler)  # the state folder moved (CNN_STUDIO_HOME changed)
        handler.close()
        handler = None
    if handler is None:
        try:
            handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                          encoding="utf-8")
        except OSError as error:
            print(f"cnn-studio: no log file ({error}).", file=sys.stderr)
            return None
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.name = LOG_HANDLER
        root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    if verbose and not any(h.name == CONSOLE_HANDLER for h in root.handlers):
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        console.name = CONSOLE_HANDLER
        root.addHandler(console)
    return Path(handler.baseFilename)


class NativeStderrToLog:
    """Context manager: file descriptor 2 writes into the log file; ``sys.stderr`` stays on the
    terminal (through a duplicate of the original descriptor).

    Only the process's real stderr is moved; when ``sys.stderr`` was replaced (a test capturing
    output) it is left alone.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._saved_fd: int | None = None
        self._old_stderr: TextIO | None = None

    def __enter__(self) -> NativeStderrToLog:
        if self.path is None:
            return self
        try:
            sys.stderr.flush()
            target = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except (OSError, ValueError):
            return self
        self._saved_fd = os.dup(2)
        os.dup2(target, 2)
        os.close(target)
        if sys.stderr is sys.__stderr__ and sys.stderr is not None:
            self._old_stderr = sys.stderr
            sys.stderr = os.fdopen(os.dup(self._saved_fd), "w", buffering=1,
                                   encoding=sys.stderr.encoding, errors="backslashreplace")
        return self

    def __exit__(self, *exc_info) -> None:
        if self._saved_fd is None:
            return
        if self._old_stderr is not None:
            sys.stderr.flush()
            stream, sys.stderr = sys.stderr, self._old_stderr
            stream.close()
        os.dup2(self._saved_fd, 2)
        os.close(self._saved_fd)
        self._saved_fd = None
