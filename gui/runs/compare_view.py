"""Runs compared: curves on the same axes, figures and differing settings side by side,
accuracy per letter, robustness curves, and the current drawing moved step by step with each
run's answer.

Measuring robustness and loading models go through the ``start_task`` the view is given; the
view itself only draws what comes back.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnn_studio.gui.common.activation_maps import PixelImage
from cnn_studio.gui.common.palette import error_text
from cnn_studio.model.errors import UserError, describe_error
from cnn_studio.model.ink.strokes import LETTERS
from cnn_studio.model.runs.comparison import differing_settings, with_robustness
from cnn_studio.model.runs.record import ROBUSTNESS_KINDS, RunRecord
from cnn_studio.model.runs.robustness import DIRECTIONS, SHIFTS, shifted
from cnn_studio.model.runs.store import RunStore

StartTask = Callable[[Callable[[], object], Callable[[object], None]], None]
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
           "#17becf")
DIRECTION_NAMES = ("right", "down-right", "down", "down-left", "left", "up-left", "up",
                   "up-right")
_UNITS = {"shift": "pixels moved", "rotation": "degrees turned", "scale": "size factor"}


def _pct(share) -> str:
    return "-" if share is None else f"{100 * share:.1f} %"


def _label(records: list[RunRecord], index: int) -> str:
    """A run's name in the legend, numbered when two runs share it."""
    name = records[index].name
    same = sum(1 for r in records if r.name == name)
    return f"{index + 1}. {name}" if same > 1 else name


def _figures(record: RunRecord) -> list[tuple[str, str]]:
    metrics = record.metrics
    return [("state", record.state()), ("network", record.network_name()),
            ("parameters", f"{record.params:,}"), ("MACs per letter", f"{record.macs:,}"),
            ("epochs", str(record.epochs_completed)), ("seconds", f"{record.wall_s:.1f}"),
            ("letters/s", f"{record.samples_per_s:,.0f}"),
            ("letters seen", f"{record.samples_seen:,}"),
            ("validation accuracy", _pct(metrics.get("val_accuracy"))),
            ("validation loss", "-" if metrics.get("val_loss") is None
             else f"{metrics['val_loss']:.4f}"),
            ("real letters", _pct(metrics.get("real_accuracy"))),
            ("real upper case", _pct(metrics.get("real_upper_accuracy"))),
            ("real lower case", _pct(metrics.get("real_lower_accuracy")))]


