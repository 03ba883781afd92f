"""Explain mode: the math behind every number, for the user's own network and drawing.

One panel with a page per concept (convolution as a dot product, output sizes, activations,
pooling, dense neurons, softmax and loss, a backpropagation step, hand-made kernels, shifting
the drawing, and a heat map of where the network looked). All numbers are computed by
``model.explain`` in a worker thread; a tab computes only while it is visible.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QVBoxLayout, QWidget

from cnn_studio.gui.common.shell import Dock, NoUnsavedWork, Shell
from cnn_studio.gui.common.state import AppState
from cnn_studio.gui.explain.activation import ActivationTab
from cnn_studio.gui.explain.backprop import BackpropTab
from cnn_studio.gui.explain.base import ExplainTab
from cnn_studio.gui.explain.concept_tabs import ConceptTabs
from cnn_studio.gui.explain.conv import ConvTab
from cnn_studio.gui.explain.dense import DenseTab
from cnn_studio.gui.explain.kernels import KernelsTab
from cnn_studio.gui.explain.numpy_forward import NumpyForwardTab
from cnn_studio.gui.explain.pooling import PoolingTab
from cnn_studio.gui.explain.robustness import RobustnessTab
from cnn_studio.gui.explain.saliency import SaliencyTab
from cnn_studio.gui.explain.sizes import SizesTab
from cnn_studio.gui.explain.softmax import SoftmaxTab
from cnn_studio.gui.explain.worker import ExplainContext
from cnn_studio.model.lessons.step import ViewSettings

#: the spin box choosing a tab's feature map, filter or unit, by the names the tabs use.
MAP_SPINS = ("filter_spin", "unit_spin", "channel_spin")
#: attribute name -> tab class, in the order the tabs appear.
TABS = {
    "conv_tab": ConvTab,
    "sizes_tab": SizesTab,
    "activation_tab": ActivationTab,
    "pooling_tab": PoolingTab,
    "dense_tab": DenseTab,
    "softmax_tab": SoftmaxTab,
    "numpy_tab": NumpyForwardTab,
    "backprop_tab": BackpropTab,
    "kernels_tab": KernelsTab,
    "robustness_tab": RobustnessTab,
    "saliency_tab": SaliencyTab,
}


class ExplainPanel(NoUnsavedWork, QWidget):
    """The explain dock's content: one sub-tab per concept, sharing one compute worker."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("explain_panel")
        self.state = state
        self.ctx = ExplainContext(state, self)
        self.tabs = ConceptTabs()  # every concept's name visible: no scroll arrows, no cut names
        self.tabs.setObjectName("explain_tabs")
        for attribute, cls in TABS.items():
            tab = cls(self.ctx)
            tab.setObjectName(attribute)
            setattr(self, attribute, tab)
            self.tabs.addTab(tab, cls.title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(660, 820)

    def all_tabs(self) -> list[ExplainTab]:
        """Every concept tab, in order."""
        return [getattr(self, attribute) for attribute in TABS]

    def show_concept(self, attribute: str) -> ExplainTab:
        """Bring the tab ``attribute`` (e.g. 'softmax_tab') to the front and return it."""
        tab = getattr(self, attribute)
        self.tabs.setCurrentWidget(tab)
        return tab

    def set_up(self, tab: str, settings: ViewSettings) -> ExplainTab:
        """Bring the tab ``tab`` (a short name: ``conv``, ``sizes``... as the Learn steps
        name them) to the front, set up as ``settings`` says (layer, map, pixel, letter,
        hand-made kernel, learning rate; None leaves a setting as it is)."""
        shown = self.show_concept(f"{tab}_tab")
        if settings.letter is not None:
            self.ctx.set_true_letter(int(settings.letter))
        combo = getattr(shown, "layer_combo", None)
        if settings.layer is not None and combo is not None:
            position = combo.findData(int(settings.layer))
            if position >= 0:
                combo.setCurrentIndex(position)
        if settings.map is not None:
            for name in MAP_SPINS:
                spin = getattr(shown, name, None)
                if spin is not None:
                    spin.setValue(int(settings.map))
                    break
        if settings.learning_rate is not None and shown is self.backprop_tab:
            self.backprop_tab.lr_spin.setValue(float(settings.learning_rate))
        if settings.kernel_preset is not None and shown is self.kernels_tab:
            self.kernels_tab.use_preset(settings.kernel_preset)
        if settings.pixel is not None and shown in (self.conv_tab, self.pooling_tab):
            shown.select_cell(*settings.pixel)
        return shown

    def show_convolution_at(self, layer: int, map_index: int, row: int, col: int) -> bool:
        """Open the Convolution tab on pixel (row, col) of map ``map_index`` of conv layer
        ``layer`` (an index into the model's layers), with a Back to the network button.

        Returns:
            False when ``layer`` is not a conv layer of the model explained (the tab is
            brought to the front all the same).
        """
        self.show_concept("conv_tab")
        return self.conv_tab.show_pixel(layer, map_index, row, col)

    def shutdown(self) -> None:
        """Stop timers and the worker thread."""
        self.conv_tab.timer.stop()
        self.ctx.shutdown()

    def follow_tab_in_state(self) -> None:
        """Publish the tab in front as ``state.explain_tab`` and bring the one it names to the
        front (the last launch's, at start)."""
        state = self.state
        self._show_tab(state.explain_tab)
        state.explain_tab_changed.connect(self._show_tab)
        pages = self.tabs.pages
        pages.currentChanged.connect(
            lambda index: setattr(state, "explain_tab", pages.widget(index).objectName()))

    def _show_tab(self, name: str) -> None:
        page = self.findChild(QWidget, name) if name in TABS else None
        if page is not None:
            self.tabs.setCurrentWidget(page)

    def catch_up(self) -> None:
        """The dock came to the front: recompute the tabs whose inputs changed meanwhile (a
        dock behind another's tab computes nothing)."""
        for tab in self.all_tabs():
            tab.refresh_if_dirty()


def install(shell: Shell) -> ExplainPanel:
    """Put the explain panel into the window's explain dock."""
    panel = ExplainPanel(shell.state)
    shell.put_in_dock(Dock.EXPLAIN, panel)
    shell.on_dock_shown(Dock.EXPLAIN, panel.catch_up)  # its tab chosen: no show event comes
    shell.add_shutdown_hook(panel.shutdown)

    def show_pixel(layer: int, map_index: int, row: int, col: int) -> None:
        shell.show_dock(Dock.EXPLAIN)
        panel.show_convolution_at(layer, map_index, row, col)

    shell.state.convolution_requested.connect(show_pixel)  # the network overview asks
    panel.conv_tab.back_button.clicked.connect(shell.state.overview_requested)
    panel.follow_tab_in_state()
    return panel
