"""Where the app keeps the user's files: data, cache and shipped assets.

Set ``CNN_STUDIO_HOME`` to move everything the app writes under one folder (the tests do).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ASSETS_DIR = PROJECT_ROOT / "assets"
DEFAULT_MODEL_DIR = ASSETS_DIR / "models"
REAL_HANDWRITING = PROJECT_ROOT.parent / "shared" / "data" / "chars74k_dev_strokes.json"


def _home_override() -> Path | None:
    value = os.environ.get("CNN_STUDIO_HOME")
    return Path(value) if value else None


def data_dir() -> Path:
    """Folder for the user's own files (drawn samples, saved networks, imported data)."""
    base = _home_override()
    if base is None:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "cnn-studio"
    else:
        base = base / "data"
    base.mkdir(parents=True, exist_ok=True)
    return base


def cache_dir() -> Path:
    """Folder for files the app can regenerate (synthetic datasets)."""
    base = _home_override()
    if base is None:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cnn-studio"
    else:
        base = base / "cache"
    base.mkdir(parents=True, exist_ok=True)
    return base


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``.

    A crash at any moment leaves either the old file or the new one, never a half-written one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Text version of :func:`atomic_write_bytes` (UTF-8)."""
    atomic_write_bytes(path, text.encode("utf-8"))
