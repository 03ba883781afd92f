"""The one dataset type: images in the network's normal form with their class indices, saved
compactly as npz, and split into training and validation (by sample or by writer).
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnn_studio.model.errors import UserError
from cnn_studio.model.ink.strokes import LETTERS
from cnn_studio.model.storage.paths import atomic_write_bytes
from cnn_studio.model.storage.safe_read import IncomingFileError, check_npz, show_path

NUM_CLASSES = len(LETTERS)


class DatasetError(UserError):
    """A dataset is empty, malformed or unusable; the message says what to do."""


@dataclass
class Dataset:
    """Images and labels in the network's normal form.

    Attributes:
        x: float32 ``(n, 28, 28, 1)`` in [0, 1], ink 1.0.
        y: int64 ``(n,)`` class indices 0..25.
    """

    x: np.ndarray
    y: np.ndarray

    def __post_init__(self) -> None:
        x = np.asarray(self.x)
        if x.ndim == 3:
            x = x[..., None]
        if x.ndim != 4 or x.shape[1:] != (28, 28, 1):
            raise DatasetError(f"images must have shape (n, 28, 28, 1), got {x.shape}")
        if x.dtype == np.uint8:
            x = x.astype(np.float32) / 255.0
        self.x = np.asarray(x, dtype=np.float32)
        self.y = np.asarray(self.y, dtype=np.int64).reshape(-1)
        if len(self.y) != len(self.x):
            raise DatasetError(f"{len(self.x)} images but {len(self.y)} labels")
        if len(self.y) and (self.y.min() < 0 or self.y.max() >= NUM_CLASSES):
            raise DatasetError(f"labels must be class indices 0..{NUM_CLASSES - 1}")

    def __len__(self) -> int:
        return len(self.y)

    def subset(self, index) -> Dataset:
        """The samples at ``index`` (array of positions or a slice)."""
        return Dataset(self.x[index], self.y[index])


def empty() -> Dataset:
    """A dataset with no samples."""
    return Dataset(np.zeros((0, 28, 28, 1), np.float32), np.zeros(0, np.int64))


def class_counts(dataset: Dataset) -> np.ndarray:
    """Samples per class, int array of length 26."""
    return np.bincount(dataset.y, minlength=NUM_CLASSES)


def require_usable(dataset: Dataset, name: str = "dataset", min_samples: int = 1) -> None:
    """Raise :class:`DatasetError` if ``dataset`` has fewer than ``min_samples`` samples."""
    if len(dataset) < min_samples:
        raise DatasetError(f"{name} has {len(dataset)} samples; it needs at least "
                           f"{min_samples}. Add samples or choose another source.")


def save_npz(path: str | Path, dataset: Dataset) -> None:
    """Save ``dataset`` compactly (uint8 images) to an npz file, atomically."""
    buffer = io.BytesIO()
    images = np.rint(np.clip(dataset.x[..., 0], 0, 1) * 255).astype(np.uint8)
    np.savez_compressed(buffer, x=images, y=dataset.y)
    atomic_write_bytes(path, buffer.getvalue())


def load_npz(path: str | Path) -> Dataset:
    """Load a dataset saved by :func:`save_npz`.

    Images must be uint8 0..255 or floats 0..1; labels whole numbers 0..25 or letters (see
    :func:`checked_images`, :func:`checked_labels`).

    Raises:
        DatasetError: the file is missing, truncated, of another kind, or holds images or
            labels of the wrong type or range (names the file).
    """
    try:
        check_npz(path)  # regular file, no forged array header claiming terabytes
    except IncomingFileError as exc:
        raise DatasetError(f"{exc}; delete it or import the data again") from None
    try:
        with np.load(path, allow_pickle=False) as data:
            x, y = data["x"], data["y"]
            return Dataset(checked_images(x, path), checked_labels(y, path))
    except DatasetError:
        raise
    except (OSError, KeyError, ValueError, EOFError, TypeError, zipfile.BadZipFile,
            zlib.error, MemoryError) as exc:  # TypeError: a bare .npy (an array, not an archive)
        raise DatasetError(f"{path}: not a readable dataset file, it is damaged or of "
                           f"another kind ({exc}); delete it or import the data again") from exc


def checked_images(x: np.ndarray, path: str | Path) -> np.ndarray:
    """``x`` if it holds images as the app takes them: uint8 0..255 or floats 0..1.

    Raises:
        DatasetError: another type (bool, integers other than uint8, complex), values outside
            the range, or not-a-number values; the message names ``path`` and the fix.
    """
    name = show_path(path)
    if x.dtype == np.uint8:
        return x
    if x.dtype.kind != "f":
        raise DatasetError(f"{name}: images of type {x.dtype} are not taken; store them as "
                           "uint8 0..255 or as floats 0..1")
    if x.size and not np.isfinite(x).all():
        raise DatasetError(f"{name}: the images hold NaN or infinite values; store them as "
                           "uint8 0..255 or as floats 0..1")
    low, high = (float(x.min()), float(x.max())) if x.size else (0.0, 0.0)
    if low < 0 or high > 1:
        hint = " (divide them by 255)" if low >= 0 and high <= 255 else ""
        raise DatasetError(f"{name}: float images must lie in 0..1, these run from {low:g} to "
                           f"{high:g}{hint}")
    return x


def checked_labels(y: np.ndarray, path: str | Path) -> np.ndarray:
    """``y`` as class indices 0..25: whole numbers 0..25, or letters ``A``..``Z`` / ``a``..``z``.

    Raises:
        DatasetError: booleans, fractions, complex numbers, numbers outside 0..25 or other
            text; the message names ``path``.
    """
    name = show_path(path)
    if y.dtype.kind in "US":
        letters = np.array(list(LETTERS))
        text = np.char.upper(y.astype(str)).reshape(-1)
        index = np.minimum(np.searchsorted(letters, text), NUM_CLASSES - 1)
        bad = letters[index] != text
        if bad.any():
            raise DatasetError(f"{name}: label {str(text[bad][0])!r} is not a letter; labels "
                               f"must be letters A..Z or whole numbers 0..{NUM_CLASSES - 1}")
        return index.astype(np.int64)
    if y.dtype.kind not in "iuf":
        raise DatasetError(f"{name}: labels of type {y.dtype} are not taken; labels must be "
                           f"whole numbers 0..{NUM_CLASSES - 1} (A=0) or letters")
    flat = y.reshape(-1)
    wrong = ~np.isfinite(flat) | (flat != np.round(flat)) if y.dtype.kind == "f" \
        else np.zeros(len(flat), bool)
    wrong |= (flat < 0) | (flat >= NUM_CLASSES)
    if wrong.any():
        first = int(np.argmax(wrong))
        raise DatasetError(f"{name}: label {flat[first].item()!r} (sample {first}) is not a class "
                           f"number; labels must be whole numbers 0..{NUM_CLASSES - 1} (A=0) "
                           "or letters")
    return y.astype(np.int64)


def split(dataset: Dataset, val_fraction: float, seed: int = 0) -> tuple[Dataset, Dataset]:
    """Random train/validation split.

    Args:
        dataset: the data.
        val_fraction: share for validation, 0.0..0.9 (0 gives an empty validation set).
        seed: random seed.

    Returns:
        ``(train, val)``; each non-empty when ``dataset`` has 2+ samples and fraction > 0.
    """
    if not 0.0 <= val_fraction <= 0.9:
        raise DatasetError(f"validation fraction {val_fraction} must be between 0 and 0.9")
    require_usable(dataset, "the dataset to split")
    n = len(dataset)
    order = np.random.default_rng(seed).permutation(n)
    n_val = int(round(n * val_fraction))
    if val_fraction > 0 and n >= 2:
        n_val = min(max(n_val, 1), n - 1)
    return dataset.subset(order[n_val:]), dataset.subset(order[:n_val])


def split_by_writer(dataset: Dataset, writers, val_fraction: float,
                    seed: int = 0) -> tuple[Dataset, Dataset]:
    """Train/validation split that keeps each writer's samples on one side.

    Samples without a writer (None) count as writers of their own; with fewer than two
    writers this is :func:`split`.
    """
    writers = np.asarray(writers, dtype=object)
    keys = np.array([f"w:{w}" if w is not None else f"s:{i}" for i, w in enumerate(writers)])
    groups, group_of = np.unique(keys, return_inverse=True)
    if len(groups) < 2 or len(groups) == len(dataset):
        return split(dataset, val_fraction, seed)
    require_usable(dataset, "the dataset to split")
    wanted = int(round(len(dataset) * val_fraction))
    sizes = np.bincount(group_of)
    held, count = [], 0
    for group in np.random.default_rng(seed).permutation(len(groups))[:-1]:
        if count >= wanted:
            break
        held.append(group)
        count += sizes[group]
    in_val = np.isin(group_of, held)
    return dataset.subset(np.flatnonzero(~in_val)), dataset.subset(np.flatnonzero(in_val))
