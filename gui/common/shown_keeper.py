"""Keeps ``state.shown`` and ``state.shown_model`` true to the builder and the active model.

Every change of the builder's network, the active model or its spec decides again which network
the canvas's answer, explain mode and the overview show (``model.nets.shown.network_to_show``):
the active model while the builder holds its layers, else the network being edited with its
seeded Gaussian starting weights (``keras_build.build_untrained_model``, built in a lane of the
window's task runner, latest-only), or none when the builder's network is invalid. The views
follow ``shown_model_changed`` and label themselves from ``state.shown``.

Every model the app makes active holds trained weights (the shipped default, a file opened, a
training run's or teach's), so the active model counts as trained. A model the builder cannot
describe (made elsewhere: no spec) is shown as it is. Before TensorFlow has loaded, and while
the first model loads, nothing is decided: the canvas answers with the default file meanwhile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer

from cnn_studio.gui.common.tasks import Work
from cnn_studio.model.nets.shown import ShownNetwork, network_to_show, same_layers

if TYPE_CHECKING:
    from cnn_studio.model.spec.network import NetworkSpec

KEPT_BUILDS = 4  # untrained models kept, so undo / redo in the builder shows them at once


class ShownKeeper(QObject):
    """Decides the shown network on every change of ``state`` and publishes it.

    Args:
        state: the app state (``gui.common.state.AppState``) whose ``shown`` and
            ``shown_model`` it sets.
    """

    def __init__(self, state: Any) -> None:  # the AppState (which makes this keeper)
        super().__init__(state)
        self.state = state
        self.builds: list[tuple[NetworkSpec, int, Any]] = []  # (spec, seed, Keras model)
        self.wanted: tuple[NetworkSpec, int] | None = None
        self.lane: Any = None
        for signal in (state.spec_changed, state.model_spec_changed, state.model_changed,
                       state.train_config_changed):
            signal.connect(self.update)
        state.work_ended.connect(lambda work: self.update() if work is Work.LOAD_MODEL
                                 else None)
        # After the slots that start loading the default model (their work marks it busy).
        state.tf_info_changed.connect(lambda _info: QTimer.singleShot(0, self, self.update))

    @property
    def seed(self) -> int:
        """The seed of the untrained weights: the training settings' seed."""
        return int(getattr(self.state.config(), "seed", 0))

    def decide(self) -> ShownNetwork | None:
        """Which network to show now (see the module docstring)."""
        state = self.state
        if state.model is not None and (state.spec is None or state.model_spec is None):
            spec = state.model_spec
            return ShownNetwork.trained_model(spec.name if spec is not None
                                              else str(getattr(state.model, "name", "model")))
        return network_to_show(state.spec, state.model_spec, state.model is not None,
                               self.seed)

    def update(self, *_args) -> None:
        """Decide again and publish (an untrained network once its model is built)."""
        state = self.state
        if not state.tf_loaded or (state.model is None and state.is_busy(Work.LOAD_MODEL)):
            return
        shown = self.decide()
        if shown is None or shown.trained:
            self.wanted = None
            self.publish(shown, state.model if shown is not None else None)
            return
        spec = state.spec if state.spec is not None else state.model_spec
        model = self.built(spec, shown.seed)
        if model is not None:
            self.wanted = None
            self.publish(shown, model)
        else:
            self.build(spec, shown)

    def built(self, spec: NetworkSpec, seed: int | None):
        """The untrained model of ``spec`` and ``seed`` built earlier (None: not yet)."""
        for built_spec, built_seed, model in self.builds:
            if built_seed == seed and same_layers(built_spec, spec):
                return model
        return None

    def build(self, spec: NetworkSpec, shown: ShownNetwork) -> None:
        """Build the untrained model off the GUI thread; publish it if still wanted then."""
        seed = int(shown.seed or 0)
        if self.wanted is not None and self.wanted[1] == seed \
                and same_layers(self.wanted[0], spec):
            return  # already being built
        self.wanted = (spec, seed)
        if self.lane is None:
            self.lane = self.state.runner.lane("shown-network")
            self.lane.pending_changed.connect(self.mark_busy)

        def done(model) -> None:
            self.builds = [(spec, seed, model), *self.builds][:KEPT_BUILDS]
            if self.wanted is not None and self.wanted[1] == seed \
                    and same_layers(self.wanted[0], spec):
                self.wanted = None
                self.publish(shown, model)

        def failed(message: str) -> None:
            self.wanted = None
            self.state.message.emit(f"The network being edited could not be built: {message}")
            self.publish(None, None)

        self.lane.latest("build", lambda: build_untrained(spec, seed), done, failed)

    def mark_busy(self, pending: bool) -> None:
        """Mark the window busy while a build is under way (``--screenshot`` waits)."""
        if pending:
            self.state.begin_work(Work.SHOWN_NETWORK)
        else:
            self.state.end_work(Work.SHOWN_NETWORK)

    def publish(self, shown: ShownNetwork | None, model) -> None:
        """Set ``state.shown`` and ``state.shown_model`` (the label first, then the model)."""
        self.state.shown = shown
        self.state.shown_model = model


def build_untrained(spec: NetworkSpec, seed: int):
    """``keras_build.build_untrained_model`` (runs in the lane: TensorFlow is loaded)."""
    from cnn_studio.model.nets.keras_build import build_untrained_model

    return build_untrained_model(spec, seed)
