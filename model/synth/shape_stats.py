"""Slant and width statistics of pen letters, to compare generated letters with real ones.

Both work on strokes (lists of ``(k, 2)`` pen paths, y down) in any units: generated letters
from :func:`model.synth.pen_letters.perturbed_strokes` and real ones from
:mod:`model.data.real_letters` or a strokes-v1 file are measured the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

STEEP = float(np.tan(np.radians(60.0)))  # pen moves within 30 degrees of vertical


def slant_degrees(strokes: Sequence[np.ndarray]) -> float | None:
    """Slant of one letter in degrees (positive: the top leans right).

    The pen moves within 30 degrees of vertical are turned to point down and summed; the
    slant is the angle of that sum from the vertical. None when the letter has no such move.
    """
    parts = [np.diff(np.asarray(s, np.float64), axis=0) for s in strokes if len(s) > 1]
    if not parts:
        return None
    moves = np.concatenate(parts)
    steep = moves[np.abs(moves[:, 1]) >= STEEP * np.abs(moves[:, 0])]
    down = (steep * np.where(steep[:, 1:2] < 0, -1.0, 1.0)).sum(axis=0)
    if down[1] <= 0:
        return None
    return float(np.degrees(np.arctan2(-down[0], down[1])))


def width_ratio(strokes: Sequence[np.ndarray]) -> float | None:
    """Width over height of the letter's bounding box (None for a flat or empty letter)."""
    if not strokes:
        return None
    points = np.concatenate([np.asarray(s, np.float64) for s in strokes])
    width, height = np.ptp(points, axis=0)
    return float(width / height) if height > 0 and width > 0 else None


def summary(letters: Iterable[tuple[str, Sequence[np.ndarray]]]) -> dict[str, float | None]:
    """Aggregate statistics of ``(label, strokes)`` pairs.

    Returns:
        ``letters`` counted, ``slant_median_deg`` and ``slant_iqr_deg``, the median width/height
        ratio and ``log_width_ratio_iqr``: the interquartile range of log(width/height) within
        each letter (case kept), median over letters with at least 10 samples.
    """
    slants: list[float] = []
    ratios: dict[str, list[float]] = {}
    for label, strokes in letters:
        slant, ratio = slant_degrees(strokes), width_ratio(strokes)
        if slant is not None:
            slants.append(slant)
        if ratio is not None:
            ratios.setdefault(label, []).append(np.log(ratio))
    if not slants or not ratios:
        return {"letters": 0}
    q1, median, q3 = np.percentile(slants, [25, 50, 75])
    logs = np.concatenate([np.asarray(v) for v in ratios.values()])
    iqrs = [np.subtract(*np.percentile(v, [75, 25])) for v in ratios.values() if len(v) >= 10]
    return {"letters": len(slants), "slant_median_deg": round(float(median), 2),
            "slant_iqr_deg": round(float(q3 - q1), 2),
            "width_ratio_median": round(float(np.exp(np.median(logs))), 3),
            "log_width_ratio_iqr": round(float(np.median(iqrs)), 3) if iqrs else None}