class CompareView(QWidget):
    """Two or more runs side by side (a run may be compared with itself).

    Args:
        store: the runs folder (robustness curves measured here are kept in the records).
        start_task: runs long work off the GUI thread: ``start_task(fn, on_done)``.
        parent: the parent widget.
    """

    def __init__(self, store: RunStore, start_task: StartTask, parent=None) -> None:
        super().__init__(parent)
        self.store, self._start_task = store, start_task
        self.records: list[RunRecord] = []
        self.drawing: np.ndarray | None = None
        self._models: dict[str, object] = {}  # run id -> loaded Keras model (filled by tasks)
        self._asked = 0  # the newest request for answers; older answers are dropped
        self.explanation = QLabel("")
        self.explanation.setObjectName("compare_explanation")
        self.explanation.setWordWrap(True)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel("")
        self.status.setObjectName("compare_status")
        self.status.setWordWrap(True)
        self.tabs = QTabWidget()
        self.curves_figure, self.curves_canvas = self._figure()
        self.robust_figure, self.robust_canvas = self._figure()
        self.figures_table = QTableWidget()
        self.figures_table.setObjectName("compare_figures")
        self.letters_table = QTableWidget()
        self.letters_table.setObjectName("compare_letters")
        self.tabs.addTab(self.curves_canvas, "Curves")
        self.tabs.addTab(self.figures_table, "Figures and settings")
        self.tabs.addTab(self.letters_table, "Per letter")
        self.tabs.addTab(self.robust_canvas, "Robustness")
        self.tabs.addTab(self._drawing_tab(), "Your drawing, moved")
        layout = QVBoxLayout(self)
        layout.addWidget(self.explanation)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)

    @staticmethod
    def _figure() -> tuple[Figure, FigureCanvasQTAgg]:
        figure = Figure(figsize=(8, 5), layout="constrained")
        return figure, FigureCanvasQTAgg(figure)

    def _drawing_tab(self) -> QWidget:
        tab = QWidget()
        self.direction = QComboBox()
        self.direction.setObjectName("compare_direction")
        self.direction.addItems(DIRECTION_NAMES)
        self.direction.currentIndexChanged.connect(self._ask_answers)
        self.drawing_note = QLabel("Draw a letter on the canvas to see each run read it "
                                   "moved step by step.")
        self.answers_note = QLabel("An answer in bold red differs from the run's answer for "
                                   "the drawing where it is.")
        self.drawing_note.setWordWrap(True)
        self.answers = QGridLayout()
        top = QHBoxLayout()
        top.addWidget(QLabel("Move the drawing"))
        top.addWidget(self.direction)
        top.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addLayout(top)
        layout.addWidget(self.drawing_note)
        layout.addLayout(self.answers)
        layout.addWidget(self.answers_note)
        layout.addStretch(1)
        return tab

    # -- what is shown -------------------------------------------------------------------------
    def set_runs(self, records: list[RunRecord], explanation: list[str] | None = None) -> None:
        """Compare ``records`` (the same run twice is allowed); ``explanation`` paragraphs are
        shown above (the dense-vs-CNN text)."""
        self.records = list(records)
        self.explanation.setText("\n\n".join(explanation or []))
        self.explanation.setVisible(bool(explanation))
        self._draw_curves()
        self._fill_figures()
        self._fill_letters()
        self._draw_robustness()
        self._measure_missing()
        self._ask_answers()

    def set_drawing(self, image: np.ndarray | None) -> None:
        """The current drawing as the network's 28x28 input (None: nothing drawn)."""
        self.drawing = None if image is None else np.asarray(image, np.float32).reshape(28, 28)
        self._ask_answers()

    # -- curves --------------------------------------------------------------------------------
    def _draw_curves(self) -> None:
        figure = self.curves_figure
        figure.clear()
        axes = figure.subplots(2, 2)
        for (row, x_name) in ((0, "epoch"), (1, "letters seen")):
            for column, kind in enumerate(("loss", "accuracy")):
                ax = axes[row][column]
                ax.set_xlabel(x_name)
                ax.set_ylabel(kind)
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
                ax.grid(alpha=0.3)
                for index, record in enumerate(self.records):
                    self._plot_run(ax, record, index, kind, by_epoch=row == 0)
        axes[0][1].plot([], [], color="gray", label="training")
        axes[0][1].plot([], [], color="gray", linestyle="--", label="validation")
        if self.records:
            axes[0][1].legend(fontsize="small")
        self.curves_canvas.draw_idle()

    def _plot_run(self, ax, record: RunRecord, index: int, kind: str, by_epoch: bool) -> None:
        colour = COLOURS[index % len(COLOURS)]
        epoch = record.curves["epoch"]
        label = _label(self.records, index)
        if by_epoch:
            x = list(range(1, len(epoch[kind]) + 1))
            ax.plot(x, _values(epoch[kind]), color=colour, marker="o", label=label)
        else:
            batch = record.curves["batch"]
            ax.plot(batch["samples_seen"], _values(batch[kind]), color=colour, label=label,
                    alpha=0.8)
            x = epoch["samples_seen"]
        ax.plot(x, _values(epoch[f"val_{kind}"]), color=colour, linestyle="--", marker=".")

    # -- tables --------------------------------------------------------------------------------
    def _fill_figures(self) -> None:
        rows = [(title, [dict(_figures(r))[title] for r in self.records])
                for title, _ in (_figures(self.records[0]) if self.records else [])]
        rows += [(f"setting: {key}", ["" if v is None else str(v) for v in values])
                 for key, values in differing_settings(self.records)]
        if self.records and not differing_settings(self.records):
            rows.append(("settings", ["all the same"] * len(self.records)))
        self._fill(self.figures_table, rows)

    def _fill_letters(self) -> None:
        letters = sorted({k for r in self.records for k in r.metrics.get("per_letter", {})},
                         key=lambda k: (k.lower(), k.islower()))
        rows = [(letter, [_pct(r.metrics.get("per_letter", {}).get(letter))
                          for r in self.records]) for letter in letters]
        self._fill(self.letters_table, rows)

    def _fill(self, table: QTableWidget, rows: list[tuple[str, list[str]]]) -> None:
        table.clear()
        table.setColumnCount(len(self.records))
        table.setRowCount(len(rows))
        table.setHorizontalHeaderLabels([_label(self.records, i) for i in
                                         range(len(self.records))])
        table.setVerticalHeaderLabels([title for title, _ in rows])
        for row, (_, values) in enumerate(rows):
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(row, column, item)
        table.resizeColumnsToContents()

    # -- robustness ----------------------------------------------------------------------------
    def _draw_robustness(self) -> None:
        figure = self.robust_figure
        figure.clear()
        axes = figure.subplots(1, 3, sharey=True)
        for ax, kind in zip(axes, ROBUSTNESS_KINDS, strict=True):
            ax.set_title(kind)
            ax.set_xlabel(_UNITS[kind])
            ax.set_ylim(0, 100)
            ax.grid(alpha=0.3)
            for index, record in enumerate(self.records):
                points = record.metrics.get("robustness", {}).get(kind, [])
                if points:
                    ax.plot([p[0] for p in points], [100 * (p[1] or 0) for p in points],
                            color=COLOURS[index % len(COLOURS)], marker=".",
                            label=_label(self.records, index))
        axes[0].set_ylabel("accuracy on the real letters, %")
        if any(r.metrics.get("robustness") for r in self.records):
            axes[0].legend(fontsize="small")
        self.robust_canvas.draw_idle()

    def _measure_missing(self) -> None:
        missing = sorted({r.id for r in self.records
                          if set(r.metrics.get("robustness", {})) != set(ROBUSTNESS_KINDS)})
        if not missing:
            return
        self.status.setText(f"Measuring robustness of {len(missing)} run(s)...")
        self._start_task(lambda: self._measure(missing), self._measured)

    def _measure(self, run_ids: list[str]) -> tuple[dict, list[str]]:
        """``({run id: record with curves}, [problems])`` (runs off the GUI thread)."""
        done, problems = {}, []
        for run_id in run_ids:
            try:
                done[run_id] = with_robustness(self.store, run_id)
            except (UserError, OSError, MemoryError) as error:
                problems.append(describe_error(error))
        return done, problems

    def _measured(self, result) -> None:
        done, problems = result
        self.records = [done.get(r.id, r) for r in self.records]
        self._draw_robustness()
        self.status.setText("; ".join(problems))

    # -- the drawing, moved --------------------------------------------------------------------
    def _ask_answers(self) -> None:
        waiting = self.drawing is None or not self.records
        self.drawing_note.setVisible(waiting)
        self.answers_note.setVisible(not waiting)
        if waiting:
            self._show_answers({})
            return
        dx, dy = DIRECTIONS[self.direction.currentIndex()]
        images = np.stack([shifted(self.drawing[None, ..., None], a * dx, a * dy)[0]
                           for a in SHIFTS])
        records = list(self.records)
        self._asked += 1
        asked = self._asked
        self._start_task(lambda: self._read_moved(records, images),
                         lambda answers: asked == self._asked and
                         self._show_answers(answers, images))

    def _read_moved(self, records: list[RunRecord], images: np.ndarray) -> dict:
        """``{run id: [(letter, probability) per shift] or problem text}`` (off the GUI
        thread: loads each model once)."""
        from cnn_studio.model.nets.model_files import load_model_file

        answers = {}
        for record in records:
            if record.id in answers:
                continue
            path = self.store.model_path(record.id) if record.model_file else None
            if path is None:
                answers[record.id] = "no model kept"
                continue
            try:
                model = self._models.get(record.id) or load_model_file(path, compile=False)
            except (UserError, OSError) as error:
                answers[record.id] = describe_error(error)
                continue
            self._models[record.id] = model
            probs = np.asarray(model(images, training=False))
            answers[record.id] = [(LETTERS[int(p.argmax())], float(p.max())) for p in probs]
        return answers

    def _show_answers(self, answers: dict, images: np.ndarray | None = None) -> None:
        while self.answers.count():
            widget = self.answers.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        if images is None:
            return
        for column, amount in enumerate(SHIFTS):
            self.answers.addWidget(QLabel(f"{amount} px"), 0, column + 1,
                                   Qt.AlignmentFlag.AlignCenter)
            picture = PixelImage(grid=False)
            picture.setFixedSize(56, 56)
            picture.set_array(images[column, ..., 0], scale=1.0)
            self.answers.addWidget(picture, 1, column + 1, Qt.AlignmentFlag.AlignCenter)
        for row, record in enumerate(self.records):
            self.answers.addWidget(QLabel(_label(self.records, row)), row + 2, 0)
            found = answers.get(record.id, "")
            if isinstance(found, str):
                self.answers.addWidget(QLabel(found), row + 2, 1, 1, len(SHIFTS))
                continue
            for column, (letter, share) in enumerate(found):
                cell = QLabel(f"{letter} {100 * share:.0f} %")
                cell.setObjectName(f"answer_{row}_{column}")
                if letter != found[0][0]:  # the moved drawing changed this run's answer
                    cell.setStyleSheet(f"color: {error_text().name()}; font-weight: bold")
                    cell.setToolTip(f"Unmoved, this run read {found[0][0]}")
                self.answers.addWidget(cell, row + 2, column + 1, Qt.AlignmentFlag.AlignCenter)


def _values(values: list) -> list[float]:
    """A curve's values with missing ones (None) as NaN, which matplotlib leaves out."""
    return [np.nan if v is None else v for v in values]
