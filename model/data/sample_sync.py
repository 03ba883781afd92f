"""Safe sharing of the samples file between windows: an advisory lock and a three-way merge.

Two CNN Studio windows (or two stores on the same file) may both add, delete and relabel
samples. Each save takes an exclusive lock on a sibling ``<file>.lock`` (bounded wait), re-reads
the file when someone else wrote it since this store last read it, applies this store's own
changes to those fresh contents (:func:`merge`) and only then writes, so no window's work is lost.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from cnn_studio.model.ink.strokes import Sample

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX: saves are not locked
    fcntl = None  # type: ignore[assignment]  # the module's stand-in where it does not exist

LOCK_TIMEOUT_S = 10.0  # how long a save waits for another window's save
LOCK_POLL_S = 0.02


class SampleStoreError(OSError):
    """A save was refused to protect the samples file; the message says why and what to do."""


def lock_path(path: Path) -> Path:
    """The lock file beside the samples file ``path``."""
    return path.with_name(path.name + ".lock")


@contextmanager
def locked(path: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the exclusive lock of the samples file ``path`` (waits at most ``timeout`` s).

    Raises:
        SampleStoreError: another program held the lock for the whole wait.
    """
    timeout = LOCK_TIMEOUT_S if timeout is None else timeout
    target = lock_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, target, timeout)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _acquire(fd: int, target: Path, timeout: float) -> None:
    if fcntl is None:
        return
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise SampleStoreError(
                    f"Nothing was saved: another CNN Studio window kept your samples file "
                    f"locked for {timeout:g} s ({target}). Try again in a moment; if it "
                    "keeps happening, close the other window.") from None
            time.sleep(LOCK_POLL_S)


def sample_key(sample: Sample, label: str | None) -> tuple:
    """What identifies a sample in the file: writer, ``label`` and points as saved (2 decimals)."""
    points = tuple((np.round(np.asarray(s, dtype=float), 2) + 0.0).tobytes()
                   for s in sample.strokes)
    return sample.writer, label, points


def merge(base: list[tuple[Sample, str | None]], mine: list[Sample],
          theirs: list[Sample]) -> list[Sample]:
    """Apply this store's changes since ``base`` (its last read) to the fresh file ``theirs``.

    Args:
        base: the samples (and their labels then) as this store last read or wrote them.
        mine: this store's samples now (objects kept from ``base`` are the same objects).
        theirs: the file's samples as just re-read.

    Returns:
        ``theirs`` minus what this store deleted, with its relabels, plus what it added.
    """
    in_base = {id(s) for s, _ in base}
    in_mine = {id(s) for s in mine}
    positions: dict[tuple, list[int]] = defaultdict(list)
    for i, sample in enumerate(theirs):
        positions[sample_key(sample, sample.label)].append(i)
    dropped: set[int] = set()
    result = list(theirs)
    for sample, label in base:
        if id(sample) in in_mine and sample.label == label:
            continue  # unchanged here
        found = positions.get(sample_key(sample, label))
        if not found:
            continue  # the other window deleted or relabelled it: theirs wins
        i = found.pop(0)
        if id(sample) in in_mine:
            result[i] = Sample(result[i].strokes, sample.label, result[i].writer)
        else:
            dropped.add(i)
    kept = [s for i, s in enumerate(result) if i not in dropped]
    return kept + [s for s in mine if id(s) not in in_base]
