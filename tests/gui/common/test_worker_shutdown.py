"""Closing never hangs on a stuck worker: every join has a bound (issue 14, item 17)."""

from __future__ import annotations

import threading

import pytest

from cnn_studio.gui.common import tasks
from cnn_studio.gui.common.state import AppState
from cnn_studio.gui.common.tasks import TaskRunner
from cnn_studio.gui.draw.inference_worker import InferenceService
from cnn_studio.gui.explain.worker import ExplainContext


@pytest.fixture
def release():
    """An Event a stuck job waits on; set after the test so the left-behind thread ends."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture(autouse=True)
def short_bound(monkeypatch):
    monkeypatch.setattr(tasks, "JOIN_TIMEOUT_S", 0.2)


def test_task_runner_shutdown_returns_while_a_job_is_stuck(qtbot, release):
    runner = TaskRunner()
    started = threading.Event()

    def stuck(state):  # ignores cancel, like a read on a stalled drive
        started.set()
        release.wait()

    runner.start("emnist", stuck)
    assert started.wait(5)
    assert runner.shutdown() is False  # it returned, leaving the daemon thread behind
    assert runner.running("emnist")


def test_task_runner_still_reports_a_finished_job(qtbot):
    runner = TaskRunner()
    with qtbot.waitSignal(runner.finished, timeout=5000) as blocker:
        runner.start("quick", lambda state: 42)
    assert blocker.args == ["quick", 42]
    assert not runner.running("quick")
    assert runner.shutdown() is True


def test_lane_stop_returns_while_a_call_is_stuck(qtbot, release):
    runner, started = TaskRunner(), threading.Event()
    lane = runner.lane("stuck")
    lane.call(lambda: (started.set(), release.wait()))
    assert started.wait(5)
    assert lane.stop() is False
    assert lane.is_running()
    release.set()
    assert lane.stop(timeout_s=5) is True


def test_explain_shutdown_returns_while_a_computation_is_stuck(qtbot, release):
    state = AppState()
    ctx = ExplainContext(state)
    started = threading.Event()

    def stuck():
        started.set()
        release.wait()

    ctx.submit("stuck", stuck, lambda _: None)
    assert started.wait(5) and not state.idle
    ctx.shutdown()
    assert state.idle  # the task bookkeeping is balanced even though the job never answered


def test_inference_stop_returns_while_a_model_load_is_stuck(qtbot, release, monkeypatch):
    from cnn_studio.gui.draw import inference_worker

    started = threading.Event()

    def stuck_load(self, path):
        started.set()
        release.wait()

    monkeypatch.setattr(inference_worker.InferenceWorker, "load_file", stuck_load)
    state = AppState()
    service = InferenceService(state)
    service.start(load_default=False)
    service.load_file("/stalled/drive/net.keras")
    assert started.wait(5)
    service.stop()
    assert not service.running
