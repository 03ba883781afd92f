"""Latency benchmark: pen-up on the canvas until the probabilities AND activations are painted.

Runs the real main window offscreen, opened as the app opens it on a first start (the panels
installed after the first paint, the Learn path open, the first-start dock sizes), so the
docks in front are the ones a newcomer sees (the JSON's ``in_front`` names them: the Network
overview and the Learn path at 1366x768). Each run draws a letter's strokes but the last, lets
the app settle (the overview too), then draws the last stroke and sends a real mouse release;
the clock stops when the prediction view and the visible activation rows have painted the new
prediction (``pen_up_to_painted``). The Network overview, when it is on screen, redraws one
frame after the canvas's answer (``gui.overview.widget.FOLLOW_MS``): the time until it has
painted the same pen-up too is reported beside it (``pen_up_to_overview_painted``). The
baseline, measured alternately in the same run, is the bare ``tf.function`` forward pass of
the same network. The app's two engines (numpy, TensorFlow) are also compared as interleaved
pairs on the same drawings (the order alternates). Each pen-up's time is split into where it
went (:class:`Breakdown`): rasterising the strokes, the forward pass, the probability view, the
activation views, the overview's work inside that time and everything else (the rest of the
window, the event loop). Prints JSON.
Goal: median at most 10 ms with the window at 1366x768.

Usage: ``python benchmarks/predict.py [RUNS] [--model PATH] [--size WxH]``
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
WINDOW_SIZE = (1366, 768)
PARTS = ("rasterise", "forward", "probability_view", "activation_views", "overview")


def _strokes_samples(count: int):
    """Up to ``count`` drawings: real handwriting when available, else simple shapes."""
    import numpy as np

    from cnn_studio.model.ink.strokes import read_strokes
    from cnn_studio.model.storage.paths import REAL_HANDWRITING

    # the checkout's neighbour too: a checkout reached through a link finds it only there
    found = [path for path in (REAL_HANDWRITING, ROOT.parent / "shared" / "data" /
                               REAL_HANDWRITING.name) if path.is_file()]
    if found:
        document = read_strokes(found[0])
        several = [s for s in document.samples if len(s.strokes) >= 2]
        samples = [several[i] for i in np.linspace(0, len(several) - 1, count).astype(int)]
        return [s.strokes for s in samples], document.canvas, "chars74k real handwriting"
    t = np.linspace(0, 1, 30)[:, None]
    shapes = [[np.hstack([40 + 200 * t, 40 + 0 * t]), np.hstack([140 + 0 * t, 40 + 200 * t])],
              [np.hstack([40 + 200 * t, 40 + 200 * t]), np.hstack([240 - 200 * t, 40 + 200 * t])]]
    return [shapes[i % 2] for i in range(count)], (280.0, 280.0), "synthetic T and X"


def _wait(app, done, timeout: float = TIMEOUT_S, what=None) -> float:
    """Run the event loop until ``done()``; returns the time it became true.

    Waits the way the app does, in ``QEventLoop.exec`` (native code, the GIL released), and
    checks ``done()`` from a 1 ms timer. A Python loop calling ``processEvents`` would hold
    the GIL almost all the time and slow the inference thread down several times over, which
    measures the benchmark rather than the app. ``what`` (optional) says in words what is
    still awaited, for the timeout's message.
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
        raise TimeoutError("the app did not finish in time" + (f": {what()}" if what else ""))
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # as app.exec() would
    return finished["t"]


