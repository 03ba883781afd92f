"""The `lessons` subcommand: the Learn path's steps, and the check that none of them lies.

``cnn-studio lessons --list`` names the steps in order; ``cnn-studio lessons --check`` runs every
step's observation on fixed real letters (``model.lessons.check``) with the shipped model (or
``--model``), prints per step whether its claim holds, and exits 1 when one does not.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HELP = "list the Learn path's steps, or check every step's claim on real letters"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this command's options."""
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--list", action="store_true", help="name the steps, in order")
    action.add_argument("--check", action="store_true",
                        help="run every step's observation on fixed real letters; exit code 1 "
                             "when a step's claim does not hold")
    parser.add_argument("--model", metavar="PATH",
                        help="with --check: a .keras model (default: the shipped model)")
    parser.add_argument("--json", metavar="OUT", dest="json_out",
                        help="with --check: also write the numbers of every step to this JSON "
                             "file; '-' writes only the JSON, to standard output")


def _list() -> int:
    from cnn_studio.model.lessons.steps import STEPS

    width = max(len(step.key) for step in STEPS)
    for number, step in enumerate(STEPS, 1):
        print(f"{number:2d}. {step.key.ljust(width)}  {step.title}")
    return 0


def _load_model(path: str | None):
    from cnn_studio.model.nets.inference import load_default_model
    from cnn_studio.model.nets.model_files import load_model_file

    return load_model_file(path) if path else load_default_model()


def _print(checks, letters) -> None:
    names = ", ".join(f"{c.label} (#{c.index})" for c in letters)
    print(f"Real letters: {names}, written at UNIPEN site {letters[0].site}")
    for number, check in enumerate(checks, 1):
        held = sum(o.holds for o in check.observations)
        mark = "holds" if check.holds else "FAILS"
        print(f"{number:2d}. {mark}  {check.step.key}: {check.step.title} "
              f"({held}/{len(check.observations)} letters)")
        for letter, observation in zip(letters, check.observations, strict=True):
            if not observation.holds or letter is letters[0]:
                print(f"      {letter.label}: {observation.sentence}")


def _check(args: argparse.Namespace) -> int:
    from cnn_studio.model.lessons.check import check_letters, check_steps, report
    from cnn_studio.model.storage.paths import atomic_write_text

    letters = check_letters()
    model = _load_model(args.model)
    checks = check_steps(model, letters)
    document = report(args.model or "default (shipped)", letters, checks)
    if args.json_out == "-":  # standard output holds the JSON document and nothing else
        print(json.dumps(document, indent=1))
    else:
        _print(checks, letters)
        held = sum(check.holds for check in checks)
        print(f"{held} of {len(checks)} steps hold on all {len(letters)} letters")
        if args.json_out:
            try:
                atomic_write_text(args.json_out, json.dumps(document, indent=1) + "\n")
            except OSError as error:
                print(f"lessons: could not write {args.json_out} ({error.strerror or error}).",
                      file=sys.stderr)
                return 2
    return 0 if document["holds"] else 1


def run(args: argparse.Namespace) -> int:
    """List or check the steps; 0 when every step holds, 1 when one fails, 2 for bad input."""
    if args.list and (args.model or args.json_out):
        print("lessons: --model and --json go with --check, not --list.", file=sys.stderr)
        return 2
    if args.list:
        return _list()
    if not args.check:
        print("lessons: give --list to name the steps or --check to check them.",
              file=sys.stderr)
        return 2
    if args.json_out not in (None, "-") and not Path(args.json_out).parent.is_dir():
        print(f"lessons: cannot write {args.json_out}: its folder does not exist.",
              file=sys.stderr)
        return 2
    return _check(args)
