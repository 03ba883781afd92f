"""The dataset panel: browse, clean up and extend the letters the network learns from.

Three sources share one view (per-letter counts, a letter filter and a grid of the 28x28 images
the network sees): the user's own drawn samples (delete, relabel, import, export, undo), a
preview of the built-in synthetic letters, and imported EMNIST letters. Generation, EMNIST import,
download and loading run as background jobs (``gui.dataset.workers``) with progress and Cancel.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cnn_studio.gui.common import palette as colours
from cnn_studio.gui.common.sample_store import ObservedSampleStore, SampleEditor
from cnn_studio.gui.common.shell import Dock, NoUnsavedWork, Shell
from cnn_studio.gui.common.state import AppState
from cnn_studio.gui.common.thumbnail_grid import CountStrip, ThumbnailGrid
from cnn_studio.gui.dataset import workers as jobs
from cnn_studio.gui.dataset.sample_actions import SampleActions
from cnn_studio.gui.dataset.source_controls import EmnistControls, SyntheticControls
from cnn_studio.gui.dataset.task_panel import TaskPanel
from cnn_studio.model.ink.strokes import LETTERS

MAX_SHOWN = 5000
SOURCES = {"own": "My samples", "synthetic": "Synthetic letters (preview)",
           "emnist": "EMNIST letters (imported)"}
TASK_TEXT = {"synthetic": "Generating synthetic letters", "emnist-import": "Importing EMNIST",
             "emnist-download": "Downloading EMNIST", "emnist-load": "Loading EMNIST"}


class DatasetBrowser(NoUnsavedWork, QWidget):
    """The panel in the Dataset dock.

    Args:
        state: the window's ``AppState``.
        store: the shared sample store (``state.samples()``).

    Signals:
        sources_changed(int, object): own samples and imported EMNIST images (None: none).
    """

    sources_changed = Signal(int, object)

    def __init__(self, state: AppState, store: ObservedSampleStore,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataset_browser")
        self.state = state
        self.store = store
        self.editor = SampleEditor(store)
        self.tasks = TaskPanel(state)
        self.synthetic: tuple[np.ndarray, np.ndarray] | None = None
        self.emnist: tuple[np.ndarray, np.ndarray] | None = None
        self.emnist_total = jobs.emnist_count()
        self.total_matching = 0
        self._image_cache: dict[int, tuple[object, np.ndarray]] = {}
        self._build()
        self._connect()
        state.samples_changed.connect(self._store_changed)
        self._fill_sources()
        self.rebuild()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.source_combo = QComboBox()
        self.source_combo.setObjectName("source_combo")
        self.source_combo.setToolTip("Which letters to show")
        self.source_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.source_combo.setMinimumContentsLength(12)
        self.letter_combo = QComboBox()
        self.letter_combo.setObjectName("letter_filter")
        self.letter_combo.addItem("All letters", "")
        for letter in LETTERS:
            self.letter_combo.addItem(f"{letter} / {letter.lower()}", letter)
        self.letter_combo.setToolTip("Show only one letter (upper and lower case)")
        top = QHBoxLayout()
        top.addWidget(QLabel("Source"))
        top.addWidget(self.source_combo, 1)
        top.addWidget(QLabel("Letter"))
        top.addWidget(self.letter_combo)

        self.strip = CountStrip()
        self.missing_label = QLabel()
        self.missing_label.setObjectName("missing_label")
        self.missing_label.setWordWrap(True)
        self.missing_label.setStyleSheet(f"color: {colours.css(colours.error_text())};")

        self.own_actions = SampleActions(self.state, self.editor, self.selected_own)
        self.synthetic_controls = SyntheticControls(self.tasks)
        emnist_note = QLabel("EMNIST letters: real handwriting from the NIST database, "
                             "shown as imported (read-only here).")
        emnist_note.setWordWrap(True)
        self.actions = QStackedWidget()
        self.actions.addWidget(self.own_actions)
        self.actions.addWidget(self.synthetic_controls)
        self.actions.addWidget(emnist_note)
        self.actions.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        self.grid = ThumbnailGrid()
        self.info = QLabel()
        self.info.setObjectName("browser_info")
        self.info.setWordWrap(True)

        self.emnist_controls = EmnistControls(self.tasks)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.strip)
        layout.addWidget(self.missing_label)
        layout.addWidget(self.actions)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.info)
        layout.addWidget(self.emnist_controls)
        layout.addWidget(self.tasks)

    def _connect(self) -> None:
        self.source_combo.currentIndexChanged.connect(self._source_chosen)
        self.letter_combo.currentIndexChanged.connect(self._letter_chosen)
        self.strip.letter_clicked.connect(self.set_letter)
        self.grid.selectionModel().selectionChanged.connect(self._update_info)
        self.grid.delete_requested.connect(self._delete_key)
        self.own_actions.imported.connect(lambda: self.set_source("own"))
        self.tasks.finished.connect(self._task_finished)
        self.tasks.failed.connect(self._task_failed)
        self.tasks.cancelled.connect(self._task_cancelled)

    # ----------------------------------------------------------------- sources
    @property
    def source(self) -> str:
        """The shown source: 'own', 'synthetic' or 'emnist'."""
        return self.source_combo.currentData() or "own"

    def _fill_sources(self) -> None:
        """List the sources (EMNIST only once imported), keeping the current one if possible."""
        current = self.source
        self.source_combo.blockSignals(True)
        self.source_combo.clear()
        for key, text in SOURCES.items():
            if key != "emnist" or self.emnist_total:
                self.source_combo.addItem(text, key)
        index = self.source_combo.findData(current)
        self.source_combo.setCurrentIndex(max(0, index))
        self.source_combo.blockSignals(False)
        if self.source != current:
            self._source_chosen()
        self.emnist_controls.show_count(self.emnist_total)

    def set_source(self, key: str) -> None:
        """Show source ``key`` ('own', 'synthetic' or 'emnist' when imported)."""
        index = self.source_combo.findData(key)
        if index >= 0:
            self.source_combo.setCurrentIndex(index)

    def set_letter(self, letter: str) -> None:
        """Show only ``letter`` ('' for all letters)."""
        self.letter_combo.setCurrentIndex(max(0, self.letter_combo.findData(letter)))

    def _source_chosen(self) -> None:
        self.actions.setCurrentIndex(list(SOURCES).index(self.source))
        if self.source == "synthetic" and self.synthetic is None:
            self.synthetic_controls.generate()
        if self.source == "emnist" and self.emnist is None:
            self.tasks.start("emnist-load", jobs.emnist_load_job(), "Loading EMNIST...")
        self.rebuild()

    def _letter_chosen(self) -> None:
        self.strip.set_selected(self.letter_combo.currentData() or "")
        self.rebuild()

    def _own_image(self, key: int) -> np.ndarray:
        """The network input of own sample ``key``, rendered once per drawing."""
        sample = self.store.samples[key]
        first = sample.strokes[0]
        hit = self._image_cache.get(id(first))
        if hit is None or hit[0] is not first:
            if len(self._image_cache) > 2 * MAX_SHOWN:
                self._image_cache.clear()
            hit = (first, self.store.image(key))
            self._image_cache[id(first)] = hit
        return hit[1]

    def _current(self):
        """(labels, classes, image_at) of the shown source, or None while it is loading."""
        if self.source == "own":
            labels = [s.label for s in self.store.samples]
            classes = np.array([LETTERS.index(label.upper()) if label else -1
                                for label in labels], np.int64)
            return labels, classes, self._own_image
        data = self.synthetic if self.source == "synthetic" else self.emnist
        if data is None:
            return None
        images, classes = data
        return _LetterLabels(classes), classes, images.__getitem__

    def rebuild(self) -> None:
        """Redraw counts and thumbnails from the current source and letter filter."""
        current = self._current()
        if current is None:
            self.grid.thumbs.set_items([], [], lambda key: None)
            self.strip.set_counts([0] * len(LETTERS))
            self._show_missing("")
            loading = "Generating..." if self.source == "synthetic" else "Loading EMNIST..."
            self.grid.set_empty_text(loading)
            self._update_info()
            return
        labels, classes, image_at = current
        counts = np.bincount(classes[classes >= 0], minlength=len(LETTERS))
        self.strip.set_counts(counts)
        self._show_missing(_missing_text(self.strip.missing()))
        letter = self.letter_combo.currentData() or ""
        keys = (np.flatnonzero(classes == LETTERS.index(letter)) if letter
                else np.arange(len(classes)))
        self.total_matching = len(keys)
        keys = keys[:MAX_SHOWN]
        self.grid.thumbs.set_items(keys.tolist(), [labels[k] for k in keys], image_at)
        self.grid.set_empty_text(self._empty_text(letter))
        self._update_info()

    def _show_missing(self, text: str) -> None:
        self.missing_label.setText(text)
        self.missing_label.setVisible(bool(text))

    def _empty_text(self, letter: str) -> str:
        if self.source == "own" and not self.store.samples:
            return ("No samples yet. Draw a letter on the canvas and press its key (A-Z) to "
                    "add it here, or import a strokes file.")
        return f"No samples of {letter}." if letter else "Nothing to show."

    def _update_info(self) -> None:
        shown = self.grid.thumbs.rowCount()
        selected = len(self.grid.selectionModel().selectedIndexes())
        total = max(self.total_matching, shown)
        text = f"Showing {shown:,}" + (f" of {total:,}" if total > shown else "")
        if total > shown:
            text += " (choose a letter to see others)"
        if selected:
            text += f"; {selected:,} selected"
        editable = self.source == "own"
        self.own_actions.update_enabled(selected if editable else 0)
        problem = self.store_problem()
        self.info.setText(f"{text}. {problem}" if problem and editable else text + ".")

    def store_problem(self) -> str:
        """What was wrong with the samples file when it was read ('' when nothing)."""
        if self.store.load_error:
            return self.store.load_error
        return self.store.recovery_message or ""  # where a damaged file went, how to restore

    # ------------------------------------------------------------ own samples
    def refresh(self) -> None:
        """Re-read the sample store if another program changed it, and redraw."""
        if self.store.changed_on_disk():
            self.store.reload()  # notifies _store_changed
        else:
            self.rebuild()
        self.emnist_total = jobs.emnist_count()
        self._fill_sources()
        self.sources_changed.emit(len(self.store), self.emnist_total)

    def selected_own(self) -> list[int]:
        """Store indices of the selected own samples ([] for other sources)."""
        return self.grid.selected_keys() if self.source == "own" else []

    def _delete_key(self) -> None:
        if self.source == "own":
            self.own_actions.delete_selected()

    def undo(self) -> None:
        """Edit > Undo with focus in the panel: undo the last edit of own samples."""
        self.own_actions.undo()

    def redo(self) -> None:
        """Edit > Redo with focus in the panel."""
        self.own_actions.redo()

    def _store_changed(self) -> None:
        if self.source == "own":
            self.rebuild()
        self.sources_changed.emit(len(self.store), self.emnist_total)

    def _warn(self, title: str, text: str) -> None:
        QMessageBox.warning(self, title, text)

    # ------------------------------------------------------------ background
    def _task_finished(self, name: str, result) -> None:
        if name == "synthetic":
            self.synthetic = (np.rint(result.x[..., 0] * 255).astype(np.uint8), result.y)
            self.state.message.emit(f"{len(result):,} synthetic letters ready (cached).")
        elif name == "emnist-load":
            self.emnist = result
        else:
            self.emnist, self.emnist_total = None, jobs.emnist_count()
            self.state.message.emit(f"Imported {result:,} EMNIST letters.")
            self.sources_changed.emit(len(self.store), self.emnist_total)
            self._fill_sources()
            if self.source == "emnist":
                self._source_chosen()
            else:
                self.set_source("emnist")
            return
        self.rebuild()

    def _task_failed(self, name: str, message: str) -> None:
        titles = {"synthetic": "Generation failed", "emnist-import": "EMNIST import failed",
                  "emnist-download": "EMNIST download failed",
                  "emnist-load": "Could not load EMNIST"}
        self.grid.set_empty_text(message)
        self._warn(titles.get(name, "Failed"), message)

    def _task_cancelled(self, name: str, message: str) -> None:
        if name == "emnist-download":
            text = "Download cancelled; it resumes where it stopped next time."
        else:
            text = f"{TASK_TEXT.get(name, name)} cancelled."
        self.grid.set_empty_text(text)
        self.state.message.emit(text)

    def shutdown(self) -> None:
        """Cancel background jobs and wait for their threads (window closing)."""
        self.tasks.shutdown()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Pick up changes made elsewhere whenever the panel is shown."""
        super().showEvent(event)
        self.refresh()


def _missing_text(missing: str) -> str:
    """The warning about letters without samples ('' when every letter has some)."""
    if not missing:
        return ""
    if len(missing) == len(LETTERS):
        return "No samples for any letter yet."
    return "No samples for: " + ", ".join(missing) + " (the network cannot learn those here)."


class _LetterLabels:
    """Sequence of upper-case letters for an array of class indices (built on access)."""

    def __init__(self, classes: np.ndarray) -> None:
        self.classes = classes

    def __getitem__(self, index: int) -> str:
        return LETTERS[int(self.classes[index])]


def install(shell: Shell) -> DatasetBrowser:
    """Put the dataset browser in the Dataset dock, on the state's one sample store."""
    store = shell.state.samples()
    panel = DatasetBrowser(shell.state, store)
    shell.put_in_dock(Dock.DATA, panel)
    shell.register_undo(panel, panel.undo, panel.redo)
    shell.add_shutdown_hook(panel.shutdown)
    problem = panel.store_problem()
    if problem:
        shell.state.message.emit(problem)
    return panel
