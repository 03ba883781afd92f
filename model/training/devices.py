"""Which processors TensorFlow can train on, and the distribution scope for each choice.

Device keys: ``cpu`` (the processor), ``gpu`` (the first GPU), ``mirrored`` (every GPU at once
through ``tf.distribute.MirroredStrategy``; on a machine with several logical CPUs and no GPU,
those CPUs, which is how the tests exercise it).
"""

from __future__ import annotations

import platform

import tensorflow as tf

from cnn_studio.model.training.config import DEVICE_KEYS


class DeviceError(ValueError):
    """The chosen device is not available on this machine."""


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
        Always ``("cpu", label)`` first; ``("gpu", name)`` when TensorFlow sees a GPU;
        ``("mirrored", ...)`` when it sees two or more.
    """
    cpu = platform.processor() or platform.machine() or "processor"
    devices = [("cpu", f"CPU ({cpu})")]
    gpus = _gpu_names()
    if gpus:
        devices.append(("gpu", gpus[0]))
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
    raise DeviceError(
        "'mirrored' training needs GPUs and TensorFlow sees none on this machine: "
        "choose the 'cpu' device instead"
    )


def device_scope(device: str):
    """Where a model must be built, compiled and trained for ``device``.

    Args:
        device: one of :data:`DEVICE_KEYS`.

    Returns:
        ``(make_scope, strategy)``: ``make_scope()`` gives a fresh context manager each call;
        ``strategy`` is the ``tf.distribute`` strategy for ``mirrored``, else None.

    Raises:
        DeviceError: unknown key, or the device is missing.
    """
    if device == "cpu":
        return (lambda: tf.device("/CPU:0")), None
    if device == "gpu":
        if not tf.config.list_logical_devices("GPU"):
            raise DeviceError(
                "TensorFlow sees no GPU on this machine (no CUDA driver or no GPU build): "
                "choose the 'cpu' device instead"
            )
        return (lambda: tf.device("/GPU:0")), None
    if device == "mirrored":
        strategy = tf.distribute.MirroredStrategy(devices=mirrored_devices())
        return strategy.scope, strategy
    raise DeviceError(f"unknown device {device!r}: choose one of {', '.join(DEVICE_KEYS)}")
