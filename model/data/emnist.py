"""Import the EMNIST letters from local files, or download them from the official source.

Formats: the official gzip IDX pair (``emnist-letters-*-images-idx3-ubyte.gz`` plus the
matching ``labels-idx1`` file), the MATLAB ``.mat`` (needs scipy) and the Kaggle CSV (label,
then 784 pixels). EMNIST stores images transposed and labels letters 1..26; both are fixed
here, every image goes through :func:`model.ink.preprocess.bitmap_to_image`, and the result is
cached as npz under ``data_dir()/emnist``.
"""

from __future__ import annotations

import math
import os
import re
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from cnn_studio.model.data.dataset import Dataset, DatasetError, load_npz, save_npz
from cnn_studio.model.ink.preprocess import bitmap_to_image
from cnn_studio.model.storage.paths import data_dir
from cnn_studio.model.storage.safe_read import (
    IncomingFileError,
    check_regular,
    read_bytes,
    read_maybe_gzip,
    show_path,
)

LETTER_FILES = ("emnist-letters-train", "emnist-letters-test")
MAX_IDX_BYTES = 512 * 2**20  # an IDX file (decompressed) claiming more than this is refused
MAX_IDX_DIMS = 4  # images have 3 dimensions, labels 1
MAX_TABLE_BYTES = 1024 * 2**20  # a CSV or .mat file bigger than this is refused