class Breakdown:
    """Where each pen-up's time went, per part, in ms (``PARTS``; the rest is "other").

    rasterise: ``strokes_to_image`` as the draw panel calls it. forward: the engine's forward
    pass (the numpy engine runs it on the GUI thread). probability_view and activation_views:
    handing the view its data (``set_probs``, ``set_prediction``) plus every paint and layout
    event of the view and its child widgets, timed by an event filter that delivers the event
    itself. overview: the Network overview's column updates, relayouts and picture making
    (``Column.update``, ``OverviewCanvas.relayout`` and ``prepare``) and its paint and layout
    events, as far as they fall inside the pen-up's time. Whatever else the GUI thread did until the answer was painted (the rest of the
    window, the event loop) is the difference to the whole pen-up time.
    """

    def __init__(self, window) -> None:
        from PySide6.QtCore import QEvent, QObject

        import cnn_studio.gui.draw.panel as panel_module
        from cnn_studio.gui.draw.numpy_engine import NumpyPredictor
        from cnn_studio.gui.overview.canvas import OverviewCanvas
        from cnn_studio.gui.overview.columns import Column
        from cnn_studio.model.nets.inference import Predictor

        self.spent = dict.fromkeys(PARTS, 0.0)
        self.runs: dict[str, list[float]] = {name: [] for name in (*PARTS, "other")}
        panel = window.panels["draw"]
        self._views = {"probability_view": panel.prediction_view,
                       "activation_views": panel.activation_view,
                       "overview": window.panels["overview"]}
        self._patched = [(panel_module, "strokes_to_image", "rasterise"),
                         (NumpyPredictor, "forward", "forward"),
                         (Predictor, "forward", "forward"),
                         (panel.prediction_view, "set_probs", "probability_view"),
                         (panel.activation_view, "set_prediction", "activation_views"),
                         (Column, "update", "overview"),
                         (OverviewCanvas, "relayout", "overview"),
                         (OverviewCanvas, "prepare", "overview")]
        self._originals = [getattr(owner, name) for owner, name, _part in self._patched]
        self._own = [name in vars(owner) for owner, name, _part in self._patched]
        for (owner, name, part), original in zip(self._patched, self._originals, strict=True):
            setattr(owner, name, self._timed(original, part))
        timed_types = (QEvent.Type.Paint, QEvent.Type.LayoutRequest)
        spent = self.spent

        class EventTimer(QObject):
            """Delivers a paint or layout event to its widget itself, timing it."""

            def __init__(self, part: str) -> None:
                super().__init__()
                self.part = part

            def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
                if event.type() not in timed_types:
                    return False
                start = time.perf_counter()
                watched.event(event)
                spent[self.part] += (time.perf_counter() - start) * 1000
                return True

        self._filters = {part: EventTimer(part) for part in self._views}

    def _timed(self, function, part: str):
        spent = self.spent

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[part] += (time.perf_counter() - start) * 1000

        return timed

    def start(self) -> None:
        """Zero the parts and watch every widget the views have now (rows come and go)."""
        from PySide6.QtWidgets import QWidget

        for part, view in self._views.items():
            for widget in (view, *view.findChildren(QWidget)):
                widget.installEventFilter(self._filters[part])
        for part in self.spent:
            self.spent[part] = 0.0

    def record(self, total_ms: float) -> None:
        """Keep this pen-up's parts; ``total_ms``: its whole pen-up to painted time."""
        for part, ms in self.spent.items():
            self.runs[part].append(ms)
        self.runs["other"].append(total_ms - sum(self.spent.values()))

    def medians(self) -> dict[str, float]:
        """Each part's median in ms over the recorded pen-ups."""
        return {f"{part}_ms_median": round(statistics.median(values), 3)
                for part, values in self.runs.items() if values}

    def close(self) -> None:
        """Put the patched functions back and remove the event filters."""
        from PySide6.QtWidgets import QWidget

        for (owner, name, _part), original, own in zip(self._patched, self._originals,
                                                       self._own, strict=True):
            if own:
                setattr(owner, name, original)
            else:
                delattr(owner, name)  # an instance's patch: its class's method shows again
        for part, view in self._views.items():
            for widget in (view, *view.findChildren(QWidget)):
                widget.removeEventFilter(self._filters[part])


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


def _open_window(size: tuple[int, int] = WINDOW_SIZE):
    """(app, window): the main window offscreen at ``size`` in a fresh home, opened as the app
    opens it on a first start (``gui.app.launch``), once TensorFlow has loaded and the panels
    and the first-start dock sizes are in."""
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
    window = MainWindow(defer_panels=True, learn_at_first_start=True)
    window.resize(*size)
    window.show()
    _wait(app, lambda: window.state.tf_loaded and window.state.idle and "overview" in window.panels,
          timeout=180)
    settled = time.perf_counter() + 0.5  # the first-start dock sizes land after the first paint
    _wait(app, lambda: time.perf_counter() > settled)
    return app, window


def in_front(window) -> list[str]:
    """The docks that can be seen (a dock behind another dock's tab cannot), by title."""
    from PySide6.QtWidgets import QDockWidget

    return sorted(dock.windowTitle() for dock in window.findChildren(QDockWidget)
                  if dock.isVisible() and not dock.visibleRegion().isEmpty())


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


def main(runs: int = 30, model_path: str | None = None,
         size: tuple[int, int] = WINDOW_SIZE) -> dict:
    """Measure ``runs`` pen-ups per engine (interleaved pairs) and the bare forward passes,
    with the window at ``size`` (width, height)."""
    app, window = _open_window(size)
    model, model_name = _use_model(app, window, model_path)
    front = in_front(window)
    bare_ms = _bare_timer(model)
    drawings, source, source_name = _strokes_samples(runs + 3)
    engines = _measure_engines(app, window, drawings, source)
    breakdown = Breakdown(window)
    default = _measure(app, window, drawings, source, bare_ms, breakdown=breakdown)
    breakdown.close()
    window.show_tab("explain")  # the explain panel recomputes for every drawing while shown
    explain = _measure(app, window, drawings, source, bare_ms)
    window.close()
    report = _report(model_name, len(model.layers), source_name, default, engines, explain)
    return {**report, "window_size": "x".join(str(n) for n in size), "in_front": front,
            "breakdown": breakdown.medians()}


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
        "timed": "pen-up until the probabilities and the activations on screen are painted",
        **_overview_report(default[3]),
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


