"""Which network a view shows: a trained model, or the network being edited, untrained.

:func:`network_to_show` decides it from the builder's network and the active model;
:class:`ShownNetwork` is the answer, with the label views show.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnn_studio.model.spec.analysis import analyze
from cnn_studio.model.spec.files import canonical
from cnn_studio.model.spec.network import NetworkSpec


@dataclass(frozen=True)
class ShownNetwork:
    """What the canvas's answer, explain mode and the overview are computed with.

    Build it with :meth:`trained_model` or :meth:`edited_untrained`; ``label`` is the text a
    view shows so the person always knows which network the numbers belong to.

    Attributes:
        name: the network's name (the model's, or the builder's).
        trained: True for trained weights; False for the starting weights of the network being
            edited (``model.nets.untrained``).
        seed: the seed the untrained weights were drawn with (None when trained).
    """

    name: str
    trained: bool
    seed: int | None = None

    @classmethod
    def trained_model(cls, name: str) -> ShownNetwork:
        """A network with trained weights, called ``name``."""
        return cls(name, True, None)

    @classmethod
    def edited_untrained(cls, name: str, seed: int) -> ShownNetwork:
        """The network being edited, ``name``, with its Gaussian starting weights of ``seed``."""
        return cls(name, False, int(seed))

    @property
    def label(self) -> str:
        """``trained model NAME`` or ``network being edited, NAME, untrained (Gaussian init,
        seed S)``."""
        if self.trained:
            return f"trained model {self.name}"
        return f"network being edited, {self.name}, untrained (Gaussian init, seed {self.seed})"


def same_layers(first: NetworkSpec, second: NetworkSpec) -> bool:
    """Whether two specs build the same layers (names aside; see ``model.spec.files.canonical``)."""
    return canonical(first).layers == canonical(second).layers


def network_to_show(edited: NetworkSpec | None, model_spec: NetworkSpec | None,
                    model_trained: bool, seed: int = 0) -> ShownNetwork | None:
    """Which network the views should show: the trained model while the builder holds its
    layers, else the network being edited with its Gaussian starting weights.

    Args:
        edited: the builder's network (None: nothing in the builder).
        model_spec: the spec of the active model (None: no model).
        model_trained: whether the active model's weights come from training.
        seed: the seed of the untrained weights (``model.nets.untrained``).

    Returns:
        The :class:`ShownNetwork`, or None when nothing may be shown: the builder's network is
        invalid (no view may show a shape the builder does not), or there is neither a network
        nor a model.
    """
    if edited is None:
        if model_spec is None:
            return None
        return (ShownNetwork.trained_model(model_spec.name) if model_trained
                else ShownNetwork.edited_untrained(model_spec.name, seed))
    if model_spec is not None and model_trained and same_layers(edited, model_spec):
        return ShownNetwork.trained_model(model_spec.name)
    if not analyze(edited).valid:
        return None
    return ShownNetwork.edited_untrained(edited.name, seed)
