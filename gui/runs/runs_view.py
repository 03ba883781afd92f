"""The runs view: every kept run in a sortable table, renamable, with a note; delete (undoable),
open its network in the builder, use its model, train again with its settings, compare, and
the seeds' "Dense vs CNN" experiment.

The view never starts threads and never loads a model: reading the runs folder and the
experiment go through the ``start_task`` it is given; "Use this model" only emits the model's
path for the window to load.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cnn_studio.gui.common.widgets import push_button
from cnn_studio.gui.runs.commands import delete_run, rename_run
from cnn_studio.gui.runs.table import DATE, NAME, ReadOnlyDelegate, RunsTableModel
from cnn_studio.model.errors import UserError, describe_error
from cnn_studio.model.runs.record import RunError, RunRecord
from cnn_studio.model.runs.store import RunEntry, RunStore
from cnn_studio.model.spec.files import from_json
from cnn_studio.model.spec.network import SpecError

#: ``start_task(fn, on_done)``: run ``fn()`` off the GUI thread, then ``on_done(result)`` on it.
StartTask = Callable[[Callable[[], object], Callable[[object], None]], None]


class RunsView(QWidget):
    """The table of kept runs and what can be done with them.

    Args:
        store: the runs folder.
        start_task: runs long work off the GUI thread (see :data:`StartTask`).
        dense_vs_cnn: runs the seeds' experiment and returns its
            :class:`model.runs.dense_vs_cnn.Experiment` (called through ``start_task``);
            None hides the button.
        parent: the parent widget.

    Signals:
        open_network_requested(NetworkSpec): show this run's network in the builder.
        use_model_requested(str): let the canvas read with the model file at this path.
        train_again_requested(RunRecord): train again with this run's settings.
        compare_requested(list, list): compare these records; the second list is the
            explanation paragraphs (empty unless it is the dense-vs-CNN experiment).
    """

    open_network_requested = Signal(object)
    use_model_requested = Signal(str)
    train_again_requested = Signal(object)
    compare_requested = Signal(list, list)

    def __init__(self, store: RunStore, start_task: StartTask,
                 dense_vs_cnn: Callable[[], object] | None = None, parent=None) -> None:
        super().__init__(parent)
        self.store, self._start_task, self._dense_vs_cnn = store, start_task, dense_vs_cnn
        self.undo_stack = QUndoStack(self)
        self.model = RunsTableModel(self._rename, self)
        self.table = self._make_table()
        self.status = QLabel("")
        self.status.setObjectName("runs_status")
        self.status.setWordWrap(True)
        self.note = QPlainTextEdit()
        self.note.setObjectName("run_note")
        self.note.setPlaceholderText("A note about the selected run")
        self.note.setMaximumHeight(70)
        self._build_buttons()
        self._layout()
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self._selection_changed()

    # -- building ------------------------------------------------------------------------------
    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("runs_table")
        table.setModel(self.model)
        table.setItemDelegate(ReadOnlyDelegate(table))
        table.setItemDelegateForColumn(NAME, QStyledItemDelegate(table))
        table.setSortingEnabled(True)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                              | QAbstractItemView.EditTrigger.EditKeyPressed)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSortIndicator(DATE, Qt.SortOrder.DescendingOrder)
        return table

    def _build_buttons(self) -> None:
        def button(text, tip, name, slot):
            widget = push_button(text, tip, name)
            widget.clicked.connect(slot)
            return widget

        self.refresh_button = button("Refresh", "Read the runs folder again", "runs_refresh",
                                     self.refresh)
        self.compare_button = button("Compare", "Compare the selected runs (two or more, or "
                                     "one with itself)", "runs_compare", self._compare)
        self.open_button = button("Open network in builder", "Show this run's network in the "
                                  "layer builder", "runs_open_network", self._open_network)
        self.use_button = button("Use this model", "Let the canvas read with this run's "
                                 "trained model", "runs_use_model", self._use_model)
        self.again_button = button("Train again", "Train again with this run's network, "
                                   "settings and data", "runs_train_again", self._train_again)
        self.delete_button = button("Delete", "Delete the selected runs (Edit > Undo brings "
                                    "them back)", "runs_delete", self._delete)
        self.note_button = button("Save note", "Keep the note with the selected run",
                                  "runs_save_note", self._save_note)
        self.dense_button = button("Dense vs CNN", "Train the dense and the classic network on "
                                   "the same letters with the same seed, then compare them",
                                   "runs_dense_vs_cnn", self._run_dense_vs_cnn)
        self.dense_button.setVisible(self._dense_vs_cnn is not None)

    def _layout(self) -> None:
        # two rows of buttons: the dock fits beside the canvas and Learn on a 1366 px screen
        actions = QVBoxLayout()
        for row_widgets, extras in (
                ((self.compare_button, self.open_button, self.use_button), ()),
                ((self.again_button, self.delete_button), (self.dense_button,
                                                           self.refresh_button))):
            row = QHBoxLayout()
            for widget in row_widgets:
                row.addWidget(widget)
            row.addStretch(1)
            for widget in extras:
                row.addWidget(widget)
            actions.addLayout(row)
        notes = QHBoxLayout()
        notes.addWidget(self.note, 1)
        notes.addWidget(self.note_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(actions)
        layout.addWidget(self.table, 1)
        layout.addLayout(notes)
        layout.addWidget(self.status)

    # -- the list ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the runs folder off the GUI thread, then show it."""
        self.status.setText("Reading the runs...")
        self._start_task(self._read_entries, self._entries_read)

    def _read_entries(self) -> list[RunEntry] | str:
        try:
            return self.store.entries()
        except RunError as error:
            return str(error)

    def _entries_read(self, result) -> None:
        if isinstance(result, str):
            self.status.setText(result)
            return
        self.set_entries(result)

    def set_entries(self, entries: list[RunEntry]) -> None:
        """Show ``entries`` (keeping the selection of runs still there)."""
        kept = set(self.selected_ids())
        self.model.set_entries(entries)
        header = self.table.horizontalHeader()
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        damaged = sum(1 for e in entries if e.record is None)
        self.status.setText(f"{len(entries) - damaged} runs kept in {self.store.root}"
                            + (f"; {damaged} damaged folder(s) listed and left as they are"
                               if damaged else ""))
        selection = self.table.selectionModel()
        for run_id in kept:
            row = self.model.row_of(run_id)
            if row is not None:
                selection.select(self.model.index(row, 0),
                                 QItemSelectionModel.SelectionFlag.Select
                                 | QItemSelectionModel.SelectionFlag.Rows)
        self._selection_changed()

    def _reload(self) -> None:
        self._entries_read(self._read_entries())  # after a small change: one folder moved

    def selected_entries(self) -> list[RunEntry]:
        """The selected rows' entries, in the order shown."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self.model.entry(row) for row in rows]

    def selected_ids(self) -> list[str]:
        """The ids of the selected runs."""
        return [entry.id for entry in self.selected_entries()]

    def _selected_record(self) -> RunRecord | None:
        entries = self.selected_entries()
        return entries[0].record if len(entries) == 1 else None

    def _selection_changed(self, *args) -> None:
        entries = self.selected_entries()
        records = [e.record for e in entries if e.record is not None]
        one = records[0] if len(entries) == 1 and records else None
        self.compare_button.setEnabled(bool(records) and len(records) == len(entries))
        self.open_button.setEnabled(one is not None)
        self.again_button.setEnabled(one is not None)
        self.use_button.setEnabled(one is not None and one.model_file is not None)
        self.delete_button.setEnabled(bool(entries))
        self.note.setEnabled(one is not None)
        self.note_button.setEnabled(one is not None)
        self.note.setPlainText(one.note if one else "")
        if len(entries) == 1 and entries[0].record is None:
            self.status.setText(entries[0].problem)

    # -- actions -------------------------------------------------------------------------------
    def _rename(self, run_id: str, name: str) -> None:
        """The table's edit of a name: renamed now, undoable; the rows are reloaded once the
        edit has closed (never while the table commits it)."""
        try:
            before = self.store.read(run_id).name
            self.undo_stack.push(rename_run(self.store, run_id, before, name, self._reload,
                                            self.status.setText))
        except RunError as error:
            self.status.setText(str(error))
        QTimer.singleShot(0, self._reload)

    def _delete(self) -> None:
        entries = self.selected_entries()
        if not entries:
            return
        self.undo_stack.beginMacro(f"Delete {len(entries)} run(s)")
        for entry in entries:
            name = entry.record.name if entry.record else entry.id
            try:
                self.undo_stack.push(delete_run(self.store, entry.id, name, self._reload,
                                                self.status.setText))
            except RunError as error:
                self.status.setText(str(error))
        self.undo_stack.endMacro()
        self._reload()

    def _save_note(self) -> None:
        record = self._selected_record()
        if record is None:
            return
        try:
            self.store.update(record.id, note=self.note.toPlainText())
        except RunError as error:
            self.status.setText(str(error))
            return
        self.status.setText(f"Note kept with run {record.name}")
        self._reload()

    def _open_network(self) -> None:
        record = self._selected_record()
        if record is None:
            return
        try:
            spec = from_json(json.dumps(record.network))
        except SpecError as error:
            self.status.setText(f"Run {record.name}: its network cannot be opened ({error})")
            return
        self.open_network_requested.emit(spec)

    def _use_model(self) -> None:
        record = self._selected_record()
        path = None if record is None else self.store.model_path(record.id)
        if path is None:
            self.status.setText("This run kept no model" + (
                f": {record.model_note}" if record and record.model_note else ""))
            return
        self.use_model_requested.emit(str(path))

    def _train_again(self) -> None:
        record = self._selected_record()
        if record is not None:
            self.train_again_requested.emit(record)

    def _compare(self) -> None:
        entries = self.selected_entries()
        records = [e.record for e in entries if e.record is not None]
        if len(records) == 1:
            records = records * 2  # a run compared with itself
        if records:
            self.compare_requested.emit(records, [])

    def _run_dense_vs_cnn(self) -> None:
        self.dense_button.setEnabled(False)
        self.status.setText("Training the dense and the classic network on the same letters...")
        self._start_task(self._guarded_experiment, self._dense_vs_cnn_done)

    def _guarded_experiment(self):
        """The experiment, or the line saying why it could not run (bad data, full disk)."""
        try:
            return self._dense_vs_cnn()
        except (UserError, OSError, MemoryError) as error:
            return describe_error(error)

    def _dense_vs_cnn_done(self, experiment) -> None:
        self.dense_button.setEnabled(True)
        self._reload()
        if isinstance(experiment, str):
            self.status.setText(f"Dense vs CNN could not run: {experiment}")
            return
        self.status.setText("Dense vs CNN: both runs are kept; the comparison is open.")
        self.compare_requested.emit([experiment.dense, experiment.cnn], list(experiment.text))
