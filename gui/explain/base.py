"""The base of every explain-mode tab (hint page, scrolling content) and small shared widgets.

A tab computes only while visible, through the shared ``ExplainContext`` (see
``gui.explain.worker``); until it can, it shows a hint saying what is missing.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from cnn_studio.gui.common import palette as colours
from cnn_studio.gui.common.flow_layout import FlowLayout
from cnn_studio.model.ink.strokes import LETTERS

if TYPE_CHECKING:
    import keras

HINT_TF = "TensorFlow is loading... explain mode starts when it is ready."
HINT_MODEL = ("No network yet: build one in the Layer builder or open a trained model "
              "(File > Open trained model).")
HINT_INVALID = ("The network in the layer builder cannot be built, so there is nothing to "
                "explain: fix the layers marked in red there.")
HINT_DRAW = "Draw a letter on the canvas to see the math behind the network's answer."


def layer_table(model: keras.Model) -> list[tuple[int, str, str]]:
    """(index, name, kind) of each layer of a Keras model (kind as in ``model.spec.network``)."""
    from cnn_studio.model.spec.network import layer_kind

    return [(index, layer.name, layer_kind(layer)) for index, layer in enumerate(model.layers)]


def help_html(*keys: str) -> str:
    """The app's help texts for ``keys`` (layer kinds or concepts), skipping unknown ones."""
    from cnn_studio.model.spec.help_texts import HelpTextError, help_text

    parts = []
    for key in keys:
        try:
            parts.append(html.escape(help_text(key)))
        except (HelpTextError, KeyError, OSError):
            continue
    return "<br><br>".join(parts)


def help_label(*keys: str) -> QLabel:
    """A framed, wrapped label with the help texts of ``keys``."""
    label = QLabel(help_html(*keys))
    label.setObjectName("help_text")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setFrameShape(QFrame.Shape.StyledPanel)
    label.setStyleSheet(colours.note_style("QLabel#help_text", "padding: 6px;"))
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def text_label(name: str, rich: bool = False) -> QLabel:
    """An empty word-wrapped label named ``name`` for a tab's worked numbers (rich text when
    ``rich``)."""
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    if rich:
        label.setTextFormat(Qt.TextFormat.RichText)
    return label


def read_only_table(name: str, columns, stretch: bool = True, rows: int = 0,
                    row_height: int | None = 20) -> QTableWidget:
    """A named table of ``columns`` to read, not edit, without row numbers.

    ``stretch`` spreads the columns over the width (else each fits its contents); ``row_height``
    (None: Qt's) sets the rows' height and ``rows`` > 0 a minimum height showing that many.
    """
    table = QTableWidget(0, len(columns))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().setVisible(False)
    if row_height is not None:
        table.verticalHeader().setDefaultSectionSize(row_height)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    mode = QHeaderView.ResizeMode.Stretch if stretch else QHeaderView.ResizeMode.ResizeToContents
    table.horizontalHeader().setSectionResizeMode(mode)
    if rows:
        table.setMinimumHeight(rows * (row_height or 20) + 28)
    return table


def sequential_problem(model: keras.Model) -> str | None:
    """A hint when ``model`` is not a ``keras.Sequential`` (explain mode walks one chain)."""
    import keras

    from cnn_studio.model.explain.backprop import NEEDS_SEQUENTIAL

    return None if isinstance(model, keras.Sequential) else NEEDS_SEQUENTIAL


def class_name(index: int) -> str:
    """A class index as its letter (or '#index' past Z)."""
    return LETTERS[index] if 0 <= index < len(LETTERS) else f"#{index}"


