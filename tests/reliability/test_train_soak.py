"""Start and stop training many times in one process, as a user clicking Train/Stop would.

Each cycle does what the training worker does: build a fresh model from the spec, train it
with a probe image and live hooks, and stop through the stop event after a few batches. After
the first (warm-up) cycle, memory must stay flat (RSS growth under 100 MB, and under 20 MB a
cycle), no thread may be left behind, and no traced TensorFlow graph may stay alive once its
model is gone (a leak keeps about 22 graphs a cycle, so three cycles after the warm-up show it
plainly).
"""

from __future__ import annotations

import gc
import threading

import pytest
from support_reliability import easy_data, rss_mb

from cnn_studio.model.nets.keras_build import build_model
from cnn_studio.model.spec.presets import get_preset
from cnn_studio.model.training.config import TrainConfig, TrainControl, TrainHooks
from cnn_studio.model.training.loop import train

STOP_AFTER_BATCHES = 3
RSS_LIMIT_MB = 100  # over any number of cycles
RSS_LIMIT_MB_PER_CYCLE = 20  # over a few


def live_func_graphs() -> int:
    """Traced TensorFlow graphs still alive (each pins its ops and tensors in memory).

    Count right after ``gc.collect()``: only then are the unreachable ones gone.
    """
    from tensorflow.python.framework.func_graph import FuncGraph

    return sum(isinstance(o, FuncGraph) for o in gc.get_objects())


def one_cycle(cycle: int, x, y) -> None:
    """Build, train, stop after a few batches (like one Train + Stop click)."""
    model = build_model(get_preset("tiny"), seed=cycle)
    control = TrainControl()
    control.set_probe_image(x[0, :, :, 0])
    batches, snapshots = [], []

    def on_batch(*args):
        batches.append(args)
        if len(batches) >= STOP_AFTER_BATCHES:
            control.request_stop()

    hooks = TrainHooks(on_batch=on_batch, on_snapshot=lambda a, k: snapshots.append(len(a)),
                       on_message=lambda text: None)
    config = TrainConfig(epochs=3, batch_size=16, report_every_batches=1,
                         activation_interval_s=0.05)
    result = train(model, (x[:256], y[:256]), (x[256:], y[256:]), config, hooks, control=control)
    assert result.stopped and len(batches) == STOP_AFTER_BATCHES, result.message
    assert snapshots and snapshots[0] == len(model.layers)


def soak(cycles: int) -> dict:
    """Run ``cycles`` start/stop cycles; return memory, thread and graph readings."""
    x, y = easy_data(320, seed=1)
    threads_before = set(threading.enumerate())
    readings = {"rss": [], "graphs": []}
    for cycle in range(cycles):
        one_cycle(cycle, x, y)
        gc.collect()  # one full collection serves both readings (each costs ~0.5 s)
        readings["rss"].append(rss_mb())
        readings["graphs"].append(live_func_graphs())
    readings["new_threads"] = [t.name for t in set(threading.enumerate()) - threads_before]
    return readings


@pytest.fixture(scope="module")
def short_soak():
    return soak(4)


@pytest.fixture(scope="module")
def long_soak():
    return soak(30)


def _check_threads(readings):
    assert not readings["new_threads"], f"threads left running: {readings['new_threads']}"


def _check_rss(readings):
    growth = max(readings["rss"]) - readings["rss"][0]
    limit = min(RSS_LIMIT_MB, RSS_LIMIT_MB_PER_CYCLE * (len(readings["rss"]) - 1))
    assert growth < limit, (f"RSS grew by {growth:.0f} MB after the first cycle: "
                            f"{[round(r) for r in readings['rss']]}")


def _check_graphs(readings):
    graphs = readings["graphs"]
    # Allow a little slack for caches that fill once; a leak adds graphs every cycle.
    assert graphs[-1] - graphs[1] <= 2, (
        f"traced graphs of finished trainings stay alive: {graphs} after each cycle. "
        "TensorFlow's @custom_gradient registers each trace's gradient function in its "
        "global gradient registry forever (tensorflow/tensorflow#97697)")


def test_no_thread_left_after_start_stop_cycles(short_soak):
    _check_threads(short_soak)


def test_memory_stays_flat_over_start_stop_cycles(short_soak):
    _check_rss(short_soak)


def test_graphs_of_finished_trainings_are_released(short_soak):
    _check_graphs(short_soak)


@pytest.mark.slow
def test_thirty_start_stop_cycles(long_soak):
    _check_threads(long_soak)
    _check_rss(long_soak)
    _check_graphs(long_soak)
