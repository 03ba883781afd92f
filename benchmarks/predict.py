"""Latency benchmark: pen-up on the canvas until the probabilities AND activations are painted.

Runs the real main window offscreen. Each run draws a letter's strokes but the last, lets the
app settle, then draws the last stroke and sends a real mouse release; the clock stops when
the prediction view and the visible activation rows have painted the new prediction. The
baseline, measured alternately in the same run, is the bare ``tf.function`` forward pass of
the same network. The app's two engines (numpy, TensorFlow) are also compared as interleaved
pairs on the same drawings (the order alternates). Prints JSON. Goal: median at most 10 ms.

Usage: ``python benchmarks/predict.py [RUNS] [--model PATH]``
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GOAL_MS = 10.0
TIMEOUT_S = 10.0


def _strokes_samples(count: int):
    """Up to ``count`` drawings: real handwriting when available, else simple shapes."""
    import numpy as np

    from cnn_studio.model.ink.strokes import read_strokes
    from cnn_studio.model.storage.paths import REAL_HANDWRITING

    if REAL_HANDWRITING.is_file():
        document = read_strokes(REAL_HANDWRITING)
        several = [s for s in document.samples if len(s.strokes) >= 2]
        samples = [several[i] for i in np.linspace(0, len(several) - 1, count).astype(int)]
        return [s.strokes for s in samples], document.canvas, "chars74k real handwriting"
    t = np.linspace(0, 1, 30)[:, None]
    shapes = [[np.hstack([40 + 200 * t, 40 + 0 * t]), np.hstack([140 + 0 * t, 40 + 200 * t])],
              [np.hstack([40 + 200 * t, 40 + 200 * t]), np.hstack([240 - 200 * t, 40 + 200 * t])]]
    return [shapes[i % 2] for i in range(count)], (280.0, 280.0), "synthetic T and X"


def _wait(app, done, timeout: float = TIMEOUT_S) -> float:
    """Run the event loop until ``done()``; returns the time it became true.

    Waits the way the app does, in ``QEventLoop.exec`` (native code, the GIL released), and
    checks ``done()`` from a 1 ms timer. A Python loop calling ``processEvents`` would hold
    the GIL almost all the time and slow the inference thread down several times over, which
    measures the benchmark rather than the app.
    """
    from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, Qt, QTimer

    if done():
        return time.perf_counter()
    loop = QEventLoop()
    finished: dict[str, float] = {}
    deadline = time.perf_counter() + timeout

    def check() -> None:
        if done():
            finished["t"] = time.perf_counter()
            loop.quit()
        elif time.perf_counter() > deadline:
            loop.quit()

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(1)
    timer.timeout.connect(check)
    timer.start()
    loop.exec()
    timer.stop()
    if "t" not in finished:
        raise TimeoutError("the app did not finish in time")
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # as app.exec() would
    return finished["t"]


def _model(path: str | None):
    from cnn_studio.model.nets.inference import load_default_model
    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.nets.model_files import ModelFileError, load_model_file
    from cnn_studio.model.spec.presets import get_preset

    try:
        return (load_model_file(path) if path else load_default_model()), (path or "default")
    except ModelFileError:
        return build_model(get_preset("classic"), seed=0), "classic preset, untrained (no default)"


def _bare_forward_ms(fn, x, repeats: int = 15) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(x).numpy()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _open_window():
    """(app, window): the main window offscreen in a fresh home, once TensorFlow has loaded."""
    import tempfile

    home = tempfile.mkdtemp(prefix="cnn-studio-bench-")  # default window layout, no user files
    os.environ.setdefault("CNN_STUDIO_HOME", home)
    os.environ.setdefault("XDG_CONFIG_HOME", os.path.join(home, "config"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("MPLBACKEND", "QtAgg")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as main.py sets it
    import matplotlib

    matplotlib.use("QtAgg")
    from PySide6.QtWidgets import QApplication

    from cnn_studio.gui.app.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    _wait(app, lambda: window.state.tf_loaded and window.state.idle, timeout=180)
    return app, window


def _use_model(app, window, model_path: str | None):
    """(model, its name): the model to measure, made the window's model if it is not already."""
    model, model_name = _model(model_path)
    if model_name != "default" or not window.panels["draw"].inference.has_model:
        window.state.model = model
        _wait(app, lambda: window.state.idle and window.panels["draw"].inference.has_model, timeout=60)
    return model, model_name


def _bare_timer(model):
    """A function returning the bare ``tf.function`` forward pass's median time in ms."""
    import tensorflow as tf

    def forward(x):
        return model(x, training=False)

    bare = tf.function(forward, autograph=False)
    x = tf.zeros((1, 28, 28, 1))
    bare(x)
    return lambda: _bare_forward_ms(bare, x)


def main(runs: int = 30, model_path: str | None = None) -> dict:
    """Measure ``runs`` pen-ups per engine (interleaved pairs) and the bare forward passes."""
    app, window = _open_window()
    model, model_name = _use_model(app, window, model_path)
    bare_ms = _bare_timer(model)
    drawings, source, source_name = _strokes_samples(runs + 3)
    engines = _measure_engines(app, window, drawings, source)
    default = _measure(app, window, drawings, source, bare_ms)
    window.show_tab("explain")  # the explain panel recomputes for every drawing while shown
    explain = _measure(app, window, drawings, source, bare_ms)
    window.close()
    return _report(model_name, len(model.layers), source_name, default, engines, explain)


