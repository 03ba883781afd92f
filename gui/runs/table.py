"""The table of kept runs: one row per run folder, damaged ones included with their reason.

A ``QStandardItemModel``: Qt keeps the cells, paints and sorts them without calling Python
(200 runs sort and paint within a few tens of milliseconds). Each cell has its text and, under
:data:`SORT_ROLE`, its sort key (numbers sort as numbers, a run without the figure sorts
below every run with one). The name cells of runs are the only editable ones (:class:`ReadOnlyDelegate` keeps every
other column from opening an editor, far cheaper than a flag per cell): an edit is handed to
``rename``
(the view turns it into an undoable command) and the row shows the stored name again until the
view reloads.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QStyledItemDelegate

from cnn_studio.model.runs.record import RunRecord
from cnn_studio.model.runs.store import RunEntry

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2  # the run id, on the name cell
COLUMNS = ("Name", "Network", "Date", "Epochs", "Validation", "Real letters", "Parameters",
           "Time", "State")
NAME, NETWORK, DATE, EPOCHS, VALIDATION, REAL, PARAMS, TIME, STATE = range(len(COLUMNS))
NUMBERS = frozenset((EPOCHS, VALIDATION, REAL, PARAMS, TIME))
_MISSING = float("-inf")  # sorts a run without the figure below every run with one
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


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
            (str(record.epochs_completed), float(record.epochs_completed)),
            (_pct(val), _MISSING if val is None else float(val)),
            (_pct(real), _MISSING if real is None else float(real)),
            (f"{record.params:,}", float(record.params)),
            (_seconds(record.wall_s), float(record.wall_s)),
            (record.state(), record.state()))


def _damaged_cells(entry: RunEntry) -> tuple[tuple[str, object], ...]:
    """A damaged folder's row: its name, its reason, empty figures (sorted last)."""
    cells = [("", _MISSING if column in NUMBERS else "") for column in range(len(COLUMNS))]
    cells[NAME] = (entry.id, entry.id.casefold())
    cells[STATE] = (f"damaged: {entry.problem}", "damaged")
    return tuple(cells)


class ReadOnlyDelegate(QStyledItemDelegate):
    """Paints as usual and never opens an editor (the table's columns other than the name)."""

    def createEditor(self, parent, option, index):  # noqa: N802 - Qt override
        return None


class RunsTableModel(QStandardItemModel):
    """Rows of :class:`model.runs.store.RunEntry`.

    Args:
        rename: ``rename(run_id, new_name)``, called when the person edits a name.
    """

    def __init__(self, rename: Callable[[str, str], None], parent=None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self._rename = rename
        self._entries: dict[str, RunEntry] = {}
        self._filling = False
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self.setSortRole(SORT_ROLE)
        self.itemChanged.connect(self._item_changed)

    def set_entries(self, entries: list[RunEntry]) -> None:
        """Show these runs (replacing the rows, keeping the sort order)."""
        self._filling = True
        self._entries = {entry.id: entry for entry in entries}
        self.blockSignals(True)  # one reset for the views instead of one insertion per row
        self.setRowCount(0)
        for entry in entries:
            cells = _cells(entry.record) if entry.record else _damaged_cells(entry)
            row = []
            for column, (text, key) in enumerate(cells):
                item = QStandardItem(text)
                item.setData(key, SORT_ROLE)
                if column in NUMBERS:
                    item.setTextAlignment(_RIGHT)
                row.append(item)
            row[NAME].setData(entry.id, ID_ROLE)
            row[NAME].setEditable(entry.record is not None)
            tip = entry.problem if entry.record is None else entry.record.note
            if tip:
                row[NAME].setToolTip(tip)
                row[STATE].setToolTip(tip)
            self.appendRow(row)
        self.blockSignals(False)
        self.beginResetModel()
        self.endResetModel()
        self._filling = False

    def entry(self, row: int) -> RunEntry:
        """The entry shown in ``row`` (in the order shown)."""
        return self._entries[self.item(row, NAME).data(ID_ROLE)]

    def row_of(self, run_id: str) -> int | None:
        """The row showing run ``run_id``, or None."""
        return next((row for row in range(self.rowCount())
                     if self.item(row, NAME).data(ID_ROLE) == run_id), None)

    def _item_changed(self, item: QStandardItem) -> None:
        if self._filling or item.column() != NAME:
            return
        entry = self._entries.get(item.data(ID_ROLE))
        name = " ".join(item.text().split())
        if entry is None or entry.record is None:
            return
        if name and name != entry.record.name:
            self._rename(entry.id, name)
        else:  # an empty or unchanged name: show the stored one again
            self._filling = True
            item.setText(entry.record.name)
            self._filling = False
