"""Where the app keeps the user's files: data, cache, state (logs) and shipped assets.

Shipped assets are found with ``importlib.resources`` (the checkout, or the installed package);
everything the app writes goes to the user's folders (XDG on Linux), never into the package.

Set ``CNN_STUDIO_HOME`` to move everything the app writes under one folder (the tests do).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import threading
import time
from importlib.resources import files
from pathlib import Path

PROJECT_ROOT = Path(str(files("cnn_studio")))  # the checkout, or site-packages/cnn_studio
ASSETS_DIR = PROJECT_ROOT / "assets"
DEFAULT_MODEL_DIR = ASSETS_DIR / "models"
ICONS_DIR = ASSETS_DIR / "icons"
APP_ICON_PNG = ICONS_DIR / "cnn-studio.png"  # 256 px rendering of the SVG
APP_ICON_SVG = ICONS_DIR / "cnn-studio.svg"
NOTICE_FILE = PROJECT_ROOT / "NOTICE"  # third-party attributions (fonts, real letters)
REAL_HANDWRITING = PROJECT_ROOT.parent / "shared" / "data" / "chars74k_dev_strokes.json"


def _home_override() -> Path | None:
    value = os.environ.get("CNN_STUDIO_HOME")
    return Path(value) if value else None


def _data_base() -> Path:
    base = _home_override()
    if base is None:
        return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "cnn-studio"
    return base / "data"


def data_dir() -> Path:
    """Folder for the user's own files (drawn samples, saved networks, imported data)."""
    base = _data_base()
    base.mkdir(parents=True, exist_ok=True)
    return base


def state_dir() -> Path:
    """Folder for the app's state worth keeping but not the user's work (the log file)."""
    base = _home_override()
    if base is None:
        default = Path.home() / ".local" / "state"
        base = Path(os.environ.get("XDG_STATE_HOME") or default) / "cnn-studio"
    else:
        base = base / "state"
    base.mkdir(parents=True, exist_ok=True)
    return base


def user_model_dir() -> Path:
    """Where models the user trains go by default: ``models`` in the data folder (not created)."""
    return _data_base() / "models"


def default_pretrain_output(name: str = "default.keras") -> Path:
    """``pretrain``'s default output: the shipped model in a writable checkout, else the user's.

    An installed package (site-packages, often read-only) is never written to: the model goes to
    :func:`user_model_dir` instead.
    """
    if os.access(DEFAULT_MODEL_DIR, os.W_OK) and not _installed():
        return DEFAULT_MODEL_DIR / name
    return user_model_dir() / name


def _installed() -> bool:
    """Whether the package runs from an installed copy rather than a source checkout."""
    return not (PROJECT_ROOT / "pyproject.toml").is_file()


def cache_dir() -> Path:
    """Folder for files the app can regenerate (synthetic datasets)."""
    base = _home_override()
    if base is None:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cnn-studio"
    else:
        base = base / "cache"
    base.mkdir(parents=True, exist_ok=True)
    return base


_NOT_IN_NAMES = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def safe_file_stem(name: str, fallback: str = "network", limit: int = 100) -> str:
    """A file name made from a display name: never a path, never hidden, never empty.

    Separators, control characters (NUL included) and characters Windows forbids become
    ``_``; leading dots and spaces go (``../../x`` -> ``_.._x`` stays in its folder).
    """
    stem = _NOT_IN_NAMES.sub("_", str(name)).strip().lstrip(". ").strip()[:limit].rstrip(". ")
    stem = "".join(c for c in stem if not 0xD800 <= ord(c) <= 0xDFFF)  # lone surrogates
    return stem or fallback


STALE_TEMP_S = 60.0  # a temporary save file this old is left over from a killed save
# .NAME.PID[.THREAD].tmp[SUFFIX]: the pid is the first number after the name; the suffixes are
# those the app's own saves use (Keras models, exports, a SavedModel set aside, backups)
TEMP_SUFFIXES = (".keras", ".tflite", ".onnx", ".old", ".weights.h5")
_TEMP_NAME = re.compile(r"^\..+?\.(\d{1,10})(?:\.\d+)?\.tmp(?:"
                        + "|".join(re.escape(suffix) for suffix in TEMP_SUFFIXES) + r")?$")


def temp_sibling(path: str | os.PathLike, suffix: str = "") -> Path:
    """The temporary file an atomic save of ``path`` writes first: ``.NAME.PID.THREAD.tmp``.

    Args:
        path: the file being saved.
        suffix: appended after ``.tmp`` (Keras insists that model files end in ``.keras``).
    """
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp{suffix}")


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (someone else's process counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0  # exists but belongs to someone else (or an absurd number)
    except OSError:
        return True
    return True


def remove_stale_temp_files(folder: str | os.PathLike) -> list[Path]:
    """Delete temporary files and folders left in ``folder`` by saves that were killed midway.

    An entry named like :func:`temp_sibling` (with one of :data:`TEMP_SUFFIXES`, or none) is
    stale when the process that wrote it is gone, or when it is older than
    :data:`STALE_TEMP_S` (the pid was reused). A SavedModel export's temporary is a folder; it
    is removed whole. Links are removed, never followed.

    Returns:
        The entries removed.
    """
    removed: list[Path] = []
    try:
        candidates = [path for path in Path(folder).glob(".*.tmp*")
                      if _TEMP_NAME.match(path.name)]
    except OSError:
        return removed
    now = time.time()
    for path in candidates:
        try:
            info = path.lstat()
            old = now - info.st_mtime > STALE_TEMP_S
            match = _TEMP_NAME.match(path.name)
            if match is None or not (old or not pid_alive(int(match.group(1)))):
                continue
            if stat.S_ISDIR(info.st_mode):
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
        except OSError:
            continue  # vanished meanwhile (the save finished) or not ours to delete
    return removed


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``.

    A crash at any moment leaves either the old file or the new one, never a half-written one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_sibling(path)
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
