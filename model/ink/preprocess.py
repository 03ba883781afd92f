"""The one path from pen strokes or bitmaps to the network's 28x28 input.

Both entries produce the EMNIST/MNIST normal form: the letter's bounding box is fitted into a
20x20 square keeping its aspect ratio, then the image is placed so that its centre of mass is
the centre of the 28x28 frame. Ink is 1.0 on a 0.0 background, float32.

Strokes are drawn with Pillow at 4x resolution with a round pen whose width is proportional
to the letter's size, centred by the ink's centre of mass at that resolution (a quarter of an
output pixel), then box-filtered down, which gives antialiased lines.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from cnn_studio.model.errors import UserError

SIZE = 28
BOX = 20.0
SUPERSAMPLE = 4
DEFAULT_PEN = 0.12
PEN_RANGE = (0.02, 0.4)
DOT_FRACTION = 0.02
MIN_INK_CONTRAST = 0.08  # a bitmap whose darkest and lightest pixels differ less is blank


class PreprocessError(UserError):
    """The input cannot be turned into an image (bad shape, bad canvas, not finite)."""


def _as_strokes(strokes) -> list[np.ndarray]:
    result = []
    for stroke in strokes:
        arr = np.asarray(stroke, dtype=np.float64).reshape(-1, 2)
        if len(arr):
            result.append(arr)
    return result


def _ink_centre(strokes: list[np.ndarray]) -> np.ndarray:
    """Centre of mass of the ink, approximated by the length-weighted segment midpoints."""
    total = np.zeros(2)
    weight = 0.0
    dots = []
    for arr in strokes:
        if len(arr) > 1:
            seg = np.diff(arr, axis=0)
            lengths = np.sqrt((seg * seg).sum(axis=1))
            length = lengths.sum()
            if length > 0:
                mids = (arr[1:] + arr[:-1]) * 0.5
                total += lengths @ mids
                weight += length
                continue
        dots.append(arr[0])
    if weight <= 0:
        return np.mean(dots, axis=0) if dots else np.zeros(2)
    return total / weight


def _round_joints(pts: np.ndarray) -> np.ndarray:
    """Indices of the points that need a round pen dab: both ends and the sharper turns.

    Pillow's wide lines have square joints; a dab on each vertex that turns by more than
    about 18 degrees gives the round joints of a real pen at a fraction of the cost of
    Pillow's own (pure Python) ``joint="curve"``.
    """
    if len(pts) < 3:
        return np.array([0, len(pts) - 1])
    seg = np.diff(pts, axis=0)
    norm = np.sqrt((seg * seg).sum(axis=1)) + 1e-12
    cos = (seg[:-1] * seg[1:]).sum(axis=1) / (norm[:-1] * norm[1:])
    inner = np.flatnonzero(cos < 0.95) + 1
    return np.concatenate([[0], inner, [len(pts) - 1]])


def strokes_to_image(strokes, canvas: tuple[float, float] = (280.0, 280.0),
                     pen: float = DEFAULT_PEN) -> np.ndarray:
    """Rasterize pen strokes into the 28x28 network input.

    Args:
        strokes: sequence of strokes, each an array-like of ``(x, y)`` points (y down).
        canvas: ``(width, height)`` of the canvas the points live on; a letter smaller than
            2% of it is drawn as a small mark instead of being blown up.
        pen: pen width as a fraction of the 20-pixel letter box (0.02..0.4).

    Returns:
        ``(28, 28)`` float32 array, ink 1.0 on 0.0; all zeros when there are no points.
    """
    if len(canvas) != 2 or not all(np.isfinite(canvas)) or min(canvas) <= 0:
        raise PreprocessError(f"canvas {canvas!r} must be two positive sizes")
    pen = float(np.clip(pen, *PEN_RANGE))
    arrays = _as_strokes(strokes)
    if not arrays:
        return np.zeros((SIZE, SIZE), np.float32)
    points = np.concatenate(arrays)
    if not np.isfinite(points).all():
        raise PreprocessError("strokes contain a point that is not a finite number")
    low, high = points.min(axis=0), points.max(axis=0)
    extent = max(float((high - low).max()), DOT_FRACTION * max(canvas))
    pen_px = pen * BOX * SUPERSAMPLE
    scale = (BOX * SUPERSAMPLE - pen_px) / extent
    centre = _ink_centre(arrays)
    offset = SIZE * SUPERSAMPLE / 2.0 - centre * scale
    image = Image.new("L", (SIZE * SUPERSAMPLE, SIZE * SUPERSAMPLE), 0)
    draw = ImageDraw.Draw(image)
    width = max(1, int(round(pen_px)))
    radius = pen_px / 2.0
    for arr in arrays:
        pts = arr * scale + offset
        if len(pts) > 1:
            draw.line(pts.ravel().tolist(), fill=255, width=width)
        for x, y in pts[_round_joints(pts)]:
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    return centred_reduce(np.asarray(image, dtype=np.float32))


def _shift(arr: np.ndarray, dy: int, dx: int) -> np.ndarray:
    out = np.zeros_like(arr)
    h, w = arr.shape
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        arr[max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def centred_reduce(big: np.ndarray) -> np.ndarray:
    """Move the high-resolution ink's centre of mass to the centre, then box-filter down."""
    total = big.sum()
    if total > 0:
        coords = np.arange(big.shape[0]) + 0.5
        cy = big.sum(axis=1) @ coords / total
        cx = big.sum(axis=0) @ coords / total
        middle = big.shape[0] / 2.0
        dy, dx = int(round(middle - cy)), int(round(middle - cx))
        if dy or dx:
            big = _shift(big, dy, dx)
    small = big.reshape(SIZE, SUPERSAMPLE, SIZE, SUPERSAMPLE).mean(axis=(1, 3))
    return small * np.float32(1.0 / 255.0)


