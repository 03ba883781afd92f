"""Start-up benchmark: process start to the main window's first paint, versus `import tensorflow`.

Runs both alternately (median of N each, offscreen) and prints JSON. Goal: first paint within
1.0 s and at most 0.25x the TensorFlow import time measured in the same run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def first_paint_seconds() -> float:
    """Seconds from launching ``python main.py`` to the window's first paint."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CNN_STUDIO_REPORT_FIRST_PAINT="1")
    start = time.time()
    result = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    for line in result.stdout.splitlines():
        if line.startswith("first-paint "):
            return float(line.split()[1]) - start
    raise RuntimeError(f"no first-paint line; stderr: {result.stderr[-500:]}")


def tensorflow_import_seconds() -> float:
    """Seconds for a fresh ``python -c 'import tensorflow'``."""
    start = time.time()
    subprocess.run([sys.executable, "-c", "import tensorflow"], check=True, capture_output=True,
                   env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"), timeout=120)
    return time.time() - start


def main(runs: int = 5) -> dict:
    """Measure both alternately and return the report."""
    paints, imports = [], []
    for _ in range(runs):
        paints.append(first_paint_seconds())
        imports.append(tensorflow_import_seconds())
    paint, tf_import = statistics.median(paints), statistics.median(imports)
    report = {
        "benchmark": "startup",
        "runs": runs,
        "first_paint_s_median": round(paint, 3),
        "tensorflow_import_s_median": round(tf_import, 3),
        "ratio_first_paint_to_tf_import": round(paint / tf_import, 3),
        "first_paint_s_all": [round(v, 3) for v in paints],
        "tensorflow_import_s_all": [round(v, 3) for v in imports],
        "goal": {"first_paint_s_max": 1.0, "ratio_max": 0.25},
        "meets_goal": paint <= 1.0 and paint / tf_import <= 0.25,
    }
    return report


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5), indent=2))
