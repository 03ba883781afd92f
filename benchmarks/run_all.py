"""Runs every benchmark and writes one JSON report, a Markdown table and plots.

Each benchmark is a script in this folder that prints JSON; this runs them one after another
(in fresh processes, so they don't disturb each other), keeps their raw output, and turns the
headline figures into rows: figure, value, baseline measured in the same run, ratio, goal.

Usage: ``python benchmarks/run_all.py [--quick] [--only NAME ...] [--out DIR] [--update-readme]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"

#: name -> (script, full-run arguments, quick-run arguments)
BENCHMARKS: dict[str, tuple[str, list[str], list[str]]] = {
    "startup": ("startup.py", ["5"], ["3"]),
    "synth": ("synth.py", [], ["--samples", "4000", "--runs", "1"]),
    "real_accuracy": ("real_accuracy.py", [], []),
    "unipen_sites": ("unipen_sites.py", [], []),
    "teach_curve": ("teach_curve.py", [], ["--writers", "2", "--ks", "1,5"]),
    "numpy_forward": ("numpy_forward.py", ["200", "--blas-threads", "1"],
                      ["60", "--warmup", "10", "--blas-threads", "1"]),
    "predict": ("predict.py", ["40"], ["12"]),
    "overview": ("overview.py", ["150"], ["50", "--warmup", "5", "--seconds", "2"]),
    "training": ("training.py", ["--pairs", "7"],
                 ["--pairs", "5", "--epochs", "2", "--samples", "4000"]),
}


def run_benchmark(name: str, quick: bool) -> dict:
    """Run one benchmark script; returns its JSON (or an ``error`` entry)."""
    script, full, short = BENCHMARKS[name]
    started = time.monotonic()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TF_CPP_MIN_LOG_LEVEL="2")
    try:
        result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script),
                                 *(short if quick else full)], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=1800)
    except subprocess.TimeoutExpired:
        return {"error": "timed out after 30 minutes"}
    data = last_json_object(result.stdout)
    if data is None:
        return {"error": f"exit {result.returncode}; no JSON printed. "
                         f"stderr tail: {result.stderr[-400:]}"}
    data["_seconds"] = round(time.monotonic() - started, 1)
    return data


def last_json_object(text: str) -> dict | None:
    """The last complete JSON object printed (benchmarks may log lines before it)."""
    decoder = json.JSONDecoder()
    for start in [i for i, ch in enumerate(text) if ch == "{"]:
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict) and not text[end:].strip():
            return value
    return None


def _row(area, figure, value, baseline="", ratio="", goal="", met=None) -> dict:
    return {"area": area, "figure": figure, "value": value, "baseline": baseline,
            "ratio": ratio, "goal": goal, "met": met}


def rows_for(name: str, data: dict) -> list[dict]:
    """Headline rows of one benchmark's JSON."""
    if "error" in data or "skipped" in data:
        return [_row(name, "not measured", data.get("error") or data.get("skipped"))]
    get = data.get
    if name == "startup":
        return startup_rows(get)
    if name == "synth":
        speed = get("generator_parallel_samples_per_s")
        return [_row("synthetic data", f"letters generated per second ({get('cores')} cores)",
                     speed, f"rasterize only {get('baseline_rasterize_samples_per_s')}/s",
                     get("parallel_vs_baseline"), "≥ 3000/s", speed is not None and speed >= 3000),
                _row("synthetic data", "one strokes_to_image call", f"{get('strokes_to_image_ms')} ms",
                     goal="< 2 ms", met=(get("strokes_to_image_ms") or 99) < 2)]
    if name == "real_accuracy":
        upper, lower = get("upper_accuracy_pct"), get("lower_accuracy_pct")
        base = get("baseline_accuracy_pct", get("majority_class_accuracy_pct", ""))
        pairs = ", ".join(f"{p['true']}→{p['predicted']} ({p['count']})"
                          for p in (get("most_confused") or [])[:5])
        overall = get("accuracy_pct")
        return [_row("real handwriting", "default model, dev set overall", f"{overall} %",
                     f"{base} % (most common class)" if base != "" else "", "", "≥ 97 %",
                     overall is not None and overall >= 97),
                _row("real handwriting", "default model, upper case", f"{upper} %",
                     "", "", "≥ 98 %", upper is not None and upper >= 98),
                _row("real handwriting", "default model, lower case", f"{lower} %",
                     "", "", "≥ 95 %", lower is not None and lower >= 95),
                _row("real handwriting", "most confused pairs", pairs),
                *_pretrain_rows()]
    if name == "unipen_sites":
        return _unipen_rows(data)
    if name == "teach_curve":
        return _teach_rows(data)
    if name == "overview":
        return overview_rows(data)
    if name in ("numpy_forward", "predict", "training"):
        return {"numpy_forward": numpy_rows, "predict": predict_rows,
                "training": training_rows}[name](get)
    return []


