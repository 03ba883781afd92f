"""Fuzz the network builder: random edit sequences through the spec API.

A hypothesis state machine adds layers of every kind (with valid, out-of-range and wrongly
typed settings, sometimes of unknown kinds), deletes and moves them, changes and removes
settings, appends the output layer, renames the network and round-trips it through JSON text
and files. After every step ``analyze`` must answer without raising and agree with itself;
the only exception any step may raise is ``SpecError``. At the end of each example the last
valid network is built with ``build_model`` (checked against the analysis), and a sample of
them trains one batch through ``model.training.loop.train``.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import keras
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from support_reliability import easy_data

from cnn_studio.model.nets.keras_build import build_model
from cnn_studio.model.nets.keras_code import keras_code
from cnn_studio.model.spec.analysis import analyze, with_output_layer
from cnn_studio.model.spec.files import (
    canonical,
    check_name,
    from_json,
    load_spec,
    save_spec,
    to_json,
)
from cnn_studio.model.spec.network import (
    LAYER_TYPES,
    NUM_CLASSES,
    LayerSpec,
    NetworkSpec,
    ParamDef,
    SpecError,
    is_output_layer,
    layer_title,
    resolve_params,
)
from cnn_studio.model.spec.presets import PRESETS, get_preset
from cnn_studio.model.training.config import TrainConfig
from cnn_studio.model.training.loop import train

KINDS = sorted(LAYER_TYPES)
UNKNOWN_KINDS = ["conv3d", "", "Dense", "lstm", "conv2d ", "x" * 300]
#: Smaller upper bounds drawn most of the time, so random valid networks stay cheap to build.
SOFT_MAX = {"filters": 24, "units": 96, "kernel_h": 5, "kernel_w": 5}
#: Only networks below this many multiply-accumulates per image are trained for one batch.
TRAIN_MAC_LIMIT = 10_000_000


class Stats:
    """Counts over one test run (the state machine creates a new instance per example)."""

    def __init__(self, train_every: int) -> None:
        self.checks = 0
        self.examples = 0
        self.valid_steps = 0
        self.built = 0
        self.trained = 0
        self.train_every = train_every
        self.seen: set[str] = set()
        self.kinds: list[list[str]] = []

    @property
    def steps(self) -> int:
        """Edit steps run: invariant checks minus the one after each example's start."""
        return self.checks - self.examples


def good_value(p: ParamDef):
    """A value inside the setting's range (mostly small numbers for cheap networks)."""
    if p.type == "bool":
        return st.booleans()
    if p.type == "choice":
        return st.sampled_from(p.choices)
    if p.type == "int":
        low, high = int(p.minimum), int(p.maximum)
        soft = min(high, SOFT_MAX.get(p.name, high))
        return st.one_of(st.integers(low, soft), st.integers(low, soft), st.integers(low, high))
    return st.floats(p.minimum, p.maximum, allow_nan=False)


def bad_value(p: ParamDef):
    """A value a user or a file might give that the setting must refuse (or a wrong type)."""
    values = [st.none(), st.text(max_size=12), st.lists(st.integers(), max_size=3),
              st.floats(allow_nan=True, allow_infinity=True),
              st.sampled_from([math.nan, math.inf, -math.inf, 10**400, -(10**400), 10**5000])]
    if p.minimum is not None:
        values += [st.integers(max_value=int(p.minimum) - 1),
                   st.integers(min_value=int(p.maximum) + 1)]
    if p.type == "int":
        values.append(st.floats(p.minimum, p.maximum).filter(lambda v: v != int(v)))
        values.append(st.booleans())
    if p.type in ("choice", "bool"):
        values.append(st.integers(-2, 2))
    return st.one_of(values)


def any_value(p: ParamDef):
    """Mostly valid values, sometimes invalid ones."""
    # Hypothesis favours the smallest and the boundary values, so the rare branch is a middle one.
    return st.integers(0, 19).flatmap(lambda r: bad_value(p) if r in (7, 13) else good_value(p))


@st.composite
def layers(draw) -> LayerSpec:
    """A layer of any kind, with some settings given (valid or not), some left to defaults."""
    if draw(st.integers(0, 19)) == 13:
        return LayerSpec(draw(st.sampled_from(UNKNOWN_KINDS)), {})
    kind = draw(st.sampled_from(KINDS))
    params = {}
    for p in LAYER_TYPES[kind].params:
        if draw(st.booleans()):
            params[p.name] = draw(any_value(p))
    if draw(st.integers(0, 19)) == 13:
        params[draw(st.sampled_from(["size", "Filters", "units ", "activation2", ""]))] = 1
    return LayerSpec(kind, params)


