"""The runs view with 200 runs: time to show them and to sort by each column (goal: 100 ms).

Writes 200 records of a realistic size (5 epochs, 60 reported batches each, 52 per-letter
figures, three robustness curves; the figures are drawn at random, seeded) into a temporary
runs folder, reads them back as the window's task does (off the GUI thread there; timed
separately), then times on an offscreen RunsView of 1366x768: showing the entries (model
filled, the table laid out and painted) and sorting by every column, both ways (sort and
paint). Prints JSON with the medians and maxima of wall and process-CPU time, and the load
average (on a shared machine the CPU figures are the steadier ones).

Usage: ``python benchmarks/runs_view.py [--runs 200] [--repeats 5]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _records(store, count: int) -> None:
    """``count`` finished runs of the presets with seeded random figures and curves."""
    import numpy as np

    from cnn_studio.model.runs.record import RunRecord
    from cnn_studio.model.spec.files import to_json
    from cnn_studio.model.spec.presets import PRESETS

    rng = np.random.default_rng(0)
    names = list(PRESETS)
    for index in range(count):
        spec = PRESETS[names[index % len(names)]].spec
        record = RunRecord(
            id=f"run-{index:03d}", name=f"{spec.name} try {index}",
            created=f"2026-12-{1 + index % 28:02d}T{index % 24:02d}:00:00Z", updated="",
            status="finished", pid=1, host="bench", app_version="bench", device="cpu",
            network=json.loads(to_json(spec)), settings={"epochs": 5, "batch_size": 64},
            data={"source": "synthetic"}, seed=index, params=int(rng.integers(1e4, 1e6)),
            macs=int(rng.integers(1e5, 1e7)), epochs_planned=5, epochs_completed=5,
            wall_s=float(rng.uniform(10, 900)), samples_per_s=float(rng.uniform(500, 5000)))
        for step in range(300):
            for key, value in zip(("epoch", "step", "samples_seen", "loss", "accuracy"),
                                  (1 + step // 60, 1 + step % 60, 640 * (step + 1),
                                   float(rng.random()), float(rng.random())), strict=True):
                record.curves["batch"][key].append(value)
        for _ in range(5):
            for key in record.curves["epoch"]:
                record.curves["epoch"][key].append(float(rng.random()))
        record.metrics = {
            "val_accuracy": float(rng.random()), "real_accuracy": float(rng.random()),
            "real_letters": 1040,
            "per_letter": {c: float(rng.random()) for c in "abcdefghijklmnopqrstuvwxyz"
                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
            "robustness": {kind: [[float(a), float(rng.random())] for a in range(9)]
                           for kind in ("shift", "rotation", "scale")}}
        store.create(record)


def main(argv: list[str] | None = None) -> dict:
    """Measure and return the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from cnn_studio.gui.runs.runs_view import RunsView
    from cnn_studio.gui.runs.table import COLUMNS
    from cnn_studio.model.runs.store import RunStore

    app = QApplication.instance() or QApplication([])
    store = RunStore(Path(tempfile.mkdtemp(prefix="runs-view-bench-")) / "runs")
    _records(store, args.runs)
    reads, shows, sorts, show_cpu, sort_cpu = [], [], [], [], []
    view = RunsView(store, lambda fn, done: done(fn()))
    view.resize(1366, 768)
    view.show()
    app.processEvents()
    for _ in range(args.repeats):
        start = time.perf_counter()
        entries = store.entries()
        reads.append(time.perf_counter() - start)
        start, cpu = time.perf_counter(), time.process_time()
        view.set_entries(entries)
        view.table.viewport().repaint()
        app.processEvents()
        shows.append(time.perf_counter() - start)
        show_cpu.append(time.process_time() - cpu)
        for column in range(len(COLUMNS)):
            for order in (0, 1):
                start, cpu = time.perf_counter(), time.process_time()
                view.table.sortByColumn(column, (Qt.SortOrder.AscendingOrder,
                                                 Qt.SortOrder.DescendingOrder)[order])
                view.table.viewport().repaint()
                app.processEvents()
                sorts.append(time.perf_counter() - start)
                sort_cpu.append(time.process_time() - cpu)
    ms = lambda s: round(1000 * s, 2)  # noqa: E731
    report = {
        "benchmark": "runs_view", "runs": args.runs, "repeats": args.repeats,
        "cpu_count": os.cpu_count(), "rows_shown": view.model.rowCount(),
        "show_ms_median": ms(statistics.median(shows)), "show_ms_max": ms(max(shows)),
        "sort_ms_median": ms(statistics.median(sorts)), "sort_ms_max": ms(max(sorts)),
        # CPU seconds of this process: what the view costs when other work shares the cores
        "show_cpu_ms_median": ms(statistics.median(show_cpu)),
        "sort_cpu_ms_median": ms(statistics.median(sort_cpu)),
        "read_records_ms_median (off the GUI thread)": ms(statistics.median(reads)),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "goal_ms": 100,
        "met": max(max(shows), max(sorts)) <= 0.1,
    }
    view.close()
    return report


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
