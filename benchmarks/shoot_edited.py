"""Screenshot for the README: explain mode showing the network being edited, untrained.

Opens the app offscreen on a fresh home (a first start), draws a letter from the
real-handwriting set, sets stride 2 on the builder's layer 4 (the table's row 4) and brings
Explain > Sizes to the front: the canvas's answer and every explain tab are then computed with
that network's seeded Gaussian starting weights, and say so.

Usage: ``python benchmarks/shoot_edited.py [OUT.png] [--size 1366x768] [--layer 4]
[--strokes FILE.json] [--letter 7]`` (default output ``assets/screenshots/explain-edited.png``,
default strokes the real-handwriting set).
"""

from __future__ import annotations

import sys

from screenshot import open_loaded, save_and_close, shot_parser, wait


def main(argv: list[str] | None = None) -> int:
    """Take the screenshot; returns the exit code."""
    parser = shot_parser(__doc__, "explain-edited.png", "classic")
    parser.add_argument("--layer", type=int, default=4, help="1-based row to set stride 2 on")
    parser.add_argument("--strokes", default="", help="strokes-v1 file to draw --letter from")
    args = parser.parse_args(argv)
    app, window = open_loaded(args.size, lambda state: state.shown is not None)  # app stays
    if window is None:
        return 1
    from cnn_studio.model.storage.paths import REAL_HANDWRITING

    state = window.state
    strokes = args.strokes or str(REAL_HANDWRITING)
    if not window.panels["draw"].draw_sample_from_file(strokes, args.letter):
        return 1
    builder = window.panels["builder"]
    builder.table.select_layer(max(args.layer - 1, 0))
    builder.set_param("stride", 2)
    wait(lambda: state.shown is not None and not state.shown.trained and state.idle, 60)
    window.show_tab("explain")
    window.panels["explain"].show_concept("sizes_tab")
    wait(lambda: state.idle, 60)
    return save_and_close(window, args.out)


if __name__ == "__main__":
    sys.exit(main())
