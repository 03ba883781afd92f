"""The layer builder panel: palette, layer table, property editor, diagram and undo.

Every edit is a command on the panel's ``QUndoStack`` (see ``gui.builder.commands``); after each
one the panel re-analyses the network (pure Python, instant), refreshes its views and publishes
the spec as ``state.spec`` / ``state.spec_changed``, its name and unsaved edits as
``state.network_name`` / ``state.unsaved_network`` (the window's title bar follows them).
``install(window)`` puts it in the builder dock and connects the File menu's network actions
(handled in ``gui.builder.files``).
"""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cnn_studio.gui.builder.banner import OutputBanner
from cnn_studio.gui.builder.code_view import CodeView
from cnn_studio.gui.builder.commands import (
    InsertLayerCommand,
    MoveLayerCommand,
    NetworkDocument,
    RemoveLayerCommand,
    ReplaceNetworkCommand,
    SetParamCommand,
)
from cnn_studio.gui.builder.diagram import NetworkDiagram
from cnn_studio.gui.builder.editor import LayerEditor
from cnn_studio.gui.builder.files import NetworkFilesMixin, default_spec
from cnn_studio.gui.builder.layer_list import LayerList, action_button
from cnn_studio.gui.builder.palette import Palette
from cnn_studio.gui.common import palette as colours
from cnn_studio.gui.common.shell import Action, Dock, Shell
from cnn_studio.gui.common.state import AppState
from cnn_studio.model.spec.analysis import analyze, with_output_layer
from cnn_studio.model.spec.network import (
    LAYER_TYPES,
    SPEC_SUFFIX,
    NetworkSpec,
    SpecError,
    default_layer,
    is_output_layer,
)
from cnn_studio.model.spec.presets import PRESETS, get_preset

DOCK_WIDTH = 690


