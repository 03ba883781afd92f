"""THE rule for files that come in: regular files only, bounded bytes read and decompressed.

Every reader of a user's file (strokes, networks, models, images, EMNIST data) goes through
these helpers. They stat the path before opening it (so a FIFO never blocks), refuse folders,
devices and sockets, cap the bytes read and the bytes a gzip or zip stream expands to, and turn
every low-level failure (permissions, damaged compression, MemoryError) into one
:class:`IncomingFileError` whose one-line message names the file and the problem.
The limits are module attributes so tests can make them small.
"""

from __future__ import annotations

import gzip
import os
import stat
import zipfile
import zlib
from pathlib import Path

from cnn_studio.model.errors import UserError

MAX_FILE_BYTES = 64 * 2**20  # bytes read from any one incoming file
MAX_DECOMPRESSED_BYTES = 512 * 2**20  # bytes a compressed file or member may expand to
MAX_ARRAY_BYTES = 4 * 2**30  # an .npz dataset (decompressed) above this is refused
MAX_IMAGE_PIXELS = 40_000_000  # an image to classify (a letter) is never bigger than this
CHUNK = 1 << 20
DECOMPRESSION_ERRORS = (zlib.error, EOFError, gzip.BadGzipFile, zipfile.BadZipFile)


class IncomingFileError(UserError):
    """An incoming file is missing, unreadable, not a regular file, too big or damaged."""


def show_path(path: str | os.PathLike | bytes) -> str:
    """``path`` as printable text, whatever bytes its name holds (never raises)."""
    text = os.fsdecode(path) if isinstance(path, bytes | os.PathLike) else str(path)
    return text.encode("utf-8", errors="replace").decode("utf-8", errors="replace")


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MB"


def os_problem(path, error: BaseException) -> IncomingFileError:
    """The :class:`IncomingFileError` for an OSError/MemoryError met while reading ``path``."""
    name = show_path(path)
    if isinstance(error, FileNotFoundError):
        return IncomingFileError(f"{name}: file not found; check the path")
    if isinstance(error, PermissionError):
        return IncomingFileError(f"{name}: permission denied; make the file readable or copy "
                                 "it somewhere you can read it")
    if isinstance(error, IsADirectoryError):
        return IncomingFileError(f"{name}: is a folder, not a file; choose a file")
    if isinstance(error, MemoryError):
        return IncomingFileError(f"{name}: too large to read into memory")
    if isinstance(error, DECOMPRESSION_ERRORS):
        return IncomingFileError(f"{name}: cannot read the file, its compressed data is damaged "
                                 f"({type(error).__name__}); "
                                 "copy or download the file again")
    reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return IncomingFileError(f"{name}: cannot read the file ({reason})")


def check_regular(path: str | os.PathLike, limit: int | None = None) -> int:
    """Stat ``path`` (without opening it) and return its size.

    Raises:
        IncomingFileError: missing, unreadable, not a regular file, or bigger than ``limit``
            (default :data:`MAX_FILE_BYTES`).
    """
    limit = MAX_FILE_BYTES if limit is None else limit
    try:
        info = os.stat(path)
    except (OSError, ValueError) as error:  # ValueError: a NUL byte in the name
        raise os_problem(path, error) from None
    if stat.S_ISDIR(info.st_mode):
        raise IncomingFileError(f"{show_path(path)}: is a folder, not a file; choose a file")
    if not stat.S_ISREG(info.st_mode):
        raise IncomingFileError(f"{show_path(path)}: not a regular file (a pipe, device or "
                                "socket); choose an ordinary file")
    if info.st_size > limit:
        raise IncomingFileError(f"{show_path(path)}: too large ({_mib(info.st_size)}; at most "
                                f"{_mib(limit)} is read)")
    return info.st_size


def _read_bounded(handle, path, limit: int, what: str) -> bytes:
    """Read ``handle`` in chunks; refuse once more than ``limit`` bytes come out."""
    parts: list[bytes] = []
    total = 0
    while True:
        block = handle.read(min(CHUNK, limit + 1 - total))
        if not block:
            return b"".join(parts)
        total += len(block)
        if total > limit:
            raise IncomingFileError(f"{show_path(path)}: {what} more than {_mib(limit)}; "
                                    "refused (is it a compression bomb or the wrong file?)")
        parts.append(block)


