"""Tests of the shared training loop (model/training/loop.py, model/training/live.py): a run
and what its hooks receive, divergence, settings and data checks, the input pipeline, exports,
devices. Stopping, pausing and rate changes while it runs: test_loop_control.py."""

from __future__ import annotations

import csv
import importlib.util
import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from support_data import easy_data
from support_training import STEPS, Recorder, config, tiny

from cnn_studio.model.data.dataset import Dataset
from cnn_studio.model.nets.inference import Predictor
from cnn_studio.model.training.config import TrainConfig, TrainConfigError, TrainDataError
from cnn_studio.model.training.devices import DeviceError, list_devices
from cnn_studio.model.training.loop import history_to_csv, make_pipeline, train

ROOT = Path(__file__).resolve().parents[3]


def test_training_reduces_loss_and_hooks_get_plain_data(data):
    model = tiny()
    initial = model.get_weights()
    probe = data.x[5]
    seen_after_first_batch = []
    recorder = Recorder(lambda epoch, step, *rest: seen_after_first_batch.append(
        model.get_weights()) if (epoch, step) == (1, 1) else None)
    result = train(model, data, None, config(epochs=3, learning_rate=0.02,
                                             activation_interval_s=0.05),
                   recorder.hooks(), probe_image=probe)
    history = result.history
    assert result.epochs_completed == 3 and not result.stopped and not result.diverged
    assert history["loss"][-1] < history["loss"][0]
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"}
    assert result.samples_seen == 3 * 312
    assert result.samples_per_s > 0
    assert result.message.startswith("Finished 3 epochs")
    assert recorder.messages[0].startswith("Training on cpu: 312 samples, 78 for validation")
    # Batches: plain ints and floats, every step of every epoch (report_every_batches=1).
    assert [(e, s) for e, s, *_ in recorder.batches] == [
        (e, s) for e in (1, 2, 3) for s in range(1, STEPS + 1)]
    for epoch, step, steps, loss, accuracy, rate in recorder.batches:
        assert type(epoch) is int and type(step) is int and steps == STEPS
        assert all(type(v) is float and math.isfinite(v) for v in (loss, accuracy, rate))
    # Epochs: numpy weights in get_weights order, python float logs.
    assert [epoch for epoch, _, _ in recorder.epochs] == [1, 2, 3]
    for _, logs, weights in recorder.epochs:
        assert all(type(v) is float for v in logs.values())
        assert [w.shape for w in weights] == [w.shape for w in initial]
        assert all(isinstance(w, np.ndarray) for w in weights)
    for got, want in zip(recorder.epochs[-1][2], model.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(result.weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)
    # Snapshots: the first comes right after batch 1, from the weights of that moment.
    activations, kernels = recorder.snapshots[0]
    assert [a.shape for a in activations] == [tuple(layer.output.shape[1:])
                                              for layer in model.layers]
    assert all(isinstance(k, np.ndarray) for k in kernels)
    assert kernels[0].shape == (3, 3, 1, 8)
    assert not np.allclose(kernels[0], initial[0])
    np.testing.assert_allclose(kernels[0], seen_after_first_batch[0][0], atol=1e-6)
    predictor = Predictor(model)
    predictor.set_weights(seen_after_first_batch[0])
    expected = predictor.forward(probe)
    for got, want in zip(activations, expected.activations, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-4)


def test_diverging_loss_stops_and_restores_last_good_weights(data):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([  # no nonlinearity to damp it: a learning rate of 10 explodes
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(4, 3),
        keras.layers.Flatten(),
        keras.layers.Dense(32),
        keras.layers.Dense(32),
        keras.layers.Dense(26, activation="softmax"),
    ])
    recorder = Recorder()
    result = train(model, data, None,
                   config(epochs=5, optimizer="sgd", learning_rate=10.0, val_fraction=0.0,
                          snapshot_every_batches=1), recorder.hooks())
    assert result.diverged and not result.stopped
    assert "diverged at epoch" in result.message and "learning rate" in result.message
    assert "to 1)" in result.message  # 10x lower than 10
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    for got, want in zip(result.weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)
    for _, _logs, weights in recorder.epochs:  # the GUI never receives broken weights
        assert all(np.all(np.isfinite(w)) for w in weights)
    assert result.message in recorder.messages
    assert result.epochs_completed < 5


def test_config_ranges():
    assert TrainConfig().validate().errors() == []
    bad = TrainConfig(optimizer="lbfgs", learning_rate=0.0, batch_size=5000, epochs=0,
                      val_fraction=0.6, device="tpu", seed=-1, augment=True)
    problems = " ".join(bad.errors())
    for name in ("optimizer", "learning_rate", "batch_size", "epochs", "val_fraction",
                 "device", "seed"):
        assert name in problems
    for field, value in (("learning_rate", float("nan")), ("batch_size", True),
                         ("learning_rate", "fast"), ("activation_interval_s", 0.0)):
        with pytest.raises(TrainConfigError, match=field):
            TrainConfig(**{field: value}).validate()
    for name in ("sgd", "adam", "rmsprop"):
        assert TrainConfig(optimizer=name).errors() == []


def test_bad_data_and_devices_give_clear_errors(data):
    model = tiny()
    with pytest.raises(TrainDataError, match="26 outputs"):
        train(model, (data.x, data.y + 5), None, config(val_fraction=0.0))
    with pytest.raises(TrainDataError, match="shape"):
        train(model, (np.zeros((4, 28, 28, 3)), np.zeros(4)), None, config())
    with pytest.raises(TrainDataError, match="empty"):
        train(model, (np.zeros((0, 28, 28, 1)), np.zeros(0)), None, config())
    with pytest.raises(TrainDataError):
        train(model, "not data", None, config())
    with pytest.raises(TrainConfigError):
        train(model, data, None, config(epochs=0))
    if not tf.config.list_physical_devices("GPU"):
        with pytest.raises(DeviceError, match="cpu"):
            train(model, data, None, config(device="gpu"))
        with pytest.raises(DeviceError, match="cpu"):
            train(model, data, None, config(device="mirrored"))
    assert list_devices()[0][0] == "cpu"


def test_build_function_validation_data_and_augmentation(data):
    val = easy_data(52, seed=1)
    recorder = Recorder()
    result = train(lambda: tiny(1), data, val, config(augment=True, report_every_batches=4),
                   recorder.hooks())
    assert isinstance(result.model, keras.Model)
    assert result.history["val_loss"] and result.samples_seen == len(data)
    assert "52 for validation" in " ".join(recorder.messages)
    empty = Dataset(np.zeros((0, 28, 28, 1)), np.zeros(0))
    result = train(result.model, data, empty, config(val_fraction=0.3))
    assert "val_loss" not in result.history and result.samples_seen == len(data)
    for got, want in zip(result.weights, result.model.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)


def test_pipeline_shuffles_reproducibly_and_augments(data):
    def labels(dataset):
        return [batch[1].numpy().tolist() for batch in dataset]

    first = make_pipeline(data.x, data.y, 50, shuffle=True, seed=4)
    second = make_pipeline(data.x, data.y, 50, shuffle=True, seed=4)
    epoch_1, epoch_2 = labels(first), labels(first)
    assert epoch_1 == labels(second)  # same seed, same order
    assert epoch_1 != epoch_2  # reshuffled each epoch
    assert sorted(sum(epoch_1, [])) == sorted(data.y.tolist())
    plain = next(iter(make_pipeline(data.x, data.y, 16)))[0].numpy()
    moved = next(iter(make_pipeline(data.x, data.y, 16, augment=True)))[0].numpy()
    np.testing.assert_array_equal(plain, data.x[:16])
    assert moved.shape == plain.shape and not np.allclose(moved, plain)


def test_history_to_csv(tmp_path):
    path = tmp_path / "curves.csv"
    history_to_csv({"loss": [2.5, 1.25], "accuracy": [0.5, 0.75]}, path)
    rows = list(csv.reader(path.read_text().splitlines()))
    assert rows == [["epoch", "accuracy", "loss"], ["1", "0.5", "2.5"], ["2", "0.75", "1.25"]]
    assert not list(tmp_path.glob(".*tmp"))


def test_tensorboard_logs(tmp_path, data):
    cfg = config(tensorboard_dir=str(tmp_path / "tb"))
    if importlib.util.find_spec("tensorboard") is None:
        with pytest.raises(TrainConfigError, match="pip install tensorboard"):
            train(tiny(), data, None, cfg)
        return
    train(tiny(), data, None, cfg)
    assert list((tmp_path / "tb").rglob("events.out.tfevents.*"))


MIRRORED_SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    sys.path.append(sys.argv[1] + "/tests")  # for the shared support modules
    from support_data import easy_data
    from support_training import config, tiny
    from cnn_studio.model.training.loop import TrainHooks, train
    model = tiny()
    before = model.get_weights()
    messages = []
    result = train(model, easy_data(390), None, config(epochs=2, device="mirrored"),
                   TrainHooks(on_message=messages.append))
    changed = any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    print(json.dumps({"messages": messages, "epochs": result.epochs_completed,
                      "loss": result.history["loss"], "changed": changed}))
""")


def test_mirrored_strategy_over_two_logical_cpus():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run([sys.executable, "-c", MIRRORED_SCRIPT, str(ROOT)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["messages"][0].startswith("Training on 2 mirrored devices")
    assert report["epochs"] == 2 and report["changed"]
    assert all(math.isfinite(v) for v in report["loss"])
    assert report["loss"][-1] < report["loss"][0]


def test_network_with_logits_output_trains_with_a_matching_loss(data):
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(26)])  # no softmax: the loss applies it
    result = train(model, data, None, config(epochs=2, learning_rate=0.05))
    assert all(math.isfinite(v) for v in result.history["loss"] + result.history["val_loss"])
    assert result.history["loss"][-1] < result.history["loss"][0]
