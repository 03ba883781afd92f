"""The Network dock in the real window: a drawing on the canvas flows into the overview, a
pixel click opens Explain's Convolution tab on that pixel and Back returns, a dock behind
another tab does no work, a training run's snapshots update it, and the first start fits a
1366x768 screen.

``state.shown`` is set by the tests where the draw side will set it (another part of issue 24
decides which network is shown); the overview only reads it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from support_journeys import TF_TIMEOUT, click, draw_t, open_window

from cnn_studio.gui.overview.panel import NO_DRAWING, NO_NETWORK
from cnn_studio.model.nets.shown import ShownNetwork

DEFAULT = ShownNetwork.trained_model("default")


def on_screen(widget) -> bool:
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def centre(rect) -> QPoint:
    return rect.center().toPoint()


def click_canvas(qtbot, overview, point: QPoint) -> None:
    qtbot.mouseClick(overview.canvas, Qt.MouseButton.LeftButton, pos=point)


def drawn(qtbot, window) -> None:
    """Draw a T and wait until the overview shows the canvas's answer to it."""
    panel = window.panels["overview"]
    given = panel.frames_given
    draw_t(window)
    qtbot.waitUntil(lambda: panel.frames_given > given and not panel.pending, timeout=10_000)
    panel.overview.flush()


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    window = open_window(qtbot, tmp_path / "home", monkeypatch)
    window.state.shown = DEFAULT
    window.show_tab("network")
    qtbot.wait(150)  # the first start's dock sizes come after the first paint
    yield window
    window.close()


def test_a_drawing_flows_into_the_overview_without_moving_the_canvas(qtbot, window):
    panel, state = window.panels["overview"], window.state
    canvas = window.panels["draw"].canvas
    assert on_screen(panel.overview) is False and panel.notice.text() == NO_DRAWING
    drawn(qtbot, window)
    place = (canvas.mapTo(window, QPoint(0, 0)), canvas.size())
    qtbot.mouseClick(window.panels["draw"].clear_button, Qt.MouseButton.LeftButton)
    drawn(qtbot, window)  # the overview updates: its first picture came before
    overview = panel.overview
    assert on_screen(overview)
    assert overview.title.text() == f"<b>{DEFAULT.label}</b>"
    assert np.array_equal(overview.column(-1).values[..., 0], state.image)
    prediction = state.prediction
    for layer, values in enumerate(prediction.activations):
        assert np.array_equal(overview.column(layer).values, values), layer
    assert np.allclose(overview.canvas.columns[-1].values, prediction.probs)
    assert (canvas.mapTo(window, QPoint(0, 0)), canvas.size()) == place, \
        "the overview never pushes the canvas around"
    qtbot.mouseClick(window.panels["draw"].clear_button, Qt.MouseButton.LeftButton)
    assert panel.notice.text() == NO_DRAWING and on_screen(panel.notice)


def test_no_network_may_be_shown_says_so_and_comes_back(qtbot, window):
    panel = window.panels["overview"]
    drawn(qtbot, window)
    window.state.shown = None
    assert on_screen(panel.notice) and panel.notice.text() == NO_NETWORK
    window.state.shown = ShownNetwork.edited_untrained("default", 3)
    qtbot.waitUntil(lambda: on_screen(panel.overview), timeout=3000)
    panel.overview.flush()
    assert "untrained (Gaussian init, seed 3)" in panel.overview.title.text()


def test_behind_another_tab_nothing_is_drawn_until_the_tab_is_chosen(qtbot, window):
    panel = window.panels["overview"]
    window.show_tab("train")
    qtbot.wait(20)
    assert not on_screen(panel)
    draw_t(window)
    qtbot.waitUntil(lambda: window.state.prediction is not None, timeout=10_000)
    qtbot.wait(150)
    assert (panel.frames_given, panel.overview.flush_count) == (0, 0)
    assert panel.pending is not None, "the latest drawing waits for the tab"
    window.show_tab("network")
    qtbot.waitUntil(lambda: panel.overview.flush_count == 1, timeout=3000)
    assert np.array_equal(panel.overview.column(-1).values[..., 0], window.state.image)


