"""Explain mode's pooling (max, average, sum) against Keras's layers."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from support_explain_nets import (
    TOL,
    assert_explains,
    indices_of,
    probed,
)

from cnn_studio.model import explain as ex
from cnn_studio.model.nets.keras_build import SumPooling2D


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_pool_map_matches_keras(padding):
    rng = np.random.default_rng(3)
    for _ in range(12):
        size = int(rng.integers(3, 12))
        pool = int(rng.integers(1, 4))
        stride = int(rng.integers(1, 4))
        fmap = rng.normal(size=(size, size + 1, 2)).astype(np.float32)
        batch = fmap[None]
        for mode, layer in [
            ("max", keras.layers.MaxPooling2D(pool, stride, padding)),
            ("avg", keras.layers.AveragePooling2D(pool, stride, padding)),
            ("sum", SumPooling2D(pool, stride, padding)),
        ]:
            want = np.asarray(layer(batch))[0]
            np.testing.assert_allclose(ex.pool_map(fmap, mode, pool, stride, padding), want,
                                       **TOL)
        comparison = ex.pool_comparison(fmap[..., 0], pool, stride, padding)
        np.testing.assert_allclose(comparison.pooled["max"],
                                   ex.pool_map(fmap[..., 0], "max", pool, stride, padding))
        assert set(comparison.pooled) == {"max", "avg", "sum"}


def test_pool_cell_equals_layer_output(cases):
    rng = np.random.default_rng(4)
    checked = 0
    for model, image, reference in cases:
        for kind in ("maxpool2d", "avgpool2d", "sumpool2d"):
            for index in indices_of(model, kind):
                for _, row, col, channel, want in probed(model, reference, index, rng):
                    cell = ex.pool_cell(model, image, index, row, col, channel)
                    assert_explains(cell.result, cell.model_value, want)
                    assert np.all(np.isnan(cell.values[~cell.valid]))
                    assert cell.count == cell.valid.sum() >= 1
                    if kind == "sumpool2d":
                        mean = np.nanmean(cell.values)
                        assert cell.result == pytest.approx(mean * cell.count, rel=1e-6)
                    if kind == "maxpool2d":
                        source = ex.layer_activations(model, image).input_of(index)[
                            cell.source[0], cell.source[1], channel]
                        assert source == pytest.approx(cell.result)
                    checked += 1
                comparison = ex.layer_pool_comparison(model, image, index, 0)
                mode = {"maxpool2d": "max", "avgpool2d": "avg", "sumpool2d": "sum"}[kind]
                np.testing.assert_allclose(comparison.pooled[mode], reference[index][..., 0],
                                           **TOL)
    assert checked > 10
