"""Training benchmark: in-app training with the live dashboard versus bare ``model.fit``.

Both train the same network (a preset, freshly initialised each run) on the same synthetic
data with the same batch size, optimizer and validation split, in one process, as interleaved
pairs (in-app, bare, in-app, bare ...): on a shared machine the load changes from minute to
minute, so the figure is the median of the per-pair ratios, with their min and max.
Throughput is measured between the end of the first epoch and the end of the last one (so
tracing and data preparation are excluded on both sides). During in-app training a 10 ms
QTimer in the GUI thread measures how late the event loop answers; the same probe runs on the
idle window first as a baseline.

It also reports the app's resident memory (RSS) once TensorFlow has loaded and after the first
in-app training run.

Goals: median paired in-app / bare ratio >= 0.95 and min >= 0.80; GUI-timer lateness while
training p99 <= 15 ms and max <= 50 ms.

Usage: ``python benchmarks/training.py [--pairs 5] [--epochs 3] [--samples 8000]
[--preset classic] [--batch 64]``; prints JSON.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GOAL = {"ratio_median_min": 0.95, "ratio_pair_min": 0.80, "p99_ms_max": 15, "max_ms_max": 50}


def _setup_environment(home: str) -> None:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["CNN_STUDIO_HOME"] = home
    os.environ["XDG_CONFIG_HOME"] = os.path.join(home, "config")
    os.environ.setdefault("MPLBACKEND", "QtAgg")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


class LatenessProbe:
    """A 10 ms timer in the GUI thread recording how late each tick arrives."""

    def __init__(self, interval_ms: int = 10) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.interval = interval_ms / 1000.0
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.samples: list[float] = []
        self._last = 0.0

    def start(self) -> None:
        self.samples = []
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        return self.samples

    def _tick(self) -> None:
        now = time.perf_counter()
        self.samples.append(max(now - self._last - self.interval, 0.0) * 1000.0)
        self._last = now


def summarize(values: list[float]) -> dict:
    """p50 / p99 / max of lateness samples in ms."""
    if not values:
        return {"ticks": 0}
    ordered = sorted(values)
    pick = lambda q: ordered[min(int(q * len(ordered)), len(ordered) - 1)]  # noqa: E731
    return {"ticks": len(ordered), "p50_ms": round(pick(0.5), 2), "p99_ms": round(pick(0.99), 2),
            "max_ms": round(ordered[-1], 2)}


def run_event_loop(app, seconds: float) -> None:
    """Let the Qt event loop run for ``seconds``."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def bare_fit(spec, train, val, config: dict) -> float:
    """Samples per second of plain ``model.fit`` after the first epoch."""
    import keras

    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.training.loop import make_optimizer

    model = build_model(spec, seed=config["seed"])
    softmax = getattr(getattr(model.layers[-1], "activation", None), "__name__", "") == "softmax"
    model.compile(optimizer=make_optimizer(config["optimizer"], config["learning_rate"]),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=not softmax),
                  metrics=["accuracy"])
    ends: list[float] = []

    class EpochTimes(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            ends.append(time.perf_counter())

    model.fit(train.x, train.y, batch_size=config["batch_size"], epochs=config["epochs"],
              validation_data=(val.x, val.y), shuffle=True, verbose=0, callbacks=[EpochTimes()])
    return len(train) * (config["epochs"] - 1) / (ends[-1] - ends[0])


def app_fit(window, probe: LatenessProbe, n_train: int, config: dict) -> tuple[float, list[float],
                                                                             dict]:
    """Samples per second of training through the dashboard, and the GUI lateness meanwhile."""
    from PySide6.QtCore import QEventLoop, Qt

    dashboard = window.panels["training"]
    dashboard.reset_weights()
    before = {"full": dashboard.curves.full_draws, "partial": dashboard.curves.partial_draws,
              "kernels": dashboard.kernels.updates, "activations": dashboard.activations.serial}
    ends: list[float] = []
    if not dashboard.start_training():
        raise RuntimeError(f"training did not start: {dashboard.message.text()}")
    worker = dashboard.worker
    worker.epoch_done.connect(lambda *_: ends.append(time.perf_counter()),
                              Qt.ConnectionType.DirectConnection)

    loop = QEventLoop()
    worker.model_built.connect(lambda _model: probe.start())  # queued to the GUI thread
    worker.finished.connect(loop.quit)
    worker.failed.connect(loop.quit)
    cpu_start, wall_start = time.thread_time(), time.perf_counter()
    loop.exec()  # everything the GUI thread does while training runs happens in here
    gui_cpu = (time.thread_time() - cpu_start) / (time.perf_counter() - wall_start)
    lateness = probe.stop()
    dashboard.run.join()
    if len(ends) != config["epochs"]:
        raise RuntimeError(f"in-app training ended early: {dashboard.message.text()}")
    counters = {"gui_thread_cpu_share": round(gui_cpu, 3),
                "curve_full_draws": dashboard.curves.full_draws - before["full"],
                "curve_partial_draws": dashboard.curves.partial_draws - before["partial"],
                "kernel_updates": dashboard.kernels.updates - before["kernels"],
                "activation_updates": dashboard.activations.serial - before["activations"]}
    return n_train * (config["epochs"] - 1) / (ends[-1] - ends[0]), lateness, counters


def configure(window, preset: str, config: dict, samples: int) -> None:
    """Put the preset in the builder and the settings in the dashboard's form."""
    from cnn_studio.model.spec.presets import get_preset

    if window.panels["builder"] is not None:
        window.panels["builder"].load_preset(preset)
    else:
        window.state.spec = get_preset(preset)
    controls = window.panels["training"].controls
    controls.optimizer.setCurrentIndex(controls.optimizer.findData(config["optimizer"]))
    controls.learning_rate.setValue(config["learning_rate"])
    controls.batch_size.setValue(config["batch_size"])
    controls.epochs.setValue(config["epochs"])
    controls.val_fraction.setValue(config["val_fraction"])
    controls.seed.setValue(config["seed"])
    controls.samples.setValue(samples)
    controls.augment.setChecked(False)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line options (at least 5 pairs)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5, help="in-app/bare pairs (>= 5)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=8000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--preset", default="classic")
    parser.add_argument("--idle-seconds", type=float, default=3.0)
    args = parser.parse_args(argv)
    if args.pairs < 5:
        parser.error("measure at least 5 pairs")
    return args


