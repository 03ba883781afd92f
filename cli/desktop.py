"""The `install-desktop-entry` subcommand: a menu entry and icon for the desktop (Linux, XDG).

Writes ``applications/cnn-studio.desktop`` and the icon (``icons/hicolor/256x256/apps`` and
``scalable/apps``) under ``$XDG_DATA_HOME`` (default ``~/.local/share``); ``--remove`` deletes
them again. The entry starts this installation's ``cnn-studio``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from cnn_studio.model.storage import paths

NAME = "install-desktop-entry"
HELP = "add CNN Studio with its icon to the desktop's application menu (--remove: take it out)"
APP_ID = "cnn-studio"  # the GUI's QGuiApplication.desktopFileName


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
        f"X-CNN-Studio-Version={__version__}",
        "",
    ])


def run(args: argparse.Namespace) -> int:
    """Install (or remove) the entry and icons; print what was done."""
    where = targets(data_home())
    if args.remove:
        for path in where.values():
            if path.is_file():
                path.unlink()
                print(f"removed {path}")
        return 0
    for key, source in (("png", paths.APP_ICON_PNG), ("svg", paths.APP_ICON_SVG)):
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
