"""Benchmark: repainting the network overview after a new drawing and per training snapshot.

The shipped default model's Predictions (numpy engine) of real-looking drawn letters are
handed to the overview (``gui.overview.widget.NetworkOverview``: ``show_network``, ``flush``
and a synchronous ``repaint``) and, as the baseline in the same run, to today's activation
strip (``gui.common.activation_view.ActivationView``: ``set_prediction`` and ``repaint``), as
interleaved pairs (which goes first alternates). The forward pass is not timed: both get the
same Prediction.

Two cases: a new drawing (new activations, same weights), and a training snapshot (weights
nudged, the drawing run again, the new weights handed over too, a map selected so that its
connections and kernel are redrawn). Two sizes: the overview's share of a 1366x768 window
(1000x560) and of a 1920x1080 window (1500x860); the strip gets the same size. Offscreen Qt.
Prints JSON: per case and size the median and p99 in milliseconds of each, wall clock and
the GUI thread's CPU time, and the ratios of the medians (overview / strip); and the machine's
load average before and after (wall-clock times and lateness on a shared machine depend on it).

Then GUI lateness (``training.LatenessProbe``: a 10 ms timer in the GUI thread) while
snapshots arrive at 50 a second for ``--seconds`` (the overview draws at most 20 of them a
second), against the same idle event loop measured just before and against the activation
strip alone fed the same way (the overview hidden).

Usage: ``python benchmarks/overview.py [PAIRS] [--warmup N] [--seconds S]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: The overview's room in a window of each size (the canvas and the docks take the rest).
SIZES = {"1366x768": (1000, 560), "1920x1080": (1500, 860)}
LETTERS = "LTOXVZ"


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", nargs="?", type=int, default=150, help="measured pairs (>= 50)")
    parser.add_argument("--warmup", type=int, default=15, help="unmeasured pairs first")
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="lateness measured for this long, idle and fed")
    args = parser.parse_args()
    if args.pairs < 50:
        parser.error("measure at least 50 pairs")
    return args


def _drawings(count: int):
    """``count`` jittered drawings of a few letters, 28x28 (the tests' stroke letters)."""
    import numpy as np

    sys.path.insert(0, str(ROOT / "tests"))
    from support_letters import letter_strokes

    from cnn_studio.model.ink.preprocess import strokes_to_image

    rng = np.random.default_rng(0)
    return [strokes_to_image(letter_strokes(LETTERS[i % len(LETTERS)], rng))
            for i in range(count)]


def _default_model():
    from cnn_studio.model.nets.keras_file import load_network
    from cnn_studio.model.spec.files import load_spec
    from cnn_studio.model.storage import paths

    network = load_network(paths.DEFAULT_MODEL_DIR / "default.keras")
    spec = load_spec(paths.DEFAULT_MODEL_DIR / "default.cnn.json")
    return spec, [array for layer in network.layers for array in layer.weights]


def _snapshots(spec, weights, image, count: int):
    """(weights, Prediction) of ``count`` training snapshots: the weights nudged a little more
    each time, as a few batches of training would."""
    import numpy as np

    from cnn_studio.model.nets.numpy_forward import network_from_spec

    rng = np.random.default_rng(1)
    result, current = [], [w.copy() for w in weights]
    for _ in range(count):
        current = [w + rng.normal(0, 0.002, w.shape).astype(np.float32) if w.ndim > 1 else w
                   for w in current]
        result.append((current, network_from_spec(spec, current).forward(image)))
    return result


def _timed(call) -> tuple[float, float]:
    """(wall, CPU) milliseconds of ``call``; the GUI thread's CPU time is what a busy shared
    machine does not inflate."""
    wall, cpu = time.perf_counter(), time.thread_time()
    call()
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return round(statistics.median(ordered), 3), round(p99, 3)


def _stats(samples: list[tuple[float, float]]) -> dict:
    wall = _percentiles([w for w, _ in samples])
    cpu = _percentiles([c for _, c in samples])
    return {"median_ms": wall[0], "p99_ms": wall[1], "cpu_median_ms": cpu[0],
            "cpu_p99_ms": cpu[1]}


def _measure(app, overview, strip, frames, pairs: int, warmup: int, spec) -> dict:
    """Interleaved (overview, strip) repaint times for ``frames`` of (weights, image, pred)."""
    def paint_overview(weights, image, prediction):
        overview.show_network(spec, image, prediction.activations, prediction.probs,
                              "trained model: default", weights)
        overview.flush()
        overview.repaint()

    def paint_strip(prediction):
        strip.set_prediction(prediction)
        strip.repaint()

    times: dict[str, list[tuple[float, float]]] = {"overview": [], "activation_strip": []}
    for i in range(warmup + pairs):
        weights, image, prediction = frames[i % len(frames)]
        order = [("overview", lambda: paint_overview(weights, image, prediction)),  # noqa: B023
                 ("activation_strip", lambda: paint_strip(prediction))]  # noqa: B023
        for name, call in order if i % 2 else order[::-1]:
            took = _timed(call)
            if i >= warmup:
                times[name].append(took)
        app.processEvents()
    result = {name: _stats(values) for name, values in times.items()}
    for key in ("median_ms", "cpu_median_ms"):
        result[f"ratio_{key.removesuffix('_ms')}"] = round(
            result["overview"][key] / result["activation_strip"][key], 3)
    return result


def _fed(app, probe, seconds: float, feed) -> tuple[dict, int]:
    """Lateness while ``feed(n)`` is called 50 times a second; and how often it was called."""
    from PySide6.QtCore import QTimer
    from training import run_event_loop, summarize

    sent = [0]

    def tick() -> None:
        feed(sent[0])
        sent[0] += 1

    feeder = QTimer()
    feeder.setInterval(20)
    feeder.timeout.connect(tick)
    feeder.start()
    probe.start()
    run_event_loop(app, seconds)
    late = summarize(probe.stop())
    feeder.stop()
    return late, sent[0]


def _lateness(app, overview, strip, frames, seconds: float, spec) -> dict:
    """GUI-timer lateness while ``frames`` arrive at 50 a second at the overview, then at the
    activation strip alone (the baseline), and idle before both."""
    from training import LatenessProbe, run_event_loop, summarize

    probe = LatenessProbe()
    probe.start()
    run_event_loop(app, seconds)
    idle = summarize(probe.stop())

    def to_overview(n: int) -> None:
        weights, image, prediction = frames[n % len(frames)]
        overview.show_network(spec, image, prediction.activations, prediction.probs,
                              "trained model: default", weights)

    strip.hide()
    flushes = overview.flush_count
    fed, sent = _fed(app, probe, seconds, to_overview)
    redraws = overview.flush_count - flushes
    overview.hide()
    strip.show()
    baseline, strip_sent = _fed(app, probe, seconds,
                                lambda n: strip.set_prediction(frames[n % len(frames)][2]))
    return {"idle": idle, "fed_50_per_s": fed, "snapshots_sent": sent, "redraws": redraws,
            "activation_strip_fed_50_per_s": baseline, "strip_snapshots_sent": strip_sent}


def main() -> None:
    args = _args()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from cnn_studio.gui.common.activation_view import ActivationView
    from cnn_studio.gui.overview.widget import NetworkOverview
    from cnn_studio.model.nets.numpy_forward import network_from_spec

    spec, weights = _default_model()
    network = network_from_spec(spec, weights)
    drawings = _drawings(12)
    new_drawing = [(None, image, network.forward(image)) for image in drawings]
    snapshot = [(w, drawings[0], p) for w, p in _snapshots(spec, weights, drawings[0], 12)]
    report = {"benchmark": "overview", "pairs": args.pairs, "warmup": args.warmup,
              "platform": os.environ["QT_QPA_PLATFORM"], "cpu_cores": os.cpu_count(),
              "load_average_before": round(os.getloadavg()[0], 2), "cases": {}}
    for size_name, (width, height) in SIZES.items():
        for case, frames in (("new_drawing", new_drawing), ("training_snapshot", snapshot)):
            overview, strip = NetworkOverview(), ActivationView()
            for widget in (overview, strip):
                widget.resize(width, height)
                widget.show()
            app.processEvents()
            first = frames[0]
            overview.show_network(spec, first[1], first[2].activations, first[2].probs,
                                  "trained model: default", weights)
            overview.flush()
            if case == "training_snapshot":
                overview.select_map(3, overview.visible_maps(3)[0])
            app.processEvents()
            report["cases"][f"{case}@{size_name}"] = {
                "widget_size": [width, height],
                **_measure(app, overview, strip, frames, args.pairs, args.warmup, spec)}
            if case == "training_snapshot":
                report["cases"][f"{case}@{size_name}"]["gui_lateness_ms"] = _lateness(
                    app, overview, strip, frames, args.seconds, spec)
            for widget in (overview, strip):
                widget.close()
                widget.deleteLater()
            app.processEvents()
    report["load_average_after"] = round(os.getloadavg()[0], 2)  # a busy machine: see CPU
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