def open_window():
    """(app, window): the main window on the Train tab in a fresh home, TensorFlow loaded."""
    _setup_environment(tempfile.mkdtemp(prefix="cnn-studio-bench-"))
    import matplotlib

    matplotlib.use("QtAgg")
    from PySide6.QtWidgets import QApplication

    from cnn_studio.gui.app.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    window.show_tab("train")
    deadline = time.monotonic() + 180
    while not (window.state.tf_loaded and window.state.idle) and time.monotonic() < deadline:
        run_event_loop(app, 0.1)
    return app, window


def prepare(app, window, args: argparse.Namespace) -> tuple[dict, object, object]:
    """(config, train, val): the data and settings both sides train with, set in the window."""
    from cnn_studio.model.data import datasets

    config = {"optimizer": "adam", "learning_rate": 1e-3, "batch_size": args.batch,
              "epochs": args.epochs, "val_fraction": 0.1, "seed": 0}
    data = datasets.synthetic_dataset(args.samples, seed=0)
    train, val = datasets.split(data, config["val_fraction"], config["seed"])
    configure(window, args.preset, config, args.samples)
    window.panels["training"].tabs.setCurrentIndex(1)
    window.state.drawing_changed.emit(val.x[3][..., 0])  # the "drawing" whose activations show
    run_event_loop(app, 1.0)
    gc.collect()
    gc.freeze()
    return config, train, val


def run_pairs(window, probe: LatenessProbe, train, val, config: dict, pairs: int) -> dict:
    """In-app then bare training, ``pairs`` times: their rates, the lateness and the RSS."""
    runs = {"inapp": [], "bare": [], "lateness": [], "rounds": [], "rss_trained": None}
    for _ in range(pairs):  # in-app first, then bare: one pair
        rate, late, counters = app_fit(window, probe, len(train), config)
        runs["rss_trained"] = runs["rss_trained"] or resident_mb()
        runs["inapp"].append(rate)
        runs["bare"].append(bare_fit(window.state.spec, train, val, config))
        runs["lateness"] += late
        runs["rounds"].append({"lateness": summarize(late), **counters})
    return runs


def report(args: argparse.Namespace, sizes: tuple[int, int], runs: dict, idle: list[float],
           rss_tf: float) -> dict:
    """The JSON report: paired ratios, GUI lateness idle and busy, memory, the goal."""
    inapp, bare = runs["inapp"], runs["bare"]
    ratios = [a / b for a, b in zip(inapp, bare, strict=True)]
    ratio, busy = statistics.median(ratios), summarize(runs["lateness"])
    met = (ratio >= GOAL["ratio_median_min"] and min(ratios) >= GOAL["ratio_pair_min"]
           and busy.get("p99_ms", 1e9) <= GOAL["p99_ms_max"]
           and busy.get("max_ms", 1e9) <= GOAL["max_ms_max"])
    return {
        "benchmark": "training",
        "preset": args.preset, "samples_train": sizes[0], "samples_val": sizes[1],
        "batch_size": args.batch, "epochs_per_run": args.epochs, "pairs": args.pairs,
        "in_app_samples_per_s": [round(v) for v in inapp],
        "bare_fit_samples_per_s": [round(v) for v in bare],
        "paired_ratios": [round(r, 3) for r in ratios],
        "ratio_in_app_to_bare_median": round(ratio, 3),
        "ratio_in_app_to_bare_min": round(min(ratios), 3),
        "ratio_in_app_to_bare_max": round(max(ratios), 3),
        "gui_lateness_training": busy,
        "gui_lateness_idle": summarize(idle),
        "in_app_rounds": runs["rounds"],
        "rss_mb_after_tensorflow_loaded": rss_tf,
        "rss_mb_after_one_training_run": runs["rss_trained"],
        "load_average_1min": round(os.getloadavg()[0], 2),
        "goal": GOAL,
        "meets_goal": met,
    }


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark and return the report."""
    args = parse_args(argv)
    app, window = open_window()
    config, train, val = prepare(app, window, args)
    probe = LatenessProbe()
    probe.start()
    run_event_loop(app, args.idle_seconds)
    idle = probe.stop()
    rss_tf = resident_mb()
    runs = run_pairs(window, probe, train, val, config, args.pairs)
    window.close()
    return report(args, (len(train), len(val)), runs, idle, rss_tf)


def resident_mb() -> float:
    """This process's resident memory (RSS) in MiB."""
    from cnn_studio.gui.draw.first_answer import resident_bytes

    return round(resident_bytes() / 2**20, 1)


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
