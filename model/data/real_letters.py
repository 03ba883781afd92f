"""The built-in real letters: 76,588 UNIPEN letters shipped as ``assets/letters/unipen.npz``.

UNIPEN train_r01_v07, International Unipen Foundation, CC BY 4.0 (see NOTICE). The npz is
written by ``scripts/build_real_letters.py``: whole-pixel int16 points on a 280 x 280 canvas,
offsets per stroke and per sample, letter codes (case kept), writer/site tables and a quality
flag. This module loads it safely, gives strokes and 28x28 images (through
:func:`model.ink.preprocess.strokes_to_image`, the canvas's own preprocessing), splits by whole
sites and balances upper against lower case. No TensorFlow, no Qt.
"""

from __future__ import annotations

import hashlib
import io
import string
import zipfile
import zlib
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np

from cnn_studio.model.errors import UserError
from cnn_studio.model.ink.preprocess import DEFAULT_PEN, strokes_to_image
from cnn_studio.model.storage.paths import ASSETS_DIR

DEFAULT_PATH = ASSETS_DIR / "letters" / "unipen.npz"
FORMAT = "unipen-letters-v1"
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
# Held out by default: 6,719 letters (2,825 upper, 3,894 lower case) by 16 writers at two
# clean ("OK") sites and two uncertain ("?") ones, 8.8 % of the letters.
DEFAULT_HELD_OUT_SITES = ("art", "cea", "pri", "uqb")
ATTRIBUTION = (
    "UNIPEN train_r01_v07, International Unipen Foundation, distributed under CC BY 4.0 "
    "(Zenodo, doi:10.5281/zenodo.1195803). I. Guyon, L. Schomaker, R. Plamondon, M. Liberman "
    "and S. Janet, \"UNIPEN project of on-line data exchange and recognizer benchmarks\", "
    "ICPR 1994. Converted to strokes (coordinates rescaled, rounded to canvas pixels).")
_FIX = "reinstall CNN Studio or rebuild it with: python scripts/build_real_letters.py"
_DTYPES = {"points": np.int16, "stroke_offsets": np.int32, "sample_offsets": np.int32,
           "labels": np.uint8, "writer": np.uint16, "site": np.uint8, "quality_ok": np.bool_,
           "canvas": np.int16}
_LETTER_CODES = np.frombuffer(string.ascii_letters.encode("ascii"), np.uint8)


class RealLettersError(UserError):
    """The real-letters file is missing or damaged; the message says what to do."""


