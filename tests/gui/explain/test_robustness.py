"""Explain mode: moving the drawing with sliders, and the heat map of where the network looked."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from support_explain import prepared, small_cnn, wait_idle

from cnn_studio.gui.explain.robustness import TopBars, top_lines


def test_shift_slider_updates_the_prediction(explain, qtbot):
    from cnn_studio.model.ink.transforms import transform_image

    model = small_cnn()
    tab, image = prepared(explain, qtbot, model, "robustness_tab")
    np.testing.assert_allclose(tab.moved_view.values, image, atol=1e-6)
    before = tab.moved.probabilities
    slider = tab.sliders["dx"]
    for _ in range(6):
        qtbot.keyClick(slider, Qt.Key.Key_Right)
    tab.sliders["angle"].setValue(20)
    wait_idle(explain, qtbot)
    assert tab.slider_labels["dx"].text() == "6 px"
    moved = transform_image(image, dx=6, angle=20)
    np.testing.assert_allclose(tab.moved_view.values, moved, atol=1e-6)
    probabilities = np.asarray(model(moved[None, :, :, None]))[0]
    np.testing.assert_allclose(tab.moved.probabilities, probabilities, atol=1e-5)
    assert not np.allclose(before, probabilities)
    letter, p = top_lines(probabilities)[0]
    assert f"{letter} {p * 100:.1f}%" in tab.moved_top.text()
    first_conv = np.asarray(model.layers[0](moved[None, :, :, None]))[0]
    np.testing.assert_allclose(tab.map_views[2].values, first_conv[..., 2], atol=1e-5)
    assert tab.map_views[3].isVisible() and not tab.map_views[4].isVisible()  # 4 filters
    # The layer's name in the maps' title wraps: the tab fits the narrowest dock (about 410 px).
    assert tab.stack.widget(1).widget().minimumSizeHint().width() <= 400

    qtbot.mouseClick(tab.reset_button, Qt.MouseButton.LeftButton)
    wait_idle(explain, qtbot)
    assert tab.values() == {"dx": 0.0, "dy": 0.0, "angle": 0.0, "scale": 1.0}
    np.testing.assert_allclose(tab.moved.probabilities, before, atol=1e-6)


def test_heat_map_for_the_predicted_and_a_chosen_letter(explain, qtbot):
    from cnn_studio.model import explain as ex

    model = small_cnn()
    tab, image = prepared(explain, qtbot, model, "saliency_tab")
    expected = ex.grad_cam(model, image)
    assert tab.heat.class_index == expected.class_index
    assert tab.heat.layer_name == "01_conv2d"
    np.testing.assert_allclose(tab.heat.values, expected.values, atol=1e-5)
    assert tab.heat_view.shape == (28, 28)
    tab.target_combo.setCurrentIndex(tab.target_combo.findText("K"))
    tab.method_combo.setCurrentIndex(tab.method_combo.findData("saliency"))
    wait_idle(explain, qtbot)
    saliency = ex.saliency_map(model, image, "K")
    assert tab.heat.method == "saliency" and tab.heat.class_index == 10
    np.testing.assert_allclose(tab.heat.values, saliency.values, atol=1e-5)
    assert "for the letter K" in tab.caption.text()


def _bar_lengths(bars: TopBars) -> list[int]:
    """The painted length of each row's bar, counted in bar-coloured pixels of a grab."""
    image = bars.grab().toImage()
    lengths = []
    for rect in bars.bar_rects():
        y = int(rect.center().y())
        lengths.append(sum(image.pixelColor(x, y) == TopBars.BAR_COLOR
                           for x in range(image.width())))
    return lengths


def test_probability_bars_are_as_long_as_their_values(qtbot):
    bars = TopBars()
    qtbot.addWidget(bars)
    bars.resize(300, bars.height())
    probabilities = np.zeros(26)
    probabilities[[3, 7, 11]] = [0.6, 0.3, 0.1]
    bars.set_probabilities("Moved drawing", probabilities)
    bars.show()
    lengths = _bar_lengths(bars)
    assert [line[0] for line in top_lines(probabilities)] == ["D", "H", "L"]
    full = bars.width() - 94
    for length, p in zip(lengths, [0.6, 0.3, 0.1], strict=True):
        assert abs(length - p * full) <= 2, (lengths, full)


def test_shift_rotate_tab_title_shows_an_ampersand(explain_before_tf):
    tabs = explain_before_tf.tabs
    index = tabs.indexOf(explain_before_tf.robustness_tab)
    assert tabs.tabText(index) == "Shift && rotate"  # shown as "Shift & rotate", no mnemonic
