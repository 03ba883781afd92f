"""Benchmark: peak memory of ``classify --strokes`` as the number of samples grows.

Writes strokes-v1 files of one-point samples (the attack of issue 27: 10^6 of them are a 41 MB
file), runs the real command ``python -m cnn_studio.main classify --strokes FILE --quiet`` on
each in its own process and reads that process's peak resident memory from ``os.wait4``. The
baseline is the same command on 100 samples, measured in the same run: what loading Python,
TensorFlow and the model costs. Prints JSON: per size the peak in MB, the growth over the
baseline and the ratio peak / baseline, the wall time and the exit code.

Usage: ``python benchmarks/classify_memory.py [SIZES ...] [--limit-s S]`` (default sizes:
100000 1000000). Each finished size is also printed as one JSON line on standard error.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = 100


def write_one_point_samples(path: Path, count: int) -> int:
    """A strokes-v1 file of ``count`` one-point samples written piece by piece; its size."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write('{"format": "strokes-v1", "canvas": {"width": 280, "height": 280}, '
                     '"samples": [')
        for i in range(count):
            letter = chr(ord("A") + i % 26)
            handle.write(("," if i else "")
                         + f'{{"label":"{letter}","strokes":[[[{i % 280}.5,{i % 97}.25]]]}}')
        handle.write("]}")
    return path.stat().st_size


def _high_water_kb(pid: int) -> int:
    """The process's peak resident memory so far (``VmHWM``), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_measured(path: Path, limit_s: float) -> dict:
    """Run the real command on ``path``; its peak RSS (MB, from ``os.wait4``), wall time, exit
    code and last line. A run longer than ``limit_s`` is stopped and reported with
    ``"finished": false`` and the peak it had reached."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen([sys.executable, "-m", "cnn_studio.main", "classify",
                                  "--strokes", str(path), "--quiet"], env=env, stdout=out,
                                 stderr=err)
        seen, finished = 0, True
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            seen = max(seen, _high_water_kb(child.pid))
            if time.perf_counter() - start > limit_s:
                seen = max(seen, _high_water_kb(child.pid))
                child.kill()
                finished = False
            time.sleep(0.5)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = (out.read().decode(errors="replace").strip().splitlines()
                 or err.read().decode(errors="replace").strip().splitlines())
    peak_kb = max(usage.ru_maxrss, seen)
    return {"peak_mb": round(peak_kb / 1024, 1), "finished": finished,
            "seconds": round(time.perf_counter() - start, 1), "rc": child.returncode,
            "last_line": lines[-1] if lines else ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000, 1_000_000])
    parser.add_argument("--limit-s", type=float, default=7200.0,
                        help="stop a run after this many seconds (reported as not finished)")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        base_file = Path(folder) / "baseline.json"
        write_one_point_samples(base_file, BASELINE)
        baseline = run_measured(base_file, args.limit_s)
        results["baseline"] = {"samples": BASELINE, **baseline}
        for size in args.sizes:
            path = Path(folder) / f"points-{size}.json"
            bytes_written = write_one_point_samples(path, size)
            measured = run_measured(path, args.limit_s)
            measured["growth_mb"] = round(measured["peak_mb"] - baseline["peak_mb"], 1)
            measured["ratio_to_baseline"] = round(measured["peak_mb"] / baseline["peak_mb"], 3)
            results[str(size)] = {"samples": size, "file_mb": round(bytes_written / 2**20, 1),
                                  **measured}
            path.unlink()
            print(json.dumps({str(size): results[str(size)]}), file=sys.stderr, flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
