"""Accuracy of a trained .keras model on the held-out UNIPEN sites, and its calibration.

The built-in real letters of ``real_letters.DEFAULT_HELD_OUT_SITES`` (art, cea, pri, uqb) never
train the shipped model. Prints JSON: accuracy per held-out site (overall, upper, lower case),
per case and overall; and the expected calibration error (15 bins) before and after the
temperature that ``pretrain`` fitted on these sites and baked into the model (read from
``<model>.history.json``; 1.0 when absent), on the held-out sites and on the dev set (which
only measures). The "before" probabilities are the shipped ones with the temperature undone.

Usage: ``python benchmarks/unipen_sites.py [--model M.keras] [--dev FILE]``
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


def recorded_temperature(model_path: Path) -> float:
    """The temperature ``pretrain`` baked into the model (1.0 when none is recorded)."""
    history = model_path.with_name(model_path.stem + ".history.json")
    try:
        value = json.loads(history.read_text())["calibration"]["temperature"]
        return float(value) if float(value) > 0 else 1.0
    except (OSError, ValueError, KeyError, TypeError):
        return 1.0


def measure(model_path: Path, dev_path: Path | None) -> dict:
    """The JSON report of one model."""
    from cnn_studio.model.nets.model_files import load_model_file
    from cnn_studio.model.training import calibration as cal
    from cnn_studio.model.training.held_out_sites import held_out_letters, site_accuracy

    model = load_model_file(model_path, compile=False)
    held = held_out_letters()
    probs = model.predict(held.x, batch_size=1024, verbose=0)
    temperature = recorded_temperature(model_path)
    raw = cal.apply_temperature(probs, 1.0 / temperature)  # the temperature undone
    result = {"model": str(model_path), **site_accuracy(probs, held),
              "calibration": {"temperature": temperature, "bins": cal.ECE_BINS,
                              "held_out_sites": cal.calibration_report(raw, held.y,
                                                                       temperature)}}
    if dev_path is not None and dev_path.exists():
        from cnn_studio.model.training.evaluation import load_labelled_images

        images, classes, _ = load_labelled_images(dev_path)
        dev = cal.apply_temperature(model.predict(images, batch_size=1024, verbose=0),
                                    1.0 / temperature)
        result["calibration"]["dev"] = cal.calibration_report(dev, classes, temperature)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=paths.DEFAULT_MODEL_DIR / "default.keras",
                        help="the .keras model (default: the shipped one)")
    parser.add_argument("--dev", type=Path, default=paths.REAL_HANDWRITING,
                        help="labelled strokes-v1 file for the dev-set calibration figures")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from cnn_studio.model.data.real_letters import RealLettersError
    from cnn_studio.model.ink.strokes import StrokesError
    from cnn_studio.model.nets.model_files import ModelFileError

    try:
        result = measure(args.model, args.dev)
    except (RealLettersError, ModelFileError, StrokesError) as error:
        print(json.dumps({"error": str(error)}))
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
