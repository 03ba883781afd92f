"""Imports TensorFlow in a background thread so the window appears first."""

from __future__ import annotations

import traceback

from PySide6.QtCore import QObject, QThread, Signal


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


class _Importer(QObject):
    ready = Signal(dict)
    failed = Signal(str)

    def run(self) -> None:
        try:
            info = describe_tensorflow()
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message
            traceback.print_exc()
            self.failed.emit(
                f"TensorFlow could not be loaded ({exc}). Drawing and designing still work; "
                "reinstall with 'make install' to train and predict."
            )
            return
        self.ready.emit(info)


class TensorFlowLoader(QObject):
    """Starts the import in a QThread; emits ``ready(info)`` or ``failed(message)``."""

    ready = Signal(dict)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("tensorflow-loader")
        self._importer = _Importer()
        self._importer.moveToThread(self._thread)
        self._thread.started.connect(self._importer.run)
        self._importer.ready.connect(self.ready)
        self._importer.failed.connect(self.failed)
        self._importer.ready.connect(self._thread.quit)
        self._importer.failed.connect(self._thread.quit)

    def start(self) -> None:
        """Begin importing TensorFlow."""
        self._thread.start()

    def wait(self, ms: int = 30000) -> bool:
        """Wait for the loader thread to finish (used on shutdown)."""
        return self._thread.wait(ms)
