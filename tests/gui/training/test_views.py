"""The dashboard's views without training: live curves, kernel images, confusion matrix."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from cnn_studio.gui.common.kernel_view import KernelView, diverging_rgb, kernel_mosaic
from cnn_studio.gui.common.plots import LOSS_TOP, GrowingSeries, LiveCurves
from cnn_studio.gui.training.confusion_view import ConfusionPanel, per_class_accuracy
from cnn_studio.model.training.evaluation import confusion_matrix


def test_growing_series_keeps_every_point_past_its_capacity():
    series = GrowingSeries(capacity=2)
    for i in range(5):
        series.append(i, 10 * i)
    assert series.x.tolist() == [0, 1, 2, 3, 4] and series.y.tolist() == [0, 10, 20, 30, 40]
    series.clear()
    assert series.size == 0 and series.x.size == 0


def test_live_curves_paint_only_new_segments_while_live(qtbot, tmp_path):
    curves = LiveCurves()
    qtbot.addWidget(curves)
    curves.resize(600, 300)
    curves.show()
    qtbot.waitExposed(curves)
    curves.reset(2)
    curves.set_live(True)
    curves.draw_now()
    full = curves.full_draws
    for step in range(1, 11):
        curves.add_train(step / 10, 3.0 - step / 10, step / 20)
        assert curves.refresh()
    curves.add_val(1.0, 2.5, 0.4)
    curves.add_train(1.1, LOSS_TOP + 2.0, 0.5)  # above the axis: clipped while live
    curves.refresh()
    assert curves.full_draws == full and curves.partial_draws >= 11
    assert not curves.refresh()  # nothing new, nothing painted
    assert curves.point_count("loss_raw") == 11 and curves.point_count("val_loss") == 1
    smooth = curves.curves["loss_smooth"].series.y
    assert smooth[0] == pytest.approx(2.9) and smooth[-1] < LOSS_TOP + 2.0  # smoothed
    curves.set_live(False)
    curves.refresh()
    assert curves.full_draws == full + 1  # the run ended: rescaled once
    assert curves.loss_axes.get_ylim()[1] > LOSS_TOP + 2.0
    curves.add_train(1.2, float("nan"), 0.5)  # a NaN loss is not plotted
    assert curves.point_count("loss_raw") == 11
    path = tmp_path / "curves.png"
    curves.save_png(str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_kernel_mosaic_layouts_and_colours(qtbot):
    kernel = np.zeros((3, 3, 1, 5), np.float32)
    kernel[0, 0, 0, 0], kernel[2, 2, 0, 4] = 1.0, -1.0
    first = kernel_mosaic(kernel, first=True)
    assert first.shape == (2 * 4 - 1, 4 * 4 - 1, 3)  # 4 columns, 2 rows of 3x3 tiles, 1 px gaps
    assert tuple(first[0, 0]) == tuple(diverging_rgb(np.array(1.0), 1.0))  # red-ish
    assert first[0, 0, 0] > first[0, 0, 2]
    assert tuple(first[1, 1]) == (255, 255, 255)  # zero weight is white
    deep = kernel_mosaic(np.ones((3, 3, 4, 6), np.float32), first=False)
    assert deep.shape == (6 * 4 - 1, 4 * 4 - 1, 3)  # rows: filters, columns: input channels
    view = KernelView()
    qtbot.addWidget(view)
    view.set_kernels([kernel, np.ones((3, 3, 5, 2), np.float32)], ["01_conv2d", "03_conv2d"])
    assert view.layer_combo.count() == 2 and view.layer_combo.itemText(0) == "01_conv2d"
    tip = view.layer_combo.itemData(0, Qt.ItemDataRole.ToolTipRole)
    assert tip == "01_conv2d: 5 x 3x3x1" and view.info.text().startswith("5 x 3x3x1, one tile")
    view.layer_combo.setCurrentIndex(1)
    assert "rows: filters" in view.info.text()
    view.set_kernels([kernel, np.ones((3, 3, 5, 2), np.float32)])  # names kept
    assert view.layer_combo.currentIndex() == 1 and view.layer_combo.count() == 2


def test_confusion_panel_click_shows_that_cells_samples(qtbot):
    y_true = np.array([0, 0, 0, 1, 1, 2])
    y_pred = np.array([0, 0, 1, 1, 1, 0])
    matrix = confusion_matrix(y_true, y_pred)
    assert matrix[0, 0] == 2 and matrix[0, 1] == 1 and matrix[2, 0] == 1 and matrix.sum() == 6
    accuracy = per_class_accuracy(matrix)
    assert accuracy[:3].tolist() == pytest.approx([2 / 3, 1.0, 0.0])
    assert np.isnan(accuracy[3])
    panel = ConfusionPanel()
    qtbot.addWidget(panel)
    panel.resize(400, 600)
    panel.show()
    images = np.zeros((6, 28, 28, 1), np.float32)
    panel.set_results(y_true, y_pred, images)
    assert "4 of 6 correct" in panel.summary.text()
    grid = panel.grid
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(0, 1).center())
    assert panel.thumbnails.count() == 1 and "predicted B (mistaken)" in panel.cell_label.text()
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(0, 0).center())
    assert panel.thumbnails.count() == 2 and grid.selected == (0, 0)
    panel.clear("nothing")
    assert grid.matrix is None and panel.thumbnails.count() == 0


def test_live_views_turn_running_means_into_per_window_points(qtbot):
    from cnn_studio.gui.training.live_views import LiveViews, StatusBar, format_eta

    assert format_eta(65) == "1:05" and format_eta(3723) == "1:02:03" and format_eta(-3) == "0:00"
    progress = StatusBar()
    progress.resize(600, 24)
    views = LiveViews(progress)
    qtbot.addWidget(views)
    qtbot.addWidget(progress)
    views.epochs, views.batch_size = 2, 10
    views.add_batch(1, 10, 20, 3.0, 0.1, 100.0)   # mean of batches 1-10
    views.add_batch(1, 20, 20, 2.0, 0.3, 100.0)   # mean of batches 1-20: 11-20 averaged 1.0
    views.add_batch(2, 10, 20, 0.5, 0.6, 100.0)   # a new epoch starts a new mean
    raw = views.curves.curves["loss_raw"].series
    assert raw.x.tolist() == pytest.approx([0.5, 1.0, 1.5])
    assert raw.y.tolist() == pytest.approx([3.0, 1.0, 0.5])
    assert views.curves.curves["accuracy_raw"].series.y.tolist() == pytest.approx([0.1, 0.5, 0.6])
    views.refresh()
    assert progress.value() == 30 and progress.maximum() == 40
    assert progress.full_text == "Epoch 2/2 · step 10/20 · 100 samples/s · ETA 0:01"
    views.add_batch(2, 10, 20, 0.5, 0.6, 100.0)  # the same position again (a pause point)
    assert raw.size == 3  # no extra point


def test_status_bar_text_stays_on_one_line_inside_the_bar(qtbot):
    from cnn_studio.gui.training.live_views import StatusBar

    bar = StatusBar()
    qtbot.addWidget(bar)
    bar.resize(160, 24)
    bar.show()
    qtbot.waitExposed(bar)
    long = "Epoch 25/40 · step 282/282 · 12,345 samples/s · ETA 1:02:03\nsecond line 100%"
    bar.set_text(long)
    assert "\n" not in bar.format() and bar.format().endswith("…")
    assert bar.fontMetrics().horizontalAdvance(bar.format()) <= bar.contentsRect().width()
    assert bar.toolTip() == bar.full_text == " ".join(long.split())
    bar.resize(1200, 24)  # wider: the whole text fits again
    qtbot.waitUntil(lambda: bar.format() == bar.full_text.replace("%", "%%"))


def test_the_forms_mixing_weights_are_the_models_defaults(qtbot):
    from cnn_studio.gui.training.controls import TrainingControls
    from cnn_studio.model.data.datasets import DEFAULT_WEIGHTS

    controls = TrainingControls()
    qtbot.addWidget(controls)
    assert controls.own_weight.value() == pytest.approx(DEFAULT_WEIGHTS["own"])
    assert controls.synthetic_weight.value() == pytest.approx(DEFAULT_WEIGHTS["synthetic"])
    assert controls.emnist_weight.value() == pytest.approx(DEFAULT_WEIGHTS["emnist"])
    controls.refresh_sources(12, None)
    controls.show()
    qtbot.waitExposed(controls)
    qtbot.mouseClick(controls.use_own, Qt.MouseButton.LeftButton)
    assert controls.data_choice().own_weight == pytest.approx(DEFAULT_WEIGHTS["own"])


def fully_shown(widget) -> bool:
    """Whether ``widget`` is on screen whole, tall enough for its (wrapped) text and, unwrapped,
    as wide as it asks to be."""
    hint = widget.sizeHint()
    wraps = getattr(widget, "wordWrap", lambda: False)()
    height = widget.heightForWidth(widget.width()) if wraps else hint.height()
    seen = widget.visibleRegion().boundingRect()
    return (widget.height() >= height and (wraps or widget.width() >= hint.width())
            and seen.size() == widget.size())


def combo_text_fits(combo) -> bool:
    """Whether the combo's current text fits its text field."""
    from PySide6.QtWidgets import QStyle, QStyleOptionComboBox

    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    field = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                         QStyle.SubControl.SC_ComboBoxEditField, combo)
    return combo.fontMetrics().horizontalAdvance(combo.currentText()) <= field.width()


