"""The activation view as a standalone widget fed with Prediction-like objects."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from support_widgets import shown

from cnn_studio.gui.common.activation_maps import (
    FeatureMapGrid,
    PixelImage,
    VectorBars,
    array_to_qimage,
    colour_table,
    to_levels,
)
from cnn_studio.gui.common.activation_view import ActivationView


def fake_prediction(seed: int = 0, logits: bool = False):
    rng = np.random.default_rng(seed)
    conv = rng.normal(size=(28, 28, 6)).astype(np.float32)
    relu = np.maximum(conv, 0)
    pool = relu.reshape(14, 2, 14, 2, 6).max(axis=(1, 3))
    flat = pool.reshape(-1)
    dense = rng.normal(size=32).astype(np.float32)
    out = rng.normal(size=26).astype(np.float32)
    probs = np.exp(out) / np.exp(out).sum()
    last = out if logits else probs
    return SimpleNamespace(
        activations=[conv, relu, pool, flat, dense, last],
        layer_names=["01_conv2d", "02_activation", "03_maxpool2d", "04_flatten", "05_dense",
                     "06_dense"],
        layer_kinds=["conv2d", "activation", "maxpool2d", "flatten", "dense", "dense"],
        probs=probs)


@pytest.fixture
def view(qtbot):
    return shown(qtbot, ActivationView(), (700, 900))


def test_each_layer_gets_a_row_of_the_right_kind(view):
    view.set_prediction(fake_prediction())
    bodies = [type(row.body) for row in view.rows]
    assert bodies == [FeatureMapGrid] * 3 + [VectorBars] * 3
    assert view.rows[0].body.count == 6
    assert view.rows[3].body.as_strip, "1176 values are drawn as a heat strip"
    assert not view.rows[4].body.as_strip
    assert view.rows[-1].output and list(view.rows[-1].body.labels)[:3] == ["A", "B", "C"]
    assert "6 feature maps of 28x28" in view.rows[0].title.text()
    assert not view.message.isVisible()


def test_logits_models_get_an_extra_softmax_row(view):
    view.set_prediction(fake_prediction(logits=True))
    assert len(view.rows) == 7
    np.testing.assert_allclose(view.rows[-1].body.values, view._values[-1])
    assert view.rows[-1].body.values.sum() == pytest.approx(1.0, abs=1e-5)


def test_updates_reuse_rows_and_repaint(view, qtbot):
    view.set_prediction(fake_prediction(0))
    rows = list(view.rows)
    view.set_prediction(fake_prediction(1))
    assert view.rows == rows, "same layers: rows are updated in place"
    qtbot.waitUntil(view.painted)
    assert rows[0].body.painted_serial == view.serial


def test_a_different_network_rebuilds(view):
    view.set_prediction(fake_prediction())
    rows = list(view.rows)
    view.clear()
    assert view.rows == [] and not any(row.isVisible() for row in rows)
    view.set_prediction(fake_prediction(2))
    assert view.rows == rows, "after a clear, the same network reuses its rows"
    assert all(row.isVisible() for row in rows)
    view.set_activations([np.ones(10, np.float32)], ["01_dense"], ["dense"])
    assert len(view.rows) == 1
    view.clear("nothing here")
    assert view.rows == [] and view.message.text() == "nothing here"


def test_clicking_a_map_enlarges_it_and_follows_updates(view, qtbot):
    prediction = fake_prediction()
    view.set_prediction(prediction)
    grid = view.rows[2].body
    qtbot.waitUntil(lambda: grid.width() > 100)
    centre = grid.map_rect(4).center().toPoint()
    QTest.mouseClick(grid, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
    assert view.detail_box.isVisible()
    np.testing.assert_array_equal(view.detail.array, prediction.activations[2][..., 4])
    assert "feature map 4" in view.detail_label.text()
    second = fake_prediction(5)
    view.set_prediction(second)
    np.testing.assert_array_equal(view.detail.array, second.activations[2][..., 4])
    view.close_detail()
    assert not view.detail_box.isVisible()


def test_zoom_slider_resizes_maps(view):
    view.set_prediction(fake_prediction())
    grid = view.rows[0].body
    small = grid.heightForWidth(600)
    view.zoom.setValue(view.zoom.maximum())
    assert grid.cell == view.zoom.maximum()
    assert grid.heightForWidth(600) > small


def test_colour_levels_keep_zero_in_place():
    values = np.array([[-2.0, 0.0, 2.0]], np.float32)
    np.testing.assert_array_equal(to_levels(values, True, 2.0), [[0, 128, 255]])
    np.testing.assert_array_equal(to_levels(np.array([[0.0, 1.0]]), False, 1.0), [[0, 255]])
    signed = colour_table(True)
    image = array_to_qimage(to_levels(values, True, 2.0), signed)
    assert image.width() == 3 and image.pixel(1, 0) == signed[128]
    white = image.pixelColor(1, 0)
    assert min(white.red(), white.green(), white.blue()) > 230, "zero is white"
    assert image.pixelColor(0, 0).blue() > image.pixelColor(0, 0).red(), "negative is blue"
    assert len(colour_table(False)) == 256


def test_pixel_image_draws_its_array(qtbot):
    widget = PixelImage()
    qtbot.addWidget(widget)
    widget.resize(140, 140)
    array = np.zeros((28, 28), np.float32)
    array[10, 3] = 1.0
    widget.set_array(array, False, 1.0)
    picture = widget.grab().toImage()
    rect = widget.image_rect()
    cell = rect.width() / 28
    x, y = int(rect.left() + 3.5 * cell), int(rect.top() + 10.5 * cell)
    assert picture.pixelColor(x, y).lightness() > 200
    assert picture.pixelColor(int(rect.left() + 20.5 * cell), y).lightness() < 60
    line = picture.pixelColor(int(rect.left() + 20 * cell), int(rect.top() + 5.5 * cell))
    assert 20 < line.lightness() < 120, "a grid line between two black pixels"
    assert picture.pixelColor(x, y + int(cell)).lightness() < 60, "pixels below stay black"
    widget.resize(200, 200)
    wider = widget.grab().toImage()
    rect = widget.image_rect()
    cell = rect.width() / 28
    line = wider.pixelColor(int(rect.left() + 20 * cell), int(rect.top() + 5.5 * cell))
    assert 20 < line.lightness() < 120, "the grid follows the new size"


def test_maps_of_rows_out_of_sight_are_made_only_when_they_paint(view, qtbot):
    view.resize(700, 300)
    view.zoom.setValue(160)
    view.set_prediction(fake_prediction())
    qtbot.waitUntil(view.painted)
    view.set_prediction(fake_prediction(1))  # the next drawing, rows laid out this time
    qtbot.waitUntil(view.painted)
    first, hidden = view.rows[0].body, view.rows[2].body
    assert first._strip is not None, "a visible row painted its maps"
    assert hidden.visibleRegion().isEmpty() and hidden._strip is None
    view.scroll.ensureWidgetVisible(view.rows[2])
    qtbot.waitUntil(lambda: hidden.painted_serial == view.serial)
    assert hidden._strip is not None and hidden._strip.width() == 14 * 6


def test_a_hidden_view_paints_nothing_until_shown(qtbot):
    view = shown(qtbot, ActivationView(), (700, 900))
    view.hide()
    view.set_prediction(fake_prediction())
    qtbot.wait(50)
    assert view.painted(), "nothing on screen waits for a paint"
    assert all(row.body.painted_serial == -1 for row in view.rows)
    view.show()
    qtbot.waitUntil(lambda: view.rows[0].body.painted_serial == view.serial)


def test_feature_maps_are_painted_in_the_colours_of_their_table(qtbot):
    grid = shown(qtbot, FeatureMapGrid(), (400, 200))
    values = np.zeros((4, 4, 3), np.float32)
    values[..., 1] = 1.0
    values[0, 0, 2] = -1.0
    grid.set_values(values)
    picture = grid.grab().toImage()
    table = colour_table(True)  # a negative value: the signed table, 0 in its middle
    for index, level in ((0, 128), (1, 255)):
        centre = grid.map_rect(index).center().toPoint()
        assert picture.pixel(centre) == table[level]
    assert picture.pixel(grid.map_rect(2).topLeft().toPoint()) == table[0]


def test_vector_bars_colour_the_winner_and_negative_values(qtbot):
    bars = shown(qtbot, VectorBars(), (260, 120))
    bars.set_values(np.array([0.2, -0.5, 0.9, 0.1], np.float32), labels="ABCD")
    picture = bars.grab().toImage()
    slot = bars.width() / 4
    zero = (bars.height() - bars.fontMetrics().height()) * 0.9 / 1.4

    def colour(index: int, dy: float) -> tuple[int, int, int]:
        pixel = picture.pixelColor(int((index + 0.5) * slot), int(zero + dy))
        return pixel.red(), pixel.green(), pixel.blue()

    assert colour(2, -10) == (230, 120, 40), "the winner of a labelled vector is orange"
    assert colour(0, -3) == (96, 122, 170) and colour(1, 10) == (190, 80, 80)
