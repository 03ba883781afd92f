"""Train one network and keep it as a run, robustness measured: what ``compare`` repeats.

The ``compare`` command and the seeds' dense-vs-CNN experiment train several networks on the
same letters with the same seed; each goes through :func:`train_recorded`.
"""

from __future__ import annotations

from cnn_studio.model.runs.record import RunRecord
from cnn_studio.model.runs.recorder import RunRecorder
from cnn_studio.model.runs.store import RunStore
from cnn_studio.model.spec.network import NetworkSpec
from cnn_studio.model.training.config import TrainConfig, TrainHooks


def train_recorded(spec: NetworkSpec, data, config: TrainConfig, store: RunStore,
                   data_info: dict, *, name: str | None = None, hooks: TrainHooks | None = None,
                   stop_event=None) -> RunRecord:
    """Train ``spec`` on ``data`` as a kept run and measure its robustness curves.

    Args:
        spec: the network (built with ``config.seed``).
        data: ``(train, validation)`` datasets.
        config: the training settings.
        store: where the run is kept.
        data_info: the record's description of the letters.
        name: the run's name (default: the network's).
        hooks: progress of the training.
        stop_event: set it to stop the training early.

    Returns:
        The run's record as kept (robustness included unless the run diverged or trained
        nothing).

    Raises:
        RunError: the run cannot be kept; TrainConfigError, TrainDataError as ``train``.
    """
    from cnn_studio.model.nets.keras_build import build_model
    from cnn_studio.model.runs.real_set import measuring_set
    from cnn_studio.model.runs.robustness import (
        ROBUSTNESS_PER_LETTER,
        keras_classifier,
        measure,
    )
    from cnn_studio.model.training.loop import train

    recorder = RunRecorder(store, spec, config, data_info, name)
    result = train(lambda: build_model(spec, seed=config.seed), data[0], data[1], config, hooks,
                   stop_event=stop_event, recorder=recorder)
    if recorder.record.model_file is None:
        return store.read(recorder.run_id)
    metrics = measure(keras_classifier(result.model), measuring_set().first(ROBUSTNESS_PER_LETTER))
    return store.update(recorder.run_id, metrics=metrics)
