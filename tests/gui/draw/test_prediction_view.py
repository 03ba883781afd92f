"""The prediction view answers "I or l" for a bare bar instead of a confident wrong half."""

from __future__ import annotations

import numpy as np
import pytest
from support_widgets import shown

from cnn_studio.gui.draw.prediction_view import PredictionView, is_i_or_l
from cnn_studio.model.ink.strokes import LETTERS
from cnn_studio.model.nets.numpy_forward import Prediction


def _prediction(**shares) -> Prediction:
    probs = np.full(26, 0.0, np.float32)
    for letter, value in shares.items():
        probs[LETTERS.index(letter)] = value
    probs += (1.0 - probs.sum()) / 26
    return Prediction(probs, [probs], ["out"], ["dense"])


@pytest.fixture
def view(qtbot):
    return shown(qtbot, PredictionView(), exposed=False)


@pytest.mark.parametrize("shares", [{"I": 0.5, "L": 0.45}, {"L": 0.55, "I": 0.4}])
def test_a_bare_bar_between_i_and_l_shows_i_or_l(view, shares):
    view.set_probs(_prediction(**shares).probs)
    assert view.letter_label.text() == "I/l" and view.i_or_l
    assert view.verdict_label.text().startswith("I or l: a bare bar reads as either")
    assert "sure" not in view.verdict_label.text()


@pytest.mark.parametrize("shares", [{"I": 0.9, "L": 0.08}, {"I": 0.5, "T": 0.4, "L": 0.08},
                                    {"L": 0.62, "I": 0.28}])
def test_a_clear_answer_stays_a_single_letter(view, shares):
    view.set_probs(_prediction(**shares).probs)
    best = max(shares, key=shares.get)
    assert view.letter_label.text() == best and not view.i_or_l


def test_the_next_answer_replaces_i_or_l(view):
    view.set_probs(_prediction(I=0.5, L=0.45).probs)
    view.set_probs(_prediction(A=0.97).probs)
    assert view.letter_label.text() == "A" and view.verdict_label.text() == "A, 97% sure"
    assert not is_i_or_l(np.zeros(5))  # a network with fewer classes never says I or l
