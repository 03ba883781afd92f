"""Imports TensorFlow in a background thread so the window appears first."""

from __future__ import annotations

import threading
import traceback

from PySide6.QtCore import QObject, Signal


def describe_tensorflow() -> dict:
    """Import TensorFlow and Keras and describe the devices they see.

    Returns:
        ``{"tensorflow": str, "keras": str, "devices": [(kind, name), ...]}``.
    """
    import keras
    import tensorflow as tf

    devices = [("cpu", "CPU")]
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            name = tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
        except Exception:  # noqa: BLE001 - details are cosmetic
            name = gpu.name
        devices.append(("gpu", str(name)))
    return {"tensorflow": tf.__version__, "keras": keras.__version__, "devices": devices}


def describe_devices(info: dict) -> str:
    """One status-bar line: versions and the device training will use."""
    gpus = [name for kind, name in info.get("devices", []) if kind == "gpu"]
    device = f"GPU: {', '.join(gpus)}" if gpus else "CPU"
    return f"TensorFlow {info.get('tensorflow', '?')} · Keras {info.get('keras', '?')} · {device}"


class TensorFlowLoader(QObject):
    """Imports TensorFlow in a daemon thread; emits ``ready(info)`` or ``failed(message)``.

    A plain daemon thread (not a QThread): an import cannot be interrupted, and a user who
    closes the window while TensorFlow is still loading must not wait for it.
    """

    ready = Signal(dict)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = threading.Thread(target=self._run, name="tensorflow-loader", daemon=True)

    def start(self) -> None:
        """Begin importing TensorFlow."""
        self._thread.start()

    def _run(self) -> None:
        try:
            info = describe_tensorflow()
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message
            traceback.print_exc()
            self._emit(self.failed,
                       f"TensorFlow could not be loaded ({exc}). Drawing and designing still "
                       "work; reinstall with 'python3 dev.py install' to train and predict.")
            return
        self._emit(self.ready, info)

    @staticmethod
    def _emit(signal, value) -> None:
        try:
            signal.emit(value)
        except RuntimeError:  # the window was closed while TensorFlow was loading
            pass

    def is_loading(self) -> bool:
        """Whether the import is still running."""
        return self._thread.is_alive()
