"""What the README screenshot scripts share: their common options, an offscreen main window on
a fresh home, waiting while Qt runs, and saving the picture."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def shot_parser(doc: str, out_name: str, preset: str) -> argparse.ArgumentParser:
    """The options of every screenshot: OUT (in assets/screenshots by default), --preset,
    --size and --letter; a script adds its own."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(ROOT / "assets/screenshots" / out_name))
    parser.add_argument("--preset", default=preset)
    parser.add_argument("--size", default="1366x768")
    parser.add_argument("--letter", type=int, default=7, help="index in the handwriting set")
    return parser


def open_window(width: int, height: int):
    """(app, window): the main window, shown at ``width`` x ``height`` on the offscreen
    platform, its user files in a fresh temporary home (a first start)."""
    home = tempfile.mkdtemp(prefix="cnn-studio-shot-")
    os.environ.update(CNN_STUDIO_HOME=home, XDG_CONFIG_HOME=os.path.join(home, "config"),
                      TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="QtAgg")
    from cnn_studio.gui.app.launch import offscreen_platform

    os.environ["QT_QPA_PLATFORM"] = offscreen_platform((width, height))
    import matplotlib

    matplotlib.use("QtAgg")
    from PySide6.QtWidgets import QApplication

    from cnn_studio.gui.app.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow()
    window.resize(width, height)
    window.show()
    return app, window


def pump(seconds: float) -> None:
    """Let Qt run for ``seconds``."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def wait(condition, timeout: float) -> bool:
    """Let Qt run until ``condition()`` holds or ``timeout`` seconds passed; ``condition()``."""
    end = time.monotonic() + timeout
    while not condition() and time.monotonic() < end:
        pump(0.1)
    return condition()


def save(window, out: str) -> bool:
    """Save a picture of ``window`` as ``out`` (its folder made); whether it was written."""
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    return window.grab().save(out)


def open_loaded(size: str, ready=None):
    """(app, window): ``open_window`` at ``size`` ("WxH"), then Qt runs (up to 180 s) until
    TensorFlow is loaded, the window idle and ``ready(window.state)`` holds (when given).
    window is None, and a line on stderr says so, when TensorFlow did not load."""
    width, height = (int(v) for v in size.split("x"))
    app, window = open_window(width, height)
    state = window.state
    wait(lambda: state.tf_loaded and state.idle and (ready is None or ready(state)), 180)
    if not state.tf_loaded:
        print("TensorFlow did not load", file=sys.stderr)
        return app, None
    return app, window


def save_and_close(window, out: str, complete: bool = True) -> int:
    """Save ``window`` as ``out`` after Qt ran 1.5 s more, close it and say on stderr what
    was saved; the exit code: 0 when saved and ``complete``."""
    pump(1.5)
    saved = save(window, out)
    window.close()
    done = saved and complete
    print(f"saved {out}" if done else "screenshot not saved" if not saved
          else "screenshot incomplete", file=sys.stderr)
    return 0 if done else 1
