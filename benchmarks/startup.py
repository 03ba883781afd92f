"""Start-up benchmark: process start to the window's first paint and to the first answer painted.

Each run launches ``python main.py`` offscreen three ways, alternately: (1) until the window's
first paint; (2) with ``--draw FILE:INDEX`` until the pre-drawn letter's probabilities and
activations are painted (``CNN_STUDIO_REPORT_FIRST_ANSWER``, see ``gui/draw/first_answer.py``);
(3) a bare ``python -c 'import tensorflow'`` as the baseline of the same run. The last run's
app also waits for TensorFlow and reports the resident memory (RSS) at the first answer and
once TensorFlow has loaded. Prints JSON; figures are medians.

Goals: first paint within 1.0 s and at most 0.25x the TensorFlow import; first answer painted
within 1.0 s and at most 0.35x the TensorFlow import.

Usage: ``python benchmarks/startup.py [RUNS]``
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ANSWER_GOAL_S, ANSWER_RATIO_GOAL = 1.0, 0.35
PAINT_GOAL_S, PAINT_RATIO_GOAL = 1.0, 0.25


def _env(**extra: str) -> dict:
    home = tempfile.mkdtemp(prefix="cnn-studio-bench-")  # default layout, no user files
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", CNN_STUDIO_HOME=home,
                XDG_CONFIG_HOME=os.path.join(home, "config"), TF_CPP_MIN_LOG_LEVEL="2", **extra)


def _launch(args: list[str], env: dict, timeout: float = 180) -> tuple[float, str]:
    start = time.time()
    result = subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=timeout)
    return start, result.stdout + "\n" + result.stderr[-500:]


def _line(output: str, word: str) -> list[float]:
    for line in output.splitlines():
        if line.startswith(word + " "):
            return [float(v) for v in line.split()[1:]]
    raise RuntimeError(f"no {word!r} line; output tail: {output[-500:]}")


def first_paint_seconds() -> float:
    """Seconds from launching ``python main.py`` to the window's first paint."""
    start, out = _launch([], _env(CNN_STUDIO_REPORT_FIRST_PAINT="1"))
    return _line(out, "first-paint")[0] - start


def first_answer(draw: str, wait_for_tf: bool = False) -> dict:
    """Seconds (and RSS) from launching ``main.py --draw draw`` to the answer painted."""
    start, out = _launch(["--draw", draw],
                         _env(CNN_STUDIO_REPORT_FIRST_ANSWER="tf" if wait_for_tf else "1"))
    when, rss = _line(out, "first-answer")
    result = {"seconds": when - start, "rss_mb": round(rss / 2**20, 1)}
    if wait_for_tf:
        when, rss = _line(out, "tf-ready")
        result.update(tf_ready_s=round(when - start, 3), tf_rss_mb=round(rss / 2**20, 1))
    return result


def tensorflow_import_seconds() -> float:
    """Seconds for a fresh ``python -c 'import tensorflow'``."""
    start = time.time()
    subprocess.run([sys.executable, "-c", "import tensorflow"], check=True, capture_output=True,
                   env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"), timeout=180)
    return time.time() - start


def drawing() -> str:
    """``FILE:INDEX`` of a letter to pre-draw: real handwriting when present, else a made 'A'."""
    from cnn_studio.model.storage.paths import REAL_HANDWRITING

    if REAL_HANDWRITING.is_file():
        return f"{REAL_HANDWRITING}:3"
    import numpy as np

    from cnn_studio.model.ink.strokes import Sample, write_strokes

    path = Path(tempfile.mkdtemp(prefix="cnn-studio-bench-")) / "a.json"
    strokes = [np.array([[40.0, 250.0], [140.0, 30.0], [240.0, 250.0]]),
               np.array([[85.0, 160.0], [195.0, 160.0]])]
    write_strokes(path, [Sample(strokes, "A")], (280.0, 280.0))
    return f"{path}:0"


def main(runs: int = 5) -> dict:
    """Measure all three alternately and return the report."""
    draw = drawing()
    paints, answers, imports, memory = [], [], [], {}
    for index in range(runs):
        paints.append(first_paint_seconds())
        answer = first_answer(draw, wait_for_tf=index == runs - 1)
        answers.append(answer["seconds"])
        if index == runs - 1:
            memory = answer
        imports.append(tensorflow_import_seconds())
    paint, answer, tf_import = (statistics.median(v) for v in (paints, answers, imports))
    return {
        "benchmark": "startup",
        "runs": runs,
        "drawing": draw,
        "first_paint_s_median": round(paint, 3),
        "first_answer_painted_s_median": round(answer, 3),
        "tensorflow_import_s_median": round(tf_import, 3),
        "ratio_first_paint_to_tf_import": round(paint / tf_import, 3),
        "ratio_first_answer_to_tf_import": round(answer / tf_import, 3),
        "first_paint_s_all": [round(v, 3) for v in paints],
        "first_answer_painted_s_all": [round(v, 3) for v in answers],
        "tensorflow_import_s_all": [round(v, 3) for v in imports],
        "rss_mb_at_first_answer": memory.get("rss_mb"),
        "rss_mb_after_tensorflow_loaded": memory.get("tf_rss_mb"),
        "tensorflow_ready_after_launch_s": memory.get("tf_ready_s"),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "goal": {"first_paint_s_max": PAINT_GOAL_S, "first_paint_ratio_max": PAINT_RATIO_GOAL,
                 "first_answer_s_max": ANSWER_GOAL_S, "first_answer_ratio_max": ANSWER_RATIO_GOAL},
        "meets_goal": paint <= PAINT_GOAL_S and paint / tf_import <= PAINT_RATIO_GOAL,
        "first_answer_meets_goal": answer <= ANSWER_GOAL_S
        and answer / tf_import <= ANSWER_RATIO_GOAL,
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5), indent=2))
