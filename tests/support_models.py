"""Model files for tests: the tiny preset with seeded weights, saved as a .keras file."""

from __future__ import annotations

from pathlib import Path


def save_tiny_model(path: Path, seed: int):
    """Build the tiny preset with weights seeded by ``seed``, save it at ``path``; the model."""
    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.nets.model_files import save_model_file
    from cnn_studio.model.spec.presets import get_preset

    spec = get_preset("tiny")
    model = build_model(spec, seed=seed)
    save_model_file(model, spec, path)
    return model
