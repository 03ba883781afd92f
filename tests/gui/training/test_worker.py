"""A training run as a task of the runner (partial results, requests), and the runner itself."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QThread
from support_data import easy_data

from cnn_studio.gui.common.tasks import TaskRunner
from cnn_studio.gui.training import worker as tw
from cnn_studio.model.data.dataset import DatasetError
from cnn_studio.model.errors import describe_error
from cnn_studio.model.spec.presets import get_preset
from cnn_studio.model.training.config import TrainConfig

CONFIG = {"optimizer": "adam", "learning_rate": 0.01, "batch_size": 26, "epochs": 1,
          "val_fraction": 0.2, "seed": 0}


def easy_split(n: int, val_fraction: float = 0.2):
    """``(train, validation)`` of ``n`` easy images, as the run's data source returns."""
    from cnn_studio.model.data.dataset import split

    return split(easy_data(n), val_fraction, 0)


class Run:
    """A training run started on a task runner, with what it handed over and how it ended."""

    def __init__(self, qtbot, job: tw.TrainJob, before=()) -> None:
        self.partials: list = []
        self.ends: list[tuple[str, object]] = []
        self.runner = TaskRunner()
        self.task = self.runner.start(
            "training", lambda state: tw.run_training(job, state),
            lambda result: self.ends.append(("finished", result)),
            lambda message: self.ends.append(("failed", message)),
            lambda message: self.ends.append(("cancelled", message)),
            self.partials.append)
        for request in before:
            self.task.request(request)
        self.qtbot = qtbot

    def of(self, kind: type) -> list:
        return [news for news in self.partials if isinstance(news, kind)]

    def wait(self) -> tuple[str, object]:
        self.qtbot.waitUntil(lambda: bool(self.ends), timeout=120_000)
        assert self.task.join(60)
        return self.ends[0]


def config(**changes) -> TrainConfig:
    return TrainConfig(**{**CONFIG, **changes})


def test_run_hands_over_model_progress_snapshots_and_validation_results(qtbot, monkeypatch):
    import tensorflow  # noqa: F401 - the run imports it; load it outside the timed wait

    monkeypatch.setattr(tw, "gather_data", lambda *a, **k: easy_split(260))
    run = Run(qtbot, tw.TrainJob(spec=get_preset("tiny"), config=config()),
              before=[tw.LearningRate(0.02)])  # sent before the run: applied at its first batch
    kind, outcome = run.wait()
    assert kind == "finished" and isinstance(outcome, tw.TrainOutcome)
    built = run.of(tw.ModelBuilt)[0]
    assert built.layer_names == ["01_conv2d", "02_maxpool2d", "03_flatten", "04_dense"]
    assert built.model is not outcome.model  # the app gets its own copy
    batches, epochs = run.of(tw.BatchDone), run.of(tw.EpochDone)
    assert (batches[-1].epoch, batches[-1].step, batches[-1].steps) == (1, 8, 8)  # 208 / 26
    assert epochs[0].epoch == 1 and epochs[0].logs["learning_rate"] == pytest.approx(0.02)
    snapshot = run.of(tw.Snapshot)[0]
    assert [a.shape for a in snapshot.activations] == [(26, 26, 8), (13, 13, 8), (1352,), (26,)]
    assert snapshot.kernels[0].shape == (3, 3, 1, 8)
    assert outcome.epochs_completed == 1
    assert len(outcome.val_true) == len(outcome.val_pred) == len(outcome.val_images) == 52
    assert outcome.val_pred.dtype.kind == "i"
    for got, want in zip(outcome.weights, outcome.model.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(built.model.get_weights(), outcome.weights, strict=True):
        np.testing.assert_array_equal(got, want)  # the app's copy has the trained weights


def test_continuing_trains_a_copy_of_the_given_model(qtbot, monkeypatch):
    from cnn_studio.model.nets.keras_build import build_model

    monkeypatch.setattr(tw, "gather_data", lambda *a, **k: easy_split(260))
    given = build_model(get_preset("tiny"), seed=1)
    before = [w.copy() for w in given.get_weights()]
    _, outcome = Run(qtbot, tw.TrainJob(spec=None, config=config(), model=given)).wait()
    for got, want in zip(given.get_weights(), before, strict=True):
        np.testing.assert_array_equal(got, want)  # the app's model is untouched...
    changed = [not np.array_equal(a, b) for a, b in zip(outcome.weights, before, strict=True)]
    assert any(changed)  # ...and training started from its weights


def test_stop_during_data_preparation_cancels(qtbot, monkeypatch):
    from cnn_studio.model.synth.generator import GenerationCancelled

    started = threading.Event()

    def slow_data(choice, seed, progress=None, cancel=None, **kwargs):
        started.set()
        for done in range(1000):
            if cancel.is_set():
                raise GenerationCancelled("Data generation cancelled.")
            threading.Event().wait(0.01)
            progress(done, 1000)
        raise AssertionError("never cancelled")

    monkeypatch.setattr(tw, "gather_data", slow_data)
    run = Run(qtbot, tw.TrainJob(spec=get_preset("tiny"), config=config()))
    assert started.wait(30)
    qtbot.waitUntil(lambda: len(run.of(tw.DataProgress)) > 2, timeout=30_000)
    run.task.request(tw.Stop())
    assert run.wait() == ("cancelled", "Data generation cancelled.")


def test_pause_is_said_as_a_partial_result_not_a_text_to_parse(qtbot, monkeypatch):
    monkeypatch.setattr(tw, "gather_data", lambda *a, **k: easy_split(260))
    run = Run(qtbot, tw.TrainJob(spec=get_preset("tiny"), config=config(epochs=3)),
              before=[tw.Pause(True)])
    qtbot.waitUntil(lambda: bool(run.of(tw.PausedAt)), timeout=60_000)
    assert run.of(tw.PausedAt)[0].text.startswith("Paused at epoch 1/3")
    assert not run.ends, "held while paused"
    run.task.request(tw.Stop())
    kind, outcome = run.wait()
    assert kind == "finished" and outcome.stopped


def test_bad_settings_and_bad_data_fail_with_a_message(qtbot, monkeypatch):
    monkeypatch.setattr(tw, "gather_data", lambda *a, **k: easy_split(260))
    kind, message = Run(qtbot, tw.TrainJob(spec=get_preset("tiny"),
                                           config=config(batch_size=0))).wait()
    assert kind == "failed" and "batch_size must be between 1 and 4096" in message

    def no_data(*args, **kwargs):
        raise DatasetError("No training data: tick a source.")

    monkeypatch.setattr(tw, "gather_data", no_data)
    assert Run(qtbot, tw.TrainJob(spec=get_preset("tiny"), config=config())).wait() == (
        "failed", "No training data: tick a source.")


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

    assert describe_error(SpecError("Add a layer.")) == "Add a layer."
    assert describe_error(RuntimeError("boom")) == "Unexpected error: RuntimeError: boom"
