"""Keras callbacks for long headless runs: resume after a crash, model files every N epochs.

``--backup DIR`` is Keras' own ``BackupAndRestore``: it saves the full training state (weights,
optimizer, epoch) at the end of each epoch and, when the same command runs again after a
crash or a pre-emption, continues from the epoch after the last one saved; it deletes its
state when training ends normally. ``--checkpoint-every N`` saves the model so far every N
epochs as ``epoch-NNN.keras`` in a folder, atomically (temporary file and ``os.replace``).
In a multi-worker run, the chief writes to the folder given and every other worker to its own
``worker-N`` subfolder (each must restore its own state; their weights are the same).
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import keras

from cnn_studio.model.errors import UserError
from cnn_studio.model.storage.paths import remove_stale_temp_files, temp_sibling
from cnn_studio.model.storage.safe_read import show_path


class CheckpointError(UserError):
    """A backup or checkpoint folder cannot be used; the message says which and what to do."""


def folder_problem(folder: Path, error: OSError, what: str) -> str:
    """One sentence for an OSError met while preparing or writing ``folder``."""
    name = show_path(folder)
    if isinstance(error, FileExistsError | NotADirectoryError):
        return (f"the {what} folder {name} cannot be made: a file is in its place or in the "
                "place of a folder above it; choose another folder")
    if isinstance(error, PermissionError):
        return f"cannot write to the {what} folder {name} (permission denied); choose another"
    if error.errno == errno.ENOSPC:
        return f"the disk holding the {what} folder {name} is full; free some space"
    return f"the {what} folder {name} cannot be used ({error.strerror or error})"


def prepare_folder(folder: str | os.PathLike, what: str) -> Path:
    """Make ``folder`` (and its parents) and check that a file can be written in it.

    Called before the first epoch, so that a bad folder is said at once, not after training;
    temporary files of saves killed midway are removed from it.

    Args:
        folder: the backup or checkpoint folder.
        what: ``"backup"`` or ``"checkpoint"``, for the message.

    Raises:
        CheckpointError: a file in the way, no permission, a full disk or another OS failure.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(folder)  # left by a run that was killed while saving
        with tempfile.TemporaryFile(dir=folder) as probe:
            probe.write(b"\0" * 4096)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as error:
        raise CheckpointError(folder_problem(folder, error, what)) from None
    return folder


def worker_folder(folder: str | os.PathLike, worker: tuple[str, int] | None,
                  chief: bool = True) -> Path:
    """``folder`` for the chief (or a single process), ``folder/worker-N`` for the others."""
    folder = Path(folder)
    return folder if chief or worker is None else folder / f"{worker[0]}-{worker[1]}"


def backup_and_restore(folder: str | os.PathLike) -> keras.callbacks.BackupAndRestore:
    """Keras' ``BackupAndRestore`` saving at the end of every epoch into ``folder``."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    return keras.callbacks.BackupAndRestore(str(folder), save_freq="epoch",
                                            delete_checkpoint=True)


class EpochCheckpoint(keras.callbacks.Callback):
    """Save the model every ``every`` epochs to ``folder/epoch-NNN.keras``, atomically.

    A checkpoint that cannot be written (full disk, say) is reported through ``on_problem``
    and training goes on, so the trained epochs are never lost for it.

    Args:
        folder: where the files go (created when needed).
        every: epochs between two files (1: each epoch).
        on_problem: called with one sentence when a checkpoint could not be saved.
    """

    def __init__(self, folder: str | os.PathLike, every: int,
                 on_problem: Callable[[str], None] | None = None):
        super().__init__()
        if every < 1:
            raise ValueError(f"checkpoints every {every} epochs: give 1 or more")
        self.folder, self.every = Path(folder), int(every)
        self.on_problem = on_problem
        self.saved: list[Path] = []
        self.failed: list[str] = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        path = self.folder / f"epoch-{epoch + 1:03d}.keras"
        tmp = temp_sibling(path, ".keras")  # Keras insists on the .keras suffix
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            remove_stale_temp_files(self.folder)
            self.model.save(tmp)
            os.replace(tmp, path)
        except OSError as error:
            problem = (f"checkpoint {path.name} was not saved: "
                       f"{folder_problem(self.folder, error, 'checkpoint')}; training goes on")
            self.failed.append(problem)
            if self.on_problem is not None:
                self.on_problem(problem)
            return
        finally:
            tmp.unlink(missing_ok=True)
        self.saved.append(path)
