"""Letters rendered from handwriting fonts and matplotlib's bundled fonts, then augmented.

The font files are found inside the installed ``fontpkg-*`` packages (via importlib) and in
matplotlib's data folder. Each glyph is rendered once per process and cached; every sample
then gets its own rotation, shear, aspect, elastic distortion and stroke thickness in one
Pillow mesh transform, and is normalised by :func:`model.ink.preprocess.bitmap_to_image`.
"""

from __future__ import annotations

import importlib
import importlib.resources
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from cnn_studio.model.ink.preprocess import bitmap_to_image

HANDWRITING_PACKAGES = ("fontpkg_caveat", "fontpkg_indie_flower", "fontpkg_kalam",
                        "fontpkg_permanent_marker", "fontpkg_shadows_into_light",
                        "fontpkg_zeyada", "fontpkg_delius")
MATPLOTLIB_FONTS = ("DejaVuSans.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-Bold.ttf",
                    "DejaVuSerif.ttf", "DejaVuSansMono.ttf", "STIXGeneralItalic.ttf")
RENDER_SIZE = 64
CANVAS = 96
GRID = 4


def handwriting_font_files() -> list[Path]:
    """TTF/OTF files shipped by the installed ``fontpkg-*`` handwriting packages."""
    files = []
    for name in HANDWRITING_PACKAGES:
        try:
            root = importlib.resources.files(importlib.import_module(name))
        except ImportError:
            continue
        for entry in sorted(Path(str(root)).rglob("*")):
            if entry.suffix.lower() in (".ttf", ".otf"):
                files.append(entry)
    return files


def matplotlib_font_files() -> list[Path]:
    """A few of matplotlib's bundled fonts (print-like shapes), if matplotlib is present."""
    try:
        import matplotlib
    except ImportError:
        return []
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return [folder / name for name in MATPLOTLIB_FONTS if (folder / name).exists()]


def _render(font: ImageFont.FreeTypeFont, char: str) -> np.ndarray | None:
    left, top, right, bottom = font.getbbox(char)
    if right - left < 1 or bottom - top < 1:
        return None
    image = Image.new("L", (int(right - left) + 8, int(bottom - top) + 8), 0)
    ImageDraw.Draw(image).text((4 - left, 4 - top), char, fill=255, font=font)
    arr = np.asarray(image)
    if arr.max() < 128:
        return None
    rows, cols = np.flatnonzero(arr.any(axis=1)), np.flatnonzero(arr.any(axis=0))
    return arr[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


@lru_cache(maxsize=1)
def glyph_table() -> dict[str, list[tuple[np.ndarray, bool]]]:
    """Cached glyph bitmaps: letter -> list of (ink bitmap, is_handwriting_font)."""
    table: dict[str, list[tuple[np.ndarray, bool]]] = {}
    sources = [(p, True) for p in handwriting_font_files()]
    sources += [(p, False) for p in matplotlib_font_files()]
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    letters += [c.lower() for c in letters]
    for path, handwriting in sources:
        try:
            font = ImageFont.truetype(str(path), RENDER_SIZE)
        except OSError:
            continue
        for char in letters:
            glyph = _render(font, char)
            if glyph is not None:
                table.setdefault(char, []).append((glyph, handwriting))
    return table


def _mesh(size: tuple[int, int], rng: np.random.Generator) -> list:
    w, h = size
    scale = max(w, h) / (0.7 * CANVAS)
    angle = np.radians(rng.normal(0.0, 6.0))
    shear = rng.normal(0.03, 0.15)
    aspect = np.exp(rng.normal(0.0, 0.15))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    inverse = np.linalg.inv(rot @ np.array([[1.0, -shear], [0.0, 1.0]]) @ np.diag([aspect, 1.0]))
    nodes = np.linspace(0, CANVAS, GRID + 1)
    gx, gy = np.meshgrid(nodes, nodes)
    out = np.stack([gx, gy], axis=-1) - CANVAS / 2.0
    src = out @ inverse.T * scale + np.array([w, h]) / 2.0
    src += rng.normal(0.0, rng.uniform(0.0, 0.035) * max(w, h), src.shape)
    data = []
    for i in range(GRID):
        for j in range(GRID):
            box = (int(nodes[j]), int(nodes[i]), int(nodes[j + 1]), int(nodes[i + 1]))
            quad = (*src[i, j], *src[i + 1, j], *src[i + 1, j + 1], *src[i, j + 1])
            data.append((box, tuple(float(v) for v in quad)))
    return data


def font_letter(char: str, rng: np.random.Generator, handwriting_share: float = 0.75
                ) -> np.ndarray | None:
    """A 28x28 image of ``char`` from a random font with random augmentation.

    Args:
        char: letter, upper or lower case.
        rng: the random generator.
        handwriting_share: probability of picking a handwriting font over a print font.

    Returns:
        float32 (28, 28) image, or None when no installed font has the letter.
    """
    glyphs = glyph_table().get(char)
    if not glyphs:
        return None
    want_hand = rng.random() < handwriting_share
    pool = [g for g, hand in glyphs if hand == want_hand] or [g for g, _ in glyphs]
    glyph = Image.fromarray(pool[int(rng.integers(len(pool)))])
    image = glyph.transform((CANVAS, CANVAS), Image.Transform.MESH, _mesh(glyph.size, rng),
                            resample=Image.Resampling.BILINEAR)
    thickness = rng.random()
    if thickness < 0.3:
        image = image.filter(ImageFilter.MaxFilter(3 if thickness > 0.1 else 5))
    elif thickness > 0.85:
        image = image.filter(ImageFilter.MinFilter(3))
    return bitmap_to_image(np.asarray(image))
