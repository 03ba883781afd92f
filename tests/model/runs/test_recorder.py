"""The recorder of a training run: the record is written as the run goes and says how it ended;
the model is kept beside it and measured on the real letters."""

from __future__ import annotations

import threading

import pytest
from support_data import easy_data
from support_real_letters import install_fake_real_letters
from support_training import config

from cnn_studio.model.nets.keras_build import build_model
from cnn_studio.model.nets.model_files import load_model_file
from cnn_studio.model.runs.recorder import RunRecorder
from cnn_studio.model.runs.store import RunStore
from cnn_studio.model.runs.trial import train_recorded
from cnn_studio.model.spec.presets import get_preset
from cnn_studio.model.training.config import TrainDataError, TrainHooks
from cnn_studio.model.training.loop import train

DATA = {"source": "test", "samples": 390}


@pytest.fixture
def store(tmp_path, monkeypatch) -> RunStore:
    install_fake_real_letters(tmp_path, monkeypatch)
    return RunStore(tmp_path / "runs")


def test_a_finished_run_keeps_curves_figures_and_model(store):
    spec = get_preset("tiny")
    settings = config(epochs=2)
    recorder = RunRecorder(store, spec, settings, DATA)
    result = train(lambda: build_model(spec, seed=0), easy_data(390), None, settings,
                   recorder=recorder)
    record = store.read(recorder.run_id)
    assert record.status == "finished" and record.state() == "finished, 2 epochs"
    assert (record.samples, record.validation_samples) == (312, 78)
    batch, epoch = record.curves["batch"], record.curves["epoch"]
    assert len(batch["loss"]) == 20 and batch["samples_seen"][-1] == 624
    assert epoch["samples_seen"] == [312, 624] and len(epoch["val_accuracy"]) == 2
    assert record.metrics["val_accuracy"] == pytest.approx(result.final["val_accuracy"])
    assert 0 <= record.metrics["real_accuracy"] <= 1 and record.metrics["per_letter"]
    assert record.params == 35_258 and record.macs > 0 and record.data == DATA
    assert record.settings["epochs"] == 2 and record.wall_s > 0 and record.samples_per_s > 0
    model = load_model_file(store.model_path(record.id))
    assert model.count_params() == record.params


def test_the_record_is_written_before_the_run_ends(store):
    spec = get_preset("tiny")
    seen = []

    def look(epoch, logs, weights):
        seen.append(store.read(run_id).epochs_completed)

    recorder = RunRecorder(store, spec, config(epochs=2), DATA)
    run_id = recorder.run_id
    assert store.read(run_id).status == "running"
    train(lambda: build_model(spec, seed=0), easy_data(390), None, config(epochs=2),
          TrainHooks(on_epoch=look), recorder=recorder)
    assert seen == [1, 2]


def test_a_stopped_run_says_where_it_stopped(store):
    spec, stop = get_preset("tiny"), threading.Event()
    hooks = TrainHooks(on_epoch=lambda *a: stop.set())
    recorder = RunRecorder(store, spec, config(epochs=3), DATA)
    train(lambda: build_model(spec, seed=0), easy_data(390), None, config(epochs=3), hooks,
          stop_event=stop, recorder=recorder)
    record = store.read(recorder.run_id)
    assert record.state() == "stopped at epoch 1" and record.model_file == "model.keras"


def test_a_failed_run_is_recorded_as_failed(store):
    spec = get_preset("tiny")
    recorder = RunRecorder(store, spec, config(), DATA)
    with pytest.raises(TrainDataError):
        train(lambda: build_model(spec, seed=0), (easy_data(26).x[:, :10], [0] * 26), None,
              config(), recorder=recorder)
    record = store.read(recorder.run_id)
    assert record.status == "failed" and "shape" in record.message and record.model_file is None


def test_a_long_run_thins_its_batch_curve(store, monkeypatch):
    from cnn_studio.model.runs import recorder as recorder_module

    monkeypatch.setattr(recorder_module, "MAX_BATCH_POINTS", 8)
    recorder = RunRecorder(store, get_preset("tiny"), config(), DATA)
    for step in range(1, 40):
        recorder.batch(1, step, step * 32, 1.0, 0.5)
    kept = recorder.record.curves["batch"]["step"]
    assert len(kept) <= 8 and kept == sorted(kept) and kept[-1] >= 32


def test_train_recorded_adds_the_robustness_curves(store):
    record = train_recorded(get_preset("tiny"), (easy_data(130), easy_data(26, seed=1)),
                            config(), store, DATA, name="tiny try")
    assert record.name == "tiny try"
    assert set(record.metrics["robustness"]) == {"shift", "rotation", "scale"}
    assert store.read(record.id).metrics["robustness"]["shift"][0][0] == 0
