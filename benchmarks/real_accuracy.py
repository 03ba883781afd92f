"""Accuracy of a trained .keras model on real handwriting (the Chars74K strokes file).

Prints JSON with upper- and lower-case accuracy and the most confused pairs, plus, as the
baseline measured in the same run, the accuracy of always answering the most common class.
Skips cleanly (exit 0, a JSON message) when the real-handwriting file is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cnn_studio.model.storage import paths  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=paths.DEFAULT_MODEL_DIR / "default.keras",
                        help="the .keras model (default: the shipped one)")
    parser.add_argument("--file", type=Path, default=paths.REAL_HANDWRITING,
                        help="labelled strokes-v1 file")
    parser.add_argument("--top", type=int, default=10, help="confused pairs to list")
    args = parser.parse_args()
    if not args.file.exists():
        print(json.dumps({"skipped": f"real-handwriting file {args.file} not found"}))
        return 0
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np

    from cnn_studio.model.ink.strokes import StrokesError
    from cnn_studio.model.nets.model_files import ModelFileError, load_model_file
    from cnn_studio.model.training.evaluation import evaluate_images, load_labelled_images

    try:
        images, classes, labels = load_labelled_images(args.file)
        model = load_model_file(args.model, compile=False)
    except (StrokesError, ModelFileError) as error:
        print(json.dumps({"error": str(error)}))
        return 1
    report = evaluate_images(model, images, classes, labels)
    result = {"model": str(args.model), "file": args.file.name, **report.to_dict(args.top)}
    result["baseline_most_common_class_pct"] = round(
        100 * np.bincount(classes).max() / len(classes), 2)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