class LayerBuilderPanel(NetworkFilesMixin, QWidget):
    """The builder: edits a ``NetworkDocument`` through an undo stack and shows it live.

    Args:
        state: the shared ``AppState``: the panel assigns its ``spec``, ``network_name`` and
            ``unsaved_network`` and announces the files it opens or saves (``file_used``).
        spec: the network to start with (default: the shipped model's).
    """

    def __init__(self, state: AppState, spec: NetworkSpec | None = None) -> None:
        super().__init__()
        self.setObjectName("layer_builder")
        self.setMinimumWidth(440)
        self.state = state
        self.doc = NetworkDocument(spec if spec is not None else default_spec(), self)
        self.stack = QUndoStack(self)
        self.report = analyze(self.doc.spec)
        self.code_view: CodeView | None = None
        self._reset_confirmed = False
        self.model_file: str | None = None  # the .keras file the clean network came from
        self._build()
        self.doc.changed.connect(self._on_changed)
        state.network_requested.connect(self._show_requested_network)
        state.model_network_opened.connect(self.show_model_network)
        state.network_restored.connect(self.show_last_network)
        self.stack.cleanChanged.connect(self._update_header)
        for signal in ("model_changed", "weights_updated"):
            if hasattr(state, signal):
                getattr(state, signal).connect(self._forget_confirmation)
        self._on_changed(-1)
        self.table.select_layer(0)

    # --------------------------------------------------------------- widgets
    def _build_top(self) -> QVBoxLayout:
        """The title, undo/redo, preset and code rows (two rows: a narrow dock cuts off none)."""
        self.header = QLabel()
        self.header.setObjectName("network_title")
        self.presets = QComboBox()
        self.presets.setObjectName("preset_combo")
        self.presets.addItem("Load a preset...")
        for name, preset in PRESETS.items():
            self.presets.addItem(name)
            self.presets.setItemData(self.presets.count() - 1, preset.description,
                                     Qt.ItemDataRole.ToolTipRole)
        self.presets.setToolTip("Replace the network by a ready-made one (undo brings yours back)")
        self.presets.activated.connect(self._preset_chosen)
        code_button = action_button("Python code", self.show_code, "code_button",
                                   "Show this network as plain Keras code you can copy")
        self.undo_button = action_button("Undo", self.undo, "undo", "Undo the last edit (Ctrl+Z)")
        self.redo_button = action_button("Redo", self.redo, "redo", "Redo (Ctrl+Shift+Z)")
        self.stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        top = QVBoxLayout()  # two rows, so a narrow dock cuts off no button
        first, second = QHBoxLayout(), QHBoxLayout()
        first.addWidget(self.header, 1)
        first.addWidget(self.undo_button)
        first.addWidget(self.redo_button)
        second.addWidget(self.presets)
        second.addWidget(code_button)
        second.addStretch(1)
        top.addLayout(first)
        top.addLayout(second)
        return top

    def _build(self) -> None:
        top = self._build_top()
        self.banner = OutputBanner(self.fix_output)
        self.banner_label, self.banner_button = self.banner.label, self.banner.button
        palette = Palette(self.add_layer)
        self.palette_buttons = palette.buttons

        list_box = LayerList(self)
        self.table_model, self.table, self.issues = list_box.model, list_box.table, list_box.issues
        self.up_button, self.down_button = list_box.up_button, list_box.down_button
        self.dup_button, self.del_button = list_box.dup_button, list_box.del_button
        self.table_model.move_requested.connect(self.move_layer, Qt.ConnectionType.QueuedConnection)
        self.table_model.insert_requested.connect(self.add_layer,
                                                  Qt.ConnectionType.QueuedConnection)
        self.table.delete_requested.connect(self.delete_selected)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.editor = LayerEditor()
        self.editor.param_changed.connect(self.set_param)
        editor_scroll = QScrollArea()
        editor_scroll.setWidget(self.editor)
        editor_scroll.setWidgetResizable(True)
        editor_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        editor_scroll.setFrameShape(QFrame.Shape.StyledPanel)
        self.diagram = NetworkDiagram()
        self.diagram.layer_clicked.connect(self.table.select_layer)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        for widget in (list_box, editor_scroll, self.diagram):
            self.splitter.addWidget(widget)
            self.splitter.setCollapsible(self.splitter.count() - 1, False)
        self.splitter.setStretchFactor(2, 1)
        self.splitter.setSizes([305, 205, 280])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(palette)
        layout.addWidget(self.splitter, 1)

    # ------------------------------------------------------------ refreshing
    @property
    def spec(self) -> NetworkSpec:
        """A copy of the network as it is now."""
        return self.doc.snapshot()

    def current_index(self) -> int:
        """The selected layer's index, or -1."""
        return self.table.current_layer()

    def _on_changed(self, select: int) -> None:
        keep = self.current_index()
        spec = self.doc.spec
        self.report = analyze(spec)
        self.table_model.set_network(spec, self.report)
        target = select if select >= 0 else keep
        self.table.select_layer(target if target < len(spec.layers) else -1)
        self._selection_changed()
        self.diagram.set_network(spec, self.report, self.current_index())
        self._update_banner()
        self._update_issues()
        self._update_header()
        if self.code_view is not None and self.code_view.isVisible():
            self.code_view.set_spec(self.spec)
        self.emit_spec()

    def _show_requested_network(self, spec, text: str) -> None:
        """A network another panel asks for (an opened model's) becomes an undoable edit."""
        if spec.layers != self.doc.spec.layers:
            self.stack.push(ReplaceNetworkCommand(self.doc, spec, text, 0, None))

    def emit_spec(self) -> None:
        """Publish the current network to the other panels."""
        snapshot = self.spec
        self.state.spec = snapshot

    def _selection_changed(self, *_args) -> None:
        if not shiboken6.isValid(self.editor):  # the window is being destroyed
            return
        index = self.current_index()
        layers = self.doc.spec.layers
        if 0 <= index < len(layers):
            self.editor.set_layer(index, layers[index], self.report.layers[index].error)
        else:
            self.editor.set_layer(-1, None)
        self.diagram.set_selected(index)
        self.up_button.setEnabled(index > 0)
        self.down_button.setEnabled(0 <= index < len(layers) - 1)
        self.dup_button.setEnabled(index >= 0)
        self.del_button.setEnabled(index >= 0)

    def _output_index(self) -> int:
        return next((i for i, layer in enumerate(self.doc.spec.layers)
                     if is_output_layer(layer)), -1)

    def _update_banner(self) -> None:
        self.banner.show_for(self.report.has_output_layer, self._output_index())

    def _update_issues(self) -> None:
        report = self.report
        if report.valid:
            self.issues.setStyleSheet(f"color: {colours.css(colours.success_text())};")
            self.issues.setText(f"The network is valid: {len(report.layers)} layers, "
                                f"{report.total_params:,} parameters. Ready to train.")
            return
        shown = [e for e in report.errors if "no output layer" not in e] or report.errors
        lines = [f"- {e}" for e in shown[:3]]
        if len(shown) > 3:
            lines.append(f"...and {len(shown) - 3} more (hover the red rows).")
        self.issues.setStyleSheet(f"color: {colours.css(colours.error_text())};")
        self.issues.setText("\n".join(lines))

    def _update_header(self, *_args) -> None:
        if not shiboken6.isValid(self.stack):  # the window is being destroyed
            return
        clean = self.stack.isClean()
        if self.doc.path:
            where = Path(self.doc.path).name
        elif clean and self.model_file:
            where = f"from the model {Path(self.model_file).name}"
        else:
            where = "not saved"
        star = "" if clean else " *"
        self.header.setText(f"<b>{self.doc.spec.name}</b> ({where}){star}")
        self.header.setToolTip(self.doc.path or (
            f"Read from the model file {self.model_file}; Save network writes it as a network "
            "file" if clean and self.model_file else
            "This network has not been saved to a file yet"))
        self.state.network_name = self.doc.spec.name
        self.state.network_file = self.doc.path or ""
        self.state.unsaved_network = not self.stack.isClean()

    # ----------------------------------------------------------------- edits
    def _forget_confirmation(self, *_args) -> None:
        self._reset_confirmed = False

    def confirm_edit(self) -> bool:
        """After training, ask once whether changing the network (and its weights) is wanted."""
        trained = bool(getattr(self.state, "trained", False)
                       or getattr(self.state, "training_done", False))
        if not trained or self._reset_confirmed:
            return True
        answer = QMessageBox.question(
            self, "Reset the trained weights?",
            "This network has been trained. Changing its layers resets the trained weights: "
            "the next training starts again from random weights.\n\nChange the network?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        self._reset_confirmed = answer == QMessageBox.StandardButton.Yes
        return self._reset_confirmed

    def _push(self, command) -> bool:
        if not self.confirm_edit():
            self._selection_changed()  # put the editor's widgets back to the real values
            return False
        self.stack.push(command)
        return True

    def add_layer(self, kind: str, index: int | None = None) -> None:
        """Add a ``kind`` layer at ``index``; by default after the selected layer or at the end.

        Without an explicit index, a new layer never goes after the output layer: it is put
        just before it.
        """
        if kind not in LAYER_TYPES:
            return
        layers = self.doc.spec.layers
        if index is None:
            selected = self.current_index()
            index = selected + 1 if selected >= 0 else len(layers)
            if index == len(layers) and layers and is_output_layer(layers[-1]):
                index -= 1
        self._push(InsertLayerCommand(self.doc, max(0, min(index, len(layers))),
                                      default_layer(kind)))

    def delete_selected(self) -> None:
        """Remove the selected layer."""
        index = self.current_index()
        if index >= 0:
            self._push(RemoveLayerCommand(self.doc, index))

    def duplicate_selected(self) -> None:
        """Insert a copy of the selected layer right after it."""
        index = self.current_index()
        if index >= 0:
            self._push(InsertLayerCommand(self.doc, index + 1, self.doc.spec.layers[index],
                                          "Duplicate"))

    def move_selected(self, delta: int) -> None:
        """Move the selected layer up (-1) or down (+1)."""
        index = self.current_index()
        if index >= 0:
            self.move_layer(index, index + delta)

    def move_layer(self, source: int, target: int) -> None:
        """Move a layer (the list's drop handler and the Up/Down buttons call this)."""
        count = len(self.doc.spec.layers)
        if 0 <= source < count and 0 <= target < count and source != target:
            self._push(MoveLayerCommand(self.doc, source, target))

    def set_param(self, name: str, value: object) -> None:
        """Change a setting of the selected layer."""
        index = self.current_index()
        if index >= 0 and self.doc.spec.layers[index].params.get(name) != value:
            self._push(SetParamCommand(self.doc, index, name, value))

    def fix_output(self) -> None:
        """The banner's button: add the output layer, or move the existing one to the end."""
        found, count = self._output_index(), len(self.doc.spec.layers)
        if found >= 0:
            self.move_layer(found, count - 1)
        else:
            spec = with_output_layer(self.doc.spec)
            self._push(ReplaceNetworkCommand(self.doc, spec, "Add output layer",
                                             len(spec.layers) - 1))

    def load_preset(self, name: str) -> None:
        """Replace the network by the preset ``name`` (undoable)."""
        try:
            spec = get_preset(name)
        except SpecError as error:
            QMessageBox.warning(self, "Unknown preset", str(error))
            return
        if self._push(ReplaceNetworkCommand(self.doc, spec, f"Load preset {name}", 0, None)):
            self.state.message.emit(f"Loaded the {name} preset: {PRESETS[name].description}")

    def load_network(self, spec: NetworkSpec, text: str = "Load network") -> bool:
        """Show another network (e.g. a loaded model's), undoably; False if the user declined."""
        return self._push(ReplaceNetworkCommand(self.doc, spec, text, 0, None))

    def _preset_chosen(self, row: int) -> None:
        self.presets.setCurrentIndex(0)
        if row > 0:
            self.load_preset(self.presets.itemText(row))

    def undo(self) -> None:
        """Undo the last edit (asks first after training)."""
        if self.stack.canUndo() and self.confirm_edit():
            self.stack.undo()

    def redo(self) -> None:
        """Redo the last undone edit."""
        if self.stack.canRedo() and self.confirm_edit():
            self.stack.redo()

    def show_code(self) -> None:
        """Open the "Python code" window for the current network."""
        if self.code_view is None:
            self.code_view = CodeView(self)
        self.code_view.set_spec(self.spec)
        self.code_view.show()
        self.code_view.raise_()

    def unsaved_work(self) -> str | None:
        """The edited network not saved to its file (the close guard asks)."""
        if self.stack.isClean():
            return None
        return (f"Save the network?\nThe network \"{self.doc.spec.name}\" has changes that are "
                "not saved.\n\nSave them before closing?")

    def save_work(self) -> bool:
        """Save the network (to its file, else asking for one); False when not saved."""
        return bool(self.save())


def install(shell: Shell) -> LayerBuilderPanel:
    """Put the builder in the builder dock; it serves the File menu's network actions."""
    panel = LayerBuilderPanel(shell.state)
    shell.put_in_dock(Dock.BUILDER, panel)
    for action, slot in ((Action.NEW_NETWORK, panel.new_network),
                         (Action.OPEN_NETWORK, panel.open_network),
                         (Action.SAVE_NETWORK, panel.save),
                         (Action.SAVE_NETWORK_AS, panel.save_as)):
        shell.serve(action, slot)
    shell.register_undo(panel, panel.undo, panel.redo, panel.stack)
    shell.add_opener(SPEC_SUFFIX, panel.open_path)
    shell.fit_dock_width(Dock.BUILDER, DOCK_WIDTH)
    return panel
