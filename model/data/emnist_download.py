"""Download the official EMNIST archive (resume, progress, cancel, checksum) and take its
letters files out of it; ``emnist`` then imports them."""

from __future__ import annotations

import hashlib
import http.client
import os
import queue
import threading
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from cnn_studio.model.data.dataset import DatasetError
from cnn_studio.model.data.emnist import LETTER_FILES, MAX_IDX_BYTES, MAX_TABLE_BYTES, emnist_dir
from cnn_studio.model.errors import Cancelled
from cnn_studio.model.storage.safe_read import IncomingFileError, check_zip

# The archive's MD5 as published with torchvision's EMNIST dataset class; NIST publishes no
# SHA-256. Set CNN_STUDIO_EMNIST_SHA256 (or pass sha256=) to check a SHA-256 instead.
SHA256_ENV = "CNN_STUDIO_EMNIST_SHA256"
OFFICIAL_URL = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
CANCEL_POLL_S = 0.1  # how often a download checks its cancel event
OFFICIAL_MD5 = "58c8d27c78d21e728a6bc7b3cc06412e"


class DownloadCancelled(Cancelled):
    """The caller's cancel event was set during a download."""


def _open(url: str, have: int, timeout: float):
    """The server's response from byte ``have`` on (None: a resumed file is already whole)."""
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:
            return None  # the partial file is already complete
        raise DatasetError(f"download of {url} failed: server answered {exc.code} "
                           f"{exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DatasetError(f"cannot reach {url} ({reason}). Check the internet connection, "
                           "or download the EMNIST files elsewhere and use Import.") from exc


def _receive(response, part: Path, have: int, url: str, progress, cancel) -> None:
    """Append (or, when the server did not resume, write) the response's bytes to ``part``."""
    resumed = response.status == 206
    length = int(response.headers.get("Content-Length") or 0)
    total = length + (have if resumed else 0)
    done = have if resumed else 0
    blocks, stop = _start_reader(response)
    try:
        with open(part, "ab" if resumed else "wb") as handle:
            while True:
                if cancel is not None and cancel.is_set():
                    raise DownloadCancelled("download cancelled; it resumes next time")
                try:
                    block = blocks.get(timeout=CANCEL_POLL_S)
                except queue.Empty:
                    continue  # the reader thread's socket timeout bounds a stall
                if isinstance(block, BaseException):
                    raise DatasetError(f"download of {url} was interrupted ({block}); "
                                       "try again to resume") from block
                if not block:
                    break
                handle.write(block)
                done += len(block)
                if progress is not None:
                    progress(done, total)
    finally:
        stop.set()


def download(url: str = OFFICIAL_URL, dest: str | os.PathLike | None = None, progress=None,
             cancel=None, sha256: str | None = None, timeout: float = 5.0) -> Path:
    """Download a file with resume (HTTP Range), progress, cancel and a checksum check.

    Args:
        url: source address (default: the official EMNIST gzip archive).
        dest: destination file (default ``emnist_dir()/<name in the url>``).
        progress: ``progress(done_bytes, total_bytes)`` (total 0 when unknown).
        cancel: ``threading.Event``-like; raises :class:`DownloadCancelled` when set. The
            partial ``.part`` file is kept so the next call resumes.
        sha256: expected SHA-256 hex digest; when None, see :func:`expected_digest`. A zip
            archive's own CRCs are checked as well.
        timeout: seconds to wait for the server before giving up.

    Returns:
        Path of the complete file.

    Raises:
        DatasetError: no network, server error, or checksum mismatch (with what to do).
    """
    dest = Path(dest) if dest is not None else emnist_dir() / url.rsplit("/", 1)[-1]
    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    response = _open(url, have, timeout)
    if response is not None:
        _receive(response, part, have, url, progress, cancel)
    _verify(part, expected_digest(url, sha256))
    os.replace(part, dest)
    return dest


def _start_reader(response) -> tuple[queue.Queue, threading.Event]:
    """Read ``response`` in a daemon thread so a stalled socket never blocks cancel.

    The thread owns the response and closes it; blocks (bytes), then ``b""`` at the end or
    the read's exception, arrive on the returned queue. Setting the event stops the thread
    after its current read (which the urlopen timeout bounds).
    """
    blocks: queue.Queue = queue.Queue()
    stop = threading.Event()

    def run() -> None:
        try:
            while not stop.is_set():
                try:
                    block = response.read1(1 << 16)
                except (OSError, ValueError, http.client.HTTPException) as exc:
                    blocks.put(exc)
                    return
                blocks.put(block)
                if not block:
                    return
        finally:
            response.close()

    threading.Thread(target=run, name="emnist-download-reader", daemon=True).start()
    return blocks, stop


def expected_digest(url: str, sha256: str | None = None) -> tuple[str, str] | None:
    """``(algorithm, hex digest)`` a download of ``url`` must match, or None when unknown.

    ``sha256`` (or the environment variable ``CNN_STUDIO_EMNIST_SHA256``) wins; the official
    archive is otherwise checked against :data:`OFFICIAL_MD5`.
    """
    sha256 = sha256 or os.environ.get(SHA256_ENV, "").strip() or None
    if sha256:
        return "sha256", sha256.lower()
    return ("md5", OFFICIAL_MD5) if url == OFFICIAL_URL else None


def _verify(path: Path, expected: tuple[str, str] | None) -> None:
    if expected is not None:
        digest = hashlib.new(expected[0])
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest().lower() != expected[1].lower():
            path.unlink()
            raise DatasetError(f"{path.name}: {expected[0].upper()} checksum mismatch (corrupt "
                               "or altered download); it was deleted, download again")
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
        if bad is not None:
            path.unlink()
            raise DatasetError(f"{path.name}: member {bad} fails its CRC check; download again")


def extract_letters(archive: str | os.PathLike, folder: str | os.PathLike | None = None
                    ) -> list[Path]:
    """Extract the letters IDX files from the official zip; returns the images files."""
    folder = Path(folder) if folder is not None else emnist_dir()
    found = []
    try:
        check_zip(archive, MAX_IDX_BYTES, 4 * MAX_TABLE_BYTES)
    except IncomingFileError as exc:
        raise DatasetError(str(exc)) from None
    try:
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                base = name.rsplit("/", 1)[-1]
                if base.startswith(LETTER_FILES) and base.endswith(".gz"):
                    target = folder / base
                    target.write_bytes(zf.read(name))
                    if "images-idx3" in base:
                        found.append(target)
    except (OSError, zipfile.BadZipFile) as exc:
        raise DatasetError(f"{archive}: not a readable zip archive ({exc})") from exc
    if not found:
        raise DatasetError(f"{archive}: holds no emnist-letters files")
    return sorted(found)
