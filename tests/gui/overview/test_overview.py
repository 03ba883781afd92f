"""The network overview, clicked and pointed at through qtbot, on real forward passes: the
shipped default model and untrained presets of other shapes, all run by the numpy engine."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from support_overview import default_network, drawing, forward, gaussian_weights
from support_widgets import shown

from cnn_studio.gui.common.activation_maps import colour_table, to_levels
from cnn_studio.gui.common.heatmap import format_number
from cnn_studio.gui.overview.columns import BARS, IMAGE, MAPS, OUTPUT, STRIP
from cnn_studio.gui.overview.widget import NetworkOverview
from cnn_studio.model.spec.presets import get_preset

LABEL = "trained model: default"


@pytest.fixture(scope="module")
def default_pass():
    """The default model's spec, weights and Prediction of a drawn T."""
    spec, weights, network = default_network()
    image = drawing("T")
    return spec, weights, image, network.forward(image)


@pytest.fixture
def overview(qtbot):
    return shown(qtbot, NetworkOverview(zoom_ms=60), (1000, 560))


def show(overview, spec, weights, image, prediction, label=LABEL):
    overview.show_network(spec, image, prediction.activations, prediction.probs, label, weights)
    overview.flush()


def centre(rect) -> QPoint:
    return rect.center().toPoint()


def click(qtbot, overview, point: QPoint) -> None:
    qtbot.mouseClick(overview.canvas, Qt.MouseButton.LeftButton, pos=point)


def test_every_layer_is_a_column_from_the_drawing_to_the_letters(overview, default_pass):
    spec, weights, image, prediction = default_pass
    show(overview, spec, weights, image, prediction)
    styles = [overview.column(i).style for i in range(-1, 13)]
    assert styles == [IMAGE] + [MAPS] * 9 + [STRIP, BARS, BARS, OUTPUT]
    assert overview.column(13) is None, "the network's own softmax is the output column"
    assert overview.column(12).labels[:3] == "ABC"
    assert np.array_equal(overview.column(5).values, prediction.activations[5])
    assert LABEL in overview.title.text()
    pooled, before = overview.map_rect(2, overview.visible_maps(2)[0]), \
        overview.map_rect(1, overview.visible_maps(1)[0])
    assert pooled.width() < before.width(), "pooling is drawn as the smaller maps it makes"


def test_clicking_a_map_draws_what_feeds_it_and_its_kernel(qtbot, overview, default_pass):
    spec, weights, image, prediction = default_pass
    show(overview, spec, weights, image, prediction)
    chosen = overview.visible_maps(3)[1]
    with qtbot.waitSignal(overview.map_selected) as signal:
        click(qtbot, overview, centre(overview.map_rect(3, chosen)))
    assert signal.args == [3, chosen]
    selection = overview.selection
    assert (selection.layer, selection.map) == (3, chosen)
    assert selection.sources == tuple(range(32)), "a convolution reads every map before it"
    kernel = weights[6]  # 04_conv2d: after the first conv (2 arrays) and batchnorm (4)
    assert kernel.shape == (3, 3, 32, 64)
    assert np.array_equal(selection.kernel, kernel[:, :, :, chosen])
    assert selection.bias == pytest.approx(float(weights[7][chosen]))
    assert sorted(overview.connections) == sorted((2, m) for m in overview.visible_maps(2))
    assert selection.text == (
        f"04_conv2d, map {chosen}: a 3x3 kernel slides over all 32 maps of 03_maxpool2d; each "
        "pixel is the weighted sum of the windows under it in every map, plus the bias "
        f"{float(weights[7][chosen]):.3f}, then relu.")


def test_a_pooled_map_comes_from_one_map_which_stays_in_sight(qtbot, overview, default_pass):
    spec, weights, image, prediction = default_pass
    show(overview, spec, weights, image, prediction)
    hidden_before = [m for m in range(32) if m not in overview.visible_maps(1)]
    overview.set_show_all(2, True)
    chosen = next(m for m in hidden_before if overview.map_rect(2, m) is not None)
    click(qtbot, overview, centre(overview.map_rect(2, chosen)))
    assert overview.selection.sources == (chosen,)
    assert overview.selection.kernel is None
    assert chosen in overview.visible_maps(1), "the single source is pinned in its column"
    assert overview.connections == [(1, chosen)]
    click(qtbot, overview, QPoint(2, overview.canvas.height() - 2))
    assert overview.selection is None and overview.connections == []


