"""Background jobs of the dataset panel: synthetic letters, EMNIST import, download and loading.

Each job is a plain function ``job(state) -> result`` for the window's one task runner
(``gui.common.tasks``): it reports through ``state.progress`` and stops once ``state.cancel`` is
set. Results are plain Python and numpy; expected failures (bad files, no network) arrive as a
message; nothing raised by a job can crash the app.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from cnn_studio.gui.common.tasks import Job, TaskState
from cnn_studio.model.errors import Cancelled


def stopping(progress, cancel: threading.Event):
    """``progress`` that raises :class:`Cancelled` once ``cancel`` is set.

    For library calls that report progress but take no cancel event: raising from their
    callback stops them between two steps.
    """

    def report(done: int, total: int, text: str | None = None) -> None:
        if cancel.is_set():
            raise Cancelled("cancelled")
        progress(done, total, text)

    return report


# ------------------------------------------------------------------ jobs


def synthetic_job(n: int, seed: int) -> Job:
    """Job generating (or reading from the cache) ``n`` synthetic letters for ``seed``.

    Returns a job whose result is a ``model.data.datasets.Dataset``.
    """

    def job(state: TaskState):
        progress, cancel = state.progress, state.cancel
        from cnn_studio.model.data.datasets import synthetic_dataset

        return synthetic_dataset(int(n), seed=int(seed), progress=progress, cancel=cancel)

    return job


def emnist_import_job(path: str | Path) -> Job:
    """Job importing EMNIST letters from ``path`` (gzip IDX pair, .mat or .csv) into the cache.

    Returns a job whose result is the number of imported images.
    """

    def job(state: TaskState):
        progress, cancel = state.progress, state.cancel
        from cnn_studio.model.data import emnist

        return len(emnist.import_file(path, progress=stopping(progress, cancel)))

    return job


def emnist_download_job(url: str | None = None) -> Job:
    """Job downloading the official EMNIST archive and importing its letters.

    Args:
        url: the archive's address; None reads ``model.data.emnist_download.OFFICIAL_URL`` when it runs.

    Returns a job whose result is the number of imported images.
    """

    def job(state: TaskState):
        progress, cancel = state.progress, state.cancel
        from cnn_studio.model.data import emnist, emnist_download

        progress(0, 0, "Downloading EMNIST...")
        archive = emnist_download.download(url or emnist_download.OFFICIAL_URL, progress=progress, cancel=cancel)
        progress(0, 0, "Extracting the letters...")
        imported = 0
        for images in emnist_download.extract_letters(archive):
            progress(0, 0, f"Importing {images.name}...")
            imported += len(emnist.import_file(images, progress=stopping(progress, cancel)))
        return imported

    return job


def emnist_files() -> list[Path]:
    """The cached EMNIST imports (npz files), oldest name first."""
    from cnn_studio.model.data import emnist

    return emnist.imported_files()


def emnist_count() -> int | None:
    """Images in all cached EMNIST imports without loading them, or None when none."""
    from cnn_studio.model.data import emnist

    return emnist.imported_count()


def emnist_load_job() -> Job:
    """Job loading every cached EMNIST import for browsing.

    Returns a job whose result is ``(images uint8 (n, 28, 28), labels int64 (n,))``; images
    are kept as bytes to save memory (a float copy of all EMNIST letters is 400 MB).
    """

    def job(state: TaskState):
        progress, cancel = state.progress, state.cancel
        from cnn_studio.model.data.dataset import load_npz

        files = emnist_files()
        images, labels = [], []
        for done, path in enumerate(files):
            if cancel.is_set():
                raise Cancelled("cancelled")
            part = load_npz(path)
            images.append(np.rint(part.x[..., 0] * 255).astype(np.uint8))
            labels.append(part.y)
            del part
            progress(done + 1, len(files))
        if not images:
            return np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64)
        return np.concatenate(images), np.concatenate(labels)

    return job
