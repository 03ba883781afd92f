"""The prediction view answers "I or l" for a bare bar instead of a confident wrong half."""

from __future__ import annotations

import numpy as np
import pytest
from support_widgets import shown

from cnn_studio.gui.draw.prediction_view import PredictionView, ProbabilityBars, is_i_or_l
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
    said = view.verdict_label.full_text  # shown elided where narrow (see below)
    assert said.startswith("I or l: a bare bar reads as either") and "sure" not in said


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


@pytest.fixture
def bars(qtbot):
    return shown(qtbot, ProbabilityBars(), (312, 130))


def _painted(qtbot, bars, probs) -> None:
    bars.set_probs(probs)
    qtbot.waitUntil(lambda: bars.painted_probs is probs)


def test_the_bars_guides_and_letters_are_drawn_once_per_size(bars, qtbot):
    for letter in "AWMZ":
        _painted(qtbot, bars, _prediction(**{letter: 0.8}).probs)
    assert bars.backgrounds_drawn == 1, "new answers only repaint the bars"
    bars.resize(400, 130)
    _painted(qtbot, bars, _prediction(B=0.8).probs)
    assert bars.backgrounds_drawn == 2, "a new size draws the letters again"


def _darkest_in_label(image, bars, index: int) -> int:
    slot = bars.width() / len(LETTERS)
    top = bars.height() - bars.fontMetrics().height() - 2
    return min(image.pixelColor(x, y).lightness()
               for x in range(int(index * slot) + 1, int((index + 1) * slot) - 1)
               for y in range(top + 1, bars.height()))


def test_only_the_winners_letter_is_in_the_text_colour(bars, qtbot):
    for winner in ("W", "C"):
        probs = _prediction(**{winner: 0.7}).probs
        _painted(qtbot, bars, probs)
        image = bars.grab().toImage()
        best = LETTERS.index(winner)
        strong = _darkest_in_label(image, bars, best)
        others = [_darkest_in_label(image, bars, i) for i in range(len(LETTERS)) if i != best]
        assert strong + 30 < min(others), "the winner reads darker than every muted letter"
    bar = image.pixelColor(int((best + 0.5) * bars.width() / len(LETTERS)),
                           bars.height() - bars.fontMetrics().height() - 6)
    assert (bar.red(), bar.green(), bar.blue()) == (230, 120, 40), "the winner's bar is orange"


@pytest.mark.parametrize(("best", "words", "colour"), [
    (0.46, "Not sure: best guess C at 46%", "warning"),
    (0.52, "Probably C (52%)", "text"),
    (0.79, "Probably C (79%)", "text"),
    (0.85, "C, 85% sure", "success")])
def test_one_rule_for_how_sure_the_answer_is(qtbot, best, words, colour):
    """52 % is not shown as green and sure while 46 % is "Not sure": one rule with three
    levels, the same words and colours as explain mode uses (issue 26, defect 6)."""
    from cnn_studio.gui.common import palette as colours
    from cnn_studio.gui.explain.softmax import said_html

    expected = {"warning": colours.warning_text(), "success": colours.success_text(),
                "text": colours.role(colours.Role.WindowText)}[colour]
    view = PredictionView()
    qtbot.addWidget(view)
    probs = np.full(26, (1 - best) / 25, np.float32)
    probs[2] = best
    view.set_probs(probs)
    assert view.verdict_label.text() == words
    assert colours.css(expected) in view.verdict_label.styleSheet()
    assert view.unsure == (colour == "warning")
    assert f"\u201c{words}\u201d" in said_html(probs) and colours.css(expected) in said_html(probs)


@pytest.mark.parametrize("width", [200, 215, 260, 420])
def test_axis_letters_never_touch(qtbot, width):
    """At 1280x800 the chart is about 215 px wide: the A-Z letters shrink (or every other one
    is shown) so that none touches its neighbour (issue 26, defect 10)."""
    from PySide6.QtGui import QFontMetrics

    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    bars.resize(width, 130)
    font, step = bars.axis_letters(26)
    widest = max(QFontMetrics(font).horizontalAdvance(letter) for letter in LETTERS)
    assert widest + 2 <= width / 26 * step
    if width >= 420:
        assert step == 1 and font.pointSizeF() == bars.font().pointSizeF()


def test_a_long_answer_is_elided_never_clipped(qtbot):
    """A verdict longer than its place ends in an ellipsis with the whole text as tooltip
    (issue 26, defect 10: the headline was clipped at 1366x768)."""
    view = PredictionView()
    qtbot.addWidget(view)
    view.resize(260, 300)
    view.show()
    qtbot.waitExposed(view)
    probs = np.zeros(26, np.float32)
    probs[[LETTERS.index("I"), LETTERS.index("L")]] = [0.5, 0.45]
    probs[0] = 0.05
    view.set_probs(probs)
    label = view.verdict_label
    assert label.full_text.startswith("I or l: a bare bar reads as either")
    assert label.text().endswith("\u2026") and label.toolTip() == label.full_text
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width()
    view.resize(900, 300)
    qtbot.waitUntil(lambda: label.text() == label.full_text)
    assert label.toolTip() == ""