OUTPUT = LayerSpec("dense", {"units": NUM_CLASSES, "activation": "softmax", "use_bias": True})


def name_refused(name) -> bool:
    """Whether network files refuse this name (over 200 characters, control characters)."""
    try:
        check_name(name)
    except SpecError:
        return True
    return False


def _cheap_to_train(report) -> bool:
    return report.total_macs < TRAIN_MAC_LIMIT and report.activation_bytes < 64 * 2**20


def check_keras_agrees(spec: NetworkSpec, stats: Stats) -> None:
    """Build a valid spec, compare with the analysis, train one batch for every n-th build."""
    report = analyze(spec)
    model = build_model(spec, seed=0)
    assert model.count_params() == report.total_params
    assert tuple(model.outputs[0].shape) == (None, NUM_CLASSES)
    for layer_report, layer in zip(report.layers, model.layers, strict=True):
        assert tuple(layer.output.shape[1:]) == layer_report.output_shape, layer.name
    stats.built += 1
    due = stats.trained < 2 or (stats.built - 1) % stats.train_every == 0
    if due and _cheap_to_train(report):
        x, y = easy_data(8, seed=stats.built)
        result = train(model, (x, y), (x[:0], y[:0]),
                       TrainConfig(epochs=1, batch_size=8, report_every_batches=1))
        assert result.samples_seen == 8
        assert math.isfinite(result.final["loss"]) or result.diverged
        stats.trained += 1
    keras.backend.clear_session(free_memory=False)  # a full gc.collect here cost ~0.5 s each


