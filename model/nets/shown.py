"""Which network a view shows: a trained model, or the network being edited, untrained."""

from __future__ import annotations

from dataclasses import dataclass


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
