"""Short trial: keep or filter the UNIPEN letters marked uncertain ('?'), and how to mix cases.

Trains one small network per variant (same seed, same size, a few epochs) on synthetic letters
plus built-in real letters of the training sites, and prints JSON with accuracy per held-out
site, per case and on the dev set (the dev set is only measured). Variants:

- ``synthetic``: synthetic letters only (baseline of the same run);
- ``keep_balanced``: half real letters, all qualities, half of them upper case;
- ``ok_balanced``: the same, but only sites marked OK (filtering drops whole labs);
- ``keep_natural``: all qualities, cases as they come (27 % upper case);
- ``keep_balanced_70``: 70 % real letters, balanced cases.

Usage: ``python benchmarks/unipen_quality_trial.py [--samples N] [--epochs N]``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from cnn_studio.model.data import real_letters as rl
from cnn_studio.model.data.datasets import synthetic_dataset
from cnn_studio.model.data.real_letters_cache import render_all
from cnn_studio.model.storage import paths

VARIANTS = {  # name -> (real share, keep uncertain, upper share or None for natural)
    "synthetic": (0.0, True, 0.5),
    "keep_balanced": (0.5, True, 0.5),
    "ok_balanced": (0.5, False, 0.5),
    "keep_natural": (0.5, True, None),
    "keep_balanced_70": (0.7, True, 0.5),
}


def small_net(seed: int):
    """A small CNN (about 60k parameters) for quick comparisons."""
    import keras

    keras.utils.set_random_seed(seed)
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(26, activation="softmax"),
    ])


def real_pool(letters, train_idx, keep_uncertain: bool, upper_share, size: int, seed: int):
    """Indices of ``size`` real training letters for one variant."""
    pool = train_idx if keep_uncertain else train_idx[letters.quality_ok[train_idx]]
    if upper_share is None:
        rng = np.random.default_rng([seed, 3])
        reps = -(-size // len(pool))
        return np.concatenate([rng.permutation(pool) for _ in range(reps)])[:size]
    return rl.balanced_index(letters, pool, seed, upper_share, size)


def accuracy(pred, classes, mask) -> float | None:
    return round(100 * float((pred[mask] == classes[mask]).mean()), 2) if mask.any() else None


def evaluate(model, letters, images, val_idx, dev) -> dict:
    """Per held-out site and case, and the dev set per case."""
    pred = model.predict(images[val_idx][..., None], batch_size=1024, verbose=0).argmax(1)
    classes, upper = letters.classes[val_idx], letters.upper[val_idx]
    sites = np.array([letters.site(i) for i in val_idx])
    out = {"held_out_overall": accuracy(pred, classes, np.ones(len(pred), bool)),
           "held_out_upper": accuracy(pred, classes, upper),
           "held_out_lower": accuracy(pred, classes, ~upper),
           "per_site": {s: accuracy(pred, classes, sites == s) for s in sorted(set(sites))}}
    if dev is not None:
        x, y, labels = dev
        dpred = model.predict(x, batch_size=1024, verbose=0).argmax(1)
        dup = np.array([label.isupper() for label in labels])
        out.update(dev_overall=accuracy(dpred, y, np.ones(len(y), bool)),
                   dev_upper=accuracy(dpred, y, dup), dev_lower=accuracy(dpred, y, ~dup))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=30_000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="+", choices=sorted(VARIANTS))
    args = parser.parse_args()
    import keras

    from cnn_studio.model.training.evaluation import load_labelled_images

    letters = rl.load_default()
    images = render_all(letters)
    train_idx, val_idx = rl.site_split(letters)
    synth = synthetic_dataset(args.samples, seed=args.seed)
    dev = (load_labelled_images(paths.REAL_HANDWRITING) if paths.REAL_HANDWRITING.exists()
           else None)
    results = {}
    for name in args.only or VARIANTS:
        share, keep, upper_share = VARIANTS[name]
        n_real = int(round(args.samples * share))
        idx = real_pool(letters, train_idx, keep, upper_share, n_real, args.seed)
        x = np.concatenate([synth.x[:args.samples - n_real, ..., 0], images[idx]])[..., None]
        y = np.concatenate([synth.y[:args.samples - n_real], letters.classes[idx]])
        model = small_net(args.seed)
        model.compile(keras.optimizers.Adam(2e-3), "sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        start = time.perf_counter()
        model.fit(x, y, batch_size=128, epochs=args.epochs, shuffle=True, verbose=0)
        results[name] = {"real_letters": n_real, "seconds": round(time.perf_counter() - start),
                         **evaluate(model, letters, images, val_idx, dev)}
        print(name, json.dumps(results[name]), file=sys.stderr, flush=True)
    print(json.dumps({"samples": args.samples, "epochs": args.epochs,
                      "held_out_sites": list(rl.DEFAULT_HELD_OUT_SITES),
                      "variants": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
