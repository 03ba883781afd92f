"""The training loop's control while it runs (model/training/loop.py, model/training/live.py):
stop, pause and resume, a step while paused, slow motion, learning-rate changes, from the hooks
or another thread."""

from __future__ import annotations

import threading
import time

import keras
import numpy as np
import pytest
from support_training import STEPS, Recorder, config, tiny

from cnn_studio.model.training.config import BATCH_RATE_RANGE, TrainConfigError, TrainControl
from cnn_studio.model.training.loop import train


def test_stop_takes_effect_within_one_batch(data):
    control = TrainControl()
    after_stop = []

    def on_batch(epoch, step, *rest):
        if control.stop_event.is_set():
            after_stop.append((epoch, step))
        if (epoch, step) == (2, 3):
            control.request_stop()

    recorder = Recorder(on_batch)
    result = train(tiny(), data, None, config(epochs=5), recorder.hooks(), control=control)
    assert after_stop == []  # the stop came between batches: not one more batch ran
    assert result.stopped and not result.diverged
    assert result.epochs_completed == 1  # the cut-short epoch is not recorded
    assert [epoch for epoch, *_ in recorder.epochs] == [1]
    assert len(result.history["loss"]) == 1
    assert "Stopped at epoch 2, step 3" in result.message
    assert result.samples_seen == 312 + 3 * 32


def test_stop_from_another_thread(data):
    stop = threading.Event()
    started = threading.Event()
    stamps = []

    def on_batch(epoch, step, *rest):
        stamps.append(stop.is_set())
        started.set()

    def stopper():
        started.wait(60)
        stop.set()

    thread = threading.Thread(target=stopper)
    thread.start()
    result = train(tiny(), data, None, config(epochs=50), Recorder(on_batch).hooks(),
                   stop_event=stop)
    thread.join()
    assert result.stopped
    assert sum(stamps) <= 1  # at most the batch during which stop was set
    assert result.epochs_completed < 50


def test_stop_at_epoch_end_keeps_that_epoch(data):
    control = TrainControl()
    recorder = Recorder()
    recorder._epoch = lambda epoch, logs, weights: control.request_stop()
    result = train(tiny(), data, None, config(epochs=4), recorder.hooks(), control=control)
    assert result.stopped and result.epochs_completed == 1
    assert "val_loss" in result.history
    assert len(recorder.batches) == STEPS


def test_already_stopped_trains_nothing(data):
    stop = threading.Event()
    stop.set()
    model = tiny()
    before = model.get_weights()
    result = train(model, data, None, config(), Recorder().hooks(), stop_event=stop)
    assert result.stopped and result.samples_seen == 0 and result.history == {}
    assert "nothing was trained" in result.message
    for got, want in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(got, want)


def test_pause_waits_and_resume_continues(data):
    control = TrainControl()
    counts = {}
    new_probe = data.x[7]

    def on_batch(epoch, step, *rest):
        if (epoch, step) == (1, 2):
            control.pause()

    recorder = Recorder(on_batch)

    def while_paused():
        assert recorder.paused.wait(60)
        counts["at_pause"] = len(recorder.batches)
        recorder.snapshot_seen.clear()
        control.set_probe_image(new_probe)  # drawing while paused updates the activations
        counts["snapshot"] = recorder.snapshot_seen.wait(60)
        counts["still"] = len(recorder.batches)
        control.resume()

    thread = threading.Thread(target=while_paused)
    thread.start()
    result = train(tiny(), data, None, config(epochs=2, activation_interval_s=100.0),
                   recorder.hooks(), control=control)
    thread.join()
    assert counts == {"at_pause": 2, "snapshot": True, "still": 2}
    assert result.epochs_completed == 2 and not result.stopped
    assert len(recorder.batches) == 2 * STEPS
    assert f"Paused at epoch 1/2, step 2/{STEPS}" in recorder.messages
    assert "Resumed" in recorder.messages
    activations = recorder.snapshots[-1][0]
    assert activations and activations[0].shape == (26, 26, 8)


