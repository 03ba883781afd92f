"""The `install-desktop-entry` subcommand: a menu entry and icon for the desktop (Linux, XDG).

Writes ``applications/cnn-studio.desktop`` and the icon (``icons/hicolor/256x256/apps`` and
``scalable/apps``) under ``$XDG_DATA_HOME`` (default ``~/.local/share``); ``--remove`` deletes
them again. The entry starts this installation's ``cnn-studio``.

The entry carries the key :data:`MARK_KEY`: a ``cnn-studio.desktop`` without it (the person's
own), a link or a folder at that name is never replaced or removed; the command says what is
there and exits 2. An icon is replaced or removed only when it is this app's icon or sits
beside an entry this command wrote.
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import sys
from pathlib import Path

from cnn_studio.model.storage import paths
from cnn_studio.model.storage.safe_read import show_path

NAME = "install-desktop-entry"
HELP = "add CNN Studio with its icon to the desktop's application menu (--remove: take it out)"
APP_ID = "cnn-studio"  # the GUI's QGuiApplication.desktopFileName
MARK_KEY = "X-CNN-Studio-Version"  # only entries holding this key were written by this command
MAX_ENTRY_BYTES = 64 * 1024  # an existing entry larger than this is not ours


class Refused(Exception):
    """Something at a target path that this command must not replace or remove."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this command's options."""
    parser.add_argument("--remove", action="store_true",
                        help="remove the entry and icons this command installed")


def data_home() -> Path:
    """``$XDG_DATA_HOME`` or ``~/.local/share``."""
    value = os.environ.get("XDG_DATA_HOME")
    return Path(value) if value and Path(value).is_absolute() else Path.home() / ".local" / "share"


def targets(base: Path) -> dict[str, Path]:
    """Where the desktop file and the two icons go under ``base``."""
    return {"desktop": base / "applications" / f"{APP_ID}.desktop",
            "png": base / "icons" / "hicolor" / "256x256" / "apps" / f"{APP_ID}.png",
            "svg": base / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"}


def launch_command() -> str:
    """The Exec line: this environment's ``cnn-studio`` script, else ``python -m``."""
    script = Path(sys.executable).with_name(APP_ID)
    found = str(script) if script.is_file() else shutil.which(APP_ID)
    if found:
        return _quote(found)
    return f"{_quote(sys.executable)} -m cnn_studio.main"


def _quote(argument: str) -> str:
    """Quote an Exec argument as the Desktop Entry spec asks (double quotes, escapes)."""
    if not any(c in argument for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return argument
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in argument)
    return f'"{escaped}"'


def desktop_entry(exec_line: str) -> str:
    """The ``.desktop`` file's text."""
    from cnn_studio import __version__

    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=CNN Studio",
        "GenericName=Neural network studio",
        "Comment=Build, train and understand convolutional neural networks on handwritten letters",
        f"Exec={exec_line}",
        f"Icon={APP_ID}",
        "Terminal=false",
        "Categories=Education;Science;ArtificialIntelligence;",
        "Keywords=CNN;neural network;Keras;TensorFlow;handwriting;",
        f"StartupWMClass={APP_ID}",
        f"{MARK_KEY}={__version__}",
        "",
    ])


def _kind(path: Path) -> str | None:
    """What is at ``path`` without following a link: None (nothing), file, link, folder, other."""
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None  # nothing there (or a file where a folder above it should be)
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "folder"
    return "file" if stat.S_ISREG(mode) else "special file"


def written_by_us(entry: Path) -> bool:
    """Whether ``entry`` is a regular ``.desktop`` file this command wrote (it has the mark)."""
    if _kind(entry) != "file":
        return False
    try:
        if entry.stat().st_size > MAX_ENTRY_BYTES:
            return False
        lines = entry.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return False
    return any(line.split("=", 1)[0].strip() == MARK_KEY for line in lines)


def _our_icon(path: Path, source: Path) -> bool:
    """Whether the regular file ``path`` holds exactly the shipped icon ``source``."""
    try:
        return _kind(path) == "file" and path.read_bytes() == source.read_bytes()
    except OSError:
        return False


def _icon_sources() -> dict[str, Path]:
    return {"png": paths.APP_ICON_PNG, "svg": paths.APP_ICON_SVG}


def _check_replaceable(where: dict[str, Path], ours: bool) -> None:
    """Raise Refused when a target holds something this command did not write."""
    entry = where["desktop"]
    kind = _kind(entry)
    if kind is not None and not ours:
        what = "is not the entry this command writes (no " + MARK_KEY + " key)" \
            if kind == "file" else f"is a {kind}"
        raise Refused(f"{show_path(entry)} {what}; it was left as it is. Move it away "
                      "yourself, then run this command again.")
    for key, source in _icon_sources().items():
        icon, icon_kind = where[key], _kind(where[key])
        if icon_kind is None or (icon_kind == "file" and (ours or _our_icon(icon, source))):
            continue
        raise Refused(f"{show_path(icon)} is a {icon_kind} this command did not write; it was "
                      "left as it is. Move it away yourself, then run this command again.")


def _remove(where: dict[str, Path]) -> int:
    entry = where["desktop"]
    ours = written_by_us(entry)
    kind = _kind(entry)
    if kind is not None and not ours:
        what = "was not written by this command" if kind == "file" else f"is a {kind}"
        print(f"{NAME}: {show_path(entry)} {what}; it was left as it is.", file=sys.stderr)
        return 2
    removed = []
    for key, path in where.items():
        if key == "desktop" and ours or key != "desktop" and _kind(path) == "file" and (
                ours or _our_icon(path, _icon_sources()[key])):
            path.unlink()
            removed.append(path)
    for path in removed:
        print(f"removed {path}")
    if not removed:
        print("nothing to remove: no CNN Studio entry is installed")
    return 0


def _install(where: dict[str, Path]) -> int:
    _check_replaceable(where, written_by_us(where["desktop"]))
    for key, source in _icon_sources().items():
        try:
            data = source.read_bytes()
        except OSError as error:
            print(f"{NAME}: the icon {source} is missing ({error.strerror}); reinstall CNN Studio.",
                  file=sys.stderr)
            return 2
        paths.atomic_write_bytes(where[key], data)
    paths.atomic_write_text(where["desktop"], desktop_entry(launch_command()))
    for path in where.values():
        print(f"wrote {path}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Install (or remove) the entry and icons; print what was done (exit 2 with one line)."""
    where = targets(data_home())
    try:
        return _remove(where) if args.remove else _install(where)
    except Refused as refused:
        print(f"{NAME}: {refused}", file=sys.stderr)
    except OSError as error:
        print(f"{NAME}: {_os_problem(error)}", file=sys.stderr)
    return 2


def _os_problem(error: OSError) -> str:
    """One sentence for a failed write under the data folder: where, what, what to do."""
    place = show_path(error.filename) if error.filename else show_path(data_home())
    if isinstance(error, FileExistsError | NotADirectoryError):
        return (f"cannot write under {place}: a file is where a folder is needed; move that "
                "file away and run this command again.")
    return (f"cannot write {place} ({error.strerror or error}); make "
            f"{show_path(data_home())} a folder you can write to, or set XDG_DATA_HOME to one.")