def emnist_dir() -> Path:
    """Folder for imported EMNIST caches and downloads."""
    folder = data_dir() / "emnist"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (optionally gzip-compressed) of unsigned bytes.

    Raises:
        DatasetError: missing, truncated or not an IDX file (names the file).
    """
    try:
        data = read_maybe_gzip(path, MAX_IDX_BYTES)
    except IncomingFileError as exc:
        raise DatasetError(str(exc)) from None
    path = show_path(path)
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise DatasetError(f"{path}: not an IDX file of bytes (bad magic number)")
    ndim = data[3]
    header = 4 + 4 * ndim
    if not 1 <= ndim <= MAX_IDX_DIMS:
        raise DatasetError(f"{path}: its header claims {ndim} dimensions; EMNIST files have 1 "
                           "(labels) or 3 (images), so the file is damaged or forged")
    if len(data) < header:
        raise DatasetError(f"{path}: truncated IDX header")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    size = math.prod(shape)  # exact: np.prod would overflow int64 for a forged header
    if size > MAX_IDX_BYTES:
        claim = f"{size:,} bytes" if size < 10**15 else "more than 10^15 bytes"
        raise DatasetError(f"{path}: its header claims {claim} of data, more than "
                           f"{MAX_IDX_BYTES:,}; the file is truncated, damaged or forged")
    if len(data) - header < size:
        raise DatasetError(f"{path}: truncated, holds {len(data) - header} of {size} bytes")
    return np.frombuffer(data, np.uint8, size, header).reshape(shape)


def _labels_path(images: Path) -> Path:
    name = images.name.replace("images-idx3", "labels-idx1")
    if name == images.name:
        raise DatasetError(f"{images}: expected an '...-images-idx3-ubyte[.gz]' file name")
    return images.with_name(name)


def _finish(images: np.ndarray, labels: np.ndarray, source: Path,
            transposed: bool = True, progress=None) -> Dataset:
    """Fix orientation and labels and normalise every image."""
    labels = _whole_labels(labels, source)
    if images.ndim == 2 and images.shape[1] == 784:
        images = images.reshape(-1, 28, 28)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DatasetError(f"{source}: images must be 28x28, got shape {images.shape}")
    if len(images) != len(labels):
        raise DatasetError(f"{source}: {len(images)} images but {len(labels)} labels")
    if len(labels) == 0:
        raise DatasetError(f"{source}: holds no samples")
    if labels.min() < 1 or labels.max() > 26:
        raise DatasetError(f"{source}: labels must be 1..26 (EMNIST letters), found "
                           f"{labels.min()}..{labels.max()}; is this another EMNIST split?")
    if transposed:
        images = images.transpose(0, 2, 1)
    out = np.empty((len(images), 28, 28), np.float32)
    step = max(1, len(images) // 100)
    for i, image in enumerate(images):
        out[i] = bitmap_to_image(image)
        if progress is not None and (i + 1) % step == 0:
            progress(i + 1, len(images))
    return Dataset(out, labels - 1)


def _whole_labels(labels, source) -> np.ndarray:
    """Labels as int64; a label such as 1.5 or NaN is an error, never rounded."""
    raw = np.asarray(labels).reshape(-1)
    if raw.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(raw) | (raw != np.round(raw)))
        if len(bad):
            raise DatasetError(f"{show_path(source)}: label {raw[bad[0]]!r} of sample "
                               f"{bad[0] + 1} is not a whole number 1..26; the file is damaged")
    elif raw.dtype.kind not in "iub":
        raise DatasetError(f"{show_path(source)}: labels must be whole numbers 1..26")
    return raw.astype(np.int64)


def read_idx_pair(images_path: str | os.PathLike, progress=None) -> Dataset:
    """Read the official gzip IDX pair; the labels file is found next to the images file."""
    images_path = Path(images_path)
    labels_path = _labels_path(images_path)
    if not labels_path.exists():
        raise DatasetError(f"{images_path}: the matching labels file {labels_path.name} "
                           "is missing; put both files in the same folder")
    images = read_idx(images_path)
    return _finish(images, read_idx(labels_path), images_path, progress=progress)


def read_csv(path: str | os.PathLike, progress=None) -> Dataset:
    """Read the Kaggle CSV: one sample per line, label 1..26 then 784 pixel values.

    A UTF-8 byte order mark is ignored; a first line that is not numbers is a header.
    """
    try:
        text = read_bytes(path, MAX_TABLE_BYTES).decode("utf-8-sig")
    except IncomingFileError as exc:
        raise DatasetError(str(exc)) from None
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{show_path(path)}: not a text CSV file ({exc.reason})") from None
    lines = text.splitlines()
    skip = 0 if lines and re.match(r"^\s*[-+.\d]|^\s*nan", lines[0], re.I) else 1
    try:
        table = np.loadtxt(lines[skip:], delimiter=",", dtype=np.float32, ndmin=2)
    except (ValueError, MemoryError) as exc:
        raise DatasetError(f"{show_path(path)}: not a readable EMNIST CSV "
                           f"({str(exc)[:120]})") from None
    if table.shape[1] != 785:
        raise DatasetError(f"{show_path(path)}: each line needs a label and 784 pixels, "
                           f"found {table.shape[1]} values")
    images = np.clip(np.nan_to_num(table[:, 1:]), 0, 255).astype(np.uint8)
    return _finish(images, table[:, 0], Path(path), progress=progress)


def read_mat(path: str | os.PathLike, progress=None) -> Dataset:
    """Read the MATLAB file of EMNIST letters (train and test merged); needs scipy."""
    path = Path(path)
    try:
        from scipy.io import loadmat
    except ImportError:
        raise DatasetError(f"{path}: reading .mat files needs scipy; install it with "
                           "'pip install scipy', or use the gzip or CSV files instead") from None
    try:
        check_regular(path, MAX_TABLE_BYTES)
    except IncomingFileError as exc:
        raise DatasetError(str(exc)) from None
    try:
        mat = loadmat(path, simplify_cells=True)
        dataset = mat["dataset"]
        parts = [dataset[name] for name in ("train", "test") if name in dataset]
        images = np.concatenate([np.asarray(p["images"]).reshape(-1, 784) for p in parts])
        labels = np.concatenate([np.asarray(p["labels"]).reshape(-1) for p in parts])
    except (OSError, ValueError, KeyError, TypeError, NotImplementedError, MemoryError,
            zlib.error) as exc:
        raise DatasetError(f"{show_path(path)}: not an EMNIST .mat file "
                           f"({type(exc).__name__}: {str(exc)[:120]})") from None
    # Rows of 784 in C order are transposed images, like the IDX files; _finish fixes it.
    images = images.reshape(-1, 28, 28).astype(np.uint8)
    return _finish(images, labels, path, progress=progress)


def read_any(path: str | os.PathLike, progress=None) -> Dataset:
    """Read EMNIST letters from any supported file, chosen by the file name."""
    path = Path(path)
    name = path.name.lower()
    try:
        check_regular(path, MAX_TABLE_BYTES)
    except IncomingFileError as exc:
        raise DatasetError(str(exc)) from None
    if name.endswith(".csv"):
        return read_csv(path, progress)
    if name.endswith(".mat"):
        return read_mat(path, progress)
    if "idx3" in name:
        return read_idx_pair(path, progress)
    if "idx1" in name:
        raise DatasetError(f"{path}: this is the labels file; choose the images-idx3 file")
    raise DatasetError(f"{path}: unknown EMNIST format; use the gzip IDX pair, .mat or .csv")


def import_file(path: str | os.PathLike, progress=None) -> Dataset:
    """Import EMNIST letters from ``path`` and cache the result as npz under data_dir.

    Returns:
        The imported :class:`Dataset`.
    """
    dataset = read_any(path, progress)
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(path).name)
    save_npz(emnist_dir() / f"{stem}.npz", dataset)
    return dataset


def imported_dataset() -> Dataset | None:
    """Every EMNIST import cached so far, merged, or None when nothing was imported."""
    parts = [load_npz(p) for p in sorted(emnist_dir().glob("*.npz"))]
    if not parts:
        return None
    return Dataset(np.concatenate([p.x for p in parts]), np.concatenate([p.y for p in parts]))


def imported_files() -> list[Path]:
    """The cached EMNIST imports (npz files), oldest name first."""
    return sorted(emnist_dir().glob("*.npz"))


def imported_count() -> int | None:
    """Images in all cached EMNIST imports, read from their headers; None when none."""
    total, found = 0, False
    for path in imported_files():
        try:
            with np.load(path, allow_pickle=False) as data:
                total += len(data["y"])
                found = True
        except (OSError, KeyError, ValueError, EOFError, TypeError, zipfile.BadZipFile,
                zlib.error):
            continue  # a damaged cache is reported when the data is loaded, not here
    return total if found else None
