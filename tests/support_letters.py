"""Jittered stroke drawings of a few letters, and a tiny network trained on them (test helper).

Shared by the tests that need a model which really tells some letters apart (the draw panel
and the ``classify`` command) without the cost of the shipped model's training.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SHAPES = {  # unit-square skeletons of a few letters that a tiny network tells apart
    "L": [[(0.2, 0.0), (0.2, 1.0), (0.8, 1.0)]],
    "T": [[(0.0, 0.0), (1.0, 0.0)], [(0.5, 0.0), (0.5, 1.0)]],
    "O": [[(0.5 + 0.45 * np.cos(t), 0.5 + 0.5 * np.sin(t)) for t in np.linspace(0, 6.3, 40)]],
    "X": [[(0.0, 0.0), (1.0, 1.0)], [(1.0, 0.0), (0.0, 1.0)]],
    "V": [[(0.0, 0.0), (0.5, 1.0), (1.0, 0.0)]],
    "Z": [[(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)]],
}


def letter_strokes(letter: str, rng: np.random.Generator,
                   rotate: bool = True) -> list[np.ndarray]:
    """A jittered drawing of ``letter`` on a 280x280 canvas.

    Args:
        letter: A key of ``SHAPES``.
        rng: The random source (the draws depend only on it).
        rotate: Whether to tilt the letter by a small random angle too.

    Returns:
        One (k, 2) array of canvas points per stroke.
    """
    rotation = None
    if rotate:
        angle = rng.uniform(-0.2, 0.2)
        rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    size = rng.uniform(120, 200, size=2)
    origin = rng.uniform(30, 250 - size)
    strokes = []
    for stroke in SHAPES[letter]:
        pts = np.array(stroke, float)
        pts = np.concatenate([np.linspace(a, b, 8, endpoint=False)
                              for a, b in zip(pts[:-1], pts[1:], strict=True)] + [pts[-1:]])
        if rotation is not None:
            pts = (pts - 0.5) @ rotation.T + 0.5
        strokes.append(np.clip(pts * size + origin + rng.normal(0, 1.5, pts.shape), 0, 280))
    return strokes


def train_letter_model(letters: str, per_letter: int, path: Path, rotate: bool = True) -> Path:
    """Train the ``tiny`` preset for a few seconds on drawings of ``letters`` and save it.

    Args:
        letters: The letters to learn (keys of ``SHAPES``), e.g. ``"LTXV"``.
        per_letter: How many drawings of each letter to train on.
        path: Where to save the ``.keras`` file.
        rotate: Passed to ``letter_strokes``.

    Returns:
        ``path``.
    """
    from cnn_studio.model.ink.preprocess import strokes_to_image
    from cnn_studio.model.ink.strokes import label_to_class
    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.nets.model_files import save_model_file
    from cnn_studio.model.spec.presets import get_preset

    rng = np.random.default_rng(0)
    pairs = [(letter_strokes(letter, rng, rotate), label_to_class(letter))
             for letter in letters for _ in range(per_letter)]
    x = np.stack([strokes_to_image(s, (280, 280)) for s, _ in pairs])[..., None]
    y = np.array([label for _, label in pairs])
    spec = get_preset("tiny")
    model = build_model(spec, seed=0)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    save_model_file(model, spec, path)
    return path
