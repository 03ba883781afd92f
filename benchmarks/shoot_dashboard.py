"""Screenshot of the training dashboard mid-training, for the README.

Opens the app offscreen, draws a letter from the real-handwriting set on the canvas, loads a
preset into the builder, starts training on synthetic letters and saves the window once the
curves show a validation point and training is still running.

Usage: ``python benchmarks/shoot_dashboard.py [OUT.png] [--preset classic] [--samples 6000]
[--size 1366x768] [--train-share 0]`` (default output ``assets/screenshots/training.png``; the
README's pictures are taken at 1366x768 with the first start's dock split; ``--train-share 0.5``
widens the Training dock to half the window).
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
    parser.add_argument("out", nargs="?", default=str(ROOT / "assets/screenshots/training.png"))
    parser.add_argument("--preset", default="classic")
    parser.add_argument("--samples", type=int, default=6000)
    parser.add_argument("--size", default="1366x768")
    parser.add_argument("--train-share", type=float, default=0.0,
                        help="width of the Training dock as a share of the window (0: as on "
                             "a first start)")
    parser.add_argument("--letter", type=int, default=7, help="index in the handwriting set")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    home = tempfile.mkdtemp(prefix="cnn-studio-shot-")
    os.environ.update(CNN_STUDIO_HOME=home, XDG_CONFIG_HOME=os.path.join(home, "config"),
                      TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="QtAgg")
    from cnn_studio.gui.app.launch import offscreen_platform

    os.environ["QT_QPA_PLATFORM"] = offscreen_platform((width, height))
    import matplotlib

    matplotlib.use("QtAgg")
    from PySide6.QtCore import QEventLoop, Qt, QTimer
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

    def wait(condition, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while not condition() and time.monotonic() < end:
            pump(0.1)
        return condition()

    if not wait(lambda: window.state.tf_loaded and window.state.idle, 180):
        print("TensorFlow did not load", file=sys.stderr)
        return 1
    window.layer_builder.load_preset(args.preset)
    if REAL_HANDWRITING.is_file() and window.draw_panel is not None:
        window.draw_panel.draw_sample_from_file(str(REAL_HANDWRITING), args.letter)
    window.show_tab("train")
    if args.train_share > 0:
        window.resizeDocks([window.training_dock], [int(width * args.train_share)],
                           Qt.Orientation.Horizontal)
    dashboard = window.training_dashboard
    controls = dashboard.controls
    controls.samples.setValue(args.samples)
    controls.epochs.setValue(4)
    controls.batch_size.setValue(64)
    pump(0.5)
    if not dashboard.start_training():
        print(dashboard.message.text(), file=sys.stderr)
        return 1
    ok = wait(lambda: dashboard.curves.point_count("val_loss") >= 2
              and dashboard.curves.point_count("loss_raw") > dashboard.curves.point_count(
                  "val_loss") * 4 + 6, 900)
    pump(0.6)  # one more refresh of the activations and kernels
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    saved = window.grab().save(args.out)
    dashboard.stop_training()
    window.close()
    print(f"saved {args.out}" if saved and ok else "screenshot incomplete", file=sys.stderr)
    return 0 if saved and ok else 1


if __name__ == "__main__":
    sys.exit(main())