def test_a_pixel_of_the_selected_map_zooms_in_and_asks_for_its_arithmetic(qtbot, overview,
                                                                        default_pass):
    spec, weights, image, prediction = default_pass
    show(overview, spec, weights, image, prediction)
    chosen = overview.visible_maps(3)[0]
    click(qtbot, overview, centre(overview.map_rect(3, chosen)))
    with qtbot.waitSignal(overview.pixel_requested, timeout=3000) as signal:
        click(qtbot, overview, centre(overview.pixel_rect(3, chosen, 5, 9)))
        assert overview.zoomed, "the zoom starts before the request"
    assert signal.args == [3, chosen, 5, 9]
    assert overview.back.isVisible()
    with qtbot.waitSignal(overview.zoomed_out, timeout=3000):
        qtbot.keyClick(overview.canvas, Qt.Key.Key_Escape)
    assert not overview.zoomed and not overview.back.isVisible()
    assert overview.selection.map == chosen, "the way back keeps the selection"
    click(qtbot, overview, centre(overview.pixel_rect(3, chosen, 0, 0)))
    qtbot.waitSignal(overview.pixel_requested, timeout=3000).wait()
    with qtbot.waitSignal(overview.zoomed_out, timeout=3000):
        qtbot.mouseClick(overview.back, Qt.MouseButton.LeftButton)
    assert not overview.zoomed


def test_the_first_click_on_a_map_selects_it_rather_than_zooming(qtbot, overview, default_pass):
    spec, weights, image, prediction = default_pass
    show(overview, spec, weights, image, prediction)
    chosen = overview.visible_maps(0)[0]
    with qtbot.assertNotEmitted(overview.pixel_requested, wait=150):
        click(qtbot, overview, centre(overview.pixel_rect(0, chosen, 3, 3)))
    assert overview.selection.map == chosen and not overview.zoomed


def test_hover_tells_the_value_under_the_pointer(qtbot, overview, default_pass):
    spec, weights, image, prediction = default_pass
    show(overview, spec, weights, image, prediction)
    chosen = overview.visible_maps(0)[2]
    qtbot.mouseMove(overview.canvas, centre(overview.pixel_rect(0, chosen, 12, 14)))
    value = format_number(prediction.activations[0][12, 14, chosen], 4)
    assert overview.hover_text == f"01_conv2d, map {chosen}, row 12, col 14: {value}"
    assert overview.status.text() == overview.hover_text
    best = int(np.argmax(prediction.probs))
    qtbot.mouseMove(overview.canvas, centre(overview.value_rect(12, best)))
    assert overview.hover_text == (f"probability of {'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[best]}: "
                                   f"{format_number(prediction.probs[best], 4)}")
    qtbot.mouseMove(overview.canvas, centre(overview.value_rect(10, 17)))
    assert overview.hover_text == (f"11_dense, unit 17: "
                                   f"{format_number(prediction.activations[10][17], 4)}")
    qtbot.mouseMove(overview.canvas, centre(overview.canvas.box(4).title))
    assert overview.hover_text == "05_batchnorm: BatchNormalization, output 14\u00d714\u00d764"
    qtbot.mouseMove(overview.canvas, centre(overview.value_rect(9, 700)))
    assert overview.hover_text == (f"10_flatten, value 700: "
                                   f"{format_number(prediction.activations[9][700], 4)}")


