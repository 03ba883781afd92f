"""How a network reads letters from labs it never trained on: the held-out UNIPEN sites.

The letters of ``real_letters.DEFAULT_HELD_OUT_SITES`` never train (the mixer validates on
them); here they measure accuracy per site, per case and overall, and calibration. NumPy only:
the caller passes the network's probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnn_studio.model.data import real_letters as rl
from cnn_studio.model.data.real_letters_cache import render_all


@dataclass
class HeldOutLetters:
    """Every letter of the held-out sites, rendered as the canvas renders.

    Attributes:
        x: float32 ``(n, 28, 28, 1)`` images.
        y: int64 class indices.
        upper: bool, upper-case letters.
        sites: site name per letter.
    """

    x: np.ndarray
    y: np.ndarray
    upper: np.ndarray
    sites: np.ndarray


def held_out_letters(letters: rl.RealLetters | None = None,
                     sites=rl.DEFAULT_HELD_OUT_SITES) -> HeldOutLetters:
    """The held-out sites' letters (default: the built-in file)."""
    letters = rl.load_default() if letters is None else letters
    _, index = rl.site_split(letters, sites)
    images = render_all(letters)[index]
    names = np.array([str(name) for name in letters.sites])[letters.site_index[index]]
    return HeldOutLetters(images[..., None], letters.classes[index], letters.upper[index],
                          names)


def _pct(correct: np.ndarray, mask: np.ndarray) -> float | None:
    return round(100 * float(correct[mask].mean()), 2) if mask.any() else None


def site_accuracy(probs: np.ndarray, held: HeldOutLetters) -> dict:
    """Accuracy per held-out site (overall, upper, lower, counts), per case and overall."""
    correct = np.asarray(probs).argmax(axis=1) == held.y
    every = np.ones(len(correct), bool)
    per_site = {}
    for site in sorted(set(held.sites.tolist())):
        mask = held.sites == site
        per_site[site] = {"letters": int(mask.sum()), "accuracy_pct": _pct(correct, mask),
                          "upper_pct": _pct(correct, mask & held.upper),
                          "lower_pct": _pct(correct, mask & ~held.upper),
                          "n_upper": int((mask & held.upper).sum())}
    return {"sites": sorted(per_site), "letters": int(len(correct)),
            "accuracy_pct": _pct(correct, every), "upper_pct": _pct(correct, held.upper),
            "lower_pct": _pct(correct, ~held.upper),
            "mean_of_sites_pct": round(float(np.mean(
                [s["accuracy_pct"] for s in per_site.values()])), 2),
            "per_site": per_site}
