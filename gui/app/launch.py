"""Starting the GUI: display checks, the QApplication, the window and screenshot mode."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from cnn_studio.gui.app.main_window import MainWindow

SCREENSHOT_TIMEOUT_S = 180


def display_problem() -> str | None:
    """Why no window can be shown, or None when a display (or offscreen mode) is available."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return None
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return ("cnn-studio: no display found. Run it on a desktop, start a virtual one "
                "(xvfb-run python main.py), or set QT_QPA_PLATFORM=offscreen "
                "(e.g. for --screenshot).")
    return None


def offscreen_platform(size: tuple[int, int]) -> str:
    """The offscreen platform string with a virtual screen large enough for ``size``."""
    import json
    import tempfile

    config = {"screens": [{"name": "screenshot", "x": 0, "y": 0, "width": size[0] + 100,
                           "height": size[1] + 100, "logicalDpi": 96, "logicalBaseDpi": 96,
                           "dpr": 1}]}
    handle = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    with handle:
        json.dump(config, handle)
    return f"offscreen:configfile={handle.name}"


DESKTOP_FILE_NAME = "cnn-studio"  # matches cnn-studio.desktop (cli/desktop.py)


def make_application(argv0: list[str]):
    """The QApplication with the app's names, icon and desktop file name."""
    from PySide6.QtGui import QGuiApplication, QIcon
    from PySide6.QtWidgets import QApplication

    from cnn_studio import __version__
    from cnn_studio.model.storage.paths import APP_ICON_PNG

    app = QApplication.instance() or QApplication(argv0)
    app.setApplicationName("CNN Studio")
    app.setOrganizationName("CNN Studio")
    app.setApplicationVersion(__version__)
    QGuiApplication.setDesktopFileName(DESKTOP_FILE_NAME)
    app.setWindowIcon(QIcon(str(APP_ICON_PNG)))
    return app


def run_gui(screenshot: str | None = None, size: tuple[int, int] | None = None,
            draw: str | None = None, tab: str | None = None,
            log_file: Path | None = None) -> int:
    """Show the main window; with ``screenshot`` save a PNG once ready and exit.

    Uncaught errors are logged to ``log_file`` and shown in a message box (``error_dialog``).

    Returns:
        The process exit code.
    """
    if screenshot:
        os.environ["QT_QPA_PLATFORM"] = offscreen_platform(size or (1400, 900))
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    os.environ.setdefault("MPLBACKEND", "QtAgg")  # before TensorFlow imports pyplot
    from PySide6.QtCore import QTimer

    from cnn_studio.gui.app import error_dialog
    from cnn_studio.gui.app.main_window import MainWindow

    app = make_application(sys.argv[:1])
    reporter = error_dialog.install(log_file, app)
    logging.getLogger("cnn_studio").info("GUI start-up (log: %s)", log_file)
    window = MainWindow(defer_panels=True, learn_at_first_start=True, session=not screenshot)
    if size or screenshot:
        window.resize(*(size or (1400, 900)))
    if tab:
        window.show_tab(tab)
    if draw:
        pre_draw(window, draw)
    if os.environ.get("CNN_STUDIO_REPORT_FIRST_PAINT"):
        window.first_paint.connect(lambda: (print(f"first-paint {time.time():.6f}", flush=True),
                                            QTimer.singleShot(0, window.close)))
    window.show()
    taker = ScreenshotTaker(window, screenshot, app) if screenshot else None
    if taker:
        taker.start()
    try:
        return app.exec()
    finally:
        reporter.uninstall()


def pre_draw(window: MainWindow, spec: str) -> None:
    """Draw sample INDEX of a strokes-v1 FILE on the canvas (``--draw FILE.json:INDEX``)."""
    path, _, index = spec.rpartition(":")
    if not path or not index.isdigit():
        path, index = spec, "0"
    panel = window.panels.get("draw")
    if panel is None:
        print("cnn-studio: --draw needs the drawing canvas, which is not available.", file=sys.stderr)
        return
    panel.draw_sample_from_file(path, int(index))


class ScreenshotTaker:
    """Waits until TensorFlow is loaded and background work is done, then saves the window."""

    def __init__(self, window: MainWindow, path: str, app: QApplication) -> None:
        from PySide6.QtCore import QTimer

        self.window, self.path, self.app = window, path, app
        self.started = time.monotonic()
        self.quiet_polls = 0
        self.timer = QTimer()
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._poll)

    def start(self) -> None:
        """Begin polling."""
        self.timer.start()

    def _poll(self) -> None:
        state = self.window.state
        ready = state.idle and (state.tf_loaded or self.window.tf_label.text() != "Loading TensorFlow...")
        self.quiet_polls = self.quiet_polls + 1 if ready else 0
        timed_out = time.monotonic() - self.started > SCREENSHOT_TIMEOUT_S
        if self.quiet_polls < 5 and not timed_out:
            return
        self.timer.stop()
        ok = self.window.grab().save(self.path)
        if timed_out:
            print(f"cnn-studio: the app was not ready after {SCREENSHOT_TIMEOUT_S} s; "
                  "saved what it showed.", file=sys.stderr)
        if not ok:
            print(f"cnn-studio: could not write {self.path}.", file=sys.stderr)
        self.window.close()
        self.app.exit(0 if ok and not timed_out else 1)