def test_big_layers_show_their_strongest_maps_first_and_all_on_request(qtbot, overview,
                                                                       default_pass):
    spec, weights, image, prediction = default_pass
    show(overview, spec, weights, image, prediction)
    values = prediction.activations[3]
    strongest = list(np.argsort(-np.abs(values).max(axis=(0, 1)), kind="stable"))
    shown_maps = overview.visible_maps(3)
    assert 0 < len(shown_maps) < 64
    assert shown_maps == strongest[:len(shown_maps)]
    qtbot.mouseMove(overview.canvas, centre(overview.toggle_rect(3)))
    assert overview.hover_text == (f"04_conv2d: the {len(shown_maps)} of 64 maps with the "
                                   "largest values for this drawing; click to show all")
    click(qtbot, overview, centre(overview.toggle_rect(3)))
    assert overview.shows_all(3)
    assert sorted(overview.visible_maps(3)) == list(range(64))
    assert overview.visible_maps(3) == strongest
    hint = overview.sizeHint()
    click(qtbot, overview, centre(overview.toggle_rect(3)))
    assert not overview.shows_all(3) and len(overview.visible_maps(3)) == len(shown_maps)
    assert overview.sizeHint() == hint


def _colour_at(grab, point: QPoint) -> tuple[int, int, int]:
    colour = QColor(grab.pixel(point))
    return colour.red(), colour.green(), colour.blue()


def test_all_maps_of_a_layer_share_one_colour_scale(overview, default_pass):
    spec, weights, image, prediction = default_pass
    show(overview, spec, weights, image, prediction)
    values = prediction.activations[0]  # ReLU: 0 .. the layer's largest value
    column = overview.column(0)
    assert column.value_range == (0.0, pytest.approx(float(values.max())))
    grab = overview.canvas.grab().toImage()
    table = colour_table(False)
    checked = 0
    for chosen in overview.visible_maps(0)[1:3]:  # maps weaker than the layer's strongest
        assert values[..., chosen].max() < values.max()
        row, col = np.unravel_index(np.argmax(values[..., chosen]), values.shape[:2])
        level = to_levels(np.float32([values[row, col, chosen]]), False, column.scale)[0]
        expected = QColor(table[level])
        point = centre(overview.pixel_rect(0, chosen, int(row), int(col)))
        assert _colour_at(grab, point) == (expected.red(), expected.green(), expected.blue())
        checked += 1
    assert checked == 2


def test_ten_calls_in_a_row_are_drawn_once(qtbot, overview, default_pass):
    spec, weights, image, prediction = default_pass
    show(overview, spec, weights, image, prediction)
    qtbot.wait(120)
    network = default_network()[2]
    passes = [(drawing(letter, seed), None) for seed, letter in enumerate("LTOXVZLTOX")]
    passes = [(img, network.forward(img)) for img, _ in passes]
    paints, flushes = overview.canvas.paint_count, overview.flush_count
    for img, one in passes:
        overview.show_network(spec, img, one.activations, one.probs, LABEL)
    qtbot.waitUntil(lambda: overview.flush_count > flushes, timeout=2000)
    qtbot.wait(150)
    assert overview.flush_count == flushes + 1
    assert overview.canvas.paint_count == paints + 1
    assert np.array_equal(overview.column(-1).values[..., 0], passes[-1][0])


def test_a_hidden_overview_does_no_work_until_shown(qtbot, overview, default_pass):
    spec, weights, image, prediction = default_pass
    show(overview, spec, weights, image, prediction)
    overview.hide()
    flushes, paints = overview.flush_count, overview.canvas.paint_count
    other = drawing("O")
    one = default_network()[2].forward(other)
    overview.show_network(spec, other, one.activations, one.probs, LABEL)
    qtbot.wait(150)
    assert (overview.flush_count, overview.canvas.paint_count) == (flushes, paints)
    overview.show()
    qtbot.waitUntil(lambda: overview.flush_count == flushes + 1, timeout=2000)
    assert np.array_equal(overview.column(-1).values[..., 0], other)


def test_an_unchanged_layer_keeps_its_picture(overview, default_pass):
    spec, weights, image, prediction = default_pass
    show(overview, spec, weights, image, prediction)
    before = [overview.column(i).version for i in range(-1, 13)]
    show(overview, spec, weights, image, prediction)
    assert [overview.column(i).version for i in range(-1, 13)] == before


