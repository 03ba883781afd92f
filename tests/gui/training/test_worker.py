"""The training dashboard's workers: a training run in a QThread, short tasks, data sources."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QObject, QThread
from support_data import easy_data

from cnn_studio.gui.common.tasks import TaskRunner
from cnn_studio.gui.training import worker as tw
from cnn_studio.model.data.dataset import DatasetError
from cnn_studio.model.spec.presets import get_preset

CONFIG = {"optimizer": "adam", "learning_rate": 0.01, "batch_size": 26, "epochs": 1,
          "val_fraction": 0.2, "seed": 0}


RECORDED = ("model_built", "batch", "epoch_done", "snapshot", "finished", "failed",
            "data_progress", "done")


def _recording_slot(name: str):
    """A method that keeps the arguments of the signal ``name``."""
    def slot(self, *args) -> None:
        self.calls.setdefault(name, []).append(args)

    slot.__name__ = f"on_{name}"
    return slot


class Recorder(QObject):
    """Collects a worker's signals in the GUI thread (a QObject receiver gets queued calls):
    one ``on_<signal>`` method per name of :data:`RECORDED`."""

    def __init__(self, worker=None) -> None:
        super().__init__()
        self.calls: dict[str, list[tuple]] = {}
        if worker is not None:
            for name in RECORDED:
                signal = getattr(worker, name, None)
                if signal is not None:
                    signal.connect(getattr(self, f"on_{name}"))

    def get(self, name: str) -> list[tuple]:
        return self.calls.get(name, [])

    def ended(self) -> bool:
        return bool(self.get("finished") or self.get("failed") or self.get("done"))


for _name in RECORDED:
    setattr(Recorder, f"on_{_name}", _recording_slot(_name))


def easy_split(n: int, val_fraction: float = 0.2):
    """``(train, validation)`` of ``n`` easy images, as the worker's data source returns."""
    from cnn_studio.model.data.dataset import split

    return split(easy_data(n), val_fraction, 0)


def run_to_end(qtbot, worker, recorder: Recorder, during=None) -> Recorder:
    """Run ``worker`` as a task of the window's runner until it reports its end (calling
    ``during()`` once)."""
    runner = TaskRunner()
    run = runner.start("test-worker", lambda _state: worker.run())
    if during is not None:
        during()
    qtbot.waitUntil(recorder.ended, timeout=120_000)
    assert run.join(60)
    return recorder


def test_run_emits_model_progress_snapshots_and_validation_results(qtbot, monkeypatch):
    import tensorflow  # noqa: F401 - the worker imports it; load it outside the timed wait

    monkeypatch.setattr(tw, "gather_data", lambda *a, **k: easy_split(260))
    worker = tw.TrainingWorker(tw.TrainJob(spec=get_preset("tiny"), config=dict(CONFIG)))
    worker.set_learning_rate(0.02)  # before the run: applied at its first batch
    got = run_to_end(qtbot, worker, Recorder(worker))
    batches, epochs, snapshots = got.get("batch"), got.get("epoch_done"), got.get("snapshot")
    report = got.get("finished")[0][0]
    model, names = got.get("model_built")[0]
    assert names == ["01_conv2d", "02_maxpool2d", "03_flatten", "04_dense"]
    assert model is not worker.model  # the app gets its own copy
    assert [b[:3] for b in batches][-1] == (1, 8, 8)  # 208 samples in batches of 26
    assert epochs[0][0] == 1 and epochs[0][1]["learning_rate"] == pytest.approx(0.02)
    activations, kernels = snapshots[0]
    assert [a.shape for a in activations] == [(26, 26, 8), (13, 13, 8), (1352,), (26,)]
    assert kernels[0].shape == (3, 3, 1, 8)
    assert not report["cancelled"] and report["epochs_completed"] == 1
    assert len(report["val_true"]) == len(report["val_pred"]) == len(report["val_images"]) == 52
    assert report["val_pred"].dtype.kind == "i"
    for got, want in zip(report["weights"], worker.model.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)


