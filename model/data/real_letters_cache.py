"""Every real letter rendered once, kept on disk so later runs load instead of re-rendering.

Rendering all 76,588 letters through :func:`model.ink.preprocess.strokes_to_image` takes over a
minute on one core; loading the cache takes about a second. The cache stores, per pixel, the
sum of the 4x4 supersampled 0..255 values (uint16), from which the float32 image is rebuilt
bit for bit. The file name carries the letters file's SHA-256, a hash of the preprocessing
source and the pen width, so a changed rasterizer or data file never reads a stale cache.
Files live under :func:`model.storage.paths.cache_dir` and are written atomically.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
import zlib
from pathlib import Path

import numpy as np

from cnn_studio.model.data.real_letters import RealLetters
from cnn_studio.model.ink import preprocess
from cnn_studio.model.storage.paths import atomic_write_bytes, cache_dir

_LEVELS = preprocess.SUPERSAMPLE * preprocess.SUPERSAMPLE * 255
_MAX_CACHE_BYTES = 256 * 1024 * 1024


def _encode(images: np.ndarray) -> np.ndarray | None:
    """uint16 sums of the images, or None when they do not rebuild the images exactly."""
    sums = np.rint(images.astype(np.float64) * _LEVELS)
    if sums.min(initial=0) < 0 or sums.max(initial=0) > _LEVELS:
        return None
    encoded = sums.astype(np.uint16)
    return encoded if np.array_equal(_decode(encoded), images) else None


def _decode(encoded: np.ndarray) -> np.ndarray:
    """The float32 images, computed as :func:`model.ink.preprocess.centred_reduce` does."""
    means = encoded.astype(np.float32) / np.float32(preprocess.SUPERSAMPLE ** 2)
    return means * np.float32(1.0 / 255.0)


def _preprocess_hash() -> str:
    source = Path(preprocess.__file__).read_bytes()
    return hashlib.sha256(source).hexdigest()[:12]


def cache_path(letters: RealLetters, pen: float = preprocess.DEFAULT_PEN) -> Path:
    """Cache file of the rendered ``letters`` at ``pen``."""
    name = f"{letters.fingerprint[:16] or 'unsaved'}-{_preprocess_hash()}-p{pen:.4f}.npz"
    return cache_dir() / "real_letters" / name


def _read(path: Path, count: int) -> np.ndarray | None:
    """The cached images, or None when the file is absent, too big or not what is expected."""
    try:
        if not path.is_file() or path.stat().st_size > _MAX_CACHE_BYTES:
            return None
        with zipfile.ZipFile(path) as archive:
            if sum(info.file_size for info in archive.infolist()) > _MAX_CACHE_BYTES * 2:
                return None
        with np.load(path, allow_pickle=False) as data:
            encoded = data["sums"]
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile, zlib.error):
        return None
    if encoded.dtype != np.uint16 or encoded.shape != (count, 28, 28):
        return None
    if encoded.max(initial=0) > _LEVELS:
        return None
    return _decode(encoded)


def render_all(letters: RealLetters, pen: float = preprocess.DEFAULT_PEN,
               use_cache: bool = True, progress=None, cancel=None) -> np.ndarray:
    """Every letter as a 28x28 network input, equal to ``letters.render(None, pen)``.

    Args:
        use_cache: read the disk cache, and write it after rendering (when the letters come
            from a file, i.e. have a fingerprint).
        progress, cancel: as for :meth:`RealLetters.render`.

    Returns:
        float32 ``(len(letters), 28, 28)``.
    """
    cacheable = use_cache and bool(letters.fingerprint)
    path = cache_path(letters, pen)
    if cacheable:
        images = _read(path, len(letters))
        if images is not None:
            if progress is not None:
                progress(len(letters), len(letters))
            return images
    images = letters.render(None, pen, progress, cancel)
    encoded = _encode(images) if cacheable else None
    if encoded is not None:
        buffer = io.BytesIO()
        np.savez_compressed(buffer, sums=encoded)
        try:
            atomic_write_bytes(path, buffer.getvalue())
        except OSError:
            pass  # a cache that cannot be written only costs the next run the rendering time
    return images