def _overview_report(times: list[float]) -> dict:
    """The overview's times (``_measure``'s fourth list), when it was on screen."""
    if not times:
        return {"overview_on_screen": False}
    return {"overview_on_screen": True,
            "overview_follows": "one frame after the answer (gui.overview.widget.FOLLOW_MS)",
            "pen_up_to_overview_painted_ms_median": round(statistics.median(times), 2),
            "pen_up_to_overview_painted_ms_p90": _p90(times)}


def _p90(values: list[float]) -> float:
    return round(sorted(values)[int(0.9 * (len(values) - 1))], 2)


def _measure(app, window, drawings, source, bare_ms, warmup: int = 3,
             breakdown: Breakdown | None = None) -> tuple[list, list, list, list]:
    """Pen-up latencies (painted, prediction signal), bare forward times (alternating) and,
    while the overview is on screen, pen-up until it has painted too; ``breakdown``
    (optional) records where each timed pen-up's time went."""
    from PySide6.QtCore import QEventLoop, QPointF, Qt
    from PySide6.QtTest import QTest

    from cnn_studio.gui.draw.canvas import fit_strokes

    panel, canvas = window.panels["draw"], window.panels["draw"].canvas
    pview, aview = panel.prediction_view, panel.activation_view
    overview_panel = window.panels["overview"]

    def settled() -> bool:
        return shown() and (not overview_panel.on_screen or overview_panel.overview.drawn)

    def shown() -> bool:
        return (panel.shown_seq == panel.requested_seq and pview.probs is not None
                and pview.bars.painted_probs is pview.probs and aview.painted())

    def waiting_for() -> str:
        """What ``shown`` still waits for, in words (for a timeout's message)."""
        rows = [row.name for row in aview.rows if row.body.painted_serial != aview.serial
                and row.body.isVisible() and not row.body.visibleRegion().isEmpty()]
        bars = "painted" if pview.probs is not None and pview.bars.painted_probs is pview.probs \
            else "not painted"
        return (f"answer {panel.shown_seq} of request {panel.requested_seq} shown, engine "
                f"{panel.engine}, probabilities {bars}, activation rows not painted: "
                f"{rows or 'none'}")

    painted, predicted, bares, overviews = [], [], [], []
    arrived = {}

    def note(_prediction) -> None:
        arrived["t"] = time.perf_counter()

    window.state.prediction_ready.connect(note)
    loop = QEventLoop()
    for index, strokes in enumerate(drawings):
        fitted = fit_strokes(strokes, source, margin=20.0)
        canvas.clear()
        canvas.set_strokes(fitted[:-1])
        _wait(app, settled, what=waiting_for)
        last = [canvas.to_widget(*point) for point in fitted[-1]]
        canvas.begin_stroke(last[0])
        for point in last[1:]:
            canvas.extend_stroke(point)
        loop.processEvents()
        canvas._emit_timer.stop()  # keep a throttled update from landing inside the measurement
        arrived.clear()
        if breakdown is not None:
            breakdown.start()
        start = time.perf_counter()
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                           QPointF(last[-1]).toPoint())
        end = _wait(app, shown, what=waiting_for)
        if index >= warmup:  # the first few warm up caches and code paths
            painted.append((end - start) * 1000)
            if breakdown is not None:
                breakdown.record(painted[-1])
            predicted.append((arrived.get("t", end) - start) * 1000)
            if overview_panel.on_screen:
                overview_end = _wait(app, settled, what=waiting_for)
                overviews.append((overview_end - start) * 1000)
            bares.append(bare_ms())
    window.state.prediction_ready.disconnect(note)
    return painted, predicted, bares, overviews


def _size(text: str) -> tuple[int, int]:
    """``WxH`` as (width, height)."""
    import argparse

    try:
        width, height = (int(n) for n in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1366x768") from None
    if width < 200 or height < 200:
        raise argparse.ArgumentTypeError(f"{text!r} is too small: at least 200x200")
    return width, height


def parse_args(argv: list[str] | None = None):
    """``RUNS`` (default 30), ``--model PATH`` and ``--size WxH``."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="?", type=int, default=30, help="drawings timed (30)")
    parser.add_argument("--model", default=None, help=".keras model (default: the shipped one)")
    parser.add_argument("--size", default="x".join(str(n) for n in WINDOW_SIZE), type=_size,
                        help="window size WxH (1366x768)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    print(json.dumps(main(args.runs, args.model, args.size), indent=2))
