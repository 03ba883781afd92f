"""A lesson step as data: what to read, what to do, which view to open, and a checked claim.

A step's ``observe(model, image)`` computes the numbers of one network and one drawing and
says whether the step's claim holds for them; the same function feeds the Learn panel and
``cnn-studio lessons --check``, so a claim that does not hold is a failing check, never a
sentence shown as true.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from cnn_studio.model.errors import UserError

#: Views a step can open: the canvas with its 28x28 preview, the network overview, the layer
#: builder, or a tab of explain mode.
VIEWS = ("canvas", "overview", "builder", "explain")
#: Explain mode's tabs, by the short names steps use.
EXPLAIN_TABS = ("conv", "sizes", "activation", "pooling", "dense", "softmax", "numpy",
                "backprop", "kernels", "robustness", "saliency")
Number = float | int | str


@dataclass(frozen=True)
class ViewSettings:
    """How to set a view up for a step; None leaves that setting as it is.

    Attributes:
        layer: 0-based index of the layer to select (in the model's layer list).
        map: feature map (channel, filter) or dense unit to select.
        pixel: (row, col) of an output cell of ``layer`` to select.
        letter: class index 0..25 to use as the true letter (softmax, backprop).
        kernel_preset: a hand-made kernel to load (``model.explain.kernels.KERNEL_PRESETS``).
        learning_rate: the learning rate of a backpropagation step.
    """

    layer: int | None = None
    map: int | None = None
    pixel: tuple[int, int] | None = None
    letter: int | None = None
    kernel_preset: str | None = None
    learning_rate: float | None = None


@dataclass(frozen=True)
class ViewTarget:
    """The view a step opens: ``view`` (one of ``VIEWS``), the explain ``tab`` when the view is
    ``explain`` (one of ``EXPLAIN_TABS``), and its settings."""

    view: str
    tab: str | None = None
    settings: ViewSettings = ViewSettings()

    def __post_init__(self) -> None:
        if self.view not in VIEWS:
            raise ValueError(f"unknown view {self.view!r}; use one of {', '.join(VIEWS)}")
        if (self.view == "explain") != (self.tab in EXPLAIN_TABS):
            raise ValueError(f"view {self.view!r} with tab {self.tab!r}: an explain view needs "
                             f"one of {', '.join(EXPLAIN_TABS)}, other views none")

    def with_settings(self, settings: ViewSettings) -> ViewTarget:
        """This view with ``settings`` (an observation's, for the person's own drawing)."""
        return replace(self, settings=settings)


@dataclass(frozen=True)
class Observation:
    """What a step found for one network and one drawing.

    Attributes:
        holds: whether the step's claim is true for them.
        sentence: the finding in words, with the numbers (says so when the claim fails).
        numbers: the computed numbers, by name.
        settings: how to set the step's view up to show this finding.
        applies: False when the step could not be worked out at all (nothing drawn, or the
            network lacks the layer it is about); ``sentence`` then says what to do.
    """

    holds: bool
    sentence: str
    numbers: Mapping[str, Any] = field(default_factory=dict)
    settings: ViewSettings = ViewSettings()
    applies: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "numbers", MappingProxyType(dict(self.numbers)))


Observe = Callable[[object, np.ndarray], Observation]


@dataclass(frozen=True)
class LessonStep:
    """One step of the Learn path.

    Attributes:
        key: short stable identifier (``weighted_sum``), used for saved progress and reports.
        title: a few words.
        text: the idea, in a few sentences.
        task: the one thing to do on the canvas or in the builder.
        view: the view that shows it (its settings come from the observation).
        observe: ``observe(model, image)`` for a Keras Sequential ``model`` and a 28x28 drawing
            (floats 0..1); returns the :class:`Observation`.
        needs_drawing: False when the claim is about the network alone.
    """

    key: str
    title: str
    text: str
    task: str
    view: ViewTarget
    observe: Observe = field(repr=False)
    needs_drawing: bool = True

    def run(self, model, image) -> Observation:
        """``observe`` made safe: a missing drawing or a network the step cannot read ends in
        an Observation that does not hold and says why, never in an exception."""
        picture = np.zeros((28, 28), np.float32) if image is None else np.asarray(
            image, dtype=np.float32).reshape(28, 28)
        if self.needs_drawing and not np.any(picture > 0):
            return Observation(False, "Draw a letter on the canvas first: this step reads "
                                      "your drawing.", applies=False)
        try:
            return self.observe(model, picture)
        except UserError as error:
            reason = str(error).rstrip().rstrip(".")
            return Observation(False, f"This step cannot be shown for this network: {reason}.",
                               applies=False)
