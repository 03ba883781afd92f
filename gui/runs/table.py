"""The table of kept runs: one row per run folder, damaged ones included with their reason.

Cells show text; :data:`SORT_ROLE` gives each column's sort key (numbers sort as numbers, runs
without a figure last). The name column is editable: an edit is handed to ``rename`` (the view
turns it into an undoable command).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from cnn_studio.model.runs.record import RunRecord
from cnn_studio.model.runs.store import RunEntry

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Name", "Network", "Date", "Epochs", "Validation", "Real letters", "Parameters",
           "Time", "State")
NAME, NETWORK, DATE, EPOCHS, VALIDATION, REAL, PARAMS, TIME, STATE = range(len(COLUMNS))
_ROOT = QModelIndex()  # the table's parent index
_MISSING = float("-inf")  # sorts a run without the figure below every run with one


def _pct(share) -> str:
    return "" if share is None else f"{100 * share:.1f} %"


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value < 120 else f"{value / 60:.1f} min"


def _cells(record: RunRecord) -> tuple[tuple[str, object], ...]:
    """``(text, sort key)`` per column of one run."""
    metrics = record.metrics
    val, real = metrics.get("val_accuracy"), metrics.get("real_accuracy")
    return ((record.name, record.name.casefold()),
            (record.network_name(), record.network_name().casefold()),
            (record.created.replace("T", " ").rstrip("Z")[:16], record.created),
            (str(record.epochs_completed), record.epochs_completed),
            (_pct(val), _MISSING if val is None else val),
            (_pct(real), _MISSING if real is None else real),
            (f"{record.params:,}", record.params),
            (_seconds(record.wall_s), record.wall_s),
            (record.state(), record.state()))


class RunsTableModel(QAbstractTableModel):
    """Rows of :class:`model.runs.store.RunEntry`.

    Args:
        rename: ``rename(run_id, new_name)``, called when the person edits a name.
    """

    def __init__(self, rename: Callable[[str, str], None], parent=None) -> None:
        super().__init__(parent)
        self._rename = rename
        self._entries: list[RunEntry] = []
        self._cells: list[tuple[tuple[str, object], ...]] = []

    def set_entries(self, entries: list[RunEntry]) -> None:
        """Show these runs (replacing the rows)."""
        self.beginResetModel()
        self._entries = list(entries)
        self._cells = [_cells(e.record) if e.record else
                       ((e.id, e.id.casefold()),) + (("", _MISSING),) * (len(COLUMNS) - 2)
                       + ((f"damaged: {e.problem}", "damaged"),) for e in self._entries]
        self.endResetModel()

    def entry(self, row: int) -> RunEntry:
        """The entry shown in ``row`` (of this model, not of a sorting proxy)."""
        return self._entries[row]

    def row_of(self, run_id: str) -> int | None:
        """The row of run ``run_id``, or None."""
        return next((row for row, e in enumerate(self._entries) if e.id == run_id), None)

    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        text, key = self._cells[index.row()][index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return text
        if role == SORT_ROLE:
            return key
        if role == Qt.ItemDataRole.ToolTipRole:
            entry = self._entries[index.row()]
            return entry.problem if entry.record is None else entry.record.note or None
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (
                EPOCHS, VALIDATION, REAL, PARAMS, TIME):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index):
        base = super().flags(index)
        if index.column() == NAME and self._entries[index.row()].record is not None:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() != NAME:
            return False
        entry = self._entries[index.row()]
        name = " ".join(str(value).split())
        if not name or entry.record is None or name == entry.record.name:
            return False
        self._rename(entry.id, name)
        return True
