"""Controls that fetch letters in the background: synthetic generation and EMNIST import/download.

Each row starts its job on the dataset panel's :class:`gui.dataset.task_panel.TaskPanel` and disables
itself while the job runs; the panel receives the results.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from cnn_studio.gui.common import last_folder
from cnn_studio.gui.common.bounded import BoundedSpinBox, with_note
from cnn_studio.gui.common.widgets import bar_layout, push_button
from cnn_studio.gui.dataset import workers as jobs
from cnn_studio.gui.dataset.task_panel import TaskPanel

SYNTH_COUNT_RANGE = (26, 500_000)
SEED_RANGE = (0, 2**31 - 1)


class SyntheticControls(QWidget):
    """Samples and seed spin boxes and a Generate button for the synthetic letters.

    Args:
        tasks: where the generation job runs (as ``'synthetic'``).
    """

    def __init__(self, tasks: TaskPanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.count_spin = BoundedSpinBox("number of letters")
        self.count_spin.setObjectName("synthetic_count")
        self.count_spin.setRange(*SYNTH_COUNT_RANGE)
        self.count_spin.setValue(260)
        self.count_spin.setGroupSeparatorShown(True)
        self.count_spin.setToolTip("How many letters to generate (balanced over A-Z). Sets are "
                                   "cached: generating the training set size here (10,000 by "
                                   "default) makes the first training start at once.")
        self.seed_spin = BoundedSpinBox("seed")
        self.seed_spin.setObjectName("synthetic_seed")
        self.seed_spin.setRange(*SEED_RANGE)
        self.seed_spin.setToolTip("Random seed: the same count and seed give the same letters")
        self.generate_button = QPushButton("Generate")
        self.generate_button.setObjectName("generate_button")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Samples"))
        layout.addWidget(with_note(self.count_spin))
        layout.addWidget(QLabel("Seed"))
        layout.addWidget(with_note(self.seed_spin))
        layout.addWidget(self.generate_button)
        layout.addStretch(1)
        self.generate_button.clicked.connect(self.generate)
        tasks.changed.connect(self._update)

    def _update(self) -> None:
        self.generate_button.setEnabled(not self.tasks.running("synthetic"))

    def generate(self) -> None:
        """Generate (or read from the cache) the letters for the chosen count and seed."""
        n, seed = self.count_spin.value(), self.seed_spin.value()
        self.tasks.start("synthetic", jobs.synthetic_job(n, seed),
                         f"Generating {n:,} synthetic letters (seed {seed})...")


class EmnistControls(QWidget):
    """What EMNIST data there is, with Import and Download buttons.

    Args:
        tasks: where the jobs run (as ``'emnist-import'`` and ``'emnist-download'``).
    """

    def __init__(self, tasks: TaskPanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.status = QLabel()
        self.status.setObjectName("emnist_status")
        self.import_button = push_button("Import EMNIST files...",
                                         "Read EMNIST letters from the official gzip IDX pair "
                                         "(choose the images file), the .mat or a CSV")
        self.download_button = push_button("Download EMNIST",
                                           "Download the official EMNIST archive (about 540 MB; "
                                           "resumes if interrupted) and import its letters")
        bar_layout(self, self.status, self.import_button, self.download_button)
        self.import_button.clicked.connect(self.import_files)
        self.download_button.clicked.connect(self.download)
        tasks.changed.connect(self._update)
        self.show_count(None)

    def show_count(self, total: int | None) -> None:
        """Say how many EMNIST letters are imported (None: none)."""
        self.status.setText(f"EMNIST: {total:,} letters imported" if total
                            else "EMNIST: not imported")

    def _update(self) -> None:
        busy = self.tasks.running("emnist-import") or self.tasks.running("emnist-download")
        self.import_button.setEnabled(not busy)
        self.download_button.setEnabled(not busy)

    def import_files(self) -> None:
        """Ask for an EMNIST file and import it in the background."""
        path = last_folder.open_file(
            self, "imports", "Import EMNIST letters", "",
            "EMNIST letters (*.gz *.mat *.csv);;All files (*)")
        if path:
            self.tasks.start("emnist-import", jobs.emnist_import_job(path),
                             f"Importing {Path(path).name}...")

    def download(self) -> None:
        """Download the official EMNIST archive and import its letters, in the background."""
        self.tasks.start("emnist-download", jobs.emnist_download_job(),
                         "Downloading EMNIST...", unit="bytes")
