"""A Teach run kept as a run: the network fine-tuned on the person's letters, in one record.

Teach (:func:`model.training.finetune.teach`) trains by steps, not epochs, and has no per-batch
curves; its record therefore holds no curves, zero epochs, the steps and letters it used, the
held-back letters' accuracy as its validation figure, the adapted model and its accuracy on
the fixed real letters, like every other run.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict

from cnn_studio import __version__
from cnn_studio.model.runs.record import MODEL_FILE, RunRecord, hostname
from cnn_studio.model.runs.recorder import measure_real_letters
from cnn_studio.model.runs.store import MAX_KEPT_MODEL_BYTES, RunStore, now_text
from cnn_studio.model.spec.analysis import analyze
from cnn_studio.model.spec.files import to_json
from cnn_studio.model.spec.network import NetworkSpec


def keep_taught_run(store: RunStore, spec: NetworkSpec, model, config, result) -> RunRecord:
    """Keep the adapted network ``model`` of one Teach run as a finished run.

    Args:
        store: where the run is kept.
        spec: the network that was taught.
        model: a Keras model holding the adapted weights.
        config: the run's :class:`model.training.finetune.TeachConfig`.
        result: its :class:`model.training.finetune.TeachResult`.

    Returns:
        The record as kept.

    Raises:
        RunError: the run folder cannot be made; OSError: the record cannot be written.
    """
    from cnn_studio.model.nets.model_files import ModelFileError, save_model_file

    report = analyze(spec)
    created = now_text()
    stamp = created.replace("-", "").replace(":", "").replace("T", "-").rstrip("Z")
    seen = int(result.steps * config.batch)
    metrics = {} if result.after is None else {"val_accuracy": float(result.after)}
    record = store.create(RunRecord(
        id=f"{stamp}-{spec.name}-taught", name=f"{spec.name} taught your hand",
        created=created, updated=created, status="running", pid=os.getpid(), host=hostname(),
        app_version=__version__, device="cpu", network=json.loads(to_json(spec)),
        settings={"teach": True, **asdict(config)},
        data={"source": "your letters (Teach)", "taught": result.taught,
              "held_back": result.held_back, "replay": config.replay},
        seed=int(config.seed), params=report.total_params, macs=report.total_macs,
        epochs_planned=0, samples=int(result.taught), validation_samples=int(result.held_back),
        samples_seen=seen, wall_s=float(result.seconds),
        samples_per_s=seen / result.seconds if result.seconds > 0 else 0.0, metrics=metrics,
        message=f"Fine-tuned for {result.steps} steps on {result.taught} of your letters "
                f"(validation: the {result.held_back} held back)."))
    try:
        save_model_file(model, spec, store.folder(record.id) / MODEL_FILE)
        record.model_file = MODEL_FILE
    except (ModelFileError, OSError) as error:
        record.model_note = f"the model could not be saved ({str(error)[:200]})"
    record.metrics.update(measure_real_letters(model))
    record.status = "finished"
    store.write(record)
    store.keep_models_within(MAX_KEPT_MODEL_BYTES, record.id)
    return record
