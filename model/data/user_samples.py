"""The user's own drawn letters, kept as a strokes-v1 file in the data folder.

Every change rewrites the whole file atomically (temporary file + ``os.replace``), so killing
the app in the middle of a save leaves the previous version intact. A damaged file found at
start-up is moved aside (never overwritten) and the store starts empty.
"""

from __future__ import annotations

import os
import shutil
import stat
import time
from pathlib import Path

import numpy as np

from cnn_studio.model.data.dataset import Dataset, DatasetError
from cnn_studio.model.data.sample_sync import SampleStoreError, locked, merge, sample_key
from cnn_studio.model.ink.preprocess import strokes_to_image
from cnn_studio.model.ink.strokes import (
    LETTERS,
    Sample,
    StrokesError,
    is_letter,
    label_to_class,
    parse_sample,
    read_strokes,
    sample_obj_strokes,
    write_strokes,
)
from cnn_studio.model.storage.paths import data_dir, remove_stale_temp_files  # re-exported

STORE_CANVAS = (280.0, 280.0)
FILE_NAME = "samples.json"
MAX_COORD = 1e6  # |x|, |y| of a stored point (the canvas is 280): beyond is no drawing
DAMAGED = (StrokesError, ValueError, RecursionError, MemoryError)  # what a damaged file raises


def default_path() -> Path:
    """Where the store lives: ``data_dir()/samples.json``."""
    return data_dir() / FILE_NAME


def _fit_to_store(strokes, canvas: tuple[float, float]) -> list[np.ndarray]:
    """Validate strokes drawn on ``canvas`` and scale them uniformly onto the store's canvas.

    Raises:
        StrokesError: bad strokes or canvas, or a point that scaling (or the rounding of a
            save) would carry beyond :data:`MAX_COORD`.
    """
    if len(canvas) != 2 or not all(np.isfinite(canvas)) or min(canvas) <= 0:
        raise StrokesError(f"canvas {canvas!r} must be two positive sizes")
    sample = parse_sample({"strokes": sample_obj_strokes(strokes)})
    factor = min(STORE_CANVAS[0] / canvas[0], STORE_CANVAS[1] / canvas[1])
    with np.errstate(over="ignore", invalid="ignore"):
        return _checked([s * factor for s in sample.strokes])


def _checked(strokes: list[np.ndarray]) -> list[np.ndarray]:
    """``strokes`` when every point, as saved (rounded), is finite and within MAX_COORD."""
    for index, stroke in enumerate(strokes):
        with np.errstate(over="ignore", invalid="ignore"):
            saved = np.round(np.asarray(stroke, dtype=np.float64), 2)
            inside = bool(np.all(np.abs(saved) < MAX_COORD))  # False for inf and NaN too
        if not inside:
            raise StrokesError(
                f"stroke {index} has a point far outside the canvas once scaled to the "
                f"store's {STORE_CANVAS[0]:g}x{STORE_CANVAS[1]:g} (|x|, |y| must stay below "
                f"{MAX_COORD:g})")
    return strokes