def _report(model_name: str, layers: int, source_name: str, default: tuple,
            engines: dict[str, list[float]], explain: tuple) -> dict:
    """The JSON report: pen-up latencies (``default``, ``explain``: as ``_measure`` returns
    them), the engines' interleaved pairs, the goal; ``layers``: the model's layer count."""
    from cnn_studio.gui.draw.inference_worker import ENGINE

    median, bare_median = statistics.median(default[0]), statistics.median(default[2])
    numpy_ms, tf_ms = engines["numpy"], engines["tensorflow"]
    pair_ratios = [a / b for a, b in zip(numpy_ms, tf_ms, strict=True)]
    return {
        "benchmark": "predict",
        "runs": len(default[0]),
        "model": model_name,
        "layers": layers,
        "drawings": source_name,
        "engine": ENGINE,
        "pen_up_to_painted_ms_median": round(median, 2),
        "pen_up_to_painted_ms_p90": _p90(default[0]),
        "pen_up_to_painted_ms_all": [round(v, 2) for v in default[0]],
        "pen_up_to_prediction_signal_ms_median": round(statistics.median(default[1]), 2),
        "bare_tf_function_forward_ms_median": round(bare_median, 3),
        "ratio_painted_to_bare_forward": round(median / bare_median, 2),
        "engines_interleaved": {
            "pairs": len(pair_ratios),
            "numpy_painted_ms_median": round(statistics.median(numpy_ms), 2),
            "tensorflow_painted_ms_median": round(statistics.median(tf_ms), 2),
            "ratio_numpy_to_tensorflow_median": round(statistics.median(pair_ratios), 3),
            "ratio_numpy_to_tensorflow_min": round(min(pair_ratios), 3),
            "ratio_numpy_to_tensorflow_max": round(max(pair_ratios), 3),
        },
        "with_explain_panel_open": {
            "pen_up_to_painted_ms_median": round(statistics.median(explain[0]), 2),
            "pen_up_to_painted_ms_p90": _p90(explain[0]),
            "ratio_painted_to_bare_forward": round(statistics.median(explain[0])
                                                   / statistics.median(explain[2]), 2),
        },
        "load_average_1min": round(os.getloadavg()[0], 2),
        "goal": {"pen_up_to_painted_ms_max": GOAL_MS},
        "meets_goal": median <= GOAL_MS,
    }


def _measure_engines(app, window, drawings, source) -> dict[str, list[float]]:
    """Pen-up to painted with each engine, as interleaved pairs (the order alternates)."""
    panel = window.panels["draw"]
    times: dict[str, list[float]] = {"numpy": [], "tensorflow": []}
    for index, strokes in enumerate(drawings):
        order = ("numpy", "tensorflow") if index % 2 == 0 else ("tensorflow", "numpy")
        for engine in order:
            window.panels["draw"].inference.set_engine(engine)
            _wait(app, lambda e=engine: panel.engine == e, timeout=60)
            painted = _measure(app, window, [strokes] * 2, source, lambda: 0.0, warmup=1)[0]
            if index >= 2:
                times[engine].append(painted[0])
    from cnn_studio.gui.draw.inference_worker import ENGINE

    window.panels["draw"].inference.set_engine(ENGINE)
    _wait(app, lambda: panel.engine == ENGINE, timeout=60)
    return times


def _p90(values: list[float]) -> float:
    return round(sorted(values)[int(0.9 * (len(values) - 1))], 2)


def _measure(app, window, drawings, source, bare_ms, warmup: int = 3) -> tuple[list, list, list]:
    """Pen-up latencies (painted, prediction signal) and bare forward times, alternating."""
    from PySide6.QtCore import QEventLoop, QPointF, Qt
    from PySide6.QtTest import QTest

    from cnn_studio.gui.draw.canvas import fit_strokes

    panel, canvas = window.panels["draw"], window.panels["draw"].canvas
    pview, aview = panel.prediction_view, panel.activation_view

    def shown() -> bool:
        return (panel.shown_seq == panel.requested_seq and pview.probs is not None
                and pview.bars.painted_probs is pview.probs and aview.painted())

    painted, predicted, bares = [], [], []
    arrived = {}

    def note(_prediction) -> None:
        arrived["t"] = time.perf_counter()

    window.state.prediction_ready.connect(note)
    loop = QEventLoop()
    for index, strokes in enumerate(drawings):
        fitted = fit_strokes(strokes, source, margin=20.0)
        canvas.clear()
        canvas.set_strokes(fitted[:-1])
        _wait(app, shown)
        last = [canvas.to_widget(*point) for point in fitted[-1]]
        canvas.begin_stroke(last[0])
        for point in last[1:]:
            canvas.extend_stroke(point)
        loop.processEvents()
        canvas._emit_timer.stop()  # keep a throttled update from landing inside the measurement
        arrived.clear()
        start = time.perf_counter()
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                           QPointF(last[-1]).toPoint())
        end = _wait(app, shown)
        if index >= warmup:  # the first few warm up caches and code paths
            painted.append((end - start) * 1000)
            predicted.append((arrived.get("t", end) - start) * 1000)
            bares.append(bare_ms())
    window.state.prediction_ready.disconnect(note)
    return painted, predicted, bares


def parse_args(argv: list[str] | None = None):
    """``RUNS`` (default 30) and ``--model PATH``."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="?", type=int, default=30, help="drawings timed (30)")
    parser.add_argument("--model", default=None, help=".keras model (default: the shipped one)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    print(json.dumps(main(args.runs, args.model), indent=2))
