"""Which processors TensorFlow can train on, and the distribution scope for each choice.

Device keys: ``cpu`` (the processor), ``gpu`` or ``gpu:N`` (the first or the N-th GPU),
``mirrored`` (every GPU at once through ``tf.distribute.MirroredStrategy``; on a machine with
several logical CPUs and no GPU, those CPUs, which is how the tests exercise it) and
``multiworker`` (``tf.distribute.MultiWorkerMirroredStrategy`` over the machines that the
``TF_CONFIG`` environment variable lists; each worker runs the same command).
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass

import tensorflow as tf

from cnn_studio.model.errors import UserError
from cnn_studio.model.training.cluster import ClusterWaitError, wait_for_peers
from cnn_studio.model.training.config import DEVICE_KEYS, is_device_key


class DeviceError(UserError):
    """The chosen device is not available on this machine."""


@dataclass(frozen=True)
class Plan:
    """How a device key is run: ``kind`` is ``device``, ``mirrored`` or ``multiworker``.

    Attributes:
        kind: one device (``where`` names it), one machine's devices, or several machines.
        where: the TensorFlow device name (``/GPU:1``) for ``device``, else "".
        worker: this process's ``(task type, index)`` for ``multiworker``, else None.
        workers: number of workers (1 unless ``multiworker``).
    """

    kind: str
    where: str = ""
    worker: tuple[str, int] | None = None
    workers: int = 1

    @property
    def chief(self) -> bool:
        """True for the process that saves the model (the chief, else worker 0)."""
        return self.worker is None or self.worker in (("chief", 0), ("worker", 0))


def tf_config_worker(text: str | None) -> tuple[tuple[str, int], int]:
    """This process's ``(task type, index)`` and the cluster's worker count, from TF_CONFIG.

    Raises:
        DeviceError: TF_CONFIG is missing or not the JSON TensorFlow expects.
    """
    hint = ('set TF_CONFIG on each machine, e.g. {"cluster": {"worker": ["host1:12345", '
            '"host2:12345"]}, "task": {"type": "worker", "index": 0}}')
    if not text:
        raise DeviceError(f"'multiworker' training needs the TF_CONFIG variable: {hint}")
    try:
        value = json.loads(text)
        cluster, task = value["cluster"], value["task"]
        kind, index = str(task["type"]), int(task["index"])
        workers = len(cluster.get("worker", [])) + len(cluster.get("chief", []))
        members = cluster[kind]
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise DeviceError(f"TF_CONFIG is not valid ({type(error).__name__}: {error}): "
                          f"{hint}") from None
    if not isinstance(members, list) or not 0 <= index < len(members) or workers < 1:
        raise DeviceError(f"TF_CONFIG's task {kind} {index} is not in its cluster: {hint}")
    return (kind, index), workers


def plan(device: str, gpus: int, cpus: int, tf_config: str | None = None) -> Plan:
    """Decide how ``device`` runs, given the GPUs and logical CPUs TensorFlow sees.

    Raises:
        DeviceError: unknown key, a GPU that does not exist, or a bad TF_CONFIG.
    """
    if not is_device_key(device):
        raise DeviceError(f"unknown device {device!r}: choose one of "
                          f"{', '.join(DEVICE_KEYS)} or gpu:N")
    if device == "cpu":
        return Plan("device", "/CPU:0")
    if device == "multiworker":
        worker, workers = tf_config_worker(tf_config)
        return Plan("multiworker", worker=worker, workers=workers)
    if device == "mirrored":
        if gpus == 0 and cpus < 2:
            raise DeviceError("'mirrored' training needs GPUs and TensorFlow sees none on "
                              "this machine: choose the 'cpu' device instead")
        return Plan("mirrored")
    index = 0 if device == "gpu" else int(device.split(":")[1])
    if gpus == 0:
        raise DeviceError("TensorFlow sees no GPU on this machine (no CUDA driver or no GPU "
                          "build; install with pip install \".[gpu]\"): choose the 'cpu' "
                          "device instead")
    if index >= gpus:
        raise DeviceError(f"there is no GPU {index}: TensorFlow sees {gpus} GPU(s), numbered "
                          f"0 to {gpus - 1}; choose gpu:0..gpu:{gpus - 1} (or check "
                          "CUDA_VISIBLE_DEVICES)")
    return Plan("device", f"/GPU:{index}")


def _gpu_names() -> list[str]:
    names = []
    for index, gpu in enumerate(tf.config.list_physical_devices("GPU")):
        try:
            details = tf.config.experimental.get_device_details(gpu)
        except (ValueError, RuntimeError):
            details = {}
        names.append(details.get("device_name") or f"GPU {index}")
    return names


def list_devices() -> list[tuple[str, str]]:
    """The devices the user can pick, as ``(key, label)`` pairs.

    Returns:
        Always ``("cpu", label)`` first; ``("gpu", name)`` when TensorFlow sees a GPU,
        ``("gpu:N", name)`` for each further GPU; ``("mirrored", ...)`` when it sees two or more.
    """
    cpu = platform.processor() or platform.machine() or "processor"
    devices = [("cpu", f"CPU ({cpu})")]
    gpus = _gpu_names()
    for index, name in enumerate(gpus):
        devices.append(("gpu" if index == 0 else f"gpu:{index}", name))
    if len(gpus) >= 2:
        devices.append(("mirrored", f"All {len(gpus)} GPUs (mirrored)"))
    return devices


def mirrored_devices() -> list[str]:
    """Device names a ``mirrored`` run spreads over: all GPUs, else all logical CPUs if >= 2.

    Raises:
        DeviceError: fewer than one GPU and fewer than two logical CPUs.
    """
    gpus = tf.config.list_logical_devices("GPU")
    if gpus:
        return [device.name for device in gpus]
    cpus = tf.config.list_logical_devices("CPU")
    if len(cpus) >= 2:
        return [device.name for device in cpus]
    plan("mirrored", 0, len(cpus))  # raises with the message
    return []


def device_plan(device: str) -> Plan:
    """:func:`plan` for this machine (``multiworker`` reads TF_CONFIG and touches no device:
    its strategy must be made before TensorFlow starts its runtime)."""
    if device == "multiworker" or not is_device_key(device):
        return plan(device, 0, 0, os.environ.get("TF_CONFIG"))
    if device == "cpu":
        return plan(device, 0, 1)
    return plan(device, len(tf.config.list_logical_devices("GPU")),
                len(tf.config.list_logical_devices("CPU")))


def device_scope(device: str, wait_s: float = 600.0, on_wait=None):
    """Where a model must be built, compiled and trained for ``device``.

    Args:
        device: one of :data:`DEVICE_KEYS` or ``gpu:N``.
        wait_s: ``multiworker`` only: how long to wait for the other workers to answer.
        on_wait: ``multiworker`` only: called with a line naming the workers still missing
            while it waits (see :func:`model.training.cluster.wait_for_peers`).

    Returns:
        ``(make_scope, strategy)``: ``make_scope()`` gives a fresh context manager each call;
        ``strategy`` is the ``tf.distribute`` strategy for ``mirrored`` and ``multiworker``,
        else None.

    Raises:
        DeviceError: unknown key, the device is missing, TF_CONFIG is bad, or another worker
            did not answer within ``wait_s``.
    """
    chosen = device_plan(device)
    if chosen.kind == "device":
        return (lambda: tf.device(chosen.where)), None
    if chosen.kind == "mirrored":
        strategy = tf.distribute.MirroredStrategy(devices=mirrored_devices())
    else:
        try:
            wait_for_peers(os.environ["TF_CONFIG"], wait_s, on_wait or (lambda _text: None))
        except ClusterWaitError as error:
            raise DeviceError(f"multi-worker training did not start: {error}") from None
        strategy = _multiworker_strategy()
    return strategy.scope, strategy


class _MultiWorkerStrategy(tf.distribute.MultiWorkerMirroredStrategy):
    """``MultiWorkerMirroredStrategy`` whose ``reduce`` takes what Keras 3's ``fit`` gives it.

    Keras 3 (3.15) averages each step's scalar logs with ``reduce("MEAN", v, axis=0)`` and a
    first input batch as a tuple in multi-worker mode; TensorFlow's ``reduce`` refuses both
    ("Invalid reduction dimension 0 for input with 0 dimensions", tensorflow#72388). Here a
    tuple is reduced item by item and a scalar over the replicas (``axis=None``).
    """

    def reduce(self, reduce_op, value, axis):
        if isinstance(value, tuple | list | dict):
            return tf.nest.map_structure(lambda item: self.reduce(reduce_op, item, axis), value)
        parts = getattr(value, "values", None)
        first = parts[0] if parts else value
        if axis is not None and getattr(getattr(first, "shape", None), "rank", None) == 0:
            axis = None
        return super().reduce(reduce_op, value, axis)


def _multiworker_strategy():
    try:
        return _MultiWorkerStrategy()
    except (RuntimeError, ValueError) as error:
        raise DeviceError(f"multi-worker training could not start ({error}); start it before "
                          "anything else uses TensorFlow in this process") from None

