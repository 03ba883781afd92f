"""The "teach it my hand" curve: accuracy on a stranger's letters after k samples per letter.

Writers come from the held-out UNIPEN sites (``real_letters.DEFAULT_HELD_OUT_SITES``), whose
letters are never used to pretrain the shipped model. For each writer and each k (1, 2, 5) the
shipped model is fine-tuned (:func:`model.training.finetune.teach`) on k samples of every letter
the writer wrote, then measured on that writer's OTHER letters (before and after) and on other
writers' letters of the held-out sites (to show nothing else was forgotten). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cnn_studio.model.storage import paths  # noqa: E402


def pick_writers(letters, held_idx, count: int, min_letters: int, seed: int) -> list[str]:
    """``count`` writers of the held-out sites with at least ``min_letters`` letters (seeded)."""
    import numpy as np

    names = np.array([letters.writer(i) for i in held_idx])
    unique, counts = np.unique(names, return_counts=True)
    eligible = sorted(unique[counts >= min_letters].tolist())
    rng = np.random.default_rng([seed, 71])
    return sorted(rng.permutation(eligible)[:count].tolist())


def split_writer(letters, indices, k: int, seed: int):
    """k samples of every letter (case kept) the writer wrote more than k times, and the rest."""
    import numpy as np

    rng = np.random.default_rng([seed, k, 72])
    taught = []
    labels = np.array([letters.label(i) for i in indices])
    for letter in sorted(set(labels.tolist())):
        mine = indices[labels == letter]
        if len(mine) > k:
            taught += rng.permutation(mine)[:k].tolist()
    rest = np.setdiff1d(indices, taught)
    return np.array(sorted(taught), np.int64), rest


def run_one(base, letters, taught, test, replay, others, seed: int, steps: int = 250,
            learning_rate: float = 5e-4) -> dict:
    """Teach ``base`` with the ``taught`` letters; accuracy on ``test`` and ``others``."""
    import keras

    from cnn_studio.model.ink.strokes import Sample
    from cnn_studio.model.training.finetune import TeachConfig, accuracy, teach

    samples = [Sample(letters.strokes(i), letters.label(i)) for i in taught]
    config = TeachConfig(hold_back=0, seed=seed, steps=steps, learning_rate=learning_rate)
    start = time.monotonic()
    result = teach(base, samples, config, builtin=(replay, others), canvas=letters.canvas)
    total = time.monotonic() - start
    adapted = keras.models.clone_model(base)
    adapted.set_weights(result.weights)
    test_x = letters.render(test)[..., None]
    test_y = letters.classes[test]
    return {"taught": len(taught), "test": len(test),
            "before": accuracy(base, test_x, test_y), "after": accuracy(adapted, test_x, test_y),
            "others_before": result.others_before, "others_after": result.others_after,
            "train_seconds": round(result.seconds, 2), "total_seconds": round(total, 2),
            "steps": result.steps}


def summarise(rows: list[dict]) -> dict:
    """Mean figures of one k over the writers."""
    def mean(key: str) -> float:
        return round(100 * sum(row[key] for row in rows) / len(rows), 1)

    return {"writers": len(rows), "before_pct": mean("before"), "after_pct": mean("after"),
            "others_before_pct": mean("others_before"), "others_after_pct": mean("others_after"),
            "taught_mean": round(sum(r["taught"] for r in rows) / len(rows), 1),
            "train_seconds_max": max(r["train_seconds"] for r in rows),
            "total_seconds_max": max(r["total_seconds"] for r in rows)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=paths.DEFAULT_MODEL_DIR / "default.keras")
    parser.add_argument("--writers", type=int, default=4, help="held-out writers to teach")
    parser.add_argument("--ks", default="1,2,5", help="samples per letter, comma-separated")
    parser.add_argument("--min-letters", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=250, help="most fine-tuning steps")
    parser.add_argument("--lr", type=float, default=5e-4, help="fine-tuning learning rate")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np

    from cnn_studio.model.data import real_letters as rl
    from cnn_studio.model.nets.model_files import load_model_file
    from cnn_studio.model.training.finetune import builtin_letters

    letters = rl.load_default()
    _, held_idx = rl.site_split(letters, rl.DEFAULT_HELD_OUT_SITES)
    base = load_model_file(args.model, compile=False)
    writers = pick_writers(letters, held_idx, args.writers, args.min_letters, args.seed)
    replay, _ = builtin_letters(2000, 0, args.seed)
    by_writer = letters.writer_indices()
    curve, per_writer = {}, []
    for k in [int(v) for v in args.ks.split(",")]:
        rows = []
        for name in writers:
            own = by_writer[name]
            others = np.setdiff1d(held_idx, own)
            others = np.sort(np.random.default_rng([args.seed, 73]).permutation(others)[:520])
            taught, test = split_writer(letters, own, k, args.seed)
            check = (letters.render(others)[..., None], letters.classes[others])
            row = run_one(base, letters, taught, test, replay, check, args.seed, args.steps,
                          args.lr)
            rows.append(row)
            per_writer.append({"writer": name, "k": k, **row})
        curve[str(k)] = summarise(rows)
    print(json.dumps({"model": str(args.model), "held_out_sites": list(rl.DEFAULT_HELD_OUT_SITES),
                      "writers": writers, "curve": curve, "per_writer": per_writer}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
