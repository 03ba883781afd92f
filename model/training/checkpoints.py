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

import os
from pathlib import Path

import keras

from cnn_studio.model.storage.paths import remove_stale_temp_files, temp_sibling


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

    Args:
        folder: where the files go (created when needed).
        every: epochs between two files (1: each epoch).
    """

    def __init__(self, folder: str | os.PathLike, every: int):
        super().__init__()
        if every < 1:
            raise ValueError(f"checkpoints every {every} epochs: give 1 or more")
        self.folder, self.every = Path(folder), int(every)
        self.saved: list[Path] = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(self.folder)
        path = self.folder / f"epoch-{epoch + 1:03d}.keras"
        tmp = temp_sibling(path, ".keras")  # Keras insists on the .keras suffix
        try:
            self.model.save(tmp)
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        self.saved.append(path)
