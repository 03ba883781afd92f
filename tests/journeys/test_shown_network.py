"""Editing the network changes what the canvas and explain mode show, at once (issue 24, item 2).

A person with the shipped model sets stride 2 on layer 4 in the builder, through the builder's
own widgets: the canvas's answer, its label and explain mode's Sizes tab then belong to the
network being edited, untrained, with exactly the builder's shapes and parameter counts.
"""

from __future__ import annotations

import numpy as np
from support_builder import field, type_into
from support_explain import wait_idle
from support_journeys import TF_TIMEOUT, draw_t, open_window

from cnn_studio.model.nets.untrained import untrained_network
from cnn_studio.model.spec.analysis import analyze
from cnn_studio.model.spec.presets import get_preset

WINDOWED = ("conv2d", "maxpool2d", "avgpool2d", "sumpool2d")


def sizes_rows(tab) -> list[tuple[str, str]]:
    """(output, parameters) of each row of explain mode's Sizes table, as shown."""
    table = tab.table
    return [(table.item(row, 2).text(), table.item(row, 3).text())
            for row in range(table.rowCount())]


def builder_rows(spec) -> list[tuple[str, str]]:
    """What the Sizes table must show for ``spec``: the builder's own shapes and counts."""
    report = analyze(spec)
    return [("x".join(str(n) for n in info.output_shape), f"{info.params:,}")
            for layer, info in zip(spec.layers, report.layers, strict=True)
            if layer.kind in WINDOWED]


def answered(window) -> bool:
    draw = window.panels["draw"]
    return window.state.prediction is not None and draw.shown_seq == draw.requested_seq


def test_stride_two_on_layer_4_changes_explain_and_the_canvas_at_once(qtbot, tmp_path,
                                                                       monkeypatch):
    window = open_window(qtbot, tmp_path / "home", monkeypatch, tensorflow=True)
    state, builder = window.state, window.panels["builder"]
    draw, explain = window.panels["draw"], window.panels["explain"]
    qtbot.waitUntil(lambda: state.shown is not None and state.shown_model is state.model,
                    timeout=30_000)
    assert state.shown.trained and "trained model" in draw.model_label.text()

    draw_t(window)
    qtbot.waitUntil(lambda: answered(window), timeout=10_000)
    trained_probs = np.array(state.prediction.probs)
    window.show_tab("explain")
    tab = explain.show_concept("sizes_tab")
    wait_idle(explain, qtbot)
    assert sizes_rows(tab) == builder_rows(builder.spec)
    assert "trained model" in tab.network_label.text()

    builder.table.select_layer(3)  # the table's row 4: the second conv layer
    assert builder.spec.layers[3].kind == "conv2d"
    type_into(qtbot, field(builder, "stride"), "2")
    assert builder.spec.layers[3].params["stride"] == 2
    qtbot.waitUntil(lambda: state.shown is not None and not state.shown.trained
                    and state.shown_model is not None and state.shown_model is not state.model,
                    timeout=TF_TIMEOUT)
    assert "untrained" in state.shown.label and f"seed {state.shown.seed}" in state.shown.label

    # Explain > Sizes: the builder's shapes and parameter counts, said to be untrained.
    qtbot.waitUntil(lambda: sizes_rows(tab) == builder_rows(builder.spec), timeout=30_000)
    assert "untrained" in tab.network_label.text()
    # The canvas: labelled untrained, answering with the Gaussian starting weights.
    qtbot.waitUntil(lambda: "untrained" in draw.model_label.text(), timeout=10_000)
    expected = untrained_network(builder.spec, state.shown.seed).forward(state.image).probs
    qtbot.waitUntil(lambda: answered(window) and np.allclose(state.prediction.probs, expected,
                                                             atol=1e-5), timeout=30_000)
    assert not np.allclose(state.prediction.probs, trained_probs, atol=1e-3)

    # Undo: the builder holds the trained model's layers again, and every view shows it.
    builder.undo()
    qtbot.waitUntil(lambda: state.shown is not None and state.shown.trained
                    and state.shown_model is state.model, timeout=10_000)
    qtbot.waitUntil(lambda: sizes_rows(tab) == builder_rows(builder.spec), timeout=30_000)
    qtbot.waitUntil(lambda: answered(window) and np.allclose(state.prediction.probs,
                                                             trained_probs, atol=1e-5),
                    timeout=30_000)
    assert "trained model" in draw.model_label.text()


def test_new_network_is_shown_untrained_and_an_invalid_one_is_shown_as_none(qtbot, tmp_path,
                                                                            monkeypatch):
    """File > New network no longer leaves "Model: default"; an invalid network is shown
    by no view, and each says so."""
    from PySide6.QtWidgets import QInputDialog

    window = open_window(qtbot, tmp_path / "home", monkeypatch, tensorflow=True)
    state, builder = window.state, window.panels["builder"]
    draw, explain = window.panels["draw"], window.panels["explain"]
    qtbot.waitUntil(lambda: state.shown is not None and state.shown.trained, timeout=30_000)
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("tiny: a", True))
    window.new_network_action.trigger()
    assert builder.spec.layers == get_preset("tiny").layers
    qtbot.waitUntil(lambda: state.shown is not None and not state.shown.trained,
                    timeout=TF_TIMEOUT)
    qtbot.waitUntil(lambda: "untrained" in draw.model_label.text(), timeout=30_000)
    assert "default" not in draw.model_label.text()

    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Empty network", True))
    window.new_network_action.trigger()
    assert builder.spec.layers == [] and not analyze(builder.spec).valid
    qtbot.waitUntil(lambda: state.shown is None and state.shown_model is None, timeout=10_000)
    assert "cannot be built" in draw.model_label.text()
    window.show_tab("explain")
    tab = explain.show_concept("sizes_tab")
    qtbot.waitUntil(lambda: "cannot be built" in tab.hint.text(), timeout=10_000)
    assert not tab.showing_content
