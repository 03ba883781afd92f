"""The real letters drawn with stroke-space variation (:mod:`model.ink.stroke_jitter`), in
worker processes.

Copy ``k`` of a request is varied by its own random generator, seeded with ``(seed, k)``, so
the images depend only on ``(indices, seed)``, never on how many processes drew them. Used for
the training side of the real letters; validation and the held-out sites are always drawn
plainly (the cached rendering).
"""

from __future__ import annotations

import numpy as np

from cnn_studio.model.data.real_letters import RealLetters
from cnn_studio.model.ink.preprocess import strokes_to_image
from cnn_studio.model.ink.stroke_jitter import jitter
from cnn_studio.model.workers import default_workers, run_chunks

CHUNK = 4000
_STREAM = 29  # keeps these draws apart from the other seeded streams of a run


def _render_chunk(number: int, start: int, strokes: list, canvas: tuple[float, float],
                  seed: int) -> np.ndarray:
    out = np.empty((len(strokes), 28, 28), np.float32)
    for k, letter in enumerate(strokes):
        rng = np.random.default_rng([int(seed), _STREAM, start + k])
        out[k] = strokes_to_image(jitter(letter, rng), canvas)
    return out


def render_varied(letters: RealLetters, indices, seed: int, workers: int | None = None,
                  progress=None, cancel=None) -> np.ndarray:
    """float32 ``(len(indices), 28, 28)``: letter ``indices[k]`` drawn with variation ``k``.

    Args:
        indices: sample indices, repeats allowed (each repeat varies differently).
        workers: processes (None: one per core).
        progress: ``progress(done, total)`` after each chunk; cancel: ``is_set()`` object.

    Raises:
        model.synth.generator.GenerationCancelled: ``cancel`` was set.
    """
    from cnn_studio.model.synth.generator import GenerationCancelled

    indices = np.asarray(indices, np.int64)
    out = np.empty((len(indices), 28, 28), np.float32)
    chunks = [(number, start,
               [letters.strokes(i) for i in indices[start:start + CHUNK].tolist()],
               letters.canvas, int(seed))
              for number, start in enumerate(range(0, len(indices), CHUNK))]
    done = 0

    def report(number: int, part: np.ndarray) -> None:
        nonlocal done
        start = number * CHUNK
        out[start:start + len(part)] = part
        done += len(part)
        if progress is not None:
            progress(done, len(indices))

    run_chunks(_render_chunk, chunks, default_workers() if workers is None else workers,
               cancel, report,
               lambda: GenerationCancelled("drawing the varied real letters was cancelled"))
    return out