def _spread(median, low, high) -> str:
    return f"{median} (min {low}, max {high})"


def startup_rows(get) -> list[dict]:
    """Launch to first paint and to the first answer painted; memory at both."""
    tf_import = f"import tensorflow {get('tensorflow_import_s_median')} s"
    return [_row("start-up", "window first paint (median)", f"{get('first_paint_s_median')} s",
                 tf_import, get("ratio_first_paint_to_tf_import"), "≤ 1.0 s and ratio ≤ 0.25",
                 get("meets_goal")),
            _row("start-up", "launch to first prediction painted (median)",
                 f"{get('first_answer_painted_s_median')} s", tf_import,
                 get("ratio_first_answer_to_tf_import"), "≤ 1.0 s and ratio ≤ 0.35",
                 get("first_answer_meets_goal")),
            _row("memory", "app RSS after first paint (first answer shown, numpy engine)",
                 f"{get('rss_mb_at_first_answer')} MB"),
            _row("memory", "app RSS after TensorFlow loads",
                 f"{get('rss_mb_after_tensorflow_loaded')} MB")]


def numpy_rows(get) -> list[dict]:
    """The numpy forward pass against tf.function, as paired ratios."""
    ratio = get("ratio_median")
    return [_row("prediction", "numpy forward of one 28x28 image, default model "
                 f"({get('pairs')} interleaved pairs)", f"{get('numpy_median_ms')} ms",
                 f"tf.function forward {get('tf_function_median_ms')} ms",
                 _spread(ratio, get("ratio_min"), get("ratio_max")), "ratio ≤ 1.0",
                 ratio is not None and ratio <= 1.0)]


def predict_rows(get) -> list[dict]:
    """Pen-up to painted with the app's engine; the other engine as paired ratios."""
    pairs = get("engines_interleaved") or {}
    median = get("pen_up_to_painted_ms_median")
    return [_row("prediction", "pen-up → probabilities and activations painted (median, "
                 f"{get('engine')} engine)", f"{median} ms",
                 f"TensorFlow engine {pairs.get('tensorflow_painted_ms_median')} ms; bare "
                 f"tf.function {get('bare_tf_function_forward_ms_median')} ms",
                 _spread(pairs.get("ratio_numpy_to_tensorflow_median"),
                         pairs.get("ratio_numpy_to_tensorflow_min"),
                         pairs.get("ratio_numpy_to_tensorflow_max")) + " numpy/TF pairs",
                 "≤ 10 ms", median is not None and median <= 10)]


def overview_rows(data: dict) -> list[dict]:
    """The network overview's repaint per new drawing and per training snapshot, against the
    activation strip painting the same data, at the overview's share of two window sizes."""
    rows = []
    for case, result in (data.get("cases") or {}).items():
        what, size = case.split("@")
        mine, strip = result["overview"], result["activation_strip"]
        rows.append(_row("overview", f"repaint after a {what.replace('_', ' ')} ({size} window, "
                         "median / p99, GUI-thread CPU)",
                         f"{mine['cpu_median_ms']} / {mine['cpu_p99_ms']} ms",
                         f"activation strip {strip['cpu_median_ms']} ms",
                         result["ratio_cpu_median"]))
        late = (result.get("gui_lateness_ms") or {}).get("fed_50_per_s")
        if late:
            idle = result["gui_lateness_ms"]["idle"]
            strip_late = result["gui_lateness_ms"]["activation_strip_fed_50_per_s"]
            rows.append(_row("overview", f"GUI lateness p99 / max, snapshots at 50/s ({size})",
                             f"{late['p99_ms']} / {late['max_ms']} ms",
                             f"activation strip {strip_late['p99_ms']} / {strip_late['max_ms']} "
                             f"ms; idle {idle['p99_ms']} / {idle['max_ms']} ms", "",
                             "p99 ≤ 15 ms, max ≤ 50 ms",
                             late["p99_ms"] <= 15 and late["max_ms"] <= 50))
    return rows


