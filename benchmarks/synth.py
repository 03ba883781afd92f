"""Speed of the synthetic letter generator versus the bare rasterization it is built on.

Measures in the same run (``--runs`` alternations, medians): (a) baseline: only
``strokes_to_image`` on pre-made strokes of realistic size, one process; (b) the full
generator (perturbation, fonts, rasterization) in one process; (c) the parallel generator with
one process per core, including the pool start. Also times a single ``strokes_to_image`` call
(the canvas calls it on every mouse move). Prints JSON. Goals: (c) >= 3000 samples/s on
2 cores, single call < 2 ms.

``--shapes`` prints instead the slant and width statistics of generated pen letters next to
the built-in real letters (UNIPEN) and, in aggregate only, the measuring set when it exists.
``--sheet PATH`` saves a contact sheet: generated letters next to real UNIPEN letters.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from cnn_studio.model.ink.preprocess import strokes_to_image
from cnn_studio.model.synth import generator as synth
from cnn_studio.model.synth.font_letters import glyph_table
from cnn_studio.model.synth.pen_letters import perturbed_strokes


def _rate(count: int, seconds: float) -> float:
    return count / max(seconds, 1e-9)


def baseline(n: int) -> float:
    """Samples/s of rasterizing ready-made letter strokes (no generation work)."""
    rng = np.random.default_rng(0)
    strokes = [perturbed_strokes("ABCDEFGHabcdefgh"[i % 16], rng) for i in range(64)]
    start = time.perf_counter()
    for i in range(n):
        strokes_to_image(strokes[i % 64], (100.0, 100.0), pen=0.12)
    return _rate(n, time.perf_counter() - start)


def single_call_ms(n: int = 300) -> float:
    """Median milliseconds of one ``strokes_to_image`` call on a 3-stroke, 120-point letter."""
    rng = np.random.default_rng(1)
    strokes = [np.cumsum(rng.normal(0, 3, (40, 2)), axis=0) + 140 for _ in range(3)]
    times = []
    for _ in range(n):
        start = time.perf_counter()
        strokes_to_image(strokes, (280.0, 280.0))
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def _real_samples(per_letter: int, seed: int) -> dict[str, list]:
    """``per_letter`` built-in real letters of each letter, from as many writers as possible."""
    from cnn_studio.model.data import real_letters

    letters = real_letters.load_default()
    rng = np.random.default_rng(seed)
    picked: dict[str, list] = {}
    for index in rng.permutation(len(letters)):
        label, writer = letters.label(int(index)), int(letters.writer_index[index])
        chosen = picked.setdefault(label, [])
        if len(chosen) < per_letter and writer not in {w for w, _ in chosen}:
            chosen.append((writer, letters.strokes(int(index))))
    canvas = letters.canvas
    return {label: [strokes_to_image(s, canvas) for _, s in chosen]
            for label, chosen in picked.items()}


def contact_sheet(path: Path, per_letter: int = 8, seed: int = 0) -> None:
    """Save a PNG: for each letter, generated samples, then built-in real (UNIPEN) ones."""
    from PIL import Image, ImageDraw

    from cnn_studio.model.ink.strokes import LETTERS

    real = _real_samples(per_letter, seed)
    rng = np.random.default_rng(seed)
    rows = []
    gap = np.zeros((28, 6), np.float32)
    for case in (str.upper, str.lower):
        for letter in LETTERS:
            char = case(letter)
            tiles = [synth.sample_image(char, rng) for _ in range(per_letter)]
            tiles += [gap] + real.get(char, [])[:per_letter]
            rows.append(np.concatenate(tiles, axis=1))
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 0), (0, width - r.shape[1]))) for r in rows]
    halves = [np.concatenate(rows[:26]), np.concatenate(rows[26:])]
    sheet = np.concatenate([halves[0], np.ones((28 * 26, 8)), halves[1]], axis=1)
    body = Image.fromarray((255 - sheet * 255).astype(np.uint8))
    image = Image.new("L", (body.width, body.height + 14), 255)
    image.paste(body, (0, 14))
    draw = ImageDraw.Draw(image)
    half = halves[0].shape[1] + 8
    for x0 in (0, half):
        draw.text((x0 + 4, 1), f"generated (v{synth.GENERATOR_VERSION})", fill=0)
        draw.text((x0 + 28 * per_letter + 10, 1), "real (UNIPEN)", fill=0)
    image.save(path, optimize=True)


def forms_sheet(path: Path, per_form: int = 8, seed: int = 0) -> None:
    """Save a PNG: one row per school-script form, named, with ``per_form`` pen drawings."""
    from PIL import Image, ImageDraw

    from cnn_studio.model.synth.school_forms import FORMS
    from cnn_studio.model.synth.skeletons import variant_names

    names, rng = variant_names(), np.random.default_rng(seed)
    rows, labels = [], []
    for char, forms in FORMS.items():
        for name in forms:
            index = names[char].index(name)
            rows.append(np.concatenate([strokes_to_image(
                perturbed_strokes(char, rng, variant=index), (100.0, 100.0), pen=0.11)
                for _ in range(per_form)], axis=1))
            labels.append(f"{char}: {name}")
    half = (len(rows) + 1) // 2
    rows += [np.zeros_like(rows[0])] * (2 * half - len(rows))
    body = np.concatenate([np.concatenate(rows[:half]), np.concatenate(rows[half:])], axis=1)
    body = Image.fromarray((255 - body * 255).astype(np.uint8))
    image = Image.new("L", (body.width + 2 * 190, body.height), 255)
    width = body.width // 2
    image.paste(body.crop((0, 0, width, body.height)), (190, 0))
    image.paste(body.crop((width, 0, body.width, body.height)), (2 * 190 + width, 0))
    draw = ImageDraw.Draw(image)
    for k, label in enumerate(labels):
        x0 = 0 if k < half else 190 + width
        draw.text((x0 + 2, (k % half) * 28 + 8), label, fill=0)
    image.save(path, optimize=True)


def shape_report(count: int = 6000, seed: int = 0) -> dict:
    """Slant and width statistics: generated pen letters vs built-in real letters.

    Generated: ``count`` pen letters, the 52 letters in turn. Real: ``count`` random built-in
    UNIPEN letters. The measuring set (Chars74K), when present, only in aggregate.
    """
    from cnn_studio.model.data import real_letters
    from cnn_studio.model.ink.strokes import LETTERS, read_strokes
    from cnn_studio.model.storage import paths
    from cnn_studio.model.synth.shape_stats import summary

    rng = np.random.default_rng(seed)
    chars = [LETTERS[k % 26].lower() if (k // 26) % 2 else LETTERS[k % 26]
             for k in range(count)]
    generated = [(c, perturbed_strokes(c, rng)) for c in chars]
    letters = real_letters.load_default()
    picked = np.random.default_rng(seed + 1).choice(len(letters), min(count, len(letters)),
                                                    replace=False)
    real = [(letters.label(int(i)), letters.strokes(int(i))) for i in picked]
    report = {"generator_version": synth.GENERATOR_VERSION}
    for name, items in (("generated", generated), ("real_unipen", real)):
        for case, keep in (("all", str.isalpha), ("upper", str.isupper), ("lower", str.islower)):
            report[f"{name}_{case}"] = summary((c, s) for c, s in items if keep(c))
    if paths.REAL_HANDWRITING.exists():
        document = read_strokes(paths.REAL_HANDWRITING)
        report["measuring_set_all"] = summary((s.label, s.strokes) for s in document.samples)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=12000, help="samples per parallel run")
    parser.add_argument("--runs", type=int, default=3, help="alternations (medians reported)")
    parser.add_argument("--sheet", type=Path, default=None,
                        help="also save a contact sheet PNG (generated | real) to this path")
    parser.add_argument("--shapes", action="store_true",
                        help="print slant and width statistics (generated vs real) and stop")
    parser.add_argument("--forms-sheet", type=Path, default=None,
                        help="also save a PNG of every school-script form to this path")
    args = parser.parse_args()
    if args.sheet is not None:
        contact_sheet(args.sheet)
    if args.forms_sheet is not None:
        forms_sheet(args.forms_sheet)
    if args.shapes:
        print(json.dumps(shape_report(), indent=2))
        return 0
    glyph_table()
    base, serial, parallel = [], [], []
    for run in range(args.runs):
        base.append(baseline(2000))
        start = time.perf_counter()
        synth.generate(2000, seed=run, workers=1)
        serial.append(_rate(2000, time.perf_counter() - start))
        start = time.perf_counter()
        synth.generate(args.samples, seed=run)
        parallel.append(_rate(args.samples, time.perf_counter() - start))
    result = {
        "cores": os.cpu_count(),
        "baseline_rasterize_samples_per_s": round(statistics.median(base)),
        "generator_1_process_samples_per_s": round(statistics.median(serial)),
        "generator_parallel_samples_per_s": round(statistics.median(parallel)),
        "generator_1_process_vs_baseline": round(statistics.median(serial)
                                                 / statistics.median(base), 3),
        "parallel_vs_baseline": round(statistics.median(parallel) / statistics.median(base), 3),
        "strokes_to_image_ms": round(single_call_ms(), 3),
        "goal_samples_per_s": 3000,
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