def _stride_two():
    spec = get_preset("classic")
    spec = copy.deepcopy(spec)
    spec.layers[0].params["stride"] = 2
    spec.name = "classic, stride 2"
    return spec


@pytest.mark.parametrize("spec", [get_preset("dense"), get_preset("lenet5"), get_preset("tiny"),
                                  get_preset("deep"), _stride_two()], ids=lambda s: s.name)
def test_any_network_shape_untrained(qtbot, overview, spec):
    weights = gaussian_weights(spec, seed=3)
    image = drawing("X", seed=2)
    prediction = forward(spec, weights, image)
    label = "network being edited, untrained"
    show(overview, spec, weights, image, prediction, label)
    assert label in overview.title.text()
    assert overview.canvas.grab().width() > 0
    assert [overview.column(i).shape for i in range(len(spec.layers))] == \
        [a.shape for a in prediction.activations]
    convs = [i for i, layer in enumerate(spec.layers) if layer.kind == "conv2d"]
    for layer in convs:
        chosen = overview.visible_maps(layer)[0]
        click(qtbot, overview, centre(overview.map_rect(layer, chosen)))
        kernel = overview.selection.kernel
        p = spec.layers[layer].params
        inputs = 1 if layer == 0 else prediction.activations[layer - 1].shape[-1]
        assert kernel.shape == (p["kernel_h"], p["kernel_w"], inputs)
        assert len(overview.connections) == min(inputs, len(overview.visible_maps(layer - 1)))
    if not convs:
        assert all(overview.column(i).style != MAPS for i in range(len(spec.layers)))
        click(qtbot, overview, centre(overview.value_rect(1, 64)))
        assert overview.selection.sources == tuple(range(784))
        assert np.array_equal(overview.selection.kernel, weights[0][:, 64])


def test_a_stride_two_layer_shows_its_smaller_maps(overview):
    spec = _stride_two()
    weights = gaussian_weights(spec)
    prediction = forward(spec, weights, drawing("L"))
    show(overview, spec, weights, drawing("L"), prediction)
    assert overview.column(0).shape == (14, 14, 16)
    overview.select_map(0, 3)
    assert "a 5x5 kernel slides 2 pixels at a time over the drawing" in overview.selection.text
    assert overview.selection.text.endswith("plus the bias 0.000.")  # activation none
    drawn = overview.map_rect(0, overview.visible_maps(0)[0]).width()
    assert drawn == pytest.approx(overview.map_rect(-1, 0).width() / 2, abs=1.5), \
        "14x14 maps are drawn at half the side of the 28x28 drawing"


def test_switching_networks_rebuilds_and_drops_a_stale_selection(qtbot, overview, default_pass):
    spec, weights, image, prediction = default_pass
    show(overview, spec, weights, image, prediction)
    overview.select_map(6, 100)
    assert overview.selection is not None
    tiny = get_preset("tiny")
    tiny_weights = gaussian_weights(tiny)
    show(overview, tiny, tiny_weights, image, forward(tiny, tiny_weights, image))
    assert len(overview.canvas.columns) == 1 + len(tiny.layers)
    assert overview.selection is None


def test_names_and_kinds_alone_and_a_scores_output(qtbot, overview, default_pass):
    spec, weights, image, prediction = default_pass
    scores = [*prediction.activations[:-1], np.log(prediction.activations[-1] + 1e-9)]
    pairs = list(zip(prediction.layer_names, prediction.layer_kinds, strict=True))
    overview.show_network(pairs, image, scores, prediction.probs, "a model file")
    overview.flush()
    assert overview.column(13).style == OUTPUT, "a softmax column follows a scores output"
    assert overview.column(12).style == BARS
    chosen = overview.visible_maps(0)[0]
    click(qtbot, overview, centre(overview.map_rect(0, chosen)))
    assert overview.selection.kernel is None and overview.selection.sources == (0,)