def training_rows(get) -> list[dict]:
    """In-app vs bare training as paired ratios, GUI lateness, memory after training."""
    busy, idle = get("gui_lateness_training") or {}, get("gui_lateness_idle") or {}
    app, bare = get("in_app_samples_per_s") or [], get("bare_fit_samples_per_s") or []
    median, low = get("ratio_in_app_to_bare_median"), get("ratio_in_app_to_bare_min")
    return [_row("training", f"in-app / bare model.fit samples/s (median of {len(app)} "
                 "interleaved pairs)", median,
                 f"in-app {statistics.median(app) if app else ''}/s, bare "
                 f"{statistics.median(bare) if bare else ''}/s",
                 _spread(median, low, get("ratio_in_app_to_bare_max")),
                 "median ≥ 0.95, min ≥ 0.80",
                 median is not None and median >= 0.95 and low >= 0.80),
            _row("training", "GUI timer lateness while training (p99 / max)",
                 f"{busy.get('p99_ms')} / {busy.get('max_ms')} ms",
                 f"idle {idle.get('p99_ms')} / {idle.get('max_ms')} ms", "",
                 "p99 ≤ 15 ms, max ≤ 50 ms",
                 (busy.get("p99_ms") or 1e9) <= 15 and (busy.get("max_ms") or 1e9) <= 50),
            _row("memory", "app RSS after one training run",
                 f"{get('rss_mb_after_one_training_run')} MB",
                 f"after TensorFlow loads {get('rss_mb_after_tensorflow_loaded')} MB")]


def _unipen_rows(data: dict) -> list[dict]:
    """Held-out UNIPEN sites: accuracy overall, per case, per site; calibration (ECE)."""
    get = data.get
    sites = ", ".join(f"{name} {site.get('accuracy_pct')} %"
                      for name, site in (get("per_site") or {}).items())
    rows = [_row("held-out UNIPEN sites", f"default model ({', '.join(get('sites') or [])})",
                 f"{get('accuracy_pct')} %", f"upper {get('upper_pct')} %, "
                 f"lower {get('lower_pct')} %", "", "report", None),
            _row("held-out UNIPEN sites", "per site", sites)]
    calibration = get("calibration") or {}
    for where, label in (("held_out_sites", "held-out sites"), ("dev", "dev set")):
        part = calibration.get(where)
        if part:
            rows.append(_row("calibration", f"ECE (15 bins), {label}, temperature "
                             f"{calibration.get('temperature')}", part.get("ece_after"),
                             f"uncalibrated {part.get('ece_before')}", "", "lower than "
                             "uncalibrated", part.get("ece_after", 1) < part.get("ece_before", 0)))
    return rows


def _pretrain_rows() -> list[dict]:
    """The shipped model's pretrain time, as recorded by ``pretrain`` in its history file."""
    try:
        history = json.loads((ROOT / "assets" / "models" / "default.history.json").read_text())
    except (OSError, ValueError):
        return []
    minutes, cpu = history.get("minutes"), history.get("cpu_minutes")
    return [_row("shipped model", f"pretrain time ({history.get('command', 'pretrain')})",
                 f"{minutes} min on {history.get('cores')} cores",
                 f"CPU time {cpu} core-minutes" if cpu is not None else "", "", "≤ 20 min",
                 minutes is not None and minutes <= 20)]