class BuilderMachine(RuleBasedStateMachine):
    """Random edits of one network; ``stats`` and ``folder`` are set by the test."""

    stats: Stats
    folder: Path

    def __init__(self) -> None:
        super().__init__()
        self.spec = NetworkSpec([], "fuzz")
        self.last_valid: NetworkSpec | None = None
        self.stats.examples += 1

    # ------------------------------------------------------------------ edits
    @initialize(preset=st.sampled_from(["", *sorted(PRESETS)]))
    def start(self, preset):
        """Start empty or from a preset, as the builder offers."""
        if preset:
            self.spec = get_preset(preset)

    @rule(layer=layers(), where=st.integers(0, 1000))
    def add_layer(self, layer, where):
        self.spec.layers.insert(where % (len(self.spec.layers) + 1), layer)

    @rule(layer=layers())
    def add_layer_above_output(self, layer):
        """The usual way to grow a network: insert just above the output layer."""
        layers = self.spec.layers
        at = len(layers) - 1 if layers and is_output_layer(layers[-1]) else len(layers)
        layers.insert(at, layer)

    @precondition(lambda self: self.spec.layers)
    @rule(where=st.integers(0, 1000))
    def delete_layer(self, where):
        del self.spec.layers[where % len(self.spec.layers)]

    @precondition(lambda self: len(self.spec.layers) >= 2)
    @rule(source=st.integers(0, 1000), to=st.integers(0, 1000))
    def move_layer(self, source, to):
        layer = self.spec.layers.pop(source % len(self.spec.layers))
        self.spec.layers.insert(to % (len(self.spec.layers) + 1), layer)

    @precondition(lambda self: self.spec.layers)
    @rule(where=st.integers(0, 1000), data=st.data())
    def change_param(self, where, data):
        layer = self.spec.layers[where % len(self.spec.layers)]
        ltype = LAYER_TYPES.get(layer.kind)
        if ltype is None or not ltype.params:
            if data.draw(st.integers(0, 9)) == 7:
                layer.params[data.draw(st.sampled_from(["rate", "units", "bogus"]))] = 0.5
            return
        p = data.draw(st.sampled_from(ltype.params))
        if data.draw(st.integers(0, 9)) == 7:
            layer.params.pop(p.name, None)  # back to the default
        else:
            layer.params[p.name] = data.draw(any_value(p))

    @precondition(lambda self: self.spec.layers)
    @rule(where=st.integers(0, 1000))
    def fix_layer(self, where):
        """What the property editor does with bad settings: show the defaults instead."""
        layer = self.spec.layers[where % len(self.spec.layers)]
        if layer.kind in LAYER_TYPES:
            layer.params = resolve_params(layer)[0]

    @rule()
    def append_output_layer(self):
        before = len(self.spec.layers)
        self.spec = with_output_layer(self.spec)
        assert is_output_layer(self.spec.layers[-1])
        assert len(self.spec.layers) - before in (0, 1, 2)

    @rule(name=st.one_of(st.text(max_size=30), st.text(min_size=201, max_size=210)))
    def rename(self, name):
        self.spec.name = name

    @rule()
    def json_round_trip(self):
        report = analyze(self.spec)
        try:
            text = to_json(self.spec)
        except SpecError as error:
            assert not report.valid or name_refused(self.spec.name), \
                f"a valid network could not be written: {error}"
            return
        try:
            back = from_json(text)
        except SpecError as error:
            assert str(error)
            assert not report.valid or name_refused(self.spec.name), \
                f"a valid network could not be read back: {error}"
            return
        assert back == self.spec
        assert analyze(back) == report
        self.spec = back

    @rule()
    def file_round_trip(self):
        path = self.folder / "net.cnn.json"
        try:
            save_spec(self.spec, path)
        except SpecError:
            assert not analyze(self.spec).valid or name_refused(self.spec.name)
            return
        try:
            back = load_spec(path)
        except SpecError as error:
            assert path.name in str(error)
            return
        assert back == self.spec

    @rule()
    def canonical_form(self):
        if not all(isinstance(layer.kind, str) for layer in self.spec.layers):
            return
        same = canonical(self.spec)
        before, after = analyze(self.spec), analyze(same)
        if before.valid:  # (canonical resets bad settings to defaults, so not the converse)
            assert after.valid
            assert after.total_params == before.total_params
            assert [r.output_shape for r in after.layers] == [r.output_shape for r in before.layers]

    # ------------------------------------------------------------- checks
    @invariant()
    def analysis_never_raises_and_is_consistent(self):
        self.stats.checks += 1
        report = analyze(self.spec)
        assert len(report.layers) == len(self.spec.layers)
        assert report.valid == (not report.errors)
        assert all(isinstance(error, str) and error for error in report.errors)
        for layer in self.spec.layers:
            assert isinstance(layer_title(layer), str)
        assert isinstance(keras_code(self.spec), str)
        if report.valid:
            self.stats.valid_steps += 1
            assert report.has_output_layer
            assert report.total_params == sum(r.params for r in report.layers)
            assert all(r.error is None and r.output_shape for r in report.layers)
            if self.last_valid is None or len(self.spec.layers) >= len(self.last_valid.layers):
                self.last_valid = NetworkSpec([LayerSpec(la.kind, dict(la.params))
                                               for la in self.spec.layers], "fuzz")

    def teardown(self):
        if not analyze(self.spec).valid:
            with pytest.raises(SpecError):
                build_model(self.spec)
        if self.last_valid is None:
            return
        key = to_json(canonical(self.last_valid))
        if key in self.stats.seen:
            return
        self.stats.seen.add(key)
        self.stats.kinds.append([layer.kind for layer in self.last_valid.layers])
        check_keras_agrees(self.last_valid, self.stats)


def run_builder_fuzz(examples: int, steps: int, train_every: int) -> Stats:
    """Run the state machine; returns the counts."""
    stats = Stats(train_every)
    with tempfile.TemporaryDirectory() as folder:
        BuilderMachine.stats = stats
        BuilderMachine.folder = Path(folder)
        run_state_machine_as_test(BuilderMachine, settings=settings(
            max_examples=examples, stateful_step_count=steps, deadline=None, derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                   HealthCheck.data_too_large]))
    return stats


def test_builder_fuzz():
    stats = run_builder_fuzz(examples=55, steps=14, train_every=5)
    assert stats.steps >= 500, f"only {stats.steps} edit steps ran"
    assert stats.built >= 5 and stats.trained >= 2, vars(stats)


@pytest.mark.slow
def test_builder_fuzz_long():
    """``built`` counts distinct valid networks (duplicates are built once): the derandomised
    run of 400 examples reaches 38 of them, so 30 says the search did not collapse."""
    stats = run_builder_fuzz(examples=400, steps=25, train_every=2)
    assert stats.steps >= 5000, f"only {stats.steps} edit steps ran"
    assert stats.built >= 30 and stats.trained >= 10, vars(stats)