def test_the_live_tab_shows_its_texts_whole_in_a_1366x768_dock(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QApplication, QLabel, QScrollArea

    from cnn_studio.gui.common.state import AppState
    from cnn_studio.gui.training.panel import TrainingDashboard
    from cnn_studio.model.spec.presets import get_preset

    monkeypatch.setenv("CNN_STUDIO_HOME", str(tmp_path))
    dashboard = TrainingDashboard(AppState())
    dock = QScrollArea()  # the dock at 1366x768: 440 x 685 for the panel
    dock.setWidgetResizable(True)
    dock.setWidget(dashboard)
    qtbot.addWidget(dock)
    dock.resize(442, 687)
    dock.show()
    dashboard.tabs.setCurrentWidget(dashboard.live)
    live = dashboard.live
    live.start_run(get_preset("classic"), 3, 64)
    rng = np.random.default_rng(0)
    live.kernels.set_kernels([rng.normal(size=(5, 5, 1, 16)), rng.normal(size=(5, 5, 16, 32))],
                             ["01_conv2d", "04_conv2d"])
    qtbot.waitExposed(dock)
    for _ in range(3):  # the new texts' layout requests
        QApplication.processEvents()
    caption = live.kernels.info
    assert "one tile per filter" in caption.text()
    assert fully_shown(caption)  # was cut off below the dock's edge
    assert combo_text_fits(live.kernels.layer_combo)  # was "01_conv2d  (" at 1366x768
    probe_label = next(label for label in live.findChildren(QLabel)
                       if label.text() == "Activations of")
    assert fully_shown(probe_label) and combo_text_fits(live.probe_choice)  # were squeezed
    dashboard.shutdown()
