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

import sys

from screenshot import open_loaded, pump, save, shot_parser, wait


def main(argv: list[str] | None = None) -> int:
    """Take the screenshot; returns the exit code."""
    parser = shot_parser(__doc__, "training.png", "classic")
    parser.add_argument("--samples", type=int, default=6000)
    parser.add_argument("--train-share", type=float, default=0.0,
                        help="width of the Training dock as a share of the window (0: as on "
                             "a first start)")
    args = parser.parse_args(argv)
    app, window = open_loaded(args.size)  # app must stay alive
    if window is None:
        return 1
    from PySide6.QtCore import Qt

    from cnn_studio.model.storage.paths import REAL_HANDWRITING

    window.panels["builder"].load_preset(args.preset)
    if REAL_HANDWRITING.is_file() and window.panels["draw"] is not None:
        window.panels["draw"].draw_sample_from_file(str(REAL_HANDWRITING), args.letter)
    window.show_tab("train")
    if args.train_share > 0:
        window.resizeDocks([window.training_dock], [int(window.width() * args.train_share)],
                           Qt.Orientation.Horizontal)
    dashboard = window.panels["training"]
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
    saved = save(window, args.out)
    dashboard.stop_training()
    window.close()
    print(f"saved {args.out}" if saved and ok else "screenshot incomplete", file=sys.stderr)
    return 0 if saved and ok else 1


if __name__ == "__main__":
    sys.exit(main())
