"""The seeds' experiment: a dense network and a CNN on the same letters, with the same seed.

:func:`run_experiment` trains the ``dense`` preset and a CNN (the ``classic`` preset unless
another is given) as two kept runs, robustness measured. :func:`explanation` writes what the
two records show: parameters per layer and what a dense layer in the first convolution's place
would cost, accuracy on the real letters and the accuracy each lost when the letters moved 4
pixels. Every comparing word is chosen from the measured numbers; differences smaller than
:data:`SAME_WITHIN` points are called about the same.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from cnn_studio.model.runs.record import RunRecord
from cnn_studio.model.runs.robustness import accuracy_at
from cnn_studio.model.runs.store import RunStore
from cnn_studio.model.spec.analysis import LayerReport, analyze
from cnn_studio.model.spec.files import from_json
from cnn_studio.model.spec.network import POOL_KINDS, NetworkSpec, SpecError
from cnn_studio.model.spec.presets import get_preset
from cnn_studio.model.training.config import TrainConfig, TrainHooks

DENSE_PRESET, CNN_PRESET = "dense", "classic"
SHIFT = 4  # pixels
SAME_WITHIN = 0.5  # percentage points: a smaller difference is "about the same"


@dataclass
class Experiment:
    """The two kept runs and the text their numbers support.

    Attributes:
        dense: the dense network's run.
        cnn: the convolutional network's run.
        text: the explanation, one paragraph per item.
    """

    dense: RunRecord
    cnn: RunRecord
    text: list[str]


def run_experiment(store: RunStore, data, config: TrainConfig, data_info: dict,
                   cnn: NetworkSpec | None = None, hooks: TrainHooks | None = None,
                   stop_event=None) -> Experiment:
    """Train the dense preset and ``cnn`` (default the classic preset) on the same ``data``.

    Args:
        store: where both runs are kept.
        data: ``(train, validation)`` datasets, the same for both.
        config: the settings of both (the same seed for data order and initial weights).
        data_info: the records' description of the letters.
        cnn: the convolutional network.
        hooks: progress of each training in turn.
        stop_event: set it to stop the training in progress.

    Returns:
        The :class:`Experiment`.
    """
    from cnn_studio.model.runs.trial import train_recorded

    networks = (get_preset(DENSE_PRESET), cnn if cnn is not None else get_preset(CNN_PRESET))
    dense, conv = (train_recorded(spec, data, config, store, data_info,
                                  name=f"{spec.name} (dense vs CNN)", hooks=hooks,
                                  stop_event=stop_event) for spec in networks)
    return Experiment(dense, conv, explanation(dense, conv))


def _layers(record: RunRecord) -> list[LayerReport]:
    try:
        return analyze(from_json(json.dumps(record.network))).layers
    except SpecError:
        return []


def _pct(share: float) -> float:
    return round(100.0 * share, 1)


def _compare(a_name: str, a: float, b_name: str, b: float, more: str) -> str:
    """``a_name {more} by ...`` / about the same, from two rounded percentages."""
    difference = round(a - b, 1)
    if abs(difference) < SAME_WITHIN:
        return "about the same"
    winner, amount = (a_name, difference) if difference > 0 else (b_name, -difference)
    return f"{winner} {more} by {amount:.1f} points"


def _parameters(record: RunRecord) -> str:
    parts = [f"{report.title} {report.params:,}" for report in _layers(record) if report.params]
    return f"{record.network_name()}: {record.params:,} parameters ({'; '.join(parts) or 'none'})"


def _first_conv(record: RunRecord) -> str | None:
    """What the first convolution costs and what a dense layer in its place would cost."""
    reports = _layers(record)
    conv = next((r for r in reports if r.kind == "conv2d" and r.output_shape), None)
    if conv is None or conv.input_shape is None or conv.output_shape is None:
        return None
    inputs, outputs = math.prod(conv.input_shape), math.prod(conv.output_shape)
    height, width, maps = conv.output_shape
    dense = inputs * outputs + outputs
    text = (f"The first convolution of {record.network_name()} ({conv.title}) has {conv.params:,} "
            f"parameters: each of its {maps} kernels uses the same weights at all "
            f"{height * width:,} positions of its {height}x{width} output. A dense layer making "
            f"the same {height}x{width}x{maps} outputs from its {inputs:,} inputs would need "
            f"{dense:,} parameters, {dense / max(conv.params, 1):,.0f} times as many.")
    pools = [r for r in reports if r.kind in POOL_KINDS and r.output_shape and r.input_shape]
    if pools:
        first, last = pools[0].input_shape or (0, 0), pools[-1].output_shape or (0, 0)
        text += (f" Its {len(pools)} pooling layer{'s' if len(pools) > 1 else ''} shrink the "
                 f"maps from {first[0]}x{first[1]} to {last[0]}x{last[1]}.")
    return text


def _accuracy(dense: RunRecord, cnn: RunRecord) -> str:
    a, b = cnn.metrics.get("real_accuracy"), dense.metrics.get("real_accuracy")
    if a is None or b is None:
        return "The accuracy on the real letters was not measured for both runs."
    count = cnn.metrics.get("real_letters")
    cnn_name, dense_name = cnn.network_name(), dense.network_name()
    return (f"On {f'{count:,}' if count else 'the'} real letters of the held-out sites, "
            f"{cnn_name} read {_pct(a):.1f} % and {dense_name} {_pct(b):.1f} %: "
            f"{_compare(cnn_name, _pct(a), dense_name, _pct(b), 'read more')}.")


def _shift_loss(record: RunRecord) -> tuple[float, float] | None:
    curve = record.metrics.get("robustness", {}).get("shift", [])
    still, moved = accuracy_at(curve, 0), accuracy_at(curve, SHIFT)
    return None if still is None or moved is None else (_pct(still), _pct(moved))


def _kept(figures: tuple[float, float]) -> float | None:
    """The share of its unmoved accuracy a network kept when moved, in percent."""
    still, moved = figures
    return None if still <= 0 else round(100.0 * moved / still, 1)


def _shift(dense: RunRecord, cnn: RunRecord) -> str:
    c, d = _shift_loss(cnn), _shift_loss(dense)
    if c is None or d is None:
        return f"The accuracy at a {SHIFT}-pixel shift was not measured for both runs."
    cnn_name, dense_name = cnn.network_name(), dense.network_name()
    lost_c, lost_d = round(c[0] - c[1], 1), round(d[0] - d[1], 1)
    count = cnn.metrics.get("robustness_letters")
    letters = f"{count:,} of these letters" if count else "the letters"
    text = (f"With {letters} moved by {SHIFT} pixels, {cnn_name} went from {c[0]:.1f} % to "
            f"{c[1]:.1f} % ({lost_c:.1f} points lost) and {dense_name} from {d[0]:.1f} % to "
            f"{d[1]:.1f} % ({lost_d:.1f} points lost). ")
    kept_c, kept_d = _kept(c), _kept(d)
    fewer = round(lost_d - lost_c, 1)  # > 0: the CNN lost fewer points
    larger = None if kept_c is None or kept_d is None else round(kept_c - kept_d, 1)
    if larger is not None:
        text += (f"{cnn_name} kept {kept_c:.1f} % of its unmoved accuracy, "
                 f"{dense_name} {kept_d:.1f} %. ")
    points = 0 if abs(fewer) < SAME_WITHIN else (1 if fewer > 0 else -1)
    share = 0 if larger is None or abs(larger) < SAME_WITHIN else (1 if larger > 0 else -1)
    if points > 0 and share >= 0:
        return text + (f"{cnn_name} lost {fewer:.1f} points less. A dense layer has its own "
                       "weight for every pixel, so a moved letter meets other weights; a "
                       f"kernel uses the same weights at every position{_pooling_clause(cnn)}.")
    if points < 0 and share <= 0:
        return text + (f"Here {dense_name} lost {-fewer:.1f} points less than {cnn_name}: in "
                       "this run the convolutional network was not the one that took the "
                       "moved letters better.")
    if points == 0 and share == 0:
        return text + ("Both lost about the same, so this run shows no difference in how "
                       "they take a moved letter.")
    fewer_name = cnn_name if points > 0 else dense_name
    larger_name = cnn_name if share > 0 else dense_name
    if points == 0 or share == 0:
        measure = (f"{larger_name} kept a larger share" if points == 0 else
                   f"{fewer_name} lost fewer points")
        return text + (f"Only one measure separates them ({measure}); by the other they are "
                       "about the same, so this run does not show clearly which takes a moved "
                       "letter better.")
    # keeping a larger share while losing more points implies starting higher
    return text + (f"The two measures disagree: {fewer_name} lost fewer points, but "
                   f"{larger_name} kept a larger share of its accuracy (it started higher); "
                   "this run does not show clearly which takes a moved letter better.")


_POOLING_DOES = {"maxpool2d": "max-pooling keeps the strongest answer of each window",
                 "avgpool2d": "average pooling keeps the mean of each window",
                 "sumpool2d": "sum pooling keeps the sum of each window"}


def _pooling_clause(record: RunRecord) -> str:
    kinds = sorted({r.kind for r in _layers(record) if r.kind in _POOLING_DOES})
    return "".join(f", and {_POOLING_DOES[kind]}" for kind in kinds)


def explanation(dense: RunRecord, cnn: RunRecord) -> list[str]:
    """What the two runs' numbers show, one paragraph per item (see the module docstring)."""
    paragraphs = [f"Parameters per layer. {_parameters(cnn)}. {_parameters(dense)}."]
    conv = _first_conv(cnn)
    if conv:
        paragraphs.append(conv)
    paragraphs += [_accuracy(dense, cnn), _shift(dense, cnn)]
    return paragraphs
