"""Explain mode, convolution: the dot product behind a clicked pixel, the animation, sizes, hints."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from support_explain import draw_letter, open_tab, prepared, small_cnn, use_model, wait_idle

from cnn_studio.gui.common.heatmap import format_number

TOL = {"rtol": 1e-5, "atol": 1e-6}


def click_cell(qtbot, view, row: int, col: int) -> None:
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.cell_center(row, col))


def test_clicked_pixel_shows_the_real_dot_product(explain, qtbot):
    from cnn_studio.model import explain as ex

    model = small_cnn()
    tab, image = prepared(explain, qtbot, model, "conv_tab")
    # By default the strongest activation of filter 0 is explained.
    feature = ex.layer_activations(model, image).outputs[0][..., 0]
    strongest = np.unravel_index(np.argmax(feature), feature.shape)
    assert (tab.view.dot.row, tab.view.dot.col) == tuple(int(v) for v in strongest)
    np.testing.assert_allclose(tab.feature_view.values, feature, **TOL)

    tab.filter_spin.setValue(2)
    wait_idle(explain, qtbot)
    click_cell(qtbot, tab.feature_view, 0, 27)  # a corner: the window hangs over the padding
    wait_idle(explain, qtbot)
    expected = ex.conv_dot_product(model, image, 0, 0, 27, 2)
    assert (tab.view.dot.row, tab.view.dot.col, tab.view.dot.filter_index) == (0, 27, 2)
    np.testing.assert_allclose(tab.patch_grid.exact_values(), expected.patch[..., 0], **TOL)
    np.testing.assert_allclose(tab.kernel_grid.exact_values(), expected.kernel[..., 0], **TOL)
    np.testing.assert_allclose(tab.product_grid.exact_values(), expected.products[..., 0], **TOL)
    assert tab.patch_grid.item(0, 0).text() == format_number(expected.patch[0, 0, 0])
    assert tab.patch_grid.item(0, 0).font().italic()  # padding zeros are marked
    text = tab.formula.text()
    for number in (expected.total, expected.bias, expected.pre_activation, expected.value):
        assert format_number(number, 5) in text
    assert "relu(" in text
    # The value shown is the layer's real output at that pixel.
    layer_output = np.asarray(model.layers[0](image[None, :, :, None]))[0, 0, 27, 2]
    assert expected.value == pytest.approx(float(layer_output), abs=1e-5)
    assert format_number(layer_output, 5) in text
    box = expected.input_box
    assert tab.input_view.boxes[0][0] == (box.top, box.left, box.bottom, box.right)


def test_second_layer_sums_over_channels_and_lights_the_receptive_field(explain, qtbot):
    from cnn_studio.model import explain as ex

    model = small_cnn()
    tab, image = prepared(explain, qtbot, model, "conv_tab")
    tab.layer_combo.setCurrentIndex(tab.layer_combo.findData(1))
    wait_idle(explain, qtbot)
    assert tab.channel_spin.maximum() == 3 and tab.filter_spin.maximum() == 2
    tab.channel_spin.setValue(3)
    click_cell(qtbot, tab.feature_view, 4, 6)
    wait_idle(explain, qtbot)
    expected = ex.conv_dot_product(model, image, 1, 4, 6, 0)
    np.testing.assert_allclose(tab.patch_grid.exact_values(), expected.patch[..., 3], **TOL)
    np.testing.assert_allclose(tab.product_grid.exact_values(), expected.products[..., 3],
                               **TOL)
    text = tab.formula.text()
    assert "over all 4 channels" in text and format_number(expected.total, 5) in text
    assert f"tanh({format_number(expected.pre_activation, 5)})" in text
    assert tab.drawing_view.isVisible()
    field = expected.image_box
    assert tab.drawing_view.boxes[0][0] == (field.top, field.left, field.bottom, field.right)


def test_step_slides_the_kernel_and_fills_the_map(explain, qtbot):
    model = small_cnn()
    tab, _ = prepared(explain, qtbot, model, "conv_tab")
    tab.layer_combo.setCurrentIndex(tab.layer_combo.findData(1))  # stride 2, 13x13 output
    wait_idle(explain, qtbot)
    for _ in range(3):
        qtbot.mouseClick(tab.step_button, Qt.MouseButton.LeftButton)
        wait_idle(explain, qtbot)
    assert (tab.view.dot.row, tab.view.dot.col) == (0, 2)
    assert tab.input_view.boxes[0][0] == (0, 4, 3, 7)  # stride 2: third window starts at col 4
    assert tab.feature_view.hidden.sum() == 13 * 13 - 3  # three cells filled so far
    tab.speed_slider.setValue(30)
    qtbot.mouseClick(tab.play_button, Qt.MouseButton.LeftButton)
    assert tab.timer.isActive()
    qtbot.waitUntil(lambda: tab.anim_step >= 6, timeout=10_000)
    qtbot.mouseClick(tab.reset_button, Qt.MouseButton.LeftButton)
    wait_idle(explain, qtbot)
    assert not tab.timer.isActive() and tab.feature_view.hidden is None


def test_sizes_tab_fills_in_the_formulas(explain, qtbot):
    from cnn_studio.model import explain as ex

    model = small_cnn()
    tab, _ = prepared(explain, qtbot, model, "sizes_tab")
    assert tab.table.rowCount() == 3
    second = ex.output_size(model, 1)
    assert tab.table.item(1, 2).text() == "13x13x3"
    assert tab.table.item(1, 3).text() == f"{second.params:,}" == "111"
    assert tab.table.item(1, 4).text() == f"{second.dense_params:,}"
    assert "out = floor((28 + 2*0 - 3) / 2) + 1" in tab.working.text()
    assert "parameters = (3*3*4 + 1) * 3 filters = 111" in tab.working.text()


def test_hints_when_something_is_missing(explain_before_tf, app_state, qtbot):
    from cnn_studio.gui.app.tf_loader import describe_tensorflow
    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.spec.presets import get_preset

    panel = explain_before_tf
    assert "TensorFlow is loading" in panel.conv_tab.hint.text()
    app_state.tf_info = describe_tensorflow()
    wait_idle(panel, qtbot)
    assert "No network yet" in panel.conv_tab.hint.text()
    use_model(panel, small_cnn())
    assert "Draw a letter" in panel.conv_tab.hint.text()
    assert panel.sizes_tab.needs_drawing is False
    draw_letter(panel, qtbot)
    assert panel.conv_tab.showing_content
    use_model(panel, build_model(get_preset("dense"), seed=0))
    tab = open_tab(panel, qtbot, "conv_tab")
    assert not tab.showing_content and "no convolution" in tab.hint.text()
    app_state.drawing_changed.emit(None)  # what the draw panel publishes for a cleared canvas
    assert "Draw a letter" in open_tab(panel, qtbot, "softmax_tab").hint.text()


@pytest.mark.parametrize("width", [440, 900])
def test_the_speed_label_stays_beside_its_slider_in_any_dock_width(explain, qtbot, width):
    tab, _ = prepared(explain, qtbot, small_cnn(), "conv_tab")
    explain.resize(width, 700)
    qtbot.waitUntil(lambda: tab.speed_slider.isVisible(), timeout=5000)
    [label] = [child for child in tab.speed_slider.parentWidget().children()
               if getattr(child, "text", None) and child.text() == "Speed"]
    centre = tab.speed_slider.mapTo(tab, tab.speed_slider.rect().center())
    label_centre = label.mapTo(tab, label.rect().center())
    assert abs(centre.y() - label_centre.y()) < label.height()
    assert label_centre.x() < centre.x()
