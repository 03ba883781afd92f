"""The live layer table: one row per layer with its output shape, parameters, MACs and problem.

A layer that cannot be applied shows its problem in place of its shape and counts (the cell
spans those columns, on a red row). The table is also the editable list of layers: rows can be dragged to reorder them, layer types
dragged in from the palette, and Delete removes the selected layer. The model never edits the
network itself; it asks the builder through signals (so every change goes through undo).
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from cnn_studio.model.spec.analysis import NetworkReport, analyze
from cnn_studio.model.spec.network import NetworkSpec

KIND_MIME = "application/x-cnn-studio-layer-kind"
ROW_MIME = "application/x-cnn-studio-layer-row"
COLUMNS = ("Layer", "Output shape", "Params", "MACs")
LAYER, SHAPE, PARAMS, MACS = range(len(COLUMNS))
COLUMN_SAMPLES = ("", "28x28x128", "2,000,000", "999.9M")
ERROR_BACKGROUND = QColor("#f6c9c9")
ERROR_TEXT = QColor("#8b0000")
RAW_ROLE = Qt.ItemDataRole.UserRole
PROBLEM_ROLE = Qt.ItemDataRole.UserRole + 1


def shape_text(shape: tuple[int, ...] | None) -> str:
    """``28x28x16`` for a feature map, ``128`` for a vector, ``?`` when unknown."""
    return "x".join(str(n) for n in shape) if shape else "?"


def compact(n: int) -> str:
    """A count in short form: ``950``, ``12.5K``, ``3.1M``."""
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "K")):
        if n >= limit:
            return f"{n / limit:.1f}{suffix}"
    return str(n)


def _problem(report, message: str) -> str:
    """The layer's message without its leading "Layer 3 Conv2D 5x5:" (the row shows it)."""
    prefix = f"Layer {report.number} {report.title}"
    if message.startswith(prefix):
        message = message[len(prefix):].lstrip(": ")
        message = message[:1].upper() + message[1:]
    return message


