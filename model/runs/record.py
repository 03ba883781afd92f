"""The record of one training run: a versioned JSON document, checked field by field on read.

A record says what was trained (network, settings, data, seed), how it went (per-batch and
per-epoch curves, wall time, samples/s) and what came out (validation and real-letter
accuracy, per-letter accuracy, robustness curves). It is written while the run goes, so a run
that was killed reads as stopped at its last complete epoch. No TensorFlow, no Qt.
"""

from __future__ import annotations

import json
import math
import re
import socket
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from cnn_studio.model.errors import UserError
from cnn_studio.model.storage.paths import pid_alive

FORMAT = "cnn-studio-run"
VERSION = 1
RECORD_FILE = "run.json"
MODEL_FILE = "model.keras"
MAX_RECORD_BYTES = 16 * 2**20  # a record is a few hundred kB at most (curves are thinned)
MAX_TEXT = 2000  # characters of a name, note or message
#: How a run ended; ``running`` while its process writes it.
STATUSES = ("running", "finished", "stopped", "diverged", "failed")
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")
CURVE_KEYS = {"batch": ("epoch", "step", "samples_seen", "loss", "accuracy"),
              "epoch": ("samples_seen", "loss", "accuracy", "val_loss", "val_accuracy",
                        "learning_rate")}


class RunError(UserError):
    """A run folder or record is missing, damaged or not a run; the message says which."""


def hostname() -> str:
    """This machine's name, as records store it (a pid means something on its host only)."""
    return socket.gethostname()[:200]


@dataclass
class RunRecord:
    """Everything kept about one training run (see the module docstring).

    Attributes:
        id: the run folder's name.
        name: the name shown for the run (renamable).
        note: the person's note.
        created, updated: ISO 8601 UTC times of the start and the last write.
        status: one of :data:`STATUSES`.
        pid, host: the process that writes the record while it runs.
        app_version: CNN Studio's version.
        device: where it trained (``cpu``, ``gpu:0``, ...).
        network: the network as its ``.cnn.json`` document.
        settings: the training settings (``TrainConfig`` fields).
        data: where the letters came from (source, samples, validation share, augmentation).
        seed: the seed of data, initial weights and shuffling.
        params, macs: parameters and multiply-accumulates per letter of the network.
        epochs_planned, epochs_completed: the planned and the complete epochs.
        samples, validation_samples: training and validation letters per epoch.
        samples_seen: training letters processed.
        wall_s: wall time, pauses included.
        samples_per_s: training throughput of the batch loop.
        curves: ``{"batch": {...}, "epoch": {...}}``, lists per key of :data:`CURVE_KEYS`.
        metrics: final figures (``val_accuracy``, ``real_accuracy``, ``per_letter``,
            ``robustness`` ...), present once measured.
        message: how the run ended, in one sentence.
        model_file: the trained model's file name in the run folder, or None.
        model_note: why there is no model file, when there is none.
    """

    id: str
    name: str
    created: str
    updated: str
    status: str
    pid: int
    host: str
    app_version: str
    device: str
    network: dict
    settings: dict
    data: dict
    seed: int
    params: int
    macs: int
    epochs_planned: int
    note: str = ""
    epochs_completed: int = 0
    samples: int = 0
    validation_samples: int = 0
    samples_seen: int = 0
    wall_s: float = 0.0
    samples_per_s: float = 0.0
    curves: dict = field(default_factory=lambda: {part: {key: [] for key in keys}
                                                  for part, keys in CURVE_KEYS.items()})
    metrics: dict = field(default_factory=dict)
    message: str = ""
    model_file: str | None = None
    model_note: str = ""

    def interrupted(self) -> bool:
        """True for a run still marked running whose process is gone (killed or crashed)."""
        return self.status == "running" and not (self.host == hostname() and
                                                 pid_alive(self.pid))

    def state(self) -> str:
        """How the run stands, in a few words: ``finished, 5 epochs``, ``stopped at epoch 2``."""
        done = self.epochs_completed
        if self.interrupted():
            return f"stopped at epoch {done} (the program ended during the run)"
        if self.status == "running":
            return f"running, {done} of {self.epochs_planned} epochs done"
        if self.status == "finished":
            return f"finished, {done} epoch{'' if done == 1 else 's'}"
        if self.status == "stopped":
            return f"stopped at epoch {done}"
        return f"{self.status} after epoch {done}"

    def network_name(self) -> str:
        """The name stored in the network document."""
        name = self.network.get("name")
        return name if isinstance(name, str) else "untitled"

    def to_json(self) -> str:
        """The record as JSON text (NaN and infinities written as null)."""
        document = {"format": FORMAT, "version": VERSION,
                    **{f.name: getattr(self, f.name) for f in fields(self)}}
        try:  # the recorder keeps figures finite: no copy needed (a write costs milliseconds)
            text = json.dumps(document, separators=(",", ":"), allow_nan=False)
        except ValueError:
            text = json.dumps(_finite(document), separators=(",", ":"), allow_nan=False)
        return text + "\n"