def test_a_pixel_opens_the_convolution_tab_on_it_and_back_returns(qtbot, tmp_path,
                                                                 monkeypatch):
    window = open_window(qtbot, tmp_path / "home", monkeypatch, tensorflow=True)
    window.state.shown = DEFAULT
    window.show_tab("network")
    drawn(qtbot, window)
    overview = window.panels["overview"].overview
    assert overview.problem is None and overview.column(0).info.kind == "conv2d"
    chosen = overview.visible_maps(0)[1]
    click_canvas(qtbot, overview, centre(overview.map_rect(0, chosen)))
    assert overview.selection.map == chosen and overview.selection.kernel is not None
    with qtbot.waitSignal(window.state.convolution_requested, timeout=3000):
        click_canvas(qtbot, overview, centre(overview.pixel_rect(0, chosen, 11, 16)))
    conv = window.panels["explain"].conv_tab
    qtbot.waitUntil(lambda: on_screen(conv) and conv.view is not None
                    and (conv.view.dot.row, conv.view.dot.col) == (11, 16), timeout=30_000)
    assert (conv.layer_combo.currentData(), conv.filter_spin.value()) == (0, chosen)
    assert conv.cell == (11, 16) and on_screen(conv.back_button)
    expected = window.state.prediction.activations[0][11, 16, chosen]
    assert conv.view.feature_map[11, 16] == pytest.approx(expected, abs=1e-4)
    with qtbot.waitSignal(overview.zoomed_out, timeout=3000):
        click(qtbot, conv.back_button)
    assert on_screen(overview) and not overview.zoomed
    assert not conv.back_button.isVisible()
    window.close()


def test_a_training_run_updates_the_overview_from_its_snapshots(qtbot, tmp_path, monkeypatch,
                                                               easy):
    window = open_window(qtbot, tmp_path / "home", monkeypatch, tensorflow=True)
    window.state.shown = DEFAULT
    window.panels["builder"].load_preset("tiny")
    dashboard = window.panels["training"]
    dashboard.controls.samples.setValue(2600)
    dashboard.controls.batch_size.setValue(8)
    dashboard.controls.epochs.setValue(2)
    window.show_tab("network")
    drawn(qtbot, window)
    snapshots = []
    window.state.training_snapshot.connect(snapshots.append)
    qtbot.mouseClick(dashboard.train_button, Qt.MouseButton.LeftButton)
    panel = window.panels["overview"]
    qtbot.waitUntil(lambda: len(snapshots) >= 2, timeout=TF_TIMEOUT)
    assert on_screen(panel.overview), "the dashboard's tab is behind; the run goes on"

    def shows_last_snapshot() -> bool:
        panel.overview.flush()
        last = snapshots[-1]
        return len(panel.layers) == len(last) and all(
            np.array_equal(panel.overview.column(layer).values, values)
            for layer, values in enumerate(last))

    qtbot.waitUntil(shows_last_snapshot, timeout=30_000)
    assert [kind for _, kind in panel.layers] == [layer.kind for layer in
                                                  window.state.model_spec.layers]
    window.close()


FIRST_START = textwrap.dedent("""
    import json, time
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QApplication
    from cnn_studio.gui.app.main_window import MainWindow

    def settle(seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    def seen(widget):
        top = widget.mapToGlobal(QPoint(0, 0))
        return {"rect": [top.x(), top.y(), widget.width(), widget.height()],
                "shown": widget.isVisible() and not widget.visibleRegion().isEmpty()}

    app = QApplication([])
    window = MainWindow(load_tensorflow=False, learn_at_first_start=True)
    window.show()
    settle(1.0)  # the first paint, then the first-start dock sizes
    window.show_tab("train")
    settle(0.2)
    frame, screen = window.frameGeometry(), window.screen().availableGeometry()
    print(json.dumps({"frame": [frame.x(), frame.y(), frame.width(), frame.height()],
                      "screen": [screen.x(), screen.y(), screen.width(), screen.height()],
                      "stop": seen(window.panels["training"].stop_button),
                      "status": seen(window.statusBar()),
                      "learn": seen(window.learn_dock),
                      "canvas_column": window.centralWidget().width()}))
    window.close()
""")


def test_the_first_start_fits_a_1366x768_screen(tmp_path):
    from cnn_studio.gui.app.launch import offscreen_platform

    platform = offscreen_platform((1266, 668))  # the virtual screen is 100 px larger
    env = {**os.environ, "QT_QPA_PLATFORM": platform,
           "CNN_STUDIO_HOME": str(tmp_path / "home")}
    result = subprocess.run([sys.executable, "-c", FIRST_START], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["screen"][2:] == [1366, 768]
    x, y, w, h = found["frame"]
    sx, sy, sw, sh = found["screen"]
    assert sx <= x and sy <= y and x + w <= sx + sw and y + h <= sy + sh, found
    assert w >= 0.85 * sw and h >= 0.85 * sh, "the screen's room is used"
    # Learn opens beside the canvas as a reading column; the canvas column keeps its room
    assert found["learn"]["shown"] and 0.2 * sw <= found["learn"]["rect"][2] <= 0.3 * sw
    assert found["canvas_column"] >= 0.25 * sw, found
    for name in ("stop", "status"):
        left, top, width, height = found[name]["rect"]
        assert found[name]["shown"], name
        assert x <= left and y <= top and left + width <= x + w and top + height <= y + h, name