def read_bytes(path: str | os.PathLike, limit: int | None = None) -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit``; see :func:`check_regular`)."""
    limit = MAX_FILE_BYTES if limit is None else limit
    check_regular(path, limit)
    try:
        with open(path, "rb") as handle:
            return _read_bounded(handle, path, limit, "holds")
    except (OSError, MemoryError) as error:
        raise os_problem(path, error) from None


def read_gzip(path: str | os.PathLike, limit: int | None = None) -> bytes:
    """The decompressed bytes of the gzip file ``path``, at most ``limit`` of them."""
    limit = MAX_DECOMPRESSED_BYTES if limit is None else limit
    check_regular(path, max(MAX_FILE_BYTES, limit))
    try:
        with gzip.open(path, "rb") as handle:
            return _read_bounded(handle, path, limit, "expands to")
    except (OSError, MemoryError, *DECOMPRESSION_ERRORS) as error:
        raise os_problem(path, error) from None


def read_maybe_gzip(path: str | os.PathLike, limit: int | None = None) -> bytes:
    """:func:`read_gzip` for names ending in ``.gz``, else :func:`read_bytes`."""
    if os.fsdecode(path).lower().endswith(".gz"):
        return read_gzip(path, limit)
    return read_bytes(path, limit)


def check_zip(path: str | os.PathLike, member_limit: int | None = None,
              total_limit: int | None = None) -> None:
    """Refuse a zip whose members declare more than the limits when expanded.

    ``zipfile`` never expands a member beyond its declared size, so checking the declared sizes
    bounds what any later read of the archive decompresses.
    """
    member_limit = MAX_DECOMPRESSED_BYTES if member_limit is None else member_limit
    total_limit = MAX_DECOMPRESSED_BYTES if total_limit is None else total_limit
    check_regular(path, total_limit)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (OSError, MemoryError, *DECOMPRESSION_ERRORS) as error:
        raise os_problem(path, error) from None
    for info in infos:
        if info.file_size > member_limit:
            raise IncomingFileError(f"{show_path(path)}: member {info.filename!r} expands to "
                                    f"{_mib(info.file_size)} (at most {_mib(member_limit)}); "
                                    "refused")
    if sum(info.file_size for info in infos) > total_limit:
        raise IncomingFileError(f"{show_path(path)}: expands to more than {_mib(total_limit)}; "
                                "refused")


def read_zip_member(path: str | os.PathLike, name: str, limit: int | None = None) -> bytes | None:
    """The bytes of member ``name`` of the zip ``path`` (None when absent), at most ``limit``."""
    limit = MAX_FILE_BYTES if limit is None else limit
    check_regular(path, MAX_DECOMPRESSED_BYTES)
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                info = archive.getinfo(name)
            except KeyError:
                return None
            if info.file_size > limit:
                raise IncomingFileError(f"{show_path(path)}: member {name!r} is too large "
                                        f"({_mib(info.file_size)}); refused")
            with archive.open(info) as handle:
                return _read_bounded(handle, path, limit, f"member {name!r} expands to")
    except (OSError, MemoryError, *DECOMPRESSION_ERRORS) as error:
        raise os_problem(path, error) from None


def open_image(path: str | os.PathLike):
    """Open and load an image file with Pillow, refusing decompression bombs.

    Returns:
        The loaded ``PIL.Image.Image``.
    """
    from PIL import Image, UnidentifiedImageError

    check_regular(path)
    try:
        with Image.open(Path(path)) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise IncomingFileError(f"{show_path(path)}: image of {width}x{height} pixels is "
                                        f"too large (at most {MAX_IMAGE_PIXELS:,} pixels)")
            image.load()
            return image.copy()
    except IncomingFileError:
        raise
    except (Image.DecompressionBombError, UnidentifiedImageError) as error:
        raise IncomingFileError(f"{show_path(path)}: cannot read it as an image ({error})") from None
    except (OSError, MemoryError, ValueError, *DECOMPRESSION_ERRORS) as error:
        if isinstance(error, OSError) and not isinstance(
                error, FileNotFoundError | PermissionError | IsADirectoryError):
            raise IncomingFileError(f"{show_path(path)}: cannot read it as an image "
                                    f"({error})") from None
        raise os_problem(path, error) from None


def check_npz(path: str | os.PathLike, limit: int | None = None) -> None:
    """Refuse an ``.npz`` whose arrays' headers claim more bytes than they hold or than ``limit``.

    NumPy allocates what a ``.npy`` header claims before reading; a forged header claiming
    terabytes would exhaust memory, so each header is checked against its member's size first.
    """
    import math

    import numpy as np

    limit = MAX_ARRAY_BYTES if limit is None else limit
    check_zip(path, limit, limit)
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                with archive.open(info) as handle:
                    version = np.lib.format.read_magic(handle)
                    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                                   else np.lib.format.read_array_header_2_0)
                    shape, _, dtype = read_header(handle)
                claimed = math.prod(shape) * dtype.itemsize
                if claimed > min(info.file_size, limit) or dtype.hasobject:
                    raise IncomingFileError(
                        f"{show_path(path)}: array {info.filename!r} claims {claimed:,} bytes "
                        f"but holds {info.file_size:,}; the file is damaged or forged")
    except IncomingFileError:
        raise
    except (ValueError, TypeError, SyntaxError) as error:
        raise IncomingFileError(f"{show_path(path)}: not a readable array file "
                                f"({str(error)[:120]})") from None
    except (OSError, MemoryError, *DECOMPRESSION_ERRORS) as error:
        raise os_problem(path, error) from None
