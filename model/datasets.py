"""Training data sources as one type: synthetic letters (cached), own samples, EMNIST.

A :class:`Dataset` is a pair of arrays in the network's normal form. Synthetic datasets are
cached on disk under ``model.paths.cache_dir()`` keyed by generator version and parameters;
:func:`mix` combines sources with weights (oversampling small ones such as own samples).
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model import synth
from model.paths import atomic_write_bytes, cache_dir
from model.strokes import LETTERS

NUM_CLASSES = len(LETTERS)


class DatasetError(ValueError):
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


def missing_classes(dataset: Dataset) -> str:
    """Letters with no sample in ``dataset``, as a string ('' when every class is present)."""
    counts = class_counts(dataset)
    return "".join(LETTERS[i] for i in range(NUM_CLASSES) if counts[i] == 0)


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

    Raises:
        DatasetError: the file is missing, truncated or of another kind (names the file).
    """
    try:
        with np.load(path, allow_pickle=False) as data:
            return Dataset(data["x"], data["y"])
    except (OSError, KeyError, ValueError, EOFError, TypeError, zipfile.BadZipFile,
            zlib.error) as exc:  # TypeError: a bare .npy (an array, not an archive)
        raise DatasetError(f"{path}: not a readable dataset file, it is damaged or of "
                           f"another kind ({exc}); delete it or import the data again") from exc


def synthetic_cache_path(n: int, seed: int, font_share: float, lower_share: float) -> Path:
    """Cache file of a synthetic dataset with these parameters."""
    name = (f"synth-v{synth.GENERATOR_VERSION}-n{int(n)}-s{int(seed)}"
            f"-f{font_share:.3f}-l{lower_share:.3f}.npz")
    return cache_dir() / "synthetic" / name


def synthetic_dataset(n: int, seed: int = 0, progress=None, cancel=None,
                      font_share: float = synth.DEFAULT_FONT_SHARE,
                      lower_share: float = synth.DEFAULT_LOWER_SHARE,
                      workers: int | None = None, use_cache: bool = True) -> Dataset:
    """The built-in synthetic letters, generated in parallel and cached on disk.

    Args:
        n: number of samples (1..2,000,000), balanced over the 26 classes.
        seed: random seed (equal arguments give equal data).
        progress: optional ``progress(done, total)`` callback.
        cancel: optional ``threading.Event``-like object; raises
            :class:`model.synth.GenerationCancelled` when set.
        font_share: share of font letters (0..1).
        lower_share: share of lower-case letters (0..1).
        workers: generator processes (None: one per core).
        use_cache: read and write the disk cache.

    Returns:
        The :class:`Dataset`, shuffled deterministically.
    """
    path = synthetic_cache_path(n, seed, font_share, lower_share)
    if use_cache and path.exists():
        try:
            data = load_npz(path)
            if len(data) == n:
                if progress is not None:
                    progress(n, n)
                return data
        except DatasetError:
            pass  # a damaged cache file is regenerated below
    images, labels, _ = synth.generate(n, seed, font_share, lower_share, workers=workers,
                                       progress=progress, cancel=cancel)
    order = np.random.default_rng([int(seed), 7]).permutation(n)
    data = Dataset(images[order], labels[order])
    if use_cache:
        save_npz(path, data)
    return data


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


def mix(parts: list[tuple[Dataset, float]], n: int, seed: int = 0) -> Dataset:
    """Draw ``n`` samples from several sources in proportion to their weights.

    A source smaller than its share is oversampled (drawn with repetition), so a few dozen
    own samples can weigh as much as thousands of synthetic ones.

    Args:
        parts: ``(dataset, weight)`` pairs; weights >= 0, empty datasets are skipped.
        n: total number of samples (>= 1).
        seed: random seed.

    Returns:
        The shuffled mixed :class:`Dataset`.
    """
    if n < 1:
        raise DatasetError(f"cannot mix {n} samples; ask for at least 1")
    usable = [(d, float(w)) for d, w in parts if len(d) and w > 0]
    if any(w < 0 or not np.isfinite(w) for _, w in parts):
        raise DatasetError("mixing weights must be finite and >= 0")
    if not usable:
        raise DatasetError("nothing to mix: every source is empty or has weight 0")
    rng = np.random.default_rng(seed)
    weights = np.array([w for _, w in usable])
    counts = np.floor(weights / weights.sum() * n).astype(int)
    counts[np.argsort(-weights)[: n - counts.sum()]] += 1
    xs, ys = [], []
    for (data, _), count in zip(usable, counts, strict=True):
        if count == 0:
            continue
        replace = count > len(data)
        index = rng.choice(len(data), size=count, replace=replace)
        xs.append(data.x[index])
        ys.append(data.y[index])
    order = rng.permutation(n)
    return Dataset(np.concatenate(xs)[order], np.concatenate(ys)[order])


DEFAULT_WEIGHTS = {"synthetic": 1.0, "own": 0.25, "emnist": 0.0}


def training_mix(n: int, seed: int = 0, weights: dict[str, float] | None = None,
                 progress=None, cancel=None) -> Dataset:
    """The available sources mixed for training: synthetic, own samples, imported EMNIST.

    Own samples are oversampled to their weight's share; a source that is missing or
    empty (no own samples yet, EMNIST never imported) is left out.

    Args:
        n: total samples (>= 1).
        seed: random seed (synthetic data and the mixing).
        weights: ``{"synthetic": w, "own": w, "emnist": w}``; missing keys use
            :data:`DEFAULT_WEIGHTS`.
        progress: ``progress(done, total)`` while synthetic data is generated.
        cancel: ``threading.Event``-like object to stop generation.

    Returns:
        The mixed :class:`Dataset`.
    """
    from model import emnist
    from model.user_samples import SampleStore

    weights = {**DEFAULT_WEIGHTS, **(weights or {})}
    parts: list[tuple[Dataset, float]] = []
    if weights["synthetic"] > 0:
        parts.append((synthetic_dataset(n, seed, progress=progress, cancel=cancel),
                      weights["synthetic"]))
    if weights["own"] > 0:
        store = SampleStore()
        if any(s.label for s in store.samples):
            parts.append((store.dataset(), weights["own"]))
    if weights["emnist"] > 0:
        imported = emnist.imported_dataset()
        if imported is not None:
            parts.append((imported, weights["emnist"]))
    return mix(parts, n, seed)
