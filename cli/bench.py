"""The `bench` subcommand: run every benchmark and write one report (JSON + Markdown + plots)."""

from __future__ import annotations

import argparse
import importlib.util

from cnn_studio.model.storage.paths import PROJECT_ROOT

HELP = "run every benchmark; write benchmarks/results/report.json, report.md and plots"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this command's options (the same as benchmarks/run_all.py)."""
    parser.add_argument("--quick", action="store_true", help="fewer runs (minutes, not tens)")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="run only these: startup synth real_accuracy numpy_forward predict "
                             "training")
    parser.add_argument("--out", default=None, help="report folder (default benchmarks/results)")
    parser.add_argument("--update-readme", action="store_true",
                        help="rewrite the README's performance table from this report")


def run(args: argparse.Namespace) -> int:
    """Load benchmarks/run_all.py from the project and run it."""
    script = PROJECT_ROOT / "benchmarks" / "run_all.py"
    if not script.exists():
        print(f"bench: {script} not found; run it from a source checkout of CNN Studio.")
        return 2
    spec = importlib.util.spec_from_file_location("cnn_studio_run_all", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    argv = ["--quick"] if args.quick else []
    if args.only:
        argv += ["--only", *args.only]
    if args.out:
        argv += ["--out", args.out]
    if args.update_readme:
        argv.append("--update-readme")
    return module.main(argv)