def test_stop_while_paused(data):
    control = TrainControl()
    recorder = Recorder(lambda e, s, *r: control.pause() if s == 1 else None)
    thread = threading.Thread(target=lambda: recorder.paused.wait(60) and control.request_stop())
    thread.start()
    result = train(tiny(), data, None, config(epochs=3), recorder.hooks(), control=control)
    thread.join()
    assert result.stopped and len(recorder.batches) == 1
    assert "Resumed" not in recorder.messages


def test_a_pause_between_reports_reports_the_position_it_names(data):
    control = TrainControl()
    recorder = Recorder()
    hooks = recorder.hooks()
    hooks.on_snapshot = lambda *args: control.pause()  # the first snapshot: after batch 1
    thread = threading.Thread(target=lambda: recorder.paused.wait(60) and control.request_stop())
    thread.start()
    result = train(tiny(), data, None, config(report_every_batches=4,
                                              activation_interval_s=100.0), hooks,
                   control=control, probe_image=data.x[0])
    thread.join()
    assert result.stopped
    # batch 1 is not a reporting batch, yet its figures come before the pause message
    assert [b[:3] for b in recorder.batches] == [(1, 1, STEPS)]
    assert f"Paused at epoch 1/1, step 1/{STEPS}" in recorder.messages


def test_learning_rate_change_applies_from_next_batch(data):
    model = tiny()
    control = TrainControl()
    seen = {}

    def on_batch(epoch, step, *rest):
        seen[step] = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
        if step == 2:
            control.set_learning_rate(0.05)

    result = train(model, data, None, config(optimizer="sgd"), Recorder(on_batch).hooks(),
                   control=control)
    assert seen[2] == pytest.approx(0.01) and seen[3] == pytest.approx(0.05)
    assert result.history["learning_rate"] == [pytest.approx(0.05)]
    with pytest.raises(TrainConfigError, match="learning_rate"):
        control.set_learning_rate(100.0)
    with pytest.raises(TrainConfigError):
        control.set_learning_rate(float("nan"))


def test_a_step_while_paused_runs_one_batch_and_holds_again(data):
    control = TrainControl()
    recorder = Recorder(lambda e, s, *r: control.pause() if s == 2 else None)
    seen = {}

    def stepper():
        assert recorder.paused.wait(60)
        seen["paused"] = len(recorder.batches)
        for _ in range(2):
            recorder.paused.clear()
            recorder.snapshot_seen.clear()
            control.step()
            assert recorder.paused.wait(60)  # held again after the one batch
        seen["snapshot"] = recorder.snapshot_seen.is_set()
        seen["stepped"] = len(recorder.batches)
        time.sleep(0.3)
        seen["held"] = len(recorder.batches)
        control.request_stop()

    thread = threading.Thread(target=stepper)
    thread.start()
    result = train(tiny(), data, None, config(epochs=2, activation_interval_s=100.0),
                   recorder.hooks(), control=control, probe_image=data.x[0])
    thread.join()
    assert seen == {"paused": 2, "snapshot": True, "stepped": 4, "held": 4}
    assert result.stopped
    assert f"Paused at epoch 1/2, step 4/{STEPS}" in recorder.messages
    assert "Resumed" not in recorder.messages  # a step is not a resume


def test_slow_motion_holds_the_batch_rate_and_full_speed_comes_back(data):
    control = TrainControl()
    control.set_batch_rate(5.0)
    begins = []

    def on_batch(epoch, step, *rest):
        begins.append(time.perf_counter())
        if step == 4:
            control.set_batch_rate(None)

    result = train(tiny(), data, None, config(epochs=1), Recorder(on_batch).hooks(),
                   control=control)
    assert result.epochs_completed == 1
    gaps = np.diff(begins)
    # batches 2 to 4 begin 0.2 s after the one before (at most 5 a second; the first batch
    # traces the graph and is slower than that already)
    assert np.all(gaps[1:3] >= 0.19)
    assert np.median(gaps[3:]) < gaps[1:3].min()  # then at full speed


@pytest.mark.parametrize("rate", [0.0, BATCH_RATE_RANGE[1] + 1, float("nan")])
def test_a_batch_rate_outside_the_range_is_refused(rate):
    with pytest.raises(TrainConfigError, match="batches per second"):
        TrainControl().set_batch_rate(rate)