def test_continuing_trains_a_copy_of_the_given_model(qtbot, monkeypatch):
    from cnn_studio.model.nets.keras_build import build_model

    monkeypatch.setattr(tw, "gather_data", lambda *a, **k: easy_split(260))
    given = build_model(get_preset("tiny"), seed=1)
    before = [w.copy() for w in given.get_weights()]
    worker = tw.TrainingWorker(tw.TrainJob(spec=None, config=dict(CONFIG), model=given))
    report = run_to_end(qtbot, worker, Recorder(worker)).get("finished")[0][0]
    for got, want in zip(given.get_weights(), before, strict=True):
        np.testing.assert_array_equal(got, want)  # the app's model is untouched...
    changed = [not np.array_equal(a, b) for a, b in zip(report["weights"], before, strict=True)]
    assert any(changed)  # ...and training started from its weights


def test_stop_during_data_preparation_cancels(qtbot, monkeypatch):
    from cnn_studio.model.synth.generator import GenerationCancelled

    started = threading.Event()

    def slow_data(choice, seed, progress=None, cancel=None, **kwargs):
        started.set()
        for done in range(1000):
            if cancel.wait(0.01):
                raise GenerationCancelled("cancelled")
            progress(done, 1000)
        raise AssertionError("never cancelled")

    monkeypatch.setattr(tw, "gather_data", slow_data)
    worker = tw.TrainingWorker(tw.TrainJob(spec=get_preset("tiny"), config=dict(CONFIG)))
    recorder = Recorder(worker)

    def stop_after_some_progress():
        assert started.wait(30)
        qtbot.waitUntil(lambda: len(recorder.get("data_progress")) > 2, timeout=30_000)
        worker.request_stop()

    run_to_end(qtbot, worker, recorder, stop_after_some_progress)
    assert recorder.get("finished") == [({"cancelled": True,
                                          "message": "Data generation cancelled."},)]


def test_bad_settings_and_bad_data_fail_with_a_message(qtbot, monkeypatch):
    monkeypatch.setattr(tw, "gather_data", lambda *a, **k: easy_split(260))
    worker = tw.TrainingWorker(tw.TrainJob(spec=get_preset("tiny"),
                                           config=dict(CONFIG, batch_size=0)))
    failed = run_to_end(qtbot, worker, Recorder(worker)).get("failed")
    assert "batch_size must be between 1 and 4096" in failed[0][0]

    def no_data(*args, **kwargs):
        raise DatasetError("No training data: tick a source.")

    monkeypatch.setattr(tw, "gather_data", no_data)
    worker = tw.TrainingWorker(tw.TrainJob(spec=get_preset("tiny"), config=dict(CONFIG)))
    failed = run_to_end(qtbot, worker, Recorder(worker)).get("failed")
    assert failed == [("No training data: tick a source.",)]


def test_gather_data_is_the_models_mixer(monkeypatch):
    from cnn_studio.model.data import datasets

    synthetic = easy_data(520)
    monkeypatch.setattr(datasets, "synthetic_dataset", lambda n, **kw: synthetic.subset(
        slice(0, n)))
    train, val = tw.gather_data(tw.DataChoice(samples=260), seed=0, val_fraction=0.2)
    assert (len(train), len(val)) == (208, 52)
    assert tw.DataChoice is datasets.DataChoice
    with pytest.raises(DatasetError, match="at least one source"):
        tw.gather_data(tw.DataChoice(samples=300, synthetic_weight=0.0), 0)


def test_runner_delivers_results_and_failures_in_the_gui_thread(qtbot):
    from PySide6.QtWidgets import QApplication

    gui_thread = QApplication.instance().thread()
    runner, seen = TaskRunner(), []
    with qtbot.waitSignal(runner.finished, timeout=10_000):
        runner.start("sum", lambda _state: 41 + 1,
                     on_done=lambda value: seen.append((value, QThread.currentThread() is gui_thread)))
    assert seen == [(42, True)]  # delivered in the GUI thread, not the task's

    def broken(_state):
        raise KeyError("nope")

    with qtbot.waitSignal(runner.failed, timeout=10_000) as failed:
        runner.start("broken", broken)
    assert failed.args == ["broken", "Unexpected error: KeyError: 'nope'"]


def test_describe_error_keeps_user_messages_and_names_the_rest():
    from cnn_studio.model.spec.network import SpecError

    assert tw.describe_error(SpecError("Add a layer.")) == "Add a layer."
    assert tw.describe_error(RuntimeError("boom")) == "Unexpected error: RuntimeError: boom"
