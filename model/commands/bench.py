"""The `bench` subcommand (not available yet)."""

from __future__ import annotations

import argparse
import sys

HELP = "bench (not available yet)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this command's options."""


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the process exit code."""
    print("bench: not available yet", file=sys.stderr)
    return 2
