"""The numpy engine behind the TensorFlow ``Predictor``'s interface, timing its own passes.

A pass through the app's small networks takes about a millisecond, less than handing a drawing
to a worker thread and the answer back costs on a busy GUI thread; ``NumpyPredictor.fast`` says
when the canvas may compute it at once (``SYNC_MAX_S``).
"""

from __future__ import annotations

import time

import numpy as np

SYNC_MAX_S = 0.004  # a pass this quick may run on the GUI thread


class NumpyPredictor:
    """The numpy engine behind the ``Predictor`` interface (``forward``, ``set_weights``).

    Args:
        network: a ``NumpyNetwork``; spec: its ``NetworkSpec`` (None: weights cannot change).
    """

    engine = "numpy"

    def __init__(self, network, spec=None) -> None:
        self.network, self.spec = network, spec
        self.seconds: float | None = None  # the recent forward passes' typical time
        self.forward(np.zeros(network.input_shape, np.float32))  # warms up and measures

    @property
    def fast(self) -> bool:
        """Whether a forward pass takes at most ``SYNC_MAX_S`` of CPU time (measured)."""
        return self.seconds is not None and self.seconds <= SYNC_MAX_S

    @classmethod
    def for_model(cls, model, spec, weights) -> NumpyPredictor:
        """The engine for a Keras model's ``spec`` and ``weights``, under the model's layer names.

        Raises:
            SpecError: the numpy engine cannot run this network (``ForwardError`` included).
        """
        return cls(_network(spec, weights, [layer.name for layer in model.layers]), spec)

    def forward(self, image: np.ndarray):
        """One image's ``Prediction`` (probabilities and every layer's activation)."""
        start = time.thread_time()  # its own CPU time: waits for the GIL or a core don't count
        prediction = self.network.forward(image)
        took = time.thread_time() - start
        self.seconds = took if self.seconds is None else 0.7 * self.seconds + 0.3 * took
        return prediction

    def set_weights(self, weights) -> None:
        """Rebuild the network with new weights (ValueError when they do not fit)."""
        if self.spec is None:
            raise ValueError("these weights cannot be used before TensorFlow has loaded")
        self.network = _network(self.spec, weights, self.network.layer_names)


def _network(spec, weights, names: list[str]):
    """``network_from_spec`` with the layers renamed to ``names`` (the activation rows' titles)."""
    from dataclasses import replace

    from cnn_studio.model.nets.numpy_forward import NumpyNetwork, network_from_spec

    network = network_from_spec(spec, weights)
    if len(names) != len(network.layers):
        return network
    return NumpyNetwork([replace(layer, name=name)
                         for layer, name in zip(network.layers, names, strict=True)])
