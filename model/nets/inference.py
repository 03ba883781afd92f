"""Thread-safe prediction: one forward pass gives the probabilities and every layer's output.

The :class:`Predictor` keeps its own copy of the network, so a training thread can change its
model freely; the trained weights are handed over with :meth:`Predictor.set_weights`. The forward
pass is a traced ``tf.function`` (about a millisecond for the small nets of this app), never
``model.predict``, which costs tens of milliseconds a call.
"""

from __future__ import annotations

import threading
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from cnn_studio.model.nets.model_files import ModelFileError, load_model_file
from cnn_studio.model.nets.numpy_forward import (  # one result type, one input check
    Prediction,
    as_batch,
)
from cnn_studio.model.spec.network import layer_kind  # callers read kinds here too
from cnn_studio.model.storage import paths

DEFAULT_MODEL_NAME = "default.keras"





def ends_in_softmax(model: keras.Model) -> bool:
    """True when the model's last layer applies softmax (else it outputs logits)."""
    activation = getattr(model.layers[-1], "activation", None)
    return getattr(activation, "__name__", "") == "softmax"


def activation_model(model: keras.Model) -> keras.Model:
    """A functional model sharing ``model``'s layers that outputs every layer's activation.

    Args:
        model: a built Sequential or functional model with known inputs.

    Returns:
        A ``keras.Model`` with one output per layer of ``model`` (input layer excluded).
    """
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    return keras.Model(inputs=model.inputs[0], outputs=[layer.output for layer in layers])


class Predictor:
    """Forward passes on a private copy of a network, safe to call from several threads.

    Args:
        model: a built Keras model whose last layer outputs class scores (softmax or logits).
    """

    def __init__(self, model: keras.Model):
        if not getattr(model, "built", False) or not model.layers:
            raise ValueError("the network is not built yet: build it before predicting")
        self._lock = threading.Lock()
        self._model = keras.models.clone_model(model)
        self._model.set_weights(model.get_weights())
        self._layers = [
            layer for layer in self._model.layers if not isinstance(layer, keras.layers.InputLayer)
        ]
        self._act_model = activation_model(self._model)
        self._softmax = not ends_in_softmax(self._model)
        self.input_shape: tuple[int, ...] = tuple(self._model.inputs[0].shape[1:])
        self.layer_names = [layer.name for layer in self._layers]
        self.layer_kinds = [layer_kind(layer) for layer in self._layers]
        spec = tf.TensorSpec((None, *self.input_shape), tf.float32)
        self._forward_fn = tf.function(self._forward_graph, input_signature=[spec])
        self._probs_fn = tf.function(self._probs_graph, input_signature=[spec])
        self.forward(np.zeros(self.input_shape, np.float32))  # trace once now, not on first draw
        self._probs_fn(tf.zeros((1, *self.input_shape)))

    def _forward_graph(self, x):
        outputs = self._act_model(x, training=False)
        outputs = list(outputs) if isinstance(outputs, list | tuple) else [outputs]
        if self._softmax:
            outputs.append(tf.nn.softmax(outputs[-1]))
        return outputs

    def _probs_graph(self, x):
        out = self._model(x, training=False)
        return tf.nn.softmax(out) if self._softmax else out

    @property
    def model(self) -> keras.Model:
        """The predictor's own copy of the network (do not train it; use :meth:`set_weights`)."""
        return self._model

    @property
    def num_classes(self) -> int:
        """Number of output classes."""
        return int(self._layers[-1].output.shape[-1])

    def forward(self, image: np.ndarray) -> Prediction:
        """Run one image through the network.

        Args:
            image: float array (H, W) or (H, W, C), pixels in 0..1 (ink 1.0).

        Returns:
            A :class:`Prediction` with the probabilities and every layer's activation.
        """
        batch = as_batch(image, self.input_shape, single=True)
        with self._lock:
            outputs = self._forward_fn(tf.constant(batch))
            arrays = [out.numpy()[0] for out in outputs]
        probs = arrays.pop() if self._softmax else arrays[-1]
        return Prediction(probs, arrays, list(self.layer_names), list(self.layer_kinds))

    def forward_batch(self, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Class probabilities of many images, for evaluation.

        Args:
            images: float array (n, H, W) or (n, H, W, C).
            batch_size: images per forward pass (1..4096).

        Returns:
            (n, num_classes) float32 probabilities.
        """
        if not 1 <= int(batch_size) <= 4096:
            raise ValueError(f"batch_size must be 1..4096, not {batch_size}")
        batch = as_batch(images, self.input_shape, single=False)
        parts = []
        with self._lock:
            for start in range(0, len(batch), int(batch_size)):
                chunk = tf.constant(batch[start:start + int(batch_size)])
                parts.append(self._probs_fn(chunk).numpy())
        if not parts:
            return np.zeros((0, self.num_classes), np.float32)
        return np.concatenate(parts)

    def get_weights(self) -> list[np.ndarray]:
        """A copy of the current weights."""
        with self._lock:
            return self._model.get_weights()

    def set_weights(self, weights: list[np.ndarray]) -> None:
        """Take new weights (e.g. from a training thread after each epoch).

        Args:
            weights: arrays in ``model.get_weights()`` order with matching shapes.

        Raises:
            ValueError: the weights do not fit this network.
        """
        current = self._model.weights
        if len(weights) != len(current):
            raise ValueError(
                f"got {len(weights)} weight arrays, the network has {len(current)}: "
                "the weights come from a different network"
            )
        for new, old in zip(weights, current, strict=True):
            if tuple(np.shape(new)) != tuple(old.shape):
                raise ValueError(
                    f"weight {old.path} has shape {tuple(old.shape)}, got {np.shape(new)}: "
                    "the weights come from a different network"
                )
        with self._lock:
            self._model.set_weights([np.asarray(w) for w in weights])


def load_default_model(path: str | Path | None = None) -> keras.Model:
    """Load the shipped, pre-trained network.

    Args:
        path: another ``.keras`` file to load instead (default: ``assets/models/default.keras``).

    Returns:
        The Keras model (wrap it in :class:`Predictor` to draw with it).

    Raises:
        ModelFileError: the file is missing, damaged, unsafe or of the wrong shape.
    """
    path = Path(path) if path is not None else paths.DEFAULT_MODEL_DIR / DEFAULT_MODEL_NAME
    if not path.is_file():
        raise ModelFileError(
            f"There is no trained model at {path}. Run 'python main.py pretrain' to create "
            "it, or train a network in the Train panel."
        )
    return load_model_file(path)
