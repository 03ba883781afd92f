"""Imports TensorFlow in a background thread so the window, and the first answer, come first.

The import (4-6 s of mostly Python work holding the GIL on two cores) would slow down
everything start-up does at the same time. So when the loader's parent has an ``AppState``, the
import waits until the start-up work is done: the later panels installed, the numpy engine
reading the default model and a pre-drawn letter answered (``STARTUP_TASKS``), or at most
``START_WAIT_MAX_S``.
"""

from __future__ import annotations

import threading
import traceback

from PySide6.QtCore import QObject, QTimer, Signal

#: state tasks (``AppState.begin_task`` names) the import waits for: window panels, the numpy
#: engine reading the default model (gui.draw.inference_worker.NUMPY_TASK), a pre-drawn answer.
STARTUP_TASKS = ("panels", "numpy-model", "draw-prediction")
START_WAIT_MAX_S = 2.0


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
        self._waiting = False

    def start(self) -> None:
        """Begin importing TensorFlow once start-up work is done (see the module's notes)."""
        state = getattr(self.parent(), "state", None)
        if state is None or not hasattr(state, "task_ended"):
            self._begin()
            return
        self._state, self._waiting = state, True
        state.task_ended.connect(self._on_task_ended)
        QTimer.singleShot(int(START_WAIT_MAX_S * 1000), self._begin)
        self._on_task_ended("")

    def _on_task_ended(self, _name: str) -> None:
        if not any(self._state.is_running(name) for name in STARTUP_TASKS):
            self._begin()

    def _begin(self) -> None:
        """Start the import thread (once)."""
        if self._thread.is_alive() or self._thread.ident is not None:
            return
        self._waiting = False
        state = getattr(self, "_state", None)
        if state is not None:
            try:
                state.task_ended.disconnect(self._on_task_ended)
            except (RuntimeError, TypeError):
                pass
        self._thread.start()

    def _run(self) -> None:
        try:
            info = describe_tensorflow()
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message
            traceback.print_exc()
            self._emit(self.failed,
                       f"TensorFlow could not be loaded ({exc}). Drawing and designing still "
                       "work (and predicting, with the numpy engine); reinstall with 'python3 dev.py "
                       "install' to train.")
            return
        self._emit(self.ready, info)

    @staticmethod
    def _emit(signal, value) -> None:
        try:
            signal.emit(value)
        except RuntimeError:  # the window was closed while TensorFlow was loading
            pass

    def is_loading(self) -> bool:
        """Whether the import is waiting or still running."""
        return self._waiting or self._thread.is_alive()
