"""Shared helpers of the explain-mode GUI tests: a small network, a drawing, waiting for results."""

from __future__ import annotations

import numpy as np

# An "A" in canvas units: two slanted strokes and a bar.
A_STROKES = [np.array([[40.0, 250.0], [140.0, 30.0], [240.0, 250.0]]),
             np.array([[85.0, 160.0], [195.0, 160.0]])]
CANVAS = (280.0, 280.0)


def small_cnn(seed: int = 0):
    """conv(4, 3x3, same, relu) -> conv(3, 3x3, stride 2, tanh) -> max-pool -> flatten -> dense.

    Two conv layers so the second one has several input channels; 'same' padding and a
    stride of 2 so the windows hang over the border and skip positions.
    """
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="00_conv2d"),
        keras.layers.Conv2D(3, 3, strides=2, activation="tanh", name="01_conv2d"),
        keras.layers.MaxPooling2D(2, name="02_maxpool2d"),
        keras.layers.Flatten(name="03_flatten"),
        keras.layers.Dense(26, activation="softmax", name="04_dense"),
    ])
    # Bigger, signed biases than the zero default, so "+ bias" really shows up.
    for layer in model.layers:
        bias = getattr(layer, "bias", None)
        if bias is not None:
            bias.assign(np.linspace(-0.2, 0.2, bias.shape[0]).astype(np.float32))
    return model


def tiny_preset():
    """The app's 'tiny' preset (conv 8x3x3 valid relu, max-pool, flatten, softmax)."""
    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.spec.presets import get_preset

    return build_model(get_preset("tiny"), seed=1)


def use_model(panel, model) -> None:
    """Make ``model`` the active network, the way the training panel does (through the state)."""
    panel.state.model = model


def draw_letter(panel, qtbot) -> np.ndarray:
    """Publish the test letter's network input, as the draw panel does for a drawing, and wait
    until explain mode has the image."""
    from cnn_studio.model.ink.preprocess import strokes_to_image

    panel.state.drawing_changed.emit(strokes_to_image(A_STROKES, CANVAS))
    qtbot.waitUntil(lambda: panel.ctx.has_drawing, timeout=5000)
    return panel.ctx.image


def open_tab(panel, qtbot, attribute: str):
    """Bring the explain panel's concept tab ``attribute`` to the front; wait for its numbers."""
    tab = panel.show_concept(attribute)
    wait_idle(panel, qtbot)
    return tab


def wait_idle(panel, qtbot) -> None:
    """Wait until every explain computation submitted so far has answered."""
    ctx = panel.ctx
    qtbot.waitUntil(lambda: not ctx.busy, timeout=30_000)


def prepared(panel, qtbot, model, attribute: str):
    """Active model + drawn letter + the tab shown and computed. Returns (tab, image)."""
    use_model(panel, model)
    image = draw_letter(panel, qtbot)
    tab = open_tab(panel, qtbot, attribute)
    assert tab.showing_content, tab.hint.text()
    return tab, image
