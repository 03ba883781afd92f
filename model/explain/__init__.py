"""Explain mode's numbers, computed from the user's own Keras model and drawing.

Every function takes a ``keras.Sequential`` (conv2d, activation, max/avg/sum pooling, flatten,
global average pooling, dense, dropout, batchnorm layers) and returns numpy arrays in plain
dataclasses; each hand-computed value is checked in the tests against what Keras computes.
The code lives in ``model/explain_*.py``, one concept per module; import it from here.
"""

from __future__ import annotations

from cnn_studio.model.explain.activations import (
    ACTIVATION_NAMES,
    ActivationComparison,
    Curve,
    activation_comparison,
    activation_curve,
    apply_activation,
    pre_activation,
)
from cnn_studio.model.explain.backprop import (
    SCOPES,
    BackpropStep,
    apply_backprop_step,
    backprop_step,
    copy_model,
)
from cnn_studio.model.explain.conv import (
    ConvDotProduct,
    OutputSize,
    SlidingPlan,
    conv_dot_product,
    extract_patch,
    output_size,
    sliding_plan,
)
from cnn_studio.model.explain.core import (
    Box,
    ExplainError,
    Trace,
    WindowGeometry,
    layer_shapes,
    receptive_field,
    resolve_layer,
    window_geometry,
)
from cnn_studio.model.explain.core import trace as layer_activations
from cnn_studio.model.explain.dense import (
    Contribution,
    DenseNeuron,
    SoftmaxLoss,
    class_index,
    cross_entropy,
    dense_neuron,
    softmax_loss,
)
from cnn_studio.model.explain.pooling import (
    POOL_MODES,
    PoolCell,
    PoolComparison,
    layer_pool_comparison,
    pool_cell,
    pool_comparison,
    pool_map,
)
from cnn_studio.model.explain.saliency import HeatMap, grad_cam, last_conv_index, saliency_map
from cnn_studio.model.spec.network import layer_kind

__all__ = [
    "ACTIVATION_NAMES", "POOL_MODES", "SCOPES",
    "ActivationComparison", "BackpropStep", "Box", "Contribution", "ConvDotProduct", "Curve",
    "DenseNeuron", "ExplainError", "HeatMap", "OutputSize", "PoolCell", "PoolComparison",
    "SlidingPlan", "SoftmaxLoss", "Trace", "WindowGeometry",
    "activation_comparison", "activation_curve", "apply_activation", "apply_backprop_step",
    "backprop_step", "class_index", "conv_dot_product", "copy_model", "cross_entropy",
    "dense_neuron", "extract_patch", "grad_cam", "last_conv_index", "layer_activations",
    "layer_kind", "layer_pool_comparison", "layer_shapes", "output_size", "pool_cell",
    "pool_comparison", "pool_map", "pre_activation", "receptive_field", "resolve_layer",
    "saliency_map", "sliding_plan", "softmax_loss", "window_geometry",
]
