"""The live link between a running :func:`model.training.loop.train` and the rest of the app.

:class:`TrainHooks` carries progress out of the training thread as plain numpy/python values;
:class:`TrainControl` carries requests in (stop, pause, learning rate, probe image) from any
thread; :class:`LiveCallback` is the Keras callback that connects both to ``model.fit``.
"""

from __future__ import annotations

import math
import time

import keras
import numpy as np
import tensorflow as tf

from cnn_studio.model.training.config import (
    LEARNING_RATE_RANGE,
    TrainControl,
    TrainHooks,
    TrainRecorder,
)


def _finite(weights: list[np.ndarray]) -> bool:
    return all(np.all(np.isfinite(w)) for w in weights)


class LiveCallback(keras.callbacks.Callback):
    """Reports progress, obeys the control and guards against a diverging loss.

    Args:
        config: the run's ``TrainConfig``.
        hooks: where progress goes.
        control: stop/pause/learning-rate/probe requests.
        steps_per_epoch: batches per epoch.
        num_samples: training samples per epoch.
        act_model: a model sharing the trained layers that outputs every layer's activation.
        recorder: told every reported batch and every complete epoch (None: nobody).
    """

    def __init__(self, config, hooks: TrainHooks, control: TrainControl, steps_per_epoch: int,
                 num_samples: int, act_model: keras.Model, recorder: TrainRecorder | None = None):
        super().__init__()
        self.config, self.hooks, self.control = config, hooks, control
        self.recorder = recorder
        self.steps, self.num_samples = steps_per_epoch, num_samples
        self._input_shape = tuple(act_model.inputs[0].shape[1:])
        spec = tf.TensorSpec((None, *self._input_shape), tf.float32)
        self._act_fn = tf.function(lambda x: act_model(x, training=False), input_signature=[spec])
        self._convs = [layer for layer in act_model.layers
                       if isinstance(layer, keras.layers.Conv2D)]
        self.history: dict[str, list[float]] = {}
        self.final: dict[str, float] = {}
        self.stopped = False
        self.diverged_at: tuple[int, int] | None = None
        self.good_weights: list[np.ndarray] | None = None
        self.good_where = "their state before training"
        self.samples_seen = 0
        self.paused_s = 0.0
        self.epoch = self.step = 0
        self._reported = (0, 0)  # (epoch, step) of the last on_batch call
        self.learning_rate = float(config.learning_rate)
        self._window_t = time.perf_counter()
        self._window_samples = 0
        self._batch_t: float | None = None  # end of the previous batch of this epoch
        self._batch_begin_t = -math.inf  # when the latest batch began (for slow motion)
        self._loop_s = 0.0  # time in the batch loops, first batch and pauses excluded
        self._loop_samples = 0
        self._last_snapshot = -math.inf
        self._probe_version = -1

    # -- keras callback methods ------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._keep_good(self.good_where)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self.step = epoch + 1, 0
        self._window_t, self._window_samples = time.perf_counter(), 0

    def on_train_batch_begin(self, batch, logs=None):
        if self._batch_t is None:
            self._batch_t = time.perf_counter()
        self._hold_for_slow_motion()
        learning_rate = self.control.take_learning_rate()
        if learning_rate is not None and learning_rate != self.learning_rate:
            self.model.optimizer.learning_rate = learning_rate
            self.learning_rate = learning_rate
            self.hooks.message(f"Learning rate set to {learning_rate:g}")

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        size = self.config.batch_size
        self.step = batch + 1
        done = min(self.step * size, self.num_samples) - min(batch * size, self.num_samples)
        now = time.perf_counter()
        if self.samples_seen:  # the run's first batch mostly measures tracing: leave it out
            self._loop_s += now - self._batch_t
            self._loop_samples += done
        self._batch_t = now
        self.samples_seen += done
        self._window_samples += done
        loss, accuracy = float(logs.get("loss", math.nan)), float(logs.get("accuracy", math.nan))
        self.final = {"loss": loss, "accuracy": accuracy}
        if not math.isfinite(loss):
            self.diverged_at = (self.epoch, self.step)
            self.model.stop_training = True
            return
        if self.step % self.config.snapshot_every_batches == 0:
            self._keep_good(f"their state at epoch {self.epoch}, step {self.step}")
        slow_motion = self.control.batch_rate() is not None  # every batch is watched
        if self.step % self.config.report_every_batches == 0 or self.step == self.steps or \
                slow_motion:
            self._report_batch(loss, accuracy)
        paused = self.control.pause_event.is_set() and not self.control.stop_event.is_set()
        if paused and self._reported != (self.epoch, self.step):  # the pause point's figures
            self._report_batch(loss, accuracy)
        self._maybe_snapshot(force=paused)  # a pause (or a step) shows its batch's state
        if self.control.pause_event.is_set() and not self.control.stop_event.is_set():
            if self._reported != (self.epoch, self.step):  # paused by a hook just now
                self._report_batch(loss, accuracy)
            self._wait_while_paused()
        if self.control.stop_event.is_set():
            self.stopped = True
            self.model.stop_training = True

    def on_test_batch_end(self, batch, logs=None):
        if self._partial_epoch():
            self.model.stop_evaluating = True  # no validation of a cut-short epoch

    def on_epoch_end(self, epoch, logs=None):
        self._batch_t = None  # validation time does not count as training time
        if self._partial_epoch():
            return
        logs = {key: float(value) for key, value in (logs or {}).items()}
        if not all(math.isfinite(logs.get(key, 0.0)) for key in ("loss", "val_loss")):
            self.diverged_at = (self.epoch, self.step)
            self.model.stop_training = True
            return
        logs["learning_rate"] = self.learning_rate
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
        self.final = dict(logs)
        if self.recorder is not None:
            self.recorder.epoch(self.epoch, self.samples_seen, dict(logs))
        weights = self.model.get_weights()
        self._keep_good(f"their state at the end of epoch {self.epoch}", weights)
        if self.hooks.on_epoch is not None:
            self.hooks.on_epoch(self.epoch, dict(logs), weights)
        if self.control.stop_event.is_set():
            self.stopped = True
            self.model.stop_training = True

    # -- helpers -----------------------------------------------------------------------------
    def _partial_epoch(self) -> bool:
        return self.diverged_at is not None or (self.stopped and self.step < self.steps)

    def _keep_good(self, where: str, weights: list[np.ndarray] | None = None) -> None:
        weights = self.model.get_weights() if weights is None else weights
        if _finite(weights):
            self.good_weights = [np.array(w, copy=True) for w in weights]
            self.good_where = where

    def _maybe_snapshot(self, force: bool = False) -> None:
        if self.hooks.on_snapshot is None:
            return
        now = time.perf_counter()
        if not force and now - self._last_snapshot < self.config.activation_interval_s:
            return
        self._last_snapshot = now
        probe, self._probe_version = self.control.probe()
        activations: list[np.ndarray] = []
        if probe is not None and probe.shape == self._input_shape:
            outputs = self._act_fn(tf.constant(probe[None]))
            outputs = outputs if isinstance(outputs, list | tuple) else [outputs]
            activations = [np.asarray(out)[0] for out in outputs]
        kernels = [keras.ops.convert_to_numpy(layer.kernel) for layer in self._convs]
        self.hooks.on_snapshot(activations, kernels)

    def _report_batch(self, loss: float, accuracy: float) -> None:
        """``on_batch`` with the epoch's running means and the samples/s since the last one."""
        self._reported = (self.epoch, self.step)
        if self.recorder is not None:
            self.recorder.batch(self.epoch, self.step, self.samples_seen, loss, accuracy)
        if self.hooks.on_batch is None:
            return
        now = time.perf_counter()
        rate = self._window_samples / max(now - self._window_t, 1e-9)
        self._window_t, self._window_samples = now, 0
        self.hooks.on_batch(self.epoch, self.step, self.steps, loss, accuracy, rate)

    def _hold_for_slow_motion(self) -> None:
        """In slow motion, wait until the batch may begin (a stop ends the wait at once).

        The wait counts as paused time: the run's samples/s measure the training itself.
        """
        rate = self.control.batch_rate()
        start = time.perf_counter()
        wait = self._batch_begin_t + 1.0 / rate - start if rate else 0.0
        if wait > 0:
            self.control.stop_event.wait(wait)
            held = time.perf_counter() - start
            self.paused_s += held
            if self._batch_t is not None:
                self._batch_t += held
        self._batch_begin_t = time.perf_counter()

    def _wait_while_paused(self) -> None:
        """Hold between batches until resumed, stopped or asked for one more batch (a step);
        the message names the same position as the last report."""
        text = f"Paused at epoch {self.epoch}/{self.config.epochs}, step {self.step}/{self.steps}"
        self.control.take_step()  # a step asked for before this pause is void
        if self.hooks.on_paused is not None:
            self.hooks.on_paused(text)
        else:
            self.hooks.message(text)
        start = time.perf_counter()
        stepping = False
        while self.control.pause_event.is_set() and not self.control.stop_event.is_set():
            if self.control.take_step():
                stepping = True
                break
            self.control.stop_event.wait(0.05)
            if self.control.probe()[1] != self._probe_version:
                self._maybe_snapshot(force=True)  # the user drew something new while paused
        paused = time.perf_counter() - start
        self.paused_s += paused
        self._window_t += paused
        if self._batch_t is not None:
            self._batch_t += paused
        if not self.control.stop_event.is_set() and not stepping:
            self.hooks.message("Resumed")

    def samples_per_s(self, busy_s: float) -> float:
        """Training throughput of the batch loop, without the first batch, validation and pauses.

        Args:
            busy_s: the run's unpaused wall time, used when only one batch ran.
        """
        if self._loop_s > 0:
            return self._loop_samples / self._loop_s
        return self.samples_seen / max(busy_s, 1e-9)

    def end_message(self) -> str:
        """One sentence saying how the run ended and, after a failure, what to try."""
        if self.diverged_at is not None:
            epoch, step = self.diverged_at
            return (
                f"Training diverged at epoch {epoch}, step {step}: the loss became NaN or "
                f"infinite. The weights went back to {self.good_where}. Lower the learning "
                f"rate (e.g. 10x, to {max(self.learning_rate / 10, LEARNING_RATE_RANGE[0]):g}) "
                "and train again."
            )
        figures = ", ".join(f"{key} {value:.4f}" for key, value in self.final.items()
                            if key != "learning_rate")
        if self.stopped and not self.samples_seen:
            return "Stopped before the first batch: nothing was trained."
        if self.stopped:
            return (f"Stopped at epoch {self.epoch}, step {self.step} of {self.steps} "
                    f"({len(self.history.get('loss', []))} complete epochs): {figures}")
        count = len(self.history.get("loss", []))
        return f"Finished {count} epoch{'' if count == 1 else 's'}: {figures}"