def _finite(value):
    """``value`` with every NaN or infinite float replaced by None (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


_TYPES = {"id": str, "name": str, "created": str, "updated": str, "status": str, "pid": int,
          "host": str, "app_version": str, "device": str, "network": dict, "settings": dict,
          "data": dict, "seed": int, "params": int, "macs": int, "epochs_planned": int,
          "note": str, "epochs_completed": int, "samples": int, "validation_samples": int,
          "samples_seen": int, "wall_s": float, "samples_per_s": float, "curves": dict,
          "metrics": dict, "message": str, "model_file": (str, type(None)), "model_note": str}


def _check_field(name: str, value) -> str | None:
    """What is wrong with one field's value, or None."""
    kind: Any = _TYPES[name]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return None if value >= 0 else f"{name} is negative"
    if isinstance(value, bool) or not isinstance(value, kind):
        return f"{name} has the wrong type"
    if kind is int and value < 0:
        return f"{name} is negative"
    if kind is float and not (math.isfinite(value) and value >= 0):
        return f"{name} is not a number of 0 or more"
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return f"{name} is longer than {MAX_TEXT} characters"
    return None


#: The exact types a curve value may have (``type`` is exact: a bool is not an int here).
_CURVE_TYPES = frozenset((int, float, type(None)))


def _check_curves(curves: dict) -> str | None:
    if set(curves) != set(CURVE_KEYS):
        return "curves must have 'batch' and 'epoch' parts"
    for part, keys in CURVE_KEYS.items():
        series = curves[part]
        if not isinstance(series, dict) or set(series) != set(keys):
            return f"the {part} curves have the wrong keys"
        lengths = set()
        for key in keys:
            values = series[key]
            if not isinstance(values, list) or not set(map(type, values)) <= _CURVE_TYPES:
                return f"the {part} curve {key!r} is not a list of numbers"
            lengths.add(len(values))
        if len(lengths) > 1:
            return f"the {part} curves have different lengths"
    return None


def _problem(document: object, folder_id: str) -> str | None:
    """What makes ``document`` not a valid record of the folder ``folder_id``, or None."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return "not a CNN Studio run record"
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version > VERSION:
        return f"record version {version!r} is not one this app reads (up to {VERSION}); " \
               "update CNN Studio"
    missing = [f.name for f in fields(RunRecord) if f.name not in document
               and f.default is MISSING and f.default_factory is MISSING]
    if missing:
        return f"fields {', '.join(missing)} are missing"
    extra = sorted(set(document) - set(_TYPES) - {"format", "version"})
    if extra:
        return f"unknown fields {', '.join(extra)}"
    for name in _TYPES:
        if name in document:
            problem = _check_field(name, document[name])
            if problem:
                return problem
    if document["id"] != folder_id:
        return f"it names run {document['id']!r}, not its folder's {folder_id!r}"
    if document["status"] not in STATUSES:
        return f"status {document['status']!r} is unknown"
    if document.get("model_file") not in (None, MODEL_FILE):
        return f"model file {document['model_file']!r} is not {MODEL_FILE!r}"
    if "curves" in document:
        problem = _check_curves(document["curves"])
        if problem:
            return problem
    return _check_metrics(document.get("metrics", {}))


ROBUSTNESS_KINDS = ("shift", "rotation", "scale")
_NUMBER_METRICS = ("val_accuracy", "val_loss", "loss", "accuracy", "real_accuracy",
                   "real_upper_accuracy", "real_lower_accuracy")


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_metrics(metrics: dict) -> str | None:
    """What is wrong with the ``metrics`` of a record, or None."""
    extra = sorted(set(metrics) - set(_NUMBER_METRICS) - {"per_letter", "real_letters",
                                                          "robustness", "robustness_letters"})
    if extra:
        return f"unknown metrics {', '.join(extra)}"
    for name in _NUMBER_METRICS:
        if name in metrics and not (metrics[name] is None or _number(metrics[name])):
            return f"metric {name} is not a number"
    for name in ("real_letters", "robustness_letters"):
        if name in metrics and not (isinstance(metrics[name], int) and metrics[name] >= 0):
            return f"metric {name} is not a count"
    letters = metrics.get("per_letter", {})
    if not isinstance(letters, dict) or not all(
            isinstance(k, str) and len(k) == 1 and (v is None or _number(v))
            for k, v in letters.items()):
        return "per_letter must map letters to accuracies"
    curves = metrics.get("robustness", {})
    if not isinstance(curves, dict) or not set(curves) <= set(ROBUSTNESS_KINDS):
        return "robustness must hold shift, rotation and scale curves"
    for kind, points in curves.items():
        if not isinstance(points, list) or not all(
                isinstance(p, list) and len(p) == 2 and _number(p[0]) and
                (p[1] is None or _number(p[1])) for p in points):
            return f"the {kind} robustness curve is not a list of (amount, accuracy) pairs"
    return None


def parse_record(text: bytes | str, folder_id: str) -> RunRecord:
    """The :class:`RunRecord` of a record file's text, checked field by field.

    Args:
        text: the JSON text of ``run.json``.
        folder_id: the name of the folder the file is in (the record must name it).

    Raises:
        RunError: not JSON, not a run record, or a field is missing or of the wrong kind.
    """
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise RunError(f"not readable JSON ({str(error)[:80]})") from None
    problem = _problem(document, folder_id)
    if problem:
        raise RunError(problem)
    values = {name: document[name] for name in _TYPES if name in document}
    for name in ("wall_s", "samples_per_s"):
        if name in values:
            values[name] = float(values[name])
    return RunRecord(**values)
