"""Background jobs of the dataset panel: synthetic letters, EMNIST import, download and loading.

A job is a plain function ``job(progress, cancel) -> result``: it reports ``progress(done,
total)`` and stops when the ``threading.Event`` ``cancel`` is set. :class:`TaskRunner` runs each
job through a :class:`DataTask` QObject in its own daemon thread (a stuck read never holds up
closing the window: see ``gui.common.daemon_thread``); the task emits plain Python and
numpy through signals and never touches a widget. Expected failures (bad files, no network)
arrive as ``failed(message)``; nothing raised by a job can crash the app.
"""

from __future__ import annotations

import threading
import time
import traceback
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from cnn_studio.gui.common.daemon_thread import join_all

PROGRESS_INTERVAL_S = 0.1
Job = Callable[[Callable[[int, int], None], threading.Event], object]


class JobCancelled(Exception):
    """Raised inside a job once the user pressed Cancel."""


def stopping(progress, cancel: threading.Event):
    """``progress`` that raises :class:`JobCancelled` once ``cancel`` is set.

    For library calls that report progress but take no cancel event: raising from their
    callback stops them between two steps.
    """

    def report(done: int, total: int, text: str | None = None) -> None:
        if cancel.is_set():
            raise JobCancelled("cancelled")
        progress(done, total, text)

    return report


def _expected_errors() -> tuple[type[BaseException], ...]:
    """Exception types whose message is already written for the user."""
    from cnn_studio.model.data.dataset import DatasetError
    from cnn_studio.model.ink.strokes import StrokesError

    return DatasetError, StrokesError, ValueError, OSError, MemoryError


def _cancel_types() -> tuple[type[BaseException], ...]:
    from cnn_studio.model.data.emnist import DownloadCancelled
    from cnn_studio.model.synth.generator import GenerationCancelled

    return JobCancelled, DownloadCancelled, GenerationCancelled


class DataTask(QObject):
    """Runs one job (``run``, called in the job's thread); every signal carries the job's name.

    Signals:
        progress(str, object, object): done and total (total 0 when unknown), ~10 a second.
        status(str, str): a line describing the current step.
        finished(str, object): the job's result.
        failed(str, str): a message for the user.
        cancelled(str, str): the job stopped because Cancel was pressed.
    """

    progress = Signal(str, object, object)
    status = Signal(str, str)
    finished = Signal(str, object)
    failed = Signal(str, str)
    cancelled = Signal(str, str)

    def __init__(self, name: str, job: Job, cancel: threading.Event) -> None:
        super().__init__()
        self.name = name
        self.job = job
        self.cancel = cancel
        self._last_report = 0.0

    def _report(self, done: int, total: int, text: str | None = None) -> None:
        if text is not None:
            self.status.emit(self.name, text)
        now = time.monotonic()
        if (text is not None or now - self._last_report >= PROGRESS_INTERVAL_S
                or (total and done >= total)):
            self._last_report = now
            self.progress.emit(self.name, int(done), int(total))

    @Slot()
    def run(self) -> None:
        """Run the job and emit exactly one of finished, failed or cancelled."""
        try:
            result = self.job(self._report, self.cancel)
        except _cancel_types() as exc:
            text = "cancelled" if isinstance(exc, JobCancelled) else str(exc)
            self.cancelled.emit(self.name, text)
        except MemoryError:
            self.failed.emit(self.name, "Not enough memory for this job. Close other programs "
                             "or use fewer samples.")
        except _expected_errors() as exc:
            self.failed.emit(self.name, str(exc))
        except Exception as exc:  # noqa: BLE001 - a bad job must never take the app down
            traceback.print_exc()
            self.failed.emit(self.name, f"Unexpected error: {type(exc).__name__}: {exc}")
        else:
            if self.cancel.is_set():
                self.cancelled.emit(self.name, "cancelled")
            else:
                self.finished.emit(self.name, result)


