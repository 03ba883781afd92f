"""Explain mode with a functional (non-Sequential) Keras model: messages, never exceptions."""

from __future__ import annotations

from support_explain import draw_letter, open_tab, use_model, wait_idle


def functional_cnn():
    """A functional 28x28x1 -> 26 network (keras.Model(inputs, outputs), not Sequential)."""
    import keras

    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(26, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def test_backprop_tab_says_it_needs_a_sequential_network(explain, qtbot):
    use_model(explain, functional_cnn())
    draw_letter(explain, qtbot)
    tab = open_tab(explain, qtbot, "backprop_tab")
    wait_idle(explain, qtbot)
    shown = tab.hint.text() + tab.status.text()
    assert "needs a Sequential network" in shown
    assert not explain.ctx.busy


def test_every_tab_says_it_needs_a_sequential_network(explain, qtbot):
    use_model(explain, functional_cnn())
    draw_letter(explain, qtbot)
    for tab in explain.all_tabs():
        open_tab(explain, qtbot, tab.objectName())
        assert "needs a Sequential network" in tab.hint.text(), tab.objectName()
        assert not tab.showing_content and not tab.status.text()
    assert not explain.ctx.busy