def test_weights_of_another_network_are_reported_not_raised(overview, default_pass):
    spec, weights, image, prediction = default_pass
    show(overview, spec, weights[:-3], image, prediction)
    assert "cannot be shown" in overview.problem
    assert overview.status.text() == overview.problem
    overview.select_map(0, 0)
    assert overview.selection.kernel is None
    overview.set_weights(weights)
    assert overview.problem is None and overview.selection.kernel is not None


def test_data_of_another_network_is_refused_at_once(overview, default_pass):
    spec, weights, image, prediction = default_pass
    with pytest.raises(ValueError, match="12 activations for a network of 13 layers"):
        overview.show_network(spec, image, prediction.activations[:-1], prediction.probs, LABEL)
    batched = [a[None] for a in prediction.activations]
    with pytest.raises(ValueError, match="layer 1's output has shape .1, 28, 28, 32."):
        overview.show_network(spec, image, batched, prediction.probs, LABEL)
    with pytest.raises(ValueError, match="the drawing has shape"):
        overview.show_network(spec, image.reshape(-1), prediction.activations,
                              prediction.probs, LABEL)


def test_the_size_hint_never_changes_with_the_data(overview, default_pass):
    spec, weights, image, prediction = default_pass
    before = (overview.sizeHint(), overview.minimumSizeHint())
    show(overview, spec, weights, image, prediction)
    overview.set_show_all(6, True)
    assert (overview.sizeHint(), overview.minimumSizeHint()) == before


def test_back_during_the_zoom_turns_it_round_without_a_request(qtbot, default_pass):
    spec, weights, image, prediction = default_pass
    overview = shown(qtbot, NetworkOverview(zoom_ms=3000), (1000, 560))  # slow: time to turn
    show(overview, spec, weights, image, prediction)
    chosen = overview.visible_maps(3)[0]
    overview.select_map(3, chosen)
    with qtbot.assertNotEmitted(overview.pixel_requested, wait=300):
        with qtbot.waitSignal(overview.zoomed_out, timeout=5000):
            click(qtbot, overview, centre(overview.pixel_rect(3, chosen, 2, 2)))
            qtbot.wait(100)
            assert overview.zoomed
            qtbot.mouseClick(overview.back, Qt.MouseButton.LeftButton)
    assert not overview.zoomed


def test_a_training_snapshot_updates_the_selected_kernel(overview, default_pass):
    spec, weights, image, prediction = default_pass
    show(overview, spec, weights, image, prediction)
    chosen = overview.visible_maps(3)[0]
    overview.select_map(3, chosen)
    nudged = [w * 1.5 if w.ndim == 4 else w for w in weights]
    show(overview, spec, nudged, image, forward(spec, nudged, image))
    assert overview.selection.map == chosen
    assert np.array_equal(overview.selection.kernel, nudged[6][:, :, :, chosen])
    overview.set_weights(weights)
    assert np.array_equal(overview.selection.kernel, weights[6][:, :, :, chosen])


def test_showing_all_maps_never_pushes_a_neighbour(qtbot, default_pass):
    from PySide6.QtWidgets import QHBoxLayout, QWidget

    spec, weights, image, prediction = default_pass
    window = QWidget()
    row = QHBoxLayout(window)
    neighbour = QWidget()
    neighbour.setMinimumSize(280, 280)
    overview = NetworkOverview()
    row.addWidget(neighbour)
    row.addWidget(overview, 1)
    shown(qtbot, window, (1366, 700))
    before = neighbour.geometry()
    show(overview, spec, weights, image, prediction)
    overview.set_show_all(6, True)
    overview.set_show_all(3, True)
    qtbot.wait(50)
    assert neighbour.geometry() == before
    assert overview.canvas.width() >= overview.scroll.viewport().width()


def _spec(*layers):
    from cnn_studio.model.spec.network import LayerSpec, NetworkSpec

    return NetworkSpec([LayerSpec(kind, dict(params)) for kind, params in layers], "odd")