class TaskRunner(QObject):
    """Starts named jobs in their own threads, one job per name at a time.

    Its signals repeat those of :class:`DataTask` in the GUI thread; when ``finished``,
    ``failed`` or ``cancelled`` arrives the job's thread is already gone, so the same name can
    be started again at once.

    Args:
        state: the window's ``AppState`` (running jobs are marked busy there), or None.
    """

    progress = Signal(str, object, object)
    status = Signal(str, str)
    finished = Signal(str, object)
    failed = Signal(str, str)
    cancelled = Signal(str, str)

    def __init__(self, state=None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._tasks: dict[str, tuple[threading.Thread, DataTask]] = {}

    def running(self, name: str) -> bool:
        """Whether the job called ``name`` is still running."""
        return name in self._tasks

    def start(self, name: str, job: Job) -> None:
        """Run ``job`` in a new thread under ``name``.

        Raises:
            RuntimeError: a job called ``name`` is still running.
        """
        if name in self._tasks:
            raise RuntimeError(f"{name} is already running")
        task = DataTask(name, job, threading.Event())
        thread = threading.Thread(target=task.run, name=f"data-{name}", daemon=True)
        task.progress.connect(self.progress)
        task.status.connect(self.status)
        task.finished.connect(self._on_finished)
        task.failed.connect(self._on_failed)
        task.cancelled.connect(self._on_cancelled)
        self._tasks[name] = (thread, task)
        if self.state is not None:
            self.state.begin_task(f"data-{name}")
        thread.start()

    def _end(self, name: str) -> None:
        thread, task = self._tasks.pop(name)
        join_all([thread])  # it emitted its last signal, so it is ending
        task.deleteLater()
        if self.state is not None:
            self.state.end_task(f"data-{name}")

    @Slot(str, object)
    def _on_finished(self, name: str, result: object) -> None:
        self._end(name)
        self.finished.emit(name, result)

    @Slot(str, str)
    def _on_failed(self, name: str, message: str) -> None:
        self._end(name)
        self.failed.emit(name, message)

    @Slot(str, str)
    def _on_cancelled(self, name: str, message: str) -> None:
        self._end(name)
        self.cancelled.emit(name, message)

    def cancel(self, name: str) -> None:
        """Ask the job called ``name`` to stop (it ends with ``cancelled``)."""
        entry = self._tasks.get(name)
        if entry is not None:
            entry[1].cancel.set()

    def shutdown(self) -> bool:
        """Cancel every job and wait for the threads, at most ``JOIN_TIMEOUT_S`` in all.

        Returns:
            True when every thread ended; a stuck one is left behind (a daemon thread).
        """
        for _, task in self._tasks.values():
            task.cancel.set()
        return join_all([thread for thread, _ in self._tasks.values()])


# ------------------------------------------------------------------ jobs


def synthetic_job(n: int, seed: int) -> Job:
    """Job generating (or reading from the cache) ``n`` synthetic letters for ``seed``.

    Returns a job whose result is a ``model.data.datasets.Dataset``.
    """

    def job(progress, cancel):
        from cnn_studio.model.data.datasets import synthetic_dataset

        return synthetic_dataset(int(n), seed=int(seed), progress=progress, cancel=cancel)

    return job


def emnist_import_job(path: str | Path) -> Job:
    """Job importing EMNIST letters from ``path`` (gzip IDX pair, .mat or .csv) into the cache.

    Returns a job whose result is the number of imported images.
    """

    def job(progress, cancel):
        from cnn_studio.model.data import emnist

        return len(emnist.import_file(path, progress=stopping(progress, cancel)))

    return job


def emnist_download_job(url: str | None = None) -> Job:
    """Job downloading the official EMNIST archive and importing its letters.

    Args:
        url: the archive's address; None reads ``model.data.emnist.OFFICIAL_URL`` when it runs.

    Returns a job whose result is the number of imported images.
    """

    def job(progress, cancel):
        from cnn_studio.model.data import emnist

        progress(0, 0, "Downloading EMNIST...")
        archive = emnist.download(url or emnist.OFFICIAL_URL, progress=progress, cancel=cancel)
        progress(0, 0, "Extracting the letters...")
        imported = 0
        for images in emnist.extract_letters(archive):
            progress(0, 0, f"Importing {images.name}...")
            imported += len(emnist.import_file(images, progress=stopping(progress, cancel)))
        return imported

    return job


def emnist_files() -> list[Path]:
    """The cached EMNIST imports (npz files), oldest name first."""
    from cnn_studio.model.data import emnist

    return sorted(emnist.emnist_dir().glob("*.npz"))


def emnist_count() -> int | None:
    """Images in all cached EMNIST imports without loading them, or None when none."""
    total, found = 0, False
    for path in emnist_files():
        try:
            with np.load(path, allow_pickle=False) as data:
                total += len(data["y"])
                found = True
        except (OSError, KeyError, ValueError, EOFError, TypeError, zipfile.BadZipFile,
                zlib.error):
            continue  # a damaged cache is reported when the data is loaded, not here
    return total if found else None


def emnist_load_job() -> Job:
    """Job loading every cached EMNIST import for browsing.

    Returns a job whose result is ``(images uint8 (n, 28, 28), labels int64 (n,))``; images
    are kept as bytes to save memory (a float copy of all EMNIST letters is 400 MB).
    """

    def job(progress, cancel):
        from cnn_studio.model.data.dataset import load_npz

        files = emnist_files()
        images, labels = [], []
        for done, path in enumerate(files):
            if cancel.is_set():
                raise JobCancelled("cancelled")
            part = load_npz(path)
            images.append(np.rint(part.x[..., 0] * 255).astype(np.uint8))
            labels.append(part.y)
            del part
            progress(done + 1, len(files))
        if not images:
            return np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64)
        return np.concatenate(images), np.concatenate(labels)

    return job
