"""How sure the app says the network is: one rule, the same words and colours everywhere
(the canvas's answer, explain mode's softmax).

The rule reads the probabilities the network gives (for the shipped model they are calibrated
by temperature scaling, ``model.training.calibration``): from ``SURE_FROM`` it is sure, from
``LEANING_FROM`` it leans to a letter ("Probably"), below that it is not sure, and a bare bar
that is I or l says so instead of a confident-looking half.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QColor

from cnn_studio.gui.common import palette as colours
from cnn_studio.model.ink.strokes import LETTERS

SURE_FROM = 0.8
LEANING_FROM = 0.5
I_OR_L_ABOVE = 0.3
"""A bare vertical bar is genuinely I or l: when those are the two best classes and each is
above this, the answer is "I or l"."""
_I, _L = LETTERS.index("I"), LETTERS.index("L")


class Sureness(enum.Enum):
    """How sure an answer is; the value is how the app says it."""

    SURE = "sure"
    PROBABLY = "probably"
    NOT_SURE = "not sure"
    I_OR_L = "I or l"


@dataclass(frozen=True)
class Verdict:
    """What the app says of one answer.

    Attributes:
        sureness: the level of the rule.
        letter: the best class's letter.
        probability: its probability.
        text: the words shown ("A, 92% sure", "Probably A (62%)", "Not sure: ...").
    """

    sureness: Sureness
    letter: str
    probability: float
    text: str

    @property
    def confident(self) -> bool:
        """Whether the answer is shown as the network's one answer (sure or probably)."""
        return self.sureness in (Sureness.SURE, Sureness.PROBABLY)

    def colour(self) -> QColor:
        """The colour of the words: green sure, the text colour probably, amber otherwise."""
        if self.sureness is Sureness.SURE:
            return colours.success_text()
        if self.sureness is Sureness.PROBABLY:
            return colours.role(colours.Role.WindowText)
        return colours.warning_text()


def is_i_or_l(probs: np.ndarray) -> bool:
    """True when the two most probable classes are I and L, each above ``I_OR_L_ABOVE``."""
    probs = np.asarray(probs).reshape(-1)
    if len(probs) <= max(_I, _L):
        return False
    best_two = set(np.argsort(-probs)[:2].tolist())
    return best_two == {_I, _L} and min(probs[_I], probs[_L]) > I_OR_L_ABOVE


def verdict(probs: np.ndarray) -> Verdict:
    """What to say of class probabilities ``probs`` (one per class, best = the answer)."""
    probs = np.asarray(probs, dtype=np.float64).reshape(-1)
    best = int(np.argmax(probs))
    letter = LETTERS[best] if best < len(LETTERS) else str(best)
    p = float(probs[best])
    if is_i_or_l(probs):
        return Verdict(Sureness.I_OR_L, letter, p, "I or l: a bare bar reads as either "
                       f"(I {probs[_I]:.0%}, l {probs[_L]:.0%})")
    if p >= SURE_FROM:
        return Verdict(Sureness.SURE, letter, p, f"{letter}, {p:.0%} sure")
    if p >= LEANING_FROM:
        return Verdict(Sureness.PROBABLY, letter, p, f"Probably {letter} ({p:.0%})")
    return Verdict(Sureness.NOT_SURE, letter, p, f"Not sure: best guess {letter} at {p:.0%}")