def _read_arrays(path: Path) -> tuple[dict[str, np.ndarray], str]:
    """Every array of the npz and the file's SHA-256, after checking its kind and sizes."""
    if not path.is_file():
        raise RealLettersError(f"{path}: the built-in real letters are missing; {_FIX}")
    try:
        with open(path, "rb") as handle:
            payload = handle.read(MAX_FILE_BYTES + 1)
        if len(payload) > MAX_FILE_BYTES:
            raise RealLettersError(f"{path}: larger than {MAX_FILE_BYTES} bytes; {_FIX}")
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise RealLettersError(f"{path}: unpacks to {unpacked} bytes; {_FIX}")
        with np.load(io.BytesIO(payload), allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except RealLettersError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise RealLettersError(f"{path}: not a readable real-letters file ({exc}); "
                               f"{_FIX}") from exc
    return arrays, hashlib.sha256(payload).hexdigest()


def _check_offsets(name: str, offsets: np.ndarray, end: int) -> None:
    if offsets.ndim != 1 or len(offsets) < 2 or offsets[0] != 0 or offsets[-1] != end:
        raise RealLettersError(f"{name} do not span their array")
    if (np.diff(offsets) <= 0).any():
        raise RealLettersError(f"{name} contain an empty entry")


def _validate(arrays: dict[str, np.ndarray]) -> None:
    """Raise :class:`RealLettersError` unless the arrays form a consistent file."""
    fmt = arrays.get("format")
    if fmt is None or fmt.shape != () or str(fmt) != FORMAT:
        raise RealLettersError(f"not a {FORMAT} file")
    for name, dtype in _DTYPES.items():
        if name not in arrays or arrays[name].dtype != dtype:
            raise RealLettersError(f"array {name!r} is missing or not {np.dtype(dtype)}")
    for name in ("writers", "sites"):
        if name not in arrays or arrays[name].dtype.kind != "U" or arrays[name].ndim != 1:
            raise RealLettersError(f"table {name!r} is missing or not text")
    points, n = arrays["points"], len(arrays["labels"])
    canvas = arrays["canvas"]
    if points.ndim != 2 or points.shape[1] != 2 or canvas.shape != (2,) or canvas.min() <= 0:
        raise RealLettersError("points or canvas have the wrong shape")
    if points.min() < 0 or (points > canvas).any():
        raise RealLettersError("a point lies outside the canvas")
    _check_offsets("stroke offsets", arrays["stroke_offsets"], len(points))
    _check_offsets("sample offsets", arrays["sample_offsets"], len(arrays["stroke_offsets"]) - 1)
    if len(arrays["sample_offsets"]) != n + 1 or not n:
        raise RealLettersError("sample offsets and labels disagree")
    for name, table in (("writer", "writers"), ("site", "sites"), ("quality_ok", None)):
        if arrays[name].shape != (n,):
            raise RealLettersError(f"{name} has the wrong length")
        if table and n and arrays[name].max() >= len(arrays[table]):
            raise RealLettersError(f"{name} points past its table")
    if not np.isin(arrays["labels"], _LETTER_CODES).all():
        raise RealLettersError("a label is not an ASCII letter")


class RealLetters:
    """The letters of one real-letters file (read-only arrays).

    Attributes:
        labels: uint8 character codes, case kept (``chr(labels[i])``).
        classes: int64 class indices 0..25 (``a`` and ``A`` are both 0).
        upper: bool, True for upper-case letters.
        writer_index, writers: uint16 index per sample into the ``"site/writer"`` table.
        site_index, sites: uint8 index per sample into the site table.
        quality_ok: bool, False where the source marked the segmentation uncertain (``?``).
        canvas: ``(width, height)`` of the strokes' canvas.
        fingerprint: SHA-256 of the file it was loaded from ('' when built from arrays).
    """

    def __init__(self, arrays: dict[str, np.ndarray], fingerprint: str = "") -> None:
        _validate(arrays)
        self.fingerprint = fingerprint
        for value in arrays.values():
            value.flags.writeable = False
        self._points = arrays["points"]
        self._strokes = arrays["stroke_offsets"]
        self._samples = arrays["sample_offsets"]
        self.labels = arrays["labels"]
        self.upper = self.labels < ord("a")
        self.classes = (self.labels - np.where(self.upper, ord("A"), ord("a"))).astype(np.int64)
        self.writer_index, self.writers = arrays["writer"], arrays["writers"]
        self.site_index, self.sites = arrays["site"], arrays["sites"]
        self.quality_ok = arrays["quality_ok"]
        self.canvas = (float(arrays["canvas"][0]), float(arrays["canvas"][1]))
        self._float_points: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.labels)

    def label(self, index: int) -> str:
        """The letter of sample ``index``, case kept."""
        return chr(self.labels[index])

    def writer(self, index: int) -> str:
        """The writer of sample ``index`` (``"site/writer-id"``)."""
        return str(self.writers[self.writer_index[index]])

    def site(self, index: int) -> str:
        """The site (contributing lab) of sample ``index``."""
        return str(self.sites[self.site_index[index]])

    def strokes(self, index: int) -> list[np.ndarray]:
        """Sample ``index`` as a list of ``(k, 2)`` float64 arrays on the canvas (read-only)."""
        if not -len(self) <= index < len(self):
            raise IndexError(f"sample {index} out of range 0..{len(self) - 1}")
        index %= len(self)
        if self._float_points is None:
            self._float_points = self._points.astype(np.float64)
            self._float_points.flags.writeable = False
        first, last = self._samples[index], self._samples[index + 1]
        ends = self._strokes[first:last + 1]
        return [self._float_points[a:b] for a, b in zip(ends[:-1], ends[1:], strict=True)]

    def site_indices(self) -> dict[str, np.ndarray]:
        """Sample indices of each site."""
        return {str(name): np.flatnonzero(self.site_index == i)
                for i, name in enumerate(self.sites)}

    def writer_indices(self) -> dict[str, np.ndarray]:
        """Sample indices of each writer."""
        order = np.argsort(self.writer_index, kind="stable")
        bounds = np.searchsorted(self.writer_index[order], np.arange(len(self.writers) + 1))
        return {str(name): order[bounds[i]:bounds[i + 1]] for i, name in enumerate(self.writers)}

    def render(self, indices: Iterable[int] | None = None, pen: float = DEFAULT_PEN,
               progress: Callable[[int, int], None] | None = None, cancel=None) -> np.ndarray:
        """28x28 network inputs of the chosen samples, exactly as the canvas makes them.

        Args:
            indices: sample indices (None: every sample).
            pen: pen width, as in :func:`model.ink.preprocess.strokes_to_image`.
            progress: optional ``progress(done, total)``, called every 1,000 letters.
            cancel: optional object with ``is_set()``; raises
                :class:`model.synth.generator.GenerationCancelled` when set.

        Returns:
            float32 ``(n, 28, 28)``, ink 1.0 on 0.0.
        """
        chosen = np.arange(len(self)) if indices is None else np.asarray(indices, np.int64)
        out = np.empty((len(chosen), 28, 28), np.float32)
        for k, index in enumerate(chosen.tolist()):
            if k % 1000 == 0:
                _check_cancel(cancel)
                if progress is not None and k:
                    progress(k, len(chosen))
            out[k] = strokes_to_image(self.strokes(index), self.canvas, pen)
        if progress is not None:
            progress(len(chosen), len(chosen))
        return out


