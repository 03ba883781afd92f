"""The app's own short explanations of layer types and explain-mode concepts.

The texts live in ``assets/help/layers.json`` (sections ``layers`` and ``concepts``).
"""

from __future__ import annotations

import json
from functools import lru_cache

from cnn_studio.model.storage.paths import ASSETS_DIR

HELP_FILE = ASSETS_DIR / "help" / "layers.json"


class HelpTextError(KeyError):
    """No help text exists for the requested key."""

    def __str__(self) -> str:  # KeyError would print the message with quotes around it
        return str(self.args[0]) if self.args else ""


@lru_cache(maxsize=1)
def _texts() -> dict[str, dict[str, str]]:
    with open(HELP_FILE, encoding="utf-8") as handle:
        data = json.load(handle)
    return {"layers": dict(data["layers"]), "concepts": dict(data["concepts"])}


def layer_keys() -> list[str]:
    """Layer kinds that have a help text (conv2d, dense...)."""
    return list(_texts()["layers"])


def help_text(key: str) -> str:
    """The help text for a layer kind or a concept.

    Raises:
        HelpTextError: if there is none for ``key``.
    """
    texts = _texts()
    for section in ("layers", "concepts"):
        if key in texts[section]:
            return texts[section][key]
    known = ", ".join([*texts["layers"], *texts["concepts"]])
    raise HelpTextError(f"No help text for {key!r}; known keys: {known}.")
