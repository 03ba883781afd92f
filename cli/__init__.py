"""Headless subcommands of ``main.py``.

Each module here exposes ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``.
Modules must not import TensorFlow at module level, so ``--help`` stays instant.
"""

COMMANDS = ("summary", "train", "compare", "runs", "classify", "pretrain", "bench", "export",
            "data", "desktop", "lessons")
