"""Every lesson step run headless on fixed real letters: the test that a lying step fails.

The letters are the first clean ("OK") sample of each of ``CHECK_LETTERS`` written at the UNIPEN
site ``CHECK_SITE``, one of the sites held out from the shipped model's training, taken from the
built-in letters (``model.data.real_letters``, CC BY 4.0, shipped with the app).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cnn_studio.model.data.real_letters import RealLetters, RealLettersError, load_default
from cnn_studio.model.lessons.step import LessonStep, Observation
from cnn_studio.model.lessons.steps import STEPS

CHECK_LETTERS = ("H", "E", "T", "A", "k")
CHECK_SITE = "art"  # in DEFAULT_HELD_OUT_SITES


@dataclass(frozen=True)
class CheckLetter:
    """One real letter the steps are checked on: its sample index, letter, site and image."""

    index: int
    label: str
    site: str
    image: np.ndarray


@dataclass(frozen=True)
class StepCheck:
    """A step's observations, one per check letter, in the letters' order."""

    step: LessonStep
    observations: tuple[Observation, ...]

    @property
    def holds(self) -> bool:
        """True when the claim holds for every letter."""
        return all(o.holds for o in self.observations)


def check_letters(letters: RealLetters | None = None) -> list[CheckLetter]:
    """The fixed real letters of the check (see the module docstring).

    Args:
        letters: the real letters to take them from (default: the built-in ones).

    Raises:
        RealLettersError: the built-in letters are missing or damaged, or a check letter has
            no clean sample at the check site.
    """
    letters = load_default() if letters is None else letters
    sites = np.flatnonzero(letters.sites == CHECK_SITE)
    site = int(sites[0]) if len(sites) else -1
    chosen = []
    for label in CHECK_LETTERS:
        found = np.flatnonzero((letters.labels == ord(label)) & letters.quality_ok
                               & (letters.site_index == site))
        if not len(found):
            raise RealLettersError(f"the real letters have no clean {label!r} written at site "
                                   f"{CHECK_SITE!r} to check the lessons on")
        chosen.append(int(found[0]))
    images = letters.render(chosen)
    return [CheckLetter(i, letters.label(i), CHECK_SITE, image)
            for i, image in zip(chosen, images, strict=True)]


def check_steps(model, letters: Sequence[CheckLetter],
                steps: Sequence[LessonStep] = STEPS) -> list[StepCheck]:
    """Run every step's observation on every letter with ``model`` (a Keras Sequential)."""
    return [StepCheck(step, tuple(step.run(model, letter.image) for letter in letters))
            for step in steps]


def _number(value):
    return round(float(value), 6) if isinstance(value, float | np.floating) else value


def report(model_name: str, letters: Sequence[CheckLetter], checks: Sequence[StepCheck]) -> dict:
    """The JSON document of a check.

    Returns:
        ``{"model", "letters": [{"index", "letter", "site"}], "holds", "steps": [{"key",
        "title", "holds", "numbers": [one dict per letter], "sentences": [one per letter],
        "holds_per_letter": [bool per letter]}]}``; lists per letter follow ``letters``.
    """
    return {
        "model": model_name,
        "letters": [{"index": c.index, "letter": c.label, "site": c.site} for c in letters],
        "holds": all(check.holds for check in checks),
        "steps": [{"key": check.step.key, "title": check.step.title, "holds": check.holds,
                   "numbers": [{k: _number(v) for k, v in o.numbers.items()}
                               for o in check.observations],
                   "sentences": [o.sentence for o in check.observations],
                   "holds_per_letter": [o.holds for o in check.observations]}
                  for check in checks],
    }
