"""The `pretrain` subcommand (not available yet)."""

from __future__ import annotations

import argparse
import sys

HELP = "pretrain (not available yet)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this command's options."""


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the process exit code."""
    print("pretrain: not available yet", file=sys.stderr)
    return 2
