"""Procedural pen letters: perturb a skeleton from the table and draw it like a person would.

Every sample picks one of the letter's written variants, jitters its control points, applies
a random slant, rotation and aspect, sometimes breaks or merges strokes, adds a slow wobble
along the pen path and draws it with a random pen width through
:func:`model.ink.preprocess.strokes_to_image`, the same rasterizer the canvas uses.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from cnn_studio.model.ink.preprocess import strokes_to_image
from cnn_studio.model.ink.stroke_jitter import slant_turn_widen
from cnn_studio.model.synth.skeletons import WIDTH, all_skeletons

PEN_WIDTH = (0.07, 0.16)
UPPER_WIDTH = 0.915
LOWER_WIDTH = 0.775
CURSIVE_LOWER = (0.2, 0.18)
CURSIVE_UPPER = (0.08, 0.1)
SLANTED_START = 0.36  # tan(20 degrees): a first down-stroke this slanted gets no entry stroke
LOOP_CHANCE = (0.15, 0.45)  # (upper case, lower case)
ASCENDER = (1.0, 1.7)
WARP = 9.0
DESCENDER = (1.0, 1.9)
# Slant (degrees, positive: top leans right), rotation (degrees) and log width spread, set so
# the slant and width/height statistics of generated letters match the built-in real letters
# (``benchmarks/synth.py --shapes`` measures both).
SLANT = (1.2, 4.5)
ROTATION_SD = 3.0
ASPECT_SD = 0.3
BOWL_LEAD_IN = 0.12  # share of small a, c, d, g, o, q joined from the baseline on the left
_CR = 0.5 * np.array([[0, 2, 0, 0], [-1, 0, 1, 0], [2, -5, 4, -1], [-1, 3, -3, 1]], float)


@lru_cache(maxsize=1)
def _table():
    return all_skeletons()


@lru_cache(maxsize=16)
def _basis(steps: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, steps, endpoint=False)
    powers = np.stack([np.ones_like(t), t, t * t, t * t * t], axis=1)
    return powers @ _CR


def smooth_curve(points: np.ndarray, steps: int = 7) -> np.ndarray:
    """Catmull-Rom curve through ``points`` (n, 2), sampled ``steps`` times per span.

    Args:
        points: the control points the curve passes through.
        steps: samples per span between two control points.

    Returns:
        ``(m, 2)`` array including both end points.
    """
    n = len(points)
    if n < 3:
        return points
    padded = np.concatenate([2 * points[:1] - points[1:2], points, 2 * points[-1:] - points[-2:-1]])
    spans = np.stack([padded[i:i + n - 1] for i in range(4)], axis=1)  # (n-1, 4, 2)
    curve = np.einsum("tk,skd->std", _basis(steps), spans).reshape(-1, 2)
    return np.concatenate([curve, points[-1:]])


def _wobble(path: np.ndarray, rng: np.random.Generator, amplitude: float) -> np.ndarray:
    if len(path) < 2 or amplitude <= 0:
        return path
    seg = np.sqrt((np.diff(path, axis=0) ** 2).sum(axis=1))
    s = np.concatenate([[0.0], np.cumsum(seg)]) / 100.0
    freq = rng.uniform(0.5, 2.5, size=(2, 2))
    phase = rng.uniform(0, 2 * np.pi, size=(2, 2))
    noise = np.sin(s[:, None, None] * freq * 2 * np.pi + phase).sum(axis=1)
    return path + amplitude * noise


def with_lead_in(path: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Prepend the rising entry stroke of joined-up writing when the pen starts high.

    The entry stroke rises to the start and the pen comes back down over it, so it is only
    added where the letter begins by going (nearly) straight down, as in n, m, u, h. Where it
    begins high and slants down (v, w, x, y, a gamma-shaped r, capital V) the entry stroke
    would stand beside the letter as an extra stem and turn a v into an N.
    """
    start = path[0]
    if start[1] > 75 or start[0] > 30:
        return path
    below = np.nonzero(path[:, 1] >= start[1] + 25.0)[0]
    if start[1] <= 50 and len(below):
        drop = path[below[0]] - start
        if abs(drop[0]) > SLANTED_START * drop[1]:
            return path
    foot = start + np.array([-rng.uniform(5, 25), 0.0])
    foot[1] = 100.0 - rng.uniform(0, 15)
    middle = (foot + start) / 2 + np.array([rng.uniform(2, 8), rng.uniform(0, 6)])
    return np.concatenate([smooth_curve(np.stack([foot, middle, start])), path[1:]])


