"""The training settings form: optimizer, learning rate, batch, epochs, data, device.

Every numeric field has the range :mod:`model.training.loop` accepts (copied here because that
module imports TensorFlow; a test checks they agree). The form produces plain values: a dict of
``TrainConfig`` fields and a :class:`gui.training.worker.DataChoice`.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cnn_studio.gui.common import last_folder
from cnn_studio.gui.common import palette as colours
from cnn_studio.model.data.datasets import DEFAULT_WEIGHTS, DataChoice

#: Same limits as ``model.training.loop.RANGES``.
LEARNING_RATE_RANGE = (1e-6, 10.0)
BATCH_RANGE = (1, 4096)
EPOCHS_RANGE = (1, 1000)
VAL_FRACTION_RANGE = (0.0, 0.5)
SEED_RANGE = (0, 2**31 - 1)
SAMPLES_RANGE = (100, 500_000)
WEIGHT_RANGE = (0.0, 100.0)
OPTIMIZERS = (("sgd", "SGD with momentum 0.9"), ("adam", "Adam"), ("rmsprop", "RMSprop"))
DEFAULT_LEARNING_RATES = {"sgd": 0.01, "adam": 0.001, "rmsprop": 0.001}
_LADDER = (1.0, 2.0, 5.0)


class LogSpinBox(QDoubleSpinBox):
    """A spin box for values spanning decades: shows ``0.001``/``1e-05`` and steps 1-2-5."""

    def __init__(self, low: float, high: float, value: float, parent=None) -> None:
        super().__init__(parent)
        self.setDecimals(10)
        self.setRange(low, high)
        self.setValue(value)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt override
        return f"{value:.4g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt override
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        try:
            value = float(text)
        except ValueError:
            allowed = set("0123456789.eE-+")
            ok = text == "" or all(ch in allowed for ch in text)
            return (QValidator.State.Intermediate if ok else QValidator.State.Invalid), text, pos
        if math.isfinite(value) and self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt override
        value = self.value()
        exponent = math.floor(math.log10(value))
        mantissa = value / 10**exponent
        index = min(range(3), key=lambda i: abs(_LADDER[i] - mantissa))
        position = exponent * 3 + index + steps
        new = _LADDER[position % 3] * 10 ** (position // 3)
        self.setValue(min(max(new, self.minimum()), self.maximum()))


def _spin(low: int, high: int, value: int, tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setToolTip(tip)
    return box


def _dspin(low: float, high: float, value: float, step: float, tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setDecimals(2)
    box.setSingleStep(step)
    box.setValue(value)
    box.setToolTip(tip)
    return box


class TrainingControls(QWidget):
    """Settings of the next training run; fixed while it runs, except the learning rate.

    The learning-rate box is created here but placed by the dashboard next to the buttons, since
    it stays editable during training.
    """

    learning_rate_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = self._build_settings()
        data_box = self._build_data()
        browse = self.browse_button
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(data_box)
        layout.addStretch(1)
        self._fixed_while_running = [
            self.optimizer, self.batch_size, self.epochs, self.val_fraction, self.augment,
            self.seed, self.device, self.samples, self.use_synthetic, self.use_real,
            self.use_own, self.use_emnist, self.synthetic_weight, self.real_weight,
            self.own_weight, self.emnist_weight,
            self.tensorboard, browse]
        self.refresh_sources(0, None)

    def _build_settings(self) -> QFormLayout:
        """The optimizer, batch, epochs, validation, seed, device and TensorBoard rows."""
        self.optimizer = QComboBox()
        self.optimizer.setObjectName("optimizer")
        for key, label in OPTIMIZERS:
            self.optimizer.addItem(label, key)
        self.optimizer.setCurrentIndex(1)
        self.optimizer.setToolTip("How the weights move along the gradient")
        self.learning_rate = LogSpinBox(*LEARNING_RATE_RANGE, 0.001)
        self.learning_rate.setObjectName("learning_rate")
        self.learning_rate.setToolTip(
            "Step size of the optimizer (1e-6 to 10). You can change it while training runs: "
            "it takes effect from the next batch.")
        self.learning_rate.valueChanged.connect(self.learning_rate_changed)
        self.optimizer.currentIndexChanged.connect(self._suggest_learning_rate)
        self.batch_size = _spin(*BATCH_RANGE, 64, "Samples per gradient step")
        self.epochs = _spin(*EPOCHS_RANGE, 3, "Passes over the training data")
        self.val_fraction = _dspin(*VAL_FRACTION_RANGE, 0.1, 0.05,
                                   "Share of the data held out to measure generalisation")
        self.augment = QCheckBox("Augment (shift, turn, zoom)")
        self.augment.setToolTip("Small random shifts, rotations and zooms of the training "
                                "images: more variety, usually better on real handwriting")
        self.seed = _spin(*SEED_RANGE, 0, "Seed of initial weights, shuffling and data")
        self.device = QComboBox()
        self.device.setObjectName("device")
        self.device.addItem("CPU", "cpu")
        self.device.setToolTip("Where TensorFlow trains; GPUs appear when TensorFlow sees them")

        self.tensorboard = QLineEdit()
        self.tensorboard.setObjectName("tensorboard_dir")
        self.tensorboard.setPlaceholderText("optional: folder for TensorBoard logs")
        browse = self.browse_button = QPushButton("...")
        browse.setMaximumWidth(30)
        browse.clicked.connect(self._browse_tensorboard)

        form = QFormLayout()
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Epochs", self.epochs)
        form.addRow("Validation share", self.val_fraction)
        form.addRow("Seed", self.seed)
        form.addRow("Device", self.device)
        form.addRow("", self.augment)
        tb_row = QHBoxLayout()
        tb_row.addWidget(self.tensorboard, 1)
        tb_row.addWidget(browse)
        form.addRow("TensorBoard", tb_row)

        return form

    def _build_data(self) -> QGroupBox:
        """The data sources, each with its mixing weight and, where known, its size."""
        self.samples = _spin(*SAMPLES_RANGE, 10_000,
                             "Training + validation samples drawn from the sources below")
        self.samples.setSingleStep(1000)
        self.use_synthetic = QCheckBox("Synthetic letters")
        self.use_synthetic.setChecked(True)
        self.use_real = QCheckBox("Real letters (UNIPEN)")
        self.use_real.setObjectName("use_real_letters")
        self.use_real.setToolTip(
            "76,588 letters by 152 writers at 16 labs (UNIPEN, CC BY 4.0), built in. Half upper "
            "case; validated on four labs it never trains on. Rendered once (about a minute), "
            "then cached.")
        self.use_own = QCheckBox("My own samples")
        self.use_emnist = QCheckBox("EMNIST (imported)")
        self.synthetic_weight = _dspin(*WEIGHT_RANGE, DEFAULT_WEIGHTS["synthetic"], 0.5,
                                       "Mixing weight")
        self.real_weight = _dspin(*WEIGHT_RANGE, DEFAULT_WEIGHTS["real"], 0.5, "Mixing weight")
        self.real_weight.setObjectName("real_weight")
        self.own_weight = _dspin(*WEIGHT_RANGE, DEFAULT_WEIGHTS["own"], 0.25, "Mixing weight")
        self.emnist_weight = _dspin(*WEIGHT_RANGE, DEFAULT_WEIGHTS["emnist"], 0.5,
                                    "Mixing weight")
        self.own_count = QLabel("")
        self.emnist_count = QLabel("")

        data_box = QGroupBox("Data")
        grid = QGridLayout(data_box)
        grid.addWidget(QLabel("Samples"), 0, 0)
        grid.addWidget(self.samples, 0, 1)
        grid.addWidget(QLabel("weight"), 0, 2)
        for row, (check, weight, count) in enumerate((
                (self.use_synthetic, self.synthetic_weight, None),
                (self.use_real, self.real_weight, None),
                (self.use_own, self.own_weight, self.own_count),
                (self.use_emnist, self.emnist_weight, self.emnist_count)), start=1):
            grid.addWidget(check, row, 0)
            if count is not None:
                grid.addWidget(count, row, 1)
            grid.addWidget(weight, row, 2)
        note = QLabel("Several sources are mixed by weight. Each is split into training and "
                      "validation first; small ones are repeated in training only.")
        note.setWordWrap(True)
        note.setStyleSheet(f"color: {colours.css(colours.muted_text())}")
        grid.addWidget(note, 5, 0, 1, 3)

        return data_box

    # -------------------------------------------------------------- values
    def config_values(self) -> dict:
        """The ``TrainConfig`` fields chosen in the form."""
        return {
            "optimizer": self.optimizer.currentData(),
            "learning_rate": float(self.learning_rate.value()),
            "batch_size": int(self.batch_size.value()),
            "epochs": int(self.epochs.value()),
            "val_fraction": round(float(self.val_fraction.value()), 4),
            "augment": self.augment.isChecked(),
            "seed": int(self.seed.value()),
            "device": self.device.currentData(),
            "tensorboard_dir": self.tensorboard.text().strip() or None,
        }

    def data_choice(self) -> DataChoice:
        """The data sources chosen in the form."""
        def weight(check: QCheckBox, box: QDoubleSpinBox) -> float:
            return float(box.value()) if check.isChecked() and check.isEnabled() else 0.0

        return DataChoice(samples=int(self.samples.value()),
                          synthetic_weight=weight(self.use_synthetic, self.synthetic_weight),
                          own_weight=weight(self.use_own, self.own_weight),
                          emnist_weight=weight(self.use_emnist, self.emnist_weight),
                          real_weight=weight(self.use_real, self.real_weight))

    def set_devices(self, devices: list[tuple[str, str]]) -> None:
        """Offer the devices TensorFlow sees (``tf_ready`` info's ``(kind, name)`` pairs)."""
        gpus = [name for kind, name in devices if kind == "gpu"]
        self.device.clear()
        self.device.addItem("CPU", "cpu")
        if gpus:
            self.device.addItem(f"GPU: {gpus[0]}", "gpu")
        if len(gpus) >= 2:
            self.device.addItem(f"All {len(gpus)} GPUs (mirrored)", "mirrored")

    def refresh_sources(self, own_samples: int, emnist_samples: int | None) -> None:
        """Show how many own and EMNIST samples exist; disable sources that have none."""
        self._counts = (own_samples, emnist_samples)
        self.own_count.setText(f"{own_samples} drawn")
        self.use_own.setEnabled(own_samples > 0)
        if own_samples == 0:
            self.use_own.setToolTip("Draw letters and add them to your dataset first")
        self.emnist_count.setText("not imported" if not emnist_samples
                                  else f"{emnist_samples} images")
        self.use_emnist.setEnabled(bool(emnist_samples))
        self.use_emnist.setToolTip("" if emnist_samples
                                   else "Import EMNIST in the Dataset panel first")

    def set_running(self, running: bool) -> None:
        """Disable what cannot change during a run (the learning rate stays editable)."""
        for widget in self._fixed_while_running:
            widget.setEnabled(not running)
        if not running:
            self.refresh_sources(*self._counts)

    def _suggest_learning_rate(self) -> None:
        self.learning_rate.setValue(DEFAULT_LEARNING_RATES[self.optimizer.currentData()])

    def _browse_tensorboard(self) -> None:
        folder = last_folder.existing_folder(self, "exports", "TensorBoard log folder")
        if folder:
            self.tensorboard.setText(folder)
