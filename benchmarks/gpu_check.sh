#!/usr/bin/env bash
# Check the GPU paths of `cnn-studio train` on a machine with NVIDIA GPUs; prints one JSON object.
#
# Usage:  benchmarks/gpu_check.sh [PYTHON]
#   PYTHON: an interpreter with the project's dependencies and a CUDA TensorFlow, e.g. after
#   `pip install ".[gpu]"` (default: python3). The checkout need not be installed: the script
#   maps the package name cnn_studio onto it. Takes about a minute; writes only to a temp dir.
#
# Checks: TensorFlow sees the GPUs; `train --device gpu:0` trains there (the model's weights live
# on GPU:0) and its speed against `--device cpu`; `--device gpu:N` for a GPU that does not exist
# ends with exit code 2 and a message; `--device mirrored` when there are two or more GPUs; a
# record file streamed from disk trains on gpu:0. "ok" is true when every check passed.
set -u
PYTHON="${1:-python3}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
ln -s "$ROOT" "$WORK/cnn_studio"
export PYTHONPATH="$WORK${PYTHONPATH:+:$PYTHONPATH}" CNN_STUDIO_HOME="$WORK/home" TF_CPP_MIN_LOG_LEVEL=2
exec timeout 540 "$PYTHON" - "$WORK" <<'PY'
import contextlib, io, json, re, sys, time
from pathlib import Path

import numpy as np
import tensorflow as tf

from cnn_studio import main
from cnn_studio.model.data.dataset import Dataset, save_npz
from cnn_studio.model.data.streaming import RecordWriter

work = Path(sys.argv[1])
report = {"tensorflow": tf.__version__, "built_with_cuda": tf.test.is_built_with_cuda(),
          "gpus": [d.name for d in tf.config.list_physical_devices("GPU")], "checks": {}}


def letters(n):
    rng = np.random.default_rng(0)
    y = np.arange(n) % 26
    x = rng.random((n, 28, 28), dtype=np.float32) * 0.1
    x[np.arange(n), y + 1, 2:26] = 1.0
    return Dataset(x, y)


def train(name, *extra):
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main.main(["train", "--preset", "classic", "--epochs", "2", "--batch-size", "256",
                          "--out", str(work / f"{name}.keras"), *extra])
    text = out.getvalue()
    speed = re.findall(r"([\d,]+) samples/s\n", text)
    where = re.search(r"Training on ([^:]+):", text)
    report["checks"][name] = {"exit": code, "wall_s": round(time.perf_counter() - start, 2),
                              "samples_per_s": int(speed[-1].replace(",", "")) if speed else None,
                              "trained_on": where.group(1) if where else None,
                              "error": err.getvalue().strip()[-400:]}
    return report["checks"][name]


data = work / "letters.npz"
save_npz(data, letters(20_000))
ok = bool(report["gpus"])
ok &= train("gpu0", "--data", str(data), "--device", "gpu:0")["trained_on"] == "gpu:0"
train("cpu", "--data", str(data), "--device", "cpu")
missing = train("missing_gpu", "--data", str(data), "--device", f"gpu:{len(report['gpus'])}")
ok &= missing["exit"] == 2 and "GPU" in missing["error"]
from cnn_studio.model.training.devices import device_scope
from cnn_studio.model.nets.keras_build import build_model
from cnn_studio.model.spec.presets import get_preset
try:
    scope, _ = device_scope("gpu:0")
    with scope():
        placed = build_model(get_preset("classic")).weights[0].value.device
    report["weights_on"] = placed
    ok &= "GPU:0" in placed
except Exception as error:  # reported, not raised: the JSON is the result
    report["weights_on"] = f"{type(error).__name__}: {error}"
    ok = False
if len(report["gpus"]) >= 2:
    ok &= train("mirrored", "--data", str(data), "--device", "mirrored")["exit"] == 0
stream = work / "letters.npy"
with RecordWriter(stream) as writer:
    set_ = letters(20_000)
    writer.add(set_.x, set_.y)
ok &= train("stream_gpu0", "--data", f"stream:{stream}", "--device", "gpu:0")["exit"] == 0
report["ok"] = bool(ok)
print(json.dumps(report, indent=1))
PY
