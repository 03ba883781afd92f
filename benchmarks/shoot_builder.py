"""Screenshot of the layer builder for the README: a preset loaded, one layer selected.

Opens the app offscreen on a fresh home (a first start), draws a letter from the
real-handwriting set, loads a preset into the builder, selects a layer (its fields and help
show in the editor); the Training dock stays in front on the right. (Explain mode explains
the active trained model, not the network being edited, so it is not shown here.)

Usage: ``python benchmarks/shoot_builder.py [OUT.png] [--preset lenet5] [--layer 3]
[--size 1366x768]`` (default output ``assets/screenshots/builder.png``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    """Take the screenshot; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(ROOT / "assets/screenshots/builder.png"))
    parser.add_argument("--preset", default="lenet5")
    parser.add_argument("--layer", type=int, default=3, help="1-based row to select")
    parser.add_argument("--size", default="1366x768")
    parser.add_argument("--letter", type=int, default=7, help="index in the handwriting set")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    home = tempfile.mkdtemp(prefix="cnn-studio-shot-")
    os.environ.update(CNN_STUDIO_HOME=home, XDG_CONFIG_HOME=os.path.join(home, "config"),
                      TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="QtAgg")
    from cnn_studio.gui.app.launch import offscreen_platform

    os.environ["QT_QPA_PLATFORM"] = offscreen_platform((width, height))
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from cnn_studio.gui.app.main_window import MainWindow
    from cnn_studio.model.storage.paths import REAL_HANDWRITING

    app = QApplication.instance() or QApplication([])  # noqa: F841 - must stay alive
    window = MainWindow()
    window.resize(width, height)
    window.show()

    def pump(seconds: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    end = time.monotonic() + 180
    while not (window.state.tf_loaded and window.state.idle) and time.monotonic() < end:
        pump(0.1)
    if not window.state.tf_loaded:
        print("TensorFlow did not load", file=sys.stderr)
        return 1
    if REAL_HANDWRITING.is_file():
        window.draw_panel.draw_sample_from_file(str(REAL_HANDWRITING), args.letter)
    builder = window.layer_builder
    builder.load_preset(args.preset)
    builder.table.select_layer(max(args.layer - 1, 0))
    window.show_tab("train")
    pump(1.5)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    saved = window.grab().save(args.out)
    window.close()
    print(f"saved {args.out}" if saved else "screenshot not saved", file=sys.stderr)
    return 0 if saved else 1


if __name__ == "__main__":
    sys.exit(main())