def _teach_rows(data: dict) -> list[dict]:
    """Teach it my hand: held-out writers before/after, and the other writers (forgetting)."""
    rows = []
    for k, part in (data.get("curve") or {}).items():
        rows.append(_row("teach my hand", f"k = {k} samples per letter, {part.get('writers')} "
                         "held-out writers: their other letters",
                         f"{part.get('before_pct')} → {part.get('after_pct')} %",
                         f"other writers {part.get('others_before_pct')} → "
                         f"{part.get('others_after_pct')} %", "",
                         "better, others kept; ≤ 30 s",
                         (part.get("after_pct", 0) > part.get("before_pct", 100)
                          and part.get("total_seconds_max", 99) <= 30)))
    return rows


def markdown_table(rows: list[dict]) -> str:
    """The rows as a Markdown table."""
    lines = ["| area | figure | value | baseline (same run) | ratio | goal | met |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        met = "" if r["met"] is None else ("yes" if r["met"] else "**no**")
        lines.append(f"| {r['area']} | {r['figure']} | {r['value']} | {r['baseline']} | "
                     f"{r['ratio']} | {r['goal']} | {met} |")
    return "\n".join(lines)


def make_plots(results: dict, out: Path) -> list[str]:
    """Pictures of the figures a person would rather look at than read."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
    latencies = results.get("predict", {}).get("pen_up_to_painted_ms_all")
    if latencies:
        fig, ax = plt.subplots(figsize=(5, 3), dpi=100)
        ax.hist(latencies, bins=20, color="#4477aa")
        ax.axvline(10, color="#cc3311", linestyle="--", label="goal 10 ms")
        ax.set_xlabel("pen-up → painted (ms)")
        ax.set_ylabel("drawings")
        ax.set_title("Prediction latency")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / "latency.png")
        plt.close(fig)
        made.append("latency.png")
    history_file = ROOT / "assets" / "models" / "default.history.json"
    if history_file.exists():
        history = json.loads(history_file.read_text())
        epochs = history.get("epochs") or []
        upper = [e.get("real_upper_pct") for e in epochs]
        lower = [e.get("real_lower_pct") for e in epochs]
        if epochs and any(v is not None for v in upper):
            fig, ax = plt.subplots(figsize=(5, 3), dpi=100)
            xs = list(range(1, len(epochs) + 1))
            ax.plot(xs, upper, marker="o", label="upper case")
            ax.plot(xs, lower, marker="o", label="lower case")
            ax.axhline(97, color="C0", linestyle=":", linewidth=1, label="goal upper 97 %")
            ax.axhline(90, color="C1", linestyle=":", linewidth=1, label="goal lower 90 %")
            ax.set_xlabel("epoch of `pretrain`")
            ax.set_ylabel("accuracy on real handwriting (%)")
            ax.set_title("Default network on real handwriting")
            ax.legend(fontsize="small")
            fig.tight_layout()
            fig.savefig(out / "real_accuracy.png")
            plt.close(fig)
            made.append("real_accuracy.png")
    return made


def update_readme(table: str) -> bool:
    """Replace the README's performance table (between the bench markers)."""
    text = README.read_text()
    if README_START not in text or README_END not in text:
        return False
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    README.write_text(f"{head}{README_START}\n{table}\n{README_END}{tail}")
    return True


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and write ``report.json``, ``report.md`` and plots to ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (minutes, not tens)")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="run only these")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--update-readme", action="store_true",
                        help="rewrite the README's performance table from this report")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in args.only or list(BENCHMARKS):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results[name] = run_benchmark(name, args.quick)
    rows = [row for name, data in results.items() for row in rows_for(name, data)]
    table = markdown_table(rows)
    report = {"created": time.strftime("%Y-%m-%d %H:%M:%S"), "quick": args.quick,
              "machine": {"cores": os.cpu_count(), "platform": sys.platform},
              "rows": rows, "results": results}
    (args.out / "report.json").write_text(json.dumps(report, indent=2))
    plots = make_plots(results, args.out)
    images = "".join(f"\n![{p}](benchmarks/results/{p})" for p in plots)
    (args.out / "report.md").write_text(f"# Benchmark report ({report['created']})\n\n{table}\n{images}\n")
    if args.update_readme and not update_readme(table + "\n" + images):
        print("README has no bench markers; table not inserted.", file=sys.stderr)
    print(table)
    return 0 if all("error" not in data for data in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