class ExplainTab(QWidget):
    """One concept of explain mode: a hint page and a scrolling content page.

    ``ctx`` is the panel's ``gui.explain.worker.ExplainContext``. Subclasses build
    ``self.body`` (a QVBoxLayout) in ``build()``, say what they need with ``needs_drawing``
    and ``check(layers)``, and compute in ``recompute()``.
    """

    title = "Explain"
    needs_drawing = True

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dirty = True
        self.layers: list[tuple[int, str, str]] = []
        self.stack = QStackedWidget()
        self.hint = QLabel()
        self.hint.setObjectName("explain_hint")
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setStyleSheet(f"QLabel#explain_hint {{ color: {colours.css(colours.muted_text())}; font-size: 13px; "
                                "padding: 20px; }")
        content = QWidget()
        self.body = QVBoxLayout(content)
        self.body.setContentsMargins(6, 6, 6, 6)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.stack.addWidget(self.hint)
        self.stack.addWidget(scroll)
        self.status = QLabel()
        self.status.setObjectName("explain_status")
        self.status.setWordWrap(True)
        self.status.setStyleSheet(f"QLabel#explain_status {{ color: {colours.css(colours.error_text())}; }}")
        self.network_label = QLabel()
        self.network_label.setObjectName("explain_network")
        self.network_label.setWordWrap(True)
        self.network_label.setStyleSheet(
            f"QLabel#explain_network {{ color: {colours.css(colours.muted_text())}; }}")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.network_label)
        outer.addWidget(self.stack)
        outer.addWidget(self.status)
        self.build()
        ctx.model_replaced.connect(self._on_model_replaced)
        ctx.inputs_changed.connect(self.request)
        ctx.state.shown_changed.connect(self.show_network_label)
        self.show_network_label(ctx.state.shown)

    # ----------------------------------------------------------- subclass API
    def build(self) -> None:
        """Create the widgets (into ``self.body``)."""

    def check(self, layers: list[tuple[int, str, str]]) -> str | None:
        """A hint when this network cannot be explained by this tab (e.g. no conv layer)."""
        return None

    def model_replaced(self) -> None:
        """Refill the layer choices after the model changed (``self.layers`` is current)."""

    def recompute(self) -> None:
        """Submit the computations for the current inputs: by default those of the layer
        chosen in ``self.layer_combo``, through :meth:`compute`."""
        combo = getattr(self, "layer_combo", None)
        layer = combo.currentData() if combo is not None else None
        if layer is not None:
            self.compute(self.ctx.model, self.ctx.image, layer)

    def compute(self, model: keras.Model, image: np.ndarray, layer: int) -> None:
        """Submit the computations for ``layer`` of ``model`` on ``image``."""

    # ------------------------------------------------------------- machinery
    def show_network_label(self, shown) -> None:
        """Say above the tab which network its numbers belong to (``state.shown``)."""
        self.network_label.setText(f"Showing the {shown.label}." if shown is not None else "")
        self.network_label.setVisible(shown is not None)

    @property
    def showing_content(self) -> bool:
        """Whether the content page (not a hint) is shown."""
        return self.stack.currentIndex() == 1

    def show_hint(self, text: str) -> None:
        """Replace the content by a hint saying what to do."""
        self.hint.setText(text)
        self.stack.setCurrentIndex(0)

    def show_error(self, message: str) -> None:
        """Show a computation's failure below the content."""
        self.status.setText(message)

    def _on_model_replaced(self) -> None:
        model = self.ctx.model
        self.layers = layer_table(model) if model is not None and self.ctx.tf_loaded else []
        self.model_replaced()

    @property
    def on_screen(self) -> bool:
        """Whether any of the tab can be seen. A dock behind another dock's tab stays
        ``isVisible()``: Qt only moves it off the window."""
        return self.isVisible() and not self.visibleRegion().isEmpty()

    def request(self) -> None:
        """Recompute now if on screen, otherwise when the tab is next shown."""
        self.dirty = True
        if self.on_screen:
            self.refresh()

    def refresh_if_dirty(self) -> None:
        """Recompute if an input changed while the tab could not be seen."""
        if self.dirty and self.on_screen:
            self.refresh()

    def refresh(self) -> None:
        """Show a hint, or the content with fresh numbers."""
        self.dirty = False
        ctx = self.ctx
        if not ctx.tf_loaded:
            self.show_hint(HINT_TF)
            return
        if ctx.model is None:
            invalid = ctx.state.spec is not None and ctx.state.shown is None
            self.show_hint(HINT_INVALID if invalid else HINT_MODEL)
            return
        if not self.layers:
            self._on_model_replaced()
        problem = sequential_problem(ctx.model) or self.check(self.layers)
        if problem:
            self.show_hint(problem)
            return
        if self.needs_drawing and not ctx.has_drawing:
            self.show_hint(HINT_DRAW)
            return
        self.status.clear()
        self.stack.setCurrentIndex(1)
        self.recompute()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self.dirty:
            self.refresh()

    def submit(self, key: str, job: Callable[[], object],
               on_done: Callable[[object], None]) -> int:
        """Run ``job`` in the worker; failures appear in the status line."""
        self.status.clear()
        return self.ctx.submit(f"{type(self).__name__}.{key}", job, on_done, self.show_error)

    def layers_of(self, *kinds: str) -> list[tuple[int, str, str]]:
        """The layers of the given kinds."""
        return [entry for entry in self.layers if entry[2] in kinds]

    def end_with_help(self, *keys: str) -> None:
        """Close ``self.body`` with the help texts of ``keys`` and a stretch below them."""
        self.body.addWidget(help_label(*keys))
        self.body.addStretch(1)

    def add_controls(self, *pairs: tuple[str, QWidget],
                     trailing: tuple[QWidget, ...] = ()) -> QWidget:
        """Add labelled controls to ``self.body``, wrapping onto more rows in a narrow dock.

        Args:
            *pairs: (label text, widget) for each control, left to right.
            trailing: Unlabelled widgets placed after the controls.

        Returns:
            The widget holding the controls (already added to ``self.body``).
        """
        row = flow_row(*(labelled(text, widget) for text, widget in pairs), *trailing)
        self.body.addWidget(row)
        return row


def labelled(text: str, *widgets: QWidget) -> QWidget:
    """A label and its widgets kept on one line (a flow row wraps them as one item)."""
    pair = QWidget()
    row = QHBoxLayout(pair)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(QLabel(text))
    for widget in widgets:
        row.addWidget(widget)
    return pair


def flow_row(*widgets: QWidget) -> QWidget:
    """``widgets`` left to right, wrapped onto more rows when the dock is narrow."""
    row = QWidget()
    layout = FlowLayout(row, spacing=6)
    for widget in widgets:
        layout.addWidget(widget)
    return row


def titled(title: QLabel, widget: QWidget) -> QWidget:
    """``widget`` with ``title`` above it, as one piece for a flow row."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(title)
    layout.addWidget(widget)
    return box


def set_range_quietly(spin: QSpinBox, top: int) -> None:
    """Set ``spin``'s range to 0..``top`` without emitting valueChanged."""
    blocked = spin.blockSignals(True)
    spin.setRange(0, int(top))
    spin.blockSignals(blocked)


def fill_layer_combo(combo: QComboBox, layers: list[tuple[int, str, str]]) -> None:
    """Put ``layers`` into ``combo`` (data = layer index), keeping the choice if it still exists."""
    previous = combo.currentData()
    blocked = combo.blockSignals(True)
    combo.clear()
    for index, name, kind in layers:
        combo.addItem(f"{name} ({kind})", index)
    position = combo.findData(previous)
    combo.setCurrentIndex(position if position >= 0 else 0)
    combo.blockSignals(blocked)