def _check_readable(path: Path) -> None:
    """Raise the OSError that reading ``path`` meets (permissions, a folder), if any.

    Opened without blocking, so a FIFO put in the file's place is left to the reader to refuse.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.read(fd, 1)
    finally:
        os.close(fd)


class SampleStore:
    """Own samples with add / delete / relabel / import / export and per-letter counts.

    Args:
        path: the store file (default :func:`default_path`).
        look_only: only read: a damaged file is left where it is (``load_error`` says what is
            wrong and saving is refused) and nothing in the folder changes. For listings.
    """

    def __init__(self, path: str | os.PathLike | None = None, look_only: bool = False) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.samples: list[Sample] = []
        self.recovered_from: Path | None = None
        self.recovery_reason: str | None = None
        self.dropped_message: str | None = None  # samples left out when the file was read
        self.load_error: str | None = None  # set by callers that go on after an unreadable file
        self.merged_others = False  # the last save also took in changes made by another window
        self._base: list[tuple[Sample, str | None]] = []
        self._stamp: tuple[int, int, int] | None = None
        self.look_only = look_only
        if not look_only:
            remove_stale_temp_files(self.path.parent)
        stamp = self.file_stamp()
        if self.path.exists():
            _check_readable(self.path)  # OSError: unreadable (permissions), not damaged
            try:
                self.samples = self._read_file()
            except DAMAGED as exc:
                if isinstance(exc.__cause__, OSError):  # unreadable (permissions), not damaged
                    raise exc.__cause__ from None
                if look_only:
                    self.load_error = (f"your samples file cannot be read ({str(exc)[:300]}); "
                                       "it was left as it is")
                else:
                    self._recover(exc)
                    stamp = None
        self._synced(stamp)

    def _read_file(self) -> list[Sample]:
        """The file's samples, scaled onto the store's canvas (raises what reading raises).

        Samples whose points cannot be stored (see :func:`_checked`) are left out, the file
        is first copied aside and ``dropped_message`` says so: one odd sample must never
        block every later save.
        """
        document = read_strokes(self.path)
        kept, bad = [], []
        for index, sample in enumerate(document.samples):
            try:
                kept.append(self._rescaled(sample, document.canvas))
            except StrokesError:
                bad.append(index)
        if bad and not self.look_only:
            self._note_dropped(bad)
        return kept

    def _note_dropped(self, bad: list[int]) -> None:
        backup = self._free_name("unusable")
        shutil.copy2(self.path, backup)
        which = ", ".join(str(i) for i in bad[:5]) + (", ..." if len(bad) > 5 else "")
        self.dropped_message = (
            f"{len(bad)} of your samples (number {which}) had points far outside the canvas "
            f"and were left out; the file as it was is kept as {backup.name}.")

    def _recover(self, exc: BaseException) -> None:
        """The file is damaged: keep it under another name and start empty."""
        self.samples = []
        self.recovery_reason = str(exc)[:500]
        self.recovered_from = self._move_aside()

    def _synced(self, stamp: tuple[int, int, int] | None) -> None:
        """Remember the samples as the file now holds them (the base of the next merge)."""
        self._base = [(s, s.label) for s in self.samples]
        self._stamp = stamp

    def file_stamp(self) -> tuple[int, int, int] | None:
        """Modification time, size and inode of the store file (None when it does not exist)."""
        try:
            info = self.path.stat()
        except OSError:
            return None
        return info.st_mtime_ns, info.st_size, info.st_ino

    @property
    def recovery_message(self) -> str | None:
        """What to tell the user when a damaged file was moved aside (or samples were left
        out) on reading, else None."""
        if self.recovered_from is None:
            return self.dropped_message
        return (f"Your samples file {self.path} could not be read ({self.recovery_reason}). "
                f"It was moved, unchanged, to {self.recovered_from} and a new, empty one was "
                f"started. To get your samples back, repair that file and rename it "
                f"{self.path.name} (or import it in the Dataset panel).")

    def broken_files(self) -> list[Path]:
        """Damaged store files moved aside earlier (``<name>.broken-<timestamp>``), oldest
        first."""
        try:
            return sorted(self.path.parent.glob(f"{self.path.name}.broken-*"),
                          key=lambda path: path.name)
        except OSError:
            return []

    def _move_aside(self) -> Path:
        """Rename the damaged store file to a free ``<name>.broken-<timestamp>`` name."""
        backup = self._free_name("broken")
        os.replace(self.path, backup)
        return backup

    def _free_name(self, why: str) -> Path:
        """A free ``<name>.<why>-<timestamp>`` path beside the store file."""
        stamp = int(time.time())
        backup = self.path.with_name(f"{self.path.name}.{why}-{stamp}")
        n = 1
        while backup.exists():
            backup = self.path.with_name(f"{self.path.name}.{why}-{stamp}-{n}")
            n += 1
        return backup

    @staticmethod
    def _rescaled(sample: Sample, canvas: tuple[float, float]) -> Sample:
        if tuple(canvas) == STORE_CANVAS:
            _checked(sample.strokes)
            return sample
        return Sample(_fit_to_store(sample.strokes, canvas), sample.label, sample.writer)

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> Sample:
        return self.samples[self._check(index)]

    def _check(self, index: int) -> int:
        if not -len(self.samples) <= index < len(self.samples):
            raise IndexError(f"no sample {index}: the store has {len(self.samples)}")
        return index % len(self.samples)

    def save(self) -> None:
        """Write the store to disk atomically, under the lock, merging others' changes first.

        When another window (or store object) wrote the file since this store last read it,
        the file is re-read and this store's own adds, deletes and relabels are applied to it
        (:func:`model.data.sample_sync.merge`), so neither window's work is lost.

        Raises:
            SampleStoreError: the file cannot be read, so writing would replace samples never
                loaded (the file is kept as it is); or another window held the lock too long.
        """
        mine = self.samples
        try:
            with locked(self.path):
                self.merged_others = False
                if self.load_error is not None or self.file_stamp() != self._stamp:
                    self._merge_fresh()
                write_strokes(self.path, self.samples, STORE_CANVAS)
                self._synced(self.file_stamp())
        except BaseException:
            self.samples = mine
            raise

    def _merge_fresh(self) -> None:
        """Under the lock: apply this store's changes to the file as others left it."""
        if not os.path.lexists(self.path):
            self.load_error = None  # gone meanwhile: nothing to replace
            return
        try:
            _check_readable(self.path)
            theirs = self._read_file()
        except OSError as exc:
            raise self._refusal(str(exc)) from None
        except DAMAGED as exc:
            if isinstance(exc.__cause__, OSError):
                raise self._refusal(str(exc.__cause__)) from None
            self.recovery_reason = str(exc)[:500]  # kept under another name; this
            self.recovered_from = self._move_aside()  # store's samples are written
            self.load_error = None
            return
        base = [] if self.load_error is not None else self._base
        self.merged_others = ([sample_key(s, s.label) for s in theirs]
                              != [sample_key(s, label) for s, label in base])
        self.samples = merge(base, self.samples, theirs)
        self.load_error = None

    def _refusal(self, reason: str) -> SampleStoreError:
        why = (self.load_error or f"your samples file {self.path} cannot be read "
               f"({reason})").rstrip(".")
        return SampleStoreError(
            f"Nothing was saved: {why}. Saving would replace that file, so it was kept as it "
            "is; fix its permissions (or move it away), then reopen the Dataset panel.")

    def add(self, label: str, strokes, canvas: tuple[float, float]) -> int:
        """Add a drawn letter and save.

        Args:
            label: one letter A-Z or a-z (case kept).
            strokes: list of ``(k, 2)`` point arrays drawn on ``canvas``.
            canvas: ``(width, height)`` of the canvas.

        Returns:
            The new sample's index.
        """
        if not is_letter(label):
            raise StrokesError(f"label {label!r} is not one letter A-Z or a-z")
        self.samples.append(Sample(_fit_to_store(strokes, canvas), label, "me"))
        try:
            self.save()
        except BaseException:
            self.samples.pop()  # not kept on disk, so not kept in memory either
            raise
        return len(self.samples) - 1

    def delete(self, index: int) -> None:
        """Remove sample ``index`` and save."""
        index = self._check(index)
        removed = self.samples.pop(index)
        try:
            self.save()
        except BaseException:
            self.samples.insert(index, removed)
            raise

    def relabel(self, index: int, label: str) -> None:
        """Give sample ``index`` a new label and save."""
        if not is_letter(label):
            raise StrokesError(f"label {label!r} is not one letter A-Z or a-z")
        sample = self.samples[self._check(index)]
        sample.label, old = label, sample.label
        try:
            self.save()
        except BaseException:
            sample.label = old
            raise

    def counts(self) -> dict[str, int]:
        """Labelled samples per class letter A..Z (case-insensitive, every letter present)."""
        counts = dict.fromkeys(LETTERS, 0)
        for sample in self.samples:
            if sample.label is not None:
                counts[sample.label.upper()] += 1
        return counts

    def image(self, index: int) -> np.ndarray:
        """The 28x28 network input of sample ``index``."""
        return strokes_to_image(self[index].strokes, STORE_CANVAS)

    def dataset(self) -> Dataset:
        """All labelled samples as a :class:`Dataset`.

        Raises:
            DatasetError: when there is no labelled sample yet.
        """
        labelled = [s for s in self.samples if s.label is not None]
        if not labelled and self.recovered_from is not None:
            raise DatasetError(f"{self.recovery_message} It holds no samples now.")
        if not labelled:
            kept = self.broken_files()
            hint = (f" (a damaged samples file moved aside earlier is kept as {kept[-1]})"
                    if kept else "")
            raise DatasetError("you have no labelled samples yet: draw a few letters and "
                               f"save them with their label first{hint}")
        x = np.stack([strokes_to_image(s.strokes, STORE_CANVAS) for s in labelled])
        y = np.array([label_to_class(s.label) for s in labelled], np.int64)
        return Dataset(x, y)

    def import_file(self, path: str | os.PathLike) -> int:
        """Append every sample of a strokes-v1 file (validated first) and save.

        Returns:
            How many samples were added.
        """
        document = read_strokes(path)
        added = []
        for index, sample in enumerate(document.samples):
            try:
                added.append(self._rescaled(sample, document.canvas))
            except StrokesError as exc:
                raise StrokesError(f"{Path(path).name}: sample {index}: {exc}; nothing was "
                                  "imported") from None
        before = self.samples
        self.samples = [*before, *added]
        try:
            self.save()
        except BaseException:
            self.samples = before  # all or nothing
            raise
        return len(added)

    def export_file(self, path: str | os.PathLike, indices: list[int] | None = None) -> int:
        """Write the samples (all, or those at ``indices``) to a strokes-v1 file.

        Returns:
            How many samples were written.
        """
        chosen = self.samples if indices is None else [self[i] for i in indices]
        write_strokes(path, chosen, STORE_CANVAS)
        return len(chosen)