def load_image_file(path) -> Image.Image:
    """Open a letter image file within bounds (regular file, size, pixel count).

    Raises:
        model.storage.safe_read.IncomingFileError: missing, unreadable, not an image, or too large.
    """
    from cnn_studio.model.storage.safe_read import open_image

    return open_image(path)


def _to_gray(bitmap) -> np.ndarray:
    if isinstance(bitmap, Image.Image):
        if bitmap.mode in ("RGBA", "LA") or "transparency" in bitmap.info:
            rgba = bitmap.convert("RGBA")
            back = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            bitmap = Image.alpha_composite(back, rgba)
        bitmap = np.asarray(bitmap.convert("L"), dtype=np.float32)
    arr = np.asarray(bitmap)
    if arr.dtype == bool:
        arr = arr.astype(np.float32)
    if arr.ndim == 3 and arr.shape[-1] in (1, 3, 4):
        arr = arr[..., :3].mean(axis=-1) if arr.shape[-1] >= 3 else arr[..., 0]
    if arr.ndim != 2 or min(arr.shape) < 1:
        raise PreprocessError(f"bitmap must be a 2-D grey or colour image, got shape {arr.shape}")
    arr = arr.astype(np.float32)
    if not np.isfinite(arr).all():
        raise PreprocessError("bitmap contains values that are not finite")
    return arr


def ink_map(bitmap) -> np.ndarray:
    """Grey image with ink 1.0 on background 0.0, polarity detected from the border.

    Args:
        bitmap: 2-D array (any range) or PIL image, dark-on-light or light-on-dark.

    Returns:
        float32 array of the same height and width in [0, 1].
    """
    arr = _to_gray(bitmap)
    lo, hi = float(arr.min()), float(arr.max())
    if hi - lo <= 1e-12:
        return np.zeros(arr.shape, np.float32)
    arr = (arr - lo) / (hi - lo)
    border = np.concatenate([arr[0], arr[-1], arr[:, 0], arr[:, -1]])
    if np.median(border) > 0.5:
        arr = 1.0 - arr
    background = float(np.median(border)) if np.median(border) <= 0.5 else 1 - np.median(border)
    arr = np.clip((arr - background) / max(1e-6, 1.0 - background), 0.0, 1.0)
    return arr.astype(np.float32)


def is_blank(bitmap) -> bool:
    """Whether a bitmap holds no ink: one flat level, or a contrast too faint to be a letter.

    The contrast is the gap between the darkest and lightest pixel as a share of the full
    range (255 for Pillow images and integer arrays, 1 for float arrays up to 1.0); below
    :data:`MIN_INK_CONTRAST` (a blank page's JPEG noise, say) the bitmap is blank.
    """
    gray = _to_gray(bitmap)
    integer = isinstance(bitmap, Image.Image) or np.asarray(bitmap).dtype.kind in "iub"
    full = 255.0 if integer and np.asarray(bitmap).dtype != bool else \
        max(1.0, float(np.abs(gray).max()))
    return float(gray.max() - gray.min()) < MIN_INK_CONTRAST * full


def has_ink(image: np.ndarray) -> bool:
    """Whether a network input (28x28, ink 1.0 on 0.0) holds any ink at all."""
    return bool(np.any(np.asarray(image) > 0))


def bitmap_to_image(bitmap, threshold: float = 0.15) -> np.ndarray:
    """Normalise a bitmap of one letter into the 28x28 network input.

    Args:
        bitmap: 2-D array or PIL image of any size; dark-on-light or light-on-dark.
        threshold: ink level (0..1) that counts for the bounding box.

    Returns:
        ``(28, 28)`` float32 array, ink 1.0 on 0.0; zeros for an empty bitmap.
    """
    ink = ink_map(bitmap)
    mask = ink > threshold
    if not mask.any():
        return np.zeros((SIZE, SIZE), np.float32)
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    crop = ink[top:bottom, left:right]
    extent = max(crop.shape)
    total = crop.sum()
    cy = (crop.sum(axis=1) @ (np.arange(crop.shape[0]) + 0.5)) / total
    cx = (crop.sum(axis=0) @ (np.arange(crop.shape[1]) + 0.5)) / total
    half = SIZE / 2.0 * extent / BOX
    pad = int(np.ceil(half)) + 1
    padded = np.pad(crop, pad)
    image = Image.fromarray(padded, mode="F")
    box = (cx + pad - half, cy + pad - half, cx + pad + half, cy + pad + half)
    out = image.resize((SIZE, SIZE), Image.Resampling.BILINEAR, box=box)
    return np.clip(np.asarray(out, dtype=np.float32), 0.0, 1.0)
