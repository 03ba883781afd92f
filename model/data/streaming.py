"""Datasets on disk that training reads in blocks, so they never have to fit in memory.

A record file is a NumPy ``.npy`` array of records ``(y: uint8 class 0..25, x: uint8 28x28
image, ink 255)``: 785 bytes a letter, readable by ``np.load(path, mmap_mode="r")``. Training
reads it block by block with ``os.pread`` (a memory map would count every page it touched as
the process's memory). ``cnn-studio data import --stream`` writes one from EMNIST files; the
gzip IDX files are converted a chunk at a time, including the ByClass split restricted to
letters (upper and lower case of a letter are one class here).
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from cnn_studio.model.data.dataset import NUM_CLASSES, Dataset, DatasetError
from cnn_studio.model.ink.preprocess import bitmap_to_image
from cnn_studio.model.storage.paths import temp_sibling
from cnn_studio.model.storage.safe_read import IncomingFileError, check_regular, show_path

RECORD = np.dtype([("y", "u1"), ("x", "u1", (28, 28))])
HEADER_BYTES = 128  # the .npy header this module writes (a multiple of 64, as NumPy pads)
BLOCK = 1024  # records per read
MAX_RECORD_FILE = 64 * 2**30
CHUNK = 8192  # images converted at a time on import


class RecordFile:
    """An opened record file: ``count`` letters from byte ``offset`` on.

    Raises:
        DatasetError: not a regular file, not an ``.npy`` of records, or truncated.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        try:
            size = check_regular(self.path, MAX_RECORD_FILE)
            with open(self.path, "rb") as handle:
                version = np.lib.format.read_magic(handle)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, fortran, dtype = read_header(handle, max_header_size=10_000)
                self.offset = handle.tell()
        except IncomingFileError as error:
            raise DatasetError(str(error)) from None
        except (OSError, ValueError, SyntaxError) as error:
            raise DatasetError(f"{show_path(self.path)}: not a .npy record file ({error}); "
                               "write one with 'cnn-studio data import --stream'") from None
        if dtype != RECORD or len(shape) != 1 or fortran:
            raise DatasetError(f"{show_path(self.path)}: holds {dtype} {shape}, not letter "
                               "records; write one with 'cnn-studio data import --stream'")
        self.count = int(shape[0])
        if size < self.offset + self.count * RECORD.itemsize:
            raise DatasetError(f"{show_path(self.path)}: truncated ({size:,} bytes for "
                               f"{self.count:,} records); import the data again")
        self._check_labels()

    def _check_labels(self) -> None:
        """Refuse a file holding a label outside 0..25, read :data:`CHUNK` records at a time.

        Training would otherwise fail in the middle of an epoch with TensorFlow's bare "Graph
        execution error"; the whole file is read once here, in bounded memory.
        """
        buffer = np.empty(CHUNK, RECORD)
        for start in range(0, self.count, CHUNK):
            labels = self.read(start, CHUNK, buffer)["y"]
            bad = np.flatnonzero(labels >= NUM_CLASSES)
            if len(bad):
                raise DatasetError(
                    f"{show_path(self.path)}: record {start + int(bad[0]):,} has label "
                    f"{int(labels[bad[0]])}, but labels run 0..{NUM_CLASSES - 1}; the file is "
                    "damaged or not a letter record file: write it again with 'cnn-studio "
                    "data import --stream'")

    def __len__(self) -> int:
        return self.count

    @property
    def blocks(self) -> int:
        """Number of :data:`BLOCK`-record blocks (the last one may be shorter)."""
        return -(-self.count // BLOCK)

    def read(self, start: int, count: int, out: np.ndarray | None = None) -> np.ndarray:
        """Records ``start .. start + count`` (clipped to the file), read into ``out``.

        Args:
            out: a record array to fill from its start (a new one if None).
        """
        start, stop = max(0, start), min(self.count, start + count)
        out = np.empty(max(0, stop - start), RECORD) if out is None else out[:max(0, stop - start)]
        if len(out):
            with open(self.path, "rb", buffering=0) as handle:
                handle.seek(self.offset + start * RECORD.itemsize)
                if handle.readinto(out.data.cast("B")) != out.nbytes:
                    raise DatasetError(f"{show_path(self.path)}: changed while training "
                                       "(short read)")
        return out

    def read_block(self, index: int) -> np.ndarray:
        """Block ``index`` of :data:`BLOCK` records."""
        return self.read(index * BLOCK, BLOCK)

    def class_counts(self) -> np.ndarray:
        """Letters per class, counted block by block."""
        counts = np.zeros(NUM_CLASSES, np.int64)
        for index in range(self.blocks):
            counts += np.bincount(self.read_block(index)["y"], minlength=NUM_CLASSES)
        return counts


def split_blocks(records: RecordFile, val_fraction: float, seed: int = 0):
    """Training and validation blocks: a seeded ``val_fraction`` of the blocks validates.

    Returns:
        ``(train_blocks, val_blocks)`` sorted index arrays; with two or more blocks and a
        positive fraction each side has at least one.
    """
    order = np.random.default_rng(seed).permutation(records.blocks)
    held = int(round(records.blocks * val_fraction))
    if val_fraction > 0 and records.blocks >= 2:
        held = min(max(held, 1), records.blocks - 1)
    return np.sort(order[held:]), np.sort(order[:held])


def batches(records: RecordFile, blocks, batch_size: int, seed: int | None = None,
            window: int = 4) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One pass of ``(images float32 (n, 28, 28, 1), labels int64)`` batches over ``blocks``.

    Every batch but the last has ``batch_size`` letters. With a ``seed`` the block order is
    shuffled and the letters of every ``window`` blocks are mixed; about two windows of
    records are held in memory at a time.
    """
    blocks = np.asarray(blocks)
    rng = None if seed is None else np.random.default_rng(seed)
    if rng is not None:
        blocks = rng.permutation(blocks)
    left = np.zeros(0, RECORD)
    for first in range(0, len(blocks), window):
        part = np.empty(len(left) + window * BLOCK, RECORD)
        part[:len(left)] = left
        end = len(left)
        for block in blocks[first:first + window]:
            end += len(records.read(int(block) * BLOCK, BLOCK, part[end:]))
        part = part[:end]
        if rng is not None:
            part = part[rng.permutation(len(part))]
        whole = len(part) - len(part) % batch_size
        for start in range(0, whole, batch_size):
            yield _tensors(part[start:start + batch_size])
        left = part[whole:].copy()
    if len(left):
        yield _tensors(left)


def _tensors(chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return chunk["x"][..., None].astype(np.float32) / 255.0, chunk["y"].astype(np.int64)


class RecordWriter:
    """Write a record file a chunk at a time, atomically (temporary file, then rename).

    Use as a context manager; :meth:`add` takes a :class:`Dataset` or uint8 images and labels.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.count = 0
        self._tmp = temp_sibling(self.path)

    def __enter__(self) -> RecordWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(self._tmp, "wb")
        self._handle.write(b"\0" * HEADER_BYTES)
        return self

    def add(self, images: np.ndarray, labels: np.ndarray) -> None:
        """Append letters: images (n, 28, 28[, 1]) float in 0..1 or uint8, labels 0..25."""
        data = Dataset(images, labels)
        chunk = np.empty(len(data), RECORD)
        chunk["x"] = np.rint(np.clip(data.x[..., 0], 0, 1) * 255).astype(np.uint8)
        chunk["y"] = data.y
        self._handle.write(chunk.tobytes())
        self.count += len(chunk)

    def __exit__(self, kind, error, trace) -> None:
        try:
            if kind is None:
                self._handle.seek(0)
                self._handle.write(_header(self.count))
                self._handle.flush()
                os.fsync(self._handle.fileno())
            self._handle.close()
            if kind is None:
                os.replace(self._tmp, self.path)
        finally:
            self._handle.close()
            if self._tmp.exists():
                self._tmp.unlink()


def _header(count: int) -> bytes:
    """A version 1.0 ``.npy`` header of exactly :data:`HEADER_BYTES` bytes."""
    text = repr({"descr": np.lib.format.dtype_to_descr(RECORD), "fortran_order": False,
                 "shape": (count,)})
    text = text.ljust(HEADER_BYTES - 10 - 1) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1")


def _label_table(name: str) -> np.ndarray:
    """EMNIST label -> class 0..25, or -1 for a label that is not a letter, by split name."""
    table = np.full(256, -1, np.int64)
    if "byclass" in name:
        table[10:36] = np.arange(26)  # upper case
        table[36:62] = np.arange(26)  # lower case
    elif "letters" in name:
        table[1:27] = np.arange(26)
    else:
        raise DatasetError(f"{name}: only the EMNIST 'letters' and 'byclass' IDX files are "
                           "understood (the name says which)")
    return table


def _open_idx(path: Path, magic: int, dims: int):
    """An open (decompressing) IDX file positioned after its header, and its shape."""
    try:
        check_regular(path, MAX_RECORD_FILE)
        handle = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")
        header = handle.read(4 + 4 * dims)
    except IncomingFileError as error:
        raise DatasetError(str(error)) from None
    except (OSError, EOFError) as error:
        raise DatasetError(f"{show_path(path)}: cannot be read ({error})") from None
    if len(header) < 4 + 4 * dims or struct.unpack(">I", header[:4])[0] != magic:
        handle.close()
        raise DatasetError(f"{show_path(path)}: not an EMNIST IDX file of this kind "
                           "(bad magic number)")
    return handle, struct.unpack(f">{dims}I", header[4:])


def _read_exact(handle, size: int, path: Path) -> bytes:
    try:
        data = handle.read(size)
    except (OSError, EOFError, zlib.error) as error:
        raise DatasetError(f"{show_path(path)}: damaged ({error})") from None
    if len(data) != size:
        raise DatasetError(f"{show_path(path)}: truncated; download it again")
    return data


def import_idx(images_path: str | os.PathLike, writer: RecordWriter,
               progress=None) -> tuple[int, int]:
    """Append the letters of an EMNIST images-idx3 file (and its labels file) to ``writer``.

    Reads :data:`CHUNK` images at a time; keeps the letters (ByClass: upper and lower case).

    Returns:
        ``(letters kept, images read)``.
    """
    images_path = Path(images_path)
    name = images_path.name.lower()
    if "images-idx3" not in name:
        raise DatasetError(f"{show_path(images_path)}: expected an '...-images-idx3-ubyte"
                           "[.gz]' file name")
    labels_path = images_path.with_name(images_path.name.replace("images-idx3", "labels-idx1"))
    table = _label_table(name)
    images, (count, rows, cols) = _open_idx(images_path, 0x803, 3)
    with images:
        labels, (label_count,) = _open_idx(labels_path, 0x801, 1)
        with labels:
            if (rows, cols) != (28, 28) or label_count != count:
                raise DatasetError(f"{show_path(images_path)}: {count} images of {rows}x{cols} "
                                   f"and {label_count} labels; expected 28x28 and one each")
            kept = 0
            for done in range(0, count, CHUNK):
                size = min(CHUNK, count - done)
                pixels = np.frombuffer(_read_exact(images, size * 784, images_path), np.uint8)
                classes = table[np.frombuffer(_read_exact(labels, size, labels_path), np.uint8)]
                letters = np.flatnonzero(classes >= 0)
                bitmaps = pixels.reshape(size, 28, 28)[letters].transpose(0, 2, 1)
                writer.add(np.stack([bitmap_to_image(b) for b in bitmaps]) if len(letters)
                           else np.zeros((0, 28, 28), np.float32), classes[letters])
                kept += len(letters)
                if progress is not None:
                    progress(done + size, count)
    return kept, count
