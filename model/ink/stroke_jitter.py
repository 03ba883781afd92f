"""Small random changes to a real letter's pen strokes: stroke-space augmentation.

The built-in real letters are drawn several times per training run (upper case about three
times, to give both cases the same weight); drawn the same way each time, a repeat teaches the
network nothing new. Each copy is instead slanted, turned and widened a little before
rasterizing, as the writer's next copy of the letter would differ. The canvas's normal form
(box fitting and centre of mass) then removes position and size, so these three are the only
changes that reach the image; the pen width stays the canvas's own (it never varies there).
Ranges are a writer's own spread, well inside the spread between writers (real letters: slant
SD about 9 degrees).
"""

from __future__ import annotations

import numpy as np

SLANT_SD = 5.0  # degrees
ROTATION_SD = 3.0  # degrees
ASPECT_SD = 0.1  # natural log of the width factor
LIMIT = 2.0  # draws are clipped at this many SDs: no freak copies


def _normal(rng: np.random.Generator, sd: float) -> float:
    return float(np.clip(rng.normal(), -LIMIT, LIMIT)) * sd


def slant_turn_widen(slant_deg: float, turn_deg: float, log_width: float) -> np.ndarray:
    """The 2x2 map (points as columns, y down) that widens by ``exp(log_width)``, slants by
    ``slant_deg`` (top to the right when positive), then turns by ``turn_deg``.

    Shared with the synthetic generator's pen letters (:mod:`model.synth.pen_letters`).
    """
    slant = np.tan(np.radians(slant_deg))
    angle = np.radians(turn_deg)
    aspect = np.exp(log_width)
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    shear = np.array([[1.0, -slant], [0.0, 1.0]])
    return turn @ shear @ np.diag([aspect, 1.0])


def jitter_matrix(rng: np.random.Generator) -> np.ndarray:
    """A random :func:`slant_turn_widen` map within a writer's own spread."""
    slant = _normal(rng, SLANT_SD)
    turn = _normal(rng, ROTATION_SD)
    return slant_turn_widen(slant, turn, _normal(rng, ASPECT_SD))


def jitter(strokes: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """A varied copy of ``strokes`` (``(k, 2)`` arrays), mapped about the points' mean so
    the letter stays where it was."""
    matrix = jitter_matrix(rng).T
    points = [np.asarray(s, np.float64).reshape(-1, 2) for s in strokes]
    non_empty = [p for p in points if len(p)]
    if not non_empty:
        return points
    centre = np.concatenate(non_empty).mean(axis=0)
    return [(p - centre) @ matrix + centre for p in points]
