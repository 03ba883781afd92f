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
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import keras

from cnn_studio.model.errors import UserError
from cnn_studio.model.storage.paths import (
    atomic_write_text,
    remove_stale_temp_files,
    temp_sibling,
)
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


WEIGHTS_FILE = "latest.weights.h5"  # the names Keras' BackupAndRestore reads back
METADATA_FILE = "training_metadata.json"
SPACE_MARGIN = 64 * 1024  # bytes kept free beyond a backup's size (HDF5 metadata, the JSON)


def backup_and_restore(folder: str | os.PathLike) -> SafeBackup:
    """A :class:`SafeBackup` saving at the end of every epoch into ``folder``."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    return SafeBackup(folder)


class SafeBackup(keras.callbacks.BackupAndRestore):
    """Keras' ``BackupAndRestore`` with atomic saves and a damaged backup said in words.

    Each epoch's state is written under temporary names and renamed into place (weights, then
    the epoch number), so a failed or killed save leaves the previous backup. Before writing,
    the free space is checked against the backup's size: HDF5 crashes the process when the
    disk fills during a write. A backup that cannot be read is named with what to do and is
    never resumed from.

    Args:
        folder: the backup folder (this worker's own in a multi-worker run).
    """

    def __init__(self, folder: str | os.PathLike):
        super().__init__(str(folder), save_freq="epoch", delete_checkpoint=True)
        self.folder = Path(folder)

    def on_train_begin(self, logs=None):
        try:
            super().on_train_begin(logs)
        except Exception as error:  # noqa: BLE001 - h5py, JSON and Keras raise many kinds
            reason = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
            raise CheckpointError(
                f"the backup in {show_path(self.folder)} is damaged and was not resumed from "
                f"({type(error).__name__}: {reason}); delete {show_path(self.folder)} to start "
                "over") from None

    def on_epoch_end(self, epoch, logs=None):
        self.save_state(epoch + 1)

    def save_state(self, epochs_done: int) -> None:
        """Write the weights, optimizer and ``epochs_done`` atomically into the folder.

        Raises:
            CheckpointError: too little free space or a failed write; the previous backup
                is kept.
        """
        weights, metadata = self.folder / WEIGHTS_FILE, self.folder / METADATA_FILE
        tmp = temp_sibling(weights, ".weights.h5")  # Keras insists on the .weights.h5 suffix
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._check_space(weights)
            self.model.save_weights(tmp, overwrite=True)
            os.replace(tmp, weights)
            atomic_write_text(metadata, json.dumps({"epoch": epochs_done, "batch": 0}))
        except CheckpointError:
            raise
        except (OSError, RuntimeError) as error:  # h5py reports failed writes as RuntimeError
            problem = folder_problem(self.folder, error, "backup") if isinstance(
                error, OSError) else f"the backup could not be written in {self.folder} ({error})"
            kept = ("the previous backup is kept: run the same command again to continue "
                    "from it") if weights.is_file() else "no backup was written"
            raise CheckpointError(f"{problem}; {kept}") from None
        finally:
            tmp.unlink(missing_ok=True)

    def _check_space(self, weights: Path) -> None:
        """Refuse to start a write that the free space cannot hold (see the class doc)."""
        state = sum(int(v.numpy().nbytes) for v in self.model.weights)
        if self.model.optimizer is not None:
            state += sum(int(v.numpy().nbytes) for v in self.model.optimizer.variables)
        size = max(state, weights.stat().st_size if weights.is_file() else 0)
        free = shutil.disk_usage(self.folder).free
        if free < size + SPACE_MARGIN:
            kept = ("the previous backup is kept: free some space and run the same command "
                    "again to continue from it") if weights.is_file() else \
                "free some space and run the command again"
            raise CheckpointError(
                f"the disk holding the backup folder {show_path(self.folder)} is full "
                f"({free:,} bytes free, a backup needs about {size + SPACE_MARGIN:,}); {kept}")


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
