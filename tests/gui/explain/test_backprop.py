"""Explain mode: one backpropagation step (before/after, apply) and hand-made kernels."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from support_explain import prepared, small_cnn, tiny_preset, wait_idle

from cnn_studio.gui.common.heatmap import format_number


def test_backprop_step_before_after_and_apply(explain, qtbot):
    from cnn_studio.model import explain as ex

    model = small_cnn()
    tab, image = prepared(explain, qtbot, model, "backprop_tab")
    tab.true_combo.setCurrentIndex(tab.true_combo.findText("B"))
    tab.layer_combo.setCurrentIndex(tab.layer_combo.findData(1))
    tab.unit_spin.setValue(2)
    tab.lr_spin.setValue(0.5)
    tab.scope_combo.setCurrentIndex(tab.scope_combo.findData("layer"))
    wait_idle(explain, qtbot)
    kernel_before = np.array(model.layers[1].kernel.numpy())
    expected = ex.backprop_step(model, image, "B", 1, 2, 0.5, "layer")
    step = tab.step_result
    assert (step.true_class, step.layer_index, step.unit, step.scope) == (1, 1, 2, "layer")
    assert step.loss_before == pytest.approx(expected.loss_before, abs=1e-5)
    assert step.loss_after == pytest.approx(expected.loss_after, abs=1e-5)
    assert step.loss_after < step.loss_before
    np.testing.assert_allclose(tab.gradient_view.values, expected.gradient[..., 0], atol=1e-6)
    np.testing.assert_allclose(tab.updated_view.values,
                               expected.kernel[..., 0] - 0.5 * expected.gradient[..., 0],
                               atol=1e-6)
    tab.channel_spin.setValue(3)  # another input channel: shown at once, nothing recomputed
    np.testing.assert_allclose(tab.gradient_view.values, expected.gradient[..., 3], atol=1e-6)
    text = tab.result_label.text()
    assert format_number(expected.loss_before, 5) in text
    assert format_number(expected.loss_after, 5) in text
    # Computing the step did not touch the real network.
    np.testing.assert_array_equal(model.layers[1].kernel.numpy(), kernel_before)

    with qtbot.waitSignal(explain.state.weights_updated, timeout=20_000) as signal:
        qtbot.mouseClick(tab.apply_button, Qt.MouseButton.LeftButton)
    new_kernel = np.array(model.layers[1].kernel.numpy())
    np.testing.assert_allclose(new_kernel[..., 2], kernel_before[..., 2] - 0.5 * step.gradient,
                               atol=1e-6)
    np.testing.assert_allclose(signal.args[0][2], new_kernel)  # weights sent to the others
    wait_idle(explain, qtbot)
    # The tab recomputed on the changed network: its loss now is the "after" of the step.
    assert tab.step_result.loss_before == pytest.approx(step.loss_after, abs=1e-4)


def test_kernel_presets_change_the_feature_map(explain, qtbot):
    from cnn_studio.model import explain as ex
    from cnn_studio.model.explain.kernels import kernel_preset, set_first_layer_kernel

    model = tiny_preset()
    tab, image = prepared(explain, qtbot, model, "kernels_tab")
    tab.filter_spin.setValue(3)
    wait_idle(explain, qtbot)
    original = np.array(model.layers[0].kernel.numpy())
    np.testing.assert_allclose(tab.grid.exact_values(), original[..., 0, 3], atol=1e-7)

    tab.preset_combo.setCurrentIndex(tab.preset_combo.findData("sobel_x"))
    wait_idle(explain, qtbot)
    sobel_x = set_first_layer_kernel(ex.copy_model(model), 3, kernel_preset("sobel_x"), image)
    np.testing.assert_allclose(tab.grid.exact_values(), kernel_preset("sobel_x"))
    np.testing.assert_allclose(tab.map_view.values, sobel_x.feature_map, atol=1e-5)
    np.testing.assert_allclose(tab.pre_view.values, sobel_x.pre_activation, atol=1e-5)

    tab.preset_combo.setCurrentIndex(tab.preset_combo.findData("sobel_y"))
    wait_idle(explain, qtbot)
    sobel_y = set_first_layer_kernel(ex.copy_model(model), 3, kernel_preset("sobel_y"), image)
    np.testing.assert_allclose(tab.map_view.values, sobel_y.feature_map, atol=1e-5)
    assert not np.allclose(sobel_x.feature_map, sobel_y.feature_map)

    # Typing a number into the grid edits the kernel.
    tab.grid.item(1, 1).setText("2.5")
    wait_idle(explain, qtbot)
    typed = kernel_preset("sobel_y")
    typed[1, 1] = 2.5
    np.testing.assert_allclose(tab.edit_result.kernel[..., 0], typed)
    assert tab.preset_combo.currentData() == "custom"
    tab.grid.item(0, 0).setText("abc")
    assert "number in every cell" in tab.status.text()
    tab.grid.item(0, 0).setText(str(typed[0, 0]))
    wait_idle(explain, qtbot)

    # Until applied, the real network keeps its kernel; then it gets the typed one.
    np.testing.assert_array_equal(model.layers[0].kernel.numpy(), original)
    with qtbot.waitSignal(explain.state.weights_updated, timeout=20_000):
        qtbot.mouseClick(tab.apply_button, Qt.MouseButton.LeftButton)
    np.testing.assert_allclose(model.layers[0].kernel.numpy()[..., 0, 3], typed)
    np.testing.assert_array_equal(model.layers[0].kernel.numpy()[..., 0, 2], original[..., 0, 2])


def test_backprop_opens_on_a_letter_the_network_does_not_pick(explain, qtbot):
    """Issue 24: on the shipped model, sure of its answer, the step used to open on the
    predicted letter and show gradients of 0.00; it opens on the second guess instead."""
    from cnn_studio.model import explain as ex
    from cnn_studio.model.nets.inference import load_default_model

    model = load_default_model()
    tab, image = prepared(explain, qtbot, model, "backprop_tab")
    probabilities = ex.softmax_loss(model, image).probabilities
    predicted, second = np.argsort(probabilities)[::-1][:2]
    step = tab.step_result
    assert step.true_class == second != predicted
    assert tab.true_combo.currentData() == second
    largest = float(np.abs(step.gradient).max())
    assert format_number(largest, 5) in tab.result_label.text()
    assert largest > 1e-3 and step.loss_after < step.loss_before
