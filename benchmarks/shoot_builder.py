"""Screenshot of the layer builder for the README: a preset loaded, one layer selected.

Opens the app offscreen on a fresh home (a first start), draws a letter from the
real-handwriting set, loads a preset into the builder, selects a layer (its fields and help
show in the editor); the Training dock stays in front on the right. (Explain mode, showing
the edited network untrained, is pictured by ``shoot_edited.py``.)

Usage: ``python benchmarks/shoot_builder.py [OUT.png] [--preset lenet5] [--layer 3]
[--size 1366x768]`` (default output ``assets/screenshots/builder.png``).
"""

from __future__ import annotations

import sys

from screenshot import open_loaded, save_and_close, shot_parser


def main(argv: list[str] | None = None) -> int:
    """Take the screenshot; returns the exit code."""
    parser = shot_parser(__doc__, "builder.png", "lenet5")
    parser.add_argument("--layer", type=int, default=3, help="1-based row to select")
    args = parser.parse_args(argv)
    app, window = open_loaded(args.size)  # app must stay alive
    if window is None:
        return 1
    from cnn_studio.model.storage.paths import REAL_HANDWRITING

    if REAL_HANDWRITING.is_file():
        window.panels["draw"].draw_sample_from_file(str(REAL_HANDWRITING), args.letter)
    builder = window.panels["builder"]
    builder.load_preset(args.preset)
    builder.table.select_layer(max(args.layer - 1, 0))
    window.show_tab("train")
    return save_and_close(window, args.out)


if __name__ == "__main__":
    sys.exit(main())