class LayerTableModel(QAbstractTableModel):
    """Rows: the layers of the network, then a totals row.

    Signals:
        move_requested(source, target): a row was dropped at another place.
        insert_requested(kind, index): a layer type was dropped from the palette.
    """

    move_requested = Signal(int, int)
    insert_requested = Signal(str, int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._spec = NetworkSpec([])
        self._report: NetworkReport = analyze(self._spec)
        self._token = str(id(self)).encode()

    # ------------------------------------------------------------- content
    def set_network(self, spec: NetworkSpec, report: NetworkReport) -> None:
        """Show ``spec`` analysed as ``report`` (rows keep their selection if the count is same).

        The row count compared is the one this model shows now (from its own report), never
        the new spec's, so a spec changed in place cannot leave rows missing or left over.
        """
        same_count = len(report.layers) == self.layer_count
        if not same_count:
            self.beginResetModel()
        self._spec, self._report = spec, report
        if same_count:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self.rowCount() - 1, len(COLUMNS) - 1))
        else:
            self.endResetModel()

    @property
    def layer_count(self) -> int:
        """Number of layer rows (the totals row is not counted)."""
        return len(self._report.layers)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else self.layer_count + 1

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if index.row() == self.layer_count:
            return self._total_data(index.column(), role)
        report = self._report.layers[index.row()]
        column = index.column()
        if role == RAW_ROLE:
            return (report.title, report.output_shape, report.params, report.macs)[column]
        if role == PROBLEM_ROLE:
            return report.error
        if role == Qt.ItemDataRole.DisplayRole:
            if report.error and column != LAYER:
                return _problem(report, report.error) if column == SHAPE else ""
            return (f"{report.number}  {report.title}", shape_text(report.output_shape),
                    f"{report.params:,}", compact(report.macs))[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if report.error:
                return report.error
            return (f"{report.title}: {shape_text(report.input_shape)} -> "
                    f"{shape_text(report.output_shape)}, {report.params:,} parameters, "
                    f"{report.macs:,} multiply-adds per image")
        if role == Qt.ItemDataRole.BackgroundRole and report.error:
            return ERROR_BACKGROUND
        if role == Qt.ItemDataRole.ForegroundRole and report.error and column != LAYER:
            return ERROR_TEXT
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (PARAMS, MACS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _total_data(self, column: int, role):
        report = self._report
        if role == RAW_ROLE:
            return ("Total", report.output_shape, report.total_params, report.total_macs)[column]
        if role == PROBLEM_ROLE:
            return None if report.valid else "\n".join(report.errors)
        if role == Qt.ItemDataRole.DisplayRole:
            return ("Total", shape_text(report.output_shape), f"{report.total_params:,}",
                    compact(report.total_macs))[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return (f"{report.total_params:,} parameters, {report.total_macs:,} multiply-adds "
                    "per image" if report.valid else "\n".join(report.errors))
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (PARAMS, MACS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # --------------------------------------------------------- drag & drop
    def flags(self, index: QModelIndex):
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        if index.row() < self.layer_count:
            return base | Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemIsDropEnabled
        return base | Qt.ItemFlag.ItemIsDropEnabled

    def supportedDropActions(self):  # noqa: N802 - Qt API
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def mimeTypes(self) -> list[str]:  # noqa: N802 - Qt API
        return [ROW_MIME, KIND_MIME]

    def mimeData(self, indexes) -> QMimeData:  # noqa: N802 - Qt API
        """The dragged layer row, tagged with this model so other windows ignore it."""
        rows = sorted({i.row() for i in indexes if i.isValid() and i.row() < self.layer_count})
        data = QMimeData()
        if rows:
            data.setData(ROW_MIME, QByteArray(self._token + b":" + str(rows[0]).encode()))
        return data

    def _dragged_row(self, data: QMimeData) -> int | None:
        if not data.hasFormat(ROW_MIME):
            return None
        token, _, row = bytes(data.data(ROW_MIME).data()).partition(b":")
        if token != self._token or not row.isdigit() or int(row) >= self.layer_count:
            return None
        return int(row)

    @staticmethod
    def _dropped_kind(data: QMimeData) -> str | None:
        if not data.hasFormat(KIND_MIME):
            return None
        return bytes(data.data(KIND_MIME).data()).decode("utf-8", "replace")

    def canDropMimeData(self, data, action, row, column, parent) -> bool:  # noqa: N802
        return self._dragged_row(data) is not None or self._dropped_kind(data) is not None

    def dropMimeData(self, data, action, row, column, parent) -> bool:  # noqa: N802 - Qt API
        """Turn a drop into a move or insert request (the builder applies it through undo).

        Dropped between rows, ``row`` is the gap; dropped on a row, it takes that row's place;
        dropped below the layers or on the totals row, it goes last. Returns False so that
        the view never removes rows itself.
        """
        if isinstance(parent, QModelIndex | QPersistentModelIndex) and parent.isValid():
            row = parent.row()
            on_item = True
        else:
            on_item = False
        if row < 0 or row > self.layer_count:
            row = self.layer_count
        source, kind = self._dragged_row(data), self._dropped_kind(data)
        if source is not None:
            target = row if (on_item or row <= source) else row - 1
            target = max(0, min(target, self.layer_count - 1))
            if target != source:
                self.move_requested.emit(source, target)
        elif kind is not None:
            self.insert_requested.emit(kind, row)
        return False


class LayerTableView(QTableView):
    """The table widget: whole-row selection, drag to reorder, Delete key removes a layer."""

    delete_requested = Signal()

    def __init__(self, model: LayerTableModel, parent=None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setObjectName("layer_table")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setDragDropOverwriteMode(False)
        self.setDropIndicatorShown(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.horizontalHeader()
        header.setSectionResizeMode(LAYER, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        for column in (SHAPE, PARAMS, MACS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, max(
                self.fontMetrics().horizontalAdvance(COLUMN_SAMPLES[column]),
                header.fontMetrics().horizontalAdvance(COLUMNS[column])) + 12)
        model.modelReset.connect(self.update_spans)
        model.dataChanged.connect(self.update_spans)

    def update_spans(self, *_args) -> None:
        """Let each invalid layer's message span the shape and count columns."""
        self.clearSpans()
        model = self.model()
        for row in range(model.layer_count):
            if model.index(row, LAYER).data(PROBLEM_ROLE):
                self.setSpan(row, SHAPE, 1, len(COLUMNS) - SHAPE)

    def current_layer(self) -> int:
        """Index of the selected layer, or -1 (nothing or the totals row selected)."""
        rows = self.selectionModel().selectedRows()
        model = self.model()
        if rows and rows[0].row() < model.layer_count:
            return rows[0].row()
        return -1

    def select_layer(self, index: int) -> None:
        """Select the layer at ``index`` (clears the selection for -1)."""
        if 0 <= index < self.model().layer_count:
            self.selectRow(index)
            self.scrollTo(self.model().index(index, 0))
        else:
            self.clearSelection()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Delete or Backspace removes the selected layer."""
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and not event.modifiers():
            self.delete_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)
