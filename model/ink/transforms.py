"""Shift, rotate and scale a drawing (28x28 floats) for the translation-robustness sliders.

Pure numpy + Pillow (scipy is not a dependency): one affine warp with bilinear sampling,
empty background (0.0) wherever the moved drawing leaves the frame.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from cnn_studio.model.errors import UserError

MAX_SHIFT = 28.0
MAX_ANGLE = 360.0
SCALE_RANGE = (0.25, 4.0)


class TransformError(UserError):
    """A transform request outside the supported ranges or a malformed image."""


def _check(name: str, value: float, low: float, high: float) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TransformError(f"The {name} must be a number, got {value!r}.") from None
    if not (math.isfinite(value) and low <= value <= high):
        raise TransformError(f"The {name} must be between {low:g} and {high:g}, got {value:g}.")
    return value


def transform_image(image, dx: float = 0.0, dy: float = 0.0, angle: float = 0.0,
                    scale: float = 1.0) -> np.ndarray:
    """Move a drawing: scale and rotate about its centre, then shift.

    Args:
        image: (H, W) or (H, W, 1) array of floats (28x28 for the app).
        dx: shift to the right in pixels, -28..28.
        dy: shift downwards in pixels, -28..28.
        angle: counter-clockwise rotation in degrees, -360..360.
        scale: size factor, 0.25..4 (above 1 enlarges).

    Returns:
        A new (H, W) float32 array; pixels with no source are 0.
    """
    array = np.asarray(image, dtype=np.float32)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim != 2 or min(array.shape) < 1:
        raise TransformError(f"Expected a 2-D image such as (28, 28), got shape {np.shape(image)}.")
    if not np.all(np.isfinite(array)):
        raise TransformError("The image contains NaN or infinite values.")
    dx = _check("horizontal shift", dx, -MAX_SHIFT, MAX_SHIFT)
    dy = _check("vertical shift", dy, -MAX_SHIFT, MAX_SHIFT)
    angle = _check("angle", angle, -MAX_ANGLE, MAX_ANGLE)
    scale = _check("scale", scale, *SCALE_RANGE)
    if dx == dy == angle == 0 and scale == 1:
        return array.copy()
    height, width = array.shape
    # Pillow samples pixel centres at (x + 0.5, y + 0.5); the image centre is (w/2, h/2).
    cx, cy = width / 2.0, height / 2.0
    radians = math.radians(angle)
    cos, sin = math.cos(radians) / scale, math.sin(radians) / scale
    # Inverse map: output point -> source point (Pillow's AFFINE wants this direction).
    a, b, d, e = cos, -sin, sin, cos
    ox, oy = cx + dx, cy + dy
    coefficients = (a, b, cx - a * ox - b * oy, d, e, cy - d * ox - e * oy)
    warped = Image.fromarray(array).transform(
        (width, height), Image.Transform.AFFINE, coefficients,
        resample=Image.Resampling.BILINEAR, fillcolor=0.0,
    )
    return np.asarray(warped, dtype=np.float32).copy()