def with_bowl_lead_in(path: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Prepend the connector that joins a bowl letter (a, c, d, g, o, q) from the baseline.

    Joined-up scripts reach the start of the bowl (top right of the x-height) from the
    baseline on the left; the stroke is only added where the letter starts there.
    """
    start = path[0]
    if not (30.0 <= start[0] and 35.0 <= start[1] <= 60.0):
        return path
    foot = np.array([rng.uniform(-25.0, 5.0), 100.0 - rng.uniform(0.0, 12.0)])
    middle = (foot + start) / 2 + np.array([rng.uniform(-4.0, 6.0), rng.uniform(0.0, 10.0)])
    return np.concatenate([smooth_curve(np.stack([foot, middle, start])), path[1:]])


def _with_tail(path: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Append the small rising exit flick of joined-up writing when the pen ends low."""
    end = path[-1]
    if end[1] < 80 or len(path) < 2:
        return path
    dip = end + np.array([rng.uniform(3, 10), rng.uniform(0, 5)])
    out = end + np.array([rng.uniform(12, 28), -rng.uniform(5, 25)])
    return np.concatenate([path[:-1], smooth_curve(np.stack([end, dip, out]))])


def _warp_field(rng: np.random.Generator):
    """A smooth random displacement of the whole letter (a few long sine waves)."""
    amplitude = rng.uniform(0.0, WARP) * rng.random(3)
    angle = rng.uniform(0, 2 * np.pi, 3)
    waves = np.stack([np.cos(angle), np.sin(angle)], axis=1) / rng.uniform(80, 220, (3, 1))
    phase = rng.uniform(0, 2 * np.pi, 3)
    push = rng.normal(0.0, 1.0, (3, 2))
    push /= np.linalg.norm(push, axis=1, keepdims=True)

    def apply(points: np.ndarray) -> np.ndarray:
        shift = np.sin(2 * np.pi * points @ waves.T + phase) * amplitude
        return points + shift @ push
    return apply


def _stretch(points: np.ndarray, ascend: float, descend: float) -> np.ndarray:
    """Lengthen ascenders (above y=40) and descenders (below y=100) of small letters."""
    if ascend == 1.0 and descend == 1.0:
        return points
    y = points[:, 1]
    y = np.where(y < 40.0, 40.0 - (40.0 - y) * ascend, y)
    y = np.where(y > 100.0, 100.0 + (y - 100.0) * descend, y)
    return np.stack([points[:, 0], y], axis=1)


def _dense(piece: np.ndarray, count: int = 10) -> np.ndarray:
    if len(piece) >= count:
        return piece
    t = np.linspace(0.0, 1.0, count)[:, None]
    return piece[0] + t * (piece[-1] - piece[0]) if len(piece) == 2 else piece


def _fade(piece: np.ndarray, shift: np.ndarray, length: float) -> np.ndarray:
    """Move ``piece`` by ``shift`` at its start, fading to nothing after ``length`` units."""
    seg = np.sqrt((np.diff(piece, axis=0) ** 2).sum(axis=1))
    s = np.concatenate([[0.0], np.cumsum(seg)])
    weight = np.clip(1.0 - s / max(length, 1e-6), 0.0, 1.0) ** 1.5
    return piece + weight[:, None] * shift


def _direction(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    d = b - a
    norm = float(np.hypot(*d))
    return d / norm if norm > 1e-6 else None


def loop_cusps(pieces: list[np.ndarray], rng: np.random.Generator,
               chance: float) -> list[np.ndarray]:
    """Turn pen reversals into the narrow loops of joined-up writing.

    Where the pen goes up and straight back down (an ascender, as in b, d, h, k, l, t) or
    down a descender and back up (g, j, q, y), each such cusp becomes, with probability
    ``chance``, a loop a few units wide.

    Args:
        pieces: consecutive segments of one stroke (each starts where the previous ended).
        rng: the random generator.
        chance: probability of looping each eligible cusp.

    Returns:
        The new list of pieces.
    """
    out = [pieces[0]]
    for piece in pieces[1:]:
        prev = out[-1]
        cusp = prev[-1]
        u = _direction(prev[-2], cusp) if len(prev) > 1 else None
        v = _direction(piece[0], piece[1]) if len(piece) > 1 else None
        eligible = (u is not None and v is not None and float(u @ v) < -0.85
                    and (u[1] < -0.5 or (u[1] > 0.5 and cusp[1] > 105)))
        if u is None or not eligible or rng.random() >= chance:
            out.append(piece)
            continue
        width = rng.uniform(5.0, 12.0)
        normal = np.array([-u[1], u[0]]) * (1.0 if rng.random() < 0.5 else -1.0)
        prev, nxt = _dense(prev), _dense(piece)
        fade = rng.uniform(25.0, 60.0)
        prev = _fade(prev[::-1], -normal * width / 2, fade)[::-1]
        nxt = _fade(nxt, normal * width / 2, fade)
        apex = cusp + u * width * 0.45
        top = smooth_curve(np.stack([prev[-2], prev[-1], apex, nxt[0], nxt[1]]), steps=4)
        out[-1] = prev[:-2]
        out.append(top)
        out.append(nxt[1:])
    return [p for p in out if len(p)]


def _affine(rng: np.random.Generator) -> np.ndarray:
    slant = rng.normal(*SLANT)
    turn = rng.normal(0.0, ROTATION_SD)
    return slant_turn_widen(slant, turn, rng.normal(0.0, ASPECT_SD))


def pick_variant(char: str, rng: np.random.Generator) -> int:
    """Index of a random written form of ``char`` (all forms equally likely)."""
    return int(rng.integers(len(_table()[char])))


def perturbed_strokes(char: str, rng: np.random.Generator,
                      variant: int | None = None) -> list[np.ndarray]:
    """One randomly perturbed pen drawing of ``char``.

    Args:
        char: a letter, upper or lower case.
        rng: the random generator (the only source of randomness).
        variant: index of the written form to use; random when None.

    Returns:
        Strokes as ``(k, 2)`` arrays in skeleton units (about 0..100, y down).
    """
    variants = _table()[char]
    skeleton = variants[pick_variant(char, rng) if variant is None else variant]
    jitter = rng.uniform(1.5, 5.5)
    width = (UPPER_WIDTH if char.isupper() else LOWER_WIDTH) * WIDTH.get(char, 1.0)
    matrix = _affine(rng) @ np.diag([width, 1.0])
    wobble = rng.uniform(0.0, 1.0)
    loops = LOOP_CHANCE[char.islower()]
    ascend, descend = (rng.uniform(*ASCENDER), rng.uniform(*DESCENDER)) if char.islower() \
        else (1.0, 1.0)
    strokes = []
    for stroke in skeleton:
        pieces: list[np.ndarray] = []
        start_shift = rng.normal(0, jitter, 2)
        for seg in stroke:
            noisy = _stretch(seg, ascend, descend) + rng.normal(0.0, jitter, seg.shape)
            if pieces:
                noisy[0] = pieces[-1][-1]
            else:
                noisy[0] = seg[0] + start_shift
            pieces.append(smooth_curve(noisy) if len(noisy) > 2 else noisy)
        if len(pieces) > 1:
            pieces = loop_cusps(pieces, rng, loops)
        strokes.append(np.concatenate(pieces) if len(pieces) > 1 else pieces[0])
    lead_in, tail = CURSIVE_LOWER if char.islower() else CURSIVE_UPPER
    if rng.random() < lead_in:
        strokes[0] = with_lead_in(strokes[0], rng)
    elif char in "acdgoq" and rng.random() < BOWL_LEAD_IN:
        strokes[0] = with_bowl_lead_in(strokes[0], rng)
    if rng.random() < tail:
        strokes[-1] = _with_tail(strokes[-1], rng)
    warp = _warp_field(rng)
    strokes = [warp(_wobble(path, rng, wobble)) @ matrix.T for path in strokes]
    if len(strokes) > 1 and rng.random() < 0.06:
        i = int(rng.integers(len(strokes) - 1))
        if len(strokes[i]) > 1 and len(strokes[i + 1]) > 1:
            strokes[i:i + 2] = [np.concatenate([strokes[i], strokes[i + 1]])]
    return strokes


def stroke_letter(char: str, rng: np.random.Generator) -> np.ndarray:
    """A 28x28 image of a procedurally drawn ``char`` (float32, ink 1.0)."""
    strokes = perturbed_strokes(char, rng)
    pen = rng.uniform(*PEN_WIDTH)
    return strokes_to_image(strokes, canvas=(100.0, 100.0), pen=pen)
