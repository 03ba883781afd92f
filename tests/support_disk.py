"""A small, real file system that fills up: for tests of writes on a full disk (test helper)."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_disk(folder: Path, size_kb: int):
    """Mount a ``size_kb`` tmpfs on ``folder`` for the block; skip the test where mounting is
    not allowed (it needs root or a user namespace with mount rights)."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs",
                              str(folder)], capture_output=True, check=False, timeout=30)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here ({mounted.stderr.decode()[:80]})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False,
                       timeout=30)


def fill(folder: Path, leave_bytes: int = 0) -> None:
    """Fill the file system holding ``folder`` until at most ``leave_bytes`` are free."""
    import shutil

    free = shutil.disk_usage(folder).free - leave_bytes
    with contextlib.suppress(OSError), open(folder / "filler", "wb") as handle:
        while free > 0:
            handle.write(b"\0" * min(free, 1 << 16))
            free -= 1 << 16