def _check_cancel(cancel) -> None:
    if cancel is not None and cancel.is_set():
        from cnn_studio.model.synth.generator import GenerationCancelled
        raise GenerationCancelled("rendering the real letters was cancelled")


def load(path: str | Path | None = None) -> RealLetters:
    """Load a real-letters file (default: the shipped one); raises :class:`RealLettersError`."""
    path = DEFAULT_PATH if path is None else Path(path)
    arrays, digest = _read_arrays(path)
    try:
        return RealLetters(arrays, digest)
    except RealLettersError as exc:
        raise RealLettersError(f"{path}: {exc}; {_FIX}") from exc


@lru_cache(maxsize=1)
def load_default() -> RealLetters:
    """The shipped letters, loaded once per process."""
    return load(DEFAULT_PATH)


def site_split(letters: RealLetters, held_out: Iterable[str] = DEFAULT_HELD_OUT_SITES,
               ) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation indices, validation being every letter of the ``held_out`` sites.

    Raises:
        RealLettersError: a named site does not exist.
    """
    held = sorted(set(held_out))
    known = [str(name) for name in letters.sites]
    unknown = [name for name in held if name not in known]
    if unknown:
        raise RealLettersError(f"unknown site(s) {', '.join(unknown)}; sites are "
                               f"{', '.join(known)}")
    mask = np.isin(letters.site_index, [known.index(name) for name in held])
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def random_site_split(letters: RealLetters, seed: int = 0, min_per_case: int = 2000,
                      max_fraction: float = 0.2) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A seeded split by whole sites: sites in random order join validation until it holds
    ``min_per_case`` letters of each case, skipping any site that would take validation over
    ``max_fraction`` of the letters.

    Returns:
        ``(train indices, validation indices, held-out site names)``.
    """
    order = np.random.default_rng([int(seed), 16]).permutation(len(letters.sites))
    limit = max_fraction * len(letters)
    held: list[str] = []
    mask = np.zeros(len(letters), bool)
    for site in order.tolist():
        extra = letters.site_index == site
        if mask.sum() + extra.sum() > limit:
            continue
        mask |= extra
        held.append(str(letters.sites[site]))
        if min((mask & letters.upper).sum(), (mask & ~letters.upper).sum()) >= min_per_case:
            break
    return np.flatnonzero(~mask), np.flatnonzero(mask), sorted(held)


def balance_weights(letters: RealLetters, indices: Iterable[int], by: str = "case",
                    ) -> np.ndarray:
    """Per-sample weights (mean 1) that give each group the same total weight.

    Args:
        indices: the samples to weight.
        by: ``"case"`` (upper against lower) or ``"letter"`` (each of the 52 letters).

    Returns:
        float32 weights aligned with ``indices``.
    """
    indices = np.asarray(indices, np.int64)
    if by == "case":
        groups = letters.upper[indices].astype(np.int64)
    elif by == "letter":
        groups = letters.labels[indices].astype(np.int64)
    else:
        raise ValueError(f"by must be 'case' or 'letter', got {by!r}")
    if not len(indices):
        return np.zeros(0, np.float32)
    counts = np.bincount(groups)
    present = np.count_nonzero(counts)
    weights = len(indices) / (present * counts[groups])
    return weights.astype(np.float32)


def balanced_index(letters: RealLetters, indices: Iterable[int], seed: int = 0,
                   upper_share: float = 0.5, size: int | None = None) -> np.ndarray:
    """A seeded resample of ``indices`` with ``upper_share`` upper-case letters.

    Each case is drawn without replacement while it has enough letters, then repeated.

    Args:
        size: letters to return (None: as many as ``indices``).
    """
    if not 0.0 <= upper_share <= 1.0:
        raise ValueError(f"upper_share must be between 0 and 1, got {upper_share}")
    indices = np.asarray(indices, np.int64)
    size = len(indices) if size is None else int(size)
    rng = np.random.default_rng([int(seed), 17])
    n_upper = int(round(size * upper_share))
    parts = []
    for pool, count in ((indices[letters.upper[indices]], n_upper),
                        (indices[~letters.upper[indices]], size - n_upper)):
        if count and not len(pool):
            raise ValueError("no letters of one case to draw from")
        if count:
            repeats = np.concatenate([rng.permutation(pool)
                                      for _ in range(-(-count // len(pool)))])
            parts.append(repeats[:count])
    result = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    return rng.permutation(result)
