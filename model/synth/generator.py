"""The built-in synthetic letter generator: pen-stroke letters mixed with font letters.

Work is split into chunks of :data:`CHUNK` samples; chunk ``i`` draws from its own random
generator seeded with ``(seed, i)``, so the result depends only on ``(n, seed, options)``,
never on how many processes did the work. Classes are balanced (sample ``k`` is class
``k % 26``); upper or lower case and the source are drawn at random.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from cnn_studio.model.errors import Cancelled
from cnn_studio.model.ink.strokes import LETTERS
from cnn_studio.model.synth.font_letters import font_letter
from cnn_studio.model.synth.pen_letters import stroke_letter
from cnn_studio.model.workers import default_workers, run_chunks

GENERATOR_VERSION = 9
CHUNK = 1000
DEFAULT_FONT_SHARE = 0.2
DEFAULT_LOWER_SHARE = 0.5
MAX_SAMPLES = 2_000_000


class GenerationCancelled(Cancelled):
    """The caller's cancel event was set before the generator finished."""


def sample_image(char: str, rng: np.random.Generator,
                 font_share: float = DEFAULT_FONT_SHARE) -> np.ndarray:
    """One synthetic 28x28 image of ``char`` (float32, ink 1.0 on 0.0).

    Args:
        char: the letter to draw, upper or lower case.
        rng: the random generator.
        font_share: probability of a font letter instead of a pen-stroke letter.

    Returns:
        The image.
    """
    if rng.random() < font_share:
        image = font_letter(char, rng)
        if image is not None:
            return image
    return stroke_letter(char, rng)


def generate_chunk(seed: int, index: int, start: int, count: int,
                   font_share: float = DEFAULT_FONT_SHARE,
                   lower_share: float = DEFAULT_LOWER_SHARE) -> tuple[np.ndarray, np.ndarray,
                                                                      np.ndarray]:
    """Generate one chunk of samples.

    Args:
        seed: the dataset seed.
        index: chunk number (part of the chunk's random seed).
        start: global index of the chunk's first sample (sets the balanced labels).
        count: number of samples.
        font_share: share of font letters.
        lower_share: share of lower-case letters.

    Returns:
        ``(images uint8 (count, 28, 28), labels int64 (count,), lower bool (count,))``.
    """
    rng = np.random.default_rng([int(seed), int(index), GENERATOR_VERSION])
    labels = (start + np.arange(count, dtype=np.int64)) % len(LETTERS)
    lower = rng.random(count) < lower_share
    images = np.empty((count, 28, 28), np.uint8)
    for k in range(count):
        char = LETTERS[labels[k]].lower() if lower[k] else LETTERS[labels[k]]
        images[k] = np.rint(sample_image(char, rng, font_share) * 255.0)
    return images, labels, lower


def _chunks(n: int) -> list[tuple[int, int, int]]:
    return [(i, start, min(CHUNK, n - start)) for i, start in enumerate(range(0, n, CHUNK))]


def generate(n: int, seed: int = 0, font_share: float = DEFAULT_FONT_SHARE,
             lower_share: float = DEFAULT_LOWER_SHARE, workers: int | None = None,
             progress: Callable[[int, int], None] | None = None,
             cancel=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Generate ``n`` synthetic letters, in parallel over chunks.

    Args:
        n: number of samples (1..2,000,000).
        seed: random seed; equal arguments give equal results.
        font_share: share of font letters (0..1).
        lower_share: share of lower-case letters (0..1).
        workers: processes (None: one per core; 1: in this process).
        progress: called as ``progress(done, total)`` after each chunk.
        cancel: object with ``is_set()`` (e.g. ``threading.Event``); checked between chunks.

    Returns:
        ``(images uint8 (n, 28, 28), labels int64 (n,), lower bool (n,))``.

    Raises:
        ValueError: for arguments out of range.
        GenerationCancelled: when ``cancel`` was set.
    """
    if not 1 <= int(n) <= MAX_SAMPLES:
        raise ValueError(f"number of samples {n} must be between 1 and {MAX_SAMPLES}")
    if not (0.0 <= font_share <= 1.0 and 0.0 <= lower_share <= 1.0):
        raise ValueError("font_share and lower_share must be between 0 and 1")
    chunks = _chunks(int(n))
    workers = default_workers() if workers is None else max(1, int(workers))
    make = partial(generate_chunk, seed, font_share=font_share, lower_share=lower_share)
    parts: dict[int, tuple] = {}
    done = 0

    def report(index: int, part: tuple) -> None:
        nonlocal done
        parts[index] = part
        done += len(part[1])
        if progress is not None:
            progress(done, int(n))

    run_chunks(make, chunks, workers, cancel, report,
               lambda: GenerationCancelled("synthetic data generation was cancelled"))
    ordered = [parts[i] for i in range(len(chunks))]
    return (np.concatenate([p[0] for p in ordered]), np.concatenate([p[1] for p in ordered]),
            np.concatenate([p[2] for p in ordered]))
