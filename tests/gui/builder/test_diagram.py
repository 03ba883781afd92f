"""The network diagram: one block per layer, sized by the feature maps, readable for deep nets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from support_widgets import shown

from cnn_studio.gui.builder.diagram import SCALES, NetworkDiagram, box_size
from cnn_studio.model.spec.analysis import analyze
from cnn_studio.model.spec.network import LayerSpec, NetworkSpec, default_layer
from cnn_studio.model.spec.presets import get_preset


@pytest.fixture
def diagram(qtbot):
    return shown(qtbot, NetworkDiagram(), (620, 280), exposed=False)


def show(diagram, spec: NetworkSpec, selected: int = -1) -> NetworkSpec:
    diagram.set_network(spec, analyze(spec), selected)
    image = diagram.grab().toImage()          # paints (and lays out) the blocks
    assert not image.isNull()
    return spec


def block(diagram, index: int):
    return next(b for b in diagram.blocks if b.index == index)


def test_one_block_per_layer_sized_by_the_feature_maps(diagram):
    spec = show(diagram, get_preset("classic"))
    assert [b.index for b in diagram.blocks] == list(range(-1, len(spec.layers)))
    conv1, pool1, conv2, pool2, dense = (block(diagram, i) for i in (0, 2, 3, 5, 7))
    assert conv1.shape == (28, 28, 16) and pool2.shape == (7, 7, 32)
    height = lambda b: box_size(b, 1.0)[1]  # noqa: E731
    depth = lambda b: box_size(b, 1.0)[0]  # noqa: E731
    assert height(conv1) > height(pool1) > height(pool2)        # pooling shrinks the boxes
    assert depth(conv2) > depth(pool1)                          # more filters: a thicker box
    assert depth(dense) <= 10 * 1.0 < depth(conv1)              # dense layers are flat bars
    assert depth(block(diagram, 1)) < depth(conv1)               # ReLU: a thin slab
    assert [b.name for b in diagram.blocks[:3]] == ["Input", "Conv 5x5", "ReLU"]
    assert diagram.blocks[-1].name == "Output 26"


@pytest.mark.parametrize("size", [(620, 280), (560, 220), (900, 200)])
def test_deep_preset_stays_readable(diagram, size):
    diagram.resize(*size)
    spec = show(diagram, get_preset("deep"))
    assert len(diagram.slots) == len(spec.layers) + 1
    area = diagram.rect()
    metrics = QFontMetrics(diagram.label_font)
    for n, (slot, b) in enumerate(diagram.slots):
        assert area.contains(slot.toAlignedRect()), f"block {b.name} is cut off"
        assert metrics.horizontalAdvance(b.name) <= slot.width() + 1
        for other, _ in diagram.slots[n + 1:]:
            assert not slot.intersects(other), "blocks overlap"
    assert diagram.scale >= min(SCALES)         # boxes scale down; the labels never do


def test_wide_widget_keeps_the_network_on_one_row(diagram):
    diagram.resize(1400, 300)
    show(diagram, get_preset("classic"))
    assert len({round(slot.top()) for slot, _ in diagram.slots}) == 1


def test_invalid_layers_are_marked_and_later_shapes_unknown(diagram):
    spec = NetworkSpec([default_layer("conv2d"), default_layer("dense"), default_layer("flatten"),
                        LayerSpec("dense", {"units": 26, "activation": "softmax"})])
    show(diagram, spec)
    assert block(diagram, 1).error and "Flatten" in block(diagram, 1).tooltip
    assert block(diagram, 2).shape is None and not block(diagram, 0).error


def test_clicking_a_block_selects_its_layer(diagram, qtbot):
    show(diagram, get_preset("tiny"), selected=0)
    slot, target = next((s, b) for s, b in diagram.slots if b.index == 2)
    with qtbot.waitSignal(diagram.layer_clicked) as blocker:
        qtbot.mouseClick(diagram, Qt.MouseButton.LeftButton, pos=slot.center().toPoint())
    assert blocker.args == [2]
    input_slot = diagram.slots[0][0]
    with qtbot.assertNotEmitted(diagram.layer_clicked):
        qtbot.mouseClick(diagram, Qt.MouseButton.LeftButton, pos=input_slot.center().toPoint())
    assert "parameters" in target.tooltip


def test_builder_diagram_follows_edits_and_selection(qtbot, app_state):
    from cnn_studio.gui.builder.panel import LayerBuilderPanel

    builder = shown(qtbot, LayerBuilderPanel(app_state), (600, 900), exposed=False)
    diagram = builder.diagram
    count = len(diagram.blocks)
    qtbot.mouseClick(builder.palette_buttons["batchnorm"], Qt.MouseButton.LeftButton)
    assert len(diagram.blocks) == count + 1
    assert diagram.selected == builder.current_index() >= 0
    diagram.grab()
    slot = next(s for s, b in diagram.slots if b.index == 0)
    qtbot.mouseClick(diagram, Qt.MouseButton.LeftButton, pos=slot.center().toPoint())
    assert builder.current_index() == 0 and diagram.selected == 0
    assert builder.editor.title.text().startswith("Layer 1")
