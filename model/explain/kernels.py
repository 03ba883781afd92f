"""Hand-made convolution kernels (edge detectors, blurs...) and putting one into a network.

The presets are pure numpy. ``set_first_layer_kernel`` works on a Keras model, so it is only
called once TensorFlow is loaded (it imports the explain modules lazily).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from cnn_studio.model.errors import UserError

if TYPE_CHECKING:  # annotations only: importing this module loads no Keras
    import keras

#: Preset names, in the order the GUI lists them.
KERNEL_PRESETS = (
    "identity", "sobel_x", "sobel_y", "laplacian", "sharpen", "box_blur", "gaussian_blur",
    "random_normal",
)
KERNEL_SIZE_RANGE = (1, 15)
MAX_WEIGHT = 1000.0

# Fixed 3x3 presets (Keras convolution does not flip the kernel, so they read as shown).
_FIXED = {
    # Positive where brightness rises to the right: finds vertical edges.
    "sobel_x": [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]],
    # Positive where brightness rises downwards: finds horizontal edges.
    "sobel_y": [[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]],
    "laplacian": [[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]],
    "sharpen": [[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]],
}


class KernelError(UserError):
    """A kernel request the app cannot satisfy (unknown preset, bad size or values...)."""


def _size(size) -> tuple[int, int]:
    pair = (size, size) if isinstance(size, int | np.integer) else tuple(size)
    low, high = KERNEL_SIZE_RANGE
    if len(pair) != 2 or not all(isinstance(v, int | np.integer) and low <= v <= high
                                 for v in pair):
        raise KernelError(f"A kernel size is {low}..{high} (or a pair of such), got {size!r}.")
    return int(pair[0]), int(pair[1])


def centre(shape: tuple[int, int]) -> tuple[int, int]:
    """The tap that lines up with the output pixel under Keras 'same' padding."""
    return (shape[0] - 1) // 2, (shape[1] - 1) // 2


def kernel_preset(name: str, size=3, *, sigma: float | None = None, seed: int = 0) -> np.ndarray:
    """A named kernel as a float32 (rows, cols) matrix.

    Args:
        name: one of KERNEL_PRESETS.
        size: side length 1..15, or (rows, cols).
        sigma: spread of 'gaussian_blur' (default grows with the size) or standard deviation of
            'random_normal' (default He: sqrt(2 / taps)); 0.01..100.
        seed: random seed for 'random_normal'.

    Returns:
        The kernel. Fixed 3x3 presets are padded or resized to other sizes (see fit_kernel).
    """
    shape = _size(size)
    if sigma is not None and not (math.isfinite(sigma) and 0.01 <= sigma <= 100):
        raise KernelError(f"sigma must be between 0.01 and 100, got {sigma}.")
    if name == "identity":
        kernel = np.zeros(shape)
        kernel[centre(shape)] = 1.0
    elif name in _FIXED:
        kernel = fit_kernel(np.array(_FIXED[name]), shape)
    elif name == "box_blur":
        kernel = np.full(shape, 1.0 / (shape[0] * shape[1]))
    elif name == "gaussian_blur":
        spread = sigma if sigma is not None else 0.3 * ((max(shape) - 1) * 0.5 - 1) + 0.8
        rows = np.arange(shape[0]) - (shape[0] - 1) / 2
        cols = np.arange(shape[1]) - (shape[1] - 1) / 2
        kernel = np.exp(-(rows[:, None] ** 2 + cols[None, :] ** 2) / (2 * spread ** 2))
        kernel /= kernel.sum()
    elif name == "random_normal":
        spread = sigma if sigma is not None else math.sqrt(2.0 / (shape[0] * shape[1]))
        kernel = np.random.default_rng(seed).normal(0.0, spread, shape)
    else:
        raise KernelError(f"Unknown kernel preset {name!r}; choose one of "
                          f"{', '.join(KERNEL_PRESETS)}.")
    return np.asarray(kernel, dtype=np.float32)


def fit_kernel(matrix, shape) -> np.ndarray:
    """Fit a 2-D kernel to another size: zero-pad around the centre, or shrink by area averaging.

    Shrinking keeps the total weight (a blur still sums to 1).

    Args:
        matrix: (rows, cols) kernel.
        shape: target (rows, cols), or one int for a square.

    Returns:
        A float32 array of the target shape.
    """
    target = _size(shape)
    kernel = _check_matrix(matrix)
    pads = []
    for current, wanted in zip(kernel.shape, target, strict=True):
        grow = max(wanted - current, 0)
        before = (wanted - 1) // 2 - (current - 1) // 2 if grow else 0
        pads.append((before, grow - before))
    kernel = np.pad(kernel, pads)
    if kernel.shape != target:
        total_area = kernel.shape[0] * kernel.shape[1]
        image = Image.fromarray(kernel.astype(np.float32))
        resized = image.resize((target[1], target[0]), Image.Resampling.BOX)
        kernel = np.asarray(resized, dtype=np.float64) * total_area / (target[0] * target[1])
    return kernel.astype(np.float32)


def _check_matrix(matrix) -> np.ndarray:
    try:
        kernel = np.asarray(matrix, dtype=np.float64)
    except (TypeError, ValueError):
        raise KernelError("A kernel must be a grid of numbers.") from None
    if kernel.ndim != 2 or min(kernel.shape) < 1:
        raise KernelError(f"A kernel must be a 2-D grid, got shape {kernel.shape}.")
    if not np.all(np.isfinite(kernel)) or np.abs(kernel).max() > MAX_WEIGHT:
        raise KernelError(f"Kernel weights must be finite numbers within +-{MAX_WEIGHT:g}.")
    return kernel


@dataclass
class KernelEdit:
    """The result of setting one first-layer filter by hand.

    ``model`` is the model that was changed (a copy unless ``in_place``); ``kernel`` is the
    filter as stored, (rows, cols, c_in); ``feature_map`` is that filter's output for the
    drawing and ``pre_activation`` the same before the layer's activation.
    """

    model: object
    layer_index: int
    layer_name: str
    filter_index: int
    kernel: np.ndarray
    bias: float
    feature_map: np.ndarray
    pre_activation: np.ndarray


def _full_kernel(matrix, shape: tuple[int, int, int], layer_name: str) -> np.ndarray:
    """``matrix`` as a (rows, cols, c_in) kernel: a full one checked, a 2-D one fitted and
    repeated over the input channels."""
    values = np.asarray(matrix, dtype=np.float64)
    if values.ndim == 3:
        if values.shape != shape:
            raise KernelError(f"A full kernel for {layer_name} must be {shape}, "
                              f"got {values.shape}.")
        for channel in range(shape[2]):
            _check_matrix(values[..., channel])
        return values
    fitted = fit_kernel(values, shape[:2])
    return np.repeat(fitted[:, :, None], shape[2], axis=2)


def _set_bias(layer, filter_index: int, bias: float) -> None:
    """Give filter ``filter_index`` of ``layer`` the bias ``bias`` (checked)."""
    if not layer.use_bias:
        raise KernelError(f"Layer {layer.name} has no bias to set.")
    if not (math.isfinite(bias) and abs(bias) <= MAX_WEIGHT):
        raise KernelError(f"The bias must be a finite number within +-{MAX_WEIGHT:g}.")
    biases = np.array(layer.bias.numpy())
    biases[filter_index] = bias
    layer.bias.assign(biases)


def set_first_layer_kernel(model: keras.Model, filter_index: int, matrix, image, bias: float | None = None,
                           in_place: bool = False) -> KernelEdit:
    """Put a hand-made kernel into filter ``filter_index`` of the first conv layer.

    Args:
        model: a Keras Sequential model with at least one conv2d layer.
        filter_index: which filter of the first conv layer to replace.
        matrix: (rows, cols) kernel, fitted to the layer's kernel size if it differs (the same
            matrix goes to every input channel), or a full (rows, cols, c_in) kernel.
        image: the drawing whose feature map to return.
        bias: new bias for that filter (-1000..1000), or None to keep it.
        in_place: change ``model`` itself instead of a copy.

    Returns:
        A KernelEdit with the changed model and the filter's feature map.
    """
    from cnn_studio.model.explain.activations import layer_pre_activation
    from cnn_studio.model.explain.backprop import copy_model
    from cnn_studio.model.explain.core import trace
    from cnn_studio.model.spec.network import layer_kind

    index = next((i for i, layer in enumerate(model.layers) if layer_kind(layer) == "conv2d"),
                 None)
    if index is None:
        raise KernelError("The network has no conv2d layer to put a kernel into; add one.")
    target = model if in_place else copy_model(model)
    layer = target.layers[index]
    weights = np.array(layer.kernel.numpy())
    rows, cols, channels, filters = weights.shape
    if not (isinstance(filter_index, int | np.integer) and 0 <= filter_index < filters):
        raise KernelError(f"Filter {filter_index!r} does not exist: {layer.name} has filters "
                          f"0..{filters - 1}.")
    values = _full_kernel(matrix, (rows, cols, channels), layer.name)
    if bias is not None:
        _set_bias(layer, filter_index, bias)
    weights[..., filter_index] = values
    layer.kernel.assign(weights)
    stored_bias = float(layer.bias.numpy()[filter_index]) if layer.use_bias else 0.0
    result = trace(target, image)
    return KernelEdit(
        model=target,
        layer_index=index,
        layer_name=layer.name,
        filter_index=filter_index,
        kernel=np.asarray(layer.kernel.numpy())[..., filter_index],
        bias=stored_bias,
        feature_map=result.outputs[index][..., filter_index],
        pre_activation=layer_pre_activation(layer, result.input_of(index))[..., filter_index],
    )
