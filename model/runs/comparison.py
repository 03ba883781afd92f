"""Runs side by side: the figures of each, the settings that differ, robustness on demand.

:func:`comparison` is what ``runs compare`` and ``compare`` print and the compare view shows:
a ``networks`` list (name, parameters, MACs, seconds, validation and real-letter accuracy,
the three robustness curves) and the settings that differ between the runs.
"""

from __future__ import annotations

from cnn_studio.model.runs.record import ROBUSTNESS_KINDS, RunError, RunRecord
from cnn_studio.model.runs.store import RunStore


def _flat(prefix: str, value, out: dict) -> None:
    """``out[prefix.key...] = leaf`` for every leaf of nested dicts and lists."""
    if isinstance(value, dict):
        for key in sorted(value):
            _flat(f"{prefix}.{key}" if prefix else str(key), value[key], out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _flat(f"{prefix}[{index + 1}]", item, out)
    else:
        out[prefix] = value


def _described(record: RunRecord) -> dict:
    """Every setting of a run as ``{"settings.batch_size": 64, "network.layers[1].kind": ...}``."""
    out: dict = {}
    _flat("settings", record.settings, out)
    _flat("data", record.data, out)
    _flat("network", {"layers": record.network.get("layers", [])}, out)
    out["epochs completed"] = record.epochs_completed
    return out


def differing_settings(records: list[RunRecord]) -> list[tuple[str, list]]:
    """``(setting, value per run)`` for every setting that is not the same in all runs.

    A setting a run lacks (a layer another network does not have) shows as None.
    """
    described = [_described(record) for record in records]
    keys = sorted(set().union(*described)) if described else []
    rows = []
    for key in keys:
        values = [d.get(key) for d in described]
        if any(value != values[0] for value in values):
            rows.append((key, values))
    return rows


def network_summary(record: RunRecord) -> dict:
    """The figures of one run, as the ``networks`` list of :func:`comparison` holds them."""
    metrics = record.metrics
    curves = metrics.get("robustness", {})
    return {"run": record.id, "name": record.name, "network": record.network_name(),
            "state": record.state(), "params": record.params, "macs": record.macs,
            "epochs": record.epochs_completed, "seconds": round(record.wall_s, 2),
            "samples_per_s": round(record.samples_per_s, 1),
            "validation_accuracy": metrics.get("val_accuracy"),
            "real_letter_accuracy": metrics.get("real_accuracy"),
            "real_letters": metrics.get("real_letters"),
            "robustness_letters": metrics.get("robustness_letters"),
            "per_letter": metrics.get("per_letter", {}),
            **{kind: [list(point) for point in curves.get(kind, [])] for kind in ROBUSTNESS_KINDS}}


def comparison(records: list[RunRecord]) -> dict:
    """``{"networks": [...], "differences": [{"setting": ..., "values": [...]}]}``."""
    return {"networks": [network_summary(record) for record in records],
            "differences": [{"setting": key, "values": values}
                            for key, values in differing_settings(records)]}


def with_robustness(store: RunStore, run_id: str) -> RunRecord:
    """The record of ``run_id`` with its robustness curves, measured and kept if missing.

    Loads the run's model (seconds): call it off the GUI thread.

    Raises:
        RunError: no such run, damaged, or it has no model to measure.
    """
    record = store.read(run_id)
    if set(record.metrics.get("robustness", {})) == set(ROBUSTNESS_KINDS):
        return record
    path = store.model_path(run_id)
    if path is None:
        raise RunError(f"run {run_id} has no model to measure ({record.model_note or 'none kept'})")
    from cnn_studio.model.nets.model_files import ModelFileError, load_model_file
    from cnn_studio.model.runs.real_set import measuring_set
    from cnn_studio.model.runs.robustness import (
        ROBUSTNESS_PER_LETTER,
        keras_classifier,
        measure,
    )

    try:
        model = load_model_file(path, compile=False)
    except ModelFileError as error:
        raise RunError(f"run {run_id}: its model cannot be read ({error})") from None
    metrics = measure(keras_classifier(model), measuring_set().first(ROBUSTNESS_PER_LETTER))
    return store.update(run_id, metrics=metrics)
