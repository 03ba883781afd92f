"""Screenshots of the runs view and the compare view, offscreen, from a real runs folder.

Shows every run of ``--runs DIR`` (e.g. the folder ``benchmarks/dense_vs_cnn.py`` trained
into, or ``$CNN_STUDIO_HOME/data/runs``) in a RunsView, selects all of them, and compares them
in a CompareView with the dense-vs-CNN explanation when both presets are there; the drawing is
one of the real letters of the held-out sites. Saves, per ``--size``, ``runs-WxH.png`` and
``compare-TAB-WxH.png`` for the curves, robustness and moved-drawing tabs into ``--out``.

Usage: ``python benchmarks/shoot_runs.py --runs DIR [--size 1366x768 --size 1920x1080]
[--out assets/screenshots]``
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "QtAgg")


def main(argv: list[str] | None = None) -> int:
    """Take the screenshots; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", required=True, help="the runs folder to show")
    parser.add_argument("--size", action="append", help="WxH (repeatable)")
    parser.add_argument("--out", default="assets/screenshots")
    args = parser.parse_args(argv)
    from PySide6.QtWidgets import QApplication

    from cnn_studio.gui.runs.compare_view import CompareView
    from cnn_studio.gui.runs.runs_view import RunsView
    from cnn_studio.model.runs.dense_vs_cnn import explanation
    from cnn_studio.model.runs.real_set import measuring_set
    from cnn_studio.model.runs.store import RunStore

    app = QApplication.instance() or QApplication([])
    store = RunStore(args.runs)

    def run_now(fn, on_done):
        on_done(fn())

    records = [e.record for e in store.entries() if e.record is not None]
    by_network = {r.network_name(): r for r in records}
    text = (explanation(by_network["dense"], by_network["classic"])
            if {"dense", "classic"} <= set(by_network) else [])
    letters = measuring_set()
    drawing = letters.x[letters.labels.index("A"), ..., 0]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for size in args.size or ["1366x768", "1920x1080"]:
        width, height = (int(v) for v in size.split("x"))
        runs = RunsView(store, run_now, dense_vs_cnn=lambda: None)
        runs.resize(width, height)
        runs.show()
        runs.refresh()
        runs.table.selectAll()
        runs.table.resizeColumnsToContents()
        app.processEvents()
        runs.grab().save(str(out / f"runs-{size}.png"))
        compare = CompareView(store, run_now)
        compare.resize(width, height)
        compare.show()
        compare.set_runs(records, text)
        compare.set_drawing(drawing)
        for index, name in ((0, "curves"), (3, "robustness"), (4, "drawing")):
            compare.tabs.setCurrentIndex(index)
            for _ in range(3):
                app.processEvents()
            compare.grab().save(str(out / f"compare-{name}-{size}.png"))
        runs.close()
        compare.close()
        print(f"saved the {size} screenshots in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