ODD_SHAPES = {
    "non-square kernel, global average": _spec(
        ("conv2d", {"filters": 3, "kernel_h": 3, "kernel_w": 7, "padding": "valid"}),
        ("sumpool2d", {"pool_size": 3, "stride": 1}), ("globalavgpool2d", {}),
        ("dense", {"units": 26, "activation": "softmax"})),
    "one filter, wide dense": _spec(
        ("conv2d", {"filters": 1, "kernel_h": 1, "kernel_w": 1, "activation": "tanh"}),
        ("avgpool2d", {"pool_size": 4, "padding": "same"}), ("flatten", {}),
        ("dense", {"units": 600, "activation": "sigmoid"}), ("activation", {"activation": "relu"}),
        ("dense", {"units": 26, "activation": "softmax"})),
}


@pytest.mark.parametrize("name", list(ODD_SHAPES))
def test_odd_shapes_are_drawn_pointed_at_and_selected(qtbot, overview, name):
    spec = ODD_SHAPES[name]
    weights = gaussian_weights(spec, seed=1, sigma=0.3)
    image = drawing("Z")
    prediction = forward(spec, weights, image)
    show(overview, spec, weights, image, prediction)
    overview.canvas.repaint()
    for layer, values in enumerate(prediction.activations):
        column = overview.column(layer)
        if column.style == MAPS:
            h, w = values.shape[:2]
            chosen = overview.visible_maps(layer)[0]
            qtbot.mouseMove(overview.canvas, centre(overview.pixel_rect(layer, chosen, h - 1,
                                                                        w - 1)))
            assert overview.hover_text.endswith(format_number(values[h - 1, w - 1, chosen], 4))
            overview.select_map(layer, chosen)
            assert overview.selection is not None
        else:
            qtbot.mouseMove(overview.canvas, centre(overview.value_rect(layer,
                                                                        values.size - 1)))
            assert overview.hover_text.endswith(format_number(values[-1], 4))
    overview.canvas.repaint()
    if name.startswith("non"):
        assert overview.column(2).style == BARS, "one value per channel: bars"
    else:
        assert overview.column(3).style == STRIP, "600 units are too many for bars"


@pytest.mark.parametrize("size", [(1000, 560), (1500, 860)], ids=["1366x768", "1920x1080"])
def test_the_whole_default_network_fits_without_scrolling(qtbot, default_pass, size):
    """At the overview's share of a 1366x768 and a 1920x1080 window every column, the 26
    letters and the kernel band are in view: nothing to scroll to."""
    spec, weights, image, prediction = default_pass
    overview = shown(qtbot, NetworkOverview(), size)
    show(overview, spec, weights, image, prediction)
    view = overview.scroll.viewport().size()
    assert overview.canvas.size() == view
    output = overview.canvas.box(12)
    assert output.body.right() <= view.width() and overview.canvas.plan.detail.bottom() <= \
        view.height()
    assert all(overview.value_rect(12, letter).height() >= 10 for letter in range(26)), \
        "every letter has a readable row"


def test_a_unit_shows_the_weights_from_every_value_before_it(qtbot, overview, default_pass):
    spec, weights, image, prediction = default_pass
    show(overview, spec, weights, image, prediction)
    best = int(np.argmax(prediction.probs))
    click(qtbot, overview, centre(overview.value_rect(12, best)))
    selection = overview.selection
    assert (selection.layer, selection.map) == (12, best)
    assert selection.sources == tuple(range(128))
    assert np.array_equal(selection.kernel, weights[-2][:, best])
    assert selection.text == (
        f"13_dense, unit {best}: the weighted sum of all 128 values of 12_dropout, plus the "
        f"bias {float(weights[-1][best]):.3f}; softmax then turns all the scores into "
        "probabilities.")
    assert overview.canvas.grab().width() > 0
    click(qtbot, overview, centre(overview.value_rect(11, 5)))
    assert overview.selection.sources == (5,) and overview.selection.kernel is None
    assert overview.selection.text == ("12_dropout, value 5: value 5 of 11_dense unchanged "
                                       "(dropout is off when predicting).")
    click(qtbot, overview, centre(overview.value_rect(9, 5)))
    assert overview.selection is None, "a flatten value is a copy: nothing to select"
