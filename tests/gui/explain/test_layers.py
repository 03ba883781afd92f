"""Explain mode: activation functions, pooling windows, a dense neuron, softmax and loss."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from support_explain import prepared, small_cnn, wait_idle

from cnn_studio.gui.common.heatmap import format_number
from cnn_studio.gui.draw.prediction_view import PredictionView

TOL = {"rtol": 1e-5, "atol": 1e-6}


def test_activation_before_and_after(explain, qtbot):
    from cnn_studio.model import explain as ex

    model = small_cnn()
    tab, image = prepared(explain, qtbot, model, "activation_tab")
    assert tab.layer_combo.currentData() == 0 and tab.function_combo.currentText() == "relu"
    tab.channel_spin.setValue(1)
    wait_idle(explain, qtbot)
    before = ex.pre_activation(model, image, 0)[..., 1]
    np.testing.assert_allclose(tab.before_view.values, before, **TOL)
    np.testing.assert_allclose(tab.after_view.values, np.maximum(before, 0), **TOL)
    assert f"ReLU set the {int((before < 0).sum())} negative values to 0" in tab.summary.text()
    tab.function_combo.setCurrentText("sigmoid")
    wait_idle(explain, qtbot)
    np.testing.assert_allclose(tab.after_view.values, 1 / (1 + np.exp(-before)), rtol=1e-5,
                               atol=1e-6)
    x, y = tab.curve.line.get_data()
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-np.asarray(x))), rtol=1e-5, atol=1e-6)


def test_pooled_cell_and_the_three_kinds_of_pooling(explain, qtbot):
    from cnn_studio.model import explain as ex

    model = small_cnn()
    tab, image = prepared(explain, qtbot, model, "pooling_tab")
    view = tab.output_view
    assert view.shape == (6, 6)
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.cell_center(2, 3))
    wait_idle(explain, qtbot)
    expected = ex.pool_cell(model, image, 2, 2, 3, 0)
    np.testing.assert_allclose(tab.window_grid.exact_values(), expected.values, **TOL)
    assert "max(" in tab.cell_text.text()
    assert format_number(expected.result, 5) in tab.cell_text.text()
    assert expected.result == expected.model_value
    layer_output = ex.layer_activations(model, image).outputs[2][..., 0]
    np.testing.assert_allclose(view.values, layer_output, **TOL)
    comparison = ex.layer_pool_comparison(model, image, 2, 0)
    for mode in ("max", "avg", "sum"):
        np.testing.assert_allclose(tab.mode_views[mode].values, comparison.pooled[mode], **TOL)
    np.testing.assert_allclose(comparison.pooled["sum"], 4 * comparison.pooled["avg"], **TOL)
    assert tab.input_view.marked == expected.source


def test_dense_neuron_weighted_sum(explain, qtbot):
    from cnn_studio.model import explain as ex

    model = small_cnn()
    tab, image = prepared(explain, qtbot, model, "dense_tab")
    tab.unit_spin.setValue(4)
    wait_idle(explain, qtbot)
    assert tab.unit_name.text() == "= letter E"
    expected = ex.dense_neuron(model, image, 4, 4, top_k=12)
    text = tab.formula.text()
    for number in (expected.total, expected.bias, expected.pre_activation, expected.value):
        assert format_number(number, 5) in text
    assert tab.table.rowCount() == 12
    for row in (0, 11):
        assert tab.table.item(row, 0).text() == str(expected.top[row].index)
        assert tab.table.item(row, 4).text() == format_number(expected.top[row].product, 4)
    np.testing.assert_allclose(tab.where_view.values,
                               expected.products.reshape(6, 6, 3).sum(axis=-1), **TOL)


def test_softmax_table_and_loss_for_the_chosen_letter(explain, qtbot):
    from cnn_studio.model import explain as ex

    model = small_cnn()
    tab, image = prepared(explain, qtbot, model, "softmax_tab")
    predicted = ex.softmax_loss(model, image)
    assert tab.true_combo.currentData() == predicted.predicted  # until the user picks one
    tab.true_combo.setCurrentIndex(tab.true_combo.findText("C"))
    wait_idle(explain, qtbot)
    expected = ex.softmax_loss(model, image, "C")
    probabilities = [float(tab.table.item(row, 4).text()) for row in range(26)]
    np.testing.assert_allclose(probabilities, expected.probabilities, atol=6e-6)
    np.testing.assert_allclose(expected.probabilities, np.asarray(model(image[None, ..., None]))[0],
                               atol=1e-6)
    for row in (0, 2, 25):
        assert tab.table.item(row, 1).text() == format_number(expected.logits[row], 4)
        assert tab.table.item(row, 3).text() == format_number(expected.exp[row], 5, small=True)
    loss_text = tab.loss_label.text()
    assert "-log p(C)" in loss_text and format_number(expected.loss, 5) in loss_text
    assert np.isclose(expected.loss, -np.log(expected.probabilities[2]), rtol=1e-5)
    view = PredictionView()  # the canvas's words for the same answer: one rule (issue 26)
    qtbot.addWidget(view)
    view.set_probs(expected.probabilities)
    assert f"\u201c{view.verdict_label.text()}\u201d</span>" in loss_text
    # The backprop tab shares the true letter.
    assert explain.backprop_tab.true_combo.currentText() == "C"
