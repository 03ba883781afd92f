"""A kept run's settings and data choice as the training form takes them ("Train again").

Runs trained in the window keep their whole :class:`model.data.datasets.DataChoice` under
``data["choice"]``; runs of ``cnn-studio train`` and ``compare`` keep their ``--data`` source
and sample count, turned back into the choice that command made of them.
"""

from __future__ import annotations

from dataclasses import fields

from cnn_studio.model.data.datasets import DataChoice
from cnn_studio.model.runs.record import RunError, RunRecord
from cnn_studio.model.training.config import TrainConfig, TrainConfigError

#: ``--data`` sources of the command line: (synthetic, own, EMNIST, real) weights.
_SOURCES = {"synthetic": (1.0, 0.0, 0.0, 0.0), "user": (0.0, 1.0, 0.0, 0.0),
            "emnist": (0.0, 0.0, 1.0, 0.0), "unipen": (0.0, 0.0, 0.0, 1.0)}


def train_config_of(record: RunRecord) -> TrainConfig:
    """The training settings ``record`` was trained with (settings this version lacks are left
    out; ones it does not know keep their defaults).

    Raises:
        RunError: the kept settings are out of range for this version.
    """
    known = {f.name for f in fields(TrainConfig)}
    try:
        return TrainConfig(**{k: v for k, v in record.settings.items() if k in known}).validate()
    except (TrainConfigError, TypeError) as error:
        raise RunError(f"run {record.name}: its settings cannot be used again ({error})") \
            from error


def data_choice_of(record: RunRecord) -> DataChoice | None:
    """The letters ``record`` was trained on as a data choice, or None when the record does not
    say (a Teach run, a dataset file's run)."""
    data = record.data
    choice = data.get("choice")
    if isinstance(choice, dict):
        known = {f.name for f in fields(DataChoice)}
        try:
            return DataChoice(**{k: v for k, v in choice.items() if k in known})
        except TypeError:
            return None
    weights = _SOURCES.get(str(data.get("source")))
    samples = data.get("samples")
    if weights is None or not (samples is None or isinstance(samples, int)):
        return None
    synthetic, own, emnist, real = weights
    return DataChoice(samples, synthetic, own, emnist, real_weight=real)
