"""The fixed set of real letters every run is measured on, and the figures measured on it.

The set is drawn once, with a fixed seed, from the built-in UNIPEN letters of the held-out
sites (:data:`model.data.real_letters.DEFAULT_HELD_OUT_SITES`, which never train): up to
:data:`PER_LETTER` of each letter and case (1,040 of the shipped file's 6,719), rendered as the
canvas renders. Every run reads the same letters, so their figures compare.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from cnn_studio.model.data import real_letters as rl

PER_LETTER = 20  # letters of each of the 52 letter-and-case kinds
SEED = 25


@dataclass(frozen=True)
class LetterSet:
    """Letters with their answers.

    Attributes:
        x: float32 ``(n, 28, 28, 1)`` images.
        y: int64 class indices 0..25.
        labels: the letters as written (case kept), one per image.
    """

    x: np.ndarray
    y: np.ndarray
    labels: tuple[str, ...]

    def first(self, per_letter: int) -> LetterSet:
        """The first ``per_letter`` letters of each letter and case (a smaller, fixed set)."""
        counts: dict[str, int] = {}
        keep = []
        for index, label in enumerate(self.labels):
            counts[label] = counts.get(label, 0) + 1
            if counts[label] <= per_letter:
                keep.append(index)
        return LetterSet(self.x[keep], self.y[keep], tuple(self.labels[i] for i in keep))


def held_out_sample(letters: rl.RealLetters, per_letter: int = PER_LETTER,
                    seed: int = SEED) -> LetterSet:
    """Up to ``per_letter`` letters of each letter and case of the held-out sites of ``letters``.

    Raises:
        RealLettersError: ``letters`` has no held-out site letters.
    """
    _, held = rl.site_split(letters)
    if not len(held):
        raise rl.RealLettersError("the real letters hold no letters of the held-out sites")
    rng = np.random.default_rng(seed)
    codes = letters.labels[held]
    chosen = [rng.permutation(held[codes == code])[:per_letter] for code in np.unique(codes)]
    index = np.sort(np.concatenate(chosen))
    images = letters.render(index)[..., None]
    return LetterSet(images, letters.classes[index].astype(np.int64),
                     tuple(letters.label(int(i)) for i in index))


@lru_cache(maxsize=1)
def _default_sample(fingerprint: str) -> LetterSet:
    return held_out_sample(rl.load_default())


def measuring_set() -> LetterSet:
    """The fixed real-letter set of the built-in letters (rendered once per process, ~1 s).

    Raises:
        RealLettersError: the built-in letters are missing or damaged.
    """
    return _default_sample(rl.load_default().fingerprint)


def accuracies(probs: np.ndarray, letters: LetterSet) -> dict:
    """Share of ``letters`` read right: overall, per case and per letter (case kept), 0..1.

    Args:
        probs: ``(n, 26)`` scores for ``letters.x``.
        letters: the letters measured.

    Returns:
        ``real_accuracy``, ``real_upper_accuracy``, ``real_lower_accuracy`` (None without such
        letters), ``real_letters`` (count) and ``per_letter`` (letter -> accuracy).
    """
    correct = np.asarray(probs).argmax(axis=1) == letters.y
    labels = np.array(letters.labels)
    upper = np.char.isupper(labels)

    def share(mask: np.ndarray) -> float | None:
        return float(correct[mask].mean()) if mask.any() else None

    return {"real_accuracy": share(np.ones(len(correct), bool)),
            "real_upper_accuracy": share(upper), "real_lower_accuracy": share(~upper),
            "real_letters": int(len(correct)),
            "per_letter": {label: share(labels == label) for label in sorted(set(letters.labels))}}
