"""Random valid networks for property tests: a body of conv/pool/activation/batchnorm/dropout
layers, a flatten or global pooling, a few dense layers, then the output layer."""

from __future__ import annotations

from hypothesis import assume
from hypothesis import strategies as st

from cnn_studio.model.spec.analysis import analyze, with_output_layer
from cnn_studio.model.spec.network import LAYER_TYPES, LayerSpec, NetworkSpec

CONV_ACTIVATIONS = LAYER_TYPES["conv2d"].param("activation").choices
ACTIVATIONS = LAYER_TYPES["activation"].param("activation").choices
DROPOUT_RATES = st.floats(0.0, 0.9)
BODY_KINDS = ("conv2d", "maxpool2d", "avgpool2d", "sumpool2d", "activation", "batchnorm",
              "dropout")


def _body_layer(draw, kind: str, max_filters: int, max_stride: int, dropout) -> LayerSpec:
    padding = st.sampled_from(["valid", "same"])
    if kind == "conv2d":
        params = {"filters": draw(st.integers(1, max_filters)),
                  "kernel_h": draw(st.integers(1, 5)), "kernel_w": draw(st.integers(1, 5)),
                  "stride": draw(st.integers(1, max_stride)), "padding": draw(padding),
                  "activation": draw(st.sampled_from(CONV_ACTIVATIONS)),
                  "use_bias": draw(st.booleans())}
    elif kind.endswith("pool2d"):
        params = {"pool_size": draw(st.integers(1, 4)),
                  "stride": draw(st.integers(0, max_stride)), "padding": draw(padding)}
    elif kind == "activation":
        params = {"activation": draw(st.sampled_from(ACTIVATIONS))}
    elif kind == "dropout":
        params = {"rate": draw(dropout)}
    else:
        params = {}
    return LayerSpec(kind, params)


@st.composite
def random_specs(draw, *, body=(0, 4), kinds=BODY_KINDS, max_filters: int = 6,
                 max_stride: int = 4, dropout=DROPOUT_RATES, max_units: int = 40,
                 dense_activations=("linear", "relu", "tanh", "sigmoid")):
    """A valid random network (``assume`` rejects the invalid ones).

    Args:
        body: (min, max) number of layers before the flatten.
        kinds: the body's layer kinds to draw from (repeat one to draw it more often).
        max_filters: most filters of a conv layer.
        max_stride: most stride of a conv (from 1) or pooling layer (from 0, its default).
        dropout: the strategy of a body dropout's rate.
        max_units: most units of a hidden dense layer.
        dense_activations: the hidden dense layers' activations.
    """
    layers = [_body_layer(draw, draw(st.sampled_from(kinds)), max_filters, max_stride, dropout)
              for _ in range(draw(st.integers(*body)))]
    layers.append(LayerSpec(draw(st.sampled_from(["flatten", "globalavgpool2d"]))))
    for _ in range(draw(st.integers(0, 2))):
        layers.append(LayerSpec("dense", {"units": draw(st.integers(1, max_units)),
                                          "use_bias": draw(st.booleans()),
                                          "activation": draw(st.sampled_from(dense_activations))}))
        if draw(st.booleans()):
            layers.append(LayerSpec(draw(st.sampled_from(["batchnorm", "dropout"]))))
    spec = with_output_layer(NetworkSpec(layers, "random"))
    assume(analyze(spec).valid)
    return spec
