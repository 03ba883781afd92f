"""File dialogs start in the last folder used for that kind of file.

Kinds: ``networks`` (.cnn.json), ``models`` (.keras), ``strokes`` (drawn letters, strokes-v1
files), ``imports`` (EMNIST and other data files), ``images`` (PNG pictures), ``exports`` (CSV,
log folders). The folders live in the app's settings under ``last_folder/KIND``. A remembered
folder that no longer exists is ignored; the caller's own default applies then.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from cnn_studio.gui.common.settings import app_settings

KINDS = ("networks", "models", "strokes", "imports", "images", "exports")


def _key(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown file kind {kind!r}")
    return f"last_folder/{kind}"


def folder(kind: str) -> Path | None:
    """The last folder used for ``kind``, when it still exists."""
    value = app_settings().value(_key(kind), "")
    if not value or not isinstance(value, str):
        return None
    path = Path(value)
    return path if path.is_dir() else None


def remember(kind: str, path: str | Path, is_folder: bool = False) -> None:
    """Note the folder of ``path`` (or ``path`` itself when ``is_folder``) for ``kind``."""
    chosen = Path(path)
    target = chosen if is_folder else chosen.parent
    app_settings().setValue(_key(kind), str(target.resolve()))


def start(kind: str, default: str | Path = "") -> str:
    """Where a dialog for ``kind`` starts: the last folder (with ``default``'s file name when
    it names a file), else ``default``."""
    last = folder(kind)
    if last is None:
        return str(default)
    name = Path(default).name if default and Path(default).suffix else ""
    return str(last / name) if name else str(last)


def _chosen_file(ask, parent: QWidget | None, kind: str, caption: str, default: str | Path,
                 filters: str) -> str:
    """The file ``ask`` (a QFileDialog getter) returns, started in ``kind``'s last folder."""
    path, _ = ask(parent, caption, start(kind, default), filters)
    if path:
        remember(kind, path)
    return path


def open_file(parent: QWidget | None, kind: str, caption: str, default: str | Path = "",
              filters: str = "") -> str:
    """``QFileDialog.getOpenFileName`` starting in the last folder of ``kind``; remembers it."""
    return _chosen_file(QFileDialog.getOpenFileName, parent, kind, caption, default, filters)


def save_file(parent: QWidget | None, kind: str, caption: str, default: str | Path = "",
              filters: str = "") -> str:
    """``QFileDialog.getSaveFileName`` starting in the last folder of ``kind``; remembers it."""
    return _chosen_file(QFileDialog.getSaveFileName, parent, kind, caption, default, filters)


def existing_folder(parent: QWidget | None, kind: str, caption: str,
                    default: str | Path = "") -> str:
    """``QFileDialog.getExistingDirectory`` starting in the last folder of ``kind``."""
    chosen = QFileDialog.getExistingDirectory(parent, caption, start(kind, default))
    if chosen:
        remember(kind, chosen, is_folder=True)
    return chosen
