"""What the dashboard's progress line and message say before training runs: an invalid network
is never "Ready to train", and each data source names itself while it is prepared."""

from __future__ import annotations

from PySide6.QtCore import Qt

from cnn_studio.model.spec.network import NetworkSpec, default_layer
from cnn_studio.model.spec.presets import get_preset


def test_train_with_an_invalid_network_does_not_say_ready(qtbot, dashboard):
    dense = default_layer("dense")
    dense.params.update(units=26, activation="softmax")
    dashboard.state.spec = NetworkSpec([default_layer("flatten"), default_layer("conv2d"),
                                        dense], "broken")
    assert dashboard.progress.full_text == "Ready to train"
    qtbot.mouseClick(dashboard.train_button, Qt.MouseButton.LeftButton)
    assert not dashboard.running
    assert dashboard.message.text().startswith("The network cannot be trained yet")
    assert dashboard.progress.full_text == "Cannot train yet: fix the network (see below)"
    dashboard.state.spec = get_preset("tiny")  # fixed in the builder
    assert dashboard.progress.full_text == "Ready to train"


def test_synthetic_letters_name_themselves_while_prepared(qtbot, dashboard, monkeypatch):
    shown = []
    original = dashboard.progress.set_text
    monkeypatch.setattr(dashboard.progress, "set_text",
                        lambda text: (shown.append(text), original(text)))
    dashboard.state.spec = get_preset("tiny")
    controls = dashboard.controls
    controls.samples.setValue(260)
    controls.epochs.setValue(1)
    qtbot.mouseClick(dashboard.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dashboard.last_report is not None, timeout=120_000)
    preparing = [text for text in shown if text.startswith("Preparing ")]
    assert "Preparing synthetic letters..." in preparing
    assert all(text.startswith(("Preparing synthetic letters", "Preparing..."))
               for text in preparing), preparing
    assert not any("training letters" in text for text in shown)
